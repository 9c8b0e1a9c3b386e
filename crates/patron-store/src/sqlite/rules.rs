//! Rule-set versions, rule runs written in resumable batches, and the outbox (migration 0002).

use super::now_text;
use crate::rule_runs::{
    CustomerRuleResults, FactPosition, FiringLine, LedgerLine, LedgerSource, NewRuleRun,
    OutboxRecord, OutboxStatus, RuleBatch, RuleNames, RuleRun, RuleRunStart, RuleVersionRecord,
    StoredRuleScores, TransitionCause, TransitionLine,
};
use crate::{Result, StoreError};
use patron_core::Timestamp;
use patron_core::ids::CustomerId;
use rustc_hash::FxHashMap;
use sqlx::query_builder::Separated;
use sqlx::sqlite::{Sqlite, SqliteRow};
use sqlx::{QueryBuilder, Row, SqliteConnection, SqlitePool};
use std::collections::BTreeMap;

/// Rows per multi-row INSERT (at most 11 values a row: well under SQLite's 32,766 variables).
const ROWS_PER_STATEMENT: usize = 2_000;

/// Tables holding one run's per-customer results.
const RESULT_TABLES: [&str; 5] = [
    "rule_scores",
    "rule_levels",
    "rule_ledger",
    "rule_transitions",
    "rule_firings",
];

const RUN_COLUMNS: &str =
    "id, version, as_of, facts_digest, customers, done, started_at, finished_at";

fn run_from_row(r: &SqliteRow) -> Result<RuleRun> {
    Ok(RuleRun {
        id: r.try_get(0)?,
        version: r.try_get(1)?,
        as_of: Timestamp::from_secs(r.try_get(2)?),
        facts_digest: r.try_get(3)?,
        customers: r.try_get::<i64, _>(4)? as u64,
        done: r.try_get::<i64, _>(5)? as u64,
        started_at: r.try_get(6)?,
        finished_at: r.try_get(7)?,
    })
}

fn conflict(message: String) -> StoreError {
    StoreError::RuleRun(message)
}

async fn run_by_id(conn: &mut SqliteConnection, id: i64) -> Result<RuleRun> {
    let row = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT {RUN_COLUMNS} FROM rule_runs WHERE id = ?"
    )))
    .bind(id)
    .fetch_optional(&mut *conn)
    .await?
    .ok_or_else(|| conflict(format!("no rule run {id}")))?;
    run_from_row(&row)
}

async fn unfinished_run(conn: &mut SqliteConnection) -> Result<Option<RuleRun>> {
    let row = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT {RUN_COLUMNS} FROM rule_runs WHERE finished_at IS NULL ORDER BY id DESC LIMIT 1"
    )))
    .fetch_optional(&mut *conn)
    .await?;
    row.as_ref().map(run_from_row).transpose()
}

async fn latest_finished(
    conn: &mut SqliteConnection,
    version: Option<&str>,
) -> Result<Option<RuleRun>> {
    let row = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT {RUN_COLUMNS} FROM rule_runs WHERE finished_at IS NOT NULL AND (?1 IS NULL OR version = ?1)
         ORDER BY id DESC LIMIT 1"
    )))
    .bind(version)
    .fetch_optional(&mut *conn)
    .await?;
    row.as_ref().map(run_from_row).transpose()
}

async fn names_of_run(conn: &mut SqliteConnection, run_id: i64) -> Result<RuleNames> {
    let text: String = sqlx::query_scalar(
        "SELECT v.names FROM rule_runs r JOIN rule_versions v ON v.version = r.version WHERE r.id = ?",
    )
    .bind(run_id)
    .fetch_optional(&mut *conn)
    .await?
    .ok_or_else(|| conflict(format!("no rule run {run_id}")))?;
    serde_json::from_str(&text).map_err(|e| sqlx::Error::Decode(Box::new(e)).into())
}

/// Deletes a run and its results.
async fn discard(conn: &mut SqliteConnection, run_id: i64) -> Result<()> {
    for table in RESULT_TABLES {
        sqlx::query(sqlx::AssertSqlSafe(format!(
            "DELETE FROM {table} WHERE run_id = ?"
        )))
        .bind(run_id)
        .execute(&mut *conn)
        .await?;
    }
    sqlx::query("DELETE FROM rule_runs WHERE id = ?")
        .bind(run_id)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

fn same_work(run: &RuleRun, new: &NewRuleRun) -> bool {
    run.version == new.version.version
        && run.as_of == new.as_of
        && run.facts_digest == new.facts_digest
        && run.customers == new.customers
}

pub(crate) async fn begin(
    pool: &SqlitePool,
    new: &NewRuleRun,
    restart: bool,
) -> Result<RuleRunStart> {
    let mut tx = pool.begin_with("BEGIN IMMEDIATE").await?;
    if let Some(open) = unfinished_run(&mut tx).await? {
        if same_work(&open, new) && !restart {
            tx.commit().await?;
            return Ok(RuleRunStart::Resumed(open));
        }
        if !restart {
            return Err(conflict(format!(
                "rule run {} (version {} as of {}) was interrupted after {} of {} customers, and the rules or \
                 the facts have changed since: publish the same rules again to continue it, or pass --restart \
                 to discard it",
                open.id, open.version, open.as_of, open.done, open.customers
            )));
        }
        discard(&mut tx, open.id).await?;
    }
    if !restart
        && let Some(last) = latest_finished(&mut tx, None).await?
        && same_work(&last, new)
    {
        tx.commit().await?;
        return Ok(RuleRunStart::UpToDate(last));
    }
    let now = now_text();
    let names =
        serde_json::to_string(&new.version.names).map_err(|e| sqlx::Error::Encode(Box::new(e)))?;
    sqlx::query(
        "INSERT INTO rule_versions (version, canonical, names, created_at) VALUES (?, ?, ?, ?)
         ON CONFLICT (version) DO NOTHING",
    )
    .bind(&new.version.version)
    .bind(&new.version.canonical)
    .bind(names)
    .bind(&now)
    .execute(&mut *tx)
    .await?;
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO rule_runs (version, as_of, facts_digest, customers, done, started_at)
         VALUES (?, ?, ?, ?, 0, ?) RETURNING id",
    )
    .bind(&new.version.version)
    .bind(new.as_of.secs())
    .bind(&new.facts_digest)
    .bind(new.customers as i64)
    .bind(&now)
    .fetch_one(&mut *tx)
    .await?;
    let run = run_by_id(&mut tx, id).await?;
    tx.commit().await?;
    Ok(RuleRunStart::Started(run))
}

/// Customer keys of ids (active customers).
async fn keys_of(
    conn: &mut SqliteConnection,
    ids: impl Iterator<Item = &CustomerId>,
) -> Result<Vec<i64>> {
    let ids: Vec<&CustomerId> = ids.collect();
    let mut found: FxHashMap<String, i64> = FxHashMap::default();
    for chunk in ids.chunks(ROWS_PER_STATEMENT) {
        let mut q = QueryBuilder::<Sqlite>::new("SELECT id, key FROM customers WHERE id IN (");
        let mut list = q.separated(", ");
        for id in chunk {
            list.push_bind(id.as_str());
        }
        q.push(")");
        for r in q.build().fetch_all(&mut *conn).await? {
            found.insert(r.try_get(0)?, r.try_get(1)?);
        }
    }
    ids.iter()
        .map(|id| {
            found
                .get(id.as_str())
                .copied()
                .ok_or_else(|| StoreError::UnknownCustomer(id.to_string()))
        })
        .collect()
}

fn source_columns(source: LedgerSource) -> (i64, i64) {
    let group = |g: Option<u32>| g.map_or(-1, i64::from);
    match source {
        LedgerSource::EventRule(r) => (0, i64::from(r)),
        LedgerSource::StateRule(r) => (1, i64::from(r)),
        LedgerSource::Cap(g) => (2, group(g)),
        LedgerSource::Floor(g) => (3, group(g)),
    }
}

fn source_from(kind: i64, item: i64) -> Result<LedgerSource> {
    let group = u32::try_from(item).ok();
    Ok(match kind {
        0 => LedgerSource::EventRule(item as u32),
        1 => LedgerSource::StateRule(item as u32),
        2 => LedgerSource::Cap(group),
        3 => LedgerSource::Floor(group),
        _ => return Err(conflict(format!("unknown ledger kind {kind}"))),
    })
}

/// (cause, rule, fact kind, fact) columns of a transition cause.
fn cause_columns(cause: TransitionCause) -> (i64, Option<i64>, Option<i64>, Option<i64>) {
    match cause {
        TransitionCause::First => (0, None, None, None),
        TransitionCause::Award { rule, fact } => {
            let (kind, n) = match fact {
                FactPosition::Event(n) => (0, n),
                FactPosition::Order(n) => (1, n),
            };
            (1, Some(i64::from(rule)), Some(kind), Some(i64::from(n)))
        }
        TransitionCause::State { rule, holds } => {
            (if holds { 2 } else { 3 }, Some(i64::from(rule)), None, None)
        }
        TransitionCause::Time => (4, None, None, None),
    }
}

fn cause_from(
    cause: i64,
    rule: Option<i64>,
    kind: Option<i64>,
    fact: Option<i64>,
) -> Result<TransitionCause> {
    let rule = rule.unwrap_or(0) as u32;
    Ok(match cause {
        0 => TransitionCause::First,
        1 => TransitionCause::Award {
            rule,
            fact: match kind {
                Some(1) => FactPosition::Order(fact.unwrap_or(0) as u32),
                _ => FactPosition::Event(fact.unwrap_or(0) as u32),
            },
        },
        2 | 3 => TransitionCause::State {
            rule,
            holds: cause == 2,
        },
        4 => TransitionCause::Time,
        _ => return Err(conflict(format!("unknown transition cause {cause}"))),
    })
}

/// Multi-row inserts of `rows` (pairs of customer key and row) of run `run_id` into a table
/// whose first two columns are `run_id, customer_key`.
async fn insert<T>(
    conn: &mut SqliteConnection,
    head: &str,
    run_id: i64,
    rows: &[(i64, T)],
    mut push: impl FnMut(&mut Separated<'_, Sqlite, &'static str>, &T),
) -> Result<()> {
    for chunk in rows.chunks(ROWS_PER_STATEMENT) {
        let mut q = QueryBuilder::<Sqlite>::new(head);
        q.push_values(chunk, |mut b, (key, row)| {
            b.push_bind(run_id).push_bind(*key);
            push(&mut b, row);
        });
        q.build().execute(&mut *conn).await?;
    }
    Ok(())
}

pub(crate) async fn write_batch(
    pool: &SqlitePool,
    run_id: i64,
    batch: &RuleBatch,
) -> Result<RuleRun> {
    let mut tx = pool.begin_with("BEGIN IMMEDIATE").await?;
    let run = run_by_id(&mut tx, run_id).await?;
    if run.finished_at.is_some() {
        return Err(conflict(format!("rule run {run_id} is finished")));
    }
    let end = batch.start + batch.customers.len() as u64;
    if batch.start != run.done || end > run.customers {
        return Err(conflict(format!(
            "rule run {run_id} has {} of {} customers written; a batch of customers {}..{end} does not follow",
            run.done, run.customers, batch.start
        )));
    }
    let keys = keys_of(&mut tx, batch.customers.iter().map(|c| &c.customer)).await?;
    let mut scores = Vec::new();
    let mut levels = Vec::new();
    let mut ledger = Vec::new();
    let mut transitions = Vec::new();
    let mut firings = Vec::new();
    for (c, &key) in batch.customers.iter().zip(&keys) {
        scores.extend(
            c.scores
                .iter()
                .enumerate()
                .map(|(s, &p)| (key, (s as i64, p))),
        );
        levels.extend(
            c.levels
                .iter()
                .enumerate()
                .map(|(s, &l)| (key, (s as i64, l.map(i64::from)))),
        );
        ledger.extend(c.ledger.iter().map(|l| (key, *l)));
        transitions.extend(
            c.transitions
                .iter()
                .enumerate()
                .map(|(i, t)| (key, (i as i64, *t))),
        );
        firings.extend(c.firings.iter().map(|f| (key, *f)));
    }
    insert(
        &mut tx,
        "INSERT INTO rule_scores (run_id, customer_key, score, points) ",
        run_id,
        &scores,
        |b, &(score, points)| {
            b.push_bind(score).push_bind(points);
        },
    )
    .await?;
    insert(
        &mut tx,
        "INSERT INTO rule_levels (run_id, customer_key, stage, level) ",
        run_id,
        &levels,
        |b, &(stage, level)| {
            b.push_bind(stage).push_bind(level);
        },
    )
    .await?;
    insert(
        &mut tx,
        "INSERT INTO rule_ledger (run_id, customer_key, score, kind, item, entries, points, original_points, first_at, last_at) ",
        run_id,
        &ledger,
        |b, l: &LedgerLine| {
            let (kind, item) = source_columns(l.source);
            b.push_bind(i64::from(l.score))
                .push_bind(kind)
                .push_bind(item)
                .push_bind(i64::from(l.entries))
                .push_bind(l.points)
                .push_bind(l.original_points)
                .push_bind(l.first_at.secs())
                .push_bind(l.last_at.secs());
        },
    )
    .await?;
    insert(
        &mut tx,
        "INSERT INTO rule_transitions (run_id, customer_key, seq, stage, from_level, to_level, at, cause, cause_rule, cause_fact_kind, cause_fact) ",
        run_id,
        &transitions,
        |b, &(seq, t): &(i64, TransitionLine)| {
            let (cause, rule, kind, fact) = cause_columns(t.cause);
            b.push_bind(seq)
                .push_bind(i64::from(t.stage))
                .push_bind(t.from.map(i64::from))
                .push_bind(i64::from(t.to))
                .push_bind(t.at.secs())
                .push_bind(cause)
                .push_bind(rule)
                .push_bind(kind)
                .push_bind(fact);
        },
    )
    .await?;
    insert(
        &mut tx,
        "INSERT INTO rule_firings (run_id, customer_key, trigger, occurrence, at) ",
        run_id,
        &firings,
        |b, f: &FiringLine| {
            b.push_bind(i64::from(f.trigger))
                .push_bind(i64::from(f.occurrence))
                .push_bind(f.at.secs());
        },
    )
    .await?;
    sqlx::query("UPDATE rule_runs SET done = ? WHERE id = ?")
        .bind(end as i64)
        .bind(run_id)
        .execute(&mut *tx)
        .await?;
    let run = run_by_id(&mut tx, run_id).await?;
    tx.commit().await?;
    Ok(run)
}

pub(crate) async fn finish(pool: &SqlitePool, run_id: i64) -> Result<RuleRun> {
    let mut tx = pool.begin_with("BEGIN IMMEDIATE").await?;
    let run = run_by_id(&mut tx, run_id).await?;
    if run.finished_at.is_some() {
        tx.commit().await?;
        return Ok(run);
    }
    if run.done != run.customers {
        return Err(conflict(format!(
            "rule run {run_id} has only {} of {} customers written",
            run.done, run.customers
        )));
    }
    let names = names_of_run(&mut tx, run_id).await?;
    let now = now_text();
    // Queue the run's firings: a firing already queued (by trigger name, customer and
    // occurrence) is not queued again; it is confirmed by this run.
    for (t, trigger) in names.triggers.iter().enumerate() {
        sqlx::query(
            "INSERT INTO rule_outbox (trigger, customer_key, occurrence, at, action, first_run, last_run)
             SELECT ?1, customer_key, occurrence, at, ?2, ?3, ?3 FROM rule_firings WHERE run_id = ?3 AND trigger = ?4
             ORDER BY at, customer_key, occurrence
             ON CONFLICT (trigger, customer_key, occurrence) DO UPDATE SET
                 last_run = excluded.last_run,
                 at = CASE WHEN status = 'delivered' THEN at ELSE excluded.at END,
                 action = CASE WHEN status = 'delivered' THEN action ELSE excluded.action END,
                 status = CASE WHEN status = 'superseded' THEN 'pending' ELSE status END",
        )
        .bind(&trigger.name)
        .bind(&trigger.action)
        .bind(run_id)
        .bind(t as i64)
        .execute(&mut *tx)
        .await?;
    }
    sqlx::query(
        "UPDATE rule_outbox SET status = 'superseded' WHERE status = 'pending' AND last_run <> ?",
    )
    .bind(run_id)
    .execute(&mut *tx)
    .await?;
    sqlx::query("UPDATE rule_runs SET finished_at = ? WHERE id = ?")
        .bind(&now)
        .bind(run_id)
        .execute(&mut *tx)
        .await?;
    sqlx::query(
        "UPDATE rule_versions SET published_at = COALESCE(published_at, ?) WHERE version = ?",
    )
    .bind(&now)
    .bind(&run.version)
    .execute(&mut *tx)
    .await?;
    let run = run_by_id(&mut tx, run_id).await?;
    tx.commit().await?;
    Ok(run)
}

pub(crate) async fn versions(pool: &SqlitePool) -> Result<Vec<RuleVersionRecord>> {
    let mut conn = pool.acquire().await?;
    let current = latest_finished(&mut conn, None).await?.map(|r| r.version);
    let mut runs: BTreeMap<String, Vec<RuleRun>> = BTreeMap::new();
    for r in sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT {RUN_COLUMNS} FROM rule_runs ORDER BY id"
    )))
    .fetch_all(&mut *conn)
    .await?
    {
        let run = run_from_row(&r)?;
        runs.entry(run.version.clone()).or_default().push(run);
    }
    sqlx::query(
        "SELECT version, canonical, names, created_at, published_at FROM rule_versions ORDER BY rowid",
    )
    .fetch_all(&mut *conn)
    .await?
    .into_iter()
    .map(|r| {
        let version: String = r.try_get(0)?;
        let names: String = r.try_get(2)?;
        Ok(RuleVersionRecord {
            current: current.as_deref() == Some(version.as_str()),
            runs: runs.remove(&version).unwrap_or_default(),
            canonical: r.try_get(1)?,
            names: serde_json::from_str(&names).map_err(|e| sqlx::Error::Decode(Box::new(e)))?,
            created_at: r.try_get(3)?,
            published_at: r.try_get(4)?,
            version,
        })
    })
    .collect()
}

pub(crate) async fn latest_run(
    pool: &SqlitePool,
    version: Option<&str>,
) -> Result<Option<RuleRun>> {
    let mut conn = pool.acquire().await?;
    latest_finished(&mut conn, version).await
}

/// The entry of a customer key, created with zero scores and no levels.
fn stored_entry<'a>(
    out: &'a mut BTreeMap<i64, StoredRuleScores>,
    names: &RuleNames,
    key: i64,
    id: String,
) -> Result<&'a mut StoredRuleScores> {
    Ok(match out.entry(key) {
        std::collections::btree_map::Entry::Occupied(e) => e.into_mut(),
        std::collections::btree_map::Entry::Vacant(e) => e.insert(StoredRuleScores {
            customer: CustomerId::parse(&id).map_err(|e| sqlx::Error::Decode(Box::new(e)))?,
            scores: vec![0; names.scores.len()],
            levels: vec![None; names.stages.len()],
        }),
    })
}

pub(crate) async fn run_scores(pool: &SqlitePool, run_id: i64) -> Result<Vec<StoredRuleScores>> {
    let mut conn = pool.acquire().await?;
    let names = names_of_run(&mut conn, run_id).await?;
    let mut out: BTreeMap<i64, StoredRuleScores> = BTreeMap::new();
    let rows = sqlx::query(
        "SELECT s.customer_key, c.id, s.score, s.points FROM rule_scores s JOIN customers c ON c.key = s.customer_key
         WHERE s.run_id = ?",
    )
    .bind(run_id)
    .fetch_all(&mut *conn)
    .await?;
    for r in rows {
        let e = stored_entry(&mut out, &names, r.try_get(0)?, r.try_get(1)?)?;
        let score: i64 = r.try_get(2)?;
        if let Some(slot) = e.scores.get_mut(score as usize) {
            *slot = r.try_get(3)?;
        }
    }
    let rows = sqlx::query(
        "SELECT l.customer_key, c.id, l.stage, l.level FROM rule_levels l JOIN customers c ON c.key = l.customer_key
         WHERE l.run_id = ?",
    )
    .bind(run_id)
    .fetch_all(&mut *conn)
    .await?;
    for r in rows {
        let e = stored_entry(&mut out, &names, r.try_get(0)?, r.try_get(1)?)?;
        let stage: i64 = r.try_get(2)?;
        if let Some(slot) = e.levels.get_mut(stage as usize) {
            *slot = r.try_get::<Option<i64>, _>(3)?.map(|l| l as u32);
        }
    }
    Ok(out.into_values().collect())
}

pub(crate) async fn run_customer(
    pool: &SqlitePool,
    run_id: i64,
    customer: &CustomerId,
) -> Result<Option<CustomerRuleResults>> {
    let mut conn = pool.acquire().await?;
    let names = names_of_run(&mut conn, run_id).await?;
    let key: Option<i64> = sqlx::query_scalar(
        "SELECT key FROM customers WHERE id = ?1
           AND (EXISTS (SELECT 1 FROM rule_scores WHERE run_id = ?2 AND customer_key = customers.key)
             OR EXISTS (SELECT 1 FROM rule_levels WHERE run_id = ?2 AND customer_key = customers.key))",
    )
    .bind(customer.as_str())
    .bind(run_id)
    .fetch_optional(&mut *conn)
    .await?;
    let Some(key) = key else {
        return Ok(None);
    };
    let mut out = CustomerRuleResults {
        customer: customer.clone(),
        scores: vec![0; names.scores.len()],
        levels: vec![None; names.stages.len()],
        ledger: Vec::new(),
        transitions: Vec::new(),
        firings: Vec::new(),
    };
    let q = |sql: &'static str| sqlx::query(sql).bind(run_id).bind(key);
    for r in q("SELECT score, points FROM rule_scores WHERE run_id = ? AND customer_key = ?")
        .fetch_all(&mut *conn)
        .await?
    {
        if let Some(slot) = out.scores.get_mut(r.try_get::<i64, _>(0)? as usize) {
            *slot = r.try_get(1)?;
        }
    }
    for r in q("SELECT stage, level FROM rule_levels WHERE run_id = ? AND customer_key = ?")
        .fetch_all(&mut *conn)
        .await?
    {
        if let Some(slot) = out.levels.get_mut(r.try_get::<i64, _>(0)? as usize) {
            *slot = r.try_get::<Option<i64>, _>(1)?.map(|l| l as u32);
        }
    }
    // By score, then rules by index, then bounds: group caps/floors by group, the score's last.
    for r in q(
        "SELECT score, kind, item, entries, points, original_points, first_at, last_at FROM rule_ledger
         WHERE run_id = ? AND customer_key = ?
         ORDER BY score, kind >= 2, item < 0, item, kind",
    )
    .fetch_all(&mut *conn)
    .await?
    {
        out.ledger.push(LedgerLine {
            score: r.try_get::<i64, _>(0)? as u32,
            source: source_from(r.try_get(1)?, r.try_get(2)?)?,
            entries: r.try_get::<i64, _>(3)? as u32,
            points: r.try_get(4)?,
            original_points: r.try_get(5)?,
            first_at: Timestamp::from_secs(r.try_get(6)?),
            last_at: Timestamp::from_secs(r.try_get(7)?),
        });
    }
    for r in q(
        "SELECT stage, from_level, to_level, at, cause, cause_rule, cause_fact_kind, cause_fact FROM rule_transitions
         WHERE run_id = ? AND customer_key = ? ORDER BY seq",
    )
    .fetch_all(&mut *conn)
    .await?
    {
        out.transitions.push(TransitionLine {
            stage: r.try_get::<i64, _>(0)? as u32,
            from: r.try_get::<Option<i64>, _>(1)?.map(|l| l as u32),
            to: r.try_get::<i64, _>(2)? as u32,
            at: Timestamp::from_secs(r.try_get(3)?),
            cause: cause_from(r.try_get(4)?, r.try_get(5)?, r.try_get(6)?, r.try_get(7)?)?,
        });
    }
    for r in q(
        "SELECT trigger, occurrence, at FROM rule_firings WHERE run_id = ? AND customer_key = ?
         ORDER BY at, trigger, occurrence",
    )
    .fetch_all(&mut *conn)
    .await?
    {
        out.firings.push(FiringLine {
            trigger: r.try_get::<i64, _>(0)? as u32,
            occurrence: r.try_get::<i64, _>(1)? as u32,
            at: Timestamp::from_secs(r.try_get(2)?),
        });
    }
    Ok(Some(out))
}

pub(crate) async fn outbox(pool: &SqlitePool, all: bool) -> Result<Vec<OutboxRecord>> {
    sqlx::query(
        "SELECT o.id, o.trigger, c.id, o.occurrence, o.at, o.action, r.version, o.first_run, o.last_run,
                o.status, o.delivered_at
         FROM rule_outbox o JOIN customers c ON c.key = o.customer_key JOIN rule_runs r ON r.id = o.last_run
         WHERE ?1 OR o.status = 'pending' ORDER BY o.at, o.id",
    )
    .bind(all)
    .fetch_all(pool)
    .await?
    .into_iter()
    .map(|r| {
        let status: String = r.try_get(9)?;
        let customer: String = r.try_get(2)?;
        Ok(OutboxRecord {
            id: r.try_get(0)?,
            trigger: r.try_get(1)?,
            customer: CustomerId::parse(&customer).map_err(|e| sqlx::Error::Decode(Box::new(e)))?,
            occurrence: r.try_get::<i64, _>(3)? as u32,
            at: Timestamp::from_secs(r.try_get(4)?),
            action: r.try_get(5)?,
            version: r.try_get(6)?,
            first_run: r.try_get(7)?,
            last_run: r.try_get(8)?,
            status: OutboxStatus::parse(&status)
                .ok_or_else(|| conflict(format!("unknown outbox status {status:?}")))?,
            delivered_at: r.try_get(10)?,
        })
    })
    .collect()
}

pub(crate) async fn mark_delivered(pool: &SqlitePool, ids: &[i64]) -> Result<u64> {
    let mut tx = pool.begin_with("BEGIN IMMEDIATE").await?;
    let now = now_text();
    let mut changed = 0;
    for chunk in ids.chunks(ROWS_PER_STATEMENT) {
        let mut q = QueryBuilder::<Sqlite>::new(
            "UPDATE rule_outbox SET status = 'delivered', delivered_at = ",
        );
        q.push_bind(now.clone());
        q.push(" WHERE status = 'pending' AND id IN (");
        let mut list = q.separated(", ");
        for id in chunk {
            list.push_bind(*id);
        }
        q.push(")");
        changed += q.build().execute(&mut *tx).await?.rows_affected();
    }
    tx.commit().await?;
    Ok(changed)
}
