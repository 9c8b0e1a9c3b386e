//! Quantile binning, bit-for-bit like pandas `qcut` (numpy's linear quantiles, right-closed
//! bins, lowest edge included), and SQL's `NTILE`.

/// The quantile probabilities pandas 2 uses for `q` bins, bit for bit: `np.linspace(0, 1, q+1)`
/// (`i × (1/q)`, so `3 × 0.2 = 0.6000000000000001`), rounded up to the next float where
/// `q × p ≠ i`, then passed to numpy as a percentile and divided by 100 again. This matters
/// only for values lying exactly on an edge, which integer data (recency days) does.
fn pandas_quantile_levels(bins: usize) -> Vec<f64> {
    let step = 1.0 / bins as f64;
    (0..=bins)
        .map(|i| {
            let mut p = if i == bins { 1.0 } else { i as f64 * step };
            if bins as f64 * p != i as f64 {
                p = p.next_up();
            }
            (p * 100.0) / 100.0
        })
        .collect()
}

/// numpy's `quantile(…, method="linear")` on sorted data, with its exact floating-point steps:
/// virtual index `(n − 1)·q`, then `_lerp`, which interpolates from the upper neighbour when the
/// fraction is ≥ 0.5 (so `quantile([1,2,3,4,10], 0.9)` is 7.6000000000000005, as numpy says).
pub fn numpy_quantile(sorted: &[f64], q: f64) -> f64 {
    let n = sorted.len();
    assert!(n > 0, "quantile of an empty slice");
    let virtual_index = (n - 1) as f64 * q;
    let last = (n - 1) as f64;
    if virtual_index >= last {
        return sorted[n - 1];
    }
    if virtual_index < 0.0 {
        return sorted[0];
    }
    let previous = virtual_index.floor();
    let t = virtual_index - previous;
    let (a, b) = (sorted[previous as usize], sorted[previous as usize + 1]);
    let diff = b - a;
    if t >= 0.5 {
        b - diff * (1.0 - t)
    } else {
        a + diff * t
    }
}

/// Bin edges for `bins` quantile bins of `values` (pandas `qcut` edges).
pub fn qcut_edges(values: &[f64], bins: usize) -> Vec<f64> {
    let mut sorted = values.to_vec();
    sorted.sort_by(f64::total_cmp);
    pandas_quantile_levels(bins)
        .into_iter()
        .map(|q| numpy_quantile(&sorted, q))
        .collect()
}

/// Why binning failed.
#[derive(Debug, Clone, PartialEq)]
pub enum BinError {
    /// Two quantile edges coincide (pandas raises "Bin edges must be unique"): too many ties
    /// for this many bins. Use `ntile` or fewer bins.
    DuplicateEdges {
        /// The edges.
        edges: Vec<f64>,
    },
    /// No values.
    Empty,
}

impl std::fmt::Display for BinError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            BinError::DuplicateEdges { edges } => write!(
                f,
                "quantile bin edges are not unique ({edges:?}): too many equal values for this many bins; use method = \"ntile\" or fewer bins"
            ),
            BinError::Empty => write!(f, "no values to bin"),
        }
    }
}

impl std::error::Error for BinError {}

impl BinError {
    /// The stable error code.
    pub fn code(&self) -> patron_core::code::Code {
        patron_core::code::Code::DataInvalid
    }
}

/// pandas `qcut(values, bins, labels=1..=bins)`: label `i` (1-based) for values in
/// `(edge[i-1], edge[i]]`, the lowest edge included in bin 1.
pub fn qcut(values: &[f64], bins: usize) -> Result<Vec<u8>, BinError> {
    if values.is_empty() {
        return Err(BinError::Empty);
    }
    let edges = qcut_edges(values, bins);
    if edges.windows(2).any(|w| w[0] == w[1]) {
        return Err(BinError::DuplicateEdges { edges });
    }
    let inner = &edges[1..bins];
    Ok(values
        .iter()
        .map(|v| 1 + inner.partition_point(|e| e < v) as u8)
        .collect())
}

/// SQL `NTILE(bins) OVER (ORDER BY value)`: sorts by value (ties by position), then splits into
/// groups whose sizes differ by at most one, the larger groups first. Never fails on ties, but
/// equal values may land in different groups.
pub fn ntile(values: &[f64], bins: usize) -> Vec<u8> {
    let n = values.len();
    let mut order: Vec<usize> = (0..n).collect();
    order.sort_by(|&a, &b| values[a].total_cmp(&values[b]).then(a.cmp(&b)));
    let (base, extra) = (n / bins, n % bins);
    let mut labels = vec![0u8; n];
    let mut position = 0;
    for bin in 0..bins {
        let size = base + usize::from(bin < extra);
        for &i in &order[position..position + size] {
            labels[i] = bin as u8 + 1;
        }
        position += size;
    }
    labels
}

/// pandas `rank(method="first")`: 1-based ranks, ties broken by position.
pub fn rank_first(values: &[f64]) -> Vec<f64> {
    let mut order: Vec<usize> = (0..values.len()).collect();
    order.sort_by(|&a, &b| values[a].total_cmp(&values[b]).then(a.cmp(&b)));
    let mut ranks = vec![0.0; values.len()];
    for (rank, i) in order.into_iter().enumerate() {
        ranks[i] = rank as f64 + 1.0;
    }
    ranks
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matches_numpy_linear_quantiles() {
        let v = [1.0, 2.0, 3.0, 4.0, 10.0];
        assert_eq!(numpy_quantile(&v, 0.5), 3.0);
        assert_eq!(numpy_quantile(&v, 0.9), 7.6000000000000005);
        assert_eq!(numpy_quantile(&v, 0.0), 1.0);
        assert_eq!(numpy_quantile(&v, 1.0), 10.0);
        // pd.qcut(range(1, 11), 5, retbins=True)[1] with pandas 2 / numpy 2, bit for bit.
        let edges = qcut_edges(&(1..=10).map(f64::from).collect::<Vec<_>>(), 5);
        assert_eq!(edges, [1.0, 2.8, 4.6, 6.400000000000002, 8.2, 10.0]);
    }

    #[test]
    fn qcut_is_right_closed_with_lowest_included() {
        let v: Vec<f64> = (1..=10).map(f64::from).collect();
        assert_eq!(qcut(&v, 5).unwrap(), [1, 1, 2, 2, 3, 3, 4, 4, 5, 5]);
        // Values exactly on an edge go to the lower bin: qcut([1,2,3,4,5], 4) edges [1,2,3,4,5].
        assert_eq!(
            qcut(&[1.0, 2.0, 3.0, 4.0, 5.0], 4).unwrap(),
            [1, 1, 2, 3, 4]
        );
        assert!(matches!(
            qcut(&[1.0, 1.0, 1.0, 2.0], 4),
            Err(BinError::DuplicateEdges { .. })
        ));
    }

    #[test]
    fn ntile_and_rank_first() {
        assert_eq!(
            ntile(&[5.0, 1.0, 1.0, 3.0, 2.0, 4.0, 0.0], 3),
            [3, 1, 1, 2, 2, 3, 1]
        );
        assert_eq!(rank_first(&[3.0, 1.0, 3.0, 2.0]), [3.0, 1.0, 4.0, 2.0]);
    }
}
