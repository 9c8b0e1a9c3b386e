//! Churn on the demo: trained on the store's history, tested on a later holdout period, reasons
//! checked against the raw CSV files; the registry, the decay report and feedback import.

use crate::support::patron;
use patron_core::Timestamp;
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

/// Demo end (exclusive), the default `as_of`.
const END: &str = "2026-06-30";

/// Seconds of every non-return order of each customer (distinct order ids) from orders.csv.
fn orders(dir: &Path) -> BTreeMap<String, Vec<(String, i64)>> {
    let mut out: BTreeMap<String, BTreeSet<(i64, String)>> = BTreeMap::new();
    let mut reader = csv::Reader::from_path(dir.join("data/orders.csv")).unwrap();
    for r in reader.records() {
        let r = r.unwrap();
        let (order, customer, ts, quantity) = (&r[0], &r[2], &r[3], &r[6]);
        if quantity.starts_with('-') {
            continue;
        }
        let t = Timestamp::parse_flexible(ts).unwrap().secs();
        out.entry(customer.to_owned())
            .or_default()
            .insert((t, order.to_owned()));
    }
    out.into_iter()
        .map(|(c, set)| {
            let mut first: BTreeMap<String, i64> = BTreeMap::new();
            for (t, o) in set {
                first.entry(o).or_insert(t);
            }
            let mut by_time: Vec<(String, i64)> = first.into_iter().collect();
            by_time.sort_by_key(|o| o.1);
            (c, by_time)
        })
        .collect()
}

/// "… fell from A to B" → (A, B).
fn fell(text: &str) -> Option<(u64, u64)> {
    let rest = text.split("fell from ").nth(1)?;
    let (a, b) = rest.split_once(" to ")?;
    Some((a.trim().parse().ok()?, b.trim().parse().ok()?))
}

#[test]
fn churn_model_on_the_demo() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("shop");
    let d = dir.to_str().unwrap();
    patron(
        tmp.path(),
        &["demo", d, "--customers", "3000", "--quiet", "--json"],
    )
    .ok();

    let out = patron(&dir, &["models", "train", "churn", "--json"])
        .ok()
        .json();
    let r = &out["report"];
    let holdout_auc = r["holdout"]["gbm"]["roc_auc"].as_f64().unwrap();
    let cv_auc = r["cv_gbm"]["roc_auc_mean"].as_f64().unwrap();
    // Measured: holdout 0.83, CV 0.84 (logistic 0.83 / 0.81) on this demo.
    assert!(holdout_auc > 0.75, "holdout AUC {holdout_auc}");
    assert!(cv_auc > 0.75, "CV AUC {cv_auc}");
    assert!(r["holdout"]["logistic"]["roc_auc"].as_f64().unwrap() > 0.7);
    assert_eq!(r["holdout"]["cutoff"], "2026-01-01T00:00:00Z");
    assert_eq!(out["model"]["version"], 1);
    let id = out["model"]["id"].as_i64().unwrap();
    let predictions = out["predictions"].as_array().unwrap();
    assert!(predictions.len() > 1000);
    let p: Vec<f64> = predictions
        .iter()
        .map(|p| p["probability"].as_f64().unwrap())
        .collect();
    assert!(p.windows(2).all(|w| w[0] >= w[1]) && p.iter().all(|p| (0.0..=1.0).contains(p)));

    // Every reason of every customer, checked against the raw order file.
    let all = patron(
        &dir,
        &["models", "predict", "churn", "--top", "100", "--json"],
    )
    .ok()
    .json();
    assert_eq!(all["model"]["id"].as_i64(), Some(id));
    let orders = orders(&dir);
    let end = Timestamp::parse_flexible(END).unwrap();
    let (t90, t180) = (end.plus_days(-90).secs(), end.plus_days(-180).secs());
    let (mut falling, mut recency_checked) = (0, 0);
    for prediction in all["predictions"].as_array().unwrap() {
        let customer = prediction["customer_id"].as_str().unwrap();
        let mine = &orders[customer];
        let reasons = prediction["reasons"].as_array().unwrap();
        let total: f64 = reasons
            .iter()
            .map(|r| r["contribution"].as_f64().unwrap())
            .sum();
        assert!(total.is_finite());
        for reason in reasons {
            let text = reason["text"].as_str().unwrap();
            match reason["feature"].as_str().unwrap() {
                "orders_trend" => {
                    let last = mine.iter().filter(|o| o.1 >= t90).count() as u64;
                    let before = mine.iter().filter(|o| o.1 >= t180 && o.1 < t90).count() as u64;
                    if let Some((a, b)) = fell(text) {
                        assert_eq!((a, b), (before, last), "{customer}: {text}");
                        assert!(b < a);
                        falling += 1;
                    } else {
                        assert!(before <= last, "{customer}: {text}");
                    }
                }
                "recency" if text.starts_with("no purchase for") => {
                    let last = mine.last().unwrap().1;
                    let days = ((end.secs() - last) as f64 / 86_400.0).round() as i64;
                    if days < 10 {
                        continue;
                    }
                    assert!(
                        text.contains(&format!("for {days} days")),
                        "{customer}: {text}"
                    );
                    recency_checked += 1;
                }
                _ => {}
            }
        }
    }
    assert!(
        falling > 20 && recency_checked > 100,
        "{falling} {recency_checked}"
    );

    // The registry.
    let list = patron(&dir, &["models", "list", "--json"]).ok().json();
    assert_eq!(list["models"].as_array().unwrap().len(), 1);
    let show = patron(&dir, &["models", "show", &id.to_string(), "--json"])
        .ok()
        .json();
    assert_eq!(show["kind"], "churn");
    assert_eq!(show["horizon_days"], 180);
    assert!(show["features"].as_array().unwrap().len() > 40);
    assert_eq!(
        show["metrics"]["holdout"]["gbm"]["roc_auc"].as_f64(),
        Some(holdout_auc)
    );
    assert_eq!(patron(&dir, &["models", "show", "99"]).code, 1);

    // A model trained on an earlier window, measured on the periods labelled since.
    let early = patron(
        &dir,
        &[
            "models",
            "train",
            "churn",
            "--as-of",
            "2026-01-01",
            "--horizon",
            "90d",
            "--json",
        ],
    )
    .ok()
    .json();
    assert_eq!(early["model"]["version"], 2);
    let report = patron(&dir, &["models", "report", "churn", "--json"])
        .ok()
        .json();
    let periods = report["periods"].as_array().unwrap();
    let cutoffs: Vec<&str> = periods
        .iter()
        .map(|p| p["cutoff"].as_str().unwrap())
        .collect();
    assert_eq!(
        cutoffs,
        [
            "2026-01-01T00:00:00Z",
            "2026-01-31T00:00:00Z",
            "2026-03-02T00:00:00Z",
            "2026-04-01T00:00:00Z"
        ]
    );
    for period in periods {
        let auc = period["roc_auc"].as_f64().unwrap();
        assert!(auc > 0.7, "{period}");
    }
    let _: &Value = &report["decaying"];
}

#[test]
fn feedback_import_is_all_or_nothing() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("shop");
    let d = dir.to_str().unwrap();
    patron(
        tmp.path(),
        &["demo", d, "--customers", "300", "--quiet", "--json"],
    )
    .ok();
    let outcomes = |dir: &Path| {
        patron(dir, &["status", "--json"]).ok().json()["outcomes"]
            .as_u64()
            .unwrap()
    };
    let before = outcomes(&dir);
    let bad = dir.join("bad.csv");
    std::fs::write(
        &bad,
        "customer_id,kind,at,label\nC000001,offer_accepted,2026-07-01,SKU1\nC999999,churned,2026-07-01,\nC000002,Churned!,31.02.2026,\n",
    )
    .unwrap();
    let run = patron(&dir, &["feedback", "import", bad.to_str().unwrap()]);
    assert_eq!(run.code, 4, "{}", run.stderr);
    assert!(
        run.stderr
            .contains("bad.csv:3: column \"customer_id\": value \"C999999\": unknown customer"),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr.contains("bad.csv:4: column \"kind\""),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr
            .contains("bad.csv:4: column \"at\": value \"31.02.2026\"")
    );
    assert_eq!(outcomes(&dir), before, "a rejected file changes nothing");
    let good = dir.join("good.csv");
    std::fs::write(
        &good,
        "customer_id,kind,at,label\nC000001,offer_accepted,2026-07-01,SKU1\nC000002,churned,2026-07-02 10:00:00,\n",
    )
    .unwrap();
    let out = patron(
        &dir,
        &["feedback", "import", good.to_str().unwrap(), "--json"],
    )
    .ok()
    .json();
    assert_eq!(
        (out["inserted"].as_u64(), out["duplicates"].as_u64()),
        (Some(2), Some(0))
    );
    assert_eq!(outcomes(&dir), before + 2);
    let again = patron(
        &dir,
        &["feedback", "import", good.to_str().unwrap(), "--json"],
    )
    .ok()
    .json();
    assert_eq!(again["duplicates"], 2);
    assert_eq!(outcomes(&dir), before + 2);

    // Too little history for fully observed labels: a clear error, nothing registered.
    let run = patron(
        &dir,
        &[
            "models",
            "train",
            "churn",
            "--as-of",
            "2024-01-01",
            "--json",
        ],
    );
    assert_eq!(run.code, 1);
    let error: Value = serde_json::from_str(&run.stderr).unwrap();
    assert_eq!(error["error"]["code"], "not_enough_data", "{}", run.stderr);
    let run = patron(&dir, &["models", "report", "churn"]);
    assert_eq!(run.code, 1);
    assert!(run.stderr.contains("no churn model yet"), "{}", run.stderr);
}
