//! `patron rules publish` on the shoe-shop example: batched and resumable, and the stored
//! results of every version equal a fresh computation from scratch; old runs stay.

use crate::support::{Run, patron, repo};
use serde_json::Value;

/// A copy of the shoe-shop project (data paths pointing at the example) and a store URL.
struct Shop {
    dir: tempfile::TempDir,
    _store: tempfile::TempDir,
    url: String,
    v1: String,
}

impl Shop {
    fn new() -> Self {
        let example = repo().join("examples/shoe_shop");
        let text = std::fs::read_to_string(example.join("patron.toml")).unwrap();
        let v1 = text.replace("data/", &format!("{}/data/", example.display()));
        let store = tempfile::tempdir().unwrap();
        let shop = Shop {
            dir: tempfile::tempdir().unwrap(),
            url: format!("sqlite://{}", store.path().join("patron.db").display()),
            _store: store,
            v1,
        };
        shop.config(&shop.v1);
        shop.run(&["import", "--quiet"]).ok();
        shop
    }
    fn config(&self, text: &str) {
        std::fs::write(self.dir.path().join("patron.toml"), text).unwrap();
    }
    fn run(&self, args: &[&str]) -> Run {
        let mut all = vec!["--store", self.url.as_str()];
        all.extend_from_slice(args);
        patron(self.dir.path(), &all)
    }
    fn json(&self, args: &[&str]) -> Value {
        let mut all = args.to_vec();
        all.push("--json");
        self.run(&all).ok().json()
    }
}

/// The rules with two changed points: shares count 50 instead of 15, bounces −5 instead of −30.
fn v2_of(v1: &str) -> String {
    let v2 = v1
        .replace(
            "name = \"share\"\non = \"share\"\npoints = 15",
            "name = \"share\"\non = \"share\"\npoints = 50",
        )
        .replace(
            "name = \"bounce\"\non = \"bounce\"\npoints = -30",
            "name = \"bounce\"\non = \"bounce\"\npoints = -5",
        );
    assert_eq!(
        v2.matches("points = 50").count(),
        1,
        "the share rule was found"
    );
    assert!(v2.contains("points = -5\n"), "the bounce rule was found");
    v2
}

#[test]
fn publish_recomputes_history_resumes_and_keeps_old_versions() {
    let shop = Shop::new();

    // Nothing published yet.
    let versions = shop.json(&["rules", "versions"]);
    assert_eq!(versions["versions"], serde_json::json!([]));
    assert_ne!(shop.run(&["rules", "stored"]).code, 0);

    // Version 1, interrupted after two batches of 50 customers.
    let first = shop.json(&[
        "rules",
        "publish",
        "--batch-size",
        "50",
        "--stop-after-batches",
        "2",
    ]);
    assert_eq!(first["state"], "interrupted", "{first}");
    assert_eq!(first["written"]["customers"], 100);
    assert_eq!(first["customers"], 400);
    let v1 = first["version"].as_str().unwrap().to_owned();
    let run = &shop.json(&["rules", "versions"])["versions"][0]["runs"][0];
    assert_eq!(
        (run["done"].as_u64(), run["finished_at"].is_null()),
        (Some(100), true)
    );
    // Nothing is queued by an unfinished run.
    assert_eq!(
        shop.json(&["rules", "outbox"])["entries"],
        serde_json::json!([])
    );

    // Changed rules cannot continue it: exit 1, and the message says what to do.
    shop.config(&v2_of(&shop.v1));
    let refused = shop.run(&["rules", "publish"]);
    assert_eq!(refused.code, 1, "{}", refused.stderr);
    assert!(
        refused.stderr.contains("interrupted after 100 of 400")
            && refused.stderr.contains("--restart"),
        "{}",
        refused.stderr
    );

    // The same rules continue where it stopped.
    shop.config(&shop.v1);
    let resumed = shop.json(&["rules", "publish", "--batch-size", "50"]);
    assert_eq!(resumed["state"], "resumed", "{resumed}");
    assert_eq!(resumed["resumed_from"], 100);
    assert_eq!(resumed["written"]["customers"], 300);
    assert_eq!(resumed["written"]["batches"], 6);
    assert_eq!(shop.json(&["rules", "publish"])["state"], "up_to_date");
    let fresh_v1 = shop.json(&["rules", "score"]);
    let stored_v1 = shop.json(&["rules", "stored"]);
    assert_eq!(stored_v1["version"], v1.as_str());
    assert_eq!(stored_v1["customers"], fresh_v1["customers"]);
    let pending_v1 = shop.json(&["rules", "outbox"])["entries"]
        .as_array()
        .unwrap()
        .len();
    assert_eq!(pending_v1 as u64, fresh_v1["outbox"].as_u64().unwrap());

    // Version 2: the whole history is recomputed in one go (default batch size).
    shop.config(&v2_of(&shop.v1));
    let second = shop.json(&["rules", "publish"]);
    assert_eq!(second["state"], "started", "{second}");
    let v2 = second["version"].as_str().unwrap().to_owned();
    assert_ne!(v1, v2);
    let fresh_v2 = shop.json(&["rules", "score"]);
    let stored_v2 = shop.json(&["rules", "stored"]);
    assert_eq!(stored_v2["version"], v2.as_str());
    assert_eq!(
        stored_v2["customers"], fresh_v2["customers"],
        "stored scores and stages of v2 equal a fresh computation"
    );
    assert_ne!(
        stored_v2["customers"], stored_v1["customers"],
        "the change matters"
    );

    // Old runs keep the version they used, and their results.
    let old = shop.json(&["rules", "stored", &v1[..8]]);
    assert_eq!(old["version"], v1.as_str());
    assert_eq!(old["customers"], fresh_v1["customers"]);
    let versions = shop.json(&["rules", "versions"]);
    let list: Vec<(&str, bool, usize)> = versions["versions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| {
            (
                v["version"].as_str().unwrap(),
                v["current"].as_bool().unwrap(),
                v["runs"].as_array().unwrap().len(),
            )
        })
        .collect();
    assert_eq!(list, [(v1.as_str(), false, 1), (v2.as_str(), true, 1)]);

    // The outbox holds each firing of v2 once; v1's firings v2 does not produce are not pending.
    let pending = shop.json(&["rules", "outbox"]);
    let entries = pending["entries"].as_array().unwrap();
    assert_eq!(entries.len() as u64, fresh_v2["outbox"].as_u64().unwrap());
    assert!(
        entries
            .iter()
            .all(|e| e["status"] == "pending" && e["version"] == v2.as_str())
    );
    let all = shop.json(&["rules", "outbox", "--all"]);
    let superseded = all["entries"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["status"] == "superseded")
        .count();
    assert_eq!(
        all["entries"].as_array().unwrap().len(),
        entries.len() + superseded
    );

    // --restart recomputes an up-to-date version into a new run with the same results.
    let again = shop.json(&["rules", "publish", "--restart", "--quiet"]);
    assert_eq!(again["state"], "started");
    assert_ne!(again["run"], second["run"]);
    assert_eq!(
        shop.json(&["rules", "stored"])["customers"],
        fresh_v2["customers"]
    );
}
