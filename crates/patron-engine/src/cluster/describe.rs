//! Clusters in words: each cluster's profile relative to the population.
//!
//! A cluster's centre is a point in z-scores, so each coordinate says how many standard
//! deviations the cluster sits above (+) or below (−) the population mean of that feature.
//! Features at least [`TRAIT_Z`] away from the mean are the cluster's traits; the
//! [`MAX_TRAITS`] strongest, named by the feature's words for "high" and "low", make the
//! description ("high value, rare buyers, many tickets"). A cluster with no trait is
//! "average". Centroids are also given in original units (the centre transformed back,
//! e.g. a geometric-like mean for `log1p` features) beside the members' arithmetic means.

use super::kmeans::KMeans;
use super::points::Points;
use super::standardise::{Standardiser, Transform};
use serde::Serialize;

/// A feature at least this many standard deviations from the mean is a trait.
pub const TRAIT_Z: f64 = 0.5;

/// At most this many traits name a cluster.
pub const MAX_TRAITS: usize = 3;

/// What a feature is and how to speak of it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct FeatureInfo {
    /// Name (`snake_case`).
    pub name: &'static str,
    /// Unit, for display (`"days"`, `"orders"`, `"currency"`).
    pub unit: &'static str,
    /// Transform before the z-score.
    pub transform: Transform,
    /// Words for a cluster well above the mean ("high value").
    pub high: &'static str,
    /// Words for a cluster well below the mean ("low value").
    pub low: &'static str,
}

/// One feature that sets a cluster apart.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Trait {
    /// Feature name.
    pub feature: &'static str,
    /// The cluster centre in standard deviations from the population mean.
    pub z: f64,
    /// The words for it.
    pub words: &'static str,
}

/// A cluster: size, centre and description.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ClusterSummary {
    /// Cluster number (0 = largest).
    pub id: usize,
    /// Members.
    pub size: usize,
    /// Share of all points.
    pub share: f64,
    /// The description in words.
    pub description: String,
    /// Traits, strongest first (at most [`MAX_TRAITS`]).
    pub traits: Vec<Trait>,
    /// The centre in original units, per feature.
    pub centroid: Vec<f64>,
    /// The members' arithmetic mean in original units, per feature.
    pub mean: Vec<f64>,
    /// The centre in z-scores, per feature.
    pub z: Vec<f64>,
}

/// Summaries of the clusters of `km`, fitted on `standardiser.transform(raw)`.
pub fn describe(
    features: &[FeatureInfo],
    raw: &Points,
    standardiser: &Standardiser,
    km: &KMeans,
) -> Vec<ClusterSummary> {
    let d = raw.dim();
    assert_eq!(features.len(), d, "one description per feature");
    let k = km.sizes.len();
    let mut sums = vec![0.0; k * d];
    for (i, &c) in km.labels.iter().enumerate() {
        let sum = &mut sums[c as usize * d..(c as usize + 1) * d];
        sum.iter_mut().zip(raw.row(i)).for_each(|(s, x)| *s += x);
    }
    let n = raw.len().max(1) as f64;
    (0..k)
        .map(|c| {
            let z = km.centroids.row(c).to_vec();
            let size = km.sizes[c];
            let traits = traits(features, &z);
            ClusterSummary {
                id: c,
                size,
                share: size as f64 / n,
                description: words(&traits),
                traits,
                centroid: (0..d).map(|j| standardiser.original(j, z[j])).collect(),
                mean: sums[c * d..(c + 1) * d]
                    .iter()
                    .map(|s| s / size.max(1) as f64)
                    .collect(),
                z,
            }
        })
        .collect()
}

/// The strongest traits of a centre `z`, strongest first (ties in feature order).
pub fn traits(features: &[FeatureInfo], z: &[f64]) -> Vec<Trait> {
    let mut all: Vec<Trait> = features
        .iter()
        .zip(z)
        .filter(|(_, z)| z.abs() >= TRAIT_Z)
        .map(|(f, &z)| Trait {
            feature: f.name,
            z,
            words: if z > 0.0 { f.high } else { f.low },
        })
        .collect();
    all.sort_by(|a, b| b.z.abs().total_cmp(&a.z.abs()));
    all.truncate(MAX_TRAITS);
    all
}

/// The traits joined by commas, or "average".
fn words(traits: &[Trait]) -> String {
    if traits.is_empty() {
        return "average".to_owned();
    }
    traits
        .iter()
        .map(|t| t.words)
        .collect::<Vec<_>>()
        .join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;

    const F: [FeatureInfo; 3] = [
        FeatureInfo {
            name: "monetary",
            unit: "currency",
            transform: Transform::Log1p,
            high: "high value",
            low: "low value",
        },
        FeatureInfo {
            name: "frequency",
            unit: "orders",
            transform: Transform::Log1p,
            high: "frequent buyers",
            low: "rare buyers",
        },
        FeatureInfo {
            name: "tickets",
            unit: "tickets",
            transform: Transform::Log1p,
            high: "many tickets",
            low: "few tickets",
        },
    ];

    #[test]
    fn strongest_traits_first() {
        let t = traits(&F, &[1.2, -0.8, 2.0]);
        assert_eq!(words(&t), "many tickets, high value, rare buyers");
        assert_eq!(words(&traits(&F, &[0.3, -0.49, 0.0])), "average");
        assert_eq!(words(&traits(&F, &[-0.5, 0.1, 0.0])), "low value");
    }
}
