//! The maximum-likelihood driver shared by the models and its result type.
//!
//! Every model supplies its mean negative log-likelihood per customer as a function of the
//! logarithms of its parameters (so positivity needs no constraints and the scales of `r ≈ 0.2`
//! and `α ≈ 10` do not matter). The driver adds the optional L2 penalty, runs
//! [`optimise::minimise`], and derives the standard errors from the inverse numerical Hessian:
//! `Var(ln θ) = [N·H]⁻¹` and, by the delta method, `se(θ) = θ·se(ln θ)`.

use serde::Serialize;

use super::ClvError;
use super::optimise::{self, Objective, Settings};

/// Options common to all fits.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct FitOptions {
    /// Coefficient of an L2 penalty `λ·Σθᵢ²` on the natural parameters, added to the mean
    /// negative log-likelihood per customer (the lifetimes convention). 0 by default.
    pub l2_penalty: f64,
    /// Iteration cap for the optimiser.
    pub max_iterations: u32,
    /// Converged when every component of the gradient of the mean negative log-likelihood per
    /// customer with respect to the log-parameters is at most this.
    pub gradient_tolerance: f64,
}

impl Default for FitOptions {
    fn default() -> Self {
        FitOptions {
            l2_penalty: 0.0,
            max_iterations: 500,
            gradient_tolerance: 1e-9,
        }
    }
}

impl FitOptions {
    fn validate(&self) -> Result<(), ClvError> {
        if !(self.l2_penalty.is_finite() && self.l2_penalty >= 0.0) {
            return Err(ClvError::InvalidArgument {
                name: "l2_penalty",
                value: self.l2_penalty,
                reason: "must be finite and >= 0",
            });
        }
        if !(self.gradient_tolerance.is_finite() && self.gradient_tolerance > 0.0) {
            return Err(ClvError::InvalidArgument {
                name: "gradient_tolerance",
                value: self.gradient_tolerance,
                reason: "must be finite and > 0",
            });
        }
        Ok(())
    }
}

/// The outcome of a fit, the same for every model.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FitResult {
    /// "bgnbd", "mbgnbd", "paretonbd", "gammagamma", "bgbb" or "sbg".
    pub model: &'static str,
    /// Fitted parameters in the model's documented order.
    pub params: Vec<(&'static str, f64)>,
    /// Total log-likelihood over customers (weights applied, penalty excluded), in the data's
    /// time unit.
    pub log_likelihood: f64,
    /// Standard errors from the inverse Hessian of −LL at the optimum; NaN when the Hessian is
    /// singular or not positive definite in that direction.
    pub std_errors: Vec<(&'static str, f64)>,
    /// True when the gradient test passed.
    pub converged: bool,
    /// Optimiser iterations.
    pub iterations: u32,
    /// Euclidean norm of the gradient of the total −LL (plus penalty) with respect to the
    /// log-parameters, at the optimum.
    pub gradient_norm: f64,
}

/// The problem a model hands to [`fit_log_space`].
pub(crate) struct Problem<'a> {
    /// Model name for the result.
    pub model: &'static str,
    /// Parameter names, in order.
    pub names: &'static [&'static str],
    /// Mean negative log-likelihood per customer in log-parameter space, without penalty.
    pub objective: &'a dyn Objective,
    /// Number of customers (sum of weights).
    pub total_weight: f64,
    /// Starting points in natural parameters; the first is tried first.
    pub starts: Vec<Vec<f64>>,
    /// Step in log space for the numerical Hessian (larger for numerical gradients).
    pub hessian_step: f64,
}

/// Adds `λ·Σ exp(2θᵢ)` to an objective in log space.
struct Penalised<'a> {
    inner: &'a dyn Objective,
    lambda: f64,
}

impl Objective for Penalised<'_> {
    fn dim(&self) -> usize {
        self.inner.dim()
    }

    fn value_grad(&self, x: &[f64], grad: &mut [f64]) -> f64 {
        let mut f = self.inner.value_grad(x, grad);
        if self.lambda > 0.0 {
            for (g, &t) in grad.iter_mut().zip(x) {
                let sq = (2.0 * t).exp();
                f += self.lambda * sq;
                *g += 2.0 * self.lambda * sq;
            }
        }
        f
    }
}

/// Fits a model: returns the natural parameters and the [`FitResult`].
pub(crate) fn fit_log_space(
    problem: Problem<'_>,
    options: &FitOptions,
) -> Result<(Vec<f64>, FitResult), ClvError> {
    options.validate()?;
    let failed = |reason: &str| ClvError::FitFailed {
        model: problem.model,
        reason: reason.to_string(),
    };
    let penalised = Penalised {
        inner: problem.objective,
        lambda: options.l2_penalty,
    };
    let starts: Vec<Vec<f64>> = problem
        .starts
        .iter()
        .map(|s| s.iter().map(|v| v.ln()).collect())
        .collect();
    let settings = Settings {
        gradient_tolerance: options.gradient_tolerance,
        max_iterations: options.max_iterations,
        ..Settings::default()
    };
    let best = optimise::minimise(&penalised, &starts, &settings)
        .ok_or_else(|| failed("no finite log-likelihood at any starting point"))?;
    let natural: Vec<f64> = best.x.iter().map(|v| v.exp()).collect();
    let mut scratch = vec![0.0; natural.len()];
    let mean_nll = problem.objective.value_grad(&best.x, &mut scratch);
    let n = problem.total_weight;
    let std_errors = standard_errors(&penalised, &best.x, n, problem.hessian_step);
    let gradient_norm = n * best.gradient.iter().map(|g| g * g).sum::<f64>().sqrt();
    let result = FitResult {
        model: problem.model,
        params: problem
            .names
            .iter()
            .copied()
            .zip(natural.iter().copied())
            .collect(),
        log_likelihood: -n * mean_nll,
        std_errors: problem.names.iter().copied().zip(std_errors).collect(),
        converged: best.converged,
        iterations: best.iterations,
        gradient_norm,
    };
    Ok((natural, result))
}

/// `θᵢ·sqrt([N·H]⁻¹ᵢᵢ)` with `H` the Hessian of the mean objective in log space.
fn standard_errors(objective: &dyn Objective, log_params: &[f64], n: f64, step: f64) -> Vec<f64> {
    let h = optimise::hessian(objective, log_params, step);
    let scaled: Vec<Vec<f64>> = h
        .iter()
        .map(|row| row.iter().map(|v| v * n).collect())
        .collect();
    match optimise::invert(&scaled) {
        Some(cov) => log_params
            .iter()
            .enumerate()
            .map(|(i, t)| {
                let var = cov[i][i];
                if var > 0.0 {
                    t.exp() * var.sqrt()
                } else {
                    f64::NAN
                }
            })
            .collect(),
        None => vec![f64::NAN; log_params.len()],
    }
}
