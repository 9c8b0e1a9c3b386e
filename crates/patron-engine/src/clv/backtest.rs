//! Holdout validation of a timing model: fit on a calibration period, predict the holdout, and
//! compare — per customer, in aggregate, by calibration frequency, and over time (the data
//! behind Fader & Hardie's standard plots).

use super::{FrequencyData, TimingModel};
use serde::Serialize;

/// Aggregate errors of per-customer holdout predictions.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct HoldoutErrors {
    /// Mean absolute error.
    pub mae: f64,
    /// Root mean squared error.
    pub rmse: f64,
    /// Pearson correlation of predicted and actual.
    pub correlation: f64,
    /// Sum of predictions.
    pub total_predicted: f64,
    /// Sum of actual purchases.
    pub total_actual: f64,
}

/// Mean holdout purchases of customers with the same calibration frequency.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FrequencyBucket {
    /// Calibration repeat purchases (the last bucket holds `x` and more).
    pub x: u32,
    /// True for the open-ended last bucket.
    pub and_more: bool,
    /// Customers.
    pub customers: u64,
    /// Mean actual holdout purchases.
    pub actual: f64,
    /// Mean predicted holdout purchases.
    pub predicted: f64,
}

/// Compares predictions with actual holdout purchases.
pub fn holdout_errors(predicted: &[f64], actual: &[f64]) -> HoldoutErrors {
    let n = predicted.len().max(1) as f64;
    let mae = predicted
        .iter()
        .zip(actual)
        .map(|(p, a)| (p - a).abs())
        .sum::<f64>()
        / n;
    let rmse = (predicted
        .iter()
        .zip(actual)
        .map(|(p, a)| (p - a).powi(2))
        .sum::<f64>()
        / n)
        .sqrt();
    let total_predicted: f64 = predicted.iter().sum();
    let total_actual: f64 = actual.iter().sum();
    let (mp, ma) = (total_predicted / n, total_actual / n);
    let (mut cov, mut vp, mut va) = (0.0, 0.0, 0.0);
    for (p, a) in predicted.iter().zip(actual) {
        cov += (p - mp) * (a - ma);
        vp += (p - mp).powi(2);
        va += (a - ma).powi(2);
    }
    let correlation = if vp > 0.0 && va > 0.0 {
        cov / (vp * va).sqrt()
    } else {
        0.0
    };
    HoldoutErrors {
        mae,
        rmse,
        correlation,
        total_predicted,
        total_actual,
    }
}

/// Conditional expectations for the holdout, grouped by calibration frequency `0..=max_x`
/// (the last bucket open-ended), as in FHL 2005 figure 3.
pub fn by_frequency(
    calibration: &FrequencyData,
    predicted: &[f64],
    actual: &[f64],
    max_x: u32,
) -> Vec<FrequencyBucket> {
    let mut buckets: Vec<FrequencyBucket> = (0..=max_x)
        .map(|x| FrequencyBucket {
            x,
            and_more: x == max_x,
            customers: 0,
            actual: 0.0,
            predicted: 0.0,
        })
        .collect();
    for i in 0..calibration.len() {
        let b = &mut buckets[(calibration.x[i] as u32).min(max_x) as usize];
        b.customers += 1;
        b.actual += actual[i];
        b.predicted += predicted[i];
    }
    for b in &mut buckets {
        if b.customers > 0 {
            b.actual /= b.customers as f64;
            b.predicted /= b.customers as f64;
        }
    }
    buckets
}

/// Expected cumulative repeat purchases of the whole cohort at each of `times` (model units
/// after `origin`), each customer contributing `E[X(t − birth)]` from their first purchase at
/// `birth` (units after `origin`). Customers are grouped by birth, so the cost is
/// `distinct births × times`.
pub fn expected_cumulative_repeats(model: &TimingModel, births: &[f64], times: &[f64]) -> Vec<f64> {
    let mut sorted = births.to_vec();
    sorted.sort_by(f64::total_cmp);
    let mut groups: Vec<(f64, f64)> = Vec::new();
    for b in sorted {
        match groups.last_mut() {
            Some((birth, count)) if *birth == b => *count += 1.0,
            _ => groups.push((b, 1.0)),
        }
    }
    times
        .iter()
        .map(|&t| {
            groups
                .iter()
                .filter(|(birth, _)| *birth < t)
                .map(|(birth, count)| count * model.unconditional_expected(t - birth))
                .sum()
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn errors_and_buckets() {
        let e = holdout_errors(&[1.0, 2.0, 3.0], &[1.0, 3.0, 5.0]);
        assert!((e.mae - 1.0).abs() < 1e-12);
        assert!((e.rmse - (5.0f64 / 3.0).sqrt()).abs() < 1e-12);
        assert!((e.correlation - 1.0).abs() < 1e-12);
        assert_eq!((e.total_predicted, e.total_actual), (6.0, 9.0));
        let data = FrequencyData::unweighted(
            vec![0.0, 1.0, 5.0],
            vec![0.0, 1.0, 2.0],
            vec![3.0, 3.0, 3.0],
        )
        .unwrap();
        let b = by_frequency(&data, &[0.5, 1.0, 2.0], &[0.0, 2.0, 4.0], 2);
        assert_eq!(b.len(), 3);
        assert_eq!((b[2].customers, b[2].actual, b[2].and_more), (1, 4.0, true));
    }
}
