//! Score runs written chunk by chunk: all or nothing, compressed cards read back as written.

use patron_core::Timestamp;
use patron_core::ids::CustomerId;
use patron_core::model::Customer;
use patron_store::{CardRecord, ScoreRunEnd, ScoreRunHeader, SqliteStore, Store};

fn id(i: usize) -> CustomerId {
    CustomerId::parse(&format!("C{i:05}")).unwrap()
}

/// A store with `n` customers.
async fn store_with(n: usize) -> (tempfile::TempDir, SqliteStore) {
    let dir = tempfile::tempdir().unwrap();
    let store = SqliteStore::open(&dir.path().join("t.db")).await.unwrap();
    let mut w = store.begin_import().await.unwrap();
    let customers: Vec<Customer> = (0..n)
        .map(|i| Customer {
            is_stub: false,
            ..Customer::stub(id(i))
        })
        .collect();
    w.write_customers(&customers).await.unwrap();
    w.commit(&[], serde_json::json!({})).await.unwrap();
    (dir, store)
}

fn card(i: usize) -> CardRecord {
    let tier = ["VIP", "Premium", "Standard", "Basic"][i % 4];
    CardRecord {
        customer_id: id(i),
        tier: tier.into(),
        status: "Standard".into(),
        value_score: Some((i % 100) as f64),
        churn_risk: Some((i % 7) as f64 / 10.0),
        clv: Some(i as f64 * 1.5),
        stage: None,
        action: Some("call".into()),
        card: serde_json::json!({
            "customer_id": id(i).as_str(),
            "tier": tier,
            "reasons": [format!("no purchase for {} days", i % 400), "probability of still being an active customer 40 %"],
            "value": { "composite": i as f64 / 3.0 },
        })
        .to_string(),
    }
}

fn header() -> ScoreRunHeader {
    ScoreRunHeader {
        as_of: Timestamp::from_secs(1_700_000_000),
        rules_version: None,
        context: "{}".into(),
    }
}

#[tokio::test]
async fn a_run_in_chunks_reads_back_card_for_card() {
    let n = 2_500;
    let (_dir, store) = store_with(n).await;
    let mut writer = store.begin_score_run(header()).await.unwrap();
    let cards: Vec<CardRecord> = (0..n).map(card).collect();
    for chunk in cards.chunks(1_000) {
        writer.write_cards(chunk.to_vec()).await.unwrap();
    }
    let end = ScoreRunEnd {
        summary: serde_json::json!({ "customers": n }),
        raised: vec![(id(3), "sleeper".into(), "no purchase for 400 days".into())],
        cleared: Vec::new(),
    };
    let run = writer.finish(end).await.unwrap();

    let runs = store.score_runs().await.unwrap();
    assert_eq!(runs.len(), 1);
    assert_eq!(runs[0].customers, n as u64);
    assert_eq!(runs[0].summary["customers"], n);
    // Enough cards for a dictionary: it is stored with the run, and every card reads back.
    let dictionary: Option<Vec<u8>> =
        sqlx::query_scalar("SELECT card_dictionary FROM score_runs WHERE id = ?")
            .bind(run)
            .fetch_one(store.pool())
            .await
            .unwrap();
    assert!(dictionary.is_some_and(|d| !d.is_empty()));
    let mut stored = store.cards(run).await.unwrap();
    stored.sort_by(|a, b| a.customer_id.as_str().cmp(b.customer_id.as_str()));
    assert_eq!(stored, cards);
    assert_eq!(store.card(run, &id(42)).await.unwrap(), Some(card(42)));
    let history = store.card_history(&id(7)).await.unwrap();
    assert_eq!(history.len(), 1);
    assert_eq!(history[0].2, card(7));
    let alarms = store.alarms(true).await.unwrap();
    assert_eq!(alarms.len(), 1);
    assert_eq!(alarms[0].customer_id, id(3));
}

#[tokio::test]
async fn a_small_run_has_no_dictionary_and_still_reads_back() {
    let (_dir, store) = store_with(10).await;
    let mut writer = store.begin_score_run(header()).await.unwrap();
    writer
        .write_cards((0..10).map(card).collect())
        .await
        .unwrap();
    let run = writer.finish(ScoreRunEnd::default()).await.unwrap();
    assert_eq!(store.card(run, &id(9)).await.unwrap(), Some(card(9)));
}

#[tokio::test]
async fn an_abandoned_run_stores_nothing() {
    let (_dir, store) = store_with(1_200).await;
    let mut writer = store.begin_score_run(header()).await.unwrap();
    writer
        .write_cards((0..1_200).map(card).collect())
        .await
        .unwrap();
    drop(writer);
    // The abandoned run's transaction is rolled back; the next run writes as usual.
    let mut writer = store.begin_score_run(header()).await.unwrap();
    writer.write_cards(vec![card(1)]).await.unwrap();
    let run = writer.finish(ScoreRunEnd::default()).await.unwrap();
    let runs = store.score_runs().await.unwrap();
    assert_eq!(runs.len(), 1, "{runs:?}");
    assert_eq!(runs[0].id, run);
    assert_eq!(store.cards(run).await.unwrap(), vec![card(1)]);
}

#[tokio::test]
async fn a_card_of_an_unknown_customer_fails_the_whole_run() {
    let (_dir, store) = store_with(5).await;
    let mut writer = store.begin_score_run(header()).await.unwrap();
    writer.write_cards(vec![card(1)]).await.unwrap();
    let unknown = card(99);
    // The error surfaces at the next write or at the finish, whichever comes first.
    let result = match writer.write_cards(vec![unknown]).await {
        Err(e) => Err(e),
        Ok(()) => writer.finish(ScoreRunEnd::default()).await.map(|_| ()),
    };
    let err = result.unwrap_err().to_string();
    assert!(err.contains("unknown customer C00099"), "{err}");
    assert!(store.score_runs().await.unwrap().is_empty());
}

#[tokio::test]
async fn card_chunks_stream_every_card_in_id_order() {
    let n = 12_345;
    let (_dir, store) = store_with(n).await;
    let mut writer = store.begin_score_run(header()).await.unwrap();
    // Written in reverse, read back by customer id.
    writer
        .write_cards((0..n).rev().map(card).collect())
        .await
        .unwrap();
    let run = writer.finish(ScoreRunEnd::default()).await.unwrap();
    let mut chunks = store.card_chunks(run).await.unwrap();
    let mut sizes = Vec::new();
    let mut all = Vec::new();
    while let Some(chunk) = chunks.recv().await {
        let chunk = chunk.unwrap();
        sizes.push(chunk.len());
        all.extend(chunk);
    }
    assert_eq!(sizes, [10_000, 2_345]);
    assert_eq!(all, (0..n).map(card).collect::<Vec<_>>());
}

#[tokio::test]
async fn a_back_dated_run_is_not_the_latest_and_leaves_the_alarms_alone() {
    // Issue 11, defect 9: `score --as-of 1900-01-01` cleared every open alarm, and show, route
    // and export took the run created last as the latest.
    let (_dir, store) = store_with(10).await;
    let run = |as_of: i64, raised: Vec<usize>, cleared: Vec<usize>| {
        let store = &store;
        async move {
            let mut w = store
                .begin_score_run(ScoreRunHeader {
                    as_of: Timestamp::from_secs(as_of),
                    ..header()
                })
                .await
                .unwrap();
            w.write_cards((0..10).map(card).collect()).await.unwrap();
            w.finish(ScoreRunEnd {
                summary: serde_json::json!({}),
                raised: raised
                    .into_iter()
                    .map(|i| (id(i), "sleeper".into(), "quiet".into()))
                    .collect(),
                cleared: cleared
                    .into_iter()
                    .map(|i| (id(i), "sleeper".into()))
                    .collect(),
            })
            .await
            .unwrap()
        }
    };
    let current = run(1_700_000_000, vec![1, 2], vec![]).await;
    let back_dated = run(-2_208_988_800, vec![5], vec![1, 2]).await;
    assert_eq!(store.score_run(None).await.unwrap().unwrap().id, current);
    assert_eq!(
        store.score_run(Some(back_dated)).await.unwrap().unwrap().id,
        back_dated
    );
    let open: Vec<String> = store
        .alarms(true)
        .await
        .unwrap()
        .iter()
        .map(|a| a.customer_id.to_string())
        .collect();
    assert_eq!(open, [id(1).to_string(), id(2).to_string()]);
    // A run at the same or a later as_of is current again.
    let later = run(1_700_000_000, vec![], vec![2]).await;
    assert_eq!(store.score_run(None).await.unwrap().unwrap().id, later);
    assert_eq!(store.alarms(true).await.unwrap().len(), 1);
}

/// Runs being written (or left by a killed writer).
fn pending_runs(dir: &tempfile::TempDir) -> i64 {
    rusqlite::Connection::open(dir.path().join("t.db"))
        .unwrap()
        .query_row("SELECT COUNT(*) FROM pending_runs", [], |r| r.get(0))
        .unwrap()
}

/// Cards of every run, counted in the file (pending ones included).
fn stored_cards(dir: &tempfile::TempDir) -> i64 {
    rusqlite::Connection::open(dir.path().join("t.db"))
        .unwrap()
        .query_row("SELECT COUNT(*) FROM score_cards", [], |r| r.get(0))
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn other_writers_commit_between_a_runs_chunks_and_see_nothing_of_it() {
    let n = 3_000;
    let (dir, store) = store_with(n).await;
    let mut writer = store.begin_score_run(header()).await.unwrap();
    let cards: Vec<CardRecord> = (0..n).map(card).collect();
    writer.write_cards(cards[..1_000].to_vec()).await.unwrap();
    // While the run is being written, a live write commits at once (before, it waited for the
    // whole run and then failed after the busy timeout) and sees no run yet.
    let write = async {
        let mut w = store.begin_import().await.unwrap();
        w.write_customers(&[Customer {
            is_stub: false,
            ..Customer::stub(CustomerId::parse("LIVE-1").unwrap())
        }])
        .await
        .unwrap();
        w.commit(&[], serde_json::json!({})).await.unwrap();
    };
    tokio::time::timeout(std::time::Duration::from_secs(5), write)
        .await
        .expect("a live write waited for the score run");
    assert!(store.score_runs().await.unwrap().is_empty());
    assert!(store.score_run(None).await.unwrap().is_none());
    for chunk in cards[1_000..].chunks(1_000) {
        writer.write_cards(chunk.to_vec()).await.unwrap();
    }
    let run = writer
        .finish(ScoreRunEnd {
            summary: serde_json::json!({}),
            raised: Vec::new(),
            cleared: Vec::new(),
        })
        .await
        .unwrap();
    assert_eq!(store.cards(run).await.unwrap().len(), n);
    assert_eq!(stored_cards(&dir), n as i64);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_abandoned_run_leaves_no_cards_and_a_killed_one_is_cleaned_by_the_next() {
    let n = 2_000;
    let (dir, store) = store_with(n).await;
    let cards: Vec<CardRecord> = (0..n).map(card).collect();
    // Dropped before it finished: its committed chunks are deleted.
    let mut writer = store.begin_score_run(header()).await.unwrap();
    writer.write_cards(cards[..1_000].to_vec()).await.unwrap();
    let wait_for = |what: &str, done: &dyn Fn() -> bool| {
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
        while !done() {
            assert!(std::time::Instant::now() < deadline, "{what}");
            std::thread::sleep(std::time::Duration::from_millis(20));
        }
    };
    wait_for("the chunk was not committed", &|| {
        stored_cards(&dir) == 1_000
    });
    drop(writer);
    wait_for("the abandoned run's cards stayed", &|| {
        stored_cards(&dir) == 0 && pending_runs(&dir) == 0
    });
    // A process killed midway leaves a pending run with cards, as if this were written by it.
    {
        let db = rusqlite::Connection::open(dir.path().join("t.db")).unwrap();
        db.execute_batch(
            "PRAGMA foreign_keys = OFF;
             INSERT INTO pending_runs (id, started_at) VALUES (7, 'then');
             INSERT INTO score_cards (run_id, customer_key, tier, status, card)
                 SELECT 7, key, 'VIP', 'Standard', x'00' FROM customers;",
        )
        .unwrap();
    }
    assert!(
        store.score_runs().await.unwrap().is_empty(),
        "no reader sees it"
    );
    let mut writer = store.begin_score_run(header()).await.unwrap();
    writer.write_cards(cards.clone()).await.unwrap();
    let run = writer
        .finish(ScoreRunEnd {
            summary: serde_json::json!({}),
            raised: Vec::new(),
            cleared: Vec::new(),
        })
        .await
        .unwrap();
    assert_eq!(
        stored_cards(&dir),
        n as i64,
        "the killed run's cards are gone"
    );
    assert_eq!(store.cards(run).await.unwrap().len(), n);
}

#[tokio::test]
async fn an_erasure_in_another_process_leaves_no_stale_card_dictionary_behind() {
    let n = 2_500;
    let (dir, store) = store_with(n).await;
    let mut writer = store.begin_score_run(header()).await.unwrap();
    writer
        .write_cards((0..n).map(card).collect())
        .await
        .unwrap();
    let run = writer
        .finish(ScoreRunEnd {
            summary: serde_json::json!({}),
            raised: Vec::new(),
            cleared: Vec::new(),
        })
        .await
        .unwrap();
    // These handles keep the run's dictionary prepared (a card of a run, a current card).
    assert_eq!(store.card(run, &id(1)).await.unwrap(), Some(card(1)));
    let reader = SqliteStore::open(&dir.path().join("t.db")).await.unwrap();
    let current = |i: usize| {
        let reader = &reader;
        async move {
            reader
                .current_card(&id(i))
                .await
                .unwrap()
                .unwrap()
                .card
                .unwrap()
        }
    };
    assert_eq!(current(1).await, card(1).card);
    let dictionary: Vec<u8> =
        sqlx::query_scalar("SELECT card_dictionary FROM score_runs WHERE id = ?")
            .bind(run)
            .fetch_one(store.pool())
            .await
            .unwrap();
    let named = (0..n)
        .find(|i| {
            let needle = id(*i);
            dictionary
                .windows(needle.as_str().len())
                .any(|w| w == needle.as_str().as_bytes())
        })
        .expect("the dictionary holds some customer id");
    // Another handle (as another process would) erases that customer: the run gets a new
    // dictionary and its cards are compressed again.
    let other = SqliteStore::open(&dir.path().join("t.db")).await.unwrap();
    let report = other.erase_customer(&id(named), "test").await.unwrap();
    assert_eq!(report.recompressed_runs, vec![run]);
    let others = (0..n).filter(|i| *i != named);
    for i in others.take(50) {
        assert_eq!(store.card(run, &id(i)).await.unwrap(), Some(card(i)), "{i}");
        assert_eq!(current(i).await, card(i).card, "{i}");
    }
}
