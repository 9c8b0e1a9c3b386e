//! The cross-validation report of a learner: per-fold metrics with their mean and standard
//! deviation, pooled out-of-fold metrics, lift and gains by decile, calibration table and
//! calibration methods.

use super::calibration::{self, CalibrationResult, Method};
use super::cv::{FoldResult, Folds, cross_validate};
use super::error::MlError;
use super::matrix::Matrix;
use super::metrics::{CalibrationBin, LiftRow, Scores, calibration_table, lift_table, mean_sd};
use super::model::Learner;
use serde::Serialize;

/// Mean and standard deviation of the fold metrics, and the metrics of the pooled
/// out-of-fold predictions.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CvSummary {
    /// Number of folds.
    pub folds: usize,
    /// Mean ROC AUC over the folds.
    pub roc_auc_mean: f64,
    /// Sample standard deviation of the fold ROC AUCs.
    pub roc_auc_sd: f64,
    /// Mean PR AUC (average precision).
    pub pr_auc_mean: f64,
    /// Its standard deviation.
    pub pr_auc_sd: f64,
    /// Mean Brier score.
    pub brier_mean: f64,
    /// Its standard deviation.
    pub brier_sd: f64,
    /// Mean log loss.
    pub log_loss_mean: f64,
    /// Its standard deviation.
    pub log_loss_sd: f64,
    /// Metrics of all out-of-fold predictions together.
    pub pooled: Scores,
}

impl CvSummary {
    fn of(folds: &[FoldResult], pooled: Scores) -> CvSummary {
        let stat = |f: fn(&Scores) -> f64| {
            mean_sd(&folds.iter().map(|r| f(&r.scores)).collect::<Vec<_>>())
        };
        let (roc_auc_mean, roc_auc_sd) = stat(|s| s.roc_auc);
        let (pr_auc_mean, pr_auc_sd) = stat(|s| s.pr_auc);
        let (brier_mean, brier_sd) = stat(|s| s.brier);
        let (log_loss_mean, log_loss_sd) = stat(|s| s.log_loss);
        CvSummary {
            folds: folds.len(),
            roc_auc_mean,
            roc_auc_sd,
            pr_auc_mean,
            pr_auc_sd,
            brier_mean,
            brier_sd,
            log_loss_mean,
            log_loss_sd,
            pooled,
        }
    }
}

/// Calibration of the pooled out-of-fold predictions, before and after Platt and isotonic
/// calibration (cross-fitted over the same folds).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CalibrationReport {
    /// 10 equal-width bins of the uncalibrated predictions.
    pub table: Vec<CalibrationBin>,
    /// Platt scaling.
    pub platt: CalibrationResult,
    /// Isotonic regression.
    pub isotonic: CalibrationResult,
    /// The method with the lower cross-fitted log loss.
    pub best: Method,
    /// 10 bins of the predictions calibrated by the best method.
    pub calibrated_table: Vec<CalibrationBin>,
}

/// Everything cross-validation says about one learner.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ModelReport {
    /// The learner's name.
    pub model: String,
    /// Summary over folds.
    pub cv: CvSummary,
    /// One entry per fold.
    pub folds: Vec<FoldResult>,
    /// Lift and gains by decile of the pooled out-of-fold predictions.
    pub lift: Vec<LiftRow>,
    /// Calibration.
    pub calibration: CalibrationReport,
    /// The out-of-fold probability of every row.
    #[serde(skip)]
    pub oof: Vec<f64>,
}

/// Cross-validates `learner` and builds its report; `on_fold` is called after each fold.
pub fn evaluate(
    learner: &dyn Learner,
    x: &Matrix,
    y: &[f64],
    folds: &Folds,
    on_fold: &mut dyn FnMut(&FoldResult),
) -> Result<ModelReport, MlError> {
    let run = cross_validate(learner, x, y, folds, on_fold)?;
    let pooled = Scores::of(y, &run.oof);
    Ok(ModelReport {
        model: learner.name().to_owned(),
        cv: CvSummary::of(&run.folds, pooled),
        lift: lift_table(y, &run.oof, 10),
        calibration: calibrate(y, &run.oof, folds),
        folds: run.folds,
        oof: run.oof,
    })
}

fn calibrate(y: &[f64], p: &[f64], folds: &Folds) -> CalibrationReport {
    let (platt, platt_p) = calibration::evaluate(Method::Platt, y, p, folds);
    let (isotonic, isotonic_p) = calibration::evaluate(Method::Isotonic, y, p, folds);
    let (best, best_p) = if isotonic.log_loss < platt.log_loss {
        (Method::Isotonic, isotonic_p)
    } else {
        (Method::Platt, platt_p)
    };
    CalibrationReport {
        table: calibration_table(y, p, 10),
        platt,
        isotonic,
        best,
        calibrated_table: calibration_table(y, &best_p, 10),
    }
}
