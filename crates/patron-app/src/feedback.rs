//! Learning needs feedback: observed outcomes (churned, converted, offer accepted or declined,
//! payment default …) appended to the store, all or nothing, from a file or (later) the API.

use crate::AppError;
use patron_core::model::Outcome;
use patron_store::{SourceRecord, Store, WriteCounts};
use serde_json::json;

/// What recording outcomes did.
#[derive(Debug, Clone)]
pub struct Recorded {
    /// The import that holds them.
    pub import_id: i64,
    /// New, updated and already known outcomes.
    pub counts: WriteCounts,
}

/// Appends `outcomes` (whose customers the caller has checked exist) in one transaction,
/// recorded as coming from `source` (a file name, `api`).
pub async fn record_outcomes(
    store: &dyn Store,
    outcomes: &[Outcome],
    source: &str,
) -> Result<Recorded, AppError> {
    let mut writer = store.begin_import().await?;
    let counts = match writer.write_outcomes(outcomes).await {
        Ok(counts) => counts,
        Err(e) => {
            writer.rollback().await?;
            return Err(e.into());
        }
    };
    let record = SourceRecord {
        name: "feedback".into(),
        entity: "outcomes".into(),
        path: source.to_owned(),
        rows_new: counts.inserted,
    };
    let summary =
        json!({ "feedback": { "file": source, "rows": outcomes.len(), "counts": counts } });
    let import_id = writer.commit(&[record], summary).await?;
    Ok(Recorded { import_id, counts })
}
