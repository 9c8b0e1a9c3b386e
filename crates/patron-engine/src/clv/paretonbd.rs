//! Pareto/NBD: Schmittlein, Morrison & Colombo (1987), in the form of Fader & Hardie (2005),
//! "A note on deriving the Pareto/NBD model and related expressions" (note 009), as implemented
//! by lifetimes' `ParetoNBDFitter`.
//!
//! While alive a customer buys at Poisson rate `λ ~ Gamma(r, α)`; the lifetime is exponential
//! with rate `μ ~ Gamma(s, β)`. The individual likelihood (note 009 eq. 18) is
//!
//! ```text
//! L = Γ(r+x) αʳ βˢ / Γ(r) · [ 1 / ((α+T)^{r+x} (β+T)ˢ) + s/(r+s+x) · A₀ ]
//! ```
//!
//! with (eqs. 19–20), for `α ≥ β`,
//! `A₀ = F(α, s+1; t_x) − F(α, s+1; T)`, `F(m, b; y) = ₂F₁(r+s+x, b; r+s+x+1; (m−min)/(m+y)) /
//! (m+y)^{r+s+x}`, and for `α < β` the same with `m = β` and `b = r+x`. Both `₂F₁` arguments
//! lie in `[0, 1)`. Everything is computed in logs; `A₀` is a difference of two positive terms,
//! evaluated as `ln(e^{l₁} − e^{l₂})` and equal to zero when `t_x = T`.
//!
//! The gradient involves derivatives of `₂F₁` in its parameters, so the fit uses central
//! differences (in log-parameter space) and a looser gradient tolerance of 1e-7. On CDNOW the
//! likelihood is flat along a ridge in `(s, β)`: the published r = 0.5533, α = 10.578 and
//! log-likelihood −9594.97 are reproducible, `s` and `β` only along the ridge, so compare
//! predictions rather than the fourth digit of `β`.

use super::betageo::nbd_pmf;
use super::data::{Compact, FrequencyData};
use super::fit::{FitOptions, FitResult, Problem, fit_log_space};
use super::hyp2f1::ln_hyp2f1;
use super::optimise::{Objective, central_gradient};
use super::quadrature::{integrate, integrate_relative};
use super::special::{ln_gamma, log_add_exp, log_sub_exp, logistic, one_minus_exp_over};
use super::value::AliveModel;
use super::{ClvError, positive};

/// Gradient tolerance for the numerical-gradient fit (central differences reach ~1e-9).
const GRADIENT_TOLERANCE: f64 = 1e-7;

/// Relative step of the central differences in log-parameter space.
const DIFFERENCE_STEP: f64 = 1e-5;

/// `ln F(t_x) − ln F(T)` below which the closed form of `A₀` is replaced by its integral: the
/// difference `F(t_x) − F(T)` then loses more than a digit (`e^{−0.1} ≈ 0.9`).
const MIN_SEPARATION: f64 = 0.1;

/// `r + s + x` above which `A₀` always comes from its integral. Far along the likelihood's
/// `(s, β)` ridge the `₂F₁` terms have parameters in the thousands and arguments next to 1,
/// where they are slow and their difference keeps only rounding error (the mean
/// log-likelihood then turned positive and the optimiser chased it).
const HARD_RSX: f64 = 100.0;

/// A Pareto/NBD model; `alpha` and `beta` are in the data's time unit.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ParetoNbd {
    /// Shape of the purchase-rate gamma.
    pub r: f64,
    /// Scale (rate parameter) of the purchase-rate gamma, in time units.
    pub alpha: f64,
    /// Shape of the dropout-rate gamma.
    pub s: f64,
    /// Scale (rate parameter) of the dropout-rate gamma, in time units.
    pub beta: f64,
}

impl ParetoNbd {
    /// Parameter names in [`FitResult::params`] order.
    pub const PARAMS: &'static [&'static str] = &["r", "alpha", "s", "beta"];

    /// A model from parameters, all finite and > 0.
    pub fn new(r: f64, alpha: f64, s: f64, beta: f64) -> Result<Self, ClvError> {
        Ok(ParetoNbd {
            r: positive("r", r)?,
            alpha: positive("alpha", alpha)?,
            s: positive("s", s)?,
            beta: positive("beta", beta)?,
        })
    }

    /// Maximum-likelihood fit with default options.
    pub fn fit(data: &FrequencyData) -> Result<(Self, FitResult), ClvError> {
        Self::fit_with(data, &FitOptions::default())
    }

    /// Maximum-likelihood fit; the gradient tolerance is at least 1e-7 (numerical gradient).
    pub fn fit_with(
        data: &FrequencyData,
        options: &FitOptions,
    ) -> Result<(Self, FitResult), ClvError> {
        if data.is_empty() {
            return Err(ClvError::Empty("Pareto/NBD needs at least one customer"));
        }
        let compact = Compact::new(data);
        let starts = starts(&compact);
        let objective = ParetoObjective::new(compact);
        let problem = Problem {
            model: "paretonbd",
            names: Self::PARAMS,
            total_weight: objective.data.total_weight,
            objective: &objective,
            starts,
            hessian_step: 1e-3,
        };
        let options = FitOptions {
            gradient_tolerance: options.gradient_tolerance.max(GRADIENT_TOLERANCE),
            ..*options
        };
        let (p, result) = fit_log_space(problem, &options)?;
        let model = ParetoNbd {
            r: p[0],
            alpha: p[1],
            s: p[2],
            beta: p[3],
        };
        Ok((model, result))
    }

    /// `ln A₀` (note 009 eqs. 19–20); `−∞` when `t_x = T`. The closed form is a difference of
    /// two `₂F₁` terms; where they are too close for the difference to keep its digits, or
    /// where `₂F₁` is in its hard region (see [`HARD_RSX`]), `A₀` comes from its integral.
    fn ln_a0(&self, x: f64, t_x: f64, t: f64) -> f64 {
        if t_x >= t {
            return f64::NEG_INFINITY;
        }
        if self.r + self.s + x > HARD_RSX {
            return self.ln_a0_by_quadrature(x, t_x, t);
        }
        self.ln_a0_from(x, t_x, t, self.ln_f(x, t_x), self.ln_f(x, t))
    }

    /// `ln F(y)` of eqs. 19–20 for a customer with `x` repeat purchases (NaN if `₂F₁` fails).
    fn ln_f(&self, x: f64, y: f64) -> f64 {
        let ParetoNbd { r, alpha, s, beta } = *self;
        let rsx = r + s + x;
        let (big, small, second) = if alpha >= beta {
            (alpha, beta, s + 1.0)
        } else {
            (beta, alpha, r + x)
        };
        match ln_hyp2f1(rsx, second, rsx + 1.0, (big - small) / (big + y)) {
            Ok((ln, _)) => ln - rsx * (big + y).ln(),
            Err(_) => f64::NAN,
        }
    }

    /// `ln A₀` from `ln F(t_x)` and `ln F(T)`, or from the integral where their difference
    /// would lose its digits (NaN compares false, so a failed `₂F₁` also takes the integral).
    fn ln_a0_from(&self, x: f64, t_x: f64, t: f64, at_recency: f64, at_age: f64) -> f64 {
        if t_x >= t {
            return f64::NEG_INFINITY;
        }
        if at_recency - at_age >= MIN_SEPARATION {
            log_sub_exp(at_recency, at_age)
        } else {
            self.ln_a0_by_quadrature(x, t_x, t)
        }
    }

    /// `ln A₀` from `A₀ = (r+s+x) ∫_{t_x}^{T} (α+τ)^{−(r+x)} (β+τ)^{−(s+1)} dτ`, whose integrand
    /// is positive, so nothing cancels. With `m` the smaller of `α` and `β` (exponent `pₘ`) and
    /// `M` the larger (exponent `p_M`), the substitution `τ = (m+t_x)eᵛ − m` gives
    /// `(m+t_x)^{1−pₘ} (M+t_x)^{−p_M} ∫₀^L e^{ψ(v)} dv` with `L = ln((m+T)/(m+t_x))` and
    /// `ψ(v) = (1−pₘ)v − p_M ln(1 + (m+t_x)(eᵛ−1)/(M+t_x))`: concave, without the singularity
    /// at `τ = −m` that makes `τ` a poor variable when `m` is small, and computed from
    /// differences that keep their digits when `s` and `β` run into the millions.
    fn ln_a0_by_quadrature(&self, x: f64, t_x: f64, t: f64) -> f64 {
        let ParetoNbd { r, alpha, s, beta } = *self;
        let (a, b) = (r + x, s + 1.0);
        let (m, p_m, big, p_big) = if alpha <= beta {
            (alpha, a, beta, b)
        } else {
            (beta, b, alpha, a)
        };
        let ratio = (m + t_x) / (big + t_x);
        let psi = |v: f64| (1.0 - p_m) * v - p_big * (ratio * v.exp_m1()).ln_1p();
        let length = ((t - t_x) / (m + t_x)).ln_1p();
        // Scaled by the larger end (ψ is concave, so the interior can exceed it only boundedly).
        let top = psi(length).max(0.0);
        let integral = integrate_relative(&|v| (psi(v) - top).exp(), 0.0, length, 1e-14);
        (r + s + x).ln() + (1.0 - p_m) * (m + t_x).ln() - p_big * (big + t_x).ln()
            + top
            + integral.ln()
    }

    /// The two log terms of the bracket of eq. 18: alive through `T`, and died in `(t_x, T]`.
    fn bracket_terms(&self, x: f64, t_x: f64, t: f64) -> (f64, f64) {
        self.bracket_terms_with(x, t, self.ln_a0(x, t_x, t))
    }

    /// [`ParetoNbd::bracket_terms`] with `ln A₀` given.
    fn bracket_terms_with(&self, x: f64, t: f64, ln_a0: f64) -> (f64, f64) {
        let ParetoNbd { r, alpha, s, beta } = *self;
        let alive = -(r + x) * (alpha + t).ln() - s * (beta + t).ln();
        let died = s.ln() - (r + s + x).ln() + ln_a0;
        (alive, died)
    }

    /// Log-likelihood of one customer (note 009 eq. 18); finite for any valid row, NaN for an
    /// invalid one.
    pub fn log_likelihood_row(&self, x: f64, t_x: f64, t: f64) -> f64 {
        if !valid_row(x, t_x, t) {
            return f64::NAN;
        }
        let ParetoNbd { r, alpha, s, beta } = *self;
        let a1 = ln_gamma(r + x) - ln_gamma(r) + r * alpha.ln() + s * beta.ln();
        let (alive, died) = self.bracket_terms(x, t_x, t);
        a1 + log_add_exp(alive, died)
    }

    /// Total weighted log-likelihood of `data`.
    pub fn log_likelihood(&self, data: &FrequencyData) -> f64 {
        (0..data.len())
            .map(|i| data.weight[i] * self.log_likelihood_row(data.x[i], data.t_x[i], data.t[i]))
            .sum()
    }

    /// Probability that the customer is alive at `T` (note 009 eq. 36).
    pub fn p_alive(&self, x: f64, t_x: f64, t: f64) -> f64 {
        if !valid_row(x, t_x, t) {
            return f64::NAN;
        }
        let (alive, died) = self.bracket_terms(x, t_x, t);
        logistic(alive - died)
    }

    /// Expected purchases in `(T, T + t_future]` for a customer alive at `T`:
    /// `(r+x)(β+T)/((α+T)(s−1)) · [1 − ((β+T)/(β+T+t))^{s−1}]`, continuous at `s = 1`.
    pub fn expected_if_alive(&self, t_future: f64, x: f64, t: f64) -> f64 {
        if !(t_future >= 0.0 && t_future.is_finite() && valid_row(x, 0.0, t)) {
            return f64::NAN;
        }
        let ParetoNbd { r, alpha, s, beta } = *self;
        let horizon = (t_future / (beta + t)).ln_1p();
        (r + x) * (beta + t) / (alpha + t) * one_minus_exp_over(s - 1.0, horizon)
    }

    /// Expected purchases in `(T, T + t_future]` given the history (note 009 eq. 41).
    pub fn expected_purchases(&self, t_future: f64, x: f64, t_x: f64, t: f64) -> f64 {
        self.p_alive(x, t_x, t) * self.expected_if_alive(t_future, x, t)
    }

    /// `E[X(t)] = rβ/(α(s−1)) · [1 − (β/(β+t))^{s−1}]` (note 009 eq. 27).
    pub fn unconditional_expected(&self, t: f64) -> f64 {
        self.expected_if_alive(t, 0.0, 0.0)
    }

    /// `P(X(t) = n)` for a new customer. Given the lifetime `τ`, `X(t)` is NBD over
    /// `min(τ, t)`, and `τ` is Pareto II with survival `(β/(β+τ))ˢ`; substituting
    /// `v = 1 − (β/(β+τ))ˢ` turns the integral over `τ` into one of a bounded smooth function
    /// over `v`, evaluated by adaptive Gauss–Legendre quadrature to 1e-13.
    pub fn prob_n_purchases(&self, n: u32, t: f64) -> f64 {
        if !(t >= 0.0 && t.is_finite()) {
            return f64::NAN;
        }
        let ParetoNbd { r, alpha, s, beta } = *self;
        let ln_survive = -s * (t / beta).ln_1p();
        let alive_through = ln_survive.exp() * nbd_pmf(r, alpha, n, t);
        let died_by = -ln_survive.exp_m1();
        let lifetime = |v: f64| beta * (-(-v).ln_1p() / s).exp_m1();
        let integrand = |v: f64| nbd_pmf(r, alpha, n, lifetime(v));
        alive_through + integrate(&integrand, 0.0, died_by, 1e-13)
    }
}

impl AliveModel for ParetoNbd {
    fn p_alive(&self, x: f64, t_x: f64, t: f64) -> f64 {
        ParetoNbd::p_alive(self, x, t_x, t)
    }

    fn expected_if_alive(&self, t_future: f64, x: f64, t: f64) -> f64 {
        ParetoNbd::expected_if_alive(self, t_future, x, t)
    }
}

/// `0 ≤ t_x ≤ T`, `x ≥ 0`, all finite.
fn valid_row(x: f64, t_x: f64, t: f64) -> bool {
    x.is_finite() && t.is_finite() && x >= 0.0 && t_x >= 0.0 && t_x <= t
}

/// Mean negative log-likelihood per customer over grouped rows, in log-parameter space.
///
/// `F(y)` of the closed form depends on a row only through `(x, y)`, so it is computed once
/// per distinct `(x, t_x)` and `(x, T)` pair (a million customers whose ages and recencies are
/// whole days have far fewer pairs than rows), on all threads.
struct ParetoObjective {
    data: Compact,
    /// Distinct `(x index, y)` pairs: `y` is a `t_x` or a `T` value.
    pairs: Vec<(u32, f64)>,
    /// Per row, the pair of its `(x, t_x)` and of its `(x, T)`.
    row_pairs: Vec<(u32, u32)>,
}

/// Rows summed per task: fixed chunks added in order, so the sum does not depend on the
/// number of threads.
const ROW_CHUNK: usize = 1 << 13;

impl ParetoObjective {
    fn new(data: Compact) -> ParetoObjective {
        use super::data::FastMap;
        let mut ids: FastMap<(u32, u64), u32> = FastMap::default();
        let mut pairs = Vec::new();
        let mut pair = |k: u32, y: f64| {
            *ids.entry((k, y.to_bits())).or_insert_with(|| {
                pairs.push((k, y));
                (pairs.len() - 1) as u32
            })
        };
        let row_pairs = (0..data.rows())
            .map(|i| {
                let k = data.x.index[i];
                let t_x = data.t_x.values[data.t_x.index[i] as usize];
                let t = data.t.values[data.t.index[i] as usize];
                (pair(k, t_x), pair(k, t))
            })
            .collect();
        ParetoObjective {
            data,
            pairs,
            row_pairs,
        }
    }

    fn mean_nll(&self, theta: &[f64]) -> f64 {
        use rayon::prelude::*;
        let [r, alpha, s, beta] = [
            theta[0].exp(),
            theta[1].exp(),
            theta[2].exp(),
            theta[3].exp(),
        ];
        let model = ParetoNbd { r, alpha, s, beta };
        let d = &self.data;
        // ln Γ(r+x) − ln Γ(r) + r ln α + s ln β depends on x only.
        let lg_r = ln_gamma(r);
        let by_x: Vec<f64> =
            d.x.values
                .iter()
                .map(|x| ln_gamma(r + x) - lg_r + r * alpha.ln() + s * beta.ln())
                .collect();
        // Rows in the hard region never use F, so it is not computed for them.
        let ln_f: Vec<f64> = self
            .pairs
            .par_iter()
            .map(|&(k, y)| {
                let x = d.x.values[k as usize];
                if r + s + x > HARD_RSX {
                    f64::NAN
                } else {
                    model.ln_f(x, y)
                }
            })
            .collect();
        let starts: Vec<usize> = (0..d.rows()).step_by(ROW_CHUNK).collect();
        let chunks: Vec<f64> = starts
            .par_iter()
            .map(|&start| {
                let mut ll = 0.0;
                for i in start..(start + ROW_CHUNK).min(d.rows()) {
                    let k = d.x.index[i] as usize;
                    let x = d.x.values[k];
                    let t_x = d.t_x.values[d.t_x.index[i] as usize];
                    let t = d.t.values[d.t.index[i] as usize];
                    let (recency, age) = self.row_pairs[i];
                    let ln_a0 = if r + s + x > HARD_RSX {
                        model.ln_a0(x, t_x, t)
                    } else {
                        let (f_recency, f_age) = (ln_f[recency as usize], ln_f[age as usize]);
                        model.ln_a0_from(x, t_x, t, f_recency, f_age)
                    };
                    let (alive, died) = model.bracket_terms_with(x, t, ln_a0);
                    ll += d.weight[i] * (by_x[k] + log_add_exp(alive, died));
                }
                ll
            })
            .collect();
        let value = -chunks.iter().sum::<f64>() / d.total_weight;
        if value.is_finite() {
            value
        } else {
            f64::INFINITY
        }
    }
}

impl Objective for ParetoObjective {
    fn dim(&self) -> usize {
        4
    }

    fn value_grad(&self, theta: &[f64], grad: &mut [f64]) -> f64 {
        let f = self.mean_nll(theta);
        if f.is_finite() {
            central_gradient(&|p| self.mean_nll(p), theta, DIFFERENCE_STEP, grad);
        }
        f
    }
}

/// Starting points: purchase rate from the data, a dropout rate of one per two ages.
fn starts(data: &Compact) -> Vec<Vec<f64>> {
    let (mut purchases, mut exposure) = (0.0, 0.0);
    for i in 0..data.rows() {
        purchases += data.weight[i] * data.x.values[data.x.index[i] as usize];
        exposure += data.weight[i] * data.t.values[data.t.index[i] as usize];
    }
    let mean_age = exposure / data.total_weight;
    let rate = if purchases > 0.0 && exposure > 0.0 {
        purchases / exposure
    } else {
        1.0
    };
    let age = if mean_age > 0.0 { mean_age } else { 1.0 };
    vec![
        vec![1.0, 1.0 / rate, 1.0, 2.0 * age],
        vec![0.25, 0.25 / rate, 0.5, age],
        vec![4.0, 4.0 / rate, 2.0, 4.0 * age],
    ]
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::clv::testdata::{cdnow_frequency, rounds_to};

    fn published() -> ParetoNbd {
        ParetoNbd::new(0.5533, 10.578, 0.6062, 11.668).unwrap()
    }

    #[test]
    fn fits_cdnow_to_the_published_values() {
        let data = cdnow_frequency();
        let (m, fit) = ParetoNbd::fit(&data).unwrap();
        assert!(fit.converged, "{fit:?}");
        assert!(
            (fit.log_likelihood - -9594.97).abs() <= 5e-3,
            "LL = {}",
            fit.log_likelihood
        );
        assert!(rounds_to(m.r, 0.5533, 4), "r = {}", m.r);
        assert!(rounds_to(m.alpha, 10.578, 3), "alpha = {}", m.alpha);
        // s and β sit on a flat ridge: compare 39-week predictions instead.
        let p = published();
        let mean = |model: &ParetoNbd| {
            (0..data.len())
                .map(|i| model.expected_purchases(39.0, data.x[i], data.t_x[i], data.t[i]))
                .sum::<f64>()
                / data.len() as f64
        };
        let (ours, theirs) = (mean(&m), mean(&p));
        assert!((ours - theirs).abs() < 1e-3, "{ours} vs {theirs}");
        assert!((p.log_likelihood(&data) - -9594.97).abs() <= 5e-3);
        // R package BTYD walkthrough (as quoted in lifetimes' tests): customer with x = 26,
        // t_x = 30.86, T = 31 expects 25.46 purchases in the next 52 weeks.
        let e = m.expected_purchases(52.0, 26.0, 30.86, 31.0);
        assert!((e - 25.46).abs() < 0.01, "{e}");
    }

    #[test]
    fn expectation_matches_r_btyd() {
        // R package BTYD, pnbd.Expectation example (params 0.55, 10.56, 0.61, 11.64), as quoted
        // in lifetimes' tests: E[X(t)] at t = 1, 5, 9.
        let m = ParetoNbd::new(0.55, 10.56, 0.61, 11.64).unwrap();
        for (t, expected) in [
            (1.0, 0.050_778_21),
            (5.0, 0.232_474_66),
            (9.0, 0.389_092_11),
        ] {
            let got = m.unconditional_expected(t);
            assert!((got - expected).abs() < 1e-8, "E[X({t})] = {got}");
        }
    }

    #[test]
    fn a0_matches_its_integral() {
        // A₀ = (r+s+x) ∫_{t_x}^{T} (α+τ)^{−(r+x)} (β+τ)^{−(s+1)} dτ (note 009 §3).
        for (r, alpha, s, beta) in [
            (0.55, 10.6, 0.61, 11.7),
            (0.3, 2.0, 1.4, 40.0),
            (2.0, 30.0, 0.2, 0.5),
        ] {
            let m = ParetoNbd::new(r, alpha, s, beta).unwrap();
            for (x, t_x, t) in [(0.0, 0.0, 38.0), (3.0, 10.0, 38.0), (12.0, 30.5, 31.0)] {
                let f = |tau: f64| (alpha + tau).powf(-(r + x)) * (beta + tau).powf(-(s + 1.0));
                let integral = (r + s + x) * integrate(&f, t_x, t, 1e-16);
                let got = m.ln_a0(x, t_x, t).exp();
                assert!(
                    (got - integral).abs() <= 1e-10 * integral,
                    "({r}, {alpha}, {s}, {beta}) at ({x}, {t_x}, {t}): {got} vs {integral}"
                );
            }
        }
    }

    #[test]
    fn a0_matches_mpmath_on_a_grid() {
        // scripts/reference/paretonbd_a0.py: the closed form at 80 digits, on a grid from
        // CDNOW-like parameters to the far end of the (s, β) ridge (s = 10⁴, β = 5·10⁶).
        let table = include_str!("paretonbd_a0.csv");
        let (mut rows, mut worst) = (0, (0.0f64, String::new()));
        for line in table.lines().skip(1) {
            let v: Vec<f64> = line.split(',').map(|f| f.parse().unwrap()).collect();
            let m = ParetoNbd::new(v[0], v[1], v[2], v[3]).unwrap();
            let got = m.ln_a0(v[4], v[5], v[6]);
            // ln A₀ to 1e-13 of its size: A₀ itself to ~1e-13 relative where |ln A₀| is small,
            // and no worse than the rounding of the log-likelihood's other terms elsewhere.
            let error = (got - v[7]).abs() / v[7].abs().max(1.0);
            let error = if error.is_nan() { f64::INFINITY } else { error };
            if error > worst.0 {
                worst = (error, format!("{line}: {got}"));
            }
            rows += 1;
        }
        assert!(rows > 700, "{rows} grid points");
        assert!(worst.0 <= 1e-13, "worst {:e} at {}", worst.0, worst.1);
    }

    #[test]
    fn pmf_sums_to_one_and_has_the_right_mean() {
        let m = published();
        for t in [1.0, 39.0, 78.0] {
            let probs: Vec<f64> = (0..300).map(|n| m.prob_n_purchases(n, t)).collect();
            let total: f64 = probs.iter().sum();
            let mean: f64 = probs.iter().enumerate().map(|(n, p)| n as f64 * p).sum();
            assert!((total - 1.0).abs() < 1e-9, "t = {t}: sum {total}");
            let expected = m.unconditional_expected(t);
            assert!(
                (mean - expected).abs() < 1e-7,
                "t = {t}: {mean} vs {expected}"
            );
        }
    }

    #[test]
    fn finite_at_the_extremes() {
        let m = published();
        let flipped = ParetoNbd::new(0.5533, 12.0, 0.6062, 3.0).unwrap();
        for model in [m, flipped] {
            for (x, t_x, t) in [
                (0.0, 0.0, 38.0),
                (5.0, 38.0, 38.0),
                (10_000.0, 20.0, 38.0),
                (0.0, 0.0, 1e-6),
                (1.0, 1e-6, 1e-6),
            ] {
                let ll = model.log_likelihood_row(x, t_x, t);
                assert!(ll.is_finite(), "({x}, {t_x}, {t}) -> {ll}");
                let p = model.p_alive(x, t_x, t);
                assert!((0.0..=1.0).contains(&p), "P(alive) {p}");
                assert!(model.expected_purchases(52.0, x, t_x, t).is_finite());
            }
        }
        assert!(m.log_likelihood_row(2.0, 5.0, 4.0).is_nan());
        // s = 1 is a removable singularity of the expectations.
        let one = ParetoNbd::new(0.5, 10.0, 1.0, 10.0).unwrap();
        let near = ParetoNbd::new(0.5, 10.0, 1.0 + 1e-9, 10.0).unwrap();
        assert!(
            (one.unconditional_expected(39.0) - near.unconditional_expected(39.0)).abs() < 1e-8
        );
    }
}
