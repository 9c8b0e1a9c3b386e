//! `patron clusters` on a small demo company: k chosen by silhouette, every purchasing
//! customer in exactly one described cluster, the same answer twice.

use crate::support::{demo_project, patron};
use serde_json::Value;

#[test]
fn clusters_of_a_small_demo() {
    let dir = tempfile::tempdir().unwrap();
    let project = demo_project(dir.path(), "2000");

    let out = patron(&project, &["clusters", "--json"]).ok().json();
    let k = out["k"].as_u64().unwrap() as usize;
    assert!((2..=8).contains(&k), "k = {k}");
    assert_eq!(out["chosen_by"], "silhouette");
    let candidates = out["candidates"].as_array().unwrap();
    assert_eq!(candidates.len(), 7);
    let best = candidates
        .iter()
        .map(|c| c["silhouette"].as_f64().unwrap())
        .fold(f64::NEG_INFINITY, f64::max);
    assert_eq!(out["silhouette"].as_f64().unwrap(), best);

    let clustered = out["customers_clustered"].as_u64().unwrap();
    let without = out["without_purchase"].as_u64().unwrap();
    assert!(clustered > 1_000 && without > 0, "{clustered} / {without}");
    let clusters = out["clusters"].as_array().unwrap();
    assert_eq!(clusters.len(), k);
    let sizes: Vec<u64> = clusters
        .iter()
        .map(|c| c["size"].as_u64().unwrap())
        .collect();
    assert_eq!(sizes.iter().sum::<u64>(), clustered);
    assert!(sizes.windows(2).all(|w| w[0] >= w[1]), "largest first");
    for c in clusters {
        assert!(!c["description"].as_str().unwrap().is_empty());
        for f in [
            "recency_days",
            "frequency",
            "monetary",
            "tenure_days",
            "categories",
            "tickets",
            "events",
        ] {
            assert!(c["centroid"][f].is_f64() && c["mean"][f].is_f64(), "{f}");
        }
        assert!(c["mean"]["frequency"].as_f64().unwrap() >= 1.0);
    }
    // The clusters differ in what they are: their descriptions are distinct.
    let mut words: Vec<&str> = clusters
        .iter()
        .map(|c| c["description"].as_str().unwrap())
        .collect();
    words.sort();
    words.dedup();
    assert_eq!(words.len(), k, "{words:?}");
    let customers = out["customers"].as_array().unwrap();
    assert_eq!(customers.len() as u64, clustered);
    assert!(
        customers
            .iter()
            .all(|c| (c["cluster"].as_u64().unwrap() as usize) < k)
    );

    // A given k, twice: the same document.
    let run = |args: &[&str]| -> Value { patron(&project, args).ok().json() };
    let three = run(&["clusters", "--k", "3", "--json"]);
    assert_eq!(three["k"], 3);
    assert_eq!(three["chosen_by"], "given");
    assert_eq!(three["clusters"].as_array().unwrap().len(), 3);
    assert_eq!(three, run(&["clusters", "--k", "3", "--json"]));

    // The text report, and a bad range is a usage error.
    let text = patron(&project, &["clusters", "--k-range", "2..3"]).ok();
    assert!(text.stdout.contains("best silhouette"), "{}", text.stdout);
    let bad = patron(&project, &["clusters", "--k-range", "1..3"]);
    assert_eq!(bad.code, 2, "{}", bad.stderr);
}
