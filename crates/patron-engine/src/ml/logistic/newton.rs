//! Newton's method for the L2-penalised log loss of standardised terms.
//!
//! The terms are stored as sparse rows: a term whose raw values are mostly 0 (a one-hot level,
//! a missing indicator) keeps only its non-zero cells, and standardisation is applied
//! algebraically (`z = (s − m) / scale`), so a Hessian costs `Σ_rows nnz²/2` instead of
//! `rows · terms²/2`. Terms that are mostly non-zero are stored centred on their mean, which
//! keeps the algebra free of cancellation.

use crate::ml::error::MlError;
use crate::ml::model::sigmoid;

/// Terms in sparse row form.
pub(super) struct Design {
    rows: usize,
    terms: usize,
    row_start: Vec<usize>,
    term: Vec<usize>,
    value: Vec<f64>,
    /// Mean of each term's stored values.
    centre: Vec<f64>,
    /// Standard deviation of each term.
    scale: Vec<f64>,
}

impl Design {
    /// The design of raw term columns with their means and scales.
    pub(super) fn new(raw: &[Vec<f64>], means: &[f64], scales: &[f64]) -> Design {
        let rows = raw.first().map_or(0, Vec::len);
        let mut offset = Vec::with_capacity(raw.len());
        for (column, &mean) in raw.iter().zip(means) {
            let zeros = column.iter().filter(|&&v| v == 0.0).count();
            offset.push(if zeros * 2 > rows { 0.0 } else { mean });
        }
        let mut counts = vec![0usize; rows];
        for (column, &o) in raw.iter().zip(&offset) {
            for (i, &v) in column.iter().enumerate() {
                counts[i] += usize::from(v != o);
            }
        }
        let mut row_start = Vec::with_capacity(rows + 1);
        row_start.push(0);
        for c in &counts {
            row_start.push(row_start[row_start.len() - 1] + c);
        }
        let nnz = row_start[rows];
        let (mut term, mut value) = (vec![0; nnz], vec![0.0; nnz]);
        let mut fill = row_start[..rows].to_vec();
        for (k, (column, &o)) in raw.iter().zip(&offset).enumerate() {
            for (i, &v) in column.iter().enumerate() {
                if v != o {
                    term[fill[i]] = k;
                    value[fill[i]] = v - o;
                    fill[i] += 1;
                }
            }
        }
        Design {
            rows,
            terms: raw.len(),
            row_start,
            term,
            value,
            centre: means.iter().zip(&offset).map(|(m, o)| m - o).collect(),
            scale: scales.to_vec(),
        }
    }

    /// `β₀ + Σ_k β_k z_k` for every row (`beta = [intercept, weights…]`).
    fn linear(&self, beta: &[f64]) -> Vec<f64> {
        let v: Vec<f64> = (0..self.terms)
            .map(|k| beta[k + 1] / self.scale[k])
            .collect();
        let constant = beta[0] - (0..self.terms).map(|k| v[k] * self.centre[k]).sum::<f64>();
        let (term, value, start) = (&self.term[..], &self.value[..], &self.row_start[..]);
        let mut eta = vec![constant; self.rows];
        for (i, e) in eta.iter_mut().enumerate() {
            for j in start[i]..start[i + 1] {
                *e += v[term[j]] * value[j];
            }
        }
        eta
    }

    /// Gradient and Hessian (row-major, lower triangle) of the penalised loss at `beta`.
    fn derivatives(&self, y: &[f64], eta: &[f64], beta: &[f64], l2: f64) -> (Vec<f64>, Vec<f64>) {
        let (n, terms) = (self.rows, self.terms);
        let (term, value, start) = (&self.term[..], &self.value[..], &self.row_start[..]);
        let (mut e_sum, mut w_sum) = (0.0, 0.0);
        let mut se = vec![0.0; terms];
        let mut sw = vec![0.0; terms];
        let mut a = vec![0.0; terms * terms];
        for i in 0..n {
            let p = sigmoid(eta[i]);
            let (e, w) = (p - y[i], p * (1.0 - p));
            e_sum += e;
            w_sum += w;
            for j in start[i]..start[i + 1] {
                let (k, s) = (term[j], value[j]);
                se[k] += e * s;
                sw[k] += w * s;
                let ws = w * s;
                let row = &mut a[k * terms..k * terms + k + 1];
                for l in start[i]..=j {
                    row[term[l]] += ws * value[l];
                }
            }
        }
        let (m, sc) = (&self.centre, &self.scale);
        let dim = terms + 1;
        let mut gradient = vec![0.0; dim];
        let mut hessian = vec![0.0; dim * dim];
        gradient[0] = e_sum;
        hessian[0] = w_sum;
        for k in 0..terms {
            gradient[k + 1] = (se[k] - m[k] * e_sum) / sc[k] + l2 * beta[k + 1];
            hessian[(k + 1) * dim] = (sw[k] - m[k] * w_sum) / sc[k];
            for l in 0..=k {
                let h = a[k * terms + l] - m[k] * sw[l] - m[l] * sw[k] + m[k] * m[l] * w_sum;
                hessian[(k + 1) * dim + l + 1] = h / (sc[k] * sc[l]);
            }
            hessian[(k + 1) * dim + k + 1] += l2;
        }
        (gradient, hessian)
    }
}

/// The fitted coefficients `[intercept, weights…]` and the iterations used.
pub(super) struct Solution {
    pub beta: Vec<f64>,
    pub iterations: usize,
}

/// Minimises `Σ log(1 + e^η) − yη + l2/2 ‖w‖²` by Newton's method with step halving, starting
/// from the intercept-only model; stops when no coefficient moves by more than `tolerance`.
pub(super) fn solve(
    design: &Design,
    y: &[f64],
    l2: f64,
    max_iterations: usize,
    tolerance: f64,
) -> Result<Solution, MlError> {
    let mut beta = vec![0.0; design.terms + 1];
    let rate = (y.iter().sum::<f64>() / y.len() as f64).clamp(1e-6, 1.0 - 1e-6);
    beta[0] = (rate / (1.0 - rate)).ln();
    let mut eta = design.linear(&beta);
    let mut loss = penalised_loss(&eta, y, &beta, l2);
    for iteration in 1..=max_iterations {
        let (gradient, hessian) = design.derivatives(y, &eta, &beta, l2);
        let step = cholesky_solve(hessian, &gradient)
            .ok_or_else(|| MlError::Fit("logistic regression: singular Hessian".into()))?;
        let mut t = 1.0;
        loop {
            let candidate: Vec<f64> = beta.iter().zip(&step).map(|(b, s)| b - t * s).collect();
            let candidate_eta = design.linear(&candidate);
            let candidate_loss = penalised_loss(&candidate_eta, y, &candidate, l2);
            if candidate_loss <= loss + 1e-12 * loss.abs() || t < 1e-10 {
                (beta, eta, loss) = (candidate, candidate_eta, candidate_loss);
                break;
            }
            t *= 0.5;
        }
        let largest = step.iter().fold(0.0_f64, |m, s| m.max((t * s).abs()));
        if largest < tolerance {
            return Ok(Solution {
                beta,
                iterations: iteration,
            });
        }
    }
    Ok(Solution {
        beta,
        iterations: max_iterations,
    })
}

/// `Σ log(1 + e^η) − yη + l2/2 ‖w‖²`.
fn penalised_loss(eta: &[f64], y: &[f64], beta: &[f64], l2: f64) -> f64 {
    let data: f64 = eta.iter().zip(y).map(|(&e, &y)| softplus(e) - y * e).sum();
    data + 0.5 * l2 * beta[1..].iter().map(|w| w * w).sum::<f64>()
}

fn softplus(x: f64) -> f64 {
    if x > 0.0 {
        x + (-x).exp().ln_1p()
    } else {
        x.exp().ln_1p()
    }
}

/// Solves `H x = g` for a symmetric positive definite `H` given by its lower triangle
/// (row-major, `g.len()` square).
fn cholesky_solve(mut h: Vec<f64>, g: &[f64]) -> Option<Vec<f64>> {
    let dim = g.len();
    for j in 0..dim {
        let d = h[j * dim + j] - (0..j).map(|k| h[j * dim + k] * h[j * dim + k]).sum::<f64>();
        if d <= 0.0 || !d.is_finite() {
            return None;
        }
        let d = d.sqrt();
        h[j * dim + j] = d;
        for i in j + 1..dim {
            let s = h[i * dim + j] - (0..j).map(|k| h[i * dim + k] * h[j * dim + k]).sum::<f64>();
            h[i * dim + j] = s / d;
        }
    }
    let mut x = g.to_vec();
    for i in 0..dim {
        x[i] = (x[i] - (0..i).map(|k| h[i * dim + k] * x[k]).sum::<f64>()) / h[i * dim + i];
    }
    for i in (0..dim).rev() {
        x[i] = (x[i] - (i + 1..dim).map(|k| h[k * dim + i] * x[k]).sum::<f64>()) / h[i * dim + i];
    }
    Some(x)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cholesky_solves() {
        // [[4, 2], [2, 3]] x = [2, 1] → x = [0.5, 0].
        let x = cholesky_solve(vec![4.0, 0.0, 2.0, 3.0], &[2.0, 1.0]).unwrap();
        assert!((x[0] - 0.5).abs() < 1e-12 && x[1].abs() < 1e-12);
        assert!(cholesky_solve(vec![0.0], &[1.0]).is_none());
    }

    #[test]
    fn sparse_and_dense_terms_give_the_same_linear_predictor() {
        let raw = vec![vec![0.0, 1.0, 0.0, 0.0], vec![5.0, 6.0, 7.0, 8.0]];
        let design = Design::new(&raw, &[0.25, 6.5], &[0.433, 1.118]);
        let beta = [0.3, 1.0, -2.0];
        let eta = design.linear(&beta);
        for i in 0..4 {
            let expected = 0.3 + (raw[0][i] - 0.25) / 0.433 * 1.0 - 2.0 * (raw[1][i] - 6.5) / 1.118;
            assert!((eta[i] - expected).abs() < 1e-12);
        }
    }
}
