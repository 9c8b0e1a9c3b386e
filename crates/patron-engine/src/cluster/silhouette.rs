//! The silhouette of a clustering (Rousseeuw 1987), exact or on a deterministic sample.
//!
//! For point i with mean Euclidean distance `a` to the other members of its cluster and `b`
//! to the members of the nearest other cluster, `s = (b − a) / max(a, b)`; a point alone in
//! its cluster has `s = 0`. The silhouette of the clustering is the mean of `s`, in [−1, 1],
//! as scikit-learn's `silhouette_score`. It costs O(n² d), so for large n
//! [`sampled_silhouette`] scores a seeded random sample of points among themselves (what
//! scikit-learn's `sample_size` does).

use super::points::{Points, squared_distance};
use patron_core::random::Rng;
use rayon::prelude::*;

/// The mean silhouette of `labels` (cluster numbers below `k`) on `points`; `None` when fewer
/// than two clusters have members.
pub fn silhouette(points: &Points, labels: &[u32], k: usize) -> Option<f64> {
    assert_eq!(points.len(), labels.len(), "one label per point");
    let mut sizes = vec![0usize; k];
    for &c in labels {
        sizes[c as usize] += 1;
    }
    if sizes.iter().filter(|&&s| s > 0).count() < 2 {
        return None;
    }
    let values: Vec<f64> = (0..points.len())
        .into_par_iter()
        .map_init(
            || vec![0.0; k],
            |sums, i| point_silhouette(points, labels, &sizes, sums, i),
        )
        .collect();
    Some(values.iter().sum::<f64>() / values.len() as f64)
}

/// The silhouette of point `i`; `sums` is scratch space of length k.
fn point_silhouette(
    points: &Points,
    labels: &[u32],
    sizes: &[usize],
    sums: &mut [f64],
    i: usize,
) -> f64 {
    sums.iter_mut().for_each(|s| *s = 0.0);
    let x = points.row(i);
    for (j, &c) in labels.iter().enumerate() {
        sums[c as usize] += squared_distance(x, points.row(j)).sqrt();
    }
    let own = labels[i] as usize;
    if sizes[own] <= 1 {
        return 0.0;
    }
    let a = sums[own] / (sizes[own] - 1) as f64;
    let b = (0..sizes.len())
        .filter(|&c| c != own && sizes[c] > 0)
        .map(|c| sums[c] / sizes[c] as f64)
        .fold(f64::INFINITY, f64::min);
    let m = a.max(b);
    if m > 0.0 { (b - a) / m } else { 0.0 }
}

/// The silhouette of at most `sample` points drawn without replacement by `Rng::seeded(seed)`
/// (all points when there are no more than `sample`), scored among themselves.
pub fn sampled_silhouette(
    points: &Points,
    labels: &[u32],
    k: usize,
    sample: usize,
    seed: u64,
) -> Option<f64> {
    if points.len() <= sample {
        return silhouette(points, labels, k);
    }
    let rows = sample_rows(points.len(), sample, seed);
    let labels: Vec<u32> = rows.iter().map(|&i| labels[i]).collect();
    silhouette(&points.select(&rows), &labels, k)
}

/// `m` distinct indices of `0..n` (m ≤ n), drawn by a partial Fisher–Yates shuffle, ascending.
pub fn sample_rows(n: usize, m: usize, seed: u64) -> Vec<usize> {
    let mut rng = Rng::seeded(seed);
    let mut all: Vec<usize> = (0..n).collect();
    for i in 0..m.min(n) {
        let j = i + rng.below((n - i) as u64) as usize;
        all.swap(i, j);
    }
    all.truncate(m.min(n));
    all.sort_unstable();
    all
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hand_computed_silhouette() {
        // Points 0, 1 | 4: point 0: a = 1, b = 4 → 0.75; point 1: a = 1, b = 3 → 2/3;
        // point 2 is alone → 0.
        let p = Points::from_rows(&[vec![0.0], vec![1.0], vec![4.0]]).unwrap();
        let s = silhouette(&p, &[0, 0, 1], 2).unwrap();
        assert!((s - (0.75 + 2.0 / 3.0) / 3.0).abs() < 1e-15);
        assert_eq!(silhouette(&p, &[0, 0, 0], 2), None);
    }

    #[test]
    fn sample_is_deterministic_and_distinct() {
        let a = sample_rows(1000, 100, 7);
        assert_eq!(a, sample_rows(1000, 100, 7));
        assert_eq!(a.len(), 100);
        assert!(a.windows(2).all(|w| w[0] < w[1]));
        assert_ne!(a, sample_rows(1000, 100, 8));
        assert_eq!(sample_rows(5, 10, 1), [0, 1, 2, 3, 4]);
    }
}
