//! Issue 15: a person's export holds every fact imported for them; an override survives a new
//! score run and shows on the card, in the export and in the audit log; an erasure leaves no
//! trace of the person in any store file — the write-ahead log, free pages and the card
//! compression dictionaries included — on a demo with scores, published rules and a model.

use crate::support::{demo_project, patron};
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

/// The rows of a demo source file whose `customer_id` is `id`, as column → value maps.
fn source_rows(project: &Path, file: &str, id: &str) -> Vec<BTreeMap<String, String>> {
    all_rows(project, file)
        .into_iter()
        .filter(|row| row["customer_id"] == id)
        .collect()
}

/// A demo time (`2023-09-25 22:23:28`) as the export writes it.
fn iso(csv_time: &str) -> String {
    format!("{}Z", csv_time.replace(' ', "T"))
}

/// Customer ids that the card compression dictionaries of the store's runs contain.
fn ids_in_dictionaries(db: &Path) -> BTreeSet<String> {
    let conn = rusqlite::Connection::open(db).unwrap();
    let mut stmt = conn
        .prepare("SELECT card_dictionary FROM score_runs WHERE card_dictionary IS NOT NULL")
        .unwrap();
    let dictionaries: Vec<Vec<u8>> = stmt
        .query_map([], |r| r.get(0))
        .unwrap()
        .map(|d| d.unwrap())
        .collect();
    let mut out = BTreeSet::new();
    for d in dictionaries {
        for start in 0..d.len().saturating_sub(7) {
            let w = &d[start..start + 7];
            if w[0] == b'C' && w[1..].iter().all(u8::is_ascii_digit) {
                out.insert(String::from_utf8(w.to_vec()).unwrap());
            }
        }
    }
    out
}

/// A customer whose name, e-mail and phone no other customer shares, with orders, events and
/// invoices, whose id is in a card dictionary: the hardest case for an erasure.
fn pick_person(project: &Path) -> BTreeMap<String, String> {
    let rows = all_rows(project, "customers.csv");
    let mut seen: BTreeMap<String, usize> = BTreeMap::new();
    for row in &rows {
        for field in ["name", "email", "phone"] {
            *seen.entry(row[field].clone()).or_default() += 1;
        }
    }
    let in_dictionary = ids_in_dictionaries(&project.join("patron.db"));
    rows.into_iter()
        .find(|row| {
            let id = &row["customer_id"];
            in_dictionary.contains(id)
                && row["consent_profiling"] == "true"
                && ["name", "email", "phone"]
                    .iter()
                    .all(|f| row[*f].len() >= 5 && seen[&row[*f]] == 1)
                && !source_rows(project, "orders.csv", id).is_empty()
                && !source_rows(project, "events.csv", id).is_empty()
                && !source_rows(project, "invoices.csv", id).is_empty()
        })
        .expect("a customer in a card dictionary with orders, events and invoices")
}

/// The files of the project directory Patron writes (everything but the company's own source
/// files and the configuration) that contain `needle`.
fn store_files_containing(project: &Path, needle: &str) -> Vec<String> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(project).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() || path.file_name().unwrap() == "patron.toml" {
            continue;
        }
        let bytes = std::fs::read(&path).unwrap();
        if bytes.windows(needle.len()).any(|w| w == needle.as_bytes()) {
            out.push(path.display().to_string());
        }
    }
    out
}

fn export_of(project: &Path, id: &str) -> Value {
    patron(project, &["privacy", "export", id]).ok().json()
}

#[test]
fn export_override_and_erase_of_one_person() {
    let dir = tempfile::tempdir().unwrap();
    let project = demo_project(dir.path(), "1500");
    patron(&project, &["rules", "publish", "--quiet"]).ok();
    patron(&project, &["models", "train", "churn", "--quiet"]).ok();
    patron(&project, &["score", "--quiet"]).ok();
    let person = pick_person(&project);
    let id = person["customer_id"].clone();

    // The export holds every fact imported for them, as the source files have it.
    let export = export_of(&project, &id);
    let table = |name: &str| export["tables"][name].as_array().unwrap().clone();
    let customer = &table("customers")[0];
    for field in ["name", "email", "phone"] {
        assert_eq!(customer[field], person[field].as_str(), "{field}");
    }
    let orders: BTreeSet<(String, i64, String, String)> = table("order_lines")
        .iter()
        .map(|o| {
            (
                o["order_id"].as_str().unwrap().to_owned(),
                o["line_no"].as_i64().unwrap(),
                o["ts"].as_str().unwrap().to_owned(),
                format!("{:.2}", o["unit_price"].as_f64().unwrap()),
            )
        })
        .collect();
    let source_orders: BTreeSet<(String, i64, String, String)> =
        source_rows(&project, "orders.csv", &id)
            .iter()
            .map(|o| {
                (
                    o["order_id"].clone(),
                    o["line_no"].parse().unwrap(),
                    iso(&o["timestamp"]),
                    format!("{:.2}", o["unit_price"].parse::<f64>().unwrap()),
                )
            })
            .collect();
    assert_eq!(orders, source_orders);
    let keys = |rows: Vec<Value>, key: &str, field: &str| -> BTreeSet<(String, String)> {
        rows.iter()
            .map(|r| {
                (
                    r[key].as_str().unwrap().to_owned(),
                    r[field].as_str().unwrap_or_default().to_owned(),
                )
            })
            .collect()
    };
    let source_keys = |file: &str, key: &str, field: &str| -> BTreeSet<(String, String)> {
        source_rows(&project, file, &id)
            .iter()
            .map(|r| (r[key].clone(), r[field].clone()))
            .collect()
    };
    assert_eq!(
        keys(table("events"), "event_id", "type"),
        source_keys("events.csv", "event_id", "type")
    );
    assert_eq!(
        keys(table("tickets"), "ticket_id", "category"),
        source_keys("tickets.csv", "ticket_id", "category")
    );
    let invoices: BTreeSet<(String, String)> = table("invoices")
        .iter()
        .map(|i| {
            (
                i["invoice_id"].as_str().unwrap().to_owned(),
                format!("{:.2}", i["amount"].as_f64().unwrap()),
            )
        })
        .collect();
    let source_invoices: BTreeSet<(String, String)> = source_rows(&project, "invoices.csv", &id)
        .iter()
        .map(|i| {
            (
                i["invoice_id"].clone(),
                format!("{:.2}", i["amount"].parse::<f64>().unwrap()),
            )
        })
        .collect();
    assert_eq!(invoices, source_invoices);
    assert_eq!(
        keys(table("outcomes"), "kind", "label"),
        source_keys("outcomes.csv", "kind", "label")
    );
    // Their cards of every run, the rule ledger, and how each score was reached.
    assert_eq!(export["cards"].as_array().unwrap().len(), 2);
    assert!(!table("rule_ledger").is_empty());
    let explanation = export["explanation"].to_string();
    assert!(explanation.contains("Value score"), "{explanation}");
    assert!(explanation.contains("Tier "), "{explanation}");

    // An override survives a new score run: on the card with the automated value, in the
    // export and in the audit log.
    let card = patron(&project, &["show", &id, "--json"]).ok().json()["card"].clone();
    let automated = card["tier"].as_str().unwrap().to_owned();
    let wanted = if automated == "VIP" { "Basic" } else { "VIP" };
    patron(
        &project,
        &[
            "override",
            "set",
            &id,
            "--field",
            "tier",
            "--value",
            wanted,
            "--reason",
            "key account, contract renewed",
        ],
    )
    .ok();
    let refused = patron(
        &project,
        &[
            "override", "set", &id, "--field", "tier", "--value", "Gold", "--reason", "x",
        ],
    );
    assert_ne!(refused.code, 0, "an unknown tier is refused");
    patron(&project, &["score", "--quiet"]).ok();
    let card = patron(&project, &["show", &id, "--json"]).ok().json()["card"].clone();
    assert_eq!(card["tier"], wanted, "{card}");
    assert_eq!(card["overrides"][0]["automated"], automated.as_str());
    assert_eq!(
        card["overrides"][0]["reason"],
        "key account, contract renewed"
    );
    let export = export_of(&project, &id);
    assert_eq!(export["overrides"][0]["value"], wanted);
    let audit = patron(&project, &["audit", "--json"]).ok().json();
    let actions: Vec<&str> = audit
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    for action in ["publish", "export", "override"] {
        assert!(actions.contains(&action), "{action} in {actions:?}");
    }

    // Erase: nothing of the person is left in any store file, the store checks out, and the
    // audit log says an erasure happened without naming them.
    let identifiers = [
        id.clone(),
        person["email"].clone(),
        person["phone"].clone(),
        person["name"].clone(),
    ];
    for needle in &identifiers {
        assert!(
            !store_files_containing(&project, needle).is_empty(),
            "{needle} is in the store before"
        );
    }
    let erased = patron(&project, &["privacy", "erase", &id, "--yes", "--json"])
        .ok()
        .json();
    assert!(erased["removed"]["order_lines"].as_u64().unwrap() > 0);
    assert!(
        !erased["recompressed_runs"].as_array().unwrap().is_empty(),
        "a card dictionary held the id: {erased}"
    );
    for needle in &identifiers {
        assert_eq!(
            store_files_containing(&project, needle),
            Vec::<String>::new(),
            "{needle} is left"
        );
    }
    patron(&project, &["check"]).ok();
    assert_ne!(patron(&project, &["show", &id]).code, 0);
    assert_ne!(patron(&project, &["privacy", "export", &id]).code, 0);
    let audit = patron(&project, &["audit", "--json"]).ok().json();
    assert_eq!(audit[0]["action"], "erase");
    for needle in &identifiers {
        assert!(!audit.to_string().contains(needle.as_str()), "{needle}");
    }
    // Scoring goes on without them.
    patron(&project, &["score", "--quiet"]).ok();
    patron(&project, &["check"]).ok();
    for needle in &identifiers {
        assert_eq!(
            store_files_containing(&project, needle),
            Vec::<String>::new()
        );
    }
}

/// Every source row of a demo file, as column → value maps.
fn all_rows(project: &Path, file: &str) -> Vec<BTreeMap<String, String>> {
    let mut reader = csv::Reader::from_path(project.join("data").join(file)).unwrap();
    let headers = reader.headers().unwrap().clone();
    reader
        .records()
        .map(|r| {
            headers
                .iter()
                .zip(r.unwrap().iter())
                .map(|(h, v)| (h.to_owned(), v.to_owned()))
                .collect()
        })
        .collect()
}

fn secs(text: &str) -> i64 {
    patron_core::Timestamp::parse_flexible(text).unwrap().secs()
}

#[test]
fn contests_pseudonymised_exports_and_retention() {
    let dir = tempfile::tempdir().unwrap();
    let project = demo_project(dir.path(), "400");
    patron(&project, &["score", "--quiet"]).ok();

    // Pseudonymised export: every id replaced by the same keyed hash in every export, none
    // of the real ids left, a new key after rotation.
    let plain = patron(&project, &["export", "--format", "json"])
        .ok()
        .json();
    let pseudo = |project: &Path| -> Vec<Value> {
        patron(project, &["export", "--format", "json", "--pseudonymise"])
            .ok()
            .json()
            .as_array()
            .unwrap()
            .clone()
    };
    let first = pseudo(&project);
    assert_eq!(first, pseudo(&project), "pseudonyms are stable");
    let plain = plain.as_array().unwrap();
    assert_eq!(first.len(), plain.len());
    let mut seen = BTreeSet::new();
    for (p, row) in first.iter().zip(plain) {
        let pseudonym = p["customer_id"].as_str().unwrap();
        assert!(
            pseudonym.len() == 33
                && pseudonym.starts_with('P')
                && pseudonym[1..].chars().all(|c| c.is_ascii_hexdigit()),
            "{pseudonym}"
        );
        assert!(
            seen.insert(pseudonym.to_owned()),
            "one pseudonym per customer"
        );
        assert_eq!(p["tier"], row["tier"]);
        assert_eq!(p["clv"], row["clv"]);
    }
    let text = serde_json::to_string(&first).unwrap();
    assert!(!text.contains(plain[0]["customer_id"].as_str().unwrap()));
    assert_ne!(
        patron(&project, &["privacy", "rotate-pseudonyms"]).code,
        0,
        "rotation needs --yes"
    );
    patron(&project, &["privacy", "rotate-pseudonyms", "--yes"]).ok();
    let rotated = pseudo(&project);
    assert_ne!(rotated[0]["customer_id"], first[0]["customer_id"]);

    // A contest: recorded, on the open list, in the person's export, in the audit log
    // without the statement, resolved.
    let id = plain[0]["customer_id"].as_str().unwrap().to_owned();
    let statement = "I have bought here for years and am not at risk";
    let contest = patron(
        &project,
        &[
            "contest",
            "add",
            &id,
            "--decision",
            "status",
            "--statement",
            statement,
            "--channel",
            "letter",
            "--json",
        ],
    )
    .ok()
    .json();
    let contest_id = contest["id"].as_i64().unwrap().to_string();
    let refused = patron(
        &project,
        &[
            "contest",
            "add",
            &id,
            "--decision",
            "colour",
            "--statement",
            "x",
        ],
    );
    assert_ne!(refused.code, 0, "an unknown decision is refused");
    let open = patron(&project, &["contest", "list", "--json"]).ok().json();
    assert_eq!(open.as_array().unwrap().len(), 1);
    assert_eq!(open[0]["customer_id"], id.as_str());
    assert_eq!(open[0]["statement"], statement);
    let export = export_of(&project, &id);
    assert_eq!(export["tables"]["contests"][0]["statement"], statement);
    patron(
        &project,
        &[
            "contest",
            "resolve",
            &contest_id,
            "--outcome",
            "upheld",
            "--resolution",
            "status checked by a person: the last order is 14 months ago",
        ],
    )
    .ok();
    assert_eq!(
        patron(&project, &["contest", "list", "--json"]).ok().json(),
        serde_json::json!([])
    );
    let all = patron(&project, &["contest", "list", "--all", "--json"])
        .ok()
        .json();
    assert_eq!(all[0]["outcome"], "upheld");
    let audit = patron(&project, &["audit", "--json"]).ok().json();
    let actions: Vec<&str> = audit
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    assert_eq!(
        &actions[..3],
        ["contest_resolved", "export", "contest"],
        "{actions:?}"
    );
    assert_eq!(actions[3], "pseudonym_key_rotated");
    assert!(!audit.to_string().contains(statement));

    // Retention: events older than a year deleted, persons without activity for two years
    // erased, counted the same in a dry run, checked against the source files.
    let last = ["orders.csv", "events.csv"]
        .iter()
        .flat_map(|f| all_rows(&project, f))
        .map(|r| secs(&r["timestamp"]))
        .max()
        .unwrap();
    let as_of = patron_core::Timestamp::from_secs(last + 1).to_string();
    let year = 31_557_600;
    let events_before = last + 1 - year;
    let inactive_before = last + 1 - 2 * year;
    let expected_events = all_rows(&project, "events.csv")
        .iter()
        .filter(|r| secs(&r["timestamp"]) < events_before)
        .count() as u64;
    let mut latest: BTreeMap<String, i64> = BTreeMap::new();
    for (file, column) in [
        ("orders.csv", "timestamp"),
        ("events.csv", "timestamp"),
        ("tickets.csv", "opened_at"),
        ("invoices.csv", "issued_at"),
    ] {
        for r in all_rows(&project, file) {
            let at = latest.entry(r["customer_id"].clone()).or_insert(i64::MIN);
            *at = (*at).max(secs(&r[column]));
        }
    }
    let inactive: Vec<String> = all_rows(&project, "customers.csv")
        .iter()
        .filter(|c| {
            let active = latest.get(&c["customer_id"]).copied();
            let created = (!c["created_at"].is_empty()).then(|| secs(&c["created_at"]));
            match (created, active) {
                (Some(created), active) => {
                    created < inactive_before && active.is_none_or(|a| a < inactive_before)
                }
                (None, Some(active)) => active < inactive_before,
                (None, None) => false,
            }
        })
        .map(|c| c["customer_id"].clone())
        .collect();
    assert!(
        !inactive.is_empty() && expected_events > 0,
        "the demo has old events and inactive persons"
    );
    let toml = project.join("patron.toml");
    let mut config = std::fs::read_to_string(&toml).unwrap();
    config.push_str("\n[retention]\nevents = \"1y\"\ninactive = \"2y\"\n");
    std::fs::write(&toml, config).unwrap();
    let dry = patron(
        &project,
        &["privacy", "purge", "--dry-run", "--as-of", &as_of, "--json"],
    )
    .ok()
    .json();
    assert_eq!(dry["dry_run"], true);
    assert_eq!(dry["persons"], inactive.len() as u64, "{dry}");
    assert_ne!(
        patron(&project, &["privacy", "purge", "--as-of", &as_of]).code,
        0,
        "purging needs --yes"
    );
    let one = &inactive[0];
    assert!(!store_files_containing(&project, one).is_empty());
    let done = patron(
        &project,
        &["privacy", "purge", "--yes", "--as-of", &as_of, "--json"],
    )
    .ok()
    .json();
    assert_eq!(done["persons"], dry["persons"]);
    assert_eq!(done["facts"], dry["facts"]);
    assert_eq!(done["erasure"]["removed"], dry["erasure"]["removed"]);
    // Events of the erased persons count under the erasure; the rest under the facts.
    let erased: BTreeSet<&String> = inactive.iter().collect();
    let expected_old_events = all_rows(&project, "events.csv")
        .iter()
        .filter(|r| secs(&r["timestamp"]) < events_before && !erased.contains(&r["customer_id"]))
        .count() as u64;
    assert_eq!(done["facts"]["events"], expected_old_events, "{done}");
    let conn = rusqlite::Connection::open(project.join("patron.db")).unwrap();
    let left: i64 = conn
        .query_row(
            "SELECT COUNT(*) FROM events WHERE ts < ?1",
            [events_before],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(left, 0);
    drop(conn);
    assert_eq!(
        store_files_containing(&project, one),
        Vec::<String>::new(),
        "an erased person is left"
    );
    patron(&project, &["check"]).ok();
    let audit = patron(&project, &["audit", "--json"]).ok().json();
    assert_eq!(audit[0]["action"], "purge");
    patron(&project, &["score", "--quiet"]).ok();
    patron(&project, &["check"]).ok();
}
