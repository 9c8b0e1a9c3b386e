//! Agreement with scikit-learn 1.9.1 on Fisher's iris data (150 × 4, as bundled with
//! scikit-learn).
//!
//! The reference numbers were made with:
//!
//! ```python
//! from sklearn.datasets import load_iris
//! from sklearn.cluster import KMeans
//! from sklearn.metrics import silhouette_score
//! from sklearn.preprocessing import StandardScaler
//! X = load_iris().data
//! for k in (2, 3, 4):
//!     km = KMeans(n_clusters=k, n_init=10, random_state=0).fit(X)
//!     print(k, km.inertia_, silhouette_score(X, km.labels_), sorted(np.bincount(km.labels_)))
//! Z = StandardScaler().fit_transform(X)   # the same for Z
//! ```

use crate::cluster::{
    ClusterSettings, KChoice, KMeansSettings, Points, Standardiser, Transform, cluster, kmeans,
    silhouette,
};

/// Sepal length, sepal width, petal length, petal width (cm).
const IRIS: [[f64; 4]; 150] = [
    [5.1, 3.5, 1.4, 0.2],
    [4.9, 3.0, 1.4, 0.2],
    [4.7, 3.2, 1.3, 0.2],
    [4.6, 3.1, 1.5, 0.2],
    [5.0, 3.6, 1.4, 0.2],
    [5.4, 3.9, 1.7, 0.4],
    [4.6, 3.4, 1.4, 0.3],
    [5.0, 3.4, 1.5, 0.2],
    [4.4, 2.9, 1.4, 0.2],
    [4.9, 3.1, 1.5, 0.1],
    [5.4, 3.7, 1.5, 0.2],
    [4.8, 3.4, 1.6, 0.2],
    [4.8, 3.0, 1.4, 0.1],
    [4.3, 3.0, 1.1, 0.1],
    [5.8, 4.0, 1.2, 0.2],
    [5.7, 4.4, 1.5, 0.4],
    [5.4, 3.9, 1.3, 0.4],
    [5.1, 3.5, 1.4, 0.3],
    [5.7, 3.8, 1.7, 0.3],
    [5.1, 3.8, 1.5, 0.3],
    [5.4, 3.4, 1.7, 0.2],
    [5.1, 3.7, 1.5, 0.4],
    [4.6, 3.6, 1.0, 0.2],
    [5.1, 3.3, 1.7, 0.5],
    [4.8, 3.4, 1.9, 0.2],
    [5.0, 3.0, 1.6, 0.2],
    [5.0, 3.4, 1.6, 0.4],
    [5.2, 3.5, 1.5, 0.2],
    [5.2, 3.4, 1.4, 0.2],
    [4.7, 3.2, 1.6, 0.2],
    [4.8, 3.1, 1.6, 0.2],
    [5.4, 3.4, 1.5, 0.4],
    [5.2, 4.1, 1.5, 0.1],
    [5.5, 4.2, 1.4, 0.2],
    [4.9, 3.1, 1.5, 0.2],
    [5.0, 3.2, 1.2, 0.2],
    [5.5, 3.5, 1.3, 0.2],
    [4.9, 3.6, 1.4, 0.1],
    [4.4, 3.0, 1.3, 0.2],
    [5.1, 3.4, 1.5, 0.2],
    [5.0, 3.5, 1.3, 0.3],
    [4.5, 2.3, 1.3, 0.3],
    [4.4, 3.2, 1.3, 0.2],
    [5.0, 3.5, 1.6, 0.6],
    [5.1, 3.8, 1.9, 0.4],
    [4.8, 3.0, 1.4, 0.3],
    [5.1, 3.8, 1.6, 0.2],
    [4.6, 3.2, 1.4, 0.2],
    [5.3, 3.7, 1.5, 0.2],
    [5.0, 3.3, 1.4, 0.2],
    [7.0, 3.2, 4.7, 1.4],
    [6.4, 3.2, 4.5, 1.5],
    [6.9, 3.1, 4.9, 1.5],
    [5.5, 2.3, 4.0, 1.3],
    [6.5, 2.8, 4.6, 1.5],
    [5.7, 2.8, 4.5, 1.3],
    [6.3, 3.3, 4.7, 1.6],
    [4.9, 2.4, 3.3, 1.0],
    [6.6, 2.9, 4.6, 1.3],
    [5.2, 2.7, 3.9, 1.4],
    [5.0, 2.0, 3.5, 1.0],
    [5.9, 3.0, 4.2, 1.5],
    [6.0, 2.2, 4.0, 1.0],
    [6.1, 2.9, 4.7, 1.4],
    [5.6, 2.9, 3.6, 1.3],
    [6.7, 3.1, 4.4, 1.4],
    [5.6, 3.0, 4.5, 1.5],
    [5.8, 2.7, 4.1, 1.0],
    [6.2, 2.2, 4.5, 1.5],
    [5.6, 2.5, 3.9, 1.1],
    [5.9, 3.2, 4.8, 1.8],
    [6.1, 2.8, 4.0, 1.3],
    [6.3, 2.5, 4.9, 1.5],
    [6.1, 2.8, 4.7, 1.2],
    [6.4, 2.9, 4.3, 1.3],
    [6.6, 3.0, 4.4, 1.4],
    [6.8, 2.8, 4.8, 1.4],
    [6.7, 3.0, 5.0, 1.7],
    [6.0, 2.9, 4.5, 1.5],
    [5.7, 2.6, 3.5, 1.0],
    [5.5, 2.4, 3.8, 1.1],
    [5.5, 2.4, 3.7, 1.0],
    [5.8, 2.7, 3.9, 1.2],
    [6.0, 2.7, 5.1, 1.6],
    [5.4, 3.0, 4.5, 1.5],
    [6.0, 3.4, 4.5, 1.6],
    [6.7, 3.1, 4.7, 1.5],
    [6.3, 2.3, 4.4, 1.3],
    [5.6, 3.0, 4.1, 1.3],
    [5.5, 2.5, 4.0, 1.3],
    [5.5, 2.6, 4.4, 1.2],
    [6.1, 3.0, 4.6, 1.4],
    [5.8, 2.6, 4.0, 1.2],
    [5.0, 2.3, 3.3, 1.0],
    [5.6, 2.7, 4.2, 1.3],
    [5.7, 3.0, 4.2, 1.2],
    [5.7, 2.9, 4.2, 1.3],
    [6.2, 2.9, 4.3, 1.3],
    [5.1, 2.5, 3.0, 1.1],
    [5.7, 2.8, 4.1, 1.3],
    [6.3, 3.3, 6.0, 2.5],
    [5.8, 2.7, 5.1, 1.9],
    [7.1, 3.0, 5.9, 2.1],
    [6.3, 2.9, 5.6, 1.8],
    [6.5, 3.0, 5.8, 2.2],
    [7.6, 3.0, 6.6, 2.1],
    [4.9, 2.5, 4.5, 1.7],
    [7.3, 2.9, 6.3, 1.8],
    [6.7, 2.5, 5.8, 1.8],
    [7.2, 3.6, 6.1, 2.5],
    [6.5, 3.2, 5.1, 2.0],
    [6.4, 2.7, 5.3, 1.9],
    [6.8, 3.0, 5.5, 2.1],
    [5.7, 2.5, 5.0, 2.0],
    [5.8, 2.8, 5.1, 2.4],
    [6.4, 3.2, 5.3, 2.3],
    [6.5, 3.0, 5.5, 1.8],
    [7.7, 3.8, 6.7, 2.2],
    [7.7, 2.6, 6.9, 2.3],
    [6.0, 2.2, 5.0, 1.5],
    [6.9, 3.2, 5.7, 2.3],
    [5.6, 2.8, 4.9, 2.0],
    [7.7, 2.8, 6.7, 2.0],
    [6.3, 2.7, 4.9, 1.8],
    [6.7, 3.3, 5.7, 2.1],
    [7.2, 3.2, 6.0, 1.8],
    [6.2, 2.8, 4.8, 1.8],
    [6.1, 3.0, 4.9, 1.8],
    [6.4, 2.8, 5.6, 2.1],
    [7.2, 3.0, 5.8, 1.6],
    [7.4, 2.8, 6.1, 1.9],
    [7.9, 3.8, 6.4, 2.0],
    [6.4, 2.8, 5.6, 2.2],
    [6.3, 2.8, 5.1, 1.5],
    [6.1, 2.6, 5.6, 1.4],
    [7.7, 3.0, 6.1, 2.3],
    [6.3, 3.4, 5.6, 2.4],
    [6.4, 3.1, 5.5, 1.8],
    [6.0, 3.0, 4.8, 1.8],
    [6.9, 3.1, 5.4, 2.1],
    [6.7, 3.1, 5.6, 2.4],
    [6.9, 3.1, 5.1, 2.3],
    [5.8, 2.7, 5.1, 1.9],
    [6.8, 3.2, 5.9, 2.3],
    [6.7, 3.3, 5.7, 2.5],
    [6.7, 3.0, 5.2, 2.3],
    [6.3, 2.5, 5.0, 1.9],
    [6.5, 3.0, 5.2, 2.0],
    [6.2, 3.4, 5.4, 2.3],
    [5.9, 3.0, 5.1, 1.8],
];

fn iris() -> Points {
    Points::new(4, IRIS.iter().flatten().copied().collect()).unwrap()
}

/// (k, inertia, silhouette, sizes largest first) of scikit-learn on the raw data.
const RAW: [(usize, f64, f64, &[usize]); 3] = [
    (2, 152.3479517603579, 0.6810461692117462, &[97, 53]),
    (3, 78.851441426146, 0.5528190123564095, &[62, 50, 38]),
    (4, 57.22847321428572, 0.49805050499728737, &[50, 40, 32, 28]),
];

/// The same on the z-scores (`StandardScaler`). k = 4 is left out: there scikit-learn's
/// best of 10 starts (114.0925) is luck — 3 of 100 single starts reach it, in scikit-learn
/// (`n_init=1, random_state=0..99`) as here, and one reaches a lower 114.0922.
const STANDARDISED: [(usize, f64, f64, &[usize]); 2] = [
    (2, 222.36170496502302, 0.5817500491982808, &[100, 50]),
    (3, 139.82049635974982, 0.45994823920518635, &[53, 50, 47]),
];

#[track_caller]
fn close(a: f64, b: f64) {
    assert!((a - b).abs() <= 1e-9 * b.abs().max(1.0), "{a} ≠ {b}");
}

fn check(points: &Points, reference: &[(usize, f64, f64, &[usize])]) {
    for &(k, inertia, s, sizes) in reference {
        let km = kmeans(
            points,
            &KMeansSettings {
                k,
                ..Default::default()
            },
        )
        .unwrap();
        close(km.inertia, inertia);
        close(silhouette(points, &km.labels, k).unwrap(), s);
        assert_eq!(km.sizes, sizes, "k = {k}");
    }
}

#[test]
fn iris_raw_matches_scikit_learn() {
    let x = iris();
    check(&x, &RAW);
    // The k = 3 centres, largest cluster first.
    let km = kmeans(
        &x,
        &KMeansSettings {
            k: 3,
            ..Default::default()
        },
    )
    .unwrap();
    let centres = [
        [
            5.901612903225806,
            2.7483870967741937,
            4.393548387096774,
            1.4338709677419355,
        ],
        [5.006, 3.428, 1.4620000000000002, 0.24600000000000055],
        [
            6.85,
            3.0736842105263156,
            5.742105263157894,
            2.0710526315789473,
        ],
    ];
    for (c, expected) in centres.iter().enumerate() {
        for (got, want) in km.centroids.row(c).iter().zip(expected) {
            close(*got, *want);
        }
    }
}

#[test]
fn iris_standardised_matches_scikit_learn() {
    let x = iris();
    let s = Standardiser::fit(&x, &[Transform::Identity; 4]);
    check(&s.transform(&x), &STANDARDISED);
}

#[test]
fn silhouette_picks_two_on_iris_as_scikit_learn_does() {
    // The best silhouette over 2..=6 is k = 2 (0.681), famously not the three species.
    let settings = ClusterSettings {
        k: KChoice::Range { from: 2, to: 6 },
        ..Default::default()
    };
    let c = cluster(&iris(), &settings).unwrap();
    assert_eq!(c.k, 2);
    close(c.silhouette.unwrap(), RAW[0].2);
    assert_eq!(c.candidates.len(), 5);
}
