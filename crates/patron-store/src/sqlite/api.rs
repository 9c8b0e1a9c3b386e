//! API keys and live cards (migration 0013).

use super::now_text;
use crate::api::{ApiKeyRecord, LiveCardRecord, NewApiKey, Scope};
use crate::{Result, StoreError};
use patron_core::ids::CustomerId;
use sqlx::sqlite::SqliteRow;
use sqlx::{Row, SqlitePool};

const KEY_COLUMNS: &str = "id, name, scope, digest, prefix, created_at, revoked_at";

fn key_from_row(r: &SqliteRow) -> Result<ApiKeyRecord> {
    let scope: String = r.try_get(2)?;
    Ok(ApiKeyRecord {
        id: r.try_get(0)?,
        name: r.try_get(1)?,
        scope: Scope::parse(&scope)
            .ok_or_else(|| StoreError::Bulk(format!("api key with unknown scope {scope:?}")))?,
        digest: r.try_get(3)?,
        prefix: r.try_get(4)?,
        created_at: r.try_get(5)?,
        revoked_at: r.try_get(6)?,
    })
}

pub(crate) async fn create_key(pool: &SqlitePool, key: &NewApiKey) -> Result<ApiKeyRecord> {
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO api_keys (name, scope, digest, prefix, created_at) VALUES (?, ?, ?, ?, ?) \
         RETURNING id",
    )
    .bind(&key.name)
    .bind(key.scope.as_str())
    .bind(&key.digest[..])
    .bind(&key.prefix)
    .bind(now_text())
    .fetch_one(pool)
    .await?;
    keys(pool)
        .await?
        .into_iter()
        .find(|k| k.id == id)
        .ok_or_else(|| StoreError::Bulk(format!("api key {id} vanished")))
}

pub(crate) async fn keys(pool: &SqlitePool) -> Result<Vec<ApiKeyRecord>> {
    sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT {KEY_COLUMNS} FROM api_keys ORDER BY id"
    )))
    .fetch_all(pool)
    .await?
    .iter()
    .map(key_from_row)
    .collect()
}

pub(crate) async fn key_by_digest(
    pool: &SqlitePool,
    digest: &[u8],
) -> Result<Option<ApiKeyRecord>> {
    sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT {KEY_COLUMNS} FROM api_keys WHERE digest = ? AND revoked_at IS NULL"
    )))
    .bind(digest)
    .fetch_optional(pool)
    .await?
    .as_ref()
    .map(key_from_row)
    .transpose()
}

pub(crate) async fn revoke_key(pool: &SqlitePool, id: i64) -> Result<bool> {
    let done =
        sqlx::query("UPDATE api_keys SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL")
            .bind(now_text())
            .bind(id)
            .execute(pool)
            .await?;
    Ok(done.rows_affected() == 1)
}

fn live_from_row(r: &SqliteRow) -> Result<LiveCardRecord> {
    let id: String = r.try_get(1)?;
    Ok(LiveCardRecord {
        id: r.try_get(0)?,
        customer_id: CustomerId::parse(&id).map_err(|e| StoreError::Bulk(e.to_string()))?,
        run_id: r.try_get(2)?,
        card: r.try_get(3)?,
        at: r.try_get(4)?,
    })
}

pub(crate) async fn put_live_cards(
    pool: &SqlitePool,
    cards: &[(CustomerId, i64, String)],
) -> Result<()> {
    let at = now_text();
    let mut tx = pool.begin().await?;
    for (customer, run, card) in cards {
        sqlx::query("INSERT INTO live_cards (customer_id, run_id, card, at) VALUES (?, ?, ?, ?)")
            .bind(customer.as_str())
            .bind(run)
            .bind(card)
            .bind(&at)
            .execute(&mut *tx)
            .await?;
    }
    tx.commit().await?;
    Ok(())
}

pub(crate) async fn live_cards(
    pool: &SqlitePool,
    customer: &CustomerId,
    limit: u32,
) -> Result<Vec<LiveCardRecord>> {
    sqlx::query(
        "SELECT id, customer_id, run_id, card, at FROM live_cards WHERE customer_id = ? \
         ORDER BY id DESC LIMIT ?",
    )
    .bind(customer.as_str())
    .bind(i64::from(limit))
    .fetch_all(pool)
    .await?
    .iter()
    .map(live_from_row)
    .collect()
}
