//! Regularised logistic regression, the baseline and fallback learner.
//!
//! Every input column is standardised (mean 0, standard deviation 1 on the training rows);
//! a column with missing values is mean-imputed and gets a standardised missing indicator. The
//! weights minimise the log loss plus `l2 / 2 · ‖w‖²` (the intercept is not penalised; `l2 = 1`
//! is scikit-learn's `C = 1`), found by Newton's method with step halving, which converges in a
//! handful of iterations on the standardised problem (the solver works on sparse rows, so
//! one-hot columns cost only their non-zero cells).

mod newton;

use super::error::MlError;
use super::matrix::Matrix;
use super::model::{Contributions, Learner, Model, ModelSummary};
use newton::{Design, Solution, solve};

/// Settings of [`Logistic`].
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct LogisticParams {
    /// L2 penalty on the standardised weights (`1 / C` in scikit-learn's terms).
    pub l2: f64,
    /// Most Newton iterations.
    pub max_iterations: usize,
    /// Stop when no weight changes by more than this.
    pub tolerance: f64,
}

impl Default for LogisticParams {
    fn default() -> Self {
        LogisticParams {
            l2: 1.0,
            max_iterations: 50,
            tolerance: 1e-8,
        }
    }
}

/// L2-regularised logistic regression on standardised features.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Logistic {
    /// Settings.
    pub params: LogisticParams,
}

/// One standardised model input: an input column's value or its missing indicator.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Term {
    /// Input column.
    column: usize,
    /// Whether this is the column's missing indicator rather than its value.
    indicator: bool,
    mean: f64,
    scale: f64,
}

impl Term {
    /// The raw value of an input cell: the cell, the mean for a missing cell, or the 0/1
    /// missing indicator.
    fn raw(&self, v: f64) -> f64 {
        match (self.indicator, v.is_nan()) {
            (true, missing) => f64::from(u8::from(missing)),
            (false, true) => self.mean,
            (false, false) => v,
        }
    }

    /// The standardised value of an input cell.
    fn z(&self, v: f64) -> f64 {
        (self.raw(v) - self.mean) / self.scale
    }
}

/// A fitted logistic regression.
#[derive(Debug, Clone, PartialEq)]
pub struct LogisticModel {
    terms: Vec<Term>,
    weights: Vec<f64>,
    intercept: f64,
    n_features: usize,
    iterations: usize,
}

impl LogisticModel {
    /// The intercept (log-odds at the training means).
    pub fn intercept(&self) -> f64 {
        self.intercept
    }

    /// Weight of each input column's standardised value.
    pub fn weights(&self) -> Vec<f64> {
        let mut w = vec![0.0; self.n_features];
        for (term, weight) in self.terms.iter().zip(&self.weights) {
            if !term.indicator {
                w[term.column] = *weight;
            }
        }
        w
    }
}

impl Learner for Logistic {
    fn name(&self) -> &'static str {
        "logistic"
    }

    fn fit(&self, x: &Matrix, y: &[f64]) -> Result<Box<dyn Model>, MlError> {
        Ok(Box::new(self.fit_model(x, y)?))
    }
}

impl Logistic {
    /// Fits and returns the concrete model.
    pub fn fit_model(&self, x: &Matrix, y: &[f64]) -> Result<LogisticModel, MlError> {
        if y.len() != x.rows() || x.rows() == 0 {
            return Err(MlError::Invalid(format!(
                "{} labels for {} rows",
                y.len(),
                x.rows()
            )));
        }
        let terms = standardise(x);
        let raw: Vec<Vec<f64>> = terms
            .iter()
            .map(|t| x.col(t.column).iter().map(|&v| t.raw(v)).collect())
            .collect();
        let means: Vec<f64> = terms.iter().map(|t| t.mean).collect();
        let scales: Vec<f64> = terms.iter().map(|t| t.scale).collect();
        let design = Design::new(&raw, &means, &scales);
        drop(raw);
        let p = &self.params;
        let Solution { beta, iterations } = solve(&design, y, p.l2, p.max_iterations, p.tolerance)?;
        Ok(LogisticModel {
            terms,
            intercept: beta[0],
            weights: beta[1..].to_vec(),
            n_features: x.cols(),
            iterations,
        })
    }
}

/// The terms of a matrix: every column's value, and an indicator for columns with a `NaN`.
fn standardise(x: &Matrix) -> Vec<Term> {
    let mut terms = Vec::new();
    for column in 0..x.cols() {
        let values = x.col(column);
        let present: Vec<f64> = values.iter().copied().filter(|v| !v.is_nan()).collect();
        let (mean, scale) = mean_scale(&present);
        terms.push(Term {
            column,
            indicator: false,
            mean,
            scale,
        });
        if present.len() < values.len() {
            let flags: Vec<f64> = values
                .iter()
                .map(|v| f64::from(u8::from(v.is_nan())))
                .collect();
            let (mean, scale) = mean_scale(&flags);
            terms.push(Term {
                column,
                indicator: true,
                mean,
                scale,
            });
        }
    }
    terms
}

/// Mean and population standard deviation (1 when it is 0).
fn mean_scale(values: &[f64]) -> (f64, f64) {
    if values.is_empty() {
        return (0.0, 1.0);
    }
    let n = values.len() as f64;
    let mean = values.iter().sum::<f64>() / n;
    let var = values.iter().map(|v| (v - mean) * (v - mean)).sum::<f64>() / n;
    let sd = var.sqrt();
    (mean, if sd > 1e-12 { sd } else { 1.0 })
}

impl Model for LogisticModel {
    fn n_features(&self) -> usize {
        self.n_features
    }

    fn log_odds(&self, x: &Matrix) -> Vec<f64> {
        let mut eta = vec![self.intercept; x.rows()];
        for (term, &w) in self.terms.iter().zip(&self.weights) {
            let values = x.col(term.column);
            for i in 0..eta.len() {
                eta[i] += w * term.z(values[i]);
            }
        }
        eta
    }

    fn contributions(&self, x: &Matrix) -> Contributions {
        let n = self.n_features;
        let mut values = vec![0.0; x.rows() * n];
        for (term, &w) in self.terms.iter().zip(&self.weights) {
            let column = x.col(term.column);
            for (i, &v) in column.iter().enumerate() {
                values[i * n + term.column] += w * term.z(v);
            }
        }
        Contributions {
            values,
            bias: vec![self.intercept; x.rows()],
            n_features: n,
        }
    }

    fn summary(&self) -> ModelSummary {
        ModelSummary {
            iterations: Some(self.iterations),
            ..ModelSummary::default()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ml::model::sigmoid;

    /// Rows from a known logistic model: log-odds = -1 + 2 x0 - x1.
    fn data(n: usize) -> (Matrix, Vec<f64>) {
        let mut rng = crate::ml::rng::SplitMix64::new(3);
        let mut unit = || (rng.next_u64() >> 11) as f64 / (1u64 << 53) as f64;
        let (mut a, mut b, mut y) = (Vec::new(), Vec::new(), Vec::new());
        for i in 0..n {
            let (x0, x1) = (unit() * 2.0 - 1.0, unit() * 2.0 - 1.0);
            let p = sigmoid(-1.0 + 2.0 * x0 - x1);
            y.push(f64::from(u8::from(unit() < p)));
            a.push(x0);
            b.push(if i % 10 == 0 { f64::NAN } else { x1 });
        }
        (Matrix::from_columns(&[a, b]).unwrap(), y)
    }

    #[test]
    fn recovers_the_generating_weights() {
        let (x, y) = data(20_000);
        let model = Logistic {
            params: LogisticParams {
                l2: 1e-6,
                ..LogisticParams::default()
            },
        }
        .fit_model(&x, &y)
        .unwrap();
        let w = model.weights();
        // Standardised weights: x0 ~ U(-1, 1) has sd 1/√3.
        assert!((w[0] * 3f64.sqrt() - 2.0).abs() < 0.15, "{w:?}");
        assert!((w[1] * 3f64.sqrt() + 1.0).abs() < 0.15, "{w:?}");
        assert!(model.iterations < 15);
    }

    #[test]
    fn contributions_add_up_to_log_odds() {
        let (x, y) = data(500);
        let model = Logistic::default().fit_model(&x, &y).unwrap();
        let eta = model.log_odds(&x);
        let c = model.contributions(&x);
        for (i, e) in eta.iter().enumerate() {
            assert!((c.total(i) - e).abs() < 1e-9);
        }
    }
}
