//! Contests of automated decisions and the store's own secrets, in SQLite.

use super::privacy::{append_audit_tx, customer_id_at, survivor_key};
use super::runs::bulk_error;
use crate::privacy::{ContestRecord, ContestResolution, NewAuditEntry, NewContest};
use crate::{Result, StoreError};
use patron_core::ids::CustomerId;
use rusqlite::{Connection, OptionalExtension, params_from_iter};
use std::path::Path;

const CONTEST_COLUMNS: &str = "k.id, c.id, k.decision, k.statement, k.channel, k.received_by, \
     k.received_at, k.resolved_at, k.resolved_by, k.outcome, k.resolution";

fn contest_of(r: &rusqlite::Row<'_>) -> rusqlite::Result<ContestRecord> {
    Ok(ContestRecord {
        id: r.get(0)?,
        customer_id: customer_id_at(r, 1)?,
        decision: r.get(2)?,
        statement: r.get(3)?,
        channel: r.get(4)?,
        received_by: r.get(5)?,
        received_at: r.get(6)?,
        resolved_at: r.get(7)?,
        resolved_by: r.get(8)?,
        outcome: r.get(9)?,
        resolution: r.get(10)?,
    })
}

fn contest_by_id(conn: &Connection, id: i64) -> Result<Option<ContestRecord>> {
    conn.query_row(
        &format!(
            "SELECT {CONTEST_COLUMNS} FROM contests k JOIN customers c ON c.key = k.customer_key \
             WHERE k.id = ?1"
        ),
        [id],
        contest_of,
    )
    .optional()
    .map_err(bulk_error)
}

/// Records a contest with its audit entry (which names the decision, never the statement).
pub(super) fn file_contest(path: &Path, contest: &NewContest) -> Result<ContestRecord> {
    let mut conn = super::bulk::writer(path).map_err(bulk_error)?;
    let tx = conn
        .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)
        .map_err(bulk_error)?;
    let Some(key) = survivor_key(&tx, &contest.customer_id)? else {
        return Err(StoreError::UnknownCustomer(contest.customer_id.to_string()));
    };
    tx.execute(
        "INSERT INTO contests (customer_key, decision, statement, channel, received_by, received_at) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        rusqlite::params![
            key,
            contest.decision,
            contest.statement,
            contest.channel,
            contest.received_by,
            super::now_text()
        ],
    )
    .map_err(bulk_error)?;
    let id = tx.last_insert_rowid();
    append_audit_tx(
        &tx,
        &NewAuditEntry {
            actor: contest.received_by.clone(),
            action: "contest".into(),
            customer: Some(contest.customer_id.clone()),
            target: None,
            detail: serde_json::json!({"contest": id, "decision": contest.decision}),
        },
    )?;
    let record = contest_by_id(&tx, id)?
        .ok_or_else(|| StoreError::Bulk("the contest just written is missing".into()))?;
    tx.commit().map_err(bulk_error)?;
    Ok(record)
}

/// Contests, newest first: of one customer or all, only open ones when `open_only`, at most
/// `limit`.
pub(super) fn contests(
    path: &Path,
    customer: Option<&CustomerId>,
    open_only: bool,
    limit: u32,
) -> Result<Vec<ContestRecord>> {
    let conn = super::bulk::reader(path).map_err(bulk_error)?;
    let mut sql = format!(
        "SELECT {CONTEST_COLUMNS} FROM contests k JOIN customers c ON c.key = k.customer_key WHERE 1"
    );
    let mut params: Vec<rusqlite::types::Value> = Vec::new();
    if let Some(customer) = customer {
        sql.push_str(
            " AND k.customer_key = (SELECT COALESCE(merged_into, key) FROM customers WHERE id = ?)",
        );
        params.push(customer.as_str().to_owned().into());
    }
    if open_only {
        sql.push_str(" AND k.resolved_at IS NULL");
    }
    sql.push_str(" ORDER BY k.id DESC LIMIT ?");
    params.push(i64::from(limit).into());
    let mut stmt = conn.prepare(&sql).map_err(bulk_error)?;
    let rows = stmt
        .query_map(params_from_iter(params), contest_of)
        .and_then(|rows| rows.collect())
        .map_err(bulk_error)?;
    Ok(rows)
}

/// Resolves an open contest with its audit entry; `None` if it does not exist or is resolved.
pub(super) fn resolve_contest(
    path: &Path,
    id: i64,
    resolution: &ContestResolution,
) -> Result<Option<ContestRecord>> {
    let mut conn = super::bulk::writer(path).map_err(bulk_error)?;
    let tx = conn
        .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)
        .map_err(bulk_error)?;
    let changed = tx
        .execute(
            "UPDATE contests SET resolved_at = ?1, resolved_by = ?2, outcome = ?3, resolution = ?4 \
             WHERE id = ?5 AND resolved_at IS NULL",
            rusqlite::params![
                super::now_text(),
                resolution.resolved_by,
                resolution.outcome,
                resolution.resolution,
                id
            ],
        )
        .map_err(bulk_error)?;
    if changed == 0 {
        return Ok(None);
    }
    let record = contest_by_id(&tx, id)?;
    if let Some(record) = &record {
        append_audit_tx(
            &tx,
            &NewAuditEntry {
                actor: resolution.resolved_by.clone(),
                action: "contest_resolved".into(),
                customer: Some(record.customer_id.clone()),
                target: None,
                detail: serde_json::json!({
                    "contest": id,
                    "decision": record.decision,
                    "outcome": resolution.outcome,
                }),
            },
        )?;
    }
    tx.commit().map_err(bulk_error)?;
    Ok(record)
}

/// The secret `name`: stored as `fresh` if there is none yet, or replaced by it on `rotate`.
pub(super) fn secret(path: &Path, name: &str, fresh: &[u8], rotate: bool) -> Result<Vec<u8>> {
    if !rotate {
        // Usually there: read it without taking the write lock.
        let conn = super::bulk::reader(path).map_err(bulk_error)?;
        let stored: Option<Vec<u8>> = conn
            .query_row("SELECT value FROM secrets WHERE name = ?1", [name], |r| {
                r.get(0)
            })
            .optional()
            .map_err(bulk_error)?;
        if let Some(value) = stored {
            return Ok(value);
        }
    }
    let mut conn = super::bulk::writer(path).map_err(bulk_error)?;
    let tx = conn
        .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)
        .map_err(bulk_error)?;
    let insert = if rotate {
        "INSERT OR REPLACE INTO secrets (name, value, created_at) VALUES (?1, ?2, ?3)"
    } else {
        "INSERT OR IGNORE INTO secrets (name, value, created_at) VALUES (?1, ?2, ?3)"
    };
    tx.execute(insert, rusqlite::params![name, fresh, super::now_text()])
        .map_err(bulk_error)?;
    let value: Vec<u8> = tx
        .query_row("SELECT value FROM secrets WHERE name = ?1", [name], |r| {
            r.get(0)
        })
        .map_err(bulk_error)?;
    tx.commit().map_err(bulk_error)?;
    Ok(value)
}
