//! Score runs, cards and alarm episodes in SQLite.

use super::now_text;
use crate::{AlarmRecord, CardRecord, NewScoreRun, Result, ScoreRunRecord, StoreError};
use patron_core::Timestamp;
use patron_core::ids::CustomerId;
use rustc_hash::FxHashMap;
use sqlx::sqlite::SqliteRow;
use sqlx::{Row, SqlitePool};

/// Cards are written this many per statement.
const CARDS_PER_STATEMENT: usize = 100;

async fn customer_keys(pool: &SqlitePool) -> Result<FxHashMap<String, i64>> {
    let rows = sqlx::query("SELECT id, key FROM customers WHERE merged_into IS NULL")
        .fetch_all(pool)
        .await?;
    rows.iter()
        .map(|r| Ok((r.try_get::<String, _>(0)?, r.try_get::<i64, _>(1)?)))
        .collect()
}

fn key_of(keys: &FxHashMap<String, i64>, id: &CustomerId) -> Result<i64> {
    keys.get(id.as_str())
        .copied()
        .ok_or_else(|| StoreError::UnknownCustomer(id.to_string()))
}

pub(super) async fn save(pool: &SqlitePool, run: &NewScoreRun) -> Result<i64> {
    let keys = customer_keys(pool).await?;
    let mut tx = pool.begin().await?;
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO score_runs (as_of, created_at, customers, rules_version, context, summary)
         VALUES (?, ?, ?, ?, ?, ?) RETURNING id",
    )
    .bind(run.as_of.secs())
    .bind(now_text())
    .bind(run.cards.len() as i64)
    .bind(&run.rules_version)
    .bind(&run.context)
    .bind(run.summary.to_string())
    .fetch_one(&mut *tx)
    .await?;
    for chunk in run.cards.chunks(CARDS_PER_STATEMENT) {
        let mut sql = String::from(
            "INSERT INTO score_cards (run_id, customer_key, tier, status, value_score, churn_risk, clv, stage, action, card) VALUES ",
        );
        for i in 0..chunk.len() {
            sql.push_str(if i == 0 {
                "(?,?,?,?,?,?,?,?,?,?)"
            } else {
                ",(?,?,?,?,?,?,?,?,?,?)"
            });
        }
        let mut q = sqlx::query(sqlx::AssertSqlSafe(sql));
        for c in chunk {
            q = q
                .bind(id)
                .bind(key_of(&keys, &c.customer_id)?)
                .bind(&c.tier)
                .bind(&c.status)
                .bind(c.value_score)
                .bind(c.churn_risk)
                .bind(c.clv)
                .bind(&c.stage)
                .bind(&c.action)
                .bind(&c.card);
        }
        q.execute(&mut *tx).await?;
    }
    for (customer, kind, evidence) in &run.raised {
        sqlx::query(
            "INSERT INTO alarms (customer_key, kind, evidence, raised_run, raised_as_of) VALUES (?, ?, ?, ?, ?)",
        )
        .bind(key_of(&keys, customer)?)
        .bind(kind)
        .bind(evidence)
        .bind(id)
        .bind(run.as_of.secs())
        .execute(&mut *tx)
        .await?;
    }
    for (customer, kind) in &run.cleared {
        sqlx::query(
            "UPDATE alarms SET cleared_run = ?, cleared_as_of = ? WHERE customer_key = ? AND kind = ? AND cleared_run IS NULL",
        )
        .bind(id)
        .bind(run.as_of.secs())
        .bind(key_of(&keys, customer)?)
        .bind(kind)
        .execute(&mut *tx)
        .await?;
    }
    tx.commit().await?;
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
        card: r.try_get("card")?,
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
    let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT {CARD_COLUMNS}, r.id AS run_id, r.as_of FROM score_cards s
         JOIN customers c ON c.key = s.customer_key JOIN score_runs r ON r.id = s.run_id
         WHERE s.customer_key = ? ORDER BY r.id"
    )))
    .bind(key)
    .fetch_all(pool)
    .await?;
    rows.iter()
        .map(|r| {
            Ok((
                r.try_get("run_id")?,
                Timestamp::from_secs(r.try_get("as_of")?),
                card_of(r)?,
            ))
        })
        .collect()
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
