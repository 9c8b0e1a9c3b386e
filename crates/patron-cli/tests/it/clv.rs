//! CLV through the command line, checked against the published CDNOW values
//! (Fader, Hardie & Lee 2005; `../shared/data/README.md`).

use crate::support::{patron, repo, shared_data};
use serde_json::Value;

fn close(v: &Value, expected: f64, tolerance: f64, what: &str) {
    let got = v
        .as_f64()
        .unwrap_or_else(|| panic!("{what}: {v} is not a number"));
    assert!(
        (got - expected).abs() <= tolerance,
        "{what}: {got} vs {expected}"
    );
}

#[test]
fn fit_reproduces_the_published_parameters() {
    let summary = shared_data("cdnow_summary.csv");
    let dir = tempfile::tempdir().unwrap();
    let out = patron(
        dir.path(),
        &[
            "clv",
            "fit",
            "--summary",
            summary.to_str().unwrap(),
            "--json",
        ],
    )
    .ok()
    .json();
    let models = out.as_array().unwrap();
    let by_name = |n: &str| models.iter().find(|m| m["model"] == n).unwrap();
    let bg = by_name("bgnbd");
    for (p, v) in [
        ("r", 0.2426),
        ("alpha", 4.4135),
        ("a", 0.7929),
        ("b", 2.4258),
    ] {
        close(&bg["params"][p], v, 5e-5 * v.max(1.0), p);
    }
    close(&bg["log_likelihood"], -9582.43, 0.01, "BG/NBD LL");
    assert_eq!(bg["converged"], true);
    assert!(bg["std_errors"]["r"].as_f64().unwrap() > 0.0);
    let mbg = by_name("mbgnbd");
    for (p, v) in [
        ("r", 0.5248),
        ("alpha", 6.1830),
        ("a", 0.8914),
        ("b", 1.6140),
    ] {
        close(&mbg["params"][p], v, 5e-5 * v.max(1.0), p);
    }
    close(&mbg["log_likelihood"], -9582.13, 0.01, "MBG/NBD LL");
    let pareto = by_name("paretonbd");
    close(&pareto["log_likelihood"], -9594.97, 0.005, "Pareto/NBD LL");
    close(&pareto["params"]["r"], 0.5533, 5e-4, "Pareto r");
    close(&pareto["params"]["alpha"], 10.578, 5e-3, "Pareto alpha");
    let gg = by_name("gammagamma");
    for (p, v) in [("p", 6.2488), ("q", 3.7446), ("gamma", 15.4477)] {
        close(&gg["params"][p], v, 5e-5 * v.max(1.0), p);
    }
    close(&gg["log_likelihood"], -4055.92, 0.01, "Gamma-Gamma LL");
}

#[test]
fn predict_reproduces_the_published_expectation() {
    let summary = shared_data("cdnow_summary.csv");
    let dir = tempfile::tempdir().unwrap();
    let args = [
        "clv",
        "predict",
        "--summary",
        summary.to_str().unwrap(),
        "--model",
        "bgnbd",
        "--horizon",
        "39",
        "--json",
    ];
    let out = patron(dir.path(), &args).ok().json();
    let customers = out["customers"].as_array().unwrap();
    assert_eq!(customers.len(), 2_357);
    // ID 1: x = 2, t_x = 30.43, T = 38.86 → E[X(39)] = 1.226.
    let first = &customers[0];
    assert_eq!(
        (first["id"].as_str(), first["x"].as_f64()),
        (Some("1"), Some(2.0))
    );
    close(
        &first["expected_purchases"],
        1.226,
        0.001,
        "E[X(39) | 2, 30.43, 38.86]",
    );
    for c in customers {
        let p = c["p_alive"].as_f64().unwrap();
        assert!(
            (0.0..=1.0).contains(&p) && c["clv"].as_f64().unwrap() >= 0.0,
            "{c}"
        );
    }
    // Discounted CLV shrinks with a higher discount rate and grows with the horizon.
    let run = |months: &str, rate: &str| {
        let args = [
            "clv",
            "predict",
            "--summary",
            summary.to_str().unwrap(),
            "--model",
            "bgnbd",
            "--months",
            months,
            "--discount-rate",
            rate,
            "--json",
        ];
        patron(dir.path(), &args).ok().json()["totals"]["clv"]
            .as_f64()
            .unwrap()
    };
    let base = run("12", "0.1");
    assert!(run("12", "0.3") < base && base < run("24", "0.1"));
}

#[test]
fn backtest_on_the_raw_sample_refits_the_published_model() {
    let store = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", store.path().join("patron.db").display());
    let project = repo().join("examples/cdnow_sample");
    patron(&project, &["--store", &url, "import", "--quiet"]).ok();
    let args = [
        "--store",
        &url,
        "backtest",
        "clv",
        "--split",
        "1997-10-01",
        "--end",
        "1998-06-30",
        "--model",
        "bgnbd",
        "--json",
    ];
    let out = patron(&project, &args).ok().json();
    assert_eq!(out["customers_count"], 2_357);
    close(&out["horizon"], 39.0, 1e-9, "holdout weeks");
    let m = &out["models"][0];
    // The calibration summary is cdnow_summary.csv, so the fit is the published one.
    close(&m["fit"]["params"]["r"], 0.2426, 5e-5, "r");
    close(&m["fit"]["params"]["b"], 2.4258, 2e-4, "b");
    let errors = &m["errors"];
    let actual: f64 = out["customers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["actual"].as_f64().unwrap())
        .sum();
    assert_eq!(errors["total_actual"].as_f64().unwrap(), actual);
    assert!(
        errors["mae"].as_f64().unwrap() < 1.0 && errors["correlation"].as_f64().unwrap() > 0.5,
        "{errors}"
    );
    let buckets = m["by_frequency"].as_array().unwrap();
    assert_eq!(
        buckets
            .iter()
            .map(|b| b["customers"].as_u64().unwrap())
            .sum::<u64>(),
        2_357
    );
    let tracking = m["tracking"].as_array().unwrap();
    assert_eq!(tracking.len(), 78);
    // Repeat purchases in weeks 40–78 are the holdout purchases.
    let at = |week: usize| tracking[week - 1]["actual"].as_f64().unwrap();
    assert_eq!(at(78) - at(39), actual);
}
