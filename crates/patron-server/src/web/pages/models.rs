//! `GET /models`: for each kind of model (churn, conversion, upsell), the latest registered
//! one as measured on the later holdout period it never saw while fitting — ROC curve, lift
//! by decile, calibration — with its cross-validation against the logistic baseline, and the
//! versions before it. Everything is read from what training stored in the registry.

use super::{Chrome, PageResult, failed, render};
use crate::state::AppState;
use crate::web::Viewer;
use crate::web::charts;
use crate::web::format::{decimal, int, percent};
use crate::web::i18n::Lang;
use askama::Template;
use axum::extract::State;
use patron_store::ModelInfo;
use serde_json::Value;
use std::sync::Arc;

#[derive(Template)]
#[template(path = "models.html")]
struct ModelsPage {
    chrome: Chrome,
    models: Vec<ModelView>,
    versions: Vec<[String; 6]>,
}

/// What the page shows of one model.
struct ModelView {
    kind: String,
    heading: String,
    window: String,
    figures: Vec<(&'static str, String, String)>,
    roc: String,
    lift: String,
    calibration: String,
}

/// A number at `path` in the stored metrics.
fn number(metrics: &Value, path: &[&str]) -> Option<f64> {
    path.iter()
        .try_fold(metrics, |v, key| v.get(*key))
        .and_then(Value::as_f64)
}

fn array<'a>(metrics: &'a Value, path: &[&str]) -> &'a [Value] {
    path.iter()
        .try_fold(metrics, |v, key| v.get(*key))
        .and_then(Value::as_array)
        .map_or(&[], Vec::as_slice)
}

fn view(viewer: &Viewer, model: &ModelInfo) -> ModelView {
    let t = viewer.text();
    let lang = viewer.lang;
    let m = &model.metrics;
    let show = |v: Option<f64>, d: usize| v.map_or_else(|| "–".into(), |v| decimal(v, d, lang));
    let figures = vec![
        (
            "ROC AUC",
            show(number(m, &["holdout", "gbm", "roc_auc"]), 3),
            show(number(m, &["holdout", "logistic", "roc_auc"]), 3),
        ),
        (
            "PR AUC",
            show(number(m, &["holdout", "gbm", "pr_auc"]), 3),
            show(number(m, &["holdout", "logistic", "pr_auc"]), 3),
        ),
        (
            "Brier",
            show(number(m, &["holdout", "gbm", "brier"]), 4),
            show(number(m, &["holdout", "logistic", "brier"]), 4),
        ),
        (
            t.cv_auc,
            format!(
                "{} ± {}",
                show(number(m, &["cv_gbm", "roc_auc_mean"]), 3),
                show(number(m, &["cv_gbm", "roc_auc_sd"]), 3)
            ),
            format!(
                "{} ± {}",
                show(number(m, &["cv_logistic", "roc_auc_mean"]), 3),
                show(number(m, &["cv_logistic", "roc_auc_sd"]), 3)
            ),
        ),
    ];
    let pct = |v: f64| percent(v, 0, lang);
    let roc: Vec<(f64, f64)> = array(m, &["holdout", "roc"])
        .iter()
        .filter_map(|p| Some((p.get("fpr")?.as_f64()?, p.get("tpr")?.as_f64()?)))
        .collect();
    let roc_chart = charts::xy(
        &format!("{} {}", t.roc_title, model.kind),
        &[("GBM".into(), roc)],
        t.false_positive_rate,
        t.true_positive_rate,
        &pct,
        None,
    );
    let calibration: Vec<(f64, f64)> = array(m, &["holdout", "calibration"])
        .iter()
        .filter_map(|b| {
            Some((
                b.get("mean_predicted")?.as_f64()?,
                b.get("observed_rate")?.as_f64()?,
            ))
        })
        .collect();
    let calibration_chart = charts::xy(
        &format!("{} {}", t.calibration_title, model.kind),
        &[(t.observed.into(), calibration)],
        t.predicted,
        t.observed,
        &pct,
        None,
    );
    let lift: Vec<(String, f64)> = array(m, &["holdout", "lift"])
        .iter()
        .filter_map(|r| {
            Some((
                r.get("decile")?.as_u64()?.to_string(),
                r.get("lift")?.as_f64()?,
            ))
        })
        .collect();
    let lift_chart = charts::bars(
        &format!("{} {}", t.lift_title, model.kind),
        t.lift_unit,
        &lift,
        &|v| decimal(v, 1, lang),
    );
    ModelView {
        kind: model.kind.clone(),
        heading: format!("{} {} · v{}", t.model, model.kind, model.version),
        window: window(viewer.lang, model),
        figures,
        roc: roc_chart,
        lift: lift_chart,
        calibration: calibration_chart,
    }
}

fn window(lang: Lang, model: &ModelInfo) -> String {
    let t = lang.text();
    format!(
        "{} {} · {} {} · {} {} {} · {} {} · {} {}",
        t.trained,
        model.trained_at,
        t.as_of,
        model.as_of.date(),
        model.cutoffs.len(),
        t.cutoffs,
        model.horizon_days,
        t.holdout_from,
        model.holdout.date(),
        int(model.features.len() as u64, lang),
        t.features
    )
}

/// The models page.
pub async fn page(State(state): State<Arc<AppState>>, viewer: Viewer) -> PageResult {
    let lang = viewer.lang;
    let mut all = state
        .store
        .models(None)
        .await
        .map_err(|e| failed(lang)(e.into()))?;
    all.sort_by(|a, b| a.kind.cmp(&b.kind).then(b.version.cmp(&a.version)));
    let mut models = Vec::new();
    for info in &all {
        if models.iter().all(|m: &ModelView| m.kind != info.kind) {
            models.push(view(&viewer, info));
        }
    }
    let show = |v: Option<f64>| v.map_or_else(|| "–".into(), |v| decimal(v, 3, lang));
    let versions = all
        .iter()
        .map(|m| {
            [
                m.kind.clone(),
                format!("v{}", m.version),
                m.trained_at.clone(),
                m.as_of.date().to_string(),
                show(number(&m.metrics, &["holdout", "gbm", "roc_auc"])),
                show(number(&m.metrics, &["cv_gbm", "roc_auc_mean"])),
            ]
        })
        .collect();
    Ok(render(&ModelsPage {
        chrome: Chrome::of(&viewer, viewer.text().nav_models),
        models,
        versions,
    }))
}
