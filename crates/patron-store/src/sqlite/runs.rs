//! Score runs, cards and alarm episodes in SQLite.

use super::now_text;
use crate::{AlarmRecord, CardRecord, NewScoreRun, Result, ScoreRunRecord, StoreError};
use patron_core::Timestamp;
use patron_core::ids::CustomerId;
use rustc_hash::FxHashMap;
use sqlx::sqlite::SqliteRow;
use sqlx::{Row, SqlitePool};

/// Writes the run on a plain connection in one transaction (one prepared statement for the
/// cards): a run of a million cards is written in seconds.
pub(super) async fn save(path: &std::path::Path, run: NewScoreRun) -> Result<i64> {
    let path = path.to_owned();
    tokio::task::spawn_blocking(move || write_run(&path, &run))
        .await
        .map_err(|e| StoreError::Bulk(e.to_string()))?
        .map_err(|e| StoreError::Bulk(e.to_string()))
}

fn write_run(path: &std::path::Path, run: &NewScoreRun) -> rusqlite::Result<i64> {
    let blobs = compressed_cards(&run.cards)
        .map_err(|e| rusqlite::Error::ToSqlConversionFailure(Box::new(e)))?;
    let mut conn = super::bulk::writer(path)?;
    let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
    let keys: FxHashMap<String, i64> = {
        let mut stmt = tx.prepare("SELECT id, key FROM customers WHERE merged_into IS NULL")?;
        let rows = stmt.query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)?)))?;
        rows.collect::<rusqlite::Result<_>>()?
    };
    let key_of = |id: &CustomerId| {
        keys.get(id.as_str())
            .copied()
            .ok_or_else(|| rusqlite::Error::InvalidParameterName(format!("unknown customer {id}")))
    };
    let id: i64 = tx.query_row(
        "INSERT INTO score_runs (as_of, created_at, customers, rules_version, context, summary)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6) RETURNING id",
        rusqlite::params![
            run.as_of.secs(),
            now_text(),
            run.cards.len() as i64,
            run.rules_version,
            run.context,
            run.summary.to_string()
        ],
        |r| r.get(0),
    )?;
    {
        let mut insert = tx.prepare(
            "INSERT INTO score_cards (run_id, customer_key, tier, status, value_score, churn_risk, clv, stage, action, card)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
        )?;
        for (c, blob) in run.cards.iter().zip(&blobs) {
            insert.execute(rusqlite::params![
                id,
                key_of(&c.customer_id)?,
                c.tier,
                c.status,
                c.value_score,
                c.churn_risk,
                c.clv,
                c.stage,
                c.action,
                blob
            ])?;
        }
        let mut raise = tx.prepare(
            "INSERT INTO alarms (customer_key, kind, evidence, raised_run, raised_as_of) VALUES (?1, ?2, ?3, ?4, ?5)",
        )?;
        for (customer, kind, evidence) in &run.raised {
            raise.execute(rusqlite::params![
                key_of(customer)?,
                kind,
                evidence,
                id,
                run.as_of.secs()
            ])?;
        }
        let mut clear = tx.prepare(
            "UPDATE alarms SET cleared_run = ?1, cleared_as_of = ?2 WHERE customer_key = ?3 AND kind = ?4 AND cleared_run IS NULL",
        )?;
        for (customer, kind) in &run.cleared {
            clear.execute(rusqlite::params![
                id,
                run.as_of.secs(),
                key_of(customer)?,
                kind
            ])?;
        }
    }
    tx.commit()?;
    Ok(id)
}

fn run_of(r: &SqliteRow) -> Result<ScoreRunRecord> {
    let summary: String = r.try_get("summary")?;
    Ok(ScoreRunRecord {
        id: r.try_get("id")?,
        as_of: Timestamp::from_secs(r.try_get("as_of")?),
        created_at: r.try_get("created_at")?,
        customers: r.try_get::<i64, _>("customers")? as u64,
        rules_version: r.try_get("rules_version")?,
        context: r.try_get("context")?,
        summary: serde_json::from_str(&summary).unwrap_or(serde_json::Value::Null),
    })
}

const RUN_COLUMNS: &str = "id, as_of, created_at, customers, rules_version, context, summary";

pub(super) async fn list(pool: &SqlitePool, id: Option<i64>) -> Result<Vec<ScoreRunRecord>> {
    let rows = match id {
        Some(id) => {
            sqlx::query(sqlx::AssertSqlSafe(format!(
                "SELECT {RUN_COLUMNS} FROM score_runs WHERE id = ?"
            )))
            .bind(id)
            .fetch_all(pool)
            .await?
        }
        None => {
            sqlx::query(sqlx::AssertSqlSafe(format!(
                "SELECT {RUN_COLUMNS} FROM score_runs ORDER BY id"
            )))
            .fetch_all(pool)
            .await?
        }
    };
    rows.iter().map(run_of).collect()
}

pub(super) async fn one(pool: &SqlitePool, id: Option<i64>) -> Result<Option<ScoreRunRecord>> {
    let id = match id {
        Some(id) => id,
        None => {
            let latest: Option<i64> = sqlx::query_scalar("SELECT MAX(id) FROM score_runs")
                .fetch_one(pool)
                .await?;
            match latest {
                Some(id) => id,
                None => return Ok(None),
            }
        }
    };
    Ok(list(pool, Some(id)).await?.pop())
}

fn card_of(r: &SqliteRow) -> Result<CardRecord> {
    let id: String = r.try_get("id")?;
    Ok(CardRecord {
        customer_id: CustomerId::parse(&id).map_err(|e| StoreError::Merge(e.to_string()))?,
        tier: r.try_get("tier")?,
        status: r.try_get("status")?,
        value_score: r.try_get("value_score")?,
        churn_risk: r.try_get("churn_risk")?,
        clv: r.try_get("clv")?,
        stage: r.try_get("stage")?,
        action: r.try_get("action")?,
        card: card_text(r.try_get("card")?)?,
    })
}

/// Cards are stored zstd-compressed (a run of a million cards is gigabytes of JSON otherwise).
const CARD_LEVEL: i32 = 1;

/// The JSON of a stored card: compressed, or plain text as early runs stored it.
fn card_text(stored: Vec<u8>) -> Result<String> {
    const MAGIC: [u8; 4] = [0x28, 0xB5, 0x2F, 0xFD];
    let bytes = if stored.starts_with(&MAGIC) {
        zstd::stream::decode_all(stored.as_slice())
            .map_err(|e| StoreError::Bulk(format!("a stored card: {e}")))?
    } else {
        stored
    };
    String::from_utf8(bytes).map_err(|e| StoreError::Bulk(format!("a stored card: {e}")))
}

/// Every card's JSON, compressed on two threads.
fn compressed_cards(cards: &[CardRecord]) -> std::io::Result<Vec<Vec<u8>>> {
    let half = cards.len().div_ceil(2).max(1);
    std::thread::scope(|s| {
        let parts: Vec<_> = cards
            .chunks(half)
            .map(|part| {
                s.spawn(move || {
                    // One compression context per thread: creating one per card costs more
                    // than compressing it.
                    let mut compressor = zstd::bulk::Compressor::new(CARD_LEVEL)?;
                    part.iter()
                        .map(|c| compressor.compress(c.card.as_bytes()))
                        .collect::<std::io::Result<Vec<_>>>()
                })
            })
            .collect();
        let mut out = Vec::with_capacity(cards.len());
        for p in parts {
            out.extend(p.join().expect("compression thread")?);
        }
        Ok(out)
    })
}

const CARD_COLUMNS: &str =
    "c.id, s.tier, s.status, s.value_score, s.churn_risk, s.clv, s.stage, s.action, s.card";

/// The key a customer id resolves to (a merged-away id gives its survivor).
async fn resolve(pool: &SqlitePool, customer: &CustomerId) -> Result<Option<i64>> {
    Ok(
        sqlx::query_scalar("SELECT COALESCE(merged_into, key) FROM customers WHERE id = ?")
            .bind(customer.as_str())
            .fetch_optional(pool)
            .await?,
    )
}

pub(super) async fn cards(
    pool: &SqlitePool,
    run_id: i64,
    customer: Option<&CustomerId>,
) -> Result<Vec<CardRecord>> {
    let rows = match customer {
        Some(id) => {
            let Some(key) = resolve(pool, id).await? else {
                return Ok(Vec::new());
            };
            sqlx::query(sqlx::AssertSqlSafe(format!(
                "SELECT {CARD_COLUMNS} FROM score_cards s JOIN customers c ON c.key = s.customer_key
                 WHERE s.run_id = ? AND s.customer_key = ?"
            )))
            .bind(run_id)
            .bind(key)
            .fetch_all(pool)
            .await?
        }
        None => {
            sqlx::query(sqlx::AssertSqlSafe(format!(
                "SELECT {CARD_COLUMNS} FROM score_cards s JOIN customers c ON c.key = s.customer_key
                 WHERE s.run_id = ? ORDER BY c.id"
            )))
            .bind(run_id)
            .fetch_all(pool)
            .await?
        }
    };
    rows.iter().map(card_of).collect()
}

pub(super) async fn history(
    pool: &SqlitePool,
    customer: &CustomerId,
) -> Result<Vec<(i64, Timestamp, CardRecord)>> {
    let Some(key) = resolve(pool, customer).await? else {
        return Ok(Vec::new());
    };
    // One primary-key look-up per run (there is no index by customer).
    let runs = sqlx::query("SELECT id, as_of FROM score_runs ORDER BY id")
        .fetch_all(pool)
        .await?;
    let mut out = Vec::new();
    for run in &runs {
        let run_id: i64 = run.try_get(0)?;
        let row = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {CARD_COLUMNS} FROM score_cards s JOIN customers c ON c.key = s.customer_key
             WHERE s.run_id = ? AND s.customer_key = ?"
        )))
        .bind(run_id)
        .bind(key)
        .fetch_optional(pool)
        .await?;
        if let Some(row) = row {
            out.push((
                run_id,
                Timestamp::from_secs(run.try_get(1)?),
                card_of(&row)?,
            ));
        }
    }
    Ok(out)
}

pub(super) async fn alarms(pool: &SqlitePool, open_only: bool) -> Result<Vec<AlarmRecord>> {
    let filter = if open_only {
        "WHERE a.cleared_run IS NULL"
    } else {
        ""
    };
    let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT a.id, c.id AS customer, a.kind, a.evidence, a.raised_run, a.raised_as_of, a.cleared_run, a.cleared_as_of
         FROM alarms a JOIN customers c ON c.key = a.customer_key {filter} ORDER BY a.id"
    )))
    .fetch_all(pool)
    .await?;
    rows.iter()
        .map(|r| {
            let id: String = r.try_get("customer")?;
            Ok(AlarmRecord {
                id: r.try_get("id")?,
                customer_id: CustomerId::parse(&id)
                    .map_err(|e| StoreError::Merge(e.to_string()))?,
                kind: r.try_get("kind")?,
                evidence: r.try_get("evidence")?,
                raised_run: r.try_get("raised_run")?,
                raised_as_of: Timestamp::from_secs(r.try_get("raised_as_of")?),
                cleared_run: r.try_get("cleared_run")?,
                cleared_as_of: r
                    .try_get::<Option<i64>, _>("cleared_as_of")?
                    .map(Timestamp::from_secs),
            })
        })
        .collect()
}

pub(super) async fn tiers(pool: &SqlitePool, run_id: i64) -> Result<Vec<(CustomerId, String)>> {
    let rows = sqlx::query(
        "SELECT c.id, s.tier FROM score_cards s JOIN customers c ON c.key = s.customer_key WHERE s.run_id = ?",
    )
    .bind(run_id)
    .fetch_all(pool)
    .await?;
    rows.iter()
        .map(|r| {
            let id: String = r.try_get(0)?;
            Ok((
                CustomerId::parse(&id).map_err(|e| StoreError::Merge(e.to_string()))?,
                r.try_get(1)?,
            ))
        })
        .collect()
}
