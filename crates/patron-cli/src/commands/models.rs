//! `patron models train|list|show|report`: churn, conversion and upsell models trained on the
//! store's own history, kept in the store's model registry.
//!
//! `train` builds rows at cutoffs whose horizons are fully observed, cross-validates the GBM
//! and the logistic baseline, tests both on a later holdout period, registers the refitted
//! model as the next version of its kind, and predicts everyone at `--as-of` with reasons.
//! `report` measures the latest model on every period labelled since its training window.
//!
//! The work is done by [`patron_app::models`]; this file parses flags and prints.

use crate::cli::Global;
use crate::commands::resolve_as_of;
use crate::output::{Stages, Table, count, print_json};
use anyhow::{Context, Result, bail};
use clap::{Args, Subcommand};
use patron_app::models::{
    RegisteredModel, TrainRequest, explain_method, latest_model, train_model,
};
use patron_core::Timestamp;
use patron_core::facts::Facts;
use patron_core::ids::CustomerId;
use patron_engine::ml::metrics::Scores;
use patron_engine::predict::train::labelled;
use patron_engine::predict::{PredictOptions, Prediction, Target, TrainReport};
use patron_store::ModelInfo;
use serde::Serialize;
use serde_json::{Value, json};

/// `patron models …`.
#[derive(Debug, Subcommand)]
pub enum ModelsCommand {
    /// Train a churn, conversion, upsell, offer or cancellation model on the store's history and predict everyone.
    #[command(
        after_help = "Examples:\n  patron models train churn\n  patron models train churn --as-of 2026-06-30 --horizon 180d --json\n  patron models train upsell --horizon 90d --cutoffs 4 --step 60d\n  patron models train cancellation --horizon 60d --step 30d"
    )]
    Train(TrainArgs),
    /// Predict with the latest registered model: probabilities and reasons per customer.
    #[command(
        after_help = "Examples:\n  patron models predict churn --customer C000042 --top 5\n  patron models predict conversion --json"
    )]
    Predict(PredictArgs),
    /// Registered models, newest first.
    #[command(after_help = "Example:\n  patron models list --kind churn --json")]
    List(ListArgs),
    /// One registered model: data window, features, metrics.
    #[command(after_help = "Example:\n  patron models show 3 --json")]
    Show(ShowArgs),
    /// The latest model's AUC on every period labelled after its training window.
    #[command(after_help = "Example:\n  patron models report churn --every 30d --json")]
    Report(ReportArgs),
}

/// `patron models train`.
#[derive(Debug, Args)]
pub struct TrainArgs {
    /// churn, conversion, upsell, offer or cancellation (of a contract).
    #[arg(value_parser = ["churn", "conversion", "upsell", "offer", "cancellation"])]
    pub kind: String,
    /// Train with the facts before this date and predict as of it (default: the day after the
    /// last fact).
    #[arg(long, value_name = "DATE")]
    pub as_of: Option<String>,
    /// Days after a cutoff the label looks at (`180d`, `26w` or a number of days).
    #[arg(long, default_value = "180d", value_parser = parse_days)]
    pub horizon: i64,
    /// Training cutoffs (the latest one horizon before the holdout cutoff, which is one horizon
    /// before --as-of).
    #[arg(long, default_value_t = 3)]
    pub cutoffs: usize,
    /// Days between training cutoffs.
    #[arg(long, default_value = "90d", value_parser = parse_days)]
    pub step: i64,
    /// Seed of the folds and learners.
    #[arg(long, default_value_t = 42)]
    pub seed: u64,
    /// Reasons per prediction.
    #[arg(long, default_value_t = 3)]
    pub top: usize,
    /// Reasons from exact tree SHAP values, or the faster path contributions.
    #[arg(long, default_value = "shap", value_parser = ["shap", "path"])]
    pub explain: String,
    /// Customers shown in the text output (highest probability first; --json lists all).
    #[arg(long, default_value_t = 10)]
    pub limit: usize,
}

/// `patron models predict`.
#[derive(Debug, Args)]
pub struct PredictArgs {
    /// churn, conversion, upsell, offer or cancellation (of a contract).
    #[arg(value_parser = ["churn", "conversion", "upsell", "offer", "cancellation"])]
    pub kind: String,
    /// Predict as of this date (default: the day after the last fact).
    #[arg(long, value_name = "DATE")]
    pub as_of: Option<String>,
    /// Only this customer (repeatable; default: everyone in the model's population).
    #[arg(long = "customer", value_name = "ID")]
    pub customers: Vec<String>,
    /// Reasons per prediction.
    #[arg(long, default_value_t = 3)]
    pub top: usize,
    /// Reasons from exact tree SHAP values, or the faster path contributions.
    #[arg(long, default_value = "shap", value_parser = ["shap", "path"])]
    pub explain: String,
    /// Customers shown in the text output (highest probability first; --json lists all).
    #[arg(long, default_value_t = 10)]
    pub limit: usize,
}

/// `patron models list`.
#[derive(Debug, Args)]
pub struct ListArgs {
    /// Only this kind.
    #[arg(long)]
    pub kind: Option<String>,
}

/// `patron models show`.
#[derive(Debug, Args)]
pub struct ShowArgs {
    /// Registry id (see `patron models list`).
    pub id: i64,
}

/// `patron models report`.
#[derive(Debug, Args)]
pub struct ReportArgs {
    /// churn, conversion, upsell, offer or cancellation (of a contract).
    #[arg(value_parser = ["churn", "conversion", "upsell", "offer", "cancellation"])]
    pub kind: String,
    /// Measure with the facts before this date (default: the day after the last fact).
    #[arg(long, value_name = "DATE")]
    pub as_of: Option<String>,
    /// Days between the periods' cutoffs.
    #[arg(long, default_value = "30d", value_parser = parse_days)]
    pub every: i64,
}

/// `patron models …`.
pub async fn run(global: &Global, command: &ModelsCommand) -> Result<()> {
    match command {
        ModelsCommand::Train(args) => train_cmd(global, args).await,
        ModelsCommand::Predict(args) => predict(global, args).await,
        ModelsCommand::List(args) => list(global, args).await,
        ModelsCommand::Show(args) => show(global, args).await,
        ModelsCommand::Report(args) => report(global, args).await,
    }
}

/// `180d`, `26w` or `180` as days.
pub(crate) fn parse_days(text: &str) -> Result<i64, String> {
    let t = text.trim();
    let (number, factor) = if let Some(n) = t.strip_suffix('d') {
        (n, 1)
    } else if let Some(n) = t.strip_suffix('w') {
        (n, 7)
    } else {
        (t, 1)
    };
    match number.trim().parse::<i64>() {
        Ok(n) if n > 0 => Ok(n * factor),
        _ => Err(format!(
            "`{text}` is not a positive number of days (e.g. 180d or 26w)"
        )),
    }
}

fn target(kind: &str) -> Result<Target> {
    Target::parse(kind).with_context(|| format!("unknown model kind `{kind}`"))
}

async fn train_cmd(global: &Global, args: &TrainArgs) -> Result<()> {
    let project = crate::project::load(global)?;
    let store = project.open_store().await?;
    let request = TrainRequest {
        target: target(&args.kind)?,
        as_of: crate::flags::as_of(args.as_of.as_deref())?,
        horizon_days: args.horizon,
        cutoffs: args.cutoffs,
        step_days: args.step,
        seed: args.seed,
        predict: PredictOptions {
            top: args.top,
            explain: explain_method(&args.explain),
        },
        consent: project.config.consent.clone(),
    };
    let mut stages = Stages::new(global.quiet || global.json);
    let trained = train_model(store.as_ref(), &request, &mut stages).await?;
    stages.clear();
    if global.json {
        return print_json(&json!({
            "model": trained.info,
            "as_of": trained.as_of,
            "report": trained.report,
            "predictions": trained.predictions,
        }));
    }
    print_report(&trained.info, &trained.report);
    print_predictions(&trained.predictions, trained.as_of, args.limit);
    println!(
        "\n(trained in {:.1} s)",
        trained.training_ms as f64 / 1000.0
    );
    Ok(())
}

/// The latest model of `kind` and the project's facts as of `as_of` (default: the day after
/// the last fact).
async fn model_and_facts(
    global: &Global,
    kind: &str,
    as_of: Option<&str>,
) -> Result<(RegisteredModel, Timestamp, Facts)> {
    let project = crate::project::load(global)?;
    let store = project.open_store().await?;
    let Some(model) = latest_model(store.as_ref(), target(kind)?).await? else {
        bail!("no {kind} model yet: run `patron models train {kind}`");
    };
    let as_of = resolve_as_of(store.as_ref(), as_of).await?;
    let facts = store.load_facts(as_of).await?;
    Ok((model, as_of, facts))
}

async fn predict(global: &Global, args: &PredictArgs) -> Result<()> {
    let project = crate::project::load(global)?;
    let store = project.open_store().await?;
    let customers = args
        .customers
        .iter()
        .map(|c| CustomerId::parse(c.trim()))
        .collect::<Result<Vec<_>, _>>()?;
    let options = PredictOptions {
        top: args.top,
        explain: explain_method(&args.explain),
    };
    let (info, as_of, predictions) = patron_app::models::predict(
        store.as_ref(),
        target(&args.kind)?,
        crate::flags::as_of(args.as_of.as_deref())?,
        &customers,
        &options,
    )
    .await?;
    if global.json {
        return print_json(&json!({
            "model": info,
            "as_of": as_of,
            "predictions": predictions,
        }));
    }
    println!(
        "{} model v{} (id {}), trained on facts before {}",
        info.kind,
        info.version,
        info.id,
        info.as_of.date()
    );
    print_predictions(&predictions, as_of, args.limit);
    Ok(())
}

fn print_predictions(predictions: &[Prediction], as_of: Timestamp, limit: usize) {
    println!(
        "\nPredictions as of {} for {} customers (highest first):",
        as_of.date(),
        count(predictions.len() as u64)
    );
    let mut t = Table::new(&["customer", "probability", "reasons"]);
    for p in predictions.iter().take(limit) {
        let reasons: Vec<String> = p
            .reasons
            .iter()
            .map(|r| format!("{} ({:+.2})", r.text, r.contribution))
            .collect();
        t.row(vec![
            p.customer_id.to_string(),
            format!("{:.3}", p.probability),
            reasons.join("; "),
        ]);
    }
    println!("{}", t.render());
}

fn print_report(info: &ModelInfo, r: &TrainReport) {
    let day = |t: &Timestamp| t.date().to_string();
    println!(
        "{} model v{} (id {}): horizon {} days, training cutoffs {}, holdout cutoff {}",
        info.kind,
        info.version,
        info.id,
        r.horizon_days,
        r.cutoffs.iter().map(day).collect::<Vec<_>>().join(", "),
        day(&r.holdout.cutoff)
    );
    println!(
        "training rows {} ({:.1}% positive), holdout rows {} ({:.1}% positive), {} features",
        count(r.train.rows as u64),
        100.0 * r.train.positive_rate,
        count(r.holdout.counts.rows as u64),
        100.0 * r.holdout.counts.positive_rate,
        r.features
    );
    let mut t = Table::new(&[
        "model",
        "CV ROC AUC",
        "± sd",
        "holdout ROC AUC",
        "holdout PR AUC",
        "holdout Brier",
    ]);
    for (name, cv, hold) in [
        ("gbm", &r.cv_gbm, &r.holdout.gbm),
        ("logistic", &r.cv_logistic, &r.holdout.logistic),
    ] {
        t.row(vec![
            name.into(),
            format!("{:.4}", cv.roc_auc_mean),
            format!("{:.4}", cv.roc_auc_sd),
            format!("{:.4}", hold.roc_auc),
            format!("{:.4}", hold.pr_auc),
            format!("{:.4}", hold.brier),
        ]);
    }
    println!("{}", t.render());
}

async fn list(global: &Global, args: &ListArgs) -> Result<()> {
    let project = crate::project::load(global)?;
    let store = project.open_store().await?;
    let models = store.models(args.kind.as_deref()).await?;
    if global.json {
        return print_json(&json!({ "models": models }));
    }
    if models.is_empty() {
        println!("no models yet: run `patron models train churn`");
        return Ok(());
    }
    let mut t = Table::new(&[
        "id",
        "kind",
        "version",
        "as of",
        "horizon",
        "holdout AUC",
        "CV AUC",
        "trained at",
    ]);
    for m in &models {
        t.row(vec![
            m.id.to_string(),
            m.kind.clone(),
            m.version.to_string(),
            m.as_of.date().to_string(),
            format!("{}d", m.horizon_days),
            metric(&m.metrics["holdout"]["gbm"]["roc_auc"]),
            metric(&m.metrics["cv_gbm"]["roc_auc_mean"]),
            m.trained_at.clone(),
        ]);
    }
    println!("{}", t.render());
    Ok(())
}

fn metric(v: &Value) -> String {
    v.as_f64().map_or("-".into(), |x| format!("{x:.4}"))
}

async fn show(global: &Global, args: &ShowArgs) -> Result<()> {
    let project = crate::project::load(global)?;
    let store = project.open_store().await?;
    let Some(stored) = store.model(args.id).await? else {
        bail!("no model with id {} (see `patron models list`)", args.id);
    };
    let m = &stored.info;
    if global.json {
        return print_json(m);
    }
    println!(
        "{} model v{} (id {}), trained {} in {:.1} s",
        m.kind,
        m.version,
        m.id,
        m.trained_at,
        m.training_ms as f64 / 1000.0
    );
    println!(
        "data: facts before {}, training cutoffs {}, holdout cutoff {}, horizon {} days",
        m.as_of.date(),
        m.cutoffs
            .iter()
            .map(|c| c.date().to_string())
            .collect::<Vec<_>>()
            .join(", "),
        m.holdout.date(),
        m.horizon_days
    );
    println!(
        "holdout ROC AUC {} (logistic {}), CV ROC AUC {}",
        metric(&m.metrics["holdout"]["gbm"]["roc_auc"]),
        metric(&m.metrics["holdout"]["logistic"]["roc_auc"]),
        metric(&m.metrics["cv_gbm"]["roc_auc_mean"])
    );
    println!("features ({}): {}", m.features.len(), m.features.join(", "));
    Ok(())
}

/// One newly labelled period.
#[derive(Serialize)]
struct Period {
    cutoff: Timestamp,
    labelled_until: Timestamp,
    rows: usize,
    positives: usize,
    #[serde(flatten)]
    scores: Option<Scores>,
}

async fn report(global: &Global, args: &ReportArgs) -> Result<()> {
    let (model, as_of, facts) = model_and_facts(global, &args.kind, args.as_of.as_deref()).await?;
    let p = &model.predictor;
    let h = p.horizon_days;
    let mut periods = Vec::new();
    let mut cutoff = model.info.as_of;
    while cutoff.plus_days(h) <= as_of {
        let (table, y) = labelled(&facts, &p.spec, p.target, cutoff, h);
        let positives = y.iter().filter(|&&v| v == 1.0).count();
        let scores = if positives > 0 && positives < y.len() {
            Some(Scores::of(&y, &p.probabilities(&table)?))
        } else {
            None
        };
        periods.push(Period {
            cutoff,
            labelled_until: cutoff.plus_days(h),
            rows: y.len(),
            positives,
            scores,
        });
        cutoff = cutoff.plus_days(args.every);
    }
    let trained_auc = model.info.metrics["holdout"]["gbm"]["roc_auc"].as_f64();
    let latest_auc = periods
        .iter()
        .rev()
        .find_map(|p| p.scores.map(|s| s.roc_auc));
    let decaying = matches!((trained_auc, latest_auc), (Some(a), Some(b)) if b < a - 0.05);
    let next = cutoff.plus_days(h);
    if global.json {
        return print_json(&json!({
            "model": model.info,
            "as_of": as_of,
            "holdout_roc_auc": trained_auc,
            "periods": periods,
            "decaying": decaying,
            "next_period_labelled_at": next,
        }));
    }
    println!(
        "{} model v{} (id {}): holdout ROC AUC {} at training",
        model.info.kind,
        model.info.version,
        model.info.id,
        trained_auc.map_or("-".into(), |a| format!("{a:.4}"))
    );
    if periods.is_empty() {
        println!(
            "no period labelled after the training window yet (the first is complete on {})",
            next.date()
        );
        return Ok(());
    }
    let mut t = Table::new(&[
        "cutoff",
        "labelled until",
        "rows",
        "positives",
        "ROC AUC",
        "PR AUC",
        "Brier",
    ]);
    for period in &periods {
        let s = period.scores;
        let f = |g: fn(&Scores) -> f64| s.map_or("-".into(), |s| format!("{:.4}", g(&s)));
        t.row(vec![
            period.cutoff.date().to_string(),
            period.labelled_until.date().to_string(),
            count(period.rows as u64),
            count(period.positives as u64),
            f(|s| s.roc_auc),
            f(|s| s.pr_auc),
            f(|s| s.brier),
        ]);
    }
    println!("{}", t.render());
    if decaying {
        println!(
            "the model is decaying: retrain with `patron models train {}`",
            args.kind
        );
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::parse_days;

    #[test]
    fn parses_days() {
        assert_eq!(parse_days("180d"), Ok(180));
        assert_eq!(parse_days("26w"), Ok(182));
        assert_eq!(parse_days("90"), Ok(90));
        assert!(parse_days("0d").is_err() && parse_days("soon").is_err());
    }
}
