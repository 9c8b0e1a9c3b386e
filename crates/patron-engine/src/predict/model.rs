//! A trained propensity model: the feature layout, the gradient-boosted trees, the
//! calibration, and predictions with their reasons. Saved and restored as JSON.

use super::error::PredictError;
use super::labels::Target;
use super::reasons::phrase;
use crate::features::{FeatureInfo, FeatureSpec, FeatureTable, build_at};
use crate::ml::Model;
use crate::ml::calibration::Calibrator;
use crate::ml::gbm::GbmModel;
use crate::ml::level_order::LevelOrder;
use crate::ml::model::{Contributions, sigmoid};
use patron_core::Timestamp;
use patron_core::facts::Facts;
use patron_core::ids::CustomerId;
use serde::{Deserialize, Serialize};

/// Version of the saved JSON layout.
const FORMAT: u32 = 1;

/// Rows explained at a time (bounds the memory of the contribution matrix).
const EXPLAIN_BLOCK: usize = 65_536;

/// How reasons are computed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Explain {
    /// Exact tree SHAP values (the default).
    Shap,
    /// Path (Saabas) contributions: about as fast as a prediction, also adding up to the
    /// log-odds, but favouring features split near the roots. For very many customers.
    Path,
    /// No reasons.
    None,
}

/// Settings of [`Predictor::predict_with`].
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PredictOptions {
    /// Reasons per prediction.
    pub top: usize,
    /// How contributions are computed.
    pub explain: Explain,
}

impl Default for PredictOptions {
    fn default() -> Self {
        PredictOptions {
            top: 3,
            explain: Explain::Shap,
        }
    }
}

/// One reason of a prediction: a group of features, what it says about the customer, and how
/// much it moved the log-odds.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Reason {
    /// The feature group (`orders_trend`, `recency`, `tickets`, `attr_industry`, …).
    pub feature: String,
    /// For a sales rep, with the customer's values ("orders in the last 90 days fell from 6
    /// to 1").
    pub text: String,
    /// Contribution to the log-odds (positive: raises the probability).
    pub contribution: f64,
}

/// The prediction for one customer.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Prediction {
    /// The customer.
    pub customer_id: CustomerId,
    /// Calibrated probability.
    pub probability: f64,
    /// The model's (uncalibrated) log-odds; the reasons' contributions add up to it with the
    /// bias.
    pub log_odds: f64,
    /// The largest contributions, largest first.
    pub reasons: Vec<Reason>,
}

/// A trained model for one target.
pub struct Predictor {
    /// What it predicts.
    pub target: Target,
    /// Days after the cutoff the label looks at.
    pub horizon_days: i64,
    /// The feature layout it was trained on.
    pub spec: FeatureSpec,
    features: Vec<FeatureInfo>,
    gbm: GbmModel,
    calibrator: Option<Calibrator>,
}

/// The saved form.
#[derive(Serialize, Deserialize)]
struct Saved {
    format: u32,
    target: Target,
    horizon_days: i64,
    spec: FeatureSpec,
    n_features: usize,
    levels: Vec<(usize, Vec<Option<f64>>)>,
    calibrator: Option<Calibrator>,
    booster: String,
}

impl Predictor {
    /// A predictor from its parts.
    pub fn new(
        target: Target,
        horizon_days: i64,
        spec: FeatureSpec,
        gbm: GbmModel,
        calibrator: Option<Calibrator>,
    ) -> Predictor {
        Predictor {
            target,
            horizon_days,
            features: spec.features(),
            spec,
            gbm,
            calibrator,
        }
    }

    /// The feature columns.
    pub fn features(&self) -> &[FeatureInfo] {
        &self.features
    }

    /// The fitted trees.
    pub fn gbm(&self) -> &GbmModel {
        &self.gbm
    }

    /// The feature table of a fact set in this model's layout, as of `as_of` (at most the
    /// fact set's own).
    pub fn feature_table(&self, facts: &Facts, as_of: Timestamp) -> FeatureTable {
        build_at(facts, as_of, &self.spec)
    }

    /// The model as JSON (the trees in forust-ml's format inside).
    pub fn to_json(&self) -> Result<String, PredictError> {
        let levels = self
            .gbm
            .levels()
            .columns()
            .iter()
            .map(|(c, codes)| {
                (
                    *c,
                    codes.iter().map(|v| (!v.is_nan()).then_some(*v)).collect(),
                )
            })
            .collect();
        let saved = Saved {
            format: FORMAT,
            target: self.target,
            horizon_days: self.horizon_days,
            spec: self.spec.clone(),
            n_features: self.features.len(),
            levels,
            calibrator: self.calibrator.clone(),
            booster: self.gbm.to_json()?,
        };
        serde_json::to_string(&saved).map_err(|e| PredictError::Format(e.to_string()))
    }

    /// A model from [`Predictor::to_json`].
    pub fn from_json(json: &str) -> Result<Predictor, PredictError> {
        let saved: Saved =
            serde_json::from_str(json).map_err(|e| PredictError::Format(e.to_string()))?;
        if saved.format != FORMAT {
            return Err(PredictError::Format(format!(
                "saved model format {} (this version reads {FORMAT})",
                saved.format
            )));
        }
        let levels = LevelOrder::from_columns(
            saved
                .levels
                .into_iter()
                .map(|(c, codes)| {
                    (
                        c,
                        codes.into_iter().map(|v| v.unwrap_or(f64::NAN)).collect(),
                    )
                })
                .collect(),
        );
        let gbm = GbmModel::from_json(&saved.booster, levels, saved.n_features, true)?;
        let predictor = Predictor::new(
            saved.target,
            saved.horizon_days,
            saved.spec,
            gbm,
            saved.calibrator,
        );
        if predictor.features.len() != saved.n_features {
            return Err(PredictError::Format(format!(
                "the saved layout has {} features, the model {}",
                predictor.features.len(),
                saved.n_features
            )));
        }
        Ok(predictor)
    }

    fn check(&self, table: &FeatureTable) -> Result<(), PredictError> {
        if table.spec != self.spec {
            return Err(PredictError::Mismatch(
                "the feature table was not built with this model's layout \
                 (use Predictor::feature_table)"
                    .into(),
            ));
        }
        Ok(())
    }

    /// Calibrated probabilities of every row.
    pub fn probabilities(&self, table: &FeatureTable) -> Result<Vec<f64>, PredictError> {
        self.check(table)?;
        Ok(self.calibrate(self.gbm.predict_proba(&table.matrix)))
    }

    fn calibrate(&self, p: Vec<f64>) -> Vec<f64> {
        match &self.calibrator {
            Some(c) => c.apply(&p),
            None => p,
        }
    }

    /// Every row's probability with its three largest reasons (tree SHAP).
    pub fn predict(&self, table: &FeatureTable) -> Result<Vec<Prediction>, PredictError> {
        self.predict_with(table, &PredictOptions::default())
    }

    /// Every row's probability and reasons.
    pub fn predict_with(
        &self,
        table: &FeatureTable,
        options: &PredictOptions,
    ) -> Result<Vec<Prediction>, PredictError> {
        self.check(table)?;
        let eta = self.gbm.log_odds(&table.matrix);
        let p = self.calibrate(eta.iter().map(|&z| sigmoid(z)).collect());
        let mut out: Vec<Prediction> = (0..table.rows())
            .map(|r| Prediction {
                customer_id: table.ids[r].clone(),
                probability: p[r],
                log_odds: eta[r],
                reasons: Vec::new(),
            })
            .collect();
        if options.explain == Explain::None || options.top == 0 {
            return Ok(out);
        }
        let (groups, names) = self.groups();
        let mut sums = vec![0.0; names.len()];
        let mut order: Vec<usize> = Vec::with_capacity(names.len());
        for start in (0..table.rows()).step_by(EXPLAIN_BLOCK) {
            let end = (start + EXPLAIN_BLOCK).min(table.rows());
            let rows: Vec<usize> = (start..end).collect();
            let block = table.matrix.select_rows(&rows);
            let c: Contributions = match options.explain {
                Explain::Path => self.gbm.path_contributions(&block),
                _ => self.gbm.contributions(&block),
            };
            for (k, row) in (start..end).enumerate() {
                sums.fill(0.0);
                for (f, &v) in c.row(k).iter().enumerate() {
                    sums[groups[f]] += v;
                }
                order.clear();
                order.extend((0..names.len()).filter(|&g| sums[g] != 0.0));
                order.sort_by(|&a, &b| sums[b].abs().total_cmp(&sums[a].abs()).then(a.cmp(&b)));
                out[row].reasons = order
                    .iter()
                    .take(options.top)
                    .map(|&g| Reason {
                        feature: names[g].clone(),
                        text: phrase(&names[g], table, row),
                        contribution: sums[g],
                    })
                    .collect();
            }
        }
        Ok(out)
    }

    /// Each feature's group index, and the group names in order of first appearance.
    fn groups(&self) -> (Vec<usize>, Vec<String>) {
        let mut names: Vec<String> = Vec::new();
        let groups = self
            .features
            .iter()
            .map(|f| match names.iter().position(|n| *n == f.group) {
                Some(i) => i,
                None => {
                    names.push(f.group.clone());
                    names.len() - 1
                }
            })
            .collect();
        (groups, names)
    }
}
