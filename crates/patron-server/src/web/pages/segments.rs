//! `GET /segments` (marketing): write a condition and see its size, value and risk — as you
//! type, through a small embedded script, or by sending the form — save it under a name,
//! export it; the saved segments, and the run's RFM segments.

use super::{Chrome, PageResult, api_error_page, failed, message_page, render};
use crate::state::AppState;
use crate::web::Viewer;
use crate::web::format::{decimal, int, money, percent};
use crate::web::i18n::{Lang, Text};
use askama::Template;
use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect};
use patron_app::AppError;
use patron_app::score::RunSummary;
use patron_app::segments::SegmentFigures;
use patron_store::SavedSegment;
use serde::Deserialize;
use std::sync::Arc;

/// The figures of a condition, as the page shows them (also the fragment the script swaps in).
#[derive(Template)]
#[template(path = "segment_figures.html")]
struct FiguresPart {
    t: &'static Text,
    figures: Option<Vec<(&'static str, String)>>,
    tiers: String,
    problem: Option<String>,
}

#[derive(Template)]
#[template(path = "segments.html")]
struct SegmentsPage {
    chrome: Chrome,
    condition: String,
    /// The rendered [`FiguresPart`].
    figures: String,
    saved: Vec<(SavedSegment, String, String)>,
    just_saved: Option<String>,
    /// Segment, its builder link, customers, CLV.
    rfm: Vec<(String, String, String, String)>,
}

/// The condition being built.
#[derive(Debug, Default, Deserialize)]
pub struct SegmentQuery {
    #[serde(rename = "where")]
    condition: Option<String>,
    saved: Option<String>,
}

async fn figures_part(
    state: &AppState,
    lang: Lang,
    condition: &str,
) -> Result<FiguresPart, AppError> {
    let t = lang.text();
    let mut part = FiguresPart {
        t,
        figures: None,
        tiers: String::new(),
        problem: None,
    };
    if condition.trim().is_empty() {
        return Ok(part);
    }
    match patron_app::segments::figures(&state.project, state.store.as_ref(), condition).await {
        Ok(f) => {
            part.tiers = f
                .tiers
                .iter()
                .map(|(tier, n)| format!("{tier} {}", int(*n, lang)))
                .collect::<Vec<_>>()
                .join(" · ");
            part.figures = Some(figure_rows(
                t,
                lang,
                &f,
                &state.project.config.project.currency,
            ));
        }
        Err(AppError::Invalid(message)) => part.problem = Some(message),
        Err(e @ AppError::NoRun(_)) => part.problem = Some(e.to_string()),
        Err(e) => return Err(e),
    }
    Ok(part)
}

fn figure_rows(
    t: &Text,
    lang: Lang,
    f: &SegmentFigures,
    currency: &str,
) -> Vec<(&'static str, String)> {
    let opt = |v: Option<f64>, show: &dyn Fn(f64) -> String| v.map_or_else(|| "–".into(), show);
    let share_of = |n: u64| percent(n as f64 / f.customers.max(1) as f64, 1, lang);
    vec![
        (
            t.customers,
            format!("{} ({})", int(f.customers, lang), percent(f.share, 1, lang)),
        ),
        (t.clv, money(f.clv, currency, lang)),
        (t.revenue, money(f.revenue, currency, lang)),
        (
            t.mean_value_score,
            opt(f.mean_value_score, &|v| decimal(v, 0, lang)),
        ),
        (
            t.mean_churn_risk,
            opt(f.mean_churn_risk, &|v| percent(v, 1, lang)),
        ),
        (
            t.status_at_risk,
            format!("{} ({})", int(f.at_risk, lang), share_of(f.at_risk)),
        ),
        (
            t.alarms,
            format!("{} ({})", int(f.alarmed, lang), share_of(f.alarmed)),
        ),
    ]
}

/// The builder with `condition` filled in.
fn builder_href(condition: &str) -> String {
    format!(
        "/segments?{}",
        url::form_urlencoded::Serializer::new(String::new())
            .append_pair("where", condition)
            .finish()
    )
}

/// The segment builder.
pub async fn page(
    State(state): State<Arc<AppState>>,
    viewer: Viewer,
    Query(query): Query<SegmentQuery>,
) -> PageResult {
    let lang = viewer.lang;
    let t = viewer.text();
    let condition = query.condition.unwrap_or_default();
    let figures = figures_part(&state, lang, &condition)
        .await
        .map_err(failed(lang))?;
    let status = if figures.problem.is_some() {
        StatusCode::BAD_REQUEST
    } else {
        StatusCode::OK
    };
    let figures = figures.render().map_err(|e| {
        failed(lang)(AppError::Io(format!(
            "the segment figures did not render: {e}"
        )))
    })?;
    let saved = state
        .store
        .saved_segments()
        .await
        .map_err(|e| failed(lang)(e.into()))?
        .into_iter()
        .map(|s| {
            let name: String = url::form_urlencoded::byte_serialize(s.name.as_bytes()).collect();
            let open = builder_href(&s.condition);
            (s, open, format!("/segments/{name}/export?format=csv"))
        })
        .collect();
    let currency = &state.project.config.project.currency;
    let rfm = match patron_app::cards::run_or_latest(state.store.as_ref(), None).await {
        Ok(run) => RunSummary::of(&run)
            .map_err(failed(lang))?
            .rfm
            .into_iter()
            .map(|(segment, cell)| {
                let href = builder_href(&format!("rfm_segment == {segment:?}"));
                (
                    segment,
                    href,
                    int(cell.customers, lang),
                    money(cell.clv, currency, lang),
                )
            })
            .collect(),
        Err(AppError::NoRun(_)) => Vec::new(),
        Err(e) => return Err(failed(lang)(e)),
    };
    let page = SegmentsPage {
        chrome: Chrome::of(&viewer, t.nav_segments),
        condition,
        figures,
        saved,
        just_saved: query.saved,
        rfm,
    };
    Ok((status, render(&page)).into_response())
}

/// The figures alone, for the script that updates them as the reader types.
pub async fn figures(
    State(state): State<Arc<AppState>>,
    viewer: Viewer,
    Query(query): Query<SegmentQuery>,
) -> PageResult {
    let lang = viewer.lang;
    let part = figures_part(&state, lang, query.condition.as_deref().unwrap_or_default())
        .await
        .map_err(failed(lang))?;
    Ok(render(&part))
}

/// The form that saves a segment.
#[derive(Debug, Deserialize)]
pub struct SaveForm {
    csrf: String,
    name: String,
    #[serde(rename = "where")]
    condition: String,
    #[serde(default)]
    description: String,
}

/// Saves the condition under a name (the session's CSRF token required).
pub async fn save(
    State(state): State<Arc<AppState>>,
    viewer: Viewer,
    Form(form): Form<SaveForm>,
) -> PageResult {
    let lang = viewer.lang;
    viewer.check_csrf(&form.csrf)?;
    let saved = patron_app::segments::save(
        &state.project,
        state.store.as_ref(),
        &form.name,
        &form.condition,
        &form.description,
        &viewer.key.name,
    )
    .await
    .map_err(|e| api_error_page(lang, &e.into()))?;
    tracing::info!(key = viewer.key.id, "segment saved");
    let query = url::form_urlencoded::Serializer::new(String::new())
        .append_pair("where", &saved.condition)
        .append_pair("saved", &saved.name)
        .finish();
    Ok(Redirect::to(&format!("/segments?{query}")).into_response())
}

/// The export's format.
#[derive(Debug, Deserialize)]
pub struct ExportQuery {
    format: Option<String>,
}

/// A saved segment's cards as CSV (the API's export, with the segment's condition).
pub async fn export(
    State(state): State<Arc<AppState>>,
    viewer: Viewer,
    Path(name): Path<String>,
    Query(query): Query<ExportQuery>,
) -> PageResult {
    let lang = viewer.lang;
    let segment = state
        .store
        .saved_segments()
        .await
        .map_err(|e| failed(lang)(e.into()))?
        .into_iter()
        .find(|s| s.name == name)
        .ok_or_else(|| {
            message_page(
                lang,
                StatusCode::NOT_FOUND,
                &format!("{}: {name}", lang.text().not_found),
            )
        })?;
    super::export_condition(
        &state,
        lang,
        &segment.condition,
        query.format.as_deref(),
        &format!("segment-{name}"),
    )
    .await
}
