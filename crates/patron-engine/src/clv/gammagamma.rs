//! Gamma-Gamma spend model: Fader, Hardie & Lee (2005), "RFM and CLV: using iso-value curves
//! for customer base analysis", JMR 42(4), and Fader & Hardie (2013) note 025, "The Gamma-Gamma
//! model of monetary value".
//!
//! A customer's transaction values are Gamma(p, ν) with `ν ~ Gamma(q, γ)` across customers, so
//! the mean `m` of `x` transactions has, given `ν`, a Gamma(px, νx) distribution, and
//! marginally (note 025 eq. 1a)
//!
//! ```text
//! f(m | x) = Γ(px+q) / (Γ(px) Γ(q)) · γ^q · m^{px−1} · x^{px} / (γ + m x)^{px+q}
//! ```
//!
//! The log-likelihood is the sum of `ln f` including the `m^{px−1} x^{px}` terms, i.e. the
//! density of the observed mean (the convention of Hardie's spreadsheet and of lifetimes'
//! `GammaGammaFitter`, which gives the published −4055.92 on CDNOW's 946 repeat customers;
//! the density of the total `x·m` would differ by `Σ ln x`).

use super::data::{Distinct, SpendData};
use super::fit::{FitOptions, FitResult, Problem, fit_log_space};
use super::optimise::Objective;
use super::special::{digamma, ln_gamma};
use super::{ClvError, positive};

/// A Gamma-Gamma model; `gamma` is in money units.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct GammaGamma {
    /// Shape of the per-transaction spend gamma.
    pub p: f64,
    /// Shape of the gamma of the spend rate `ν` across customers.
    pub q: f64,
    /// Scale (rate parameter) of the gamma of `ν`, in money units.
    pub gamma: f64,
}

impl GammaGamma {
    /// Parameter names in [`FitResult::params`] order.
    pub const PARAMS: &'static [&'static str] = &["p", "q", "gamma"];

    /// A model from parameters, all finite and > 0.
    pub fn new(p: f64, q: f64, gamma: f64) -> Result<Self, ClvError> {
        Ok(GammaGamma {
            p: positive("p", p)?,
            q: positive("q", q)?,
            gamma: positive("gamma", gamma)?,
        })
    }

    /// Maximum-likelihood fit with default options.
    pub fn fit(data: &SpendData) -> Result<(Self, FitResult), ClvError> {
        Self::fit_with(data, &FitOptions::default())
    }

    /// Maximum-likelihood fit on grouped `(x, mean spend)` rows with the analytic gradient.
    pub fn fit_with(data: &SpendData, options: &FitOptions) -> Result<(Self, FitResult), ClvError> {
        if data.is_empty() {
            return Err(ClvError::Empty(
                "Gamma-Gamma needs customers with repeat purchases",
            ));
        }
        let objective = SpendObjective::new(&data.grouped());
        let problem = Problem {
            model: "gammagamma",
            names: Self::PARAMS,
            total_weight: objective.total_weight,
            objective: &objective,
            starts: objective.starts(),
            hessian_step: 1e-4,
        };
        let (p, result) = fit_log_space(problem, options)?;
        let model = GammaGamma {
            p: p[0],
            q: p[1],
            gamma: p[2],
        };
        Ok((model, result))
    }

    /// `ln f(m | x)` (note 025 eq. 1a); NaN unless `x ≥ 1` and `m > 0`.
    pub fn log_likelihood_row(&self, x: f64, mean_spend: f64) -> f64 {
        if !(x >= 1.0 && mean_spend > 0.0 && x.is_finite() && mean_spend.is_finite()) {
            return f64::NAN;
        }
        let GammaGamma { p, q, gamma } = *self;
        let px = p * x;
        ln_gamma(px + q) - ln_gamma(px) - ln_gamma(q)
            + q * gamma.ln()
            + (px - 1.0) * mean_spend.ln()
            + px * x.ln()
            - (px + q) * (gamma + mean_spend * x).ln()
    }

    /// Total weighted log-likelihood of `data`.
    pub fn log_likelihood(&self, data: &SpendData) -> f64 {
        (0..data.len())
            .map(|i| data.weight[i] * self.log_likelihood_row(data.x[i], data.mean_spend[i]))
            .sum()
    }

    /// Population mean spend per transaction `pγ/(q−1)` (infinite when `q ≤ 1`).
    pub fn population_mean(&self) -> f64 {
        if self.q <= 1.0 {
            return f64::INFINITY;
        }
        self.p * self.gamma / (self.q - 1.0)
    }

    /// `E[Z | x, m] = (γ + m x) p / (p x + q − 1)` (note 025 eq. 5), a weighted average of the
    /// customer's own mean and the population mean. For `x = 0` it is the population mean;
    /// NaN for negative or non-finite input.
    pub fn conditional_expected_spend(&self, x: f64, mean_spend: f64) -> f64 {
        if !(x >= 0.0 && mean_spend >= 0.0 && x.is_finite() && mean_spend.is_finite()) {
            return f64::NAN;
        }
        if x == 0.0 {
            return self.population_mean();
        }
        let GammaGamma { p, q, gamma } = *self;
        (gamma + mean_spend * x) * p / (p * x + q - 1.0)
    }
}

/// Mean negative log-likelihood per customer in log-parameter space, with analytic gradient.
/// Per evaluation: special functions once per distinct `x`, one `ln` and one division per row.
struct SpendObjective {
    x: Distinct,
    /// `x·m` per row.
    xm: Vec<f64>,
    weight: Vec<f64>,
    /// Per distinct x: total weight, Σ w ln m, and ln x.
    x_weight: Vec<f64>,
    x_sum_ln_m: Vec<f64>,
    total_weight: f64,
    mean_spend: f64,
}

impl SpendObjective {
    fn new(data: &SpendData) -> Self {
        let x = Distinct::of(&data.x);
        let k = x.values.len();
        let (mut x_weight, mut x_sum_ln_m) = (vec![0.0; k], vec![0.0; k]);
        for (i, &xi) in x.index.iter().enumerate() {
            x_weight[xi as usize] += data.weight[i];
            x_sum_ln_m[xi as usize] += data.weight[i] * data.mean_spend[i].ln();
        }
        let total_weight: f64 = data.weight.iter().sum();
        let spent: f64 = (0..data.len())
            .map(|i| data.weight[i] * data.mean_spend[i])
            .sum();
        SpendObjective {
            xm: (0..data.len())
                .map(|i| data.x[i] * data.mean_spend[i])
                .collect(),
            weight: data.weight.clone(),
            x,
            x_weight,
            x_sum_ln_m,
            total_weight,
            mean_spend: spent / total_weight,
        }
    }

    /// Starts matched to the mean spend: `pγ/(q−1)` equal to it for `q = 2`, then spreads.
    fn starts(&self) -> Vec<Vec<f64>> {
        let m = self.mean_spend;
        vec![
            vec![1.0, 2.0, m],
            vec![5.0, 3.0, 0.4 * m],
            vec![0.5, 1.5, 0.5 * m],
        ]
    }
}

impl Objective for SpendObjective {
    fn dim(&self) -> usize {
        3
    }

    fn value_grad(&self, theta: &[f64], grad: &mut [f64]) -> f64 {
        let [p, q, gamma] = [theta[0].exp(), theta[1].exp(), theta[2].exp()];
        let k = self.x.values.len();
        // Row pass: Σ w ln(γ + x m) and Σ w / (γ + x m) per distinct x.
        let (mut sum_ln, mut sum_inv) = (vec![0.0; k], vec![0.0; k]);
        for (i, &xi) in self.x.index.iter().enumerate() {
            let v = gamma + self.xm[i];
            sum_ln[xi as usize] += self.weight[i] * v.ln();
            sum_inv[xi as usize] += self.weight[i] / v;
        }
        let (lg_q, dg_q, ln_gamma_) = (ln_gamma(q), digamma(q), gamma.ln());
        let (mut ll, mut dp, mut dq, mut dg) = (0.0, 0.0, 0.0, 0.0);
        for j in 0..k {
            let (x, w) = (self.x.values[j], self.x_weight[j]);
            let (px, ln_x) = (p * x, x.ln());
            let shared = ln_gamma(px + q) - ln_gamma(px) - lg_q + q * ln_gamma_ + px * ln_x;
            ll += w * shared + (px - 1.0) * self.x_sum_ln_m[j] - (px + q) * sum_ln[j];
            let dg_pxq = digamma(px + q);
            dp += x * (w * (dg_pxq - digamma(px) + ln_x) + self.x_sum_ln_m[j] - sum_ln[j]);
            dq += w * (dg_pxq - dg_q + ln_gamma_) - sum_ln[j];
            dg += w * q / gamma - (px + q) * sum_inv[j];
        }
        let n = self.total_weight;
        grad[0] = -dp * p / n;
        grad[1] = -dq * q / n;
        grad[2] = -dg * gamma / n;
        let value = -ll / n;
        if value.is_finite() {
            value
        } else {
            f64::INFINITY
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::clv::testdata::{cdnow_spend, rounds_to};

    #[test]
    fn fits_cdnow_to_the_published_values() {
        let data = cdnow_spend();
        let (m, fit) = GammaGamma::fit(&data).unwrap();
        assert!(fit.converged, "{fit:?}");
        assert!(rounds_to(m.p, 6.2488, 4), "p = {}", m.p);
        assert!(rounds_to(m.q, 3.7446, 4), "q = {}", m.q);
        assert!(rounds_to(m.gamma, 15.4477, 4), "gamma = {}", m.gamma);
        assert!(
            rounds_to(fit.log_likelihood, -4055.92, 2),
            "LL = {}",
            fit.log_likelihood
        );
        assert!((m.log_likelihood(&data) - fit.log_likelihood).abs() < 1e-8);
    }

    #[test]
    fn conditional_spend_shrinks_towards_the_population_mean() {
        let m = GammaGamma::new(6.2488, 3.7446, 15.4477).unwrap();
        let population = m.population_mean();
        assert!((population - 6.2488 * 15.4477 / 2.7446).abs() < 1e-12);
        assert_eq!(m.conditional_expected_spend(0.0, 0.0), population);
        let one = m.conditional_expected_spend(1.0, 100.0);
        let many = m.conditional_expected_spend(50.0, 100.0);
        assert!(population < one && one < many && many < 100.0);
        assert!(m.conditional_expected_spend(-1.0, 10.0).is_nan());
        assert!(m.log_likelihood_row(0.0, 10.0).is_nan());
        assert!(m.log_likelihood_row(10_000.0, 1e-6).is_finite());
    }

    #[test]
    fn gradient_matches_finite_differences() {
        let objective = SpendObjective::new(&cdnow_spend());
        let theta = [1.5f64.ln(), 2.5f64.ln(), 10f64.ln()];
        let mut g = [0.0; 3];
        objective.value_grad(&theta, &mut g);
        let f = |p: &[f64]| objective.value_grad(p, &mut [0.0; 3]);
        let mut numeric = [0.0; 3];
        crate::clv::optimise::central_gradient(&f, &theta, 1e-6, &mut numeric);
        for i in 0..3 {
            assert!(
                (g[i] - numeric[i]).abs() < 1e-7,
                "{i}: {} vs {}",
                g[i],
                numeric[i]
            );
        }
    }
}
