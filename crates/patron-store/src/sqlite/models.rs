//! The model registry: trained models versioned per kind.

use crate::{ModelInfo, NewModel, Result, StoreError, StoredModel};
use patron_core::Timestamp;
use sqlx::sqlite::SqliteRow;
use sqlx::{Row, SqlitePool};

const INFO: &str = "id, kind, version, trained_at, as_of, cutoffs, holdout, horizon_days, features, \
                    metrics, training_ms";

/// Saves `model` as the next version of its kind (in one transaction, so concurrent saves get
/// distinct versions).
pub(crate) async fn save(pool: &SqlitePool, model: &NewModel) -> Result<ModelInfo> {
    let mut tx = pool.begin_with("BEGIN IMMEDIATE").await?;
    let version: i64 =
        sqlx::query_scalar("SELECT COALESCE(MAX(version), 0) + 1 FROM models WHERE kind = ?1")
            .bind(&model.kind)
            .fetch_one(&mut *tx)
            .await?;
    let cutoffs: Vec<i64> = model.cutoffs.iter().map(|c| c.secs()).collect();
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO models (kind, version, trained_at, as_of, cutoffs, holdout, horizon_days,
                             features, metrics, training_ms, model)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11) RETURNING id",
    )
    .bind(&model.kind)
    .bind(version)
    .bind(super::now_text())
    .bind(model.as_of.secs())
    .bind(json(&cutoffs)?)
    .bind(model.holdout.secs())
    .bind(model.horizon_days)
    .bind(json(&model.features)?)
    .bind(json(&model.metrics)?)
    .bind(model.training_ms as i64)
    .bind(&model.model)
    .fetch_one(&mut *tx)
    .await?;
    tx.commit().await?;
    let stored = get(pool, id).await?;
    stored
        .map(|s| s.info)
        .ok_or_else(|| StoreError::Database(sqlx::Error::RowNotFound))
}

/// Models of a kind (or all), newest first.
pub(crate) async fn list(pool: &SqlitePool, kind: Option<&str>) -> Result<Vec<ModelInfo>> {
    let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT {INFO} FROM models WHERE ?1 IS NULL OR kind = ?1 ORDER BY id DESC"
    )))
    .bind(kind)
    .fetch_all(pool)
    .await?;
    rows.iter().map(info).collect()
}

/// One model with its serialized form.
pub(crate) async fn get(pool: &SqlitePool, id: i64) -> Result<Option<StoredModel>> {
    let row = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT {INFO}, model FROM models WHERE id = ?1"
    )))
    .bind(id)
    .fetch_optional(pool)
    .await?;
    row.map(|r| stored(&r)).transpose()
}

/// The newest version of a kind.
pub(crate) async fn latest(pool: &SqlitePool, kind: &str) -> Result<Option<StoredModel>> {
    let row = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT {INFO}, model FROM models WHERE kind = ?1 ORDER BY version DESC LIMIT 1"
    )))
    .bind(kind)
    .fetch_optional(pool)
    .await?;
    row.map(|r| stored(&r)).transpose()
}

fn stored(r: &SqliteRow) -> Result<StoredModel> {
    Ok(StoredModel {
        info: info(r)?,
        model: r.try_get("model")?,
    })
}

fn info(r: &SqliteRow) -> Result<ModelInfo> {
    let cutoffs: Vec<i64> = parse(r, "cutoffs")?;
    Ok(ModelInfo {
        id: r.try_get("id")?,
        kind: r.try_get("kind")?,
        version: r.try_get("version")?,
        trained_at: r.try_get("trained_at")?,
        as_of: Timestamp::from_secs(r.try_get("as_of")?),
        cutoffs: cutoffs.into_iter().map(Timestamp::from_secs).collect(),
        holdout: Timestamp::from_secs(r.try_get("holdout")?),
        horizon_days: r.try_get("horizon_days")?,
        features: parse(r, "features")?,
        metrics: parse(r, "metrics")?,
        training_ms: r.try_get::<i64, _>("training_ms")? as u64,
    })
}

fn json<T: serde::Serialize>(value: &T) -> Result<String> {
    serde_json::to_string(value).map_err(|e| StoreError::Database(sqlx::Error::Encode(Box::new(e))))
}

fn parse<T: serde::de::DeserializeOwned>(r: &SqliteRow, column: &str) -> Result<T> {
    let text: String = r.try_get(column)?;
    serde_json::from_str(&text).map_err(|e| StoreError::Database(sqlx::Error::Decode(Box::new(e))))
}
