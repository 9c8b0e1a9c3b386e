//! A frozen population distribution: quantile edges that turn a value into "better than N %".
//!
//! A score run keeps one distribution per input. Batch scoring and scoring one customer alone
//! both read percentiles from the same edges, so the two always agree.

use serde::{Deserialize, Serialize};

/// Number of quantile steps kept (edges at 0, 1/1000, …, 1).
pub const STEPS: usize = 1000;

/// Quantile edges of a population.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Distribution {
    /// `edges[k]` is the `k / STEPS` quantile (linear interpolation between order statistics,
    /// numpy's default), ascending.
    pub edges: Vec<f64>,
    /// Population size.
    pub n: usize,
}

impl Distribution {
    /// The distribution of `values` (non-finite values are ignored); `None` when fewer than two
    /// values remain or all are equal, because such an input says nothing about anyone.
    pub fn of(values: &[f64]) -> Option<Distribution> {
        let mut sorted: Vec<f64> = values.iter().copied().filter(|v| v.is_finite()).collect();
        if sorted.len() < 2 {
            return None;
        }
        sorted.sort_by(f64::total_cmp);
        if sorted[0] == sorted[sorted.len() - 1] {
            return None;
        }
        let last = (sorted.len() - 1) as f64;
        let edges = (0..=STEPS)
            .map(|k| {
                let position = last * k as f64 / STEPS as f64;
                let low = position.floor() as usize;
                let high = position.ceil() as usize;
                let weight = position - low as f64;
                sorted[low] + (sorted[high] - sorted[low]) * weight
            })
            .collect();
        Some(Distribution {
            edges,
            n: sorted.len(),
        })
    }

    /// The share of the population below `x`, counting ties half (mid-rank), in `[0, 1]`.
    pub fn percentile(&self, x: f64) -> f64 {
        let e = &self.edges;
        let steps = (e.len() - 1) as f64;
        if x.is_nan() {
            return 0.0;
        }
        // First edge ≥ x and first edge > x.
        let lo = e.partition_point(|&v| v < x);
        let hi = e.partition_point(|&v| v <= x);
        if lo < hi {
            // x equals edges lo..hi: the middle of that run.
            return ((lo + hi - 1) as f64 / 2.0) / steps;
        }
        if lo == 0 {
            return 0.0;
        }
        if lo == e.len() {
            return 1.0;
        }
        let (a, b) = (e[lo - 1], e[lo]);
        ((lo - 1) as f64 + (x - a) / (b - a)) / steps
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uniform_values_give_their_rank() {
        let values: Vec<f64> = (0..10_001).map(f64::from).collect();
        let d = Distribution::of(&values).unwrap();
        assert_eq!(d.percentile(5_000.0), 0.5);
        assert_eq!(d.percentile(-1.0), 0.0);
        assert_eq!(d.percentile(20_000.0), 1.0);
        assert!((d.percentile(2_500.0) - 0.25).abs() < 1e-12);
        assert!((d.percentile(2_505.0) - 0.2505).abs() < 1e-12);
    }

    #[test]
    fn ties_take_the_middle_of_their_run() {
        // Half zeros, half ones.
        let values: Vec<f64> = (0..1000).map(|i| f64::from(u8::from(i >= 500))).collect();
        let d = Distribution::of(&values).unwrap();
        let zero = d.percentile(0.0);
        let one = d.percentile(1.0);
        assert!((zero - 0.25).abs() < 0.002, "{zero}");
        assert!((one - 0.75).abs() < 0.002, "{one}");
        assert!(d.percentile(0.5) > zero && d.percentile(0.5) < one);
    }

    #[test]
    fn constant_or_tiny_inputs_have_no_distribution() {
        assert!(Distribution::of(&[3.0, 3.0, 3.0]).is_none());
        assert!(Distribution::of(&[1.0]).is_none());
        assert!(Distribution::of(&[f64::NAN, 1.0]).is_none());
        assert!(Distribution::of(&[1.0, 2.0]).is_some());
    }

    #[test]
    fn percentile_is_monotone() {
        let values: Vec<f64> = (0..537).map(|i| ((i * 7919) % 113) as f64 * 1.5).collect();
        let d = Distribution::of(&values).unwrap();
        let mut last = -1.0;
        for k in 0..2000 {
            let p = d.percentile(k as f64 * 0.1 - 10.0);
            assert!(p >= last, "{p} < {last}");
            last = p;
        }
    }
}
