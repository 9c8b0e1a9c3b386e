//! Training a propensity model on the store's own history.
//!
//! Rows are (customer, cutoff) pairs: the features as of each training cutoff and the label of
//! the horizon after it. Every training cutoff's horizon ends by the holdout cutoff, and the
//! holdout's horizon ends by the fact set's `as_of`, so all labels are fully observed and the
//! holdout is a later period the model never saw. Reported: cross-validated metrics of the
//! GBM and of the logistic baseline on the training rows (folds grouped by customer, so one
//! customer's rows at several cutoffs never straddle a fold), and both models' metrics on the
//! holdout period. The returned model is refitted on the training and holdout rows, with the
//! calibration chosen on the out-of-fold predictions.

use super::error::PredictError;
use super::labels::{Target, labels, observed};
use super::model::Predictor;
use crate::features::{FeatureKind, FeatureSpec, FeatureTable, build_at};
use crate::ml::calibration::Method;
use crate::ml::cv::Folds;
use crate::ml::gbm::{Gbm, GbmParams};
use crate::ml::logistic::Logistic;
use crate::ml::metrics::{LiftRow, Scores, lift_table};
use crate::ml::report::{CvSummary, evaluate};
use crate::ml::rng::SplitMix64;
use crate::ml::{Learner, Matrix, Model};
use patron_core::Timestamp;
use patron_core::facts::Facts;
use serde::Serialize;

/// What to train.
#[derive(Debug, Clone, PartialEq)]
pub struct TrainConfig {
    /// The target.
    pub target: Target,
    /// Days after a cutoff the label looks at.
    pub horizon_days: i64,
    /// Training cutoffs (each plus the horizon at most `holdout`).
    pub cutoffs: Vec<Timestamp>,
    /// The later cutoff whose rows test the model trained on the training cutoffs.
    pub holdout: Timestamp,
    /// Cross-validation folds.
    pub folds: usize,
    /// Seed of the folds and learners.
    pub seed: u64,
    /// Who may be profiled: customers without profiling consent are left out of every
    /// training and holdout row (GDPR Art. 21/22).
    pub consent: patron_core::config::ConsentSection,
}

impl TrainConfig {
    /// The default schedule for a fact set as of `as_of`: holdout at `as_of − horizon`,
    /// `n_cutoffs` training cutoffs every `step_days` ending one horizon before the holdout.
    pub fn schedule(
        target: Target,
        as_of: Timestamp,
        horizon_days: i64,
        n_cutoffs: usize,
        step_days: i64,
    ) -> TrainConfig {
        let holdout = as_of.plus_days(-horizon_days);
        let last = holdout.plus_days(-horizon_days);
        let cutoffs = (0..n_cutoffs as i64)
            .rev()
            .map(|k| last.plus_days(-k * step_days))
            .collect();
        TrainConfig {
            target,
            horizon_days,
            cutoffs,
            holdout,
            folds: 5,
            seed: 42,
            consent: patron_core::config::ConsentSection::default(),
        }
    }
}

/// Rows and positives of a set of rows.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RowCounts {
    /// Labelled rows.
    pub rows: usize,
    /// Of those, positive.
    pub positives: usize,
    /// Positive share.
    pub positive_rate: f64,
}

impl RowCounts {
    fn of(y: &[f64]) -> RowCounts {
        let positives = y.iter().filter(|&&v| v == 1.0).count();
        RowCounts {
            rows: y.len(),
            positives,
            positive_rate: positives as f64 / y.len().max(1) as f64,
        }
    }
}

/// Metrics on the later holdout period.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Holdout {
    /// The holdout cutoff.
    pub cutoff: Timestamp,
    /// Its rows.
    #[serde(flatten)]
    pub counts: RowCounts,
    /// GBM trained on the training cutoffs, calibrated.
    pub gbm: Scores,
    /// Logistic baseline trained on the training cutoffs.
    pub logistic: Scores,
    /// Lift by decile of the GBM.
    pub lift: Vec<LiftRow>,
    /// The GBM's ROC curve (at most 101 points).
    pub roc: Vec<crate::ml::metrics::RocPoint>,
    /// The GBM's calibration: predicted against observed in ten bins.
    pub calibration: Vec<crate::ml::metrics::CalibrationBin>,
}

/// Everything measured while training.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TrainReport {
    /// The target.
    pub target: Target,
    /// Horizon in days.
    pub horizon_days: i64,
    /// Training cutoffs.
    pub cutoffs: Vec<Timestamp>,
    /// Training rows.
    pub train: RowCounts,
    /// Cross-validation of the GBM on the training rows.
    pub cv_gbm: CvSummary,
    /// Cross-validation of the logistic baseline.
    pub cv_logistic: CvSummary,
    /// The calibration chosen (`platt` or `isotonic`).
    pub calibration: Method,
    /// The later period.
    pub holdout: Holdout,
    /// Rows of the final fit (training and holdout).
    pub final_rows: usize,
    /// Trees of the final model.
    pub final_trees: usize,
    /// Feature columns.
    pub features: usize,
}

/// A trained model and its report.
pub struct Trained {
    /// The model.
    pub predictor: Predictor,
    /// The measurements.
    pub report: TrainReport,
}

/// The labelled rows at one cutoff: the table of labelled customers and their labels.
pub fn labelled(
    facts: &Facts,
    spec: &FeatureSpec,
    target: Target,
    cutoff: Timestamp,
    horizon_days: i64,
) -> (FeatureTable, Vec<f64>) {
    let table = build_at(facts, cutoff, spec);
    let y = labels(facts, &table, target, horizon_days);
    let keep: Vec<usize> = (0..y.len()).filter(|&r| y[r].is_some()).collect();
    let y = keep.iter().filter_map(|&r| y[r]).collect();
    (table.select(&keep), y)
}

/// Trains, cross-validates and tests on the holdout period.
pub fn train(facts: &Facts, config: &TrainConfig) -> Result<Trained, PredictError> {
    let h = config.horizon_days;
    if !observed(config.holdout, h, facts.as_of) {
        return Err(PredictError::NotEnoughData(format!(
            "the holdout cutoff {} plus {h} days is after the data ({})",
            config.holdout, facts.as_of
        )));
    }
    if let Some(bad) = config
        .cutoffs
        .iter()
        .find(|c| !observed(**c, h, config.holdout))
    {
        return Err(PredictError::NotEnoughData(format!(
            "the training cutoff {bad} plus {h} days is after the holdout cutoff {}",
            config.holdout
        )));
    }
    let spec = FeatureSpec::infer(facts);
    let consenting = |(table, y): (FeatureTable, Vec<f64>)| {
        let keep: Vec<usize> = (0..y.len())
            .filter(|&r| {
                let flag = facts.customers.consent[table.customers[r] as usize].profiling;
                crate::scorecard::profiling_allowed(flag, &config.consent)
            })
            .collect();
        let y = keep.iter().map(|&r| y[r]).collect();
        (table.select(&keep), y)
    };
    let parts: Vec<(FeatureTable, Vec<f64>)> = config
        .cutoffs
        .iter()
        .map(|&c| consenting(labelled(facts, &spec, config.target, c, h)))
        .collect();
    let (x, y, customers) = stack(&parts);
    let (hold_table, hold_y) = consenting(labelled(facts, &spec, config.target, config.holdout, h));
    need_both(&y, "training cutoffs", config.folds)?;
    need_both(&hold_y, "holdout cutoff", 1)?;
    let categorical = hold_table.categorical();
    let gbm = Gbm {
        params: GbmParams {
            seed: config.seed,
            ..GbmParams::default()
        },
        categorical: categorical.clone(),
    };
    let folds = grouped_folds(&customers, config.folds, config.seed)?;
    let cv_gbm = evaluate(&gbm, &x, &y, &folds, &mut |_| {})?;
    let onehot = OneHot::new(&hold_table);
    let cv_logistic = evaluate(
        &Logistic::default(),
        &onehot.apply(&x),
        &y,
        &folds,
        &mut |_| {},
    )?;
    let calibrator = match cv_gbm.calibration.best {
        Method::Platt => cv_gbm.calibration.platt.fitted.clone(),
        Method::Isotonic => cv_gbm.calibration.isotonic.fitted.clone(),
    };

    // The later period, with models fitted on the training cutoffs only.
    let model = gbm.fit_model(&x, &y)?;
    let p_hold = calibrator.apply(&model.predict_proba(&hold_table.matrix));
    let logistic = Logistic::default().fit(&onehot.apply(&x), &y)?;
    let p_logistic = logistic.predict_proba(&onehot.apply(&hold_table.matrix));
    let holdout = Holdout {
        cutoff: config.holdout,
        counts: RowCounts::of(&hold_y),
        gbm: Scores::of(&hold_y, &p_hold),
        logistic: Scores::of(&hold_y, &p_logistic),
        lift: lift_table(&hold_y, &p_hold, 10),
        roc: crate::ml::metrics::roc_curve(&hold_y, &p_hold, 101),
        calibration: crate::ml::metrics::calibration_table(&hold_y, &p_hold, 10),
    };

    // The final model sees the holdout period too.
    let all = [parts, vec![(hold_table, hold_y)]].concat();
    let (x_all, y_all, _) = stack(&all);
    let final_model = gbm.fit_model(&x_all, &y_all)?;
    let report = TrainReport {
        target: config.target,
        horizon_days: h,
        cutoffs: config.cutoffs.clone(),
        train: RowCounts::of(&y),
        cv_gbm: cv_gbm.cv,
        cv_logistic: cv_logistic.cv,
        calibration: cv_gbm.calibration.best,
        holdout,
        final_rows: y_all.len(),
        final_trees: final_model.trees(),
        features: spec.width(),
    };
    let predictor = Predictor::new(config.target, h, spec, final_model, Some(calibrator));
    Ok(Trained { predictor, report })
}

fn need_both(y: &[f64], what: &str, k: usize) -> Result<(), PredictError> {
    let positives = y.iter().filter(|&&v| v == 1.0).count();
    let negatives = y.len() - positives;
    if positives < k.max(2) || negatives < k.max(2) {
        return Err(PredictError::NotEnoughData(format!(
            "the {what} give {positives} positive and {negatives} negative rows"
        )));
    }
    Ok(())
}

/// The rows of several tables (same layout) stacked, with their labels and customers.
fn stack(parts: &[(FeatureTable, Vec<f64>)]) -> (Matrix, Vec<f64>, Vec<u32>) {
    let rows: usize = parts.iter().map(|p| p.1.len()).sum();
    let cols = parts.first().map_or(0, |p| p.0.matrix.cols());
    let mut data = Vec::with_capacity(rows * cols);
    for c in 0..cols {
        for (table, _) in parts {
            data.extend_from_slice(table.matrix.col(c));
        }
    }
    let y = parts.iter().flat_map(|p| p.1.iter().copied()).collect();
    let customers = parts
        .iter()
        .flat_map(|p| p.0.customers.iter().copied())
        .collect();
    let x = Matrix::from_columns_data(data, rows, cols)
        .unwrap_or_else(|_| unreachable!("stacked tables share their columns"));
    (x, y, customers)
}

/// Folds that keep every customer's rows together.
fn grouped_folds(customers: &[u32], k: usize, seed: u64) -> Result<Folds, PredictError> {
    let labels = customers
        .iter()
        .map(|&c| {
            let mut rng = SplitMix64::new(seed ^ u64::from(c).wrapping_mul(0x9E37_79B9_7F4A_7C15));
            (rng.next_u64() % k as u64) as i64
        })
        .collect();
    Ok(Folds::from_labels(labels)?)
}

/// One-hot expansion of the categorical columns for the logistic baseline.
struct OneHot {
    /// Per input column: `None` (numeric, copied) or the number of levels.
    columns: Vec<Option<usize>>,
}

impl OneHot {
    fn new(table: &FeatureTable) -> OneHot {
        OneHot {
            columns: table
                .features
                .iter()
                .map(|f| match &f.kind {
                    FeatureKind::Categorical { levels } => Some(levels.len()),
                    FeatureKind::Numeric => None,
                })
                .collect(),
        }
    }

    fn apply(&self, x: &Matrix) -> Matrix {
        let mut columns: Vec<Vec<f64>> = Vec::new();
        for (c, kind) in self.columns.iter().enumerate() {
            let values = x.col(c);
            match kind {
                None => columns.push(values.to_vec()),
                Some(levels) => {
                    for level in 0..*levels {
                        columns.push(
                            values
                                .iter()
                                .map(|&v| f64::from(u8::from(v == level as f64)))
                                .collect(),
                        );
                    }
                }
            }
        }
        Matrix::from_columns(&columns).unwrap_or_else(|_| x.clone())
    }
}
