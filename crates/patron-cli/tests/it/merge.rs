//! Issue 11, defect 1 and build 2: a merge carries alarms and outbox entries (and the facts)
//! to the kept customer, closes what cannot be carried, is undone completely, and scoring and
//! publishing go on working after it.

use crate::support::{demo_project, patron};
use serde_json::Value;
use std::collections::BTreeMap;
use std::path::Path;

fn open_alarms(project: &Path) -> Vec<(String, String, i64)> {
    let v = patron(project, &["alarms", "--json"]).ok().json();
    v.as_array()
        .unwrap()
        .iter()
        .map(|a| {
            (
                a["customer_id"].as_str().unwrap().to_owned(),
                a["kind"].as_str().unwrap().to_owned(),
                a["id"].as_i64().unwrap(),
            )
        })
        .collect()
}

fn outbox(project: &Path) -> Vec<Value> {
    let v = patron(project, &["rules", "outbox", "--all", "--json"])
        .ok()
        .json();
    v["entries"].as_array().unwrap().clone()
}

fn outbox_of(project: &Path, customer: &str) -> Vec<i64> {
    outbox(project)
        .iter()
        .filter(|e| e["customer"] == customer)
        .map(|e| e["id"].as_i64().unwrap())
        .collect()
}

#[track_caller]
fn assert_no_duplicate_open_alarms(project: &Path) {
    let mut seen = BTreeMap::new();
    for (customer, kind, id) in open_alarms(project) {
        if let Some(other) = seen.insert((customer.clone(), kind.clone()), id) {
            panic!("two open {kind} episodes of {customer}: {other} and {id}");
        }
    }
}

#[test]
fn merging_customers_with_alarms_cards_rule_state_and_outbox_then_scoring_works() {
    let dir = tempfile::tempdir().unwrap();
    let project = demo_project(dir.path(), "800");
    // Rule state and an outbox: a published rule run.
    patron(&project, &["rules", "publish", "--quiet"]).ok();
    let alarms = open_alarms(&project);
    // KEEP and DROP2 both have an open alarm of the same kind; DROP1 has outbox entries, rule
    // results and cards (every customer has a card of the demo's run).
    let (keep, drop2) = alarms
        .iter()
        .find_map(|(c, kind, _)| {
            alarms
                .iter()
                .find(|(d, k, _)| d != c && k == kind)
                .map(|(d, _, _)| (c.clone(), d.clone()))
        })
        .expect("two customers with an open alarm of one kind");
    let drop1 = outbox(&project)
        .iter()
        .map(|e| e["customer"].as_str().unwrap().to_owned())
        .find(|c| *c != keep && *c != drop2)
        .expect("a customer with an outbox entry");
    let drop1_outbox = outbox_of(&project, &drop1);
    let drop2_alarms: Vec<(String, i64)> = alarms
        .iter()
        .filter(|(c, _, _)| *c == drop2)
        .map(|(_, k, id)| (k.clone(), *id))
        .collect();
    let keep_kinds: Vec<String> = alarms
        .iter()
        .filter(|(c, _, _)| *c == keep)
        .map(|(_, k, _)| k.clone())
        .collect();

    // Merge both into KEEP: the alarms and the outbox entries follow.
    let m1 = patron(&project, &["merge", &keep, &drop1, "--json"])
        .ok()
        .json();
    let m2 = patron(&project, &["merge", &keep, &drop2, "--json"])
        .ok()
        .json();
    assert_eq!(
        m2["moved"]["alarms"].as_u64().unwrap(),
        drop2_alarms.len() as u64,
        "{m2}"
    );
    assert!(outbox_of(&project, &drop1).is_empty());
    for id in &drop1_outbox {
        assert!(
            outbox_of(&project, &keep).contains(id),
            "entry {id} did not follow"
        );
    }
    let after = open_alarms(&project);
    assert!(after.iter().all(|(c, _, _)| *c != drop2 && *c != drop1));
    assert_no_duplicate_open_alarms(&project);
    for (kind, id) in &drop2_alarms {
        let open_here = after.iter().any(|(_, _, i)| i == id);
        // An open episode of a kind KEEP also had open is closed by the merge; others moved.
        assert_eq!(open_here, !keep_kinds.contains(kind), "{kind} {id}");
    }

    // Undo restores everything, in reverse order.
    let id2 = m2["id"].as_i64().unwrap().to_string();
    let id1 = m1["id"].as_i64().unwrap().to_string();
    patron(&project, &["merge", "--undo", &id2]).ok();
    patron(&project, &["merge", "--undo", &id1]).ok();
    assert_eq!(open_alarms(&project), alarms);
    assert_eq!(outbox_of(&project, &drop1), drop1_outbox);

    // Merge again, then score (this failed with "unknown customer DROP" on every run), publish
    // and show.
    patron(&project, &["merge", &keep, &drop1]).ok();
    patron(&project, &["merge", &keep, &drop2]).ok();
    let score = patron(&project, &["score", "--quiet", "--json"]);
    assert_eq!(score.code, 0, "{}", score.stderr);
    assert_no_duplicate_open_alarms(&project);
    patron(&project, &["rules", "publish", "--quiet"]).ok();
    assert!(outbox_of(&project, &drop1).is_empty());
    let show = patron(&project, &["show", &drop2, "--json"]).ok().json();
    assert_eq!(show["card"]["customer_id"], keep.as_str());
    patron(&project, &["check"]).ok();
}
