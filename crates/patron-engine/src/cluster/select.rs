//! Choosing k: fit each k of a range and keep the best silhouette, or use the k given.
//!
//! For a range, every k is fitted by [`kmeans`] and scored by the mean silhouette; the
//! highest wins, ties to the smaller k. On large data both steps run on deterministic
//! samples: the candidate fits on at most `selection_sample` points, their silhouettes on at
//! most `silhouette_sample` of those. The chosen k is then fitted on all points.

use super::ClusterError;
use super::kmeans::{KMeans, KMeansSettings, kmeans};
use super::points::Points;
use super::silhouette::{sample_rows, sampled_silhouette};
use serde::Serialize;

/// The number of clusters, or where to choose it from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum KChoice {
    /// Exactly this many clusters.
    Fixed(usize),
    /// The k in `from..=to` with the best silhouette.
    Range {
        /// Smallest k tried (≥ 2).
        from: usize,
        /// Largest k tried, inclusive.
        to: usize,
    },
}

/// How clusters are made.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ClusterSettings {
    /// The number of clusters or the range to choose it from.
    pub k: KChoice,
    /// k-means++ starts per fit.
    pub restarts: usize,
    /// Lloyd rounds per start.
    pub max_iter: usize,
    /// Convergence tolerance, relative to the mean feature variance.
    pub tol: f64,
    /// Random seed of starts and samples.
    pub seed: u64,
    /// Silhouettes are computed on at most this many points.
    pub silhouette_sample: usize,
    /// Candidate k are fitted on at most this many points.
    pub selection_sample: usize,
}

impl Default for ClusterSettings {
    fn default() -> Self {
        let km = KMeansSettings::default();
        ClusterSettings {
            k: KChoice::Range { from: 2, to: 8 },
            restarts: km.restarts,
            max_iter: km.max_iter,
            tol: km.tol,
            seed: km.seed,
            silhouette_sample: 3_000,
            selection_sample: 20_000,
        }
    }
}

impl ClusterSettings {
    /// The k-means settings for `k` clusters.
    pub fn kmeans(&self, k: usize) -> KMeansSettings {
        KMeansSettings {
            k,
            restarts: self.restarts,
            max_iter: self.max_iter,
            tol: self.tol,
            seed: self.seed,
        }
    }
}

/// One k tried.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Candidate {
    /// Number of clusters.
    pub k: usize,
    /// Mean silhouette (`None` if fewer than two clusters got points).
    pub silhouette: Option<f64>,
    /// Inertia of the fit (on the selection sample when `on_sample`).
    pub inertia: f64,
    /// True when fitted on a sample of the points.
    pub on_sample: bool,
}

/// The chosen clustering.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Clustering {
    /// Number of clusters.
    pub k: usize,
    /// `"given"` or `"silhouette"`.
    pub chosen_by: &'static str,
    /// The fit on all points.
    pub kmeans: KMeans,
    /// Its mean silhouette (sampled when there are more than `silhouette_sample` points).
    pub silhouette: Option<f64>,
    /// Every k tried, in increasing order (empty for a given k).
    pub candidates: Vec<Candidate>,
}

/// Seed offset of the selection sample, so it differs from the silhouette sample.
const SELECTION_SEED: u64 = 0x5E1E_C7ED;

/// Clusters standardised `points` as `settings` say.
pub fn cluster(points: &Points, settings: &ClusterSettings) -> Result<Clustering, ClusterError> {
    let n = points.len();
    if n == 0 {
        return Err(ClusterError::Empty);
    }
    let score = |p: &Points, km: &KMeans, k: usize| {
        sampled_silhouette(p, &km.labels, k, settings.silhouette_sample, settings.seed)
    };
    let (from, to) = match settings.k {
        KChoice::Fixed(k) => {
            let km = kmeans(points, &settings.kmeans(k))?;
            return Ok(Clustering {
                k,
                chosen_by: "given",
                silhouette: if k >= 2 { score(points, &km, k) } else { None },
                kmeans: km,
                candidates: Vec::new(),
            });
        }
        KChoice::Range { from, to } => (from, to),
    };
    if from < 2 || to < from {
        return Err(ClusterError::BadRange { from, to });
    }
    // A silhouette needs at least one cluster with two points: k < n.
    let to = to.min(n.saturating_sub(1));
    if to < from {
        return Err(ClusterError::BadK { k: from, n });
    }
    let on_sample = n > settings.selection_sample;
    let subset = if on_sample {
        points.select(&sample_rows(
            n,
            settings.selection_sample,
            settings.seed ^ SELECTION_SEED,
        ))
    } else {
        points.clone()
    };
    let mut candidates = Vec::new();
    let mut best: Option<(f64, usize, KMeans)> = None;
    for k in from..=to {
        let km = kmeans(&subset, &settings.kmeans(k))?;
        let s = score(&subset, &km, k);
        candidates.push(Candidate {
            k,
            silhouette: s,
            inertia: km.inertia,
            on_sample,
        });
        let value = s.unwrap_or(f64::NEG_INFINITY);
        if best.as_ref().is_none_or(|b| value > b.0) {
            best = Some((value, k, km));
        }
    }
    let (_, k, km) = best.expect("the range is not empty");
    let (km, silhouette) = if on_sample {
        let km = kmeans(points, &settings.kmeans(k))?;
        let s = score(points, &km, k);
        (km, s)
    } else {
        let s = candidates[k - from].silhouette;
        (km, s)
    };
    Ok(Clustering {
        k,
        chosen_by: "silhouette",
        kmeans: km,
        silhouette,
        candidates,
    })
}
