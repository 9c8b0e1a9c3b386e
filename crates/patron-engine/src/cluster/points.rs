//! Points in d dimensions, row-major: the input of k-means and the silhouette.

use super::ClusterError;

/// `n` points of `d` coordinates each, stored row by row.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Points {
    d: usize,
    values: Vec<f64>,
}

impl Points {
    /// Points from a row-major buffer of `values.len() / d` rows. Fails on NaN or infinity;
    /// panics if `values.len()` is not a multiple of `d` or `d == 0`.
    pub fn new(d: usize, values: Vec<f64>) -> Result<Self, ClusterError> {
        assert!(
            d > 0 && values.len().is_multiple_of(d),
            "{} values are not rows of {d}",
            values.len()
        );
        if let Some(i) = values.iter().position(|v| !v.is_finite()) {
            return Err(ClusterError::NotFinite {
                point: i / d,
                feature: i % d,
            });
        }
        Ok(Points { d, values })
    }

    /// Points from rows (all of the same length).
    pub fn from_rows(rows: &[Vec<f64>]) -> Result<Self, ClusterError> {
        let d = rows.first().map_or(1, Vec::len).max(1);
        Points::new(d, rows.iter().flatten().copied().collect())
    }

    /// Number of points.
    pub fn len(&self) -> usize {
        self.values.len() / self.d
    }

    /// True when there are no points.
    pub fn is_empty(&self) -> bool {
        self.values.is_empty()
    }

    /// Coordinates per point.
    pub fn dim(&self) -> usize {
        self.d
    }

    /// Point `i`.
    pub fn row(&self, i: usize) -> &[f64] {
        &self.values[i * self.d..(i + 1) * self.d]
    }

    /// The row-major buffer.
    pub fn values(&self) -> &[f64] {
        &self.values
    }

    /// The points with these indices, in the given order.
    pub fn select(&self, rows: &[usize]) -> Points {
        let mut values = Vec::with_capacity(rows.len() * self.d);
        for &i in rows {
            values.extend_from_slice(self.row(i));
        }
        Points { d: self.d, values }
    }
}

/// Squared Euclidean distance.
#[inline]
pub fn squared_distance(a: &[f64], b: &[f64]) -> f64 {
    a.iter().zip(b).map(|(x, y)| (x - y) * (x - y)).sum()
}
