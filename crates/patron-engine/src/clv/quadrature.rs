//! Adaptive Gauss–Legendre quadrature for smooth one-dimensional integrals.
//!
//! Used where a model quantity has no convenient closed form (the Pareto/NBD `P(X(t) = n)` as
//! an integral over the lifetime). A 20-point rule is applied on an interval and on its two
//! halves; when they disagree by more than the tolerance the halves are refined, up to a fixed
//! depth. The nodes come from Newton's method on the Legendre polynomial (Golub & Welsch would
//! need an eigen-solver; Newton from Tricomi's initial guesses converges in a few steps).

/// Points of the Gauss–Legendre rule.
const POINTS: usize = 20;

/// Deepest bisection level before an interval is accepted as it is.
const MAX_DEPTH: u32 = 40;

/// The rule's nodes and weights, computed once (a fit asks for thousands of integrals).
fn legendre_rule() -> &'static ([f64; POINTS], [f64; POINTS]) {
    static RULE: std::sync::OnceLock<([f64; POINTS], [f64; POINTS])> = std::sync::OnceLock::new();
    RULE.get_or_init(compute_legendre_rule)
}

/// Nodes and weights of the `POINTS`-point Gauss–Legendre rule on `[−1, 1]`.
fn compute_legendre_rule() -> ([f64; POINTS], [f64; POINTS]) {
    let mut nodes = [0.0; POINTS];
    let mut weights = [0.0; POINTS];
    let n = POINTS as f64;
    for i in 0..POINTS {
        let mut x = (std::f64::consts::PI * (i as f64 + 0.75) / (n + 0.5)).cos();
        let mut derivative = 1.0;
        for _ in 0..100 {
            let (p, dp) = legendre(POINTS, x);
            derivative = dp;
            let dx = p / dp;
            x -= dx;
            if dx.abs() <= 1e-16 {
                break;
            }
        }
        nodes[i] = x;
        weights[i] = 2.0 / ((1.0 - x * x) * derivative * derivative);
    }
    (nodes, weights)
}

/// `(Pₙ(x), Pₙ'(x))` by the three-term recurrence.
fn legendre(n: usize, x: f64) -> (f64, f64) {
    let (mut p0, mut p1) = (1.0, x);
    for k in 2..=n {
        let k = k as f64;
        (p0, p1) = (p1, ((2.0 * k - 1.0) * x * p1 - (k - 1.0) * p0) / k);
    }
    let dp = n as f64 * (x * p1 - p0) / (x * x - 1.0);
    (p1, dp)
}

/// `∫ₐᵇ f` by the fixed rule.
fn rule(f: &dyn Fn(f64) -> f64, a: f64, b: f64, nodes: &[f64], weights: &[f64]) -> f64 {
    let (mid, half) = (0.5 * (a + b), 0.5 * (b - a));
    half * nodes
        .iter()
        .zip(weights)
        .map(|(x, w)| w * f(mid + half * x))
        .sum::<f64>()
}

/// `∫ₐᵇ f(x) dx` to about `tolerance` absolute error for a smooth `f`; NaN if `f` is NaN
/// somewhere it was sampled.
pub fn integrate(f: &dyn Fn(f64) -> f64, a: f64, b: f64, tolerance: f64) -> f64 {
    if a == b {
        return 0.0;
    }
    let (nodes, weights) = legendre_rule();
    let (nodes, weights) = (&nodes[..], &weights[..]);
    let mut total = 0.0;
    // Depth-first over intervals, left to right, so the summation order is fixed.
    let mut stack = vec![(a, b, rule(f, a, b, nodes, weights), 0u32)];
    while let Some((lo, hi, whole, depth)) = stack.pop() {
        let mid = 0.5 * (lo + hi);
        let left = rule(f, lo, mid, nodes, weights);
        let right = rule(f, mid, hi, nodes, weights);
        let error = (left + right - whole).abs();
        if error.is_nan() {
            return f64::NAN;
        }
        let scale = (hi - lo) / (b - a);
        if error <= tolerance * scale.abs().max(1e-3) || depth >= MAX_DEPTH {
            total += left + right;
        } else {
            stack.push((mid, hi, right, depth + 1));
            stack.push((lo, mid, left, depth + 1));
        }
    }
    total
}

/// `∫ₐᵇ f(x) dx` to about `relative` of its size: the tolerance of [`integrate`] is scaled by a
/// first 20-point estimate of the integral, so an integral of any magnitude is computed to the
/// same number of digits.
pub fn integrate_relative(f: &dyn Fn(f64) -> f64, a: f64, b: f64, relative: f64) -> f64 {
    if a == b {
        return 0.0;
    }
    let (nodes, weights) = legendre_rule();
    let (nodes, weights) = (&nodes[..], &weights[..]);
    let estimate = rule(f, a, b, nodes, weights).abs();
    if estimate == 0.0 || !estimate.is_finite() {
        return integrate(f, a, b, relative);
    }
    integrate(f, a, b, relative * estimate)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn integrates_known_functions() {
        let exp = integrate(&|x: f64| x.exp(), 0.0, 1.0, 1e-14);
        assert!((exp - (std::f64::consts::E - 1.0)).abs() < 1e-14);
        let peaked = integrate(&|x: f64| 1.0 / (1e-4 + x * x), -1.0, 1.0, 1e-12);
        let exact = 2.0 * (1.0f64 / 1e-2).atan() / 1e-2;
        assert!((peaked - exact).abs() < 1e-9 * exact);
        assert!(integrate(&|_| f64::NAN, 0.0, 1.0, 1e-12).is_nan());
        let tiny = integrate_relative(&|x: f64| 1e-200 * (-40.0 * x).exp(), 0.0, 1.0, 1e-14);
        let exact = 1e-200 * -(-40.0f64).exp_m1() / 40.0;
        assert!((tiny - exact).abs() < 1e-13 * exact, "{tiny} vs {exact}");
    }
}
