//! Small unconstrained minimisers for the likelihood fits (dimension ≤ a handful).
//!
//! - [`bfgs`]: quasi-Newton with the inverse-Hessian BFGS update and a strong-Wolfe line search
//!   (Nocedal & Wright 2006, algorithms 6.1, 3.5 and 3.6). Fast when the gradient is analytic.
//! - [`nelder_mead`]: the derivative-free simplex method (Nelder & Mead 1965, with the standard
//!   coefficients 1, 2, ½, ½), a fallback for starts where BFGS stalls.
//! - [`minimise`]: BFGS from the first start; if it does not converge, Nelder–Mead from every
//!   start, each polished by BFGS; the best point wins.
//! - [`hessian`] and [`invert`]: the numerical Hessian (central differences of the gradient)
//!   and its inverse, for standard errors.
//!
//! A non-finite objective value means "outside the domain": line searches step back from it and
//! the simplex treats it as +∞. Everything is deterministic (no random restarts).

/// A function to minimise with its gradient.
pub trait Objective {
    /// Number of variables.
    fn dim(&self) -> usize;

    /// The value at `x`, with the gradient written to `grad` (of length [`Objective::dim`]).
    /// A non-finite value marks `x` as infeasible; `grad` is then ignored.
    fn value_grad(&self, x: &[f64], grad: &mut [f64]) -> f64;
}

/// Stopping rules.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Settings {
    /// Converged when every gradient component is at most this in absolute value.
    pub gradient_tolerance: f64,
    /// Iteration cap for BFGS (Nelder–Mead gets 400 evaluations per dimension on top).
    pub max_iterations: u32,
    /// Largest step (max-norm) a BFGS iteration may try first; keeps `exp(log-parameter)` sane.
    pub max_step: f64,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            gradient_tolerance: 1e-9,
            max_iterations: 500,
            max_step: 2.0,
        }
    }
}

/// Where a minimiser stopped.
#[derive(Debug, Clone, PartialEq)]
pub struct Minimum {
    /// The point.
    pub x: Vec<f64>,
    /// The objective there.
    pub value: f64,
    /// The gradient there.
    pub gradient: Vec<f64>,
    /// Iterations used (BFGS iterations, or simplex iterations plus BFGS polish).
    pub iterations: u32,
    /// True when the gradient test passed.
    pub converged: bool,
}

fn max_abs(v: &[f64]) -> f64 {
    v.iter().fold(0.0, |m, x| m.max(x.abs()))
}

fn dot(a: &[f64], b: &[f64]) -> f64 {
    a.iter().zip(b).map(|(x, y)| x * y).sum()
}

/// `x + step · d`.
fn along(x: &[f64], d: &[f64], step: f64) -> Vec<f64> {
    x.iter().zip(d).map(|(xi, di)| xi + step * di).collect()
}

/// Evaluates value and gradient, mapping NaN to +∞.
fn eval(obj: &dyn Objective, x: &[f64]) -> (f64, Vec<f64>) {
    let mut g = vec![0.0; obj.dim()];
    let f = obj.value_grad(x, &mut g);
    if f.is_finite() && g.iter().all(|v| v.is_finite()) {
        (f, g)
    } else {
        (f64::INFINITY, g)
    }
}

/// Tries several deterministic strategies and returns the best point: BFGS from `starts[0]`,
/// and only if that fails to converge, Nelder–Mead from every start followed by BFGS.
pub fn minimise(obj: &dyn Objective, starts: &[Vec<f64>], settings: &Settings) -> Option<Minimum> {
    let first = bfgs(obj, starts.first()?, settings);
    if first.converged {
        return Some(first);
    }
    let mut best = first;
    for start in starts {
        let simplex = nelder_mead(obj, start, 0.5, settings);
        let mut polished = bfgs(obj, &simplex.x, settings);
        polished.iterations += simplex.iterations;
        if better(&polished, &best) {
            best = polished;
        }
    }
    best.value.is_finite().then_some(best)
}

/// Converged beats not converged; then the lower value wins.
fn better(a: &Minimum, b: &Minimum) -> bool {
    match (a.converged, b.converged) {
        (true, false) => true,
        (false, true) => false,
        _ => a.value < b.value,
    }
}

/// BFGS with a strong-Wolfe line search from `start`.
pub fn bfgs(obj: &dyn Objective, start: &[f64], settings: &Settings) -> Minimum {
    let n = obj.dim();
    let mut x = start.to_vec();
    let (mut f, mut g) = eval(obj, &x);
    let mut h = identity(n);
    let mut fresh = true;
    let mut iterations = 0;
    let mut stalls = 0;
    while iterations < settings.max_iterations && f.is_finite() {
        if max_abs(&g) <= settings.gradient_tolerance {
            break;
        }
        iterations += 1;
        let mut d: Vec<f64> = mat_vec(&h, &g).iter().map(|v| -v).collect();
        if dot(&d, &g) >= 0.0 {
            h = identity(n);
            fresh = true;
            d = g.iter().map(|v| -v).collect();
        }
        let first_step = (settings.max_step / max_abs(&d)).min(1.0);
        let Some(step) = line_search(obj, &x, f, &g, &d, first_step) else {
            if fresh {
                break;
            }
            // A poor curvature estimate: restart from steepest descent once.
            h = identity(n);
            fresh = true;
            continue;
        };
        let s: Vec<f64> = d.iter().map(|v| v * step.alpha).collect();
        let y: Vec<f64> = step.g.iter().zip(&g).map(|(a, b)| a - b).collect();
        if fresh {
            scale_identity(&mut h, &s, &y);
        }
        update_inverse_hessian(&mut h, &s, &y);
        fresh = false;
        let no_progress =
            f - step.f <= 1e-15 * f.abs().max(1.0) && max_abs(&step.g) >= 0.999 * max_abs(&g);
        stalls = if no_progress { stalls + 1 } else { 0 };
        (x, f, g) = (along(&x, &d, step.alpha), step.f, step.g);
        if stalls >= 4 {
            break;
        }
    }
    let converged = f.is_finite() && max_abs(&g) <= settings.gradient_tolerance;
    Minimum {
        x,
        value: f,
        gradient: g,
        iterations,
        converged,
    }
}

fn identity(n: usize) -> Vec<Vec<f64>> {
    (0..n)
        .map(|i| (0..n).map(|j| if i == j { 1.0 } else { 0.0 }).collect())
        .collect()
}

fn mat_vec(m: &[Vec<f64>], v: &[f64]) -> Vec<f64> {
    m.iter().map(|row| dot(row, v)).collect()
}

/// Nocedal & Wright (6.20): scale the initial inverse Hessian by `sᵀy / yᵀy`.
fn scale_identity(h: &mut [Vec<f64>], s: &[f64], y: &[f64]) {
    let sy = dot(s, y);
    let yy = dot(y, y);
    if sy > 0.0 && yy > 0.0 {
        let gamma = sy / yy;
        for (i, row) in h.iter_mut().enumerate() {
            for (j, v) in row.iter_mut().enumerate() {
                *v = if i == j { gamma } else { 0.0 };
            }
        }
    }
}

/// The BFGS inverse update (Nocedal & Wright 6.17), skipped when the curvature condition fails.
fn update_inverse_hessian(h: &mut [Vec<f64>], s: &[f64], y: &[f64]) {
    let sy = dot(s, y);
    if sy <= 1e-12 * dot(s, s).sqrt() * dot(y, y).sqrt() {
        return;
    }
    let rho = 1.0 / sy;
    let hy = mat_vec(h, y);
    let yhy = dot(y, &hy);
    let n = s.len();
    for i in 0..n {
        for j in 0..n {
            h[i][j] += -rho * (s[i] * hy[j] + hy[i] * s[j]) + (rho * rho * yhy + rho) * s[i] * s[j];
        }
    }
}

/// An accepted line-search point.
struct Step {
    alpha: f64,
    f: f64,
    g: Vec<f64>,
}

/// Sufficient-decrease constant of the Wolfe conditions.
const WOLFE_C1: f64 = 1e-4;
/// Curvature constant of the strong Wolfe conditions (the usual choice for quasi-Newton).
const WOLFE_C2: f64 = 0.9;

/// Sufficient decrease (Armijo), or Hager & Zhang's (2005) approximate version: near the
/// optimum the decrease a step can make (~g²/H) falls below the rounding noise of a sum over
/// thousands of customers, so a step that keeps `f` within that noise and whose slope shows
/// progress is accepted too. Without it the gradient of a likelihood stalls near 1e-9.
fn sufficient_decrease(f0: f64, slope0: f64, alpha: f64, f: f64, slope: f64) -> bool {
    if f <= f0 + WOLFE_C1 * alpha * slope0 {
        return true;
    }
    let noise = 1e-13 * f0.abs().max(1.0);
    f <= f0 + noise && slope <= (2.0 * WOLFE_C1 - 1.0) * slope0
}

/// Strong-Wolfe line search (Nocedal & Wright algorithm 3.5) along descent direction `d`.
fn line_search(
    obj: &dyn Objective,
    x: &[f64],
    f0: f64,
    g0: &[f64],
    d: &[f64],
    first: f64,
) -> Option<Step> {
    let slope0 = dot(g0, d);
    let mut prev = (0.0, f0, slope0);
    let mut alpha = first;
    for i in 0..30 {
        let (f, g) = eval(obj, &along(x, d, alpha));
        let slope = dot(&g, d);
        let worse = i > 0 && f >= prev.1 && f > f0;
        if !sufficient_decrease(f0, slope0, alpha, f, slope) || worse {
            return zoom(obj, x, d, f0, slope0, prev, (alpha, f, slope));
        }
        if slope.abs() <= -WOLFE_C2 * slope0 {
            return Some(Step { alpha, f, g });
        }
        if slope >= 0.0 {
            return zoom(obj, x, d, f0, slope0, (alpha, f, slope), prev);
        }
        prev = (alpha, f, slope);
        alpha *= 2.0;
    }
    None
}

/// Zoom phase (Nocedal & Wright algorithm 3.6) between `lo` (the better end, satisfying
/// sufficient decrease) and `hi`; points are `(alpha, f, slope)`.
fn zoom(
    obj: &dyn Objective,
    x: &[f64],
    d: &[f64],
    f0: f64,
    slope0: f64,
    mut lo: (f64, f64, f64),
    mut hi: (f64, f64, f64),
) -> Option<Step> {
    let mut best: Option<Step> = None;
    for _ in 0..40 {
        let alpha = trial_step(lo, hi);
        let (f, g) = eval(obj, &along(x, d, alpha));
        let slope = dot(&g, d);
        if !sufficient_decrease(f0, slope0, alpha, f, slope) || (f >= lo.1 && f > f0) {
            hi = (alpha, f, slope);
        } else {
            if slope.abs() <= -WOLFE_C2 * slope0 {
                return Some(Step { alpha, f, g });
            }
            if slope * (hi.0 - lo.0) >= 0.0 {
                hi = lo;
            }
            lo = (alpha, f, slope);
            best = Some(Step { alpha, f, g });
        }
        if (hi.0 - lo.0).abs() <= 1e-16 * lo.0.abs().max(1e-300) {
            break;
        }
    }
    // A point with sufficient decrease but not the curvature condition is still progress.
    best
}

/// Minimiser of the quadratic through `lo` (value and slope) and `hi` (value), kept inside the
/// middle 80 % of the bracket; bisection when `hi` is infeasible.
fn trial_step(lo: (f64, f64, f64), hi: (f64, f64, f64)) -> f64 {
    let (a, b) = (lo.0, hi.0);
    let width = b - a;
    let mut t = 0.5;
    if hi.1.is_finite() {
        let curvature = hi.1 - lo.1 - lo.2 * width;
        if curvature > 0.0 {
            t = -lo.2 * width / (2.0 * curvature);
        }
    }
    a + width * t.clamp(0.1, 0.9)
}

/// Nelder–Mead from `start`, with an initial simplex of steps `scale` along each axis.
pub fn nelder_mead(obj: &dyn Objective, start: &[f64], scale: f64, settings: &Settings) -> Minimum {
    let n = obj.dim();
    let value = |p: &[f64]| eval(obj, p).0;
    let mut simplex: Vec<(Vec<f64>, f64)> = Vec::with_capacity(n + 1);
    simplex.push((start.to_vec(), value(start)));
    for i in 0..n {
        let mut p = start.to_vec();
        p[i] += scale;
        let f = value(&p);
        simplex.push((p, f));
    }
    let max_evaluations = 400 * n as u32 + settings.max_iterations;
    let mut evaluations = n as u32 + 1;
    let mut iterations = 0;
    while evaluations < max_evaluations {
        simplex.sort_by(|a, b| a.1.total_cmp(&b.1));
        if simplex_converged(&simplex) {
            break;
        }
        iterations += 1;
        evaluations += simplex_step(&mut simplex, &value);
    }
    simplex.sort_by(|a, b| a.1.total_cmp(&b.1));
    let x = simplex[0].0.clone();
    let (f, g) = eval(obj, &x);
    Minimum {
        converged: f.is_finite() && max_abs(&g) <= settings.gradient_tolerance,
        x,
        value: f,
        gradient: g,
        iterations,
    }
}

fn simplex_converged(simplex: &[(Vec<f64>, f64)]) -> bool {
    let best = &simplex[0];
    let spread = simplex
        .iter()
        .map(|p| (p.1 - best.1).abs())
        .fold(0.0, f64::max);
    let size = simplex
        .iter()
        .map(|p| {
            p.0.iter()
                .zip(&best.0)
                .map(|(a, b)| (a - b).abs())
                .fold(0.0, f64::max)
        })
        .fold(0.0, f64::max);
    best.1.is_finite() && spread <= 1e-13 * best.1.abs().max(1.0) && size <= 1e-9
}

/// One reflection / expansion / contraction / shrink; returns the number of evaluations.
fn simplex_step(simplex: &mut [(Vec<f64>, f64)], value: &dyn Fn(&[f64]) -> f64) -> u32 {
    let n = simplex.len() - 1;
    let centroid: Vec<f64> = (0..n)
        .map(|j| simplex[..n].iter().map(|p| p.0[j]).sum::<f64>() / n as f64)
        .collect();
    let worst = simplex[n].clone();
    let towards = |t: f64| -> Vec<f64> {
        centroid
            .iter()
            .zip(&worst.0)
            .map(|(c, w)| c + t * (c - w))
            .collect()
    };
    let reflected = towards(1.0);
    let fr = value(&reflected);
    if fr < simplex[0].1 {
        let expanded = towards(2.0);
        let fe = value(&expanded);
        simplex[n] = if fe < fr {
            (expanded, fe)
        } else {
            (reflected, fr)
        };
        return 2;
    }
    if fr < simplex[n - 1].1 {
        simplex[n] = (reflected, fr);
        return 1;
    }
    let (contracted, t) = if fr < worst.1 {
        (towards(0.5), fr)
    } else {
        (towards(-0.5), worst.1)
    };
    let fc = value(&contracted);
    if fc < t {
        simplex[n] = (contracted, fc);
        return 2;
    }
    // Shrink towards the best vertex.
    let best = simplex[0].0.clone();
    for p in simplex.iter_mut().skip(1) {
        p.0 =
            p.0.iter()
                .zip(&best)
                .map(|(v, b)| b + 0.5 * (v - b))
                .collect();
        p.1 = value(&p.0);
    }
    2 + n as u32
}

/// Numerical Hessian by central differences of the gradient with step `h`, symmetrised.
pub fn hessian(obj: &dyn Objective, x: &[f64], h: f64) -> Vec<Vec<f64>> {
    let n = obj.dim();
    let mut cols = Vec::with_capacity(n);
    for i in 0..n {
        let mut up = x.to_vec();
        let mut down = x.to_vec();
        up[i] += h;
        down[i] -= h;
        let (_, gu) = eval(obj, &up);
        let (_, gd) = eval(obj, &down);
        cols.push(
            gu.iter()
                .zip(&gd)
                .map(|(a, b)| (a - b) / (2.0 * h))
                .collect::<Vec<f64>>(),
        );
    }
    (0..n)
        .map(|i| (0..n).map(|j| 0.5 * (cols[i][j] + cols[j][i])).collect())
        .collect()
}

/// Inverse by Gauss–Jordan elimination with partial pivoting; `None` when singular (a pivot
/// below 1e-13 of the largest entry) or not finite.
pub fn invert(m: &[Vec<f64>]) -> Option<Vec<Vec<f64>>> {
    let n = m.len();
    let largest = m.iter().flatten().fold(0.0f64, |a, v| a.max(v.abs()));
    if !(largest.is_finite() && largest > 0.0) {
        return None;
    }
    let mut a: Vec<Vec<f64>> = m.to_vec();
    let mut inv = identity(n);
    for col in 0..n {
        let pivot = (col..n).max_by(|&i, &j| a[i][col].abs().total_cmp(&a[j][col].abs()))?;
        if a[pivot][col].abs() <= 1e-13 * largest {
            return None;
        }
        a.swap(col, pivot);
        inv.swap(col, pivot);
        let p = a[col][col];
        for j in 0..n {
            a[col][j] /= p;
            inv[col][j] /= p;
        }
        for row in 0..n {
            if row != col {
                let factor = a[row][col];
                for j in 0..n {
                    a[row][j] -= factor * a[col][j];
                    inv[row][j] -= factor * inv[col][j];
                }
            }
        }
    }
    Some(inv)
}

/// Gradient by central differences, for objectives without an analytic one; the step is
/// `h·max(1, |xᵢ|)`.
pub fn central_gradient(f: &dyn Fn(&[f64]) -> f64, x: &[f64], h: f64, grad: &mut [f64]) {
    let mut p = x.to_vec();
    for i in 0..x.len() {
        let step = h * x[i].abs().max(1.0);
        p[i] = x[i] + step;
        let up = f(&p);
        p[i] = x[i] - step;
        let down = f(&p);
        p[i] = x[i];
        grad[i] = (up - down) / (2.0 * step);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Rosenbrock's banana, the classic hard valley.
    struct Rosenbrock;

    impl Objective for Rosenbrock {
        fn dim(&self) -> usize {
            2
        }

        fn value_grad(&self, x: &[f64], g: &mut [f64]) -> f64 {
            let (a, b) = (x[0], x[1]);
            g[0] = -2.0 * (1.0 - a) - 400.0 * a * (b - a * a);
            g[1] = 200.0 * (b - a * a);
            (1.0 - a).powi(2) + 100.0 * (b - a * a).powi(2)
        }
    }

    /// A quadratic that is infeasible (NaN) for x₀ > 3, to exercise the line search.
    struct Fenced;

    impl Objective for Fenced {
        fn dim(&self) -> usize {
            2
        }

        fn value_grad(&self, x: &[f64], g: &mut [f64]) -> f64 {
            if x[0] > 3.0 {
                return f64::NAN;
            }
            g[0] = 2.0 * (x[0] - 2.0);
            g[1] = 8.0 * (x[1] + 1.0);
            (x[0] - 2.0).powi(2) + 4.0 * (x[1] + 1.0).powi(2)
        }
    }

    #[test]
    fn bfgs_solves_rosenbrock() {
        let m = bfgs(&Rosenbrock, &[-1.2, 1.0], &Settings::default());
        assert!(m.converged, "{m:?}");
        assert!((m.x[0] - 1.0).abs() < 1e-8 && (m.x[1] - 1.0).abs() < 1e-8);
    }

    #[test]
    fn nelder_mead_then_polish() {
        let settings = Settings::default();
        let m = nelder_mead(&Rosenbrock, &[-1.2, 1.0], 0.5, &settings);
        assert!((m.x[0] - 1.0).abs() < 1e-4, "{m:?}");
        let m = minimise(&Fenced, &[vec![-5.0, 5.0]], &settings).unwrap();
        assert!(m.converged);
        assert!((m.x[0] - 2.0).abs() < 1e-9 && (m.x[1] + 1.0).abs() < 1e-9);
    }

    #[test]
    fn hessian_and_inverse() {
        let h = hessian(&Fenced, &[0.0, 0.0], 1e-4);
        assert!(
            (h[0][0] - 2.0).abs() < 1e-8 && (h[1][1] - 8.0).abs() < 1e-8 && h[0][1].abs() < 1e-8
        );
        let inv = invert(&h).unwrap();
        assert!((inv[0][0] - 0.5).abs() < 1e-8 && (inv[1][1] - 0.125).abs() < 1e-8);
        assert!(invert(&[vec![1.0, 2.0], vec![2.0, 4.0]]).is_none());
    }
}
