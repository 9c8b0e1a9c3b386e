//! Standardised features: an optional `log1p` for skewed features, then z-scores.
//!
//! k-means measures Euclidean distance, so a feature in euros would outweigh one in counts by
//! its unit alone. Each feature is first transformed (`log1p` for money and counts, whose
//! distributions have long right tails), then centred on its mean and divided by its standard
//! deviation (population, `ddof = 0`, like scikit-learn's `StandardScaler`). A constant
//! feature (spread below 1e-10 of its magnitude, i.e. rounding noise) gets z = 0 everywhere.

use super::points::Points;
use serde::Serialize;

/// How a feature is transformed before the z-score.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Transform {
    /// Used as is.
    Identity,
    /// `ln(1 + max(x, 0))`: for money and counts (negative values count as 0).
    Log1p,
}

impl Transform {
    /// The transformed value.
    pub fn apply(self, x: f64) -> f64 {
        match self {
            Transform::Identity => x,
            Transform::Log1p => x.max(0.0).ln_1p(),
        }
    }

    /// The original value of a transformed one.
    pub fn invert(self, y: f64) -> f64 {
        match self {
            Transform::Identity => y,
            Transform::Log1p => y.exp_m1(),
        }
    }
}

/// The fitted transform, mean and standard deviation of each feature.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Standardiser {
    /// Transform per feature.
    pub transforms: Vec<Transform>,
    /// Mean of the transformed feature.
    pub mean: Vec<f64>,
    /// Population standard deviation of the transformed feature (0 for a constant feature).
    pub sd: Vec<f64>,
}

impl Standardiser {
    /// Fits means and standard deviations of the transformed features of `points`.
    pub fn fit(points: &Points, transforms: &[Transform]) -> Self {
        let d = points.dim();
        assert_eq!(transforms.len(), d, "one transform per feature");
        let n = points.len().max(1) as f64;
        let mut mean = vec![0.0; d];
        for i in 0..points.len() {
            for (j, &x) in points.row(i).iter().enumerate() {
                mean[j] += transforms[j].apply(x);
            }
        }
        mean.iter_mut().for_each(|m| *m /= n);
        let mut var = vec![0.0; d];
        for i in 0..points.len() {
            for (j, &x) in points.row(i).iter().enumerate() {
                let e = transforms[j].apply(x) - mean[j];
                var[j] += e * e;
            }
        }
        // Rounding leaves a constant feature a tiny spread that would blow up into ±1 z-scores.
        let sd = var
            .iter()
            .zip(&mean)
            .map(|(v, m)| {
                let sd = (v / n).sqrt();
                if sd <= 1e-10 * m.abs().max(1.0) {
                    0.0
                } else {
                    sd
                }
            })
            .collect();
        Standardiser {
            transforms: transforms.to_vec(),
            mean,
            sd,
        }
    }

    /// The z-score of value `x` of feature `j`.
    pub fn z(&self, j: usize, x: f64) -> f64 {
        let sd = self.sd[j];
        if sd > 0.0 {
            (self.transforms[j].apply(x) - self.mean[j]) / sd
        } else {
            0.0
        }
    }

    /// The original value of z-score `z` of feature `j`.
    pub fn original(&self, j: usize, z: f64) -> f64 {
        self.transforms[j].invert(self.mean[j] + z * self.sd[j])
    }

    /// Every point as z-scores.
    pub fn transform(&self, points: &Points) -> Points {
        let d = points.dim();
        let values = points
            .values()
            .iter()
            .enumerate()
            .map(|(i, &x)| self.z(i % d, x))
            .collect();
        Points::new(d, values).expect("z-scores of finite values are finite")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn z_scores_with_log1p_and_a_constant_feature() {
        let p = Points::from_rows(&[
            vec![1.0, 0.0, 5.0],
            vec![2.0, 9.0, 5.0],
            vec![3.0, 99.0, 5.0],
        ])
        .unwrap();
        let s = Standardiser::fit(
            &p,
            &[Transform::Identity, Transform::Log1p, Transform::Identity],
        );
        assert_eq!(s.mean[0], 2.0);
        assert!((s.sd[0] - (2.0f64 / 3.0).sqrt()).abs() < 1e-15);
        // log1p(0, 9, 99) = (0, ln 10, ln 100) = (0, 1, 2) × ln 10.
        let l = 10f64.ln();
        assert!((s.mean[1] - l).abs() < 1e-12);
        assert!((s.sd[1] - l * (2.0f64 / 3.0).sqrt()).abs() < 1e-12);
        assert_eq!(s.sd[2], 0.0);
        let z = s.transform(&p);
        let expected = (1.5f64).sqrt();
        assert!((z.row(0)[0] + expected).abs() < 1e-12);
        assert!((z.row(2)[1] - expected).abs() < 1e-12);
        assert_eq!(z.row(1)[2], 0.0);
        // Back to the original units.
        assert!((s.original(1, z.row(2)[1]) - 99.0).abs() < 1e-9);
        assert!((s.original(0, 0.0) - 2.0).abs() < 1e-15);
    }
}
