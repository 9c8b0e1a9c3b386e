//! Numeric summaries with outlier detection (Tukey's far fences).
//!
//! Quartiles use linear interpolation between order statistics (numpy's default, pandas'
//! `quantile`). A value is an outlier when it lies outside `Q1 − 3·IQR` … `Q3 + 3·IQR`. When the
//! IQR is zero the fences are `median ± 3·1.4826·MAD` (the MAD scaled to a normal standard
//! deviation) if the MAD is positive; otherwise nothing is flagged.

use serde::Serialize;

/// Multiplier of the IQR for Tukey's far fences.
pub const FENCE_IQR_FACTOR: f64 = 3.0;

/// Multiplier of the scaled MAD for the fallback fences when the IQR is zero.
pub const FENCE_MAD_FACTOR: f64 = 3.0;

/// Scales the median absolute deviation to a normal distribution's standard deviation.
pub const MAD_TO_SIGMA: f64 = 1.4826;

/// How many outliers a summary lists as examples.
pub const MAX_EXAMPLES: usize = 5;

/// Distribution of a numeric column and its outliers.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct NumericSummary {
    /// Number of values.
    pub count: u64,
    /// Smallest value.
    pub min: f64,
    /// First quartile (25 % quantile, linear interpolation).
    pub q1: f64,
    /// Median (50 % quantile).
    pub median: f64,
    /// Third quartile (75 % quantile, linear interpolation).
    pub q3: f64,
    /// Largest value.
    pub max: f64,
    /// Arithmetic mean.
    pub mean: f64,
    /// Values below this are outliers. When nothing can be flagged (IQR and MAD both zero) this
    /// is `min`.
    pub low_fence: f64,
    /// Values above this are outliers. When nothing can be flagged (IQR and MAD both zero) this
    /// is `max`.
    pub high_fence: f64,
    /// Number of values outside the fences.
    pub outliers: u64,
    /// Up to [`MAX_EXAMPLES`] outliers, farthest from the median first (ties: smaller value
    /// first).
    pub examples: Vec<f64>,
}

/// Summarises `values`; `None` when there are none.
///
/// The values must not contain NaN: the caller filters missing and unparsable values out
/// first (a NaN would sort after every number and distort the upper quantiles). Infinite values
/// are numbers like any other. The input is copied and sorted once, so ten million values take
/// well under a second in an optimised build.
pub fn summarise(values: &[f64]) -> Option<NumericSummary> {
    if values.is_empty() {
        return None;
    }
    let mut sorted = values.to_vec();
    sorted.sort_unstable_by(f64::total_cmp);
    let n = sorted.len();

    let min = sorted[0];
    let max = sorted[n - 1];
    let q1 = quantile_sorted(&sorted, 0.25);
    let median = quantile_sorted(&sorted, 0.5);
    let q3 = quantile_sorted(&sorted, 0.75);
    let mean = sorted.iter().sum::<f64>() / n as f64;

    let (low_fence, high_fence) = fences(&sorted, q1, median, q3).unwrap_or((min, max));
    let below = sorted.partition_point(|&v| v < low_fence);
    let above = n - sorted.partition_point(|&v| v <= high_fence);

    Some(NumericSummary {
        count: n as u64,
        min,
        q1,
        median,
        q3,
        max,
        mean,
        low_fence,
        high_fence,
        outliers: (below + above) as u64,
        examples: extreme_examples(&sorted[..below], &sorted[n - above..], median),
    })
}

/// The `p` quantile (`0 ≤ p ≤ 1`) of ascending `sorted` values by linear interpolation between
/// the two nearest order statistics (numpy's default method). `sorted` must not be empty.
pub fn quantile_sorted(sorted: &[f64], p: f64) -> f64 {
    assert!(!sorted.is_empty(), "quantile of an empty slice");
    let h = (sorted.len() - 1) as f64 * p.clamp(0.0, 1.0);
    let lo = h.floor() as usize;
    let hi = (lo + 1).min(sorted.len() - 1);
    let frac = h - lo as f64;
    if frac == 0.0 {
        sorted[lo]
    } else {
        sorted[lo] + frac * (sorted[hi] - sorted[lo])
    }
}

/// The outlier fences, or `None` when the spread is zero by both IQR and MAD.
fn fences(sorted: &[f64], q1: f64, median: f64, q3: f64) -> Option<(f64, f64)> {
    let iqr = q3 - q1;
    if iqr > 0.0 {
        return Some((q1 - FENCE_IQR_FACTOR * iqr, q3 + FENCE_IQR_FACTOR * iqr));
    }
    let mad = median_absolute_deviation(sorted, median);
    if mad > 0.0 {
        let half_width = FENCE_MAD_FACTOR * MAD_TO_SIGMA * mad;
        return Some((median - half_width, median + half_width));
    }
    None
}

/// The median of `|x − median|`. With linearly interpolated quartiles an IQR of zero means
/// more than half the values equal the median, so this is then zero as well; it is kept as
/// the documented fallback for robustness.
fn median_absolute_deviation(sorted: &[f64], median: f64) -> f64 {
    let mut deviations: Vec<f64> = sorted.iter().map(|v| (v - median).abs()).collect();
    deviations.sort_unstable_by(f64::total_cmp);
    quantile_sorted(&deviations, 0.5)
}

/// Merges the low outliers (ascending, so the most extreme first) and the high outliers
/// (ascending, so the most extreme last) by distance from the median.
fn extreme_examples(low: &[f64], high: &[f64], median: f64) -> Vec<f64> {
    let mut examples = Vec::with_capacity(MAX_EXAMPLES.min(low.len() + high.len()));
    let mut low_iter = low.iter().copied().peekable();
    let mut high_iter = high.iter().rev().copied().peekable();
    while examples.len() < MAX_EXAMPLES {
        let next = match (low_iter.peek(), high_iter.peek()) {
            (Some(&l), Some(&h)) => {
                if (median - l) >= (h - median) {
                    low_iter.next()
                } else {
                    high_iter.next()
                }
            }
            (Some(_), None) => low_iter.next(),
            (None, Some(_)) => high_iter.next(),
            (None, None) => None,
        };
        match next {
            Some(v) => examples.push(v),
            None => break,
        }
    }
    examples
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn empty_is_none() {
        assert_eq!(summarise(&[]), None);
    }

    #[test]
    fn one_high_outlier() {
        let s = summarise(&[4.0, 100.0, 1.0, 3.0, 2.0]).unwrap();
        assert_eq!(s.count, 5);
        assert_eq!(s.min, 1.0);
        assert_eq!(s.q1, 2.0);
        assert_eq!(s.median, 3.0);
        assert_eq!(s.q3, 4.0);
        assert_eq!(s.max, 100.0);
        assert_eq!(s.mean, 22.0);
        assert_eq!(s.low_fence, -4.0);
        assert_eq!(s.high_fence, 10.0);
        assert_eq!(s.outliers, 1);
        assert_eq!(s.examples, vec![100.0]);
    }

    #[test]
    fn interpolated_quartiles_match_numpy() {
        // numpy.quantile([1, 2, 3, 4], [.25, .5, .75]) == [1.75, 2.5, 3.25]
        let s = summarise(&[1.0, 2.0, 3.0, 4.0]).unwrap();
        assert_eq!((s.q1, s.median, s.q3), (1.75, 2.5, 3.25));
        // IQR 1.5 → fences 1.75 − 4.5 and 3.25 + 4.5
        assert_eq!((s.low_fence, s.high_fence), (-2.75, 7.75));
        assert_eq!(s.outliers, 0);
        assert!(s.examples.is_empty());
    }

    #[test]
    fn single_value() {
        let s = summarise(&[7.5]).unwrap();
        assert_eq!(
            (s.min, s.q1, s.median, s.q3, s.max),
            (7.5, 7.5, 7.5, 7.5, 7.5)
        );
        assert_eq!((s.low_fence, s.high_fence, s.outliers), (7.5, 7.5, 0));
    }

    #[test]
    fn fences_are_exclusive() {
        // q1 2, q3 4 → high fence exactly 10: 10 is not an outlier, 10.5 is.
        let s = summarise(&[1.0, 2.0, 3.0, 4.0, 10.0]).unwrap();
        assert_eq!((s.high_fence, s.outliers), (10.0, 0));
        let s = summarise(&[1.0, 2.0, 3.0, 4.0, 10.5]).unwrap();
        assert_eq!((s.high_fence, s.outliers), (10.0, 1));
    }

    #[test]
    fn examples_are_the_most_extreme_of_both_sides() {
        // 11 values: q1 = x[2.5], q3 = x[7.5]
        let mut values = vec![-90.0, -50.0];
        values.extend([10.0, 10.0, 11.0, 12.0, 12.0, 13.0, 14.0]);
        values.extend([60.0, 200.0, 80.0, 95.0, 300.0]);
        let s = summarise(&values).unwrap();
        // sorted: -90 -50 10 10 11 12 12 13 14 60 80 95 200 300 (n = 14)
        // q1 = x[3.25] = 10.25, q3 = x[9.75] = 60 + .75·20 = 75, IQR 64.75
        assert_eq!(s.q1, 10.25);
        assert_eq!(s.q3, 75.0);
        assert_eq!(s.median, 12.5);
        assert_eq!(s.low_fence, 10.25 - 3.0 * 64.75);
        assert_eq!(s.high_fence, 75.0 + 3.0 * 64.75);
        // high fence 269.25: only 300 is out.
        assert_eq!(s.outliers, 1);
        assert_eq!(s.examples, vec![300.0]);
    }

    #[test]
    fn examples_are_capped_and_ordered_by_distance() {
        let mut values = vec![0.0; 100];
        values.extend([1.0; 100]);
        values.extend([-1000.0, 1000.0, 500.0, -400.0, 700.0, 900.0, -2000.0]);
        let s = summarise(&values).unwrap();
        assert_eq!(s.outliers, 7);
        assert_eq!(s.examples, vec![-2000.0, -1000.0, 1000.0, 900.0, 700.0]);
    }

    #[test]
    fn zero_iqr_and_zero_mad_flag_nothing() {
        let s = summarise(&[5.0, 5.0, 5.0, 5.0, 5.0, 100.0, -3.0]).unwrap();
        assert_eq!((s.q1, s.q3), (5.0, 5.0));
        assert_eq!((s.low_fence, s.high_fence), (-3.0, 100.0));
        assert_eq!(s.outliers, 0);
        assert!(s.examples.is_empty());
    }

    #[test]
    fn mad_fallback_fences() {
        // Exercised directly: [1, 2, 3, 4, 100] has median 3 and deviations 0 1 1 2 97 → MAD 1.
        let sorted = [1.0, 2.0, 3.0, 4.0, 100.0];
        assert_eq!(median_absolute_deviation(&sorted, 3.0), 1.0);
        let (lo, hi) = fences(&sorted, 3.0, 3.0, 3.0).unwrap();
        assert!((lo - (3.0 - 4.4478)).abs() < 1e-12);
        assert!((hi - (3.0 + 4.4478)).abs() < 1e-12);
    }

    #[test]
    fn quantiles_at_the_ends() {
        let sorted = [1.0, 3.0, 8.0];
        assert_eq!(quantile_sorted(&sorted, 0.0), 1.0);
        assert_eq!(quantile_sorted(&sorted, 1.0), 8.0);
        assert_eq!(quantile_sorted(&sorted, 0.9), 7.0);
    }

    #[test]
    fn large_input_is_handled() {
        // A deterministic 200k-value series: 0..1000 repeating plus two spikes.
        let mut values: Vec<f64> = (0..200_000u32).map(|i| f64::from(i % 1000)).collect();
        values.push(1e9);
        values.push(-1e9);
        let s = summarise(&values).unwrap();
        assert_eq!(s.count, 200_002);
        assert_eq!(s.outliers, 2);
        assert_eq!(s.examples, vec![-1e9, 1e9]);
    }
}
