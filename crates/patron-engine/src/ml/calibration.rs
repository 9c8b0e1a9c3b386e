//! Probability calibration fitted on out-of-fold predictions: Platt scaling (a logistic
//! regression on the log-odds) and isotonic regression (pool adjacent violators).
//!
//! Calibration is judged honestly by cross-fitting: the predictions of each fold are
//! calibrated by a calibrator fitted on the other folds' predictions.

use super::cv::Folds;
use super::metrics::{brier, log_loss};
use super::model::{logit, sigmoid};
use serde::Serialize;

/// A calibration method.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Method {
    /// `σ(a · logit(p) + b)`.
    Platt,
    /// A monotone step function of `p`, interpolated linearly between steps.
    Isotonic,
}

/// A fitted calibrator.
#[derive(Debug, Clone, PartialEq, Serialize, serde::Deserialize)]
#[serde(tag = "method", rename_all = "snake_case")]
pub enum Calibrator {
    /// Platt scaling.
    Platt {
        /// Slope on the log-odds.
        a: f64,
        /// Intercept.
        b: f64,
    },
    /// Isotonic regression: calibrated values `y` at predicted probabilities `x` (increasing).
    Isotonic {
        /// Knots: mean predicted probability of each pooled block.
        x: Vec<f64>,
        /// Calibrated probability at each knot.
        y: Vec<f64>,
    },
}

impl Calibrator {
    /// Fits a calibrator to predictions `p` of labels `y`.
    pub fn fit(method: Method, y: &[f64], p: &[f64]) -> Calibrator {
        match method {
            Method::Platt => fit_platt(y, p),
            Method::Isotonic => fit_isotonic(y, p),
        }
    }

    /// Calibrated probabilities.
    pub fn apply(&self, p: &[f64]) -> Vec<f64> {
        match self {
            Calibrator::Platt { a, b } => p.iter().map(|&p| sigmoid(a * logit(p) + b)).collect(),
            Calibrator::Isotonic { x, y } => p.iter().map(|&p| interpolate(x, y, p)).collect(),
        }
    }
}

/// Newton's method on the two parameters of Platt scaling.
fn fit_platt(y: &[f64], p: &[f64]) -> Calibrator {
    let z: Vec<f64> = p.iter().map(|&p| logit(p)).collect();
    let (mut a, mut b) = (1.0, 0.0);
    for _ in 0..100 {
        let (mut ga, mut gb, mut haa, mut hab, mut hbb) = (0.0, 0.0, 1e-12, 0.0, 1e-12);
        for (&z, &y) in z.iter().zip(y) {
            let q = sigmoid(a * z + b);
            let w = q * (1.0 - q);
            ga += (q - y) * z;
            gb += q - y;
            haa += w * z * z;
            hab += w * z;
            hbb += w;
        }
        let det = haa * hbb - hab * hab;
        if det.abs() < 1e-300 {
            break;
        }
        let (mut da, mut db) = ((hbb * ga - hab * gb) / det, (haa * gb - hab * ga) / det);
        // Pure Newton can overshoot from far away (it diverged on two well-separated groups):
        // halve the step until the log loss does not increase.
        let before = platt_loss(&z, y, a, b);
        for _ in 0..60 {
            if platt_loss(&z, y, a - da, b - db) <= before {
                break;
            }
            da /= 2.0;
            db /= 2.0;
        }
        a -= da;
        b -= db;
        if da.abs().max(db.abs()) < 1e-10 {
            break;
        }
    }
    Calibrator::Platt { a, b }
}

/// The log loss of `σ(a·z + b)` against `y`, summed, computed without overflow.
fn platt_loss(z: &[f64], y: &[f64], a: f64, b: f64) -> f64 {
    z.iter()
        .zip(y)
        .map(|(&z, &y)| {
            let t = a * z + b;
            t.max(0.0) + (-t.abs()).exp().ln_1p() - y * t
        })
        .sum()
}

/// Pool adjacent violators on the predictions sorted by value.
fn fit_isotonic(y: &[f64], p: &[f64]) -> Calibrator {
    let mut order: Vec<usize> = (0..p.len()).collect();
    order.sort_by(|&i, &j| p[i].total_cmp(&p[j]));
    // Blocks: (sum of p, sum of y, count).
    let mut blocks: Vec<(f64, f64, f64)> = Vec::new();
    for &i in &order {
        blocks.push((p[i], y[i], 1.0));
        while blocks.len() > 1 {
            let (s1, y1, n1) = blocks[blocks.len() - 2];
            let (s2, y2, n2) = blocks[blocks.len() - 1];
            if y1 / n1 < y2 / n2 {
                break;
            }
            blocks.pop();
            let last = blocks.len() - 1;
            blocks[last] = (s1 + s2, y1 + y2, n1 + n2);
        }
    }
    Calibrator::Isotonic {
        x: blocks.iter().map(|b| b.0 / b.2).collect(),
        y: blocks.iter().map(|b| b.1 / b.2).collect(),
    }
}

/// Linear interpolation between knots, clipped at the ends.
fn interpolate(x: &[f64], y: &[f64], p: f64) -> f64 {
    let i = x.partition_point(|&k| k <= p);
    if i == 0 {
        return y[0];
    }
    if i == x.len() {
        return y[x.len() - 1];
    }
    let (x0, x1, y0, y1) = (x[i - 1], x[i], y[i - 1], y[i]);
    if x1 > x0 {
        y0 + (y1 - y0) * (p - x0) / (x1 - x0)
    } else {
        y0
    }
}

/// Calibrated predictions where each fold's rows are calibrated by a calibrator fitted on the
/// other folds' rows.
pub fn cross_fit(method: Method, y: &[f64], p: &[f64], folds: &Folds) -> Vec<f64> {
    let mut out = vec![0.0; p.len()];
    for fold in 0..folds.k() {
        let (train, test) = (folds.train_rows(fold), folds.test_rows(fold));
        let pick = |rows: &[usize], v: &[f64]| rows.iter().map(|&r| v[r]).collect::<Vec<_>>();
        let calibrator = Calibrator::fit(method, &pick(&train, y), &pick(&train, p));
        for (&row, q) in test.iter().zip(calibrator.apply(&pick(&test, p))) {
            out[row] = q;
        }
    }
    out
}

/// How one calibration method does on out-of-fold predictions.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CalibrationResult {
    /// The method.
    pub method: Method,
    /// Brier score of the cross-fitted calibrated predictions.
    pub brier: f64,
    /// Log loss of the cross-fitted calibrated predictions.
    pub log_loss: f64,
    /// Platt slope, of the calibrator fitted on all out-of-fold predictions.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub a: Option<f64>,
    /// Platt intercept.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub b: Option<f64>,
    /// Isotonic knots.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub knots: Option<usize>,
    /// The calibrator fitted on all out-of-fold predictions (for a model trained on all rows).
    #[serde(skip)]
    pub fitted: Calibrator,
}

/// Fits `method` on all out-of-fold predictions and scores its cross-fitted predictions;
/// returns the result and the cross-fitted predictions.
pub fn evaluate(
    method: Method,
    y: &[f64],
    p: &[f64],
    folds: &Folds,
) -> (CalibrationResult, Vec<f64>) {
    let calibrated = cross_fit(method, y, p, folds);
    let fitted = Calibrator::fit(method, y, p);
    let (a, b, knots) = match &fitted {
        Calibrator::Platt { a, b } => (Some(*a), Some(*b), None),
        Calibrator::Isotonic { x, .. } => (None, None, Some(x.len())),
    };
    let result = CalibrationResult {
        method,
        brier: brier(y, &calibrated),
        log_loss: log_loss(y, &calibrated),
        a,
        b,
        knots,
        fitted,
    };
    (result, calibrated)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn platt_undoes_a_distortion() {
        // True probability q; reported p = σ(2 logit(q) - 1): Platt finds a = 0.5, b = 0.5.
        let mut y = Vec::new();
        let mut p = Vec::new();
        for i in 0..200 {
            let q = 0.05 + 0.9 * f64::from(i) / 199.0;
            let reported = sigmoid(2.0 * logit(q) - 1.0);
            for j in 0..100 {
                y.push(f64::from(u8::from(f64::from(j) < q * 100.0)));
                p.push(reported);
            }
        }
        let Calibrator::Platt { a, b } = Calibrator::fit(Method::Platt, &y, &p) else {
            panic!()
        };
        assert!((a - 0.5).abs() < 0.05 && (b - 0.5).abs() < 0.05, "{a} {b}");
    }

    #[test]
    fn platt_converges_on_two_far_apart_groups() {
        // Undamped Newton from (1, 0) diverged here: 30 of 40 at p = 0.987, 3 of 60 at 0.047.
        let mut p = vec![0.987; 40];
        p.extend([sigmoid(-3.0); 60]);
        let y: Vec<f64> = (0..100)
            .map(|i| f64::from(u8::from(i < 30 || (40..43).contains(&i))))
            .collect();
        let c = Calibrator::fit(Method::Platt, &y, &p);
        let q = c.apply(&[0.987, sigmoid(-3.0)]);
        assert!(
            (q[0] - 0.75).abs() < 1e-9 && (q[1] - 0.05).abs() < 1e-9,
            "{q:?} {c:?}"
        );
    }

    #[test]
    fn isotonic_is_monotone_and_pools_violators() {
        let y = [0.0, 1.0, 0.0, 1.0, 1.0];
        let p = [0.1, 0.2, 0.3, 0.4, 0.5];
        let c = Calibrator::fit(Method::Isotonic, &y, &p);
        let Calibrator::Isotonic { x, y: v } = &c else {
            panic!()
        };
        assert_eq!(v, &[0.0, 0.5, 1.0]);
        assert!((x[1] - 0.25).abs() < 1e-12);
        let q = c.apply(&[0.0, 0.25, 0.3, 0.9]);
        assert_eq!(q[0], 0.0);
        assert!((q[1] - 0.5).abs() < 1e-12);
        assert!(q[2] > 0.5 && q[2] < 1.0);
        assert_eq!(q[3], 1.0);
    }
}
