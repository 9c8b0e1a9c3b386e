//! Input data of the BTYD and spend models: per-customer summaries in columnar form.
//!
//! [`FrequencyData`] holds the classic `(x, t_x, T)` summary (repeat purchases, time of the last
//! one, age; Fader, Hardie & Lee 2005 §2) with a weight per row, so that identical histories can
//! be stored once. Fits call [`FrequencyData::grouped`] first: CDNOW's 2,357 customers have many
//! identical rows and a million synthetic customers on a day grid collapse severalfold, and the
//! likelihood of a group is its weight times the likelihood of one row.
//!
//! `Compact` goes one step further for the fitters: distinct `x`, `t_x` and `T` values are
//! stored once and rows refer to them by index, so per-evaluation logarithms such as
//! `ln(α + T)` are computed once per distinct value instead of once per row.

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};

use super::ClvError;

/// The repeat-purchase summary of customers, one row per customer or per group of identical
/// customers.
#[derive(Debug, Clone, PartialEq)]
pub struct FrequencyData {
    /// Number of repeat purchases `x` (an integer ≥ 0, stored as `f64`).
    pub x: Vec<f64>,
    /// Recency `t_x`: time of the last repeat purchase since the first purchase (0 when `x = 0`).
    pub t_x: Vec<f64>,
    /// Age `T`: time from the first purchase to the end of observation.
    pub t: Vec<f64>,
    /// Number of customers the row stands for (> 0; 1 for raw data).
    pub weight: Vec<f64>,
}

impl FrequencyData {
    /// Validated data: equal lengths, `x` a non-negative integer, `0 ≤ t_x ≤ T` (all finite),
    /// `t_x = 0` when `x = 0`, and `weight > 0`. The error names the first bad row.
    pub fn new(
        x: Vec<f64>,
        t_x: Vec<f64>,
        t: Vec<f64>,
        weight: Vec<f64>,
    ) -> Result<Self, ClvError> {
        same_lengths(&[
            ("x", x.len()),
            ("t_x", t_x.len()),
            ("T", t.len()),
            ("weight", weight.len()),
        ])?;
        for i in 0..x.len() {
            check_frequency_row(i, x[i], t_x[i], t[i], weight[i])?;
        }
        Ok(FrequencyData { x, t_x, t, weight })
    }

    /// Validated data with every weight 1.
    pub fn unweighted(x: Vec<f64>, t_x: Vec<f64>, t: Vec<f64>) -> Result<Self, ClvError> {
        let weight = vec![1.0; x.len()];
        Self::new(x, t_x, t, weight)
    }

    /// Number of rows.
    pub fn len(&self) -> usize {
        self.x.len()
    }

    /// True when there are no rows.
    pub fn is_empty(&self) -> bool {
        self.x.is_empty()
    }

    /// Sum of the weights (the number of customers).
    pub fn total_weight(&self) -> f64 {
        self.weight.iter().sum()
    }

    /// Identical `(x, t_x, T)` rows merged, their weights summed; rows keep the order of their
    /// first occurrence, so the result is deterministic.
    pub fn grouped(&self) -> FrequencyData {
        let mut index: FastMap<[u64; 3], usize> =
            FastMap::with_capacity_and_hasher(self.len(), Default::default());
        let mut out = FrequencyData {
            x: Vec::new(),
            t_x: Vec::new(),
            t: Vec::new(),
            weight: Vec::new(),
        };
        for i in 0..self.len() {
            let key = [
                key_bits(self.x[i]),
                key_bits(self.t_x[i]),
                key_bits(self.t[i]),
            ];
            match index.get(&key) {
                Some(&g) => out.weight[g] += self.weight[i],
                None => {
                    index.insert(key, out.len());
                    out.x.push(self.x[i]);
                    out.t_x.push(self.t_x[i]);
                    out.t.push(self.t[i]);
                    out.weight.push(self.weight[i]);
                }
            }
        }
        out
    }
}

/// Per-customer mean spend for the Gamma-Gamma model: only customers with `x ≥ 1` repeat
/// purchases have a mean.
#[derive(Debug, Clone, PartialEq)]
pub struct SpendData {
    /// Number of transactions the mean is over (an integer ≥ 1, stored as `f64`).
    pub x: Vec<f64>,
    /// Mean value of those transactions (> 0).
    pub mean_spend: Vec<f64>,
    /// Number of customers the row stands for (> 0).
    pub weight: Vec<f64>,
}

impl SpendData {
    /// Validated data: equal lengths, `x` an integer ≥ 1, `mean_spend > 0`, `weight > 0`, all
    /// finite. The error names the first bad row.
    pub fn new(x: Vec<f64>, mean_spend: Vec<f64>, weight: Vec<f64>) -> Result<Self, ClvError> {
        same_lengths(&[
            ("x", x.len()),
            ("mean_spend", mean_spend.len()),
            ("weight", weight.len()),
        ])?;
        for i in 0..x.len() {
            check_spend_row(i, x[i], mean_spend[i], weight[i])?;
        }
        Ok(SpendData {
            x,
            mean_spend,
            weight,
        })
    }

    /// The customers with at least one repeat purchase, from per-customer columns where
    /// customers without one may carry any mean (it is ignored). Weights are 1.
    pub fn repeat_customers(x: &[f64], mean_spend: &[f64]) -> Result<Self, ClvError> {
        same_lengths(&[("x", x.len()), ("mean_spend", mean_spend.len())])?;
        let mut out = SpendData {
            x: Vec::new(),
            mean_spend: Vec::new(),
            weight: Vec::new(),
        };
        for i in 0..x.len() {
            if x[i] >= 1.0 {
                check_spend_row(i, x[i], mean_spend[i], 1.0)?;
                out.x.push(x[i]);
                out.mean_spend.push(mean_spend[i]);
                out.weight.push(1.0);
            }
        }
        Ok(out)
    }

    /// Number of rows.
    pub fn len(&self) -> usize {
        self.x.len()
    }

    /// True when there are no rows.
    pub fn is_empty(&self) -> bool {
        self.x.is_empty()
    }

    /// Identical `(x, mean_spend)` rows merged, weights summed, first-occurrence order.
    pub fn grouped(&self) -> SpendData {
        let mut index: FastMap<[u64; 2], usize> =
            FastMap::with_capacity_and_hasher(self.len(), Default::default());
        let mut out = SpendData {
            x: Vec::new(),
            mean_spend: Vec::new(),
            weight: Vec::new(),
        };
        for i in 0..self.len() {
            let key = [key_bits(self.x[i]), key_bits(self.mean_spend[i])];
            match index.get(&key) {
                Some(&g) => out.weight[g] += self.weight[i],
                None => {
                    index.insert(key, out.len());
                    out.x.push(self.x[i]);
                    out.mean_spend.push(self.mean_spend[i]);
                    out.weight.push(self.weight[i]);
                }
            }
        }
        out
    }
}

fn same_lengths(columns: &[(&str, usize)]) -> Result<(), ClvError> {
    let first = columns[0].1;
    if columns.iter().all(|&(_, n)| n == first) {
        return Ok(());
    }
    let list: Vec<String> = columns
        .iter()
        .map(|(name, n)| format!("{name} {n}"))
        .collect();
    Err(ClvError::LengthMismatch(list.join(", ")))
}

fn row_error(index: usize, reason: String) -> ClvError {
    ClvError::InvalidRow { index, reason }
}

fn check_frequency_row(i: usize, x: f64, t_x: f64, t: f64, w: f64) -> Result<(), ClvError> {
    if !(x.is_finite() && x >= 0.0 && x == x.floor()) {
        return Err(row_error(
            i,
            format!("x = {x} is not a non-negative integer"),
        ));
    }
    if !(t_x.is_finite() && t.is_finite() && 0.0 <= t_x && t_x <= t) {
        return Err(row_error(
            i,
            format!("need 0 <= t_x <= T, got t_x = {t_x}, T = {t}"),
        ));
    }
    if x == 0.0 && t_x != 0.0 {
        return Err(row_error(
            i,
            format!("x = 0 needs t_x = 0, got t_x = {t_x}"),
        ));
    }
    check_weight(i, w)
}

fn check_spend_row(i: usize, x: f64, m: f64, w: f64) -> Result<(), ClvError> {
    if !(x.is_finite() && x >= 1.0 && x == x.floor()) {
        return Err(row_error(i, format!("x = {x} is not an integer >= 1")));
    }
    if !(m.is_finite() && m > 0.0) {
        return Err(row_error(
            i,
            format!("mean spend = {m} is not finite and > 0"),
        ));
    }
    check_weight(i, w)
}

pub(crate) fn check_weight(i: usize, w: f64) -> Result<(), ClvError> {
    if w.is_finite() && w > 0.0 {
        Ok(())
    } else {
        Err(row_error(i, format!("weight = {w} is not finite and > 0")))
    }
}

/// Bits of a value for use as a key, with −0 folded into +0.
fn key_bits(v: f64) -> u64 {
    (v + 0.0).to_bits()
}

/// A fast, deterministic hasher for `u64` keys (multiply-rotate, as in rustc's FxHash): the
/// default SipHash would dominate grouping a million rows.
#[derive(Default, Clone, Copy)]
pub(crate) struct FastHasher(u64);

impl Hasher for FastHasher {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        // `[u64; N]` keys arrive here as one byte slice: take 8 bytes at a time.
        for chunk in bytes.chunks(8) {
            let mut word = [0u8; 8];
            word[..chunk.len()].copy_from_slice(chunk);
            self.write_u64(u64::from_le_bytes(word));
        }
    }

    fn write_u64(&mut self, v: u64) {
        self.0 = (self.0.rotate_left(5) ^ v).wrapping_mul(0x51_7c_c1_b7_27_22_0a_95);
    }

    fn write_usize(&mut self, v: usize) {
        self.write_u64(v as u64);
    }
}

/// A `HashMap` with [`FastHasher`].
pub(crate) type FastMap<K, V> = HashMap<K, V, BuildHasherDefault<FastHasher>>;

/// Distinct values of a column and, for each row, the index of its value.
#[derive(Debug, Clone)]
pub(crate) struct Distinct {
    /// The distinct values, ascending.
    pub values: Vec<f64>,
    /// Per row, the position of the row's value in `values`.
    pub index: Vec<u32>,
}

impl Distinct {
    /// One pass with a small hash map (columns have few distinct values), then the distinct
    /// values are sorted and the provisional ids renumbered: no sort of the whole column.
    pub(crate) fn of(column: &[f64]) -> Distinct {
        let mut ids: FastMap<u64, u32> = FastMap::default();
        let mut seen: Vec<f64> = Vec::new();
        let provisional: Vec<u32> = column
            .iter()
            .map(|&v| {
                *ids.entry(key_bits(v)).or_insert_with(|| {
                    seen.push(v + 0.0);
                    (seen.len() - 1) as u32
                })
            })
            .collect();
        let mut order: Vec<u32> = (0..seen.len() as u32).collect();
        order.sort_unstable_by(|&a, &b| seen[a as usize].total_cmp(&seen[b as usize]));
        let mut rank = vec![0u32; seen.len()];
        for (r, &o) in order.iter().enumerate() {
            rank[o as usize] = r as u32;
        }
        Distinct {
            values: order.iter().map(|&o| seen[o as usize]).collect(),
            index: provisional.iter().map(|&p| rank[p as usize]).collect(),
        }
    }
}

/// Grouped frequency data with distinct-value tables, the form the fitters iterate over.
#[derive(Debug, Clone)]
pub(crate) struct Compact {
    /// Distinct `x` values and per-row indices.
    pub x: Distinct,
    /// Distinct `t_x` values and per-row indices.
    pub t_x: Distinct,
    /// Distinct `T` values and per-row indices.
    pub t: Distinct,
    /// Weight of each (grouped) row.
    pub weight: Vec<f64>,
    /// Total weight per distinct `x`.
    pub x_weight: Vec<f64>,
    /// Sum of all weights.
    pub total_weight: f64,
}

impl Compact {
    /// Groups `data` and indexes its distinct values.
    pub(crate) fn new(data: &FrequencyData) -> Compact {
        let g = data.grouped();
        let x = Distinct::of(&g.x);
        let mut x_weight = vec![0.0; x.values.len()];
        for (row, &k) in x.index.iter().enumerate() {
            x_weight[k as usize] += g.weight[row];
        }
        Compact {
            t_x: Distinct::of(&g.t_x),
            t: Distinct::of(&g.t),
            total_weight: g.weight.iter().sum(),
            weight: g.weight,
            x,
            x_weight,
        }
    }

    /// Number of grouped rows.
    pub(crate) fn rows(&self) -> usize {
        self.weight.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn validation_names_the_row() {
        let bad = FrequencyData::unweighted(vec![1.0, 2.0], vec![3.0, 5.0], vec![4.0, 4.0]);
        assert!(matches!(bad, Err(ClvError::InvalidRow { index: 1, .. })));
        let bad = FrequencyData::unweighted(vec![0.0], vec![1.0], vec![4.0]);
        assert!(matches!(bad, Err(ClvError::InvalidRow { index: 0, .. })));
        let bad = FrequencyData::unweighted(vec![1.5], vec![1.0], vec![4.0]);
        assert!(matches!(bad, Err(ClvError::InvalidRow { index: 0, .. })));
        let bad = FrequencyData::new(vec![1.0], vec![1.0], vec![4.0], vec![0.0]);
        assert!(matches!(bad, Err(ClvError::InvalidRow { index: 0, .. })));
        let bad = FrequencyData::unweighted(vec![1.0], vec![f64::NAN], vec![4.0]);
        assert!(bad.is_err());
        let bad = FrequencyData::unweighted(vec![1.0], vec![1.0], vec![]);
        assert!(matches!(bad, Err(ClvError::LengthMismatch(_))));
        let bad = SpendData::new(vec![0.0], vec![1.0], vec![1.0]);
        assert!(matches!(bad, Err(ClvError::InvalidRow { index: 0, .. })));
        let bad = SpendData::new(vec![2.0], vec![-1.0], vec![1.0]);
        assert!(matches!(bad, Err(ClvError::InvalidRow { index: 0, .. })));
    }

    #[test]
    fn grouping_sums_weights_in_first_seen_order() {
        let d = FrequencyData::new(
            vec![0.0, 2.0, 0.0, 2.0, 1.0],
            vec![0.0, 3.0, 0.0, 3.0, 1.0],
            vec![5.0, 5.0, 5.0, 5.0, 5.0],
            vec![1.0, 1.0, 2.0, 0.5, 1.0],
        )
        .unwrap();
        let g = d.grouped();
        assert_eq!(g.x, vec![0.0, 2.0, 1.0]);
        assert_eq!(g.weight, vec![3.0, 1.5, 1.0]);
        assert_eq!(g.total_weight(), d.total_weight());
        let c = Compact::new(&d);
        assert_eq!(c.rows(), 3);
        assert_eq!(c.x.values, vec![0.0, 1.0, 2.0]);
        assert_eq!(c.x_weight, vec![3.0, 1.0, 1.5]);
        assert_eq!(c.t.values, vec![5.0]);
    }

    #[test]
    fn spend_keeps_repeat_customers() {
        let s = SpendData::repeat_customers(&[0.0, 2.0, 1.0], &[0.0, 10.0, 4.0]).unwrap();
        assert_eq!(s.x, vec![2.0, 1.0]);
        assert_eq!(s.mean_spend, vec![10.0, 4.0]);
    }
}
