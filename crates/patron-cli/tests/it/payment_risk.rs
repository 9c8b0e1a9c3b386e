//! `patron payment-risk` on a small demo: the evidence of every customer recomputed from the
//! demo's invoice file, the model adding up, and calibration once default outcomes exist.

use crate::support::{demo_project, patron};
use patron_core::Timestamp;
use serde_json::Value;
use std::collections::BTreeMap;
use std::io::Write;

const AS_OF: &str = "2026-06-01";

/// Per customer from `invoices.csv`: (invoices, paid, paid late, due, late, open overdue,
/// days past due of the oldest open overdue invoice) as of `AS_OF`.
fn expected_evidence(text: &str) -> BTreeMap<String, [i64; 7]> {
    let as_of = Timestamp::parse_flexible(AS_OF).unwrap();
    let today = as_of.day_number();
    let day = |s: &str| Timestamp::parse_flexible(s).unwrap();
    let mut out: BTreeMap<String, [i64; 7]> = BTreeMap::new();
    for line in text.lines().skip(1) {
        let f: Vec<&str> = line.split(',').collect();
        let (customer, issued, due, paid) = (f[1], day(f[2]), day(f[3]), f[4]);
        if issued >= as_of {
            continue;
        }
        let e = out.entry(customer.to_owned()).or_default();
        e[0] += 1;
        let paid = (!paid.is_empty()).then(|| day(paid)).filter(|p| *p < as_of);
        let is_due = due.day_number() < today;
        let late = match paid {
            Some(p) => {
                e[1] += 1;
                let late = p.day_number() > due.day_number();
                e[2] += i64::from(late);
                late
            }
            None if is_due => {
                e[5] += 1;
                e[6] = e[6].max(today - due.day_number());
                true
            }
            None => false,
        };
        if is_due {
            e[3] += 1;
            e[4] += i64::from(late);
        }
    }
    out
}

fn risk(project: &std::path::Path, as_of: &str) -> Value {
    patron(project, &["payment-risk", "--as-of", as_of, "--json"])
        .ok()
        .json()
}

#[test]
fn payment_risk_of_a_small_demo() {
    let dir = tempfile::tempdir().unwrap();
    let project = demo_project(dir.path(), "2000");
    let invoices = std::fs::read_to_string(project.join("data/invoices.csv")).unwrap();
    let expected = expected_evidence(&invoices);

    let out = risk(&project, AS_OF);
    assert_eq!(out["calibration"]["calibrated"], false);
    let customers = out["customers"].as_array().unwrap();
    assert_eq!(
        customers.len(),
        expected.len(),
        "one row per invoiced customer"
    );
    let b = &out["bands"];
    let bands = [&b["low"], &b["medium"], &b["high"]].map(|v| v.as_u64().unwrap());
    assert_eq!(bands.iter().sum::<u64>(), customers.len() as u64);
    assert!(bands[2] > 0 && bands[0] > bands[2], "{bands:?}");
    for c in customers {
        let id = c["customer_id"].as_str().unwrap();
        let e = &c["evidence"];
        let got = [
            "invoices",
            "paid",
            "paid_late",
            "due",
            "late",
            "open_overdue_count",
            "max_days_overdue",
        ]
        .map(|k| e[k].as_i64().unwrap());
        assert_eq!(got, expected[id], "{id}");
        let sum: f64 = c["contributions"]
            .as_array()
            .unwrap()
            .iter()
            .map(|t| t["log_odds"].as_f64().unwrap())
            .sum::<f64>()
            + c["intercept"].as_f64().unwrap();
        assert!((sum - c["log_odds"].as_f64().unwrap()).abs() < 1e-9);
        let prob = c["probability"].as_f64().unwrap();
        assert_eq!(prob, c["model_probability"].as_f64().unwrap());
        assert!((c["score"].as_f64().unwrap() - 100.0 * prob).abs() < 1e-9);
        let band = if prob >= 0.40 {
            "high"
        } else if prob >= 0.15 {
            "medium"
        } else {
            "low"
        };
        assert_eq!(c["band"], band, "{id}");
    }

    // Write off the 15 riskiest and 3 of the safest customers of a year earlier within the
    // year before the as-of date: the probabilities are now calibrated on those outcomes.
    let before = risk(&project, "2025-06-01");
    let mut ranked: Vec<(f64, &str)> = before["customers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            (
                c["probability"].as_f64().unwrap(),
                c["customer_id"].as_str().unwrap(),
            )
        })
        .collect();
    ranked.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(b.1)));
    let written_off: Vec<&str> = ranked[..15]
        .iter()
        .chain(&ranked[ranked.len() - 3..])
        .map(|r| r.1)
        .collect();
    let mut file = std::fs::OpenOptions::new()
        .append(true)
        .open(project.join("data/outcomes.csv"))
        .unwrap();
    for id in &written_off {
        writeln!(file, "{id},written_off,2026-03-15 12:00:00,").unwrap();
    }
    drop(file);
    patron(&project, &["import", "--quiet"]).ok();
    let after = risk(&project, AS_OF);
    let cal = &after["calibration"];
    assert_eq!(cal["calibrated"], true, "{cal}");
    assert!(cal["positives"].as_u64().unwrap() >= 10, "{cal}");
    assert_eq!(cal["cutoff"], "2025-06-01T00:00:00Z");
    let moved = after["customers"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["probability"] != c["model_probability"])
        .count();
    assert!(moved > 0);
}
