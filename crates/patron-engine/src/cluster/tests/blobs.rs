//! Well-separated synthetic blobs: k-means recovers them exactly, the silhouette finds their
//! number, and the result does not depend on the number of threads.

use crate::cluster::{
    ClusterSettings, Clustering, KChoice, KMeansSettings, Points, cluster, kmeans,
};
use patron_core::random::Rng;

/// `sizes[b]` points around each centre (spread 0.5 per coordinate), shuffled; returns the
/// points and each point's true blob.
fn blobs(centres: &[[f64; 3]], sizes: &[usize], seed: u64) -> (Points, Vec<usize>) {
    let mut rng = Rng::seeded(seed);
    let mut rows: Vec<(Vec<f64>, usize)> = Vec::new();
    for (b, (centre, &size)) in centres.iter().zip(sizes).enumerate() {
        for _ in 0..size {
            rows.push((centre.iter().map(|c| c + 0.5 * rng.normal()).collect(), b));
        }
    }
    rng.shuffle(&mut rows);
    let truth = rows.iter().map(|r| r.1).collect();
    let values = rows.into_iter().flat_map(|r| r.0).collect();
    (Points::new(3, values).unwrap(), truth)
}

const CENTRES: [[f64; 3]; 4] = [
    [0.0, 0.0, 0.0],
    [10.0, 0.0, 0.0],
    [0.0, 10.0, 0.0],
    [5.0, 5.0, 10.0],
];

/// True when `labels` is the same partition as `truth` (up to renumbering).
fn same_partition(labels: &[u32], truth: &[usize]) -> bool {
    let mut map = std::collections::BTreeMap::new();
    let mut back = std::collections::BTreeMap::new();
    labels
        .iter()
        .zip(truth)
        .all(|(&l, &t)| *map.entry(l).or_insert(t) == t && *back.entry(t).or_insert(l) == l)
}

#[test]
fn recovers_blobs_exactly() {
    let (points, truth) = blobs(&CENTRES, &[120, 80, 60, 40], 1);
    let km = kmeans(
        &points,
        &KMeansSettings {
            k: 4,
            ..Default::default()
        },
    )
    .unwrap();
    assert!(same_partition(&km.labels, &truth));
    // Numbered by size: cluster 0 is the 120-point blob around the origin.
    assert_eq!(km.sizes, [120, 80, 60, 40]);
    for (c, centre) in CENTRES.iter().enumerate() {
        for (got, want) in km.centroids.row(c).iter().zip(centre) {
            assert!((got - want).abs() < 0.25, "cluster {c}: {got} vs {want}");
        }
    }
    // The partition test can fail: a wrong clustering is not the truth.
    let mut wrong = km.labels.clone();
    wrong[0] = (wrong[0] + 1) % 4;
    assert!(!same_partition(&wrong, &truth));
}

#[test]
fn silhouette_picks_the_true_k() {
    for k in [2, 3, 4] {
        let sizes = [90, 70, 50, 30];
        let (points, truth) = blobs(&CENTRES[..k], &sizes[..k], 10 + k as u64);
        let c = cluster(&points, &ClusterSettings::default()).unwrap();
        assert_eq!(c.k, k, "candidates: {:?}", c.candidates);
        assert_eq!(c.chosen_by, "silhouette");
        assert_eq!(c.candidates.len(), 7);
        assert!(same_partition(&c.kmeans.labels, &truth));
    }
}

/// Settings that sample for both the choice of k and the silhouette.
fn sampling() -> ClusterSettings {
    ClusterSettings {
        k: KChoice::Range { from: 2, to: 6 },
        silhouette_sample: 400,
        selection_sample: 1_500,
        ..Default::default()
    }
}

fn in_pool(threads: usize, points: &Points) -> Clustering {
    rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .unwrap()
        .install(|| cluster(points, &sampling()).unwrap())
}

#[test]
fn large_n_samples_deterministically_on_any_number_of_threads() {
    let (points, truth) = blobs(&CENTRES, &[2_500, 1_800, 1_200, 500], 3);
    let one = in_pool(1, &points);
    assert_eq!(one.k, 4);
    assert!(one.candidates.iter().all(|c| c.on_sample));
    assert!(same_partition(&one.kmeans.labels, &truth));
    assert_eq!(one.kmeans.sizes, [2_500, 1_800, 1_200, 500]);
    let four = in_pool(4, &points);
    assert_eq!(one, four);
    assert_eq!(one.kmeans.centroids, four.kmeans.centroids);
    assert_eq!(one.kmeans.labels, four.kmeans.labels);
}

#[test]
fn a_given_k_is_used_and_a_bad_range_is_refused() {
    let (points, _) = blobs(&CENTRES, &[30, 30, 30, 30], 5);
    let settings = ClusterSettings {
        k: KChoice::Fixed(6),
        ..Default::default()
    };
    let c = cluster(&points, &settings).unwrap();
    assert_eq!((c.k, c.chosen_by, c.kmeans.sizes.len()), (6, "given", 6));
    assert!(c.candidates.is_empty());
    let bad = ClusterSettings {
        k: KChoice::Range { from: 1, to: 4 },
        ..Default::default()
    };
    assert!(cluster(&points, &bad).is_err());
}
