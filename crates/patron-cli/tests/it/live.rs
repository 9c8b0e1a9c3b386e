//! One scoring path: every customer's card computed alone — their own facts read through the
//! store's indexes, against the run's stored snapshot — equals their card in the batch run,
//! field for field, for every customer; and the rules' property conditions reach the cards.

use crate::support::{demo_project, patron, repo};
use serde_json::Value;
use std::collections::BTreeMap;

/// `patron bench live --all`: every customer of the latest run (or of `--run N` in `after`)
/// scored alone and compared.
fn check_all(project: &std::path::Path, before: &[&str], after: &[&str]) -> Value {
    let mut all = before.to_vec();
    all.extend_from_slice(&["bench", "live", "--all", "--json"]);
    all.extend_from_slice(after);
    patron(project, &all).ok().json()
}

fn assert_all_identical(check: &Value, customers: u64) {
    assert_eq!(check["checked"], customers, "{check}");
    assert_eq!(check["identical"], customers, "{check}");
    assert_eq!(check["differing"].as_array().map(Vec::len), Some(0));
}

#[test]
fn every_demo_customer_scored_alone_equals_the_batch_run() {
    let dir = tempfile::tempdir().unwrap();
    let project = demo_project(dir.path(), "3000");
    // Run 1 (the demo's): BTYD churn risk.
    let check = check_all(&project, &[], &[]);
    let n = check["checked"].as_u64().unwrap();
    assert!((2500..=3000).contains(&n), "{check}");
    assert_all_identical(&check, n);

    // With a trained churn model, a previous run (previous tiers) and an older as_of.
    patron(&project, &["models", "train", "churn", "--json", "--quiet"]).ok();
    let run = patron(&project, &["score", "--json", "--quiet"])
        .ok()
        .json();
    // The demo's rules fire on event types its data has (`whitepaper` was never one).
    assert_eq!(
        run["warnings"],
        serde_json::json!([]),
        "{}",
        run["warnings"]
    );
    assert_all_identical(&check_all(&project, &[], &[]), n);
    let latest = run["run"].as_i64().unwrap();
    let past = patron(
        &project,
        &["score", "--as-of", "2025-10-01", "--json", "--quiet"],
    )
    .ok()
    .json();
    // A back-dated run is not "the latest": it is named.
    let run = past["run"].to_string();
    let older = check_all(&project, &[], &["--run", &run]);
    let m = older["checked"].as_u64().unwrap();
    assert!(m > 1000 && m < n, "{older}");
    assert_all_identical(&older, m);

    // `show --live` reports identical.
    let id = "C000002";
    let shown = patron(&project, &["show", id, "--live", "--json"])
        .ok()
        .json();
    assert_eq!(shown["live"]["equal"], true, "{shown}");

    // A frozen run fits nothing: on unchanged facts its cards are the latest run's, card for
    // card, and every one equals the card scored alone against it.
    let frozen = patron(&project, &["score", "--frozen", "--json", "--quiet"])
        .ok()
        .json();
    assert_eq!(frozen["frozen"]["from_run"], latest, "{frozen}");
    let export = |run: &str| {
        patron(&project, &["export", "--format", "json", "--run", run])
            .ok()
            .stdout
    };
    assert_eq!(
        export(&latest.to_string()),
        export(&frozen["run"].to_string())
    );
    assert_eq!(
        patron(&project, &["score", "--frozen", "latest-but-one"]).code,
        2
    );
}

#[test]
fn b2b_leads_cards_equal_alone_and_carry_the_url_rule_points() {
    let project = repo().join("examples/b2b_leads");
    let store = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", store.path().join("patron.db").display());
    let run = |args: &[&str]| {
        let mut all = vec!["--store", url.as_str()];
        all.extend_from_slice(args);
        patron(&project, &all).ok().json()
    };
    run(&["import", "--json", "--quiet"]);
    run(&["score", "--as-of", "2026-03-01", "--json", "--quiet"]);
    assert_all_identical(&check_all(&project, &["--store", url.as_str()], &[]), 60);

    // The cards' engagement points are the rules' (which include the /pricing* URL rule).
    let scores = run(&["rules", "score", "--as-of", "2026-03-01", "--json"]);
    let by_rules: BTreeMap<String, f64> = scores["customers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            (
                c["customer_id"].as_str().unwrap().to_owned(),
                c["scores"]["engagement"].as_f64().unwrap(),
            )
        })
        .collect();
    // L001 visited /pricing 30 days before as_of: 10 points halved once (see b2b_leads.rs).
    let card = run(&["show", "L001", "--json"]);
    let engagement = card["card"]["scores"]["engagement"].as_f64().unwrap();
    assert!((engagement - 30.0).abs() < 1e-4, "{card}");
    for (id, points) in &by_rules {
        let card = run(&["show", id, "--json"]);
        let on_card = card["card"]["scores"]["engagement"].as_f64().unwrap();
        assert!(
            (on_card - points).abs() < 1e-4,
            "{id}: card {on_card}, rules {points}"
        );
    }
}

#[test]
fn abc_score_and_demo_give_every_customer_the_same_class() {
    let dir = tempfile::tempdir().unwrap();
    let project = demo_project(dir.path(), "2000");
    let abc = patron(&project, &["abc", "--json"]).ok().json();
    let by_abc: BTreeMap<String, String> = abc["customers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            (
                c["customer_id"].as_str().unwrap().to_owned(),
                c["class"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    let cards = patron(&project, &["export", "--format", "json"])
        .ok()
        .json();
    let mut compared = 0;
    for card in cards.as_array().unwrap() {
        let id = card["customer_id"].as_str().unwrap();
        let class = card["abc"].as_str();
        assert_eq!(class, by_abc.get(id).map(String::as_str), "{id}");
        compared += usize::from(class.is_some());
    }
    assert_eq!(compared, by_abc.len());
    // The demo's report counts the same classes.
    let demo = patron(
        dir.path(),
        &[
            "demo",
            dir.path().join("again").to_str().unwrap(),
            "--customers",
            "2000",
            "--json",
            "--quiet",
        ],
    )
    .ok()
    .json();
    let counts: Vec<u64> = abc["classes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["customers"].as_u64().unwrap())
        .collect();
    let demo_counts: Vec<u64> = demo["abc"]["classes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["customers"].as_u64().unwrap())
        .collect();
    assert_eq!(counts, demo_counts);
}
