//! Quality of probability predictions: ROC AUC, PR AUC (average precision), Brier score, log
//! loss, lift and gains by decile, and a calibration table.
//!
//! `y` holds 0.0/1.0 labels and `p` probabilities (or any scores, for the ranking metrics).

use serde::Serialize;

/// Clipping of probabilities in the log loss (as scikit-learn).
const EPS: f64 = 1e-15;

/// The four headline metrics of a set of predictions.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Scores {
    /// Area under the ROC curve.
    pub roc_auc: f64,
    /// Area under the precision-recall curve (average precision).
    pub pr_auc: f64,
    /// Mean squared error of the probabilities.
    pub brier: f64,
    /// Mean negative log-likelihood.
    pub log_loss: f64,
}

impl Scores {
    /// All four metrics.
    pub fn of(y: &[f64], p: &[f64]) -> Scores {
        Scores {
            roc_auc: roc_auc(y, p),
            pr_auc: average_precision(y, p),
            brier: brier(y, p),
            log_loss: log_loss(y, p),
        }
    }
}

/// Row indices sorted by score, highest first (ties in row order).
fn by_score_desc(p: &[f64]) -> Vec<usize> {
    let mut order: Vec<usize> = (0..p.len()).collect();
    order.sort_by(|&a, &b| p[b].total_cmp(&p[a]).then(a.cmp(&b)));
    order
}

/// ROC AUC: the probability that a random positive scores above a random negative (ties count
/// half), from average ranks. `NaN` when a class is absent.
pub fn roc_auc(y: &[f64], p: &[f64]) -> f64 {
    let mut order: Vec<usize> = (0..p.len()).collect();
    order.sort_by(|&a, &b| p[a].total_cmp(&p[b]));
    let mut rank_sum = 0.0;
    let mut start = 0;
    while start < order.len() {
        let mut end = start + 1;
        while end < order.len() && p[order[end]] == p[order[start]] {
            end += 1;
        }
        // Ranks start+1 ..= end share their average.
        let average = (start + 1 + end) as f64 / 2.0;
        let positives = order[start..end].iter().filter(|&&i| y[i] == 1.0).count();
        rank_sum += average * positives as f64;
        start = end;
    }
    let n1 = y.iter().filter(|&&v| v == 1.0).count() as f64;
    let n0 = y.len() as f64 - n1;
    if n1 == 0.0 || n0 == 0.0 {
        return f64::NAN;
    }
    (rank_sum - n1 * (n1 + 1.0) / 2.0) / (n1 * n0)
}

/// Average precision: `Σ (R_k − R_{k−1}) · P_k` over the distinct score thresholds, highest
/// first (scikit-learn's `average_precision_score`). `NaN` without positives.
pub fn average_precision(y: &[f64], p: &[f64]) -> f64 {
    let total = y.iter().filter(|&&v| v == 1.0).count() as f64;
    if total == 0.0 {
        return f64::NAN;
    }
    let order = by_score_desc(p);
    let (mut tp, mut seen, mut ap, mut previous_recall) = (0.0, 0.0, 0.0, 0.0);
    let mut i = 0;
    while i < order.len() {
        let score = p[order[i]];
        while i < order.len() && p[order[i]] == score {
            tp += y[order[i]];
            seen += 1.0;
            i += 1;
        }
        let recall = tp / total;
        ap += (recall - previous_recall) * (tp / seen);
        previous_recall = recall;
    }
    ap
}

/// Brier score: mean of `(p − y)²`.
pub fn brier(y: &[f64], p: &[f64]) -> f64 {
    let sum: f64 = y.iter().zip(p).map(|(y, p)| (p - y) * (p - y)).sum();
    sum / y.len() as f64
}

/// Log loss: mean of `−y ln p − (1 − y) ln(1 − p)`, with `p` clipped to `[1e-15, 1 − 1e-15]`.
pub fn log_loss(y: &[f64], p: &[f64]) -> f64 {
    let sum: f64 = y
        .iter()
        .zip(p)
        .map(|(&y, &p)| {
            let p = p.clamp(EPS, 1.0 - EPS);
            -(y * p.ln() + (1.0 - y) * (1.0 - p).ln())
        })
        .sum();
    sum / y.len() as f64
}

/// Mean and sample standard deviation (`n − 1`; 0 for a single value).
pub fn mean_sd(values: &[f64]) -> (f64, f64) {
    let n = values.len() as f64;
    let mean = values.iter().sum::<f64>() / n;
    if values.len() < 2 {
        return (mean, 0.0);
    }
    let var = values.iter().map(|v| (v - mean) * (v - mean)).sum::<f64>() / (n - 1.0);
    (mean, var.sqrt())
}

/// One group of a lift table (rows ranked by score, highest first).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LiftRow {
    /// 1 = the highest scores.
    pub decile: usize,
    /// Rows in the group.
    pub rows: usize,
    /// Positives in the group.
    pub positives: usize,
    /// Lowest score in the group.
    pub min_score: f64,
    /// Highest score in the group.
    pub max_score: f64,
    /// Positive rate in the group.
    pub rate: f64,
    /// Rate relative to the overall rate.
    pub lift: f64,
    /// Share of all positives in this group and those above (the gains curve).
    pub cumulative_gain: f64,
    /// Rate of this group and those above, relative to the overall rate.
    pub cumulative_lift: f64,
}

/// Lift and gains by `groups` equal-sized groups of rows ranked by score (deciles for 10).
pub fn lift_table(y: &[f64], p: &[f64], groups: usize) -> Vec<LiftRow> {
    let order = by_score_desc(p);
    let n = order.len();
    let total: f64 = y.iter().sum();
    let base = total / n as f64;
    let (mut cum_rows, mut cum_pos) = (0usize, 0.0);
    let mut table = Vec::with_capacity(groups);
    for g in 0..groups {
        let rows = &order[g * n / groups..(g + 1) * n / groups];
        if rows.is_empty() {
            continue;
        }
        let positives: f64 = rows.iter().map(|&i| y[i]).sum();
        cum_rows += rows.len();
        cum_pos += positives;
        let rate = positives / rows.len() as f64;
        table.push(LiftRow {
            decile: g + 1,
            rows: rows.len(),
            positives: positives as usize,
            min_score: p[rows[rows.len() - 1]],
            max_score: p[rows[0]],
            rate,
            lift: rate / base,
            cumulative_gain: cum_pos / total,
            cumulative_lift: (cum_pos / cum_rows as f64) / base,
        });
    }
    table
}

/// One point of a ROC curve.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct RocPoint {
    /// False positive rate at the threshold.
    pub fpr: f64,
    /// True positive rate at the threshold.
    pub tpr: f64,
}

/// The ROC curve: (false, true positive rate) at every distinct score taken as the threshold,
/// highest first, from (0, 0) to (1, 1) (sklearn's `roc_curve` without
/// `drop_intermediate`); more than `max_points` points are thinned evenly, keeping both ends.
/// Empty when `y` lacks positives or negatives.
pub fn roc_curve(y: &[f64], p: &[f64], max_points: usize) -> Vec<RocPoint> {
    let positives: f64 = y.iter().sum();
    let negatives = y.len() as f64 - positives;
    if positives == 0.0 || negatives == 0.0 {
        return Vec::new();
    }
    let order = by_score_desc(p);
    let mut points = vec![RocPoint { fpr: 0.0, tpr: 0.0 }];
    let (mut tp, mut fp) = (0.0, 0.0);
    for (k, &i) in order.iter().enumerate() {
        tp += y[i];
        fp += 1.0 - y[i];
        // A threshold falls only between distinct scores: ties move together.
        let last_of_tie = order.get(k + 1).is_none_or(|&j| p[j] != p[i]);
        if last_of_tie {
            points.push(RocPoint {
                fpr: fp / negatives,
                tpr: tp / positives,
            });
        }
    }
    if points.len() <= max_points.max(2) {
        return points;
    }
    let last = points.len() - 1;
    let keep = max_points.max(2) - 1;
    (0..=keep).map(|k| points[k * last / keep]).collect()
}

/// One bin of a calibration table.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CalibrationBin {
    /// Lower edge of the predicted probability (inclusive).
    pub lower: f64,
    /// Upper edge (exclusive, inclusive for the last bin).
    pub upper: f64,
    /// Rows predicted in the bin.
    pub rows: usize,
    /// Mean predicted probability of those rows.
    pub mean_predicted: f64,
    /// Observed positive rate of those rows.
    pub observed_rate: f64,
}

/// Predicted against observed rates in `bins` equal-width probability bins (empty bins left
/// out).
pub fn calibration_table(y: &[f64], p: &[f64], bins: usize) -> Vec<CalibrationBin> {
    let mut rows = vec![0usize; bins];
    let mut predicted = vec![0.0; bins];
    let mut observed = vec![0.0; bins];
    for (&y, &p) in y.iter().zip(p) {
        let bin = ((p * bins as f64) as usize).min(bins - 1);
        rows[bin] += 1;
        predicted[bin] += p;
        observed[bin] += y;
    }
    (0..bins)
        .filter(|&b| rows[b] > 0)
        .map(|b| CalibrationBin {
            lower: b as f64 / bins as f64,
            upper: (b + 1) as f64 / bins as f64,
            rows: rows[b],
            mean_predicted: predicted[b] / rows[b] as f64,
            observed_rate: observed[b] / rows[b] as f64,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn auc_handles_ties_by_average_rank() {
        // sklearn.metrics.roc_auc_score([0,0,1,1,0,1],[0.1,0.4,0.35,0.8,0.4,0.4]) = 0.66666…
        let y = [0.0, 0.0, 1.0, 1.0, 0.0, 1.0];
        let p = [0.1, 0.4, 0.35, 0.8, 0.4, 0.4];
        assert!((roc_auc(&y, &p) - 2.0 / 3.0).abs() < 1e-12);
        assert_eq!(roc_auc(&[0.0, 1.0], &[0.5, 0.5]), 0.5);
        assert!(roc_auc(&[1.0, 1.0], &[0.1, 0.2]).is_nan());
    }

    #[test]
    fn average_precision_matches_scikit_learn() {
        // average_precision_score([0,0,1,1],[0.1,0.4,0.35,0.8]) = 0.8333…
        let ap = average_precision(&[0.0, 0.0, 1.0, 1.0], &[0.1, 0.4, 0.35, 0.8]);
        assert!((ap - 0.833_333_333_333_333_4).abs() < 1e-12);
        // With ties: average_precision_score([0,0,1,1,0,1],[0.1,0.4,0.35,0.8,0.4,0.4]) = 0.7
        let ap = average_precision(
            &[0.0, 0.0, 1.0, 1.0, 0.0, 1.0],
            &[0.1, 0.4, 0.35, 0.8, 0.4, 0.4],
        );
        assert!((ap - 0.7).abs() < 1e-12, "{ap}");
    }

    #[test]
    fn brier_log_loss_and_sd() {
        let y = [0.0, 1.0];
        let p = [0.2, 0.6];
        assert!((brier(&y, &p) - 0.1).abs() < 1e-12);
        let expected = -(0.8f64.ln() + 0.6f64.ln()) / 2.0;
        assert!((log_loss(&y, &p) - expected).abs() < 1e-12);
        assert!(log_loss(&[1.0], &[0.0]).is_finite());
        let (m, s) = mean_sd(&[1.0, 2.0, 3.0]);
        assert_eq!((m, s), (2.0, 1.0));
    }

    #[test]
    fn the_roc_curve_matches_sklearn_and_its_area_is_the_auc() {
        // sklearn.metrics.roc_curve([0,0,1,1], [0.1,0.4,0.35,0.8], drop_intermediate=False)
        let curve = roc_curve(&[0.0, 0.0, 1.0, 1.0], &[0.1, 0.4, 0.35, 0.8], 100);
        let pairs: Vec<(f64, f64)> = curve.iter().map(|r| (r.fpr, r.tpr)).collect();
        assert_eq!(
            pairs,
            [(0.0, 0.0), (0.0, 0.5), (0.5, 0.5), (0.5, 1.0), (1.0, 1.0)]
        );
        let y: Vec<f64> = (0..500).map(|i| f64::from(u8::from(i % 3 == 0))).collect();
        let p: Vec<f64> = (0..500)
            .map(|i| ((i * 7919) % 101) as f64 / 100.0 * 0.6 + y[i] * 0.3)
            .collect();
        let full = roc_curve(&y, &p, usize::MAX);
        let area: f64 = full
            .windows(2)
            .map(|w| (w[1].fpr - w[0].fpr) * (w[1].tpr + w[0].tpr) / 2.0)
            .sum();
        assert!((area - roc_auc(&y, &p)).abs() < 1e-12);
        let thin = roc_curve(&y, &p, 20);
        assert_eq!(thin.len(), 20);
        assert_eq!(thin.first(), full.first());
        assert_eq!(thin.last(), full.last());
        assert!(roc_curve(&[1.0, 1.0], &[0.2, 0.3], 10).is_empty());
    }

    #[test]
    fn lift_and_calibration_tables() {
        let y: Vec<f64> = (0..100)
            .map(|i| f64::from(u8::from(i % 10 == 0 || i >= 90)))
            .collect();
        let p: Vec<f64> = (0..100).map(|i| f64::from(i) / 100.0).collect();
        let lift = lift_table(&y, &p, 10);
        assert_eq!(lift.len(), 10);
        assert_eq!(lift[0].positives, 10);
        assert!((lift[0].lift - 10.0 / 1.9).abs() < 1e-12);
        assert!((lift[9].cumulative_gain - 1.0).abs() < 1e-12);
        let cal = calibration_table(&y, &p, 10);
        assert_eq!(cal.len(), 10);
        assert_eq!(cal[9].rows, 10);
        assert_eq!(cal[9].observed_rate, 1.0);
    }
}
