//! Timing on a million points (ignored by default; run with optimisation):
//! `CARGO_PROFILE_DEV_OPT_LEVEL=2 cargo test -p patron-engine --lib cluster::tests::bench -- --ignored --nocapture`

use crate::cluster::{ClusterSettings, Points, cluster};
use patron_core::random::Rng;
use std::time::Instant;

#[test]
#[ignore = "a benchmark: run it with --ignored and optimisation"]
fn a_million_customers() {
    let (n, d, blobs) = (1_000_000, 7, 5);
    let mut rng = Rng::seeded(9);
    let centres: Vec<Vec<f64>> = (0..blobs)
        .map(|_| (0..d).map(|_| 3.0 * rng.normal()).collect())
        .collect();
    let mut values = Vec::with_capacity(n * d);
    for _ in 0..n {
        let c = &centres[rng.below(blobs as u64) as usize];
        values.extend(c.iter().map(|x| x + rng.normal()));
    }
    let points = Points::new(d, values).unwrap();
    let start = Instant::now();
    let c = cluster(&points, &ClusterSettings::default()).unwrap();
    eprintln!(
        "{n} points × {d}: k = {} (silhouette {:.3}), {} iterations, {:.2} s on {} threads",
        c.k,
        c.silhouette.unwrap(),
        c.kmeans.iterations,
        start.elapsed().as_secs_f64(),
        rayon::current_num_threads()
    );
    assert_eq!(c.k, blobs);
}
