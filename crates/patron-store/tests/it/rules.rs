//! Conformance of rule runs: versions, resumable batches, finishing, old runs kept, the outbox.

use patron_core::Timestamp;
use patron_core::ids::CustomerId;
use patron_core::model::Customer;
use patron_store::{
    CustomerRuleResults, FactPosition, FiringLine, LedgerLine, LedgerSource, NewRuleRun,
    OutboxStatus, RuleBatch, RuleNames, RuleRunStart, RuleVersion, SqliteStore, StageNames, Store,
    StoreError, TransitionCause, TransitionLine, TriggerNames,
};

fn id(s: &str) -> CustomerId {
    CustomerId::parse(s).unwrap()
}

fn at(secs: i64) -> Timestamp {
    Timestamp::from_secs(secs)
}

async fn store_with_customers() -> (tempfile::TempDir, SqliteStore) {
    let dir = tempfile::tempdir().unwrap();
    let store = SqliteStore::open(&dir.path().join("t.db")).await.unwrap();
    let mut w = store.begin_import().await.unwrap();
    w.write_customers(&[
        Customer::stub(id("A")),
        Customer::stub(id("B")),
        Customer::stub(id("S")),
    ])
    .await
    .unwrap();
    w.commit(&[], serde_json::json!({})).await.unwrap();
    (dir, store)
}

fn version(v: &str) -> RuleVersion {
    RuleVersion {
        version: v.into(),
        canonical: format!("canonical of {v}"),
        names: RuleNames {
            scores: vec!["engagement".into(), "fit".into()],
            rules: vec!["visit".into(), "dormant".into()],
            stages: vec![StageNames {
                name: "lifecycle".into(),
                levels: vec!["inactive".into(), "active".into()],
            }],
            triggers: vec![TriggerNames {
                name: "welcome".into(),
                action: "webhook:crm".into(),
            }],
        },
    }
}

fn new_run(v: &str, customers: u64) -> NewRuleRun {
    NewRuleRun {
        version: version(v),
        as_of: at(1_000_000),
        facts_digest: "facts-1".into(),
        customers,
    }
}

/// A customer's results; `fires` adds a firing of trigger 0 (occurrence 1).
fn results(who: &str, points: i64, fires: bool) -> CustomerRuleResults {
    CustomerRuleResults {
        customer: id(who),
        scores: vec![points, -3_000_000],
        levels: vec![Some(u32::from(points >= 0))],
        ledger: vec![
            LedgerLine {
                score: 0,
                source: LedgerSource::EventRule(0),
                entries: 3,
                points: points + 5,
                original_points: points + 9,
                first_at: at(100),
                last_at: at(900),
            },
            LedgerLine {
                score: 0,
                source: LedgerSource::Cap(None),
                entries: 1,
                points: -5,
                original_points: points + 5,
                first_at: at(1_000_000),
                last_at: at(1_000_000),
            },
            LedgerLine {
                score: 1,
                source: LedgerSource::StateRule(1),
                entries: 1,
                points: -3_000_000,
                original_points: -3_000_000,
                first_at: at(1_000_000),
                last_at: at(1_000_000),
            },
        ],
        transitions: vec![
            TransitionLine {
                stage: 0,
                from: None,
                to: 0,
                at: at(100),
                cause: TransitionCause::First,
            },
            TransitionLine {
                stage: 0,
                from: Some(0),
                to: 1,
                at: at(500),
                cause: TransitionCause::Award {
                    rule: 0,
                    fact: FactPosition::Order(4),
                },
            },
            TransitionLine {
                stage: 0,
                from: Some(1),
                to: 0,
                at: at(700),
                cause: TransitionCause::State {
                    rule: 1,
                    holds: true,
                },
            },
        ],
        firings: if fires {
            vec![FiringLine {
                trigger: 0,
                occurrence: 1,
                at: at(500),
            }]
        } else {
            Vec::new()
        },
    }
}

fn batch(start: u64, customers: Vec<CustomerRuleResults>) -> RuleBatch {
    RuleBatch { start, customers }
}

#[tokio::test]
async fn rule_runs_resume_finish_and_keep_old_versions() {
    let (_dir, store) = store_with_customers().await;
    let v1 = new_run("v1", 3);
    let RuleRunStart::Started(run) = store.begin_rule_run(&v1, false).await.unwrap() else {
        panic!("a new run")
    };
    assert_eq!(
        (run.done, run.customers, run.finished_at.clone()),
        (0, 3, None)
    );
    let a = results("A", 12_500_000, true);
    let b = results("B", -1_000_000, false);
    let s = results("S", 0, false);
    let after = store
        .write_rule_batch(run.id, &batch(0, vec![a.clone(), b.clone()]))
        .await
        .unwrap();
    assert_eq!(after.done, 2);

    // A batch that does not follow is refused; an unfinished run cannot be finished.
    let err = store
        .write_rule_batch(run.id, &batch(0, vec![s.clone()]))
        .await
        .unwrap_err();
    assert!(matches!(err, StoreError::RuleRun(_)), "{err}");
    assert!(store.finish_rule_run(run.id).await.is_err());
    // Nothing is queued before the run finishes.
    assert!(store.rule_outbox(true).await.unwrap().is_empty());

    // Interrupted: the same work resumes after `done`; other rules are refused.
    match store.begin_rule_run(&v1, false).await.unwrap() {
        RuleRunStart::Resumed(r) => assert_eq!((r.id, r.done), (run.id, 2)),
        other => panic!("{other:?}"),
    }
    let err = store
        .begin_rule_run(&new_run("v2", 3), false)
        .await
        .unwrap_err();
    assert_eq!(err.code().as_str(), "rule_run_conflict");
    assert!(err.to_string().contains("--restart"), "{err}");

    // An unknown customer rolls the whole batch back.
    let mut ghost = s.clone();
    ghost.customer = id("GHOST");
    assert!(
        store
            .write_rule_batch(run.id, &batch(2, vec![ghost]))
            .await
            .is_err()
    );
    store
        .write_rule_batch(run.id, &batch(2, vec![s.clone()]))
        .await
        .unwrap();
    let finished = store.finish_rule_run(run.id).await.unwrap();
    assert!(finished.finished_at.is_some());
    match store.begin_rule_run(&v1, false).await.unwrap() {
        RuleRunStart::UpToDate(r) => assert_eq!(r.id, run.id),
        other => panic!("{other:?}"),
    }

    // Everything reads back exactly.
    assert_eq!(
        store.rule_run_customer(run.id, &id("A")).await.unwrap(),
        Some(a.clone())
    );
    assert_eq!(
        store.rule_run_customer(run.id, &id("S")).await.unwrap(),
        Some(s.clone())
    );
    assert_eq!(
        store.rule_run_customer(run.id, &id("NOPE")).await.unwrap(),
        None
    );
    let stored = store.rule_run_scores(run.id).await.unwrap();
    let ids: Vec<&str> = stored.iter().map(|c| c.customer.as_str()).collect();
    assert_eq!(ids, ["A", "B", "S"]);
    assert_eq!(stored[1].scores, b.scores);
    assert_eq!(stored[1].levels, b.levels);

    // The outbox holds A's firing; delivering it marks it.
    let pending = store.rule_outbox(false).await.unwrap();
    assert_eq!(pending.len(), 1);
    assert_eq!(store.rule_outbox_pending().await.unwrap(), 1);
    let p = &pending[0];
    assert_eq!(
        (p.trigger.as_str(), p.customer.as_str(), p.occurrence, p.at),
        ("welcome", "A", 1, at(500))
    );
    assert_eq!(
        (p.status, p.version.as_str()),
        (OutboxStatus::Pending, "v1")
    );
    assert_eq!(store.mark_outbox_delivered(&[p.id]).await.unwrap(), 1);
    assert_eq!(store.mark_outbox_delivered(&[p.id]).await.unwrap(), 0);
    assert!(store.rule_outbox(false).await.unwrap().is_empty());

    // Version 2: A fires again (the same firing: not queued twice), B fires too.
    let RuleRunStart::Started(run2) = store
        .begin_rule_run(&new_run("v2", 3), false)
        .await
        .unwrap()
    else {
        panic!("a new run")
    };
    let b2 = results("B", 7_000_000, true);
    store
        .write_rule_batch(run2.id, &batch(0, vec![a.clone(), b2.clone(), s.clone()]))
        .await
        .unwrap();
    store.finish_rule_run(run2.id).await.unwrap();
    let all = store.rule_outbox(true).await.unwrap();
    assert_eq!(all.len(), 2, "{all:?}");
    let pending = store.rule_outbox(false).await.unwrap();
    assert_eq!(pending.len(), 1);
    assert_eq!(
        (pending[0].customer.as_str(), pending[0].first_run),
        ("B", run2.id)
    );

    // Old runs keep their version and results.
    assert_eq!(
        store.rule_run_scores(run.id).await.unwrap()[1].scores,
        b.scores
    );
    assert_eq!(
        store.rule_run_scores(run2.id).await.unwrap()[1].scores,
        b2.scores
    );
    let versions = store.rule_versions().await.unwrap();
    let summary: Vec<(&str, bool, usize)> = versions
        .iter()
        .map(|v| (v.version.as_str(), v.current, v.runs.len()))
        .collect();
    assert_eq!(summary, [("v1", false, 1), ("v2", true, 1)]);
    assert!(versions.iter().all(|v| v.published_at.is_some()));
    assert_eq!(versions[0].names, version("v1").names);
    assert_eq!(
        store
            .latest_rule_run(Some("v1"))
            .await
            .unwrap()
            .map(|r| r.id),
        Some(run.id)
    );

    // Version 3 no longer fires for B: B's pending firing is superseded; A's stays delivered.
    let RuleRunStart::Started(run3) = store
        .begin_rule_run(&new_run("v3", 3), false)
        .await
        .unwrap()
    else {
        panic!("a new run")
    };
    store
        .write_rule_batch(
            run3.id,
            &batch(0, vec![results("A", 1, false), b.clone(), s.clone()]),
        )
        .await
        .unwrap();
    store.finish_rule_run(run3.id).await.unwrap();
    let all: Vec<(String, OutboxStatus, i64)> = store
        .rule_outbox(true)
        .await
        .unwrap()
        .into_iter()
        .map(|r| (r.customer.to_string(), r.status, r.last_run))
        .collect();
    assert_eq!(
        all,
        [
            ("A".to_owned(), OutboxStatus::Delivered, run2.id),
            ("B".to_owned(), OutboxStatus::Superseded, run2.id)
        ]
    );
    assert!(store.rule_outbox(false).await.unwrap().is_empty());
    assert_eq!(store.rule_outbox_pending().await.unwrap(), 0);
}

#[tokio::test]
async fn restart_discards_an_interrupted_run_and_superseded_firings_return() {
    let (_dir, store) = store_with_customers().await;
    let all = |fires_b: bool| {
        vec![
            results("A", 1_000_000, true),
            results("B", 2_000_000, fires_b),
            results("S", 3_000_000, false),
        ]
    };
    let publish = |v: &'static str, fires_b: bool| {
        let store = &store;
        async move {
            let start = store.begin_rule_run(&new_run(v, 3), false).await.unwrap();
            let RuleRunStart::Started(run) = start else {
                panic!("{start:?}")
            };
            store
                .write_rule_batch(run.id, &batch(0, all(fires_b)))
                .await
                .unwrap();
            store.finish_rule_run(run.id).await.unwrap()
        }
    };
    publish("v1", true).await;
    publish("v2", false).await;
    let statuses = |records: Vec<patron_store::OutboxRecord>| -> Vec<(String, OutboxStatus)> {
        records
            .into_iter()
            .map(|r| (r.customer.to_string(), r.status))
            .collect()
    };
    assert_eq!(
        statuses(store.rule_outbox(true).await.unwrap()),
        [
            ("A".to_owned(), OutboxStatus::Pending),
            ("B".to_owned(), OutboxStatus::Superseded)
        ]
    );
    let v3 = publish("v3", true).await;
    assert_eq!(store.rule_outbox(false).await.unwrap().len(), 2);

    // Interrupt v4 after one customer, then restart it: the partial run is gone.
    let RuleRunStart::Started(partial) = store
        .begin_rule_run(&new_run("v4", 3), false)
        .await
        .unwrap()
    else {
        panic!("a new run")
    };
    store
        .write_rule_batch(partial.id, &batch(0, vec![results("A", 9, false)]))
        .await
        .unwrap();
    let RuleRunStart::Started(fresh) = store.begin_rule_run(&new_run("v4", 3), true).await.unwrap()
    else {
        panic!("a new run")
    };
    assert_ne!(fresh.id, partial.id);
    assert_eq!(fresh.done, 0);
    assert!(
        store.rule_run_scores(partial.id).await.is_err(),
        "the partial run is gone"
    );
    let runs: Vec<i64> = store
        .rule_versions()
        .await
        .unwrap()
        .iter()
        .flat_map(|v| v.runs.iter().map(|r| r.id))
        .collect();
    assert!(
        !runs.contains(&partial.id) && runs.contains(&fresh.id),
        "{runs:?}"
    );
    // Until v4 finishes, v3 is current; restart also recomputes a version that is up to date.
    assert_eq!(
        store.latest_rule_run(None).await.unwrap().map(|r| r.id),
        Some(v3.id)
    );
    store
        .write_rule_batch(fresh.id, &batch(0, all(true)))
        .await
        .unwrap();
    store.finish_rule_run(fresh.id).await.unwrap();
    match store.begin_rule_run(&new_run("v4", 3), true).await.unwrap() {
        RuleRunStart::Started(r) => assert!(r.id > fresh.id),
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn event_properties_load_only_on_request() {
    use patron_core::ids::EventId;
    use patron_core::model::{Actor, Event};
    use patron_store::FactOptions;
    let (_dir, store) = store_with_customers().await;
    let event = |eid: &str, who: &str, secs: i64, props: &[(&str, &str)]| Event {
        event_id: EventId::parse(eid).unwrap(),
        actor: Actor::Customer(id(who)),
        timestamp: at(secs),
        event_type: "page_view".into(),
        properties: props
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect(),
    };
    let mut w = store.begin_import().await.unwrap();
    w.write_events(&[
        event("e3", "B", 300, &[("url", "/blog")]),
        event(
            "e1",
            "A",
            200,
            &[("url", "/pricing"), ("campaign", "spring")],
        ),
        event("e2", "A", 100, &[]),
    ])
    .await
    .unwrap();
    w.commit(&[], serde_json::json!({})).await.unwrap();

    let plain = store.load_facts(at(1_000)).await.unwrap();
    assert!(plain.events.properties.is_empty());
    let options = FactOptions {
        event_properties: vec!["url".into(), "nowhere".into()],
    };
    let facts = store.load_facts_with(at(1_000), &options).await.unwrap();
    let e = &facts.events;
    assert_eq!(e.timestamp, plain.events.timestamp, "same rows, same order");
    let values = |name: &str| -> Vec<Option<&str>> {
        e.properties[name]
            .iter()
            .map(|&c| (c != patron_core::facts::NONE).then(|| e.property_values.name(c)))
            .collect()
    };
    // Sorted by (customer, time): A at 100 (none), A at 200, B at 300.
    assert_eq!(values("url"), [None, Some("/pricing"), Some("/blog")]);
    assert_eq!(values("nowhere"), [None, None, None]);
    assert!(
        !e.properties.contains_key("campaign"),
        "only what was asked"
    );
}
