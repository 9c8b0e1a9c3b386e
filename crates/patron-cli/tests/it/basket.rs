//! `patron basket` reproduces the mlxtend market-basket reference on Online Retail.

use crate::support::{patron, repo, shared_data};
use serde_json::Value;

/// Imports `examples/online_retail` into a temporary store; returns it and its URL.
fn import_online_retail() -> (tempfile::TempDir, String) {
    assert!(
        shared_data("online_retail.csv.gz").exists(),
        "../shared/data/online_retail.csv.gz is missing"
    );
    let project = repo().join("examples/online_retail");
    let store = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", store.path().join("patron.db").display());
    patron(&project, &["--store", &url, "import", "--json", "--quiet"]).ok();
    (store, url)
}

/// `patron basket ARGS` on the imported example.
fn basket(url: &str, args: &[&str]) -> crate::support::Run {
    let project = repo().join("examples/online_retail");
    let mut all = vec!["--store", url, "basket"];
    all.extend_from_slice(args);
    patron(&project, &all).ok()
}

/// A JSON array of item codes as strings.
fn items(v: &Value) -> Vec<&str> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|x| x.as_str().unwrap())
        .collect()
}

/// `value` rounded to `digits` decimals equals `expected`.
#[track_caller]
fn assert_rounded(value: &Value, digits: i32, expected: f64) {
    let scale = 10f64.powi(digits);
    let got = (value.as_f64().unwrap() * scale).round() / scale;
    assert!((got - expected).abs() < 1e-9, "{value} ≠ {expected}");
}

/// The rule A → C, which must be listed.
fn rule<'a>(rules: &'a [Value], a: &[&str], c: &[&str]) -> &'a Value {
    rules
        .iter()
        .find(|r| items(&r["antecedents"]) == a && items(&r["consequents"]) == c)
        .unwrap_or_else(|| panic!("no rule {a:?} → {c:?}"))
}

#[test]
fn online_retail_baskets_match_the_mlxtend_reference() {
    let (_store, url) = import_online_retail();
    let out = basket(&url, &["--min-support", "0.01", "--json"]).json();
    assert_eq!(out["n_baskets"], 18_402);
    assert_eq!(out["n_items"], 3_659);
    assert_eq!(out["min_count"], 185);
    assert_eq!(out["n_itemsets"], 1_041);
    assert_eq!(
        out["itemsets_by_size"],
        serde_json::json!([627, 336, 75, 3])
    );
    assert_eq!(out["n_rules"], 1_164);
    let rules = out["rules"].as_array().unwrap();
    assert_eq!(rules.len(), 1_164);
    let lifts: Vec<f64> = rules.iter().map(|r| r["lift"].as_f64().unwrap()).collect();
    assert!(lifts.windows(2).all(|w| w[0] >= w[1] - 1e-9));
    assert!(lifts.iter().all(|&l| l >= 1.0));

    // The top three, in order, and the other reference rules.
    let top: Vec<(Vec<&str>, Vec<&str>)> = rules[..3]
        .iter()
        .map(|r| (items(&r["antecedents"]), items(&r["consequents"])))
        .collect();
    assert_eq!(
        top,
        [
            (vec!["23170", "23171"], vec!["23172"]),
            (vec!["23172"], vec!["23170", "23171"]),
            (vec!["23170", "23172"], vec!["23171"]),
        ]
    );
    let r = rule(rules, &["23170", "23171"], &["23172"]);
    assert_rounded(&r["support"], 5, 0.01005);
    assert_rounded(&r["confidence"], 4, 0.8079);
    assert_rounded(&r["lift"], 3, 66.367);
    let r = rule(rules, &["23172"], &["23170", "23171"]);
    assert_rounded(&r["confidence"], 4, 0.8259);
    assert_rounded(&r["lift"], 3, 66.367);
    let r = rule(rules, &["23170", "23172"], &["23171"]);
    assert_rounded(&r["confidence"], 4, 0.9391);
    assert_rounded(&r["lift"], 3, 64.004);
    let r = rule(rules, &["23172"], &["23171"]);
    assert_rounded(&r["support"], 5, 0.01098);
    assert_rounded(&r["lift"], 3, 61.462);
    let r = rule(rules, &["23175"], &["23174"]);
    assert_rounded(&r["support"], 5, 0.01119);
    assert_rounded(&r["lift"], 3, 52.003);

    // Non-product codes kept: POST becomes an item; a stricter lift keeps fewer rules.
    let all = basket(
        &url,
        &[
            "--min-support",
            "0.01",
            "--min-lift",
            "50",
            "--keep-all",
            "--json",
        ],
    )
    .json();
    assert!(all["n_items"].as_u64().unwrap() > 3_659);
    assert!(all["n_baskets"].as_u64().unwrap() > 18_402);
    let strict = all["rules"].as_array().unwrap();
    assert!(!strict.is_empty() && strict.len() < 1_164);
    assert!(strict.iter().all(|r| r["lift"].as_f64().unwrap() >= 50.0));

    // Next best offers for one customer: ranked by score, nothing bought before offered again.
    let offers = basket(
        &url,
        &[
            "--min-support",
            "0.01",
            "--offers",
            "12347",
            "--top",
            "5",
            "--json",
        ],
    )
    .json();
    let list = offers["offers"][0]["offers"].as_array().unwrap();
    assert_eq!(offers["offers"][0]["customer_id"], "12347");
    assert_eq!(list.len(), 5);
    assert_eq!(list[0]["item"], "22730");
    assert_eq!(items(&list[0]["because_bought"]), ["22726", "22727"]);
    let scores: Vec<f64> = list.iter().map(|o| o["score"].as_f64().unwrap()).collect();
    assert!(scores.windows(2).all(|w| w[0] >= w[1]));
    let bought: Vec<&str> = list
        .iter()
        .flat_map(|o| items(&o["because_bought"]))
        .collect();
    assert!(
        list.iter()
            .all(|o| !bought.contains(&o["item"].as_str().unwrap()))
    );

    // The table shows the counts and the first rule.
    let text = basket(&url, &["--min-support", "0.01", "--limit", "3"]).stdout;
    assert!(text.contains("18,402 orders, 3,659 skus"), "{text}");
    assert!(text.contains("1,041 itemsets"), "{text}");
    assert!(text.contains("66.367"), "{text}");
    assert!(text.contains("1,161 more"), "{text}");
}

#[test]
fn basket_rejects_a_support_outside_zero_to_one() {
    let project = repo().join("examples/online_retail");
    let run = patron(&project, &["basket", "--min-support", "1.5"]);
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(run.stderr.contains("(0, 1]"), "{}", run.stderr);
}
