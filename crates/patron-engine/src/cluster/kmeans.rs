//! k-means: greedy k-means++ starts, Lloyd's iterations, the best of several restarts.
//!
//! Each restart draws its starting centres by greedy k-means++ (Arthur & Vassilvitskii 2007,
//! with `2 + ⌊ln k⌋` candidates per centre as in scikit-learn): the first centre is a
//! uniformly random point, each next one the best of a few candidates drawn with probability
//! proportional to the squared distance to the nearest centre so far. Lloyd's algorithm then
//! alternates assigning points to their nearest centre (ties to the lower cluster number) and
//! moving centres to their points' mean, until no label changes, the squared centre shift is
//! at most `tol` × the mean feature variance, or `max_iter` rounds. A cluster left empty is
//! moved to the point farthest from its centre. The restart with the lowest inertia (sum of
//! squared distances to the assigned centre) wins, ties to the earlier restart.
//!
//! Restart `r` uses `Rng::fork(seed, r)`; sums over points are taken in chunks of a fixed size
//! and added in chunk order, so the result is the same on any number of threads.

use super::ClusterError;
use super::points::{Points, squared_distance};
use patron_core::random::Rng;
use rayon::prelude::*;
use serde::Serialize;

/// Points per parallel work item; fixed, so that sums do not depend on the thread count.
const CHUNK: usize = 2048;

/// How k-means runs.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct KMeansSettings {
    /// Number of clusters.
    pub k: usize,
    /// Independent k-means++ starts; the lowest inertia wins.
    pub restarts: usize,
    /// At most this many Lloyd rounds per start.
    pub max_iter: usize,
    /// Convergence: squared centre shift ≤ `tol` × the mean variance of the features.
    pub tol: f64,
    /// Random seed.
    pub seed: u64,
}

impl Default for KMeansSettings {
    fn default() -> Self {
        KMeansSettings {
            k: 3,
            restarts: 8,
            max_iter: 300,
            tol: 1e-4,
            seed: 42,
        }
    }
}

/// A fitted k-means clustering.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct KMeans {
    /// Cluster centres, one row per cluster, numbered by size (largest first), then by the
    /// index of their first point.
    #[serde(skip)]
    pub centroids: Points,
    /// Cluster of each point.
    #[serde(skip)]
    pub labels: Vec<u32>,
    /// Points per cluster.
    pub sizes: Vec<usize>,
    /// Sum of squared distances of the points to their centre.
    pub inertia: f64,
    /// Lloyd rounds of the winning start.
    pub iterations: usize,
    /// Which start won (0-based).
    pub restart: usize,
}

/// Clusters `points` into `settings.k` groups.
pub fn kmeans(points: &Points, settings: &KMeansSettings) -> Result<KMeans, ClusterError> {
    let (n, k) = (points.len(), settings.k);
    if n == 0 {
        return Err(ClusterError::Empty);
    }
    if k == 0 || k > n {
        return Err(ClusterError::BadK { k, n });
    }
    let tol = settings.tol * mean_variance(points);
    let runs: Vec<Run> = (0..settings.restarts.max(1))
        .into_par_iter()
        .map(|r| {
            let mut rng = Rng::fork(settings.seed, r as u64);
            let start = kmeans_plus_plus(points, k, &mut rng);
            lloyd(points, start, k, settings.max_iter, tol)
        })
        .collect();
    let (restart, best) = runs
        .into_iter()
        .enumerate()
        .reduce(|a, b| if b.1.inertia < a.1.inertia { b } else { a })
        .expect("at least one restart");
    Ok(canonical(points.dim(), best, restart))
}

/// The mean over features of their population variance.
fn mean_variance(points: &Points) -> f64 {
    let (n, d) = (points.len() as f64, points.dim());
    let mut total = 0.0;
    for j in 0..d {
        let mean = (0..points.len()).map(|i| points.row(i)[j]).sum::<f64>() / n;
        total += (0..points.len())
            .map(|i| (points.row(i)[j] - mean).powi(2))
            .sum::<f64>()
            / n;
    }
    total / d as f64
}

/// One start's result.
struct Run {
    centres: Vec<f64>,
    labels: Vec<u32>,
    inertia: f64,
    iterations: usize,
}

/// Sums of a per-point value, in fixed chunks added in order.
fn chunked_sum(values: &[f64]) -> f64 {
    let parts: Vec<f64> = values.par_chunks(CHUNK).map(|c| c.iter().sum()).collect();
    parts.iter().sum()
}

/// Greedy k-means++ starting centres (row-major, `k × d`).
fn kmeans_plus_plus(points: &Points, k: usize, rng: &mut Rng) -> Vec<f64> {
    let (n, d) = (points.len(), points.dim());
    let trials = 2 + (k as f64).ln().floor() as usize;
    let mut centres = Vec::with_capacity(k * d);
    let first = rng.below(n as u64) as usize;
    centres.extend_from_slice(points.row(first));
    let mut closest = distances_to(points, points.row(first));
    let mut potential = chunked_sum(&closest);
    let mut prefix = vec![0.0; n];
    while centres.len() < k * d {
        let mut acc = 0.0;
        for (p, &c) in prefix.iter_mut().zip(&closest) {
            acc += c;
            *p = acc;
        }
        let mut best: Option<(f64, usize, Vec<f64>)> = None;
        for _ in 0..trials {
            let candidate = if potential > 0.0 {
                let r = rng.uniform() * potential;
                prefix.partition_point(|&p| p <= r).min(n - 1)
            } else {
                rng.below(n as u64) as usize
            };
            let to_candidate = distances_to(points, points.row(candidate));
            let merged: Vec<f64> = closest
                .par_iter()
                .zip(&to_candidate)
                .map(|(&a, &b)| a.min(b))
                .collect();
            let pot = chunked_sum(&merged);
            if best.as_ref().is_none_or(|b| pot < b.0) {
                best = Some((pot, candidate, merged));
            }
        }
        let (pot, candidate, merged) = best.expect("at least two trials");
        centres.extend_from_slice(points.row(candidate));
        closest = merged;
        potential = pot;
    }
    centres
}

/// Squared distance of every point to `centre`.
fn distances_to(points: &Points, centre: &[f64]) -> Vec<f64> {
    points
        .values()
        .par_chunks(points.dim())
        .map(|x| squared_distance(x, centre))
        .collect()
}

/// The nearest centre of `x` (lowest number on ties) and the squared distance to it.
#[inline]
fn nearest(x: &[f64], centres: &[f64], d: usize) -> (u32, f64) {
    let mut best = (0u32, f64::INFINITY);
    for (c, centre) in centres.chunks_exact(d).enumerate() {
        let dist = squared_distance(x, centre);
        if dist < best.1 {
            best = (c as u32, dist);
        }
    }
    best
}

/// One assignment step: labels, distances, per-cluster coordinate sums and counts.
struct Assignment {
    labels: Vec<u32>,
    distances: Vec<f64>,
    sums: Vec<f64>,
    counts: Vec<usize>,
}

/// Assigns every point to its nearest centre.
fn assign(points: &Points, centres: &[f64], k: usize) -> Assignment {
    let d = points.dim();
    let parts: Vec<Assignment> = points
        .values()
        .par_chunks(CHUNK * d)
        .map(|chunk| {
            let rows = chunk.len() / d;
            let mut part = Assignment {
                labels: Vec::with_capacity(rows),
                distances: Vec::with_capacity(rows),
                sums: vec![0.0; k * d],
                counts: vec![0; k],
            };
            for x in chunk.chunks_exact(d) {
                let (c, dist) = nearest(x, centres, d);
                part.labels.push(c);
                part.distances.push(dist);
                part.counts[c as usize] += 1;
                let sum = &mut part.sums[c as usize * d..(c as usize + 1) * d];
                sum.iter_mut().zip(x).for_each(|(s, v)| *s += v);
            }
            part
        })
        .collect();
    let mut all = Assignment {
        labels: Vec::with_capacity(points.len()),
        distances: Vec::with_capacity(points.len()),
        sums: vec![0.0; k * d],
        counts: vec![0; k],
    };
    for part in parts {
        all.labels.extend(part.labels);
        all.distances.extend(part.distances);
        all.sums
            .iter_mut()
            .zip(&part.sums)
            .for_each(|(a, b)| *a += b);
        all.counts
            .iter_mut()
            .zip(&part.counts)
            .for_each(|(a, b)| *a += b);
    }
    all
}

/// New centres: the mean of each cluster's points; an empty cluster takes the point farthest
/// from its centre that no other empty cluster took.
fn update(points: &Points, a: &Assignment, k: usize) -> Vec<f64> {
    let d = points.dim();
    let mut centres = vec![0.0; k * d];
    let mut far: Option<Vec<usize>> = None;
    let mut next_far = 0;
    for c in 0..k {
        let centre = &mut centres[c * d..(c + 1) * d];
        if a.counts[c] > 0 {
            let sum = &a.sums[c * d..(c + 1) * d];
            let count = a.counts[c] as f64;
            centre.iter_mut().zip(sum).for_each(|(m, s)| *m = s / count);
        } else {
            let order = far.get_or_insert_with(|| {
                let mut order: Vec<usize> = (0..points.len()).collect();
                order.sort_by(|&i, &j| a.distances[j].total_cmp(&a.distances[i]).then(i.cmp(&j)));
                order
            });
            let point = order[next_far.min(order.len() - 1)];
            next_far += 1;
            centre.copy_from_slice(points.row(point));
        }
    }
    centres
}

/// Lloyd's iterations from `centres`.
fn lloyd(points: &Points, mut centres: Vec<f64>, k: usize, max_iter: usize, tol: f64) -> Run {
    let mut previous: Option<Vec<u32>> = None;
    let mut iterations = 0;
    while iterations < max_iter {
        iterations += 1;
        let a = assign(points, &centres, k);
        let moved = update(points, &a, k);
        let shift: f64 = moved
            .iter()
            .zip(&centres)
            .map(|(x, y)| (x - y) * (x - y))
            .sum();
        centres = moved;
        let stable = previous.as_ref().is_some_and(|p| *p == a.labels);
        previous = Some(a.labels);
        if stable || shift <= tol {
            break;
        }
    }
    // Labels and inertia of the final centres.
    let a = assign(points, &centres, k);
    Run {
        centres,
        inertia: chunked_sum(&a.distances),
        labels: a.labels,
        iterations,
    }
}

/// Renumbers clusters by size (largest first), then by their first point.
fn canonical(d: usize, run: Run, restart: usize) -> KMeans {
    let k = run.centres.len() / d;
    let mut sizes = vec![0usize; k];
    let mut first = vec![usize::MAX; k];
    for (i, &c) in run.labels.iter().enumerate() {
        sizes[c as usize] += 1;
        first[c as usize] = first[c as usize].min(i);
    }
    let mut order: Vec<usize> = (0..k).collect();
    order.sort_by_key(|&c| (std::cmp::Reverse(sizes[c]), first[c], c));
    let mut new_of_old = vec![0u32; k];
    for (new, &old) in order.iter().enumerate() {
        new_of_old[old] = new as u32;
    }
    let mut centres = Vec::with_capacity(k * d);
    for &old in &order {
        centres.extend_from_slice(&run.centres[old * d..(old + 1) * d]);
    }
    KMeans {
        centroids: Points::new(d, centres).expect("finite centres"),
        labels: run.labels.iter().map(|&c| new_of_old[c as usize]).collect(),
        sizes: order.iter().map(|&c| sizes[c]).collect(),
        inertia: run.inertia,
        iterations: run.iterations,
        restart,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn two_obvious_groups_on_a_line() {
        let p =
            Points::from_rows(&[vec![0.0], vec![1.0], vec![2.0], vec![10.0], vec![11.0]]).unwrap();
        let settings = KMeansSettings {
            k: 2,
            ..Default::default()
        };
        let km = kmeans(&p, &settings).unwrap();
        assert_eq!(km.labels, [0, 0, 0, 1, 1]);
        assert_eq!(km.sizes, [3, 2]);
        assert_eq!(km.centroids.row(0), [1.0]);
        assert_eq!(km.centroids.row(1), [10.5]);
        assert!((km.inertia - 2.5).abs() < 1e-12);
    }

    #[test]
    fn k_equal_to_n_and_bad_k() {
        let p = Points::from_rows(&[vec![0.0, 0.0], vec![1.0, 0.0], vec![0.0, 1.0]]).unwrap();
        let km = kmeans(
            &p,
            &KMeansSettings {
                k: 3,
                ..Default::default()
            },
        )
        .unwrap();
        assert_eq!(km.inertia, 0.0);
        assert_eq!(km.sizes, [1, 1, 1]);
        assert_eq!(km.labels, [0, 1, 2]);
        let bad = KMeansSettings {
            k: 4,
            ..Default::default()
        };
        assert_eq!(kmeans(&p, &bad), Err(ClusterError::BadK { k: 4, n: 3 }));
    }

    #[test]
    fn duplicate_points_do_not_break_it() {
        let p = Points::from_rows(&vec![vec![1.0, 1.0]; 5]).unwrap();
        let km = kmeans(
            &p,
            &KMeansSettings {
                k: 2,
                ..Default::default()
            },
        )
        .unwrap();
        assert_eq!(km.inertia, 0.0);
        assert_eq!(km.sizes.iter().sum::<usize>(), 5);
    }
}
