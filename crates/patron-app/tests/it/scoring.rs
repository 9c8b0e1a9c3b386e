//! Import, score run and single-customer scoring on a seeded 1,500-customer demo company.

use patron_app::{ImportRequest, Project, Silent, import, score_run, verify};
use patron_core::Timestamp;
use patron_core::ids::CustomerId;
use patron_demo::{DemoOptions, generate};

pub(crate) fn demo(dir: &std::path::Path, customers: u64) -> Project {
    let options = DemoOptions {
        customers,
        ..DemoOptions::default()
    };
    generate(&options, dir, &mut |_| {}).expect("the demo is written");
    Project::load(dir.to_owned(), None).expect("the demo's patron.toml loads")
}

/// The demo project's store with its sources imported.
async fn imported(project: &Project) -> Box<dyn patron_store::Store> {
    let store = project.create_store().await.unwrap();
    import(
        project,
        store.as_ref(),
        &ImportRequest::default(),
        &mut Silent,
    )
    .await
    .unwrap();
    store
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn import_score_and_score_each_customer_alone() {
    let dir = tempfile::tempdir().unwrap();
    let project = demo(dir.path(), 1500);
    let store = project.create_store().await.unwrap();

    // Import: every source, all or nothing; a second import adds nothing.
    let first = import(
        &project,
        store.as_ref(),
        &ImportRequest::default(),
        &mut Silent,
    )
    .await
    .unwrap();
    let imported: u64 = first.sources.iter().map(|s| s.imported).sum();
    assert!(imported > 10_000, "{imported}");
    assert!(first.rejections.is_empty());
    let again = import(
        &project,
        store.as_ref(),
        &ImportRequest::default(),
        &mut Silent,
    )
    .await
    .unwrap();
    assert_eq!(again.sources.iter().map(|s| s.imported).sum::<u64>(), 0);
    let unknown = ImportRequest {
        sources: vec!["nope".into()],
        ..ImportRequest::default()
    };
    let err = import(&project, store.as_ref(), &unknown, &mut Silent)
        .await
        .unwrap_err();
    assert_eq!(err.code().as_str(), "source_unknown");

    // A score run: cards for everyone, a typed context with the snapshot.
    let as_of = Timestamp::parse_flexible("2026-06-30").unwrap();
    let run = score_run(&project, store.as_ref(), as_of, &mut Silent)
        .await
        .unwrap();
    let customers = run.summary.customers;
    assert!(customers > 1000, "{:?}", run.summary);
    let snapshot = run.context.snapshot.as_ref().expect("a snapshot");
    assert_eq!(snapshot.version, patron_engine::scorecard::SNAPSHOT_VERSION);
    assert!(snapshot.clv.is_some() && snapshot.rfm.is_some() && snapshot.abc.is_some());

    // Every customer scored alone equals the run's card.
    let ids: Vec<CustomerId> = store
        .run_tiers(run.id)
        .await
        .unwrap()
        .into_iter()
        .map(|(id, _)| id)
        .collect();
    assert_eq!(ids.len() as u64, customers);
    let check = verify(&project, store.as_ref(), Some(run.id), &ids)
        .await
        .unwrap();
    assert_eq!(check.checked as u64, customers);
    assert_eq!(check.identical, check.checked, "{:?}", check.differing);

    // A later run compares tiers with this one: scored alone, the previous tier is the same.
    let later = Timestamp::parse_flexible("2026-07-01").unwrap();
    let run2 = score_run(&project, store.as_ref(), later, &mut Silent)
        .await
        .unwrap();
    assert_eq!(
        run2.context.snapshot.as_ref().unwrap().previous_run,
        Some(run.id)
    );
    let check = verify(&project, store.as_ref(), Some(run2.id), &ids[..200])
        .await
        .unwrap();
    assert_eq!(check.identical, 200, "{:?}", check.differing);

    // Explained from the customer's own facts: the ledger adds up to every score.
    let explained = patron_app::explain::explain(&project, store.as_ref(), &ids[0], Some(as_of))
        .await
        .unwrap();
    assert!(!explained.scores.is_empty());
    for (name, value) in &explained.scores {
        let sum: f64 = explained
            .ledger
            .iter()
            .filter(|e| &e.score == name)
            .map(|e| e.points.to_f64())
            .sum();
        assert!((sum - value).abs() < 1e-6, "{name}: {sum} vs {value}");
    }

    // A back-dated run leaves the alarm episodes alone, and "the latest run" stays the one with
    // the latest as_of.
    let open_before = store.alarms(true).await.unwrap();
    assert!(!open_before.is_empty());
    let past = Timestamp::parse_flexible("2025-06-30").unwrap();
    let run3 = score_run(&project, store.as_ref(), past, &mut Silent)
        .await
        .unwrap();
    assert_eq!(store.alarms(true).await.unwrap(), open_before);
    assert!(
        run3.summary.alarms.back_dated.is_some(),
        "{:?}",
        run3.summary
    );
    let latest = patron_app::cards::run_or_latest(store.as_ref(), None)
        .await
        .unwrap();
    assert_eq!(latest.id, run2.id);

    // Unknown customers are an error with a stable code, not an empty card.
    let nobody = CustomerId::parse("NOBODY").unwrap();
    let err = patron_app::live_card(&project, store.as_ref(), None, &nobody)
        .await
        .unwrap_err();
    assert_eq!(err.code().as_str(), "customer_not_found");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn publish_in_batches_resumes_and_then_is_up_to_date() {
    use patron_app::publish::{PublishOptions, PublishState, publish};
    let dir = tempfile::tempdir().unwrap();
    let project = demo(dir.path(), 600);
    let store = imported(&project).await;
    let rules = project.rules().unwrap().expect("the demo has rules");
    let as_of = Timestamp::parse_flexible("2026-06-30").unwrap();
    let interrupted = PublishOptions {
        batch_size: 100,
        stop_after_batches: Some(2),
        ..PublishOptions::default()
    };
    let first = publish(
        &project,
        store.as_ref(),
        &rules,
        as_of,
        &interrupted,
        &mut Silent,
    )
    .await
    .unwrap();
    assert_eq!(first.state, PublishState::Interrupted);
    assert_eq!(first.written.customers, 200);
    let options = PublishOptions {
        batch_size: 100,
        ..PublishOptions::default()
    };
    let second = publish(
        &project,
        store.as_ref(),
        &rules,
        as_of,
        &options,
        &mut Silent,
    )
    .await
    .unwrap();
    assert_eq!(second.state, PublishState::Resumed);
    assert_eq!(second.written.customers, second.customers - 200);
    let third = publish(
        &project,
        store.as_ref(),
        &rules,
        as_of,
        &options,
        &mut Silent,
    )
    .await
    .unwrap();
    assert_eq!(third.state, PublishState::UpToDate);
    assert_eq!(third.written.customers, 0);
    // The stored scores are the rule set's scores of every customer.
    let stored = store.rule_run_scores(second.run.id).await.unwrap();
    assert_eq!(stored.len() as u64, second.customers);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_model_predicts_a_customer_alone_as_in_the_population() {
    use patron_app::models::{TrainRequest, predict, train_model};
    use patron_engine::predict::{Explain, PredictOptions, Target};
    let dir = tempfile::tempdir().unwrap();
    let project = demo(dir.path(), 1500);
    let store = imported(&project).await;
    let options = PredictOptions {
        top: 3,
        explain: Explain::Path,
    };
    let request = TrainRequest {
        target: Target::Churn,
        as_of: None,
        horizon_days: 180,
        cutoffs: 3,
        step_days: 90,
        seed: 42,
        predict: options,
        consent: Default::default(),
    };
    let trained = train_model(store.as_ref(), &request, &mut Silent)
        .await
        .unwrap();
    assert!(
        trained.predictions.len() > 300,
        "{}",
        trained.predictions.len()
    );
    let chosen: Vec<CustomerId> = trained
        .predictions
        .iter()
        .step_by(97)
        .map(|p| p.customer_id.clone())
        .collect();
    let (info, _, alone) = predict(store.as_ref(), Target::Churn, None, &chosen, &options)
        .await
        .unwrap();
    assert_eq!(info.id, trained.info.id);
    assert_eq!(alone.len(), chosen.len());
    for p in &alone {
        let in_population = trained
            .predictions
            .iter()
            .find(|q| q.customer_id == p.customer_id)
            .unwrap();
        assert_eq!(
            p.probability, in_population.probability,
            "{}",
            p.customer_id
        );
        assert_eq!(p.reasons, in_population.reasons, "{}", p.customer_id);
    }
}
