//! BG/NBD: Fader, Hardie & Lee (2005), "Counting your customers the easy way: an alternative
//! to the Pareto/NBD model", Marketing Science 24(2).
//!
//! While active a customer buys at Poisson rate `λ ~ Gamma(r, α)`; after each repeat purchase
//! they become inactive with probability `p ~ Beta(a, b)`. The likelihood and its gradient live
//! in `clv/betageo.rs`, shared with MBG/NBD. On CDNOW (weeks) the published estimates are
//! r = 0.2426, α = 4.4135, a = 0.7929, b = 2.4258 with log-likelihood −9582.43.

use super::betageo::{self, Kernel};
use super::data::FrequencyData;
use super::fit::{FitOptions, FitResult};
use super::value::AliveModel;
use super::{ClvError, positive};

/// A BG/NBD model; `alpha` is in the data's time unit.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct BgNbd {
    /// Shape of the purchase-rate gamma.
    pub r: f64,
    /// Scale (rate parameter) of the purchase-rate gamma, in time units.
    pub alpha: f64,
    /// First shape of the dropout-probability beta.
    pub a: f64,
    /// Second shape of the dropout-probability beta.
    pub b: f64,
}

impl BgNbd {
    /// Parameter names in [`FitResult::params`] order.
    pub const PARAMS: &'static [&'static str] = &["r", "alpha", "a", "b"];

    /// A model from parameters, all finite and > 0.
    pub fn new(r: f64, alpha: f64, a: f64, b: f64) -> Result<Self, ClvError> {
        Ok(BgNbd {
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

    /// Maximum-likelihood fit (FHL 2005 eq. 6 summed over grouped rows).
    pub fn fit_with(
        data: &FrequencyData,
        options: &FitOptions,
    ) -> Result<(Self, FitResult), ClvError> {
        let ([r, alpha, a, b], result) = betageo::fit(
            data,
            options,
            0.0,
            "bgnbd",
            Self::PARAMS,
            "BG/NBD needs at least one customer",
        )?;
        Ok((BgNbd { r, alpha, a, b }, result))
    }

    fn kernel(&self) -> Kernel {
        Kernel {
            r: self.r,
            alpha: self.alpha,
            a: self.a,
            b: self.b,
            shift: 0.0,
        }
    }

    /// Log-likelihood of one customer (FHL 2005 eq. 6); finite for any valid row, NaN for an
    /// invalid one.
    pub fn log_likelihood_row(&self, x: f64, t_x: f64, t: f64) -> f64 {
        self.kernel().log_likelihood_row(x, t_x, t)
    }

    /// Total weighted log-likelihood of `data`.
    pub fn log_likelihood(&self, data: &FrequencyData) -> f64 {
        (0..data.len())
            .map(|i| data.weight[i] * self.log_likelihood_row(data.x[i], data.t_x[i], data.t[i]))
            .sum()
    }

    /// Probability that the customer is still active at `T` (Fader, Hardie & Lee 2008 note
    /// "Computing P(alive) using the BG/NBD model").
    pub fn p_alive(&self, x: f64, t_x: f64, t: f64) -> f64 {
        self.kernel().p_alive(x, t_x, t)
    }

    /// Expected purchases in `(T, T + t_future]` given the history (FHL 2005 eq. 10).
    pub fn expected_purchases(&self, t_future: f64, x: f64, t_x: f64, t: f64) -> f64 {
        self.p_alive(x, t_x, t) * self.kernel().expected_if_alive(t_future, x, t)
    }

    /// `E[X(t)]` for a customer just acquired (FHL 2005 eq. 7).
    pub fn unconditional_expected(&self, t: f64) -> f64 {
        self.kernel().expected_if_alive(t, 0.0, 0.0)
    }

    /// `P(X(t) = n)` for a customer just acquired (FHL 2005 eq. 8).
    pub fn prob_n_purchases(&self, n: u32, t: f64) -> f64 {
        self.kernel().prob_n_purchases(n, t)
    }
}

impl AliveModel for BgNbd {
    fn p_alive(&self, x: f64, t_x: f64, t: f64) -> f64 {
        BgNbd::p_alive(self, x, t_x, t)
    }

    fn expected_if_alive(&self, t_future: f64, x: f64, t: f64) -> f64 {
        self.kernel().expected_if_alive(t_future, x, t)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::clv::betageo::KernelObjective;
    use crate::clv::data::Compact;
    use crate::clv::testdata::{cdnow_frequency, rounds_to};

    /// The CDNOW maximum-likelihood estimates to 7 digits (this fit; they round to the
    /// published r = 0.2426, α = 4.4135, a = 0.7929, b = 2.4258). The published predictions were
    /// made at the optimum, not at the 4-digit values: E[X(39)] is 1.19505 at those.
    fn published() -> BgNbd {
        BgNbd::new(0.2425929, 4.413532, 0.7928861, 2.425753).unwrap()
    }

    #[test]
    fn fits_cdnow_to_the_published_values() {
        let (m, fit) = BgNbd::fit(&cdnow_frequency()).unwrap();
        assert!(fit.converged, "{fit:?}");
        assert!(rounds_to(m.r, 0.2426, 4), "r = {}", m.r);
        assert!(rounds_to(m.alpha, 4.4135, 4), "alpha = {}", m.alpha);
        assert!(rounds_to(m.a, 0.7929, 4), "a = {}", m.a);
        assert!(rounds_to(m.b, 2.4258, 4), "b = {}", m.b);
        assert!(
            rounds_to(fit.log_likelihood, -9582.43, 2),
            "LL = {}",
            fit.log_likelihood
        );
        assert_eq!(fit.model, "bgnbd");
        assert!(
            fit.std_errors
                .iter()
                .all(|(_, se)| se.is_finite() && *se > 0.0)
        );
    }

    #[test]
    fn predictions_match_the_paper() {
        let m = published();
        // FHL 2005 §4: customer 1 of the cohort over the 39-week holdout.
        let e = m.expected_purchases(39.0, 2.0, 30.43, 38.86);
        assert!((e - 1.226).abs() < 1e-3, "conditional expectation {e}");
        for (t, expected, decimals) in [
            (1.0, 0.0532, 4),
            (3.0, 0.1506, 4),
            (39.0, 1.1950, 4),
            (78.0, 1.858, 3),
        ] {
            let got = m.unconditional_expected(t);
            assert!(rounds_to(got, expected, decimals), "E[X({t})] = {got}");
        }
    }

    #[test]
    fn pmf_sums_to_one_and_has_the_right_mean() {
        let m = published();
        for t in [1.0, 39.0, 78.0] {
            let probs: Vec<f64> = (0..400).map(|n| m.prob_n_purchases(n, t)).collect();
            let total: f64 = probs.iter().sum();
            let mean: f64 = probs.iter().enumerate().map(|(n, p)| n as f64 * p).sum();
            assert!((total - 1.0).abs() < 1e-10, "t = {t}: sum {total}");
            assert!(
                (mean - m.unconditional_expected(t)).abs() < 1e-8,
                "t = {t}: mean {mean}"
            );
        }
    }

    #[test]
    fn pmf_matches_r_btyd() {
        // R package BTYD (bgnbd.pmf) at the paper's rounded estimates, as quoted in lifetimes'
        // test-suite: P(X(2) = 10), P(X(39) = 0) and P(X(30) = n) for n = 11..20.
        let m = BgNbd::new(0.243, 4.414, 0.793, 2.426).unwrap();
        assert!((m.prob_n_purchases(10, 2.0) - 1.07869e-07).abs() < 1e-11);
        assert!((m.prob_n_purchases(0, 39.0) - 0.573_786_4).abs() < 1e-7);
        let btyd = [
            0.001_999_521_4,
            0.001_517_023_6,
            0.001_163_315_0,
            0.000_900_314_8,
            0.000_702_363_8,
            0.000_551_790_2,
            0.000_436_191_3,
            0.000_346_717_1,
            0.000_276_961_3,
            0.000_222_226_0,
        ];
        for (n, expected) in (11..=20).zip(btyd) {
            let got = m.prob_n_purchases(n, 30.0);
            assert!((got - expected).abs() < 1e-10, "P(X(30) = {n}) = {got}");
        }
    }

    #[test]
    fn likelihood_is_finite_at_the_extremes() {
        let m = published();
        for (x, t_x, t) in [
            (0.0, 0.0, 38.0),
            (5.0, 38.0, 38.0),
            (10_000.0, 20.0, 38.0),
            (0.0, 0.0, 1e-6),
            (1.0, 1e-6, 1e-6),
        ] {
            let ll = m.log_likelihood_row(x, t_x, t);
            assert!(ll.is_finite(), "({x}, {t_x}, {t}) -> {ll}");
            let p = m.p_alive(x, t_x, t);
            assert!((0.0..=1.0).contains(&p), "P(alive) {p}");
            let e = m.expected_purchases(52.0, x, t_x, t);
            assert!(e.is_finite(), "({x}, {t_x}, {t}) -> E = {e}");
        }
        assert!(m.log_likelihood_row(1.0, 5.0, 4.0).is_nan());
        assert!(m.expected_purchases(-1.0, 1.0, 1.0, 4.0).is_nan());
    }

    #[test]
    fn gradient_matches_finite_differences() {
        use crate::clv::optimise::Objective;
        let objective = KernelObjective {
            data: Compact::new(&cdnow_frequency()),
            shift: 0.0,
        };
        let theta = [0.3f64.ln(), 5.0f64.ln(), 0.7f64.ln(), 2.0f64.ln()];
        let mut g = [0.0; 4];
        objective.value_grad(&theta, &mut g);
        let f = |p: &[f64]| objective.value_grad(p, &mut [0.0; 4]);
        let mut numeric = [0.0; 4];
        crate::clv::optimise::central_gradient(&f, &theta, 1e-6, &mut numeric);
        for i in 0..4 {
            assert!(
                (g[i] - numeric[i]).abs() < 1e-7,
                "component {i}: {} vs {}",
                g[i],
                numeric[i]
            );
        }
    }
}
