//! MBG/NBD: Batislam, Denizel & Filiztekin (2007), "Empirical validation and comparison of
//! models for customer base analysis", International Journal of Research in Marketing 24(3).
//!
//! The BG/NBD with one change: a customer may also drop out right after the first purchase
//! (time 0), so customers without repeat purchases are not assumed alive. This removes the
//! BG/NBD's P(alive) = 1 for `x = 0`. The likelihood and gradient are in `clv/betageo.rs`
//! with `shift = 1`. On CDNOW (weeks) the published estimates are r = 0.5248, α = 6.1830,
//! a = 0.8914, b = 1.6140 with log-likelihood −9582.13.

use super::betageo::{self, Kernel};
use super::data::FrequencyData;
use super::fit::{FitOptions, FitResult};
use super::value::AliveModel;
use super::{ClvError, positive};

/// An MBG/NBD model; `alpha` is in the data's time unit.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct MBgNbd {
    /// Shape of the purchase-rate gamma.
    pub r: f64,
    /// Scale (rate parameter) of the purchase-rate gamma, in time units.
    pub alpha: f64,
    /// First shape of the dropout-probability beta.
    pub a: f64,
    /// Second shape of the dropout-probability beta.
    pub b: f64,
}

impl MBgNbd {
    /// Parameter names in [`FitResult::params`] order.
    pub const PARAMS: &'static [&'static str] = &["r", "alpha", "a", "b"];

    /// A model from parameters, all finite and > 0.
    pub fn new(r: f64, alpha: f64, a: f64, b: f64) -> Result<Self, ClvError> {
        Ok(MBgNbd {
            r: positive("r", r)?,
            alpha: positive("alpha", alpha)?,
            a: positive("a", a)?,
            b: positive("b", b)?,
        })
    }

    /// Maximum-likelihood fit with default options.
    pub fn fit(data: &FrequencyData) -> Result<(Self, FitResult), ClvError> {
        Self::fit_with(data, &FitOptions::default())
    }

    /// Maximum-likelihood fit (Batislam et al. 2007, summed over grouped rows).
    pub fn fit_with(
        data: &FrequencyData,
        options: &FitOptions,
    ) -> Result<(Self, FitResult), ClvError> {
        let ([r, alpha, a, b], result) = betageo::fit(
            data,
            options,
            1.0,
            "mbgnbd",
            Self::PARAMS,
            "MBG/NBD needs at least one customer",
        )?;
        Ok((MBgNbd { r, alpha, a, b }, result))
    }

    fn kernel(&self) -> Kernel {
        Kernel {
            r: self.r,
            alpha: self.alpha,
            a: self.a,
            b: self.b,
            shift: 1.0,
        }
    }

    /// Log-likelihood of one customer; finite for any valid row, NaN for an invalid one.
    pub fn log_likelihood_row(&self, x: f64, t_x: f64, t: f64) -> f64 {
        self.kernel().log_likelihood_row(x, t_x, t)
    }

    /// Total weighted log-likelihood of `data`.
    pub fn log_likelihood(&self, data: &FrequencyData) -> f64 {
        (0..data.len())
            .map(|i| data.weight[i] * self.log_likelihood_row(data.x[i], data.t_x[i], data.t[i]))
            .sum()
    }

    /// Probability that the customer is still active at `T`,
    /// `1 / (1 + a/(b+x) · ((α+T)/(α+t_x))^{r+x})`; below 1 even for `x = 0`.
    pub fn p_alive(&self, x: f64, t_x: f64, t: f64) -> f64 {
        self.kernel().p_alive(x, t_x, t)
    }

    /// Expected purchases in `(T, T + t_future]` given the history (Batislam et al. 2007).
    pub fn expected_purchases(&self, t_future: f64, x: f64, t_x: f64, t: f64) -> f64 {
        self.p_alive(x, t_x, t) * self.kernel().expected_if_alive(t_future, x, t)
    }

    /// `E[X(t)] = b/(a−1) · [1 − (α/(α+t))^r ₂F₁(r, b+1; a+b; t/(α+t))]` for a new customer.
    pub fn unconditional_expected(&self, t: f64) -> f64 {
        self.expected_purchases(t, 0.0, 0.0, 0.0)
    }

    /// `P(X(t) = n)` for a new customer:
    /// `B(a, b+n+1)/B(a,b)·NBD(n) + B(a+1, b+n)/B(a,b)·P(NBD ≥ n)`.
    pub fn prob_n_purchases(&self, n: u32, t: f64) -> f64 {
        self.kernel().prob_n_purchases(n, t)
    }
}

impl AliveModel for MBgNbd {
    fn p_alive(&self, x: f64, t_x: f64, t: f64) -> f64 {
        MBgNbd::p_alive(self, x, t_x, t)
    }

    fn expected_if_alive(&self, t_future: f64, x: f64, t: f64) -> f64 {
        self.kernel().expected_if_alive(t_future, x, t)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::clv::testdata::{cdnow_frequency, rounds_to};

    #[test]
    fn fits_cdnow_to_the_published_values() {
        let (m, fit) = MBgNbd::fit(&cdnow_frequency()).unwrap();
        assert!(fit.converged, "{fit:?}");
        assert!(rounds_to(m.r, 0.5248, 4), "r = {}", m.r);
        assert!(rounds_to(m.alpha, 6.1830, 4), "alpha = {}", m.alpha);
        assert!(rounds_to(m.a, 0.8914, 4), "a = {}", m.a);
        assert!(rounds_to(m.b, 1.6140, 4), "b = {}", m.b);
        assert!(
            rounds_to(fit.log_likelihood, -9582.13, 2),
            "LL = {}",
            fit.log_likelihood
        );
    }

    #[test]
    fn unconditional_expectation_matches_its_closed_form_and_pmf() {
        let m = MBgNbd::new(0.5248, 6.1830, 0.8914, 1.6140).unwrap();
        for t in [1.0, 39.0, 78.0] {
            // Batislam et al.: b/(a−1)[1 − (α/(α+t))^r 2F1(r, b+1; a+b; t/(α+t))].
            let z = t / (m.alpha + t);
            let f = crate::clv::hyp2f1::hyp2f1(m.r, m.b + 1.0, m.a + m.b, z).unwrap();
            let closed = m.b / (m.a - 1.0) * (1.0 - (m.alpha / (m.alpha + t)).powf(m.r) * f);
            let got = m.unconditional_expected(t);
            assert!((got - closed).abs() < 1e-12, "t = {t}: {got} vs {closed}");
            let probs: Vec<f64> = (0..400).map(|n| m.prob_n_purchases(n, t)).collect();
            let total: f64 = probs.iter().sum();
            let mean: f64 = probs.iter().enumerate().map(|(n, p)| n as f64 * p).sum();
            assert!((total - 1.0).abs() < 1e-10, "t = {t}: sum {total}");
            assert!((mean - got).abs() < 1e-8, "t = {t}: mean {mean} vs {got}");
        }
    }

    #[test]
    fn zero_repeat_customers_may_be_dead() {
        let m = MBgNbd::new(0.5248, 6.1830, 0.8914, 1.6140).unwrap();
        let p = m.p_alive(0.0, 0.0, 38.0);
        assert!(p < 1.0 && p > 0.0);
        for (x, t_x, t) in [(0.0, 0.0, 1e-6), (10_000.0, 30.0, 38.0), (3.0, 38.0, 38.0)] {
            assert!(m.log_likelihood_row(x, t_x, t).is_finite());
            assert!(m.expected_purchases(52.0, x, t_x, t).is_finite());
        }
    }
}
