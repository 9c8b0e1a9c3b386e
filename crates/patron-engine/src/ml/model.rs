//! What every learner offers: fit on a matrix, predict probabilities, explain each prediction
//! by per-feature contributions that add up to its log-odds.

use super::error::MlError;
use super::matrix::Matrix;

/// A configured learning algorithm: fits a [`Model`] on a matrix and 0/1 labels.
pub trait Learner: Send + Sync {
    /// Short name (`gbm`, `logistic`).
    fn name(&self) -> &'static str;

    /// Fits a model. `x` holds `NaN` for missing values; `y` is 0.0 or 1.0 per row. The same
    /// inputs and seed give the same model.
    fn fit(&self, x: &Matrix, y: &[f64]) -> Result<Box<dyn Model>, MlError>;
}

/// A fitted binary classifier.
pub trait Model: Send + Sync {
    /// Number of input columns the model expects.
    fn n_features(&self) -> usize;

    /// Log-odds of the positive class for every row.
    fn log_odds(&self, x: &Matrix) -> Vec<f64>;

    /// Probability of the positive class for every row.
    fn predict_proba(&self, x: &Matrix) -> Vec<f64> {
        self.log_odds(x).into_iter().map(sigmoid).collect()
    }

    /// Per-row, per-feature contributions to the log-odds, plus a bias; each row's
    /// contributions and bias add up to its [`Model::log_odds`].
    fn contributions(&self, x: &Matrix) -> Contributions;

    /// A one-line description of the fitted model (e.g. trees used).
    fn summary(&self) -> ModelSummary;
}

/// What a fitted model reports about itself.
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize)]
pub struct ModelSummary {
    /// Trees in the ensemble (gradient boosting).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub trees: Option<usize>,
    /// Optimiser iterations (logistic regression).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub iterations: Option<usize>,
}

/// Contributions to the log-odds: `values[row * n_features + feature]` and a bias per row.
#[derive(Debug, Clone, PartialEq)]
pub struct Contributions {
    /// Row-major contributions.
    pub values: Vec<f64>,
    /// The part of each row's log-odds not attributed to a feature.
    pub bias: Vec<f64>,
    /// Features per row.
    pub n_features: usize,
}

impl Contributions {
    /// The contributions of one row.
    pub fn row(&self, row: usize) -> &[f64] {
        &self.values[row * self.n_features..(row + 1) * self.n_features]
    }

    /// Sum of a row's contributions and bias (equals the row's log-odds).
    pub fn total(&self, row: usize) -> f64 {
        self.row(row).iter().sum::<f64>() + self.bias[row]
    }

    /// Adds up contributions of features that belong together (e.g. the one-hot columns of
    /// one table column): `group[feature]` is the feature's group, `groups` their number.
    pub fn grouped(&self, group: &[usize], groups: usize) -> Contributions {
        let rows = self.bias.len();
        let mut values = vec![0.0; rows * groups];
        for row in 0..rows {
            for (feature, &value) in self.row(row).iter().enumerate() {
                values[row * groups + group[feature]] += value;
            }
        }
        Contributions {
            values,
            bias: self.bias.clone(),
            n_features: groups,
        }
    }
}

/// The logistic function, `1 / (1 + e^-z)`.
pub fn sigmoid(z: f64) -> f64 {
    if z >= 0.0 {
        1.0 / (1.0 + (-z).exp())
    } else {
        let e = z.exp();
        e / (1.0 + e)
    }
}

/// The log-odds of a probability, clipped away from 0 and 1.
pub fn logit(p: f64) -> f64 {
    let p = p.clamp(1e-15, 1.0 - 1e-15);
    (p / (1.0 - p)).ln()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn groups_add_up() {
        let c = Contributions {
            values: vec![1.0, 2.0, 3.0, 4.0, 5.0, 6.0],
            bias: vec![0.5, -0.5],
            n_features: 3,
        };
        let g = c.grouped(&[0, 1, 1], 2);
        assert_eq!(g.row(1), &[4.0, 11.0]);
        assert_eq!(g.total(0), c.total(0));
        assert!((sigmoid(logit(0.3)) - 0.3).abs() < 1e-12);
        assert!(sigmoid(-800.0) >= 0.0 && sigmoid(800.0) <= 1.0);
    }
}
