//! Seeded synthetic customers drawn from the BG/NBD and Gamma-Gamma processes, for tests,
//! benchmarks and demos.
//!
//! Every customer `i` draws from its own stream `Rng::fork(seed, i)`, so the output depends only
//! on the seed and the index: the same for any generation order or thread count.

use patron_core::random::Rng;

use super::data::FrequencyData;
use super::{BgNbd, ClvError, GammaGamma};

/// How to simulate a BG/NBD cohort.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct BgNbdSimulation {
    /// The generating process.
    pub model: BgNbd,
    /// Number of customers.
    pub customers: usize,
    /// Smallest age `T` (model time units).
    pub min_age: f64,
    /// Largest age `T` (model time units).
    pub max_age: f64,
    /// When set, ages and purchase times are rounded up to multiples of this step (e.g. 1/7 of
    /// a week: a day grid), as real transaction dates are. Identical histories then repeat,
    /// which is what [`FrequencyData::grouped`] exploits.
    pub grid: Option<f64>,
    /// Seed of the random streams.
    pub seed: u64,
}

impl BgNbdSimulation {
    /// CDNOW-like cohort in weeks: FHL 2005's estimates (r = 0.243, α = 4.414, a = 0.793,
    /// b = 2.426), ages uniform on 27–39 weeks (customers acquired over the first 12 weeks of a
    /// 39-week calibration period), on a day grid.
    pub fn cdnow_like(customers: usize, seed: u64) -> Self {
        BgNbdSimulation {
            model: BgNbd {
                r: 0.243,
                alpha: 4.414,
                a: 0.793,
                b: 2.426,
            },
            customers,
            min_age: 27.0,
            max_age: 39.0,
            grid: Some(1.0 / 7.0),
            seed,
        }
    }

    /// The simulated `(x, t_x, T)` summaries, weight 1 each.
    pub fn generate(&self) -> Result<FrequencyData, ClvError> {
        self.check()?;
        let n = self.customers;
        let (mut x, mut t_x, mut t) = (
            Vec::with_capacity(n),
            Vec::with_capacity(n),
            Vec::with_capacity(n),
        );
        for i in 0..n {
            let mut rng = Rng::fork(self.seed, i as u64);
            let age = self.draw_age(&mut rng);
            let (purchases, last) = self.draw_history(&mut rng, age);
            x.push(purchases);
            t_x.push(last);
            t.push(age);
        }
        FrequencyData::unweighted(x, t_x, t)
    }

    fn check(&self) -> Result<(), ClvError> {
        let bad = |name, value| ClvError::InvalidArgument {
            name,
            value,
            reason: "need 0 < min_age <= max_age, finite, and a grid step > 0 not above min_age",
        };
        if !(self.min_age > 0.0 && self.min_age <= self.max_age && self.max_age.is_finite()) {
            return Err(bad("min_age", self.min_age));
        }
        if let Some(step) = self.grid
            && !(step > 0.0 && step <= self.min_age && step.is_finite())
        {
            return Err(bad("grid", step));
        }
        BgNbd::new(self.model.r, self.model.alpha, self.model.a, self.model.b).map(|_| ())
    }

    /// Age uniform on `[min_age, max_age]`, or on the grid points inside it.
    fn draw_age(&self, rng: &mut Rng) -> f64 {
        match self.grid {
            None => self.min_age + (self.max_age - self.min_age) * rng.uniform(),
            Some(step) => {
                let lo = (self.min_age / step).ceil() as u64;
                let hi = ((self.max_age / step).floor() as u64).max(lo);
                (lo + rng.below(hi - lo + 1)) as f64 * step
            }
        }
    }

    /// The BG/NBD story of one customer (FHL 2005 §2): Poisson purchases at rate λ, dropout
    /// with probability p after each repeat purchase, observed until `age`.
    fn draw_history(&self, rng: &mut Rng, age: f64) -> (f64, f64) {
        let BgNbd { r, alpha, a, b } = self.model;
        let rate = rng.gamma(r, 1.0 / alpha);
        let dropout = rng.beta(a, b);
        let (mut clock, mut purchases, mut last) = (0.0, 0.0, 0.0);
        loop {
            clock += rng.exponential(rate);
            if clock > age || !clock.is_finite() {
                break;
            }
            purchases += 1.0;
            last = clock;
            if rng.chance(dropout) {
                break;
            }
        }
        if let Some(step) = self.grid
            && purchases > 0.0
        {
            last = ((last / step).ceil() * step).min(age);
        }
        (purchases, last)
    }
}

/// Mean spend per customer under the Gamma-Gamma model (FHL 2005 "RFM and CLV" §3): the
/// customer's `ν ~ Gamma(q, γ)`, and the mean of `x` transactions `~ Gamma(p·x, ν·x)`. Customers
/// with `x = 0` get 0 (they have no repeat transaction to average). Streams are
/// `Rng::fork(seed, i)`.
pub fn gamma_gamma_spend(model: &GammaGamma, x: &[f64], seed: u64) -> Vec<f64> {
    x.iter()
        .enumerate()
        .map(|(i, &xi)| {
            if xi < 1.0 {
                return 0.0;
            }
            let mut rng = Rng::fork(seed, i as u64);
            let nu = rng.gamma(model.q, 1.0 / model.gamma);
            rng.gamma(model.p * xi, 1.0 / (nu * xi))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::clv::data::SpendData;

    #[test]
    fn deterministic_and_on_the_grid() {
        let sim = BgNbdSimulation::cdnow_like(2_000, 7);
        let a = sim.generate().unwrap();
        assert_eq!(a, sim.generate().unwrap());
        for i in 0..a.len() {
            let days = a.t[i] * 7.0;
            assert!((days - days.round()).abs() < 1e-9 && (189.0..=273.0).contains(&days.round()));
            let recency_days = a.t_x[i] * 7.0;
            assert!((recency_days - recency_days.round()).abs() < 1e-9);
            assert!(a.x[i] == 0.0 || a.t_x[i] > 0.0);
        }
        assert!(a.grouped().len() < a.len());
        let bad = BgNbdSimulation {
            min_age: -1.0,
            ..sim
        };
        assert!(bad.generate().is_err());
    }

    #[test]
    fn bgnbd_fit_recovers_the_generating_parameters() {
        let sim = BgNbdSimulation {
            grid: None,
            ..BgNbdSimulation::cdnow_like(100_000, 42)
        };
        let data = sim.generate().unwrap();
        let (m, fit) = BgNbd::fit(&data).unwrap();
        assert!(fit.converged);
        let truth = sim.model;
        for (got, want) in [
            (m.r, truth.r),
            (m.alpha, truth.alpha),
            (m.a, truth.a),
            (m.b, truth.b),
        ] {
            assert!((got / want - 1.0).abs() < 0.10, "{m:?} vs {truth:?}");
        }
    }

    #[test]
    fn gamma_gamma_fit_recovers_the_generating_parameters() {
        let truth = GammaGamma::new(6.25, 3.74, 15.44).unwrap();
        let sim = BgNbdSimulation::cdnow_like(100_000, 3);
        let data = sim.generate().unwrap();
        let spend = gamma_gamma_spend(&truth, &data.x, 11);
        let repeat = SpendData::repeat_customers(&data.x, &spend).unwrap();
        let (m, fit) = GammaGamma::fit(&repeat).unwrap();
        assert!(fit.converged);
        for (got, want) in [(m.p, truth.p), (m.q, truth.q), (m.gamma, truth.gamma)] {
            assert!((got / want - 1.0).abs() < 0.10, "{m:?} vs {truth:?}");
        }
    }
}
