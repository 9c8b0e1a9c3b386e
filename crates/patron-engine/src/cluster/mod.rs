//! Customer clusters: k-means on standardised features, k chosen by silhouette, each cluster
//! described in words.
//!
//! The path from a fact set to named clusters:
//!
//! 1. [`profile::customer_features`] computes a small per-customer feature table (recency,
//!    frequency, monetary, tenure, category breadth, tickets, events) from the facts;
//! 2. [`standardise::Standardiser`] turns each feature into z-scores, after `log1p` for the
//!    skewed money and count features, so that no feature dominates by its unit;
//! 3. [`kmeans::kmeans`] runs Lloyd's algorithm from several k-means++ starts (seeded with
//!    [`patron_core::random::Rng`]) and keeps the start with the lowest inertia;
//! 4. [`select::cluster`] fits each k of a range and keeps the best mean
//!    [`silhouette::silhouette`] (on a deterministic sample for large n), or uses a given k;
//! 5. [`describe::describe`] names each cluster from its profile relative to the population
//!    ("high value, rare buyers, many tickets"), with its size and centroid in original units.
//!
//! [`segments::cluster_customers`] runs all five on a fact set.
//!
//! Everything is deterministic on any number of threads: parallel sums are taken over chunks
//! of a fixed size and added up in chunk order, ties go to the lowest index, and clusters are
//! numbered by size (largest first), then by their first member.

pub mod describe;
pub mod kmeans;
pub mod points;
pub mod profile;
pub mod segments;
pub mod select;
pub mod silhouette;
pub mod standardise;

#[cfg(test)]
mod tests;

pub use describe::{ClusterSummary, FeatureInfo, Trait, describe};
pub use kmeans::{KMeans, KMeansSettings, kmeans};
pub use points::Points;
pub use profile::{CustomerFeatures, FEATURES, customer_features};
pub use segments::{CustomerClusters, cluster_customers};
pub use select::{Candidate, ClusterSettings, Clustering, KChoice, cluster};
pub use silhouette::{sampled_silhouette, silhouette};
pub use standardise::{Standardiser, Transform};

/// Why a clustering cannot run.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ClusterError {
    /// k must be at least 1 (2 to choose by silhouette) and at most the number of points.
    #[error("cannot make {k} clusters of {n} points")]
    BadK {
        /// The requested number of clusters.
        k: usize,
        /// The number of points.
        n: usize,
    },
    /// The range of k to choose from is empty or starts below 2.
    #[error("the range of k must be non-empty and start at 2 or more, got {from}..{to}")]
    BadRange {
        /// First k.
        from: usize,
        /// Last k (inclusive).
        to: usize,
    },
    /// A feature value is NaN or infinite.
    #[error("feature {feature} of point {point} is not a finite number")]
    NotFinite {
        /// Point (row) index.
        point: usize,
        /// Feature (column) index.
        feature: usize,
    },
    /// No points to cluster.
    #[error("there is nothing to cluster")]
    Empty,
}

impl ClusterError {
    /// The stable error code.
    pub fn code(&self) -> patron_core::code::Code {
        use patron_core::code::Code;
        match self {
            ClusterError::BadK { .. } | ClusterError::BadRange { .. } => Code::InvalidArgument,
            ClusterError::NotFinite { .. } => Code::DataInvalid,
            ClusterError::Empty => Code::NotEnoughData,
        }
    }
}
