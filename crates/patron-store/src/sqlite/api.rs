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
    messages: &[(String, String, String)],
    done: &[CustomerId],
    now: i64,
) -> Result<u64> {
    let at = now_text();
    let mut tx = pool.begin_with("BEGIN IMMEDIATE").await?;
    for (customer, run, card) in cards {
        // Not for a customer erased while their card was computed.
        sqlx::query(
            "INSERT INTO live_cards (customer_id, run_id, card, at) SELECT ?1, ?2, ?3, ?4 \
             WHERE EXISTS (SELECT 1 FROM customers WHERE id = ?1)",
        )
        .bind(customer.as_str())
        .bind(run)
        .bind(card)
        .bind(&at)
        .execute(&mut *tx)
        .await?;
    }
    for customer in done {
        sqlx::query("DELETE FROM live_pending WHERE customer_id = ?")
            .bind(customer.as_str())
            .execute(&mut *tx)
            .await?;
    }
    let deliveries = enqueue_in(&mut tx, messages, None, now).await?;
    tx.commit().await?;
    Ok(deliveries)
}

pub(crate) async fn live_pending(
    pool: &SqlitePool,
) -> Result<Vec<(CustomerId, Option<patron_core::Timestamp>)>> {
    sqlx::query("SELECT customer_id, since FROM live_pending ORDER BY customer_id")
        .fetch_all(pool)
        .await?
        .iter()
        .map(|r| {
            let id: String = r.try_get(0)?;
            let since: Option<i64> = r.try_get(1)?;
            Ok((
                CustomerId::parse(&id).map_err(|e| StoreError::Bulk(e.to_string()))?,
                since.map(patron_core::Timestamp::from_secs),
            ))
        })
        .collect()
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

// Webhooks (migration 0014).

use crate::api::{AttemptOutcome, DeliveryRecord, DueDelivery, NewWebhook, WebhookRecord};

const HOOK_COLUMNS: &str =
    "w.id, w.url, w.events, w.secret, w.allow_private, w.enabled, w.disabled_reason, w.created_at";

fn hook_from_row(r: &SqliteRow) -> Result<WebhookRecord> {
    let events: String = r.try_get(2)?;
    Ok(WebhookRecord {
        id: r.try_get(0)?,
        url: r.try_get(1)?,
        events: events
            .split(',')
            .filter(|e| !e.is_empty())
            .map(str::to_owned)
            .collect(),
        secret: r.try_get(3)?,
        allow_private: r.try_get(4)?,
        enabled: r.try_get(5)?,
        disabled_reason: r.try_get(6)?,
        created_at: r.try_get(7)?,
    })
}

pub(crate) async fn add_webhook(pool: &SqlitePool, hook: &NewWebhook) -> Result<WebhookRecord> {
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO webhooks (url, events, secret, allow_private, created_at) \
         VALUES (?, ?, ?, ?, ?) RETURNING id",
    )
    .bind(&hook.url)
    .bind(hook.events.join(","))
    .bind(&hook.secret)
    .bind(hook.allow_private)
    .bind(now_text())
    .fetch_one(pool)
    .await?;
    webhook(pool, id)
        .await?
        .ok_or_else(|| StoreError::Bulk(format!("webhook {id} vanished")))
}

pub(crate) async fn webhooks(pool: &SqlitePool) -> Result<Vec<WebhookRecord>> {
    sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT {HOOK_COLUMNS} FROM webhooks w ORDER BY w.id"
    )))
    .fetch_all(pool)
    .await?
    .iter()
    .map(hook_from_row)
    .collect()
}

pub(crate) async fn webhook(pool: &SqlitePool, id: i64) -> Result<Option<WebhookRecord>> {
    sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT {HOOK_COLUMNS} FROM webhooks w WHERE w.id = ?"
    )))
    .bind(id)
    .fetch_optional(pool)
    .await?
    .as_ref()
    .map(hook_from_row)
    .transpose()
}

/// Stores messages and, in the same transaction, a pending delivery of each to every enabled
/// endpoint subscribed to its kind (or only to `only`). Returns the deliveries created.
pub(crate) async fn enqueue(
    pool: &SqlitePool,
    messages: &[(String, String, String)],
    only: Option<i64>,
    now: i64,
) -> Result<u64> {
    let mut tx = pool.begin_with("BEGIN IMMEDIATE").await?;
    let deliveries = enqueue_in(&mut tx, messages, only, now).await?;
    tx.commit().await?;
    Ok(deliveries)
}

/// [`enqueue`] inside the caller's transaction.
async fn enqueue_in(
    tx: &mut sqlx::SqliteConnection,
    messages: &[(String, String, String)],
    only: Option<i64>,
    now: i64,
) -> Result<u64> {
    if messages.is_empty() {
        return Ok(0);
    }
    let hooks: Vec<WebhookRecord> = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT {HOOK_COLUMNS} FROM webhooks w WHERE w.enabled = 1"
    )))
    .fetch_all(&mut *tx)
    .await?
    .iter()
    .map(hook_from_row)
    .collect::<Result<_>>()?;
    let created_at = now_text();
    let mut deliveries = 0;
    for (msg_id, kind, payload) in messages {
        // A message already stored (the same trigger firing noticed again) is not queued twice.
        let message: Option<i64> = sqlx::query_scalar(
            "INSERT INTO webhook_messages (msg_id, kind, payload, created_at) VALUES (?, ?, ?, ?) \
             ON CONFLICT (msg_id) DO NOTHING RETURNING id",
        )
        .bind(msg_id)
        .bind(kind)
        .bind(payload)
        .bind(&created_at)
        .fetch_optional(&mut *tx)
        .await?;
        let Some(message) = message else {
            continue;
        };
        for hook in &hooks {
            let wanted = match only {
                Some(id) => hook.id == id,
                None => hook.events.iter().any(|e| e == kind),
            };
            if wanted {
                sqlx::query(
                    "INSERT INTO webhook_deliveries (webhook_id, message_id, next_at) VALUES (?, ?, ?)",
                )
                .bind(hook.id)
                .bind(message)
                .bind(now)
                .execute(&mut *tx)
                .await?;
                deliveries += 1;
            }
        }
    }
    Ok(deliveries)
}

pub(crate) async fn due(pool: &SqlitePool, now: i64, limit: u32) -> Result<Vec<DueDelivery>> {
    let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT d.id, m.msg_id, m.payload, d.attempts, {HOOK_COLUMNS} \
         FROM webhook_deliveries d JOIN webhook_messages m ON m.id = d.message_id \
         JOIN webhooks w ON w.id = d.webhook_id \
         WHERE d.status = 'pending' AND d.next_at <= ? AND w.enabled = 1 \
         ORDER BY d.next_at, d.id LIMIT ?"
    )))
    .bind(now)
    .bind(i64::from(limit))
    .fetch_all(pool)
    .await?;
    rows.iter()
        .map(|r| {
            // The endpoint's columns follow the delivery's four.
            let hook = WebhookRecord {
                id: r.try_get(4)?,
                url: r.try_get(5)?,
                events: r
                    .try_get::<String, _>(6)?
                    .split(',')
                    .map(str::to_owned)
                    .collect(),
                secret: r.try_get(7)?,
                allow_private: r.try_get(8)?,
                enabled: r.try_get(9)?,
                disabled_reason: r.try_get(10)?,
                created_at: r.try_get(11)?,
            };
            Ok(DueDelivery {
                id: r.try_get(0)?,
                msg_id: r.try_get(1)?,
                payload: r.try_get(2)?,
                attempts: r.try_get::<i64, _>(3)? as u32,
                webhook: hook,
            })
        })
        .collect()
}

pub(crate) async fn record_attempt(
    pool: &SqlitePool,
    delivery: i64,
    status_code: Option<u16>,
    error: Option<&str>,
    ms: f64,
    outcome: &AttemptOutcome,
) -> Result<()> {
    let mut tx = pool.begin().await?;
    let at = now_text();
    sqlx::query(
        "INSERT INTO webhook_attempts (delivery_id, at, status_code, error, ms) VALUES (?, ?, ?, ?, ?)",
    )
    .bind(delivery)
    .bind(&at)
    .bind(status_code.map(i64::from))
    .bind(error)
    .bind(ms)
    .execute(&mut *tx)
    .await?;
    let (status, next_at): (&str, Option<i64>) = match outcome {
        AttemptOutcome::Delivered => ("delivered", None),
        AttemptOutcome::Retry(at) => ("pending", Some(*at)),
        AttemptOutcome::Dead => ("dead", None),
        AttemptOutcome::Gone => ("cancelled", None),
    };
    sqlx::query(
        "UPDATE webhook_deliveries SET status = ?, attempts = attempts + 1, \
         next_at = COALESCE(?, next_at), last_status = ?, last_error = ?, \
         delivered_at = CASE WHEN ? = 'delivered' THEN ? ELSE delivered_at END WHERE id = ?",
    )
    .bind(status)
    .bind(next_at)
    .bind(status_code.map(i64::from))
    .bind(error)
    .bind(status)
    .bind(&at)
    .bind(delivery)
    .execute(&mut *tx)
    .await?;
    if matches!(outcome, AttemptOutcome::Gone) {
        let hook: i64 =
            sqlx::query_scalar("SELECT webhook_id FROM webhook_deliveries WHERE id = ?")
                .bind(delivery)
                .fetch_one(&mut *tx)
                .await?;
        sqlx::query(
            "UPDATE webhooks SET enabled = 0, disabled_reason = 'the receiver answered 410 Gone' \
             WHERE id = ?",
        )
        .bind(hook)
        .execute(&mut *tx)
        .await?;
        sqlx::query(
            "UPDATE webhook_deliveries SET status = 'cancelled' WHERE webhook_id = ? AND status = 'pending'",
        )
        .bind(hook)
        .execute(&mut *tx)
        .await?;
    }
    tx.commit().await?;
    Ok(())
}

pub(crate) async fn deliveries(
    pool: &SqlitePool,
    webhook: Option<i64>,
) -> Result<Vec<DeliveryRecord>> {
    sqlx::query(
        "SELECT d.id, d.webhook_id, m.msg_id, m.kind, d.status, d.attempts, d.last_status, \
         d.last_error, d.delivered_at FROM webhook_deliveries d \
         JOIN webhook_messages m ON m.id = d.message_id \
         WHERE ? IS NULL OR d.webhook_id = ? ORDER BY d.id",
    )
    .bind(webhook)
    .bind(webhook)
    .fetch_all(pool)
    .await?
    .iter()
    .map(|r| {
        Ok(DeliveryRecord {
            id: r.try_get(0)?,
            webhook_id: r.try_get(1)?,
            msg_id: r.try_get(2)?,
            kind: r.try_get(3)?,
            status: r.try_get(4)?,
            attempts: r.try_get::<i64, _>(5)? as u32,
            last_status: r.try_get::<Option<i64>, _>(6)?.map(|s| s as u16),
            last_error: r.try_get(7)?,
            delivered_at: r.try_get(8)?,
        })
    })
    .collect()
}

pub(crate) async fn redeliver(pool: &SqlitePool, delivery: i64, now: i64) -> Result<bool> {
    let done = sqlx::query(
        "UPDATE webhook_deliveries SET status = 'pending', next_at = ? \
         WHERE id = ? AND status IN ('delivered', 'dead')",
    )
    .bind(now)
    .bind(delivery)
    .execute(pool)
    .await?;
    Ok(done.rows_affected() == 1)
}
