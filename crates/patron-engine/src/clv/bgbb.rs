//! BG/BB: Fader, Hardie & Shang (2010), "Customer-base analysis in a discrete-time
//! noncontractual setting", Marketing Science 29(6).
//!
//! Transactions can only happen at discrete opportunities (a yearly donation drive, an annual
//! event). While alive a customer transacts at each opportunity with probability
//! `p ~ Beta(α, β)`; before each opportunity an alive customer dies with probability
//! `θ ~ Beta(γ, δ)`. A history is `x` transactions in `n` opportunities, the last at
//! opportunity `t_x`. The likelihood (FHS 2010 §2) is
//!
//! ```text
//! L = B(α+x, β+n−x)/B(α,β) · B(γ, δ+n)/B(γ,δ)
//!   + Σ_{i=0}^{n−t_x−1} B(α+x, β+t_x−x+i)/B(α,β) · B(γ+1, δ+t_x+i)/B(γ,δ)
//! ```
//!
//! The terms of the sum shrink by `(β+t_x−x+i)/(α+β+t_x+i) · (δ+t_x+i)/(γ+δ+1+t_x+i) < 1`, so
//! it is summed as a product recurrence scaled by its first term: no `ln B` per term and no
//! overflow. The donation data of the paper (11,104 donors, 6 opportunities) give α = 1.204,
//! β = 0.750, γ = 0.657, δ = 2.783.

use super::data::{FastMap, check_weight};
use super::fit::{FitOptions, FitResult, Problem, fit_log_space};
use super::optimise::{Objective, central_gradient};
use super::special::{ln_beta, log_add_exp};
use super::{ClvError, positive};

/// Discrete-opportunity histories: `x` transactions in `n` opportunities, the last at `t_x`.
#[derive(Debug, Clone, PartialEq)]
pub struct BgBbData {
    /// Number of transactions (`0 ≤ x ≤ t_x`).
    pub x: Vec<u32>,
    /// Opportunity of the last transaction (0 when `x = 0`, otherwise `x ≤ t_x ≤ n`).
    pub t_x: Vec<u32>,
    /// Number of opportunities observed.
    pub n: Vec<u32>,
    /// Number of customers the row stands for (> 0).
    pub weight: Vec<f64>,
}

impl BgBbData {
    /// Validated data: equal lengths, `x ≤ t_x ≤ n`, `t_x = 0` exactly when `x = 0`, weights
    /// finite and > 0. The error names the first bad row.
    pub fn new(
        x: Vec<u32>,
        t_x: Vec<u32>,
        n: Vec<u32>,
        weight: Vec<f64>,
    ) -> Result<Self, ClvError> {
        let lengths = [x.len(), t_x.len(), n.len(), weight.len()];
        if lengths.iter().any(|&l| l != x.len()) {
            return Err(ClvError::LengthMismatch(format!(
                "x {}, t_x {}, n {}, weight {}",
                lengths[0], lengths[1], lengths[2], lengths[3]
            )));
        }
        for i in 0..x.len() {
            let ok = x[i] <= t_x[i] && t_x[i] <= n[i] && (x[i] == 0) == (t_x[i] == 0);
            if !ok {
                return Err(ClvError::InvalidRow {
                    index: i,
                    reason: format!(
                        "need x <= t_x <= n and t_x = 0 exactly when x = 0, got x = {}, t_x = {}, n = {}",
                        x[i], t_x[i], n[i]
                    ),
                });
            }
            check_weight(i, weight[i])?;
        }
        Ok(BgBbData { x, t_x, n, weight })
    }

    /// Number of rows.
    pub fn len(&self) -> usize {
        self.x.len()
    }

    /// True when there are no rows.
    pub fn is_empty(&self) -> bool {
        self.x.is_empty()
    }

    /// Identical `(x, t_x, n)` rows merged, weights summed, first-occurrence order.
    pub fn grouped(&self) -> BgBbData {
        let mut index: FastMap<[u64; 3], usize> =
            FastMap::with_capacity_and_hasher(self.len(), Default::default());
        let mut out = BgBbData {
            x: vec![],
            t_x: vec![],
            n: vec![],
            weight: vec![],
        };
        for i in 0..self.len() {
            let key = [self.x[i], self.t_x[i], self.n[i]].map(u64::from);
            match index.get(&key) {
                Some(&g) => out.weight[g] += self.weight[i],
                None => {
                    index.insert(key, out.len());
                    out.x.push(self.x[i]);
                    out.t_x.push(self.t_x[i]);
                    out.n.push(self.n[i]);
                    out.weight.push(self.weight[i]);
                }
            }
        }
        out
    }
}

/// A BG/BB model.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct BgBb {
    /// First shape of the transaction-probability beta.
    pub alpha: f64,
    /// Second shape of the transaction-probability beta.
    pub beta: f64,
    /// First shape of the dropout-probability beta.
    pub gamma: f64,
    /// Second shape of the dropout-probability beta.
    pub delta: f64,
}

impl BgBb {
    /// Parameter names in [`FitResult::params`] order.
    pub const PARAMS: &'static [&'static str] = &["alpha", "beta", "gamma", "delta"];

    /// A model from parameters, all finite and > 0.
    pub fn new(alpha: f64, beta: f64, gamma: f64, delta: f64) -> Result<Self, ClvError> {
        Ok(BgBb {
            alpha: positive("alpha", alpha)?,
            beta: positive("beta", beta)?,
            gamma: positive("gamma", gamma)?,
            delta: positive("delta", delta)?,
        })
    }

    /// Maximum-likelihood fit with default options.
    pub fn fit(data: &BgBbData) -> Result<(Self, FitResult), ClvError> {
        Self::fit_with(data, &FitOptions::default())
    }

    /// Maximum-likelihood fit on grouped rows (central-difference gradient: the data are a
    /// handful of patterns, so the cost is negligible). The gradient tolerance is at least 1e-7.
    pub fn fit_with(data: &BgBbData, options: &FitOptions) -> Result<(Self, FitResult), ClvError> {
        if data.is_empty() {
            return Err(ClvError::Empty("BG/BB needs at least one customer"));
        }
        let objective = BgBbObjective {
            data: data.grouped(),
        };
        let problem = Problem {
            model: "bgbb",
            names: Self::PARAMS,
            total_weight: objective.data.weight.iter().sum(),
            objective: &objective,
            starts: vec![
                vec![1.0, 1.0, 1.0, 1.0],
                vec![0.5, 2.0, 0.5, 4.0],
                vec![3.0, 1.0, 2.0, 1.0],
            ],
            hessian_step: 1e-3,
        };
        let options = FitOptions {
            gradient_tolerance: options.gradient_tolerance.max(1e-7),
            ..*options
        };
        let (p, result) = fit_log_space(problem, &options)?;
        let model = BgBb {
            alpha: p[0],
            beta: p[1],
            gamma: p[2],
            delta: p[3],
        };
        Ok((model, result))
    }

    /// `ln` of the first likelihood term: alive through all `n` opportunities.
    fn ln_alive_through(&self, x: f64, n: f64) -> f64 {
        let BgBb {
            alpha,
            beta,
            gamma,
            delta,
        } = *self;
        ln_beta(alpha + x, beta + n - x) - ln_beta(alpha, beta) + ln_beta(gamma, delta + n)
            - ln_beta(gamma, delta)
    }

    /// `ln` of the sum of the likelihood: died after opportunity `t_x + i`, `i < n − t_x`.
    fn ln_died_between(&self, x: u32, t_x: u32, n: u32) -> f64 {
        if t_x >= n {
            return f64::NEG_INFINITY;
        }
        let BgBb {
            alpha,
            beta,
            gamma,
            delta,
        } = *self;
        let (xf, tf) = (f64::from(x), f64::from(t_x));
        let first = ln_beta(alpha + xf, beta + tf - xf) - ln_beta(alpha, beta)
            + ln_beta(gamma + 1.0, delta + tf)
            - ln_beta(gamma, delta);
        let (mut term, mut sum) = (1.0, 1.0);
        for i in 1..(n - t_x) {
            // Ratio of term i to term i − 1, from B(a, b+1)/B(a, b) = b/(a+b).
            let j = tf + f64::from(i - 1);
            term *= (beta + j - xf) / (alpha + beta + j) * (delta + j) / (gamma + delta + 1.0 + j);
            sum += term;
            // Terms decay only like i^−(α+γ+1): bound the tail by i times the last term.
            if term * f64::from(i + 1) < 1e-17 * sum {
                break;
            }
        }
        first + sum.ln()
    }

    /// Log-likelihood of one history (FHS 2010 §2); NaN for an invalid row.
    pub fn log_likelihood_row(&self, x: u32, t_x: u32, n: u32) -> f64 {
        if !(x <= t_x && t_x <= n && (x == 0) == (t_x == 0)) {
            return f64::NAN;
        }
        log_add_exp(
            self.ln_alive_through(f64::from(x), f64::from(n)),
            self.ln_died_between(x, t_x, n),
        )
    }

    /// Total weighted log-likelihood of `data`.
    pub fn log_likelihood(&self, data: &BgBbData) -> f64 {
        (0..data.len())
            .map(|i| data.weight[i] * self.log_likelihood_row(data.x[i], data.t_x[i], data.n[i]))
            .sum()
    }

    /// Probability of being alive at opportunity `n + 1` (FHS 2010 appendix, eq. A10).
    pub fn p_alive(&self, x: u32, t_x: u32, n: u32) -> f64 {
        let ll = self.log_likelihood_row(x, t_x, n);
        let (xf, nf) = (f64::from(x), f64::from(n));
        let BgBb { gamma, delta, .. } = *self;
        let alive_next = self.ln_alive_through(xf, nf) - ln_beta(gamma, delta + nf)
            + ln_beta(gamma, delta + nf + 1.0);
        (alive_next - ll).exp()
    }

    /// Expected transactions in the next `n_future` opportunities (FHS 2010 eq. 13), written as
    /// `(1/L) · B(α+x+1, β+n−x)/B(α,β) · Σ_{j=1}^{n*} B(γ, δ+n+j)/B(γ,δ)`, a sum of
    /// survival probabilities that stays exact at `γ = 1` where eq. 13 divides by `γ − 1`.
    pub fn expected_transactions(&self, n_future: u32, x: u32, t_x: u32, n: u32) -> f64 {
        let ll = self.log_likelihood_row(x, t_x, n);
        let BgBb { alpha, beta, .. } = *self;
        let (xf, nf) = (f64::from(x), f64::from(n));
        let buy = ln_beta(alpha + xf + 1.0, beta + nf - xf) - ln_beta(alpha, beta);
        (buy - ll).exp() * self.survival_sum(nf, n_future)
    }

    /// `Σ_{j=1}^{m} B(γ, δ+n+j)/B(γ,δ)`: expected number of the next `m` opportunities a customer
    /// alive at opportunity `n` (unconditionally on the data) survives to.
    fn survival_sum(&self, n: f64, m: u32) -> f64 {
        let BgBb { gamma, delta, .. } = *self;
        let mut term = (ln_beta(gamma, delta + n) - ln_beta(gamma, delta)).exp();
        let mut sum = 0.0;
        for j in 0..m {
            // B(γ, δ+k+1)/B(γ, δ+k) = (δ+k)/(γ+δ+k).
            let k = n + f64::from(j);
            term *= (delta + k) / (gamma + delta + k);
            sum += term;
        }
        sum
    }

    /// `E[X(n)]`, expected transactions in the first `n` opportunities: the mean of eq. 7.
    pub fn unconditional_expected(&self, n: u32) -> f64 {
        self.alpha / (self.alpha + self.beta) * self.survival_sum(0.0, n)
    }

    /// `P(X(n) = x)` for a new customer (FHS 2010 eq. 7).
    pub fn prob_n_transactions(&self, x: u32, n: u32) -> f64 {
        if x > n {
            return 0.0;
        }
        let (xf, nf) = (f64::from(x), f64::from(n));
        let BgBb {
            alpha,
            beta,
            gamma,
            delta,
        } = *self;
        let choose = |k: f64| ln_choose(k, xf);
        let mut total = (choose(nf) + self.ln_alive_through(xf, nf)).exp();
        for i in x..n {
            let i = f64::from(i);
            let ln_term = choose(i) + ln_beta(alpha + xf, beta + i - xf) - ln_beta(alpha, beta)
                + ln_beta(gamma + 1.0, delta + i)
                - ln_beta(gamma, delta);
            total += ln_term.exp();
        }
        total
    }
}

/// `ln C(n, k)`.
fn ln_choose(n: f64, k: f64) -> f64 {
    use super::special::ln_gamma;
    ln_gamma(n + 1.0) - ln_gamma(k + 1.0) - ln_gamma(n - k + 1.0)
}

/// Mean negative log-likelihood per customer in log-parameter space (numerical gradient).
struct BgBbObjective {
    data: BgBbData,
}

impl BgBbObjective {
    fn mean_nll(&self, theta: &[f64]) -> f64 {
        let model = BgBb {
            alpha: theta[0].exp(),
            beta: theta[1].exp(),
            gamma: theta[2].exp(),
            delta: theta[3].exp(),
        };
        let d = &self.data;
        let total: f64 = d.weight.iter().sum();
        let value = -model.log_likelihood(d) / total;
        if value.is_finite() {
            value
        } else {
            f64::INFINITY
        }
    }
}

impl Objective for BgBbObjective {
    fn dim(&self) -> usize {
        4
    }

    fn value_grad(&self, theta: &[f64], grad: &mut [f64]) -> f64 {
        let f = self.mean_nll(theta);
        if f.is_finite() {
            central_gradient(&|p| self.mean_nll(p), theta, 1e-5, grad);
        }
        f
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::clv::testdata::rounds_to;

    /// FHS 2010's donation data (1995 cohort, 6 opportunities 1996–2001), as shipped by
    /// lifetimes (`datasets/donations.csv`): (x, t_x, customers).
    const DONATIONS: &[(u32, u32, f64)] = &[
        (0, 0, 3464.0),
        (1, 1, 1091.0),
        (1, 2, 277.0),
        (1, 3, 129.0),
        (1, 4, 78.0),
        (1, 5, 119.0),
        (1, 6, 129.0),
        (2, 2, 613.0),
        (2, 3, 255.0),
        (2, 4, 155.0),
        (2, 5, 173.0),
        (2, 6, 234.0),
        (3, 3, 322.0),
        (3, 4, 181.0),
        (3, 5, 225.0),
        (3, 6, 357.0),
        (4, 4, 240.0),
        (4, 5, 284.0),
        (4, 6, 512.0),
        (5, 5, 335.0),
        (5, 6, 728.0),
        (6, 6, 1203.0),
    ];

    fn donations() -> BgBbData {
        BgBbData::new(
            DONATIONS.iter().map(|r| r.0).collect(),
            DONATIONS.iter().map(|r| r.1).collect(),
            vec![6; DONATIONS.len()],
            DONATIONS.iter().map(|r| r.2).collect(),
        )
        .unwrap()
    }

    #[test]
    fn fits_the_donation_data_of_the_paper() {
        let data = donations();
        let (m, fit) = BgBb::fit(&data).unwrap();
        assert!(fit.converged, "{fit:?}");
        assert!(rounds_to(m.alpha, 1.204, 3), "{m:?}");
        assert!(rounds_to(m.beta, 0.750, 3), "{m:?}");
        assert!(rounds_to(m.gamma, 0.657, 3), "{m:?}");
        assert!(rounds_to(m.delta, 2.783, 3), "{m:?}");
        // FHS 2010 report LL = −33,225.6.
        assert!(
            rounds_to(fit.log_likelihood, -33_225.6, 1),
            "LL = {}",
            fit.log_likelihood
        );
        // Table 6: P(alive in 2002) for (x, t_x) = (0, 0), (2, 4), (6, 6).
        for (x, t_x, p) in [(0, 0, 0.11), (2, 4, 0.59), (6, 6, 0.93)] {
            assert!(
                rounds_to(m.p_alive(x, t_x, 6), p, 2),
                "P(alive | {x}, {t_x})"
            );
        }
        // Hardie's BG/BB spreadsheet (note 010), as quoted in lifetimes' tests: total expected
        // transactions in the next 5 opportunities 12,884.2; customers with 0 and 6
        // transactions in the first 6: 3,454.9 and 1,253.1.
        let total: f64 = (0..data.len())
            .map(|i| data.weight[i] * m.expected_transactions(5, data.x[i], data.t_x[i], 6))
            .sum();
        assert!((total - 12_884.2).abs() < 0.5, "{total}");
        let customers: f64 = data.weight.iter().sum();
        assert!((customers * m.prob_n_transactions(0, 6) - 3_454.9).abs() < 0.5);
        assert!((customers * m.prob_n_transactions(6, 6) - 1_253.1).abs() < 0.5);
    }

    #[test]
    fn probabilities_are_consistent() {
        let m = BgBb::new(1.204, 0.750, 0.657, 2.783).unwrap();
        let total: f64 = (0..=6).map(|x| m.prob_n_transactions(x, 6)).sum();
        assert!((total - 1.0).abs() < 1e-12);
        let mean: f64 = (0..=6)
            .map(|x| f64::from(x) * m.prob_n_transactions(x, 6))
            .sum();
        assert!((mean - m.unconditional_expected(6)).abs() < 1e-12);
        // γ = 1 exactly is fine (eq. 13 would divide by zero).
        let one = BgBb::new(1.2, 0.75, 1.0, 2.8).unwrap();
        assert!(one.expected_transactions(5, 3, 4, 6).is_finite());
        assert!(m.log_likelihood_row(0, 0, 100_000).is_finite());
        assert!(m.log_likelihood_row(3, 2, 6).is_nan());
        assert!(BgBbData::new(vec![1], vec![0], vec![6], vec![1.0]).is_err());
    }
}
