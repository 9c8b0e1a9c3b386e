//! Rule-based scores through the command line, on the shipped shoe-shop example.

use crate::support::{patron, repo};

fn shoe_shop() -> (tempfile::TempDir, String, std::path::PathBuf) {
    let store = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", store.path().join("patron.db").display());
    let project = repo().join("examples/shoe_shop");
    patron(&project, &["--store", &url, "import", "--quiet"]).ok();
    (store, url, project)
}

#[test]
fn shoe_shop_scores_explain_themselves() {
    let (_store, url, project) = shoe_shop();
    let check = patron(&project, &["--store", &url, "rules", "check", "--json"])
        .ok()
        .json();
    assert_eq!(check["scores"][0], "engagement");
    let scores = patron(&project, &["--store", &url, "rules", "score", "--json"])
        .ok()
        .json();
    assert_eq!(scores["customers"].as_array().unwrap().len(), 400);
    let levels = &scores["stages"][0]["levels"];
    let total: u64 = levels
        .as_object()
        .unwrap()
        .values()
        .map(|v| v.as_u64().unwrap())
        .sum();
    assert_eq!(total, 400);

    // Every customer's ledger adds up exactly to the score, and `explain` agrees with the batch.
    for row in scores["customers"].as_array().unwrap().iter().take(25) {
        let id = row["customer_id"].as_str().unwrap();
        let e = patron(&project, &["--store", &url, "explain", id, "--json"])
            .ok()
            .json();
        let sum: f64 = e["ledger"]
            .as_array()
            .unwrap()
            .iter()
            .map(|x| {
                x["points"]
                    .as_str()
                    .map_or_else(|| x["points"].as_f64().unwrap(), |s| s.parse().unwrap())
            })
            .sum();
        let value = e["scores"]["engagement"].as_f64().unwrap();
        assert!(
            (sum - value).abs() < 1e-9,
            "{id}: ledger {sum} vs score {value}"
        );
        assert_eq!(
            value,
            row["scores"]["engagement"].as_f64().unwrap(),
            "{id}: explain equals the batch row"
        );
        assert_eq!(e["stages"]["lifecycle"], row["stages"]["lifecycle"]);
    }
}

#[test]
fn diff_and_check_report_changes_and_errors() {
    let (_store, url, project) = shoe_shop();
    let dir = tempfile::tempdir().unwrap();
    let text = std::fs::read_to_string(project.join("patron.toml")).unwrap();
    // A copy of the project whose data paths still point at the example, with one rule changed.
    let changed = text
        .replace("data/", &format!("{}/data/", project.display()))
        .replace(
            "name = \"share\"\non = \"share\"\npoints = 15",
            "name = \"share\"\non = \"share\"\npoints = 50",
        );
    assert_ne!(
        changed,
        text.replace("data/", &format!("{}/data/", project.display())),
        "the share rule was found"
    );
    std::fs::write(dir.path().join("patron.toml"), &changed).unwrap();
    let old = project.join("patron.toml");
    let diff = patron(
        dir.path(),
        &[
            "--store",
            &url,
            "rules",
            "diff",
            "--old",
            old.to_str().unwrap(),
            "--json",
        ],
    )
    .ok()
    .json();
    assert_ne!(diff["old_version"], diff["new_version"]);
    assert!(diff["score_changes"].as_u64().unwrap() > 0, "{diff}");

    // A misspelt field is an error with line, column and a suggestion; nothing is scored.
    let broken = changed.replace("revenue(last 1y) > 250", "revenu(last 1y) > 250");
    std::fs::write(dir.path().join("patron.toml"), broken).unwrap();
    let run = patron(dir.path(), &["--store", &url, "rules", "check"]);
    assert_eq!(run.code, 3, "{}", run.stderr);
    assert!(
        run.stderr.contains("patron.toml:") && run.stderr.contains("revenu"),
        "{}",
        run.stderr
    );
}
