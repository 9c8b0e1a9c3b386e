use patron_core::Money;
use patron_core::Timestamp;
use patron_core::ids::{CustomerId, EventId, OrderId};
use patron_core::model::{Actor, Customer, Event, OrderLine};
use patron_store::{SqliteStore, Store};
use std::collections::BTreeMap;

fn ts(text: &str) -> Timestamp {
    Timestamp::parse_flexible(text).unwrap()
}

fn id(s: &str) -> CustomerId {
    CustomerId::parse(s).unwrap()
}

fn customer(key: &str, name: Option<&str>, email: Option<&str>, created: Option<&str>) -> Customer {
    Customer {
        name: name.map(Into::into),
        email: email.map(Into::into),
        created_at: created.map(ts),
        is_stub: false,
        ..Customer::stub(id(key))
    }
}

fn line(order: &str, no: u32, who: &str, at: &str, amount: f64) -> OrderLine {
    OrderLine {
        order_id: OrderId::parse(order).unwrap(),
        line_no: no,
        customer_id: id(who),
        timestamp: ts(at),
        sku: Some("S1".into()),
        category: None,
        quantity: 1.0,
        unit_price: None,
        amount: Money::from_f64(amount),
        cost: None,
        channel: None,
        is_return: amount < 0.0,
    }
}

fn event(eid: &str, who: &str, at: &str, kind: &str) -> Event {
    Event {
        event_id: EventId::parse(eid).unwrap(),
        actor: Actor::Customer(id(who)),
        timestamp: ts(at),
        event_type: kind.into(),
        properties: BTreeMap::new(),
    }
}

async fn store() -> (tempfile::TempDir, SqliteStore) {
    let dir = tempfile::tempdir().unwrap();
    let store = SqliteStore::open(&dir.path().join("t.db")).await.unwrap();
    (dir, store)
}

/// Two customers, a stub known only from its orders, and some events.
async fn seeded() -> (tempfile::TempDir, SqliteStore) {
    let (dir, store) = store().await;
    let mut w = store.begin_import().await.unwrap();
    w.write_customers(&[
        customer(
            "A",
            Some("Anna Alt"),
            Some("anna@example.com"),
            Some("2024-01-01"),
        ),
        customer("B", Some("Anna Alt"), None, Some("2024-03-01")),
        Customer::stub(id("S")),
    ])
    .await
    .unwrap();
    w.write_order_lines(&[
        line("O1", 1, "A", "2024-01-10 10:00:00", 10.0),
        line("O1", 2, "A", "2024-01-10 10:00:00", 5.5),
        line("O2", 1, "B", "2024-03-05", 20.0),
        line("O3", 1, "S", "2024-02-01", 7.0),
        line("O4", 1, "A", "2024-06-01", -5.5),
    ])
    .await
    .unwrap();
    w.write_events(&[
        event("E1", "B", "2024-03-02", "email_open"),
        event("E2", "A", "2024-05-01", "page_view"),
    ])
    .await
    .unwrap();
    w.commit(&[], serde_json::json!({})).await.unwrap();
    (dir, store)
}

#[tokio::test]
async fn status_counts_and_dedup() {
    let (_dir, store) = seeded().await;
    let s = store.status().await.unwrap();
    assert_eq!(
        (
            s.customers,
            s.stub_customers,
            s.orders,
            s.order_lines,
            s.returns,
            s.events
        ),
        (3, 1, 4, 5, 1, 2)
    );
    assert_eq!(s.revenue, Money::from_f64(37.0));
    // The same facts again: nothing new.
    let mut w = store.begin_import().await.unwrap();
    let c = w
        .write_order_lines(&[line("O1", 1, "A", "2024-01-10 10:00:00", 10.0)])
        .await
        .unwrap();
    assert_eq!((c.inserted, c.duplicates), (0, 1));
    let c = w
        .write_customers(&[customer(
            "A",
            Some("Anna Alt"),
            Some("anna@example.com"),
            Some("2024-01-01"),
        )])
        .await
        .unwrap();
    assert_eq!((c.inserted, c.updated, c.duplicates), (0, 0, 1));
    // A changed record is an update; a stub filled in counts as new.
    let c = w
        .write_customers(&[
            customer("A", Some("Anna Alt-Neu"), None, None),
            customer("S", Some("Stefan"), None, None),
        ])
        .await
        .unwrap();
    assert_eq!((c.inserted, c.updated, c.duplicates), (1, 1, 0));
    w.commit(&[], serde_json::json!({})).await.unwrap();
    let s = store.status().await.unwrap();
    assert_eq!((s.customers, s.stub_customers), (3, 0));
}

#[tokio::test]
async fn rollback_leaves_nothing() {
    let (_dir, store) = seeded().await;
    let mut w = store.begin_import().await.unwrap();
    w.write_customers(&[customer("C", None, None, Some("2024-01-01"))])
        .await
        .unwrap();
    w.write_order_lines(&[line("O9", 1, "C", "2024-01-02", 1.0)])
        .await
        .unwrap();
    w.rollback().await.unwrap();
    let s = store.status().await.unwrap();
    assert_eq!((s.customers, s.order_lines, s.imports), (3, 5, 1));
}

#[tokio::test]
async fn facts_as_of_are_columnar_and_exclude_the_future() {
    let (_dir, store) = seeded().await;
    let f = store.load_facts(ts("2024-03-03")).await.unwrap();
    // B was created 2024-03-01 and is in; S is a stub first seen 2024-02-01.
    let ids: Vec<&str> = f.customers.ids.iter().map(|c| c.as_str()).collect();
    assert_eq!(ids, ["A", "B", "S"]);
    assert_eq!(f.customers.created_at[2], ts("2024-02-01"));
    let a = f.order_range(0);
    assert_eq!(a.len(), 2, "A's lines before as_of");
    assert_eq!(
        f.orders.amount[a].iter().copied().sum::<Money>(),
        Money::from_f64(15.5)
    );
    assert_eq!(
        f.order_range(1).len(),
        0,
        "B's order on 03-05 is after as_of"
    );
    assert_eq!(f.event_range(1).len(), 1);
    assert_eq!(
        f.events
            .types
            .name(f.events.event_type[f.event_range(1).start]),
        "email_open"
    );

    let early = store.load_facts(ts("2024-01-15")).await.unwrap();
    let ids: Vec<&str> = early.customers.ids.iter().map(|c| c.as_str()).collect();
    assert_eq!(
        ids,
        ["A"],
        "customers acquired after as_of are not in the fact set"
    );
    assert_eq!(
        store.last_fact_time().await.unwrap(),
        Some(ts("2024-06-01"))
    );
}

#[tokio::test]
async fn merge_moves_facts_fills_fields_and_undoes() {
    let (_dir, store) = seeded().await;
    let before = store.load_facts(ts("2025-01-01")).await.unwrap();
    let m = store.merge_customers(&id("B"), &id("A")).await.unwrap();
    assert_eq!(m.moved["order_lines"], 3);
    assert_eq!(m.moved["events"], 1);
    assert!(
        m.fields_taken.contains(&"email".to_string()),
        "{:?}",
        m.fields_taken
    );
    assert!(m.fields_taken.contains(&"created_at".to_string()));

    let customers = store.customers().await.unwrap();
    assert_eq!(customers.len(), 2);
    let b = customers.iter().find(|c| c.id.as_str() == "B").unwrap();
    assert_eq!(b.email.as_deref(), Some("anna@example.com"));
    assert_eq!(b.created_at, Some(ts("2024-01-01")));
    let after = store.load_facts(ts("2025-01-01")).await.unwrap();
    let bi = after.customer_index(&id("B")).unwrap();
    assert_eq!(after.order_range(bi).len(), 4);

    // Facts for the merged-away id now land on the survivor.
    let mut w = store.begin_import().await.unwrap();
    w.write_order_lines(&[line("O7", 1, "A", "2024-07-01", 3.0)])
        .await
        .unwrap();
    w.commit(&[], serde_json::json!({})).await.unwrap();
    let merged = store.load_facts(ts("2025-01-01")).await.unwrap();
    assert_eq!(
        merged
            .order_range(merged.customer_index(&id("B")).unwrap())
            .len(),
        5
    );

    assert!(
        store.merge_customers(&id("B"), &id("A")).await.is_err(),
        "A is already merged"
    );
    assert!(store.merge_customers(&id("B"), &id("B")).await.is_err());

    let undone = store.undo_merge(m.id).await.unwrap();
    assert!(undone.reverted_at.is_some());
    assert!(store.undo_merge(m.id).await.is_err(), "undo twice");
    let restored = store.load_facts(ts("2025-01-01")).await.unwrap();
    assert_eq!(restored.customers.ids, before.customers.ids);
    for i in 0..restored.customers.len() {
        let who = &restored.customers.ids[i];
        let expected = before.order_range(i).len() + usize::from(who.as_str() == "B");
        assert_eq!(
            restored.order_range(i).len(),
            expected,
            "{who}: O7 was imported for the survivor"
        );
    }
    let b = store
        .customers()
        .await
        .unwrap()
        .into_iter()
        .find(|c| c.id.as_str() == "B")
        .unwrap();
    assert_eq!(b.email, None);
    assert_eq!(store.merges().await.unwrap().len(), 1);
}

#[tokio::test]
async fn undo_is_refused_after_a_score_run() {
    let (_dir, store) = seeded().await;
    let m = store.merge_customers(&id("A"), &id("B")).await.unwrap();
    sqlx::query("INSERT INTO score_runs (as_of, created_at) VALUES (0, 'now')")
        .execute(store.pool())
        .await
        .unwrap();
    let err = store.undo_merge(m.id).await.unwrap_err().to_string();
    assert!(err.contains("can no longer be undone"), "{err}");
}

#[tokio::test]
async fn events_load_by_customer_and_time_with_ties_in_event_id_order() {
    let (_dir, store) = store().await;
    let mut w = store.begin_import().await.unwrap();
    w.write_customers(&[
        customer("A", None, None, Some("2024-01-01")),
        customer("B", None, None, Some("2024-01-01")),
    ])
    .await
    .unwrap();
    w.write_events(&[
        event("E3", "B", "2024-02-01", "b_first"),
        event("E2", "A", "2024-03-01 10:00:00", "tie_e2"),
        event("E10", "A", "2024-03-01 10:00:00", "tie_e10"),
        event("E1", "A", "2024-01-05", "a_first"),
        event("E4", "A", "2024-09-01", "after_as_of"),
    ])
    .await
    .unwrap();
    w.commit(&[], serde_json::json!({})).await.unwrap();
    let facts = store.load_facts(ts("2024-06-01")).await.unwrap();
    let e = &facts.events;
    let types: Vec<&str> = e.event_type.iter().map(|&t| e.types.name(t)).collect();
    // A's events by time, the two at the same second in event-id order ("E10" < "E2"), then B's.
    assert_eq!(types, ["a_first", "tie_e10", "tie_e2", "b_first"]);
    assert_eq!(e.offsets, [0, 3, 4]);
}

/// Customer `c`'s order lines of a fact set as (time, order id, amount), in fact-set order.
fn lines_of(f: &patron_core::facts::Facts, c: usize) -> Vec<(Timestamp, String, Money)> {
    f.order_range(c)
        .map(|i| {
            let o = &f.orders;
            (
                o.timestamp[i],
                o.order_ids.name(o.order[i]).to_owned(),
                o.amount[i],
            )
        })
        .collect()
}

fn events_of(f: &patron_core::facts::Facts, c: usize) -> Vec<(Timestamp, String)> {
    f.event_range(c)
        .map(|i| {
            let e = &f.events;
            (e.timestamp[i], e.types.name(e.event_type[i]).to_owned())
        })
        .collect()
}

#[tokio::test]
async fn one_customer_loads_alone_as_in_the_full_load() {
    let (_dir, store) = seeded().await;
    let options = patron_store::FactOptions::default();
    for as_of in ["2024-02-15", "2024-12-31"] {
        let full = store.load_facts(ts(as_of)).await.unwrap();
        for c in 0..full.customers.len() {
            let who = full.customers.ids[c].clone();
            let alone = store
                .load_customer_facts(&who, ts(as_of), &options)
                .await
                .unwrap()
                .expect("a customer of the full load loads alone");
            assert_eq!(alone.customers.ids, std::slice::from_ref(&who));
            assert_eq!(alone.customers.created_at, [full.customers.created_at[c]]);
            assert_eq!(alone.customers.consent, [full.customers.consent[c]]);
            assert_eq!(lines_of(&alone, 0), lines_of(&full, c), "{who} {as_of}");
            assert_eq!(events_of(&alone, 0), events_of(&full, c), "{who} {as_of}");
        }
    }
    // Not yet acquired, and unknown: no fact set.
    assert!(
        store
            .load_customer_facts(&id("B"), ts("2024-02-15"), &options)
            .await
            .unwrap()
            .is_none()
    );
    assert!(
        store
            .load_customer_facts(&id("NOBODY"), ts("2024-12-31"), &options)
            .await
            .unwrap()
            .is_none()
    );
}

#[tokio::test]
async fn facts_load_from_one_snapshot_while_another_process_writes() {
    let (dir, store) = seeded().await;
    let before = store.load_facts(ts("2025-01-01")).await.unwrap();
    // Another connection holds the write lock with an uncommitted order line: the load reads
    // every table on one connection (one snapshot) and sees none of it.
    let other = rusqlite::Connection::open(dir.path().join("t.db")).unwrap();
    other
        .execute_batch(
            "BEGIN IMMEDIATE;
             INSERT INTO order_lines (order_id, line_no, customer_key, ts, quantity, amount, is_return)
             SELECT 'O9', 1, key, 1717200000, 1, 999, 0 FROM customers WHERE id = 'A';",
        )
        .unwrap();
    let during = store.load_facts(ts("2025-01-01")).await.unwrap();
    assert_eq!(during.orders.amount, before.orders.amount);
    assert_eq!(during.customers.ids, before.customers.ids);
    other.execute_batch("COMMIT").unwrap();
    let after = store.load_facts(ts("2025-01-01")).await.unwrap();
    assert_eq!(after.orders.amount.len(), before.orders.amount.len() + 1);
}

/// `(fact, natural key, old row)` of every correction, oldest first.
async fn history(store: &SqliteStore) -> Vec<(String, String, serde_json::Value)> {
    let rows: Vec<(String, String, String)> =
        sqlx::query_as("SELECT fact, natural_key, old FROM fact_history ORDER BY id")
            .fetch_all(store.pool())
            .await
            .unwrap();
    rows.into_iter()
        .map(|(f, k, o)| (f, k, serde_json::from_str(&o).unwrap()))
        .collect()
}

#[tokio::test]
async fn corrections_replace_facts_and_keep_the_old_version() {
    // Issue 11, defect 3: a changed order line was counted as a duplicate and dropped.
    let (_dir, store) = seeded().await;
    let mut w = store.begin_import().await.unwrap();
    let c = w
        .write_order_lines(&[
            // Corrected amount.
            line("O1", 2, "A", "2024-01-10 10:00:00", 6.5),
            // Unchanged.
            line("O2", 1, "B", "2024-03-05", 20.0),
            // New; then corrected again within the same batch (the last one read wins).
            line("O5", 1, "B", "2024-04-01", 1.0),
            line("O5", 1, "B", "2024-04-01", 2.0),
        ])
        .await
        .unwrap();
    assert_eq!((c.inserted, c.updated, c.duplicates), (1, 2, 1));
    let c = w
        .write_events(&[
            event("E1", "B", "2024-03-02", "email_click"),
            event("E2", "A", "2024-05-01", "page_view"),
        ])
        .await
        .unwrap();
    assert_eq!((c.inserted, c.updated, c.duplicates), (0, 1, 1));
    let c = w
        .write_customers(&[customer("A", Some("Anna Neu"), None, None)])
        .await
        .unwrap();
    assert_eq!(c.updated, 1);
    w.commit(&[], serde_json::json!({})).await.unwrap();

    let s = store.status().await.unwrap();
    assert_eq!(s.order_lines, 6);
    assert_eq!(s.revenue, Money::from_f64(37.0 + 1.0 + 2.0));
    let f = store.load_facts(ts("2025-01-01")).await.unwrap();
    assert_eq!(
        f.orders.amount[f.order_range(0)]
            .iter()
            .copied()
            .sum::<Money>(),
        Money::from_f64(10.0 + 6.5 - 5.5)
    );
    let h = history(&store).await;
    let facts: Vec<(&str, &str)> = h.iter().map(|(f, k, _)| (f.as_str(), k.as_str())).collect();
    assert_eq!(
        facts,
        [
            ("order_lines", r#"["O1",2]"#),
            ("order_lines", r#"["O5",1]"#),
            ("events", r#"["E1"]"#),
            ("customers", r#"["A"]"#),
        ]
    );
    assert_eq!(h[0].2["amount"], 55_000, "the old 5.50");
    assert_eq!(h[1].2["amount"], 10_000);
    assert_eq!(h[2].2["type"], "email_open");
    assert_eq!(h[3].2["name"], "Anna Alt");

    // A merge moves facts without recording corrections; importing the same again changes
    // nothing.
    store.merge_customers(&id("A"), &id("B")).await.unwrap();
    let mut w = store.begin_import().await.unwrap();
    let c = w
        .write_order_lines(&[line("O1", 2, "A", "2024-01-10 10:00:00", 6.5)])
        .await
        .unwrap();
    assert_eq!((c.inserted, c.updated, c.duplicates), (0, 0, 1));
    w.commit(&[], serde_json::json!({})).await.unwrap();
    assert_eq!(history(&store).await.len(), 4);
}

#[tokio::test]
async fn api_keys_are_found_by_digest_and_revoked() {
    use patron_store::{NewApiKey, Scope};
    let (_dir, store) = store().await;
    let key = |name: &str, byte: u8, scope| NewApiKey {
        name: name.into(),
        scope,
        digest: [byte; 32],
        prefix: format!("patron_{name}"),
    };
    let crm = store
        .create_api_key(&key("crm", 1, Scope::Read))
        .await
        .unwrap();
    let shop = store
        .create_api_key(&key("shop", 2, Scope::Ingest))
        .await
        .unwrap();
    assert_eq!((crm.scope, shop.scope), (Scope::Read, Scope::Ingest));
    assert_eq!(
        store.api_key_by_digest(&[1; 32]).await.unwrap().unwrap().id,
        crm.id
    );
    assert!(store.api_key_by_digest(&[3; 32]).await.unwrap().is_none());
    // The same digest twice is refused (a key is one secret).
    assert!(
        store
            .create_api_key(&key("again", 1, Scope::Admin))
            .await
            .is_err()
    );
    assert!(store.revoke_api_key(crm.id).await.unwrap());
    assert!(
        !store.revoke_api_key(crm.id).await.unwrap(),
        "already revoked"
    );
    assert!(store.api_key_by_digest(&[1; 32]).await.unwrap().is_none());
    let all = store.api_keys().await.unwrap();
    assert_eq!(all.len(), 2);
    assert!(all[0].revoked_at.is_some() && all[1].revoked_at.is_none());
}

#[tokio::test]
async fn live_cards_and_their_outbox_messages_commit_together() {
    let (_dir, store) = seeded().await;
    let hook = store
        .add_webhook(&patron_store::NewWebhook {
            url: "https://crm.example/hooks".into(),
            events: vec!["stage".into()],
            secret: "whsec_c2VjcmV0".into(),
            allow_private: false,
        })
        .await
        .unwrap();
    let messages = [
        ("msg_1".to_owned(), "stage".to_owned(), "{}".to_owned()),
        ("msg_2".to_owned(), "tier".to_owned(), "{}".to_owned()),
    ];
    let deliveries = store
        .put_live_cards(&[(id("A"), 1, "{\"v\":1}".into())], &messages, &[], 100)
        .await
        .unwrap();
    assert_eq!(deliveries, 1, "only the stage message has a subscriber");
    let due = store.due_deliveries(100, 10).await.unwrap();
    assert_eq!(due.len(), 1);
    assert_eq!(
        (due[0].webhook.id, due[0].msg_id.as_str()),
        (hook.id, "msg_1")
    );
    assert!(store.due_deliveries(99, 10).await.unwrap().is_empty());
    assert_eq!(store.live_cards(&id("A"), 10).await.unwrap().len(), 1);
}

#[tokio::test]
async fn live_cards_keep_their_history_newest_first() {
    let (_dir, store) = seeded().await;
    let (a, b) = (id("A"), id("B"));
    store
        .put_live_cards(
            &[
                (a.clone(), 1, "{\"v\":1}".into()),
                (b.clone(), 1, "{\"v\":9}".into()),
            ],
            &[],
            &[],
            0,
        )
        .await
        .unwrap();
    store
        .put_live_cards(&[(a.clone(), 2, "{\"v\":2}".into())], &[], &[], 0)
        .await
        .unwrap();
    let cards = store.live_cards(&a, 10).await.unwrap();
    let seen: Vec<(i64, &str)> = cards.iter().map(|c| (c.run_id, c.card.as_str())).collect();
    assert_eq!(seen, [(2, "{\"v\":2}"), (1, "{\"v\":1}")]);
    assert_eq!(store.live_cards(&a, 1).await.unwrap().len(), 1);
    assert!(
        store
            .live_cards(&id("NOBODY"), 10)
            .await
            .unwrap()
            .is_empty()
    );
    assert!(store.customer_exists(&a).await.unwrap());
    assert!(!store.customer_exists(&id("NOBODY")).await.unwrap());
}

#[tokio::test]
async fn customers_are_read_one_by_one_and_checked_together() {
    let (_dir, store) = seeded().await;
    let a = store.customer(&id("A")).await.unwrap().unwrap();
    assert_eq!(a.email.as_deref(), Some("anna@example.com"));
    // A stub is no customer record; an unknown id is none.
    assert!(store.customer(&id("S")).await.unwrap().is_none());
    assert!(store.customer(&id("NOBODY")).await.unwrap().is_none());
    let asked: Vec<CustomerId> = ["A", "B", "NOBODY"].into_iter().map(id).collect();
    let found = store.existing_customers(&asked).await.unwrap();
    assert_eq!(found, [id("A"), id("B")].into_iter().collect());
}

#[tokio::test]
async fn the_current_card_is_the_newest_live_card_of_the_latest_run_or_the_runs_own() {
    let (_dir, store) = seeded().await;
    assert!(
        store.current_card(&id("A")).await.unwrap().is_none(),
        "no run yet"
    );
    assert_eq!(store.latest_run_id().await.unwrap(), None);
    let mut run = store
        .begin_score_run(patron_store::ScoreRunHeader {
            as_of: ts("2024-07-01"),
            rules_version: None,
            context: "{}".into(),
        })
        .await
        .unwrap();
    let card = |who: &str, tier: &str| patron_store::CardRecord {
        customer_id: id(who),
        tier: tier.into(),
        status: "Standard".into(),
        value_score: Some(50.0),
        churn_risk: None,
        clv: None,
        stage: None,
        action: None,
        card: format!("{{\"customer_id\":\"{who}\",\"tier\":\"{tier}\"}}"),
    };
    run.write_cards(vec![card("A", "VIP"), card("B", "Basic")])
        .await
        .unwrap();
    let run_id = run
        .finish(patron_store::ScoreRunEnd {
            summary: serde_json::json!({}),
            raised: Vec::new(),
            cleared: Vec::new(),
        })
        .await
        .unwrap();
    assert_eq!(store.latest_run_id().await.unwrap(), Some(run_id));
    let current = store.current_card(&id("A")).await.unwrap().unwrap();
    assert_eq!((current.run_id, current.live), (run_id, false));
    assert!(current.card.unwrap().contains("VIP"));
    // A live card against that run is the current one; one against an earlier run is not.
    store
        .put_live_cards(
            &[(id("A"), run_id, "{\"tier\":\"Premium\"}".into())],
            &[],
            &[],
            0,
        )
        .await
        .unwrap();
    store
        .put_live_cards(
            &[(id("B"), run_id - 1, "{\"tier\":\"Old\"}".into())],
            &[],
            &[],
            0,
        )
        .await
        .unwrap();
    let a = store.current_card(&id("A")).await.unwrap().unwrap();
    assert_eq!(
        (a.live, a.card.as_deref()),
        (true, Some("{\"tier\":\"Premium\"}"))
    );
    let b = store.current_card(&id("B")).await.unwrap().unwrap();
    assert!(!b.live && b.card.unwrap().contains("Basic"));
    // No card in the run: the run, without a card.
    let s = store.current_card(&id("NOBODY")).await.unwrap().unwrap();
    assert_eq!((s.run_id, s.card), (run_id, None));
    // Live cards since a time.
    assert_eq!(
        store
            .live_customers_since("2000-01-01")
            .await
            .unwrap()
            .len(),
        2
    );
    assert!(
        store
            .live_customers_since("9999-01-01")
            .await
            .unwrap()
            .is_empty()
    );
}

#[tokio::test]
async fn live_pending_marks_commit_with_the_facts_and_clear_with_the_cards() {
    let (_dir, store) = seeded().await;
    let mut w = store.begin_import().await.unwrap();
    w.mark_live_pending(&[(id("A"), Some(ts("2024-05-01"))), (id("B"), None)])
        .await
        .unwrap();
    w.mark_live_pending(&[
        (id("A"), Some(ts("2024-04-01"))),
        (id("B"), Some(ts("2024-06-01"))),
    ])
    .await
    .unwrap();
    // Not before the commit.
    assert!(store.live_pending().await.unwrap().is_empty());
    w.commit(&[], serde_json::json!({})).await.unwrap();
    assert_eq!(
        store.live_pending().await.unwrap(),
        [
            (id("A"), Some(ts("2024-04-01"))),
            (id("B"), Some(ts("2024-06-01")))
        ]
    );
    store
        .put_live_cards(&[(id("A"), 1, "{}".into())], &[], &[id("A")], 0)
        .await
        .unwrap();
    assert_eq!(
        store.live_pending().await.unwrap(),
        [(id("B"), Some(ts("2024-06-01")))]
    );
}

#[tokio::test]
async fn customers_are_found_by_id_email_or_the_beginning_of_a_name() {
    let (_dir, store) = seeded().await;
    let ids = |found: Vec<patron_store::CustomerMatch>| -> Vec<String> {
        found
            .into_iter()
            .map(|m| m.id.as_str().to_owned())
            .collect()
    };
    // An id first; an e-mail address ignoring case; a name by its beginning, ignoring case.
    assert_eq!(ids(store.search_customers("B", 10).await.unwrap()), ["B"]);
    // The names that begin with it (in name order, then id) after the id.
    assert_eq!(
        ids(store.search_customers("A", 10).await.unwrap()),
        ["A", "B"]
    );
    assert_eq!(
        ids(store
            .search_customers("ANNA@example.com", 10)
            .await
            .unwrap()),
        ["A"]
    );
    assert_eq!(
        ids(store.search_customers("anna a", 10).await.unwrap()),
        ["A", "B"]
    );
    // Each customer once, the limit kept, a stub and an empty query never found.
    assert_eq!(ids(store.search_customers("an", 1).await.unwrap()), ["A"]);
    assert!(store.search_customers("S", 10).await.unwrap().is_empty());
    assert!(store.search_customers("  ", 10).await.unwrap().is_empty());
    assert!(store.search_customers("Bert", 10).await.unwrap().is_empty());
    // A wildcard is a character like any other.
    assert!(store.search_customers("%", 10).await.unwrap().is_empty());
}

#[tokio::test]
async fn segments_are_saved_by_name_replaced_and_deleted() {
    let (_dir, store) = store().await;
    let segment = |name: &str, condition: &str| patron_store::SavedSegment {
        name: name.into(),
        condition: condition.into(),
        description: "d".into(),
        saved_by: "marketing".into(),
        saved_at: String::new(),
    };
    let saved = store
        .save_segment(&segment("vip", "tier == \"VIP\""))
        .await
        .unwrap();
    assert!(!saved.saved_at.is_empty());
    store
        .save_segment(&segment("at-risk", "churn_risk > 0.5"))
        .await
        .unwrap();
    store
        .save_segment(&segment("vip", "tier == \"Premium\""))
        .await
        .unwrap();
    let all = store.saved_segments().await.unwrap();
    let names: Vec<&str> = all.iter().map(|s| s.name.as_str()).collect();
    assert_eq!(names, ["at-risk", "vip"]);
    assert_eq!(all[1].condition, "tier == \"Premium\"");
    assert!(store.delete_segment("vip").await.unwrap());
    assert!(!store.delete_segment("vip").await.unwrap());
    assert_eq!(store.saved_segments().await.unwrap().len(), 1);
}

#[tokio::test]
async fn contests_are_filed_listed_and_resolved_once_with_audit_entries() {
    let (_dir, store) = seeded().await;
    let contest = |who: &str| patron_store::NewContest {
        customer_id: id(who),
        decision: "tier".into(),
        statement: "I am a loyal customer".into(),
        channel: "phone".into(),
        received_by: "desk".into(),
    };
    assert!(matches!(
        store.file_contest(&contest("NOBODY")).await,
        Err(patron_store::StoreError::UnknownCustomer(_))
    ));
    let filed = store.file_contest(&contest("A")).await.unwrap();
    assert_eq!(filed.customer_id, id("A"));
    assert!(filed.resolved_at.is_none());
    store.file_contest(&contest("B")).await.unwrap();
    let open = store.contests(None, true, 100).await.unwrap();
    assert_eq!(open.len(), 2);
    assert_eq!(open[0].customer_id, id("B"), "newest first");
    assert_eq!(
        store
            .contests(Some(&id("A")), true, 100)
            .await
            .unwrap()
            .len(),
        1
    );
    let resolution = patron_store::ContestResolution {
        outcome: "upheld".into(),
        resolution: "checked".into(),
        resolved_by: "lead".into(),
    };
    let resolved = store
        .resolve_contest(filed.id, &resolution)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(resolved.outcome.as_deref(), Some("upheld"));
    assert_eq!(resolved.resolved_by.as_deref(), Some("lead"));
    assert!(
        store
            .resolve_contest(filed.id, &resolution)
            .await
            .unwrap()
            .is_none()
    );
    assert_eq!(store.contests(None, true, 100).await.unwrap().len(), 1);
    assert_eq!(store.contests(None, false, 100).await.unwrap().len(), 2);
    let audit = store.audit_log(10, None).await.unwrap();
    let actions: Vec<&str> = audit.iter().map(|e| e.action.as_str()).collect();
    assert_eq!(actions, ["contest_resolved", "contest", "contest"]);
    assert!(!format!("{audit:?}").contains("loyal"));
}

#[tokio::test]
async fn a_secret_is_created_once_and_replaced_only_by_rotation() {
    let (_dir, store) = store().await;
    let first = store.secret("pseudonym", b"one", false).await.unwrap();
    assert_eq!(first, b"one");
    assert_eq!(
        store.secret("pseudonym", b"two", false).await.unwrap(),
        b"one"
    );
    assert_eq!(
        store.secret("pseudonym", b"three", true).await.unwrap(),
        b"three"
    );
    assert_eq!(store.secret("other", b"x", false).await.unwrap(), b"x");
}

#[tokio::test]
async fn purge_erases_inactive_persons_and_old_facts_as_its_dry_run_counted() {
    let (_dir, store) = seeded().await;
    let mut policy = patron_store::RetentionPolicy {
        facts_before: [("events".to_owned(), ts("2024-04-01"))].into(),
        inactive_before: Some(ts("2024-04-01")),
        dry_run: true,
        actor: "test".into(),
    };
    let dry = store.purge(&policy).await.unwrap();
    // B (last activity 2024-03-05) and the stub S (no creation date, last order 2024-02-01);
    // A ordered on 2024-06-01. B's event goes with B; A's event is after the cut.
    assert_eq!(dry.persons, 2);
    assert_eq!(dry.facts["events"], 0);
    assert_eq!(dry.erasure.removed["order_lines"], 2);
    assert_eq!(dry.erasure.removed["events"], 1);
    assert_eq!(
        store.status().await.unwrap().customers,
        3,
        "a dry run changes nothing"
    );
    policy.dry_run = false;
    let done = store.purge(&policy).await.unwrap();
    assert_eq!(done.persons, dry.persons);
    assert_eq!(done.erasure.removed, dry.erasure.removed);
    assert!(done.erasure.residues.is_empty());
    // "Anna Alt" is A's name too: kept where A is named.
    assert_eq!(done.erasure.shared_identifiers, 1);
    assert_eq!(store.status().await.unwrap().customers, 1);
    assert!(store.customer_exists(&id("A")).await.unwrap());
    assert!(!store.customer_exists(&id("B")).await.unwrap());
    assert_eq!(store.audit_log(1, None).await.unwrap()[0].action, "purge");
}

fn contract(
    cid: &str,
    who: &str,
    start: &str,
    cancelled: Option<&str>,
) -> patron_core::model::Contract {
    patron_core::model::Contract {
        contract_id: patron_core::ContractId::parse(cid).unwrap(),
        customer_id: id(who),
        plan: Some("Plus".into()),
        started_at: ts(start),
        renews_at: None,
        notice_days: 14,
        billing_months: 1,
        recurring_value: Money::from_f64(24.9),
        previous_value: None,
        price_changed_at: None,
        cancelled_at: cancelled.map(ts),
        cancel_reason: cancelled.map(|_| "too expensive".into()),
    }
}

#[tokio::test]
async fn contracts_are_updated_with_history_loaded_as_of_merged_and_keep_their_holders() {
    let (_dir, store) = seeded().await;
    let mut w = store.begin_import().await.unwrap();
    let first = w
        .write_contracts(&[
            contract("K1", "A", "2024-01-15", None),
            contract("K2", "B", "2024-03-01", None),
        ])
        .await
        .unwrap();
    assert_eq!(first.inserted, 2);
    w.commit(&[], serde_json::json!({})).await.unwrap();
    // The same again is unchanged; B's contract cancelled is an update, its old state kept.
    let mut w = store.begin_import().await.unwrap();
    let again = w
        .write_contracts(&[
            contract("K1", "A", "2024-01-15", None),
            contract("K2", "B", "2024-03-01", Some("2024-09-10 08:00:00")),
        ])
        .await
        .unwrap();
    assert_eq!((again.duplicates, again.updated), (1, 1));
    w.commit(&[], serde_json::json!({})).await.unwrap();
    let old = history(&store).await;
    assert_eq!(old.len(), 1);
    assert_eq!(
        (old[0].0.as_str(), old[0].1.as_str()),
        ("contracts", r#"["K2"]"#)
    );
    assert_eq!(old[0].2["cancelled_at"], serde_json::Value::Null);
    assert_eq!(store.status().await.unwrap().contracts, 2);

    // Before the cancellation it is not known; after, it is. The customer alone loads the same.
    let options = patron_store::FactOptions::default();
    for (as_of, cancelled) in [("2024-06-01", false), ("2024-12-01", true)] {
        let full = store.load_facts(ts(as_of)).await.unwrap();
        let b = full.customer_index(&id("B")).unwrap();
        let rows = full.contracts.of(b);
        assert_eq!(rows.len(), 1);
        assert_eq!(rows[0].cancelled_at.is_some(), cancelled, "{as_of}");
        assert_eq!(rows[0].cancel_reason.is_some(), cancelled, "{as_of}");
        assert_eq!(rows[0].recurring_value, Money::from_f64(24.9));
        let alone = store
            .load_customer_facts(&id("B"), ts(as_of), &options)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(alone.contracts.rows, rows);
    }
    // Not started yet: not in the facts.
    let early = store.load_facts(ts("2024-01-12")).await.unwrap();
    let a = early.customer_index(&id("A")).unwrap();
    assert!(early.contracts.of(a).is_empty());

    // A merge moves the contract to the survivor, and the undo moves it back.
    let m = store.merge_customers(&id("B"), &id("A")).await.unwrap();
    assert_eq!(m.moved["contracts"], 1);
    let merged = store.load_facts(ts("2025-01-01")).await.unwrap();
    let b = merged.customer_index(&id("B")).unwrap();
    assert_eq!(merged.contracts.of(b).len(), 2);
    store.undo_merge(m.id).await.unwrap();
    let back = store.load_facts(ts("2025-01-01")).await.unwrap();
    let a = back.customer_index(&id("A")).unwrap();
    assert_eq!(back.contracts.of(a).len(), 1);

    // A quiet holder of a running contract is not "inactive"; a cancelled one's holder is.
    let policy = patron_store::RetentionPolicy {
        facts_before: Default::default(),
        inactive_before: Some(ts("2025-06-01")),
        dry_run: true,
        actor: "test".into(),
    };
    let report = store.purge(&policy).await.unwrap();
    assert_eq!(
        report.persons, 2,
        "B (cancelled) and the stub S; A's contract runs"
    );
    assert_eq!(report.erasure.removed["contracts"], 1);
}
