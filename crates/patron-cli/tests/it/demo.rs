//! The demo end to end: generate, import, analyse; then find a planted duplicate, merge it and
//! undo the merge.

use crate::support::patron;

#[test]
fn demo_then_quality_then_merge_and_undo() {
    let dir = tempfile::tempdir().unwrap();
    let project = dir.path().join("shop");
    let p = project.to_str().unwrap();
    let out = patron(dir.path(), &["demo", p, "--customers", "2000", "--json"])
        .ok()
        .json();
    assert_eq!(out["generated"]["customers"], 2000);
    let imported: u64 = out["import"]["sources"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["imported"].as_u64().unwrap())
        .sum();
    let g = &out["generated"];
    let generated: u64 = [
        "customers",
        "order_lines",
        "events",
        "tickets",
        "invoices",
        "outcomes",
    ]
    .iter()
    .map(|k| g[*k].as_u64().unwrap())
    .sum();
    assert_eq!(imported, generated, "every generated row is imported");
    let segments: u64 = out["rfm"]["segments"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["customers"].as_u64().unwrap())
        .sum();
    assert!(
        segments > 1000,
        "most customers have an RFM segment: {segments}"
    );
    assert!(out["margin"]["cost_of_goods"].as_f64().unwrap() > 0.0);

    // The same seed gives the same company: a second demo run reports identical analyses.
    let again = patron(
        dir.path(),
        &["demo", p, "--customers", "2000", "--json", "--force"],
    )
    .ok()
    .json();
    assert_eq!(out["rfm"], again["rfm"]);
    assert_eq!(out["margin"], again["margin"]);

    // CLV valued by gross margin is below CLV valued by revenue (goods cost something).
    let clv = |value: &str| {
        let args = [
            "clv", "predict", "--model", "bgnbd", "--value", value, "--json",
        ];
        patron(&project, &args).ok().json()["totals"]["clv"]
            .as_f64()
            .unwrap()
    };
    let (by_revenue, by_margin) = (clv("revenue"), clv("margin"));
    assert!(
        0.0 < by_margin && by_margin < by_revenue,
        "{by_margin} vs {by_revenue}"
    );
    assert!(out["clv"]["selection"]["chosen"].is_string());

    let quality = patron(&project, &["quality", "--json", "--limit", "5"])
        .ok()
        .json();
    let pairs = quality["duplicate_candidates"].as_array().unwrap();
    assert!(!pairs.is_empty(), "the demo plants duplicate customers");
    let (keep, drop) = (
        pairs[0]["a"].as_str().unwrap(),
        pairs[0]["b"].as_str().unwrap(),
    );

    let before = patron(&project, &["status", "--json"]).ok().json();
    let merged = patron(&project, &["merge", keep, drop, "--json"])
        .ok()
        .json();
    let after = patron(&project, &["status", "--json"]).ok().json();
    assert_eq!(
        after["customers"].as_u64().unwrap(),
        before["customers"].as_u64().unwrap() - 1
    );
    assert_eq!(
        after["order_lines"], before["order_lines"],
        "facts move, none is lost"
    );
    let undo = patron(
        &project,
        &["merge", "--undo", &merged["id"].to_string(), "--json"],
    )
    .ok()
    .json();
    assert!(undo["reverted_at"].is_string());
    let restored = patron(&project, &["status", "--json"]).ok().json();
    assert_eq!(restored["customers"], before["customers"]);
    let list = patron(&project, &["merge", "--list", "--json"]).ok().json();
    assert_eq!(list.as_array().unwrap().len(), 1);
}
