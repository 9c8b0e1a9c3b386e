//! `patron basket --offers` learns from the demo's answers to offers: a product declined in
//! the last 90 days is not offered again, and scores carry the product's acceptance weight.

use crate::support::{demo_project, patron};
use patron_core::Timestamp;
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};

const AS_OF: &str = "2026-06-01";

#[test]
fn offers_leave_out_recent_declines_and_weigh_acceptance() {
    let dir = tempfile::tempdir().unwrap();
    let project = demo_project(dir.path(), "2000");

    // From the demo's outcome file: offer answers before the as-of date, and the declines of
    // the last 90 days per customer.
    let as_of = Timestamp::parse_flexible(AS_OF).unwrap();
    let text = std::fs::read_to_string(project.join("data/outcomes.csv")).unwrap();
    let mut answered = 0;
    let mut recent: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for line in text.lines().skip(1) {
        let f: Vec<&str> = line.split(',').collect();
        let (customer, kind, at, label) = (f[0], f[1], f[2], f[3]);
        let at = Timestamp::parse_flexible(at).unwrap();
        if !kind.starts_with("offer_") || at >= as_of {
            continue;
        }
        answered += 1;
        if kind == "offer_declined" && as_of.day_number() - at.day_number() < 90 {
            recent
                .entry(customer.to_owned())
                .or_default()
                .insert(label.to_owned());
        }
    }
    assert!(recent.len() >= 10, "the demo declines offers: {recent:?}");

    let run = |extra: &[&str]| -> Value {
        let mut args = vec![
            "basket",
            "--min-support",
            "0.001",
            "--top",
            "20",
            "--as-of",
            AS_OF,
            "--json",
        ];
        args.extend_from_slice(extra);
        for c in recent.keys() {
            args.extend(["--offers", c.as_str()]);
        }
        patron(&project, &args).ok().json()
    };
    let learned = run(&[]);
    let plain = run(&["--no-learning"]);
    let l = &learned["offer_learning"];
    assert_eq!(l["enabled"], true);
    assert_eq!(l["answered"].as_u64().unwrap(), answered);
    assert_eq!(plain["offer_learning"]["enabled"], false);

    let items = |o: &Value| -> Vec<String> {
        o["offers"]
            .as_array()
            .unwrap()
            .iter()
            .map(|x| x["item"].as_str().unwrap().to_owned())
            .collect()
    };
    let mut would_have_been_offered = 0;
    let mut reweighted = 0;
    for (i, (customer, declined)) in recent.iter().enumerate() {
        let (lo, po) = (&learned["offers"][i], &plain["offers"][i]);
        assert_eq!(lo["customer_id"], customer.as_str());
        let listed: BTreeSet<String> = lo["recently_declined"]
            .as_array()
            .unwrap()
            .iter()
            .map(|d| d["item"].as_str().unwrap().to_owned())
            .collect();
        assert_eq!(&listed, declined, "{customer}");
        let offered = items(lo);
        assert!(offered.iter().all(|x| !declined.contains(x)), "{customer}");
        would_have_been_offered += items(po).iter().filter(|x| declined.contains(*x)).count();
        for o in lo["offers"].as_array().unwrap() {
            let w = o["acceptance_weight"].as_f64().unwrap();
            let expected =
                o["confidence"].as_f64().unwrap() * o["unit_margin"].as_f64().unwrap() * w;
            assert!((o["score"].as_f64().unwrap() - expected).abs() < 1e-9);
            assert!(w > 0.0);
            reweighted += usize::from((w - 1.0).abs() > 1e-9);
        }
        for o in po["offers"].as_array().unwrap() {
            assert_eq!(o["acceptance_weight"], 1.0);
        }
    }
    assert!(would_have_been_offered > 0, "the filter is tested");
    assert!(reweighted > 0, "acceptance rates move scores");
}
