//! The B2B lead example: fit and engagement scores, MQL/SQL stages and the sales hand-over,
//! checked on hand-made leads against values computed by hand (see examples/b2b_leads).

use crate::support::{patron, repo};
use serde_json::Value;

fn lead<'a>(scores: &'a Value, id: &str) -> &'a Value {
    scores["customers"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["customer_id"] == id)
        .unwrap_or_else(|| panic!("no lead {id}"))
}

#[test]
fn b2b_leads_score_and_stage_exactly() {
    let project = repo().join("examples/b2b_leads");
    let store = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", store.path().join("patron.db").display());
    let run = |args: &[&str]| {
        let mut all = vec!["--store", url.as_str()];
        all.extend_from_slice(args);
        patron(&project, &all).ok().json()
    };
    let import = run(&["import", "--json", "--quiet"]);
    assert_eq!(import["sources"][0]["imported"], 60, "{import}");
    let scores = run(&["rules", "score", "--as-of", "2026-03-01", "--json"]);

    // (lead, fit, engagement, stage), as of 2026-03-01. Engagement awards halve every 30 days.
    let expected = [
        // 500 employees +20, Software +15, CTO +20; whitepaper 60 d ago 10 → 2.5, webinar
        // 30 d ago 15 → 7.5, /pricing 30 d ago 10 → 5 (the /pricing/enterprise view two hours
        // later is the same day: no points), demo request 30 d ago 30 → 15.
        ("L001", 55.0, 30.0, "SQL"),
        // 120 employees +10, Finance +15, "Head of …" +20; /pricing 90 d ago 10 → 1.25,
        // /blog/pricing-tips (not "/pricing*") 0, whitepaper 30 d ago 10 → 5: 51.25 in total.
        ("L002", 45.0, 6.25, "MQL"),
        // 300 employees +20, Manufacturing +15, "VP …" +20; a demo request 180 d ago
        // 30 → 0.46875 and no buying signal in 60 days −10. It reached SQL then (55 + 30) and
        // stays there (forward only) although 55 − 9.53125 is below 50 now.
        ("L003", 55.0, -9.53125, "SQL"),
        // 8 employees −10, Education 0, Intern −20; whitepaper 30 d ago 10 → 5, the
        // unsubscribe −20 does not decay.
        ("L004", -30.0, -15.0, "lead"),
        // No attributes: every comparison with a missing value is false; no signal in 60 days.
        ("L005", 0.0, -10.0, "lead"),
    ];
    for (id, fit, engagement, stage) in expected {
        let l = lead(&scores, id);
        assert_eq!(l["scores"]["fit"].as_f64(), Some(fit), "{id}: {l}");
        assert_eq!(
            l["scores"]["engagement"].as_f64(),
            Some(engagement),
            "{id}: {l}"
        );
        assert_eq!(l["stages"]["funnel"], stage, "{id}: {l}");
    }

    // L001 went lead → MQL with the whitepaper (55 + 10 − 10 was 45 before it: no signal yet)
    // and MQL → SQL on 2026-01-30 (55 + 5 + 15 + 10 + 30 = 115), which hands it over to sales.
    let explain = run(&["explain", "L001", "--as-of", "2026-03-01", "--json"]);
    let transitions: Vec<&str> = explain["transitions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t.as_str().unwrap())
        .collect();
    assert_eq!(transitions.len(), 3, "{transitions:?}");
    assert!(
        transitions[1].starts_with("funnel: lead → MQL on 2025-12-31"),
        "{transitions:?}"
    );
    assert!(
        transitions[2].starts_with("funnel: MQL → SQL on 2026-01-30"),
        "{transitions:?}"
    );
    let outbox = &explain["outbox"];
    assert_eq!(outbox.as_array().unwrap().len(), 1);
    assert_eq!(outbox[0]["trigger"], "hand over to sales");
    assert_eq!(outbox[0]["action"], "webhook:crm-sales");
    assert_eq!(outbox[0]["at"], "2026-01-30T00:00:00Z");
    // Leads that never reached SQL are not handed over.
    for id in ["L002", "L004", "L005"] {
        let e = run(&["explain", id, "--as-of", "2026-03-01", "--json"]);
        assert_eq!(e["outbox"], serde_json::json!([]), "{id}");
    }

    // Published, the same values are stored and the hand-overs are queued once each.
    let published = run(&["rules", "publish", "--as-of", "2026-03-01", "--json"]);
    assert_eq!(published["state"], "started");
    let stored = run(&["rules", "stored", "--json"]);
    assert_eq!(stored["customers"], scores["customers"]);
    let outbox = run(&["rules", "outbox", "--json"]);
    let queued: Vec<&str> = outbox["entries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["customer"].as_str().unwrap())
        .collect();
    assert!(
        queued.contains(&"L001") && queued.contains(&"L003"),
        "{queued:?}"
    );
    assert_eq!(queued.len() as u64, scores["outbox"].as_u64().unwrap());
}
