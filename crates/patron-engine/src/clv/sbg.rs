//! sBG, the shifted-beta-geometric model of contractual retention: Fader & Hardie (2007), "How
//! to project customer retention", Journal of Interactive Marketing 21(1); discounted expected
//! residual lifetime from Fader & Hardie (2010), "Customer-base valuation in a contractual
//! setting: the perils of ignoring heterogeneity", Marketing Science 29(1).
//!
//! Each customer churns at the end of any period with a constant probability `θ`, and
//! `θ ~ Beta(α, β)` across customers. Then (FH 2007 §3)
//!
//! ```text
//! P(T = t) = B(α+1, β+t−1) / B(α, β)     S(t) = P(T > t) = B(α, β+t) / B(α, β)
//! r(t) = S(t)/S(t−1) = (β+t−1) / (α+β+t−1)
//! ```
//!
//! and a cohort observed for `k` periods with `nₜ` customers lost in period `t` and `n_k`
//! survivors has `LL = Σₜ nₜ ln P(T = t) + n_k ln S(k)` (FH 2007 §4). Retention rises with
//! tenure because the customers who churn fast leave first — the heterogeneity the aggregate
//! retention rate hides. On the paper's "regular" and "high end" cohorts (first seven years) the
//! estimates are (α, β) = (0.704, 1.182) and (0.668, 3.806).

use super::fit::{FitOptions, FitResult, Problem, fit_log_space};
use super::hyp2f1::hyp2f1;
use super::optimise::Objective;
use super::special::{digamma, ln_beta};
use super::{ClvError, positive};

/// A shifted-beta-geometric retention model.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Sbg {
    /// First shape of the churn-probability beta.
    pub alpha: f64,
    /// Second shape of the churn-probability beta.
    pub beta: f64,
}

impl Sbg {
    /// Parameter names in [`FitResult::params`] order.
    pub const PARAMS: &'static [&'static str] = &["alpha", "beta"];

    /// A model from parameters, both finite and > 0.
    pub fn new(alpha: f64, beta: f64) -> Result<Self, ClvError> {
        Ok(Sbg {
            alpha: positive("alpha", alpha)?,
            beta: positive("beta", beta)?,
        })
    }

    /// Fit from the number of customers still active at the start (index 0, the cohort size)
    /// and after each of the following periods. Counts must be finite, non-increasing,
    /// `alive[0] > 0` and at least two values.
    pub fn fit(alive: &[f64]) -> Result<(Self, FitResult), ClvError> {
        Self::fit_with(alive, &FitOptions::default())
    }

    /// As [`Sbg::fit`], from the cohort size and the number lost in each period.
    pub fn fit_churn(initial: f64, lost: &[f64]) -> Result<(Self, FitResult), ClvError> {
        let mut alive = vec![initial];
        for &l in lost {
            alive.push(alive[alive.len() - 1] - l);
        }
        Self::fit(&alive)
    }

    /// [`Sbg::fit`] with options.
    pub fn fit_with(alive: &[f64], options: &FitOptions) -> Result<(Self, FitResult), ClvError> {
        validate_alive(alive)?;
        let k = alive.len() - 1;
        let lost = alive.windows(2).map(|w| w[0] - w[1]).collect();
        let mut censored = vec![0.0; k + 1];
        censored[k] = alive[k];
        Self::fit_objective(SbgObjective::new(lost, censored), options)
    }

    /// Fit on contracts observed for different lengths — cohorts by start period pooled, as
    /// FH 2007 §4 sums their log-likelihoods: `lost[t − 1]` contracts ended after exactly `t`
    /// periods, `active[k]` are still running after `k` periods (right-censored). Counts must
    /// be finite and ≥ 0, with at least one contract lost and one at least one period old.
    pub fn fit_censored(lost: &[f64], active: &[f64]) -> Result<(Self, FitResult), ClvError> {
        let valid = |v: &[f64]| v.iter().all(|c| c.is_finite() && *c >= 0.0);
        if !valid(lost) || !valid(active) {
            return Err(ClvError::Empty("sBG counts must be finite and >= 0"));
        }
        let aged: f64 = lost.iter().sum::<f64>() + active.iter().skip(1).sum::<f64>();
        if lost.iter().sum::<f64>() <= 0.0 || aged <= 0.0 {
            return Err(ClvError::Empty(
                "sBG needs contracts that ended and contracts at least one period old",
            ));
        }
        Self::fit_objective(
            SbgObjective::new(lost.to_vec(), active.to_vec()),
            &FitOptions::default(),
        )
    }

    fn fit_objective(
        objective: SbgObjective,
        options: &FitOptions,
    ) -> Result<(Self, FitResult), ClvError> {
        let problem = Problem {
            model: "sbg",
            names: Self::PARAMS,
            total_weight: objective.total,
            objective: &objective,
            starts: vec![vec![1.0, 1.0], vec![0.3, 3.0], vec![3.0, 0.3]],
            hessian_step: 1e-4,
        };
        let (p, result) = fit_log_space(problem, options)?;
        Ok((
            Sbg {
                alpha: p[0],
                beta: p[1],
            },
            result,
        ))
    }

    /// `ln P(T = t)` for `t ≥ 1`.
    fn ln_churn_at(&self, t: f64) -> f64 {
        ln_beta(self.alpha + 1.0, self.beta + t - 1.0) - ln_beta(self.alpha, self.beta)
    }

    /// `ln S(t)`.
    fn ln_survival(&self, t: f64) -> f64 {
        ln_beta(self.alpha, self.beta + t) - ln_beta(self.alpha, self.beta)
    }

    /// Log-likelihood of a cohort's survivor counts (FH 2007 §4); NaN for invalid counts.
    pub fn log_likelihood(&self, alive: &[f64]) -> f64 {
        if validate_alive(alive).is_err() {
            return f64::NAN;
        }
        let k = alive.len() - 1;
        let churned: f64 = (1..=k)
            .map(|t| (alive[t - 1] - alive[t]) * self.ln_churn_at(t as f64))
            .sum();
        churned + alive[k] * self.ln_survival(k as f64)
    }

    /// `P(T = t)`: probability of churning at the end of period `t` (0 for `t = 0`).
    pub fn churn_probability(&self, t: u32) -> f64 {
        if t == 0 {
            return 0.0;
        }
        self.ln_churn_at(f64::from(t)).exp()
    }

    /// `S(t)`: probability of still being a customer after `t` periods.
    pub fn survival(&self, t: u32) -> f64 {
        self.ln_survival(f64::from(t)).exp()
    }

    /// Retention rate of period `t ≥ 1`, `(β+t−1)/(α+β+t−1)`; 1 for `t = 0`.
    pub fn retention_rate(&self, t: u32) -> f64 {
        if t == 0 {
            return 1.0;
        }
        let t = f64::from(t);
        (self.beta + t - 1.0) / (self.alpha + self.beta + t - 1.0)
    }

    /// `S(0), S(1), …, S(periods)`, built by the retention-rate recursion.
    pub fn survival_curve(&self, periods: u32) -> Vec<f64> {
        let mut curve = vec![1.0];
        for t in 1..=periods {
            curve.push(curve[curve.len() - 1] * self.retention_rate(t));
        }
        curve
    }

    /// Discounted expected lifetime of a customer just acquired, payments at the start of each
    /// period including the first: `Σ_{t≥0} S(t)/(1+d)^t = ₂F₁(1, β; α+β; 1/(1+d))`.
    /// NaN unless `discount > 0`.
    pub fn del(&self, discount: f64) -> f64 {
        if !(discount > 0.0 && discount.is_finite()) {
            return f64::NAN;
        }
        hyp2f1(
            1.0,
            self.beta,
            self.alpha + self.beta,
            1.0 / (1.0 + discount),
        )
        .unwrap_or(f64::NAN)
    }

    /// Discounted expected residual lifetime of a customer who has made `renewals` renewals
    /// (has been active `n = renewals + 1` periods) and is about to decide on the next one,
    /// FH 2010's DERL: `B(α, β+n)/B(α, β+n−1) · ₂F₁(1, β+n; α+β+n; 1/(1+d))`, i.e.
    /// `Σ_{t≥n} S(t)/S(n−1) / (1+d)^{t−n}` (the payment due at this renewal undiscounted).
    /// Multiply by the payment per period for a residual value. NaN unless `discount > 0`.
    pub fn derl(&self, discount: f64, renewals: u32) -> f64 {
        if !(discount > 0.0 && discount.is_finite()) {
            return f64::NAN;
        }
        let n = f64::from(renewals) + 1.0;
        let Sbg { alpha, beta } = *self;
        let ratio = (beta + n - 1.0) / (alpha + beta + n - 1.0);
        let z = 1.0 / (1.0 + discount);
        ratio * hyp2f1(1.0, beta + n, alpha + beta + n, z).unwrap_or(f64::NAN)
    }
}

/// At least two counts, finite, non-negative, non-increasing, the first > 0.
fn validate_alive(alive: &[f64]) -> Result<(), ClvError> {
    if alive.len() < 2 {
        return Err(ClvError::Empty(
            "sBG needs the cohort size and at least one later count",
        ));
    }
    for (i, &a) in alive.iter().enumerate() {
        let previous = if i == 0 { f64::INFINITY } else { alive[i - 1] };
        if !(a.is_finite() && a >= 0.0 && a <= previous && (i > 0 || a > 0.0)) {
            return Err(ClvError::InvalidRow {
                index: i,
                reason: format!(
                    "alive count {a} must be finite, >= 0, not above the previous count, and the first > 0"
                ),
            });
        }
    }
    Ok(())
}

/// Mean negative log-likelihood per customer, analytic gradient (digamma terms): `lost[t−1]`
/// churned after `t` periods, `censored[k]` still active after `k`.
struct SbgObjective {
    lost: Vec<f64>,
    censored: Vec<f64>,
    total: f64,
}

impl SbgObjective {
    fn new(lost: Vec<f64>, censored: Vec<f64>) -> Self {
        let total = lost.iter().sum::<f64>() + censored.iter().sum::<f64>();
        SbgObjective {
            lost,
            censored,
            total,
        }
    }
}

impl Objective for SbgObjective {
    fn dim(&self) -> usize {
        2
    }

    fn value_grad(&self, theta: &[f64], grad: &mut [f64]) -> f64 {
        let model = Sbg {
            alpha: theta[0].exp(),
            beta: theta[1].exp(),
        };
        let Sbg { alpha, beta } = model;
        let (dg_ab, dg_b) = (digamma(alpha + beta), digamma(beta));
        let (mut ll, mut da, mut db) = (0.0, 0.0, 0.0);
        for (i, &lost) in self.lost.iter().enumerate().filter(|(_, l)| **l > 0.0) {
            let tf = (i + 1) as f64;
            let dg_abt = digamma(alpha + beta + tf);
            ll += lost * model.ln_churn_at(tf);
            da += lost * (1.0 / alpha + dg_ab - dg_abt);
            db += lost * (digamma(beta + tf - 1.0) - dg_b + dg_ab - dg_abt);
        }
        for (k, &survivors) in self.censored.iter().enumerate().filter(|(_, c)| **c > 0.0) {
            let kf = k as f64;
            let dg_abk = digamma(alpha + beta + kf);
            ll += survivors * model.ln_survival(kf);
            da += survivors * (dg_ab - dg_abk);
            db += survivors * (digamma(beta + kf) - dg_b + dg_ab - dg_abk);
        }
        let n = self.total;
        grad[0] = -da * alpha / n;
        grad[1] = -db * beta / n;
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
    use crate::clv::testdata::rounds_to;

    /// FH 2007 Table 1 (percent of customers surviving, per 1,000): years 0–12.
    const REGULAR: [f64; 13] = [
        1000.0, 631.0, 468.0, 382.0, 326.0, 289.0, 262.0, 241.0, 223.0, 207.0, 194.0, 183.0, 173.0,
    ];
    const HIGH_END: [f64; 8] = [1000.0, 869.0, 743.0, 653.0, 593.0, 551.0, 517.0, 491.0];

    #[test]
    fn fits_the_paper_cohorts() {
        let (regular, fit) = Sbg::fit(&REGULAR[..8]).unwrap();
        assert!(fit.converged, "{fit:?}");
        assert!(rounds_to(regular.alpha, 0.704, 3), "{regular:?}");
        assert!(rounds_to(regular.beta, 1.182, 3), "{regular:?}");
        let (high, _) = Sbg::fit(&HIGH_END).unwrap();
        assert!(rounds_to(high.alpha, 0.668, 3), "{high:?}");
        assert!(rounds_to(high.beta, 3.806, 3), "{high:?}");
        // The same fit from churn counts.
        let lost: Vec<f64> = REGULAR[..8].windows(2).map(|w| w[0] - w[1]).collect();
        let (again, _) = Sbg::fit_churn(1000.0, &lost).unwrap();
        assert!((again.alpha - regular.alpha).abs() < 1e-9);
    }

    #[test]
    fn projects_the_holdout_years() {
        // FH 2007 fig. 4: the sBG fitted on years 1–7 tracks years 8–12 of the regular cohort
        // closely (the aggregate geometric model undershoots badly).
        let (m, _) = Sbg::fit(&REGULAR[..8]).unwrap();
        let curve = m.survival_curve(12);
        for t in 8..=12 {
            let projected = 1000.0 * curve[t];
            let actual = REGULAR[t];
            assert!(
                (projected - actual).abs() / actual < 0.05,
                "year {t}: {projected} vs {actual}"
            );
        }
        assert!((curve[5] - m.survival(5)).abs() < 1e-14);
        let total: f64 = (1..2000).map(|t| m.churn_probability(t)).sum::<f64>() + m.survival(1999);
        assert!((total - 1.0).abs() < 1e-12);
        assert!(m.retention_rate(2) < m.retention_rate(10));
    }

    #[test]
    fn pooled_cohorts_of_different_ages_recover_the_model() {
        // Expected counts of six yearly cohorts of 1,000 observed for 7, 6, …, 2 years: the
        // maximum-likelihood estimate of the pooled, right-censored data is the model itself.
        let truth = Sbg::new(0.704, 1.182).unwrap();
        let (mut lost, mut active) = (vec![0.0; 7], vec![0.0; 8]);
        for observed in 2..=7u32 {
            for t in 1..=observed {
                lost[t as usize - 1] += 1000.0 * truth.churn_probability(t);
            }
            active[observed as usize] += 1000.0 * truth.survival(observed);
        }
        let (m, fit) = Sbg::fit_censored(&lost, &active).unwrap();
        assert!(fit.converged, "{fit:?}");
        assert!(
            (m.alpha - 0.704).abs() < 1e-4 && (m.beta - 1.182).abs() < 1e-4,
            "{m:?}"
        );
        // One cohort through the general form is the cohort fit.
        let regular = &REGULAR[..8];
        let lost: Vec<f64> = regular.windows(2).map(|w| w[0] - w[1]).collect();
        let mut active = vec![0.0; 8];
        active[7] = regular[7];
        let (pooled, _) = Sbg::fit_censored(&lost, &active).unwrap();
        let (cohort, _) = Sbg::fit(regular).unwrap();
        assert!((pooled.alpha - cohort.alpha).abs() < 1e-9);
        assert!(Sbg::fit_censored(&[0.0], &[5.0, 3.0]).is_err());
    }

    #[test]
    fn derl_equals_the_discounted_sum() {
        let m = Sbg::new(0.704, 1.182).unwrap();
        for (d, renewals) in [(0.1f64, 0u32), (0.1, 4), (0.05, 10)] {
            let n = renewals + 1;
            let s_prev = m.survival(n - 1);
            let brute: f64 = (n..n + 20_000)
                .map(|t| m.survival(t) / s_prev / (1.0 + d).powi((t - n) as i32))
                .sum();
            let got = m.derl(d, renewals);
            assert!(
                (got - brute).abs() < 1e-9 * brute,
                "d = {d}, renewals = {renewals}: {got} vs {brute}"
            );
        }
        let brute_del: f64 = (0..20_000)
            .map(|t| m.survival(t) / 1.1f64.powi(t as i32))
            .sum();
        assert!((m.del(0.1) - brute_del).abs() < 1e-9 * brute_del);
        assert!(m.derl(0.0, 1).is_nan());
    }

    #[test]
    fn rejects_bad_counts() {
        assert!(Sbg::fit(&[1000.0]).is_err());
        assert!(matches!(
            Sbg::fit(&[1000.0, 600.0, 700.0]),
            Err(ClvError::InvalidRow { index: 2, .. })
        ));
        assert!(Sbg::fit(&[0.0, 0.0]).is_err());
        assert!(Sbg::fit(&[1000.0, f64::NAN]).is_err());
    }
}
