//! The model registry: versions per kind, newest first, the serialized model kept intact.

use patron_core::Timestamp;
use patron_store::{NewModel, SqliteStore, Store};

fn model(kind: &str, blob: &str) -> NewModel {
    NewModel {
        kind: kind.into(),
        as_of: Timestamp::parse_flexible("2026-06-30").unwrap(),
        cutoffs: vec![
            Timestamp::parse_flexible("2025-04-06").unwrap(),
            Timestamp::parse_flexible("2025-07-05").unwrap(),
        ],
        holdout: Timestamp::parse_flexible("2026-01-01").unwrap(),
        horizon_days: 180,
        features: vec!["recency_days".into(), "frequency".into()],
        metrics: serde_json::json!({ "holdout": { "roc_auc": 0.81 } }),
        training_ms: 1234,
        model: blob.into(),
    }
}

#[tokio::test]
async fn models_are_versioned_per_kind() {
    let dir = tempfile::tempdir().unwrap();
    let store = SqliteStore::open(&dir.path().join("m.db")).await.unwrap();
    assert!(store.latest_model("churn").await.unwrap().is_none());
    let a = store
        .save_model(&model("churn", "{\"a\":1}"))
        .await
        .unwrap();
    let b = store
        .save_model(&model("upsell", "{\"b\":2}"))
        .await
        .unwrap();
    let c = store
        .save_model(&model("churn", "{\"c\":3}"))
        .await
        .unwrap();
    assert_eq!((a.version, b.version, c.version), (1, 1, 2));
    assert_eq!(c.cutoffs, model("churn", "").cutoffs);
    assert_eq!(c.metrics["holdout"]["roc_auc"], 0.81);
    assert_eq!(c.features, ["recency_days", "frequency"]);
    let all = store.models(None).await.unwrap();
    assert_eq!(
        all.iter().map(|m| m.id).collect::<Vec<_>>(),
        [c.id, b.id, a.id]
    );
    let churn = store.models(Some("churn")).await.unwrap();
    assert_eq!(churn.len(), 2);
    let latest = store.latest_model("churn").await.unwrap().unwrap();
    assert_eq!((latest.info.id, latest.model.as_str()), (c.id, "{\"c\":3}"));
    let first = store.model(a.id).await.unwrap().unwrap();
    assert_eq!(first.model, "{\"a\":1}");
    assert_eq!(first.info, a);
    assert!(store.model(999).await.unwrap().is_none());
    // Reopening keeps the registry (the migration ran once).
    drop(store);
    let store = SqliteStore::open(&dir.path().join("m.db")).await.unwrap();
    assert_eq!(store.models(None).await.unwrap().len(), 3);
}
