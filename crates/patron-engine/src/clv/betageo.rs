//! The beta-geometric/NBD family shared by BG/NBD and MBG/NBD: likelihood, gradient and
//! predictions written once, with `shift` telling the two apart.
//!
//! Both models: while alive, a customer buys at Poisson rate `λ ~ Gamma(r, α)`; at each
//! purchase they drop out with probability `p ~ Beta(a, b)`. BG/NBD (Fader, Hardie & Lee 2005)
//! lets the dropout happen only after repeat purchases (`shift = 0`); MBG/NBD (Batislam,
//! Denizel & Filiztekin 2007) also at the first purchase, time 0 (`shift = 1`). With
//! `s = shift` the individual likelihood (FHL 2005 eq. 6; Batislam et al. 2007 §2) is
//!
//! ```text
//! L = Γ(r+x)αʳ / (Γ(r)(α+T)^{r+x}) · B(a, b+x+s)/B(a,b)
//!   + [x > 0 or s = 1] · Γ(r+x)αʳ / (Γ(r)(α+t_x)^{r+x}) · B(a+1, b+x+s−1)/B(a,b)
//! ```
//!
//! and in logs `ln L = A₁ + A₂ − (r+x) ln(α+T) + ln(1 + e^{A₄})` with
//! `A₁ = ln Γ(r+x) − ln Γ(r) + r ln α`, `A₂ = ln Γ(a+b) + ln Γ(b+x+s) − ln Γ(b) − ln Γ(a+b+x+s)`
//! and `A₄ = ln a − ln(b+x+s−1) + (r+x)(ln(α+T) − ln(α+t_x))` (the lifetimes arrangement). The
//! softplus keeps it finite for any `x`, `t_x = T` or tiny `T`.

use super::ClvError;
use super::data::{Compact, FrequencyData};
use super::fit::{FitOptions, FitResult, Problem, fit_log_space};
use super::hyp2f1::ln_hyp2f1;
use super::optimise::Objective;
use super::special::{digamma, ln_beta, ln_gamma, ln_one_plus_exp, logistic};

/// Parameters of a beta-geometric/NBD model plus the dropout-at-zero switch.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Kernel {
    pub r: f64,
    pub alpha: f64,
    pub a: f64,
    pub b: f64,
    /// 0 for BG/NBD, 1 for MBG/NBD.
    pub shift: f64,
}

impl Kernel {
    /// `A₄`, or `None` when the second likelihood term is absent (BG/NBD with `x = 0`).
    fn a4(&self, x: f64, t_x: f64, t: f64) -> Option<f64> {
        if x == 0.0 && self.shift == 0.0 {
            return None;
        }
        let ln_ratio = (self.alpha + t).ln() - (self.alpha + t_x).ln();
        Some(self.a.ln() - (self.b + x + self.shift - 1.0).ln() + (self.r + x) * ln_ratio)
    }

    /// `ln L` for one customer; NaN outside the data domain.
    pub fn log_likelihood_row(&self, x: f64, t_x: f64, t: f64) -> f64 {
        if !valid_row(x, t_x, t) {
            return f64::NAN;
        }
        let Kernel {
            r,
            alpha,
            a,
            b,
            shift,
        } = *self;
        let a1 = ln_gamma(r + x) - ln_gamma(r) + r * alpha.ln();
        let a2 =
            ln_gamma(a + b) + ln_gamma(b + x + shift) - ln_gamma(b) - ln_gamma(a + b + x + shift);
        let a3 = -(r + x) * (alpha + t).ln();
        a1 + a2 + a3 + self.a4(x, t_x, t).map_or(0.0, ln_one_plus_exp)
    }

    /// P(alive at T | x, t_x, T) = 1 / (1 + e^{A₄}) (Fader, Hardie & Lee 2008 note "Computing P(alive) using the BG/NBD
    /// model"; Batislam et al. 2007).
    pub fn p_alive(&self, x: f64, t_x: f64, t: f64) -> f64 {
        if !valid_row(x, t_x, t) {
            return f64::NAN;
        }
        self.a4(x, t_x, t).map_or(1.0, |a4| logistic(-a4))
    }

    /// Expected purchases in `(T, T + t_future]` for a customer known to be alive at `T` with
    /// `x` repeat purchases: the numerator of FHL 2005 eq. 10 (and its MBG/NBD analogue),
    /// `(a+b+x+s−1)/(a−1) · [1 − ((α+T)/(α+T+t))^{r+x} ₂F₁(r+x, b+x+s; a+b+x+s−1; t/(α+T+t))]`.
    pub fn expected_if_alive(&self, t_future: f64, x: f64, t: f64) -> f64 {
        if !(t_future >= 0.0 && t_future.is_finite() && valid_row(x, 0.0, t)) {
            return f64::NAN;
        }
        if t_future == 0.0 {
            return 0.0;
        }
        let Kernel {
            r,
            alpha,
            a,
            b,
            shift,
        } = *self;
        let z = t_future / (alpha + t + t_future);
        let Ok((ln_f, sign)) = ln_hyp2f1(r + x, b + x + shift, a + b + x + shift - 1.0, z) else {
            return f64::NAN;
        };
        // (1 − z)^{r+x} · F, kept in logs; 1 − that via expm1 so short horizons keep digits.
        let ln_term = (r + x) * (-z).ln_1p() + ln_f;
        let bracket = if sign > 0.0 {
            -ln_term.exp_m1()
        } else {
            1.0 + ln_term.exp()
        };
        (a + b + x + shift - 1.0) / (a - 1.0) * bracket
    }

    /// `P(X(t) = n)` for a new customer (FHL 2005 eq. 8; lifetimes' MBG/NBD analogue).
    pub fn prob_n_purchases(&self, n: u32, t: f64) -> f64 {
        if !(t >= 0.0 && t.is_finite()) {
            return f64::NAN;
        }
        let Kernel {
            r,
            alpha,
            a,
            b,
            shift,
        } = *self;
        let nf = f64::from(n);
        let stay = (ln_beta(a, b + nf + shift) - ln_beta(a, b)).exp() * nbd_pmf(r, alpha, n, t);
        if n == 0 && shift == 0.0 {
            return stay;
        }
        let leave = (ln_beta(a + 1.0, b + nf + shift - 1.0) - ln_beta(a, b)).exp();
        stay + leave * nbd_tail(r, alpha, n, t)
    }
}

/// `0 ≤ t_x ≤ T`, `x ≥ 0`, all finite.
fn valid_row(x: f64, t_x: f64, t: f64) -> bool {
    x.is_finite() && t.is_finite() && x >= 0.0 && t_x >= 0.0 && t_x <= t
}

/// NBD probability `P(N = n)` with `N | λ ~ Poisson(λt)` and `λ ~ Gamma(r, α)`.
pub(crate) fn nbd_pmf(r: f64, alpha: f64, n: u32, t: f64) -> f64 {
    if t == 0.0 {
        return if n == 0 { 1.0 } else { 0.0 };
    }
    let nf = f64::from(n);
    let ln_q = (alpha / (alpha + t)).ln();
    let ln_p = (t / (alpha + t)).ln();
    (ln_gamma(r + nf) - ln_gamma(r) - ln_gamma(nf + 1.0) + r * ln_q + nf * ln_p).exp()
}

/// NBD upper tail `P(N ≥ n)`: one minus the lower sum when that is small, otherwise the upper
/// sum itself, so neither end cancels.
pub(crate) fn nbd_tail(r: f64, alpha: f64, n: u32, t: f64) -> f64 {
    if n == 0 {
        return 1.0;
    }
    if t == 0.0 {
        return 0.0;
    }
    let p = t / (alpha + t);
    let mut pmf = nbd_pmf(r, alpha, 0, t);
    let mut cdf = 0.0;
    for j in 0..n {
        cdf += pmf;
        pmf *= (r + f64::from(j)) / f64::from(j + 1) * p;
    }
    if cdf <= 0.5 {
        return 1.0 - cdf;
    }
    // Upper sum from P(N = n), whose term ratio tends to p < 1.
    let mut term = nbd_pmf(r, alpha, n, t);
    let mut tail = 0.0;
    let mut j = n;
    while term > 1e-18 * tail || tail == 0.0 {
        tail += term;
        term *= (r + f64::from(j)) / f64::from(j + 1) * p;
        j += 1;
        if term == 0.0 || !term.is_finite() || j > n.saturating_add(10_000_000) {
            break;
        }
    }
    tail
}

/// Mean negative log-likelihood per customer in log-parameter space, with its analytic
/// gradient. Per evaluation it computes `ln(α + v)` once per distinct `t_x` and `T`, the
/// x-only terms once per distinct `x`, and per row one `exp` and one `ln_1p`.
pub(crate) struct KernelObjective {
    pub data: Compact,
    pub shift: f64,
}

/// Per-distinct-x quantities of one evaluation.
struct XTerms {
    rx: Vec<f64>,
    c4: Vec<f64>,
    active: Vec<bool>,
}

impl KernelObjective {
    fn x_terms(&self, r: f64, a: f64, b: f64) -> XTerms {
        let xs = &self.data.x.values;
        XTerms {
            rx: xs.iter().map(|x| r + x).collect(),
            c4: xs
                .iter()
                .map(|x| a.ln() - (b + x + self.shift - 1.0).ln())
                .collect(),
            active: xs.iter().map(|&x| x > 0.0 || self.shift > 0.0).collect(),
        }
    }

    /// The x-only part `Σ_x W_x (A₁ + A₂)` and its gradient in natural parameters.
    fn x_part(&self, r: f64, alpha: f64, a: f64, b: f64, grad: &mut [f64; 4]) -> f64 {
        let s = self.shift;
        let (lg_r, lg_ab, lg_b) = (ln_gamma(r), ln_gamma(a + b), ln_gamma(b));
        let (dg_r, dg_ab, dg_b) = (digamma(r), digamma(a + b), digamma(b));
        let mut ll = 0.0;
        for (&x, &w) in self.data.x.values.iter().zip(&self.data.x_weight) {
            let a1 = ln_gamma(r + x) - lg_r + r * alpha.ln();
            let a2 = lg_ab + ln_gamma(b + x + s) - lg_b - ln_gamma(a + b + x + s);
            ll += w * (a1 + a2);
            let dg_abx = digamma(a + b + x + s);
            grad[0] += w * (digamma(r + x) - dg_r + alpha.ln());
            grad[1] += w * r / alpha;
            grad[2] += w * (dg_ab - dg_abx);
            grad[3] += w * (dg_ab + digamma(b + x + s) - dg_b - dg_abx);
        }
        ll
    }

    /// The row part `Σ w (−(r+x) ln(α+T) + softplus(A₄))` and its gradient, over fixed
    /// chunks of rows on all threads. The chunks' sums are added in chunk order, so the result
    /// does not depend on the number of threads; data of one chunk is summed as in a plain loop.
    fn row_part(&self, alpha: f64, a: f64, b: f64, xt: &XTerms, grad: &mut [f64; 4]) -> f64 {
        use rayon::prelude::*;
        let d = &self.data;
        let logs = RowLogs {
            t: logs_and_inverses(alpha, &d.t.values),
            t_x: logs_and_inverses(alpha, &d.t_x.values),
        };
        let starts: Vec<usize> = (0..d.rows()).step_by(ROW_CHUNK).collect();
        let parts: Vec<RowSums> = starts
            .par_iter()
            .map(|&start| self.row_sums(start..(start + ROW_CHUNK).min(d.rows()), xt, &logs))
            .collect();
        let mut total = RowSums::new(d.x.values.len());
        for p in &parts {
            total.ll += p.ll;
            total.dr += p.dr;
            total.dalpha += p.dalpha;
            for (t, s) in total.sigma_by_x.iter_mut().zip(&p.sigma_by_x) {
                *t += s;
            }
        }
        grad[0] += total.dr;
        grad[1] += total.dalpha;
        for (k, &sw) in total.sigma_by_x.iter().enumerate() {
            grad[2] += sw / a;
            grad[3] -= sw / (b + d.x.values[k] + self.shift - 1.0);
        }
        total.ll
    }

    /// The row part's sums over some rows.
    fn row_sums(&self, rows: std::ops::Range<usize>, xt: &XTerms, logs: &RowLogs) -> RowSums {
        let d = &self.data;
        let ((ln_t, inv_t), (ln_tx, inv_tx)) = (&logs.t, &logs.t_x);
        let mut sums = RowSums::new(d.x.values.len());
        for i in rows {
            let (k, ti, txi, w) = (
                d.x.index[i] as usize,
                d.t.index[i] as usize,
                d.t_x.index[i] as usize,
                d.weight[i],
            );
            let (rx, lt, it) = (xt.rx[k], ln_t[ti], inv_t[ti]);
            sums.ll -= w * rx * lt;
            sums.dr -= w * lt;
            sums.dalpha -= w * rx * it;
            if xt.active[k] {
                let gap = lt - ln_tx[txi];
                let a4 = xt.c4[k] + rx * gap;
                let e = (-a4.abs()).exp();
                let sigma = if a4 >= 0.0 {
                    1.0 / (1.0 + e)
                } else {
                    e / (1.0 + e)
                };
                sums.ll += w * (a4.max(0.0) + e.ln_1p());
                sums.dr += w * sigma * gap;
                sums.dalpha += w * sigma * rx * (it - inv_tx[txi]);
                sums.sigma_by_x[k] += w * sigma;
            }
        }
        sums
    }
}

/// Rows summed by one task of [`KernelObjective::row_part`]: a data set of up to this many
/// distinct rows (CDNOW has 2,357) is summed in one plain loop.
const ROW_CHUNK: usize = 1 << 15;

/// `ln(α + v)` and `1/(α + v)` of the distinct `T` and `t_x` of one evaluation.
struct RowLogs {
    t: (Vec<f64>, Vec<f64>),
    t_x: (Vec<f64>, Vec<f64>),
}

/// Partial sums of the row part.
struct RowSums {
    ll: f64,
    dr: f64,
    dalpha: f64,
    sigma_by_x: Vec<f64>,
}

impl RowSums {
    fn new(distinct_x: usize) -> Self {
        RowSums {
            ll: 0.0,
            dr: 0.0,
            dalpha: 0.0,
            sigma_by_x: vec![0.0; distinct_x],
        }
    }
}

/// `ln(α + v)` and `1/(α + v)` for each distinct `v`.
fn logs_and_inverses(alpha: f64, values: &[f64]) -> (Vec<f64>, Vec<f64>) {
    let ln = values.iter().map(|v| (alpha + v).ln()).collect();
    let inv = values.iter().map(|v| 1.0 / (alpha + v)).collect();
    (ln, inv)
}

impl Objective for KernelObjective {
    fn dim(&self) -> usize {
        4
    }

    fn value_grad(&self, theta: &[f64], grad: &mut [f64]) -> f64 {
        let [r, alpha, a, b] = [
            theta[0].exp(),
            theta[1].exp(),
            theta[2].exp(),
            theta[3].exp(),
        ];
        let mut g = [0.0; 4];
        let xt = self.x_terms(r, a, b);
        let ll = self.x_part(r, alpha, a, b, &mut g) + self.row_part(alpha, a, b, &xt, &mut g);
        let n = self.data.total_weight;
        // Chain rule to log space (∂/∂ln θ = θ ∂/∂θ), sign flip for minimisation, per customer.
        for (i, p) in [r, alpha, a, b].iter().enumerate() {
            grad[i] = -g[i] * p / n;
        }
        -ll / n
    }
}

/// Starting points (natural parameters) for the fit: one from the mean purchase rate, then
/// two deterministic spreads for the fallback.
pub(crate) fn starts(data: &Compact) -> Vec<Vec<f64>> {
    let (mut purchases, mut exposure) = (0.0, 0.0);
    for i in 0..data.rows() {
        purchases += data.weight[i] * data.x.values[data.x.index[i] as usize];
        exposure += data.weight[i] * data.t.values[data.t.index[i] as usize];
    }
    let rate = if purchases > 0.0 && exposure > 0.0 {
        purchases / exposure
    } else {
        1.0
    };
    vec![
        vec![1.0, 1.0 / rate, 1.0, 3.0],
        vec![0.25, 0.25 / rate, 0.5, 1.5],
        vec![4.0, 4.0 / rate, 3.0, 10.0],
    ]
}

/// Maximum-likelihood fit of the kernel with dropout `shift` (0 for BG/NBD, 1 for MBG/NBD):
/// the fitted `[r, alpha, a, b]` and the fit report under `model`'s name.
pub(crate) fn fit(
    data: &FrequencyData,
    options: &FitOptions,
    shift: f64,
    model: &'static str,
    names: &'static [&'static str],
    empty: &'static str,
) -> Result<([f64; 4], FitResult), ClvError> {
    if data.is_empty() {
        return Err(ClvError::Empty(empty));
    }
    let compact = Compact::new(data);
    let starts = starts(&compact);
    let objective = KernelObjective {
        data: compact,
        shift,
    };
    let problem = Problem {
        model,
        names,
        total_weight: objective.data.total_weight,
        objective: &objective,
        starts,
        hessian_step: 1e-4,
    };
    let (p, result) = fit_log_space(problem, options)?;
    Ok(([p[0], p[1], p[2], p[3]], result))
}
