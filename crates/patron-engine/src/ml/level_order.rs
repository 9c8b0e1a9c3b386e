//! Native-style categorical handling for trees: the levels of a categorical column (coded
//! 0, 1, … by [`super::encoding::CategoryStyle::Ordinal`]) are renumbered by their smoothed
//! positive rate in the training rows, so one threshold split can separate high-rate levels
//! from low-rate ones (as LightGBM sorts categories by their gradient statistics).

use super::matrix::Matrix;
use std::borrow::Cow;

/// Pseudo-rows of the overall rate mixed into each level's rate (shrinks rare levels).
const SMOOTHING: f64 = 10.0;

/// The new code of every level of some columns.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct LevelOrder {
    /// `(column, new code by old code)`; levels unseen in training map to `NaN` (missing).
    columns: Vec<(usize, Vec<f64>)>,
}

impl LevelOrder {
    /// Orders the levels of `columns` of `x` by their smoothed positive rate over `rows`.
    pub fn fit(x: &Matrix, y: &[f64], rows: &[usize], columns: &[usize]) -> LevelOrder {
        let prior = rows.iter().map(|&r| y[r]).sum::<f64>() / rows.len().max(1) as f64;
        let columns = columns
            .iter()
            .map(|&c| (c, order_column(x.col(c), y, rows, prior)))
            .collect();
        LevelOrder { columns }
    }

    /// `(column, new code by old code)` of every reordered column (for saving a model).
    pub fn columns(&self) -> &[(usize, Vec<f64>)] {
        &self.columns
    }

    /// A level order from [`LevelOrder::columns`].
    pub fn from_columns(columns: Vec<(usize, Vec<f64>)>) -> LevelOrder {
        LevelOrder { columns }
    }

    /// Whether nothing is reordered.
    pub fn is_empty(&self) -> bool {
        self.columns.is_empty()
    }

    /// For each of `cols` columns, its new codes by old code, if it is reordered.
    pub fn maps(&self, cols: usize) -> Vec<Option<&[f64]>> {
        let mut maps = vec![None; cols];
        for (c, new_code) in &self.columns {
            if let Some(slot) = maps.get_mut(*c) {
                *slot = Some(&new_code[..]);
            }
        }
        maps
    }

    /// The new code of an old code (`NaN` if missing or unseen in training).
    pub fn recode(code: f64, new_code: &[f64]) -> f64 {
        if code.is_nan() || code < 0.0 {
            return f64::NAN;
        }
        new_code.get(code as usize).copied().unwrap_or(f64::NAN)
    }

    /// `x` with the ordered columns recoded.
    pub fn apply<'a>(&self, x: &'a Matrix) -> Cow<'a, Matrix> {
        if self.columns.is_empty() {
            return Cow::Borrowed(x);
        }
        let mut columns: Vec<Vec<f64>> = (0..x.cols()).map(|c| x.col(c).to_vec()).collect();
        for (c, new_code) in &self.columns {
            for v in columns[*c].iter_mut() {
                *v = Self::recode(*v, new_code);
            }
        }
        Cow::Owned(Matrix::from_columns(&columns).unwrap_or_else(|_| x.clone()))
    }
}

/// New codes `0, 1, …` by increasing smoothed rate (ties by old code); unseen levels `NaN`.
fn order_column(values: &[f64], y: &[f64], rows: &[usize], prior: f64) -> Vec<f64> {
    let levels = rows
        .iter()
        .map(|&r| values[r])
        .filter(|v| v.is_finite() && *v >= 0.0)
        .fold(0usize, |m, v| m.max(v as usize + 1));
    let mut count = vec![0.0; levels];
    let mut positives = vec![0.0; levels];
    for &r in rows {
        let v = values[r];
        if v.is_finite() && v >= 0.0 {
            count[v as usize] += 1.0;
            positives[v as usize] += y[r];
        }
    }
    let rate = |l: usize| (positives[l] + SMOOTHING * prior) / (count[l] + SMOOTHING);
    let mut seen: Vec<usize> = (0..levels).filter(|&l| count[l] > 0.0).collect();
    seen.sort_by(|&a, &b| rate(a).total_cmp(&rate(b)).then(a.cmp(&b)));
    let mut new_code = vec![f64::NAN; levels];
    for (rank, &level) in seen.iter().enumerate() {
        new_code[level] = rank as f64;
    }
    new_code
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn orders_levels_by_rate() {
        // Level 0: rate 1, level 1: rate 0, level 2: unseen in training rows.
        let x = Matrix::from_columns(&[vec![0.0, 0.0, 1.0, 1.0, f64::NAN, 2.0]]).unwrap();
        let y = [1.0, 1.0, 0.0, 0.0, 1.0, 1.0];
        let order = LevelOrder::fit(&x, &y, &[0, 1, 2, 3, 4], &[0]);
        let recoded = order.apply(&x);
        let col = recoded.col(0);
        assert_eq!(col[..4], [1.0, 1.0, 0.0, 0.0]);
        assert!(col[4].is_nan() && col[5].is_nan());
    }
}
