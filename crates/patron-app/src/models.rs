//! Churn, conversion and upsell models trained on the store's own history and kept in its model
//! registry; predictions with reasons for the target's population, or for chosen customers from
//! their own facts alone.

use crate::project::resolve_as_of;
use crate::{AppError, Progress};
use patron_core::Timestamp;
use patron_core::facts::Facts;
use patron_core::ids::CustomerId;
use patron_engine::features::FeatureTable;
use patron_engine::predict::labels::labels;
use patron_engine::predict::{
    Explain, PredictOptions, Prediction, Predictor, Target, TrainConfig, TrainReport, train,
};
use patron_store::{FactOptions, ModelInfo, NewModel, Store};
use std::time::Instant;

/// A registered model, ready to predict.
pub struct RegisteredModel {
    /// What the registry knows about it (id, version, data window, metrics).
    pub info: ModelInfo,
    /// The model.
    pub predictor: Predictor,
}

/// The newest registered model of `kind` (`churn`, `conversion`, `upsell`), if any.
pub async fn latest_model(
    store: &dyn Store,
    kind: Target,
) -> Result<Option<RegisteredModel>, AppError> {
    let Some(stored) = store.latest_model(kind.name()).await? else {
        return Ok(None);
    };
    let predictor = Predictor::from_json(&stored.model).map_err(|e| {
        AppError::Corrupt(format!(
            "model {} ({} v{}): {e}",
            stored.info.id,
            kind.name(),
            stored.info.version
        ))
    })?;
    Ok(Some(RegisteredModel {
        info: stored.info,
        predictor,
    }))
}

/// What to train.
#[derive(Debug, Clone)]
pub struct TrainRequest {
    /// The target.
    pub target: Target,
    /// Train on facts before this time (default: the day after the last fact).
    pub as_of: Option<Timestamp>,
    /// Days after a cutoff in which the label is observed.
    pub horizon_days: i64,
    /// Training cutoffs.
    pub cutoffs: usize,
    /// Days between cutoffs.
    pub step_days: i64,
    /// Seed of the folds and the trees.
    pub seed: u64,
    /// How predictions of the population are explained.
    pub predict: PredictOptions,
    /// The project's consent policy: customers who refused profiling are not trained on.
    pub consent: patron_core::config::ConsentSection,
}

/// A trained and registered model with its report and the population's predictions.
pub struct TrainedModel {
    /// The registry's entry.
    pub info: ModelInfo,
    /// Cross-validation, holdout and calibration.
    pub report: TrainReport,
    /// As of.
    pub as_of: Timestamp,
    /// The target's population at `as_of`, highest probability first.
    pub predictions: Vec<Prediction>,
    /// Milliseconds of training.
    pub training_ms: u64,
}

/// Trains a model on the store's history, registers it as the next version of its kind and
/// predicts the target's population.
pub async fn train_model(
    store: &dyn Store,
    request: &TrainRequest,
    progress: &mut dyn Progress,
) -> Result<TrainedModel, AppError> {
    progress.stage("load", None);
    let as_of = resolve_as_of(store, request.as_of).await?;
    let facts = store.load_facts(as_of).await?;
    progress.stage("train", None);
    let mut config = TrainConfig::schedule(
        request.target,
        as_of,
        request.horizon_days,
        request.cutoffs,
        request.step_days,
    );
    config.seed = request.seed;
    config.consent = request.consent.clone();
    let started = Instant::now();
    let trained = train(&facts, &config)?;
    let training_ms = started.elapsed().as_millis() as u64;
    let predictor = &trained.predictor;
    let info = store
        .save_model(&NewModel {
            kind: request.target.name().into(),
            as_of,
            cutoffs: config.cutoffs.clone(),
            holdout: config.holdout,
            horizon_days: request.horizon_days,
            features: predictor
                .features()
                .iter()
                .map(|f| f.name.clone())
                .collect(),
            metrics: serde_json::to_value(&trained.report)
                .map_err(|e| AppError::Corrupt(e.to_string()))?,
            training_ms,
            model: predictor.to_json()?,
        })
        .await?;
    let table = population(&facts, predictor, as_of);
    let predictions = ranked(predictor, &table, &request.predict)?;
    Ok(TrainedModel {
        info,
        report: trained.report,
        as_of,
        predictions,
        training_ms,
    })
}

/// The latest model of `target` and its predictions as of `as_of` (default: the day after the
/// last fact): for `customers` alone (each from their own facts, read through the store's
/// indexes), or for the target's whole population when none are named.
pub async fn predict(
    store: &dyn Store,
    target: Target,
    as_of: Option<Timestamp>,
    customers: &[CustomerId],
    options: &PredictOptions,
) -> Result<(ModelInfo, Timestamp, Vec<Prediction>), AppError> {
    let model = latest_model(store, target).await?.ok_or_else(|| {
        AppError::NoRun(format!(
            "no {0} model yet: run `patron models train {0}`",
            target.name()
        ))
    })?;
    let as_of = resolve_as_of(store, as_of).await?;
    let p = &model.predictor;
    let predictions = if customers.is_empty() {
        let facts = store.load_facts(as_of).await?;
        ranked(p, &population(&facts, p, as_of), options)?
    } else {
        let mut all = Vec::with_capacity(customers.len());
        for id in customers {
            let facts = store
                .load_customer_facts(id, as_of, &FactOptions::default())
                .await?
                .ok_or_else(|| {
                    AppError::UnknownCustomer(format!("no customer {id} as of {}", as_of.date()))
                })?;
            all.extend(ranked(p, &p.feature_table(&facts, as_of), options)?);
        }
        sort(&mut all);
        all
    };
    Ok((model.info, as_of, predictions))
}

/// The feature table of the customers in the target's population as of `as_of` (buyers for
/// churn and upsell, leads for conversion).
fn population(facts: &Facts, predictor: &Predictor, as_of: Timestamp) -> FeatureTable {
    let table = predictor.feature_table(facts, as_of);
    let member = labels(facts, &table, predictor.target, 0);
    let keep: Vec<usize> = (0..member.len()).filter(|&r| member[r].is_some()).collect();
    table.select(&keep)
}

/// Predictions with reasons, highest probability first.
fn ranked(
    predictor: &Predictor,
    table: &FeatureTable,
    options: &PredictOptions,
) -> Result<Vec<Prediction>, AppError> {
    let mut predictions = predictor.predict_with(table, options)?;
    sort(&mut predictions);
    Ok(predictions)
}

fn sort(predictions: &mut [Prediction]) {
    predictions.sort_by(|a, b| {
        b.probability
            .total_cmp(&a.probability)
            .then_with(|| a.customer_id.cmp(&b.customer_id))
    });
}

/// How predictions are explained: `path` (fast path contributions) or exact tree SHAP.
pub fn explain_method(name: &str) -> Explain {
    if name == "path" {
        Explain::Path
    } else {
        Explain::Shap
    }
}
