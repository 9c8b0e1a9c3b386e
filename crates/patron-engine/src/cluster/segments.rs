//! Customer segments end to end: features from the facts, z-scores, k-means, descriptions.

use super::ClusterError;
use super::describe::{ClusterSummary, describe};
use super::points::squared_distance;
use super::profile::{CustomerFeatures, FEATURES, customer_features};
use super::select::{ClusterSettings, Clustering, cluster};
use super::standardise::Standardiser;
use patron_core::facts::Facts;

/// The clusters of the purchasing customers of a fact set.
#[derive(Debug, Clone, PartialEq)]
pub struct CustomerClusters {
    /// The features clustered (original units) and whose they are.
    pub features: CustomerFeatures,
    /// Transforms, means and standard deviations of the features.
    pub standardiser: Standardiser,
    /// The k-means fit and how k was chosen.
    pub clustering: Clustering,
    /// One summary per cluster, largest first.
    pub clusters: Vec<ClusterSummary>,
}

impl CustomerClusters {
    /// The cluster of a customer with features `raw` (original units, columns as in
    /// [`FEATURES`]): the nearest centre after the fitted standardisation, ties to the lower
    /// number — for one customer scored alone, the same as a member's label in the fit.
    pub fn assign(&self, raw: &[f64]) -> usize {
        let z: Vec<f64> = raw
            .iter()
            .enumerate()
            .map(|(j, &x)| self.standardiser.z(j, x))
            .collect();
        let centres = &self.clustering.kmeans.centroids;
        (0..centres.len())
            .map(|c| squared_distance(&z, centres.row(c)))
            .enumerate()
            .fold(
                (0, f64::INFINITY),
                |best, (c, d)| if d < best.1 { (c, d) } else { best },
            )
            .0
    }
}

/// Clusters the customers of `facts` who bought something before `facts.as_of`.
pub fn cluster_customers(
    facts: &Facts,
    settings: &ClusterSettings,
) -> Result<CustomerClusters, ClusterError> {
    let features = customer_features(facts);
    let transforms: Vec<_> = FEATURES.iter().map(|f| f.transform).collect();
    let standardiser = Standardiser::fit(&features.values, &transforms);
    let z = standardiser.transform(&features.values);
    let clustering = cluster(&z, settings)?;
    let clusters = describe(
        &FEATURES,
        &features.values,
        &standardiser,
        &clustering.kmeans,
    );
    Ok(CustomerClusters {
        features,
        standardiser,
        clustering,
        clusters,
    })
}
