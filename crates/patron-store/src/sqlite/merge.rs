//! Merging duplicate customers, and undoing a merge until the next score run.

use super::rows::{CUSTOMER_COLUMNS, customer_from_row, fingerprint, update_customer};
use crate::{MergeRecord, Result, StoreError};
use patron_core::ids::CustomerId;
use patron_core::model::Customer;
use serde::{Deserialize, Serialize};
use sqlx::{AssertSqlSafe, Row, SqliteConnection, SqlitePool};
use std::collections::BTreeMap;

/// Natural keys of the facts a merge moved, to move them back on undo.
#[derive(Debug, Default, Serialize, Deserialize)]
struct Moved {
    order_lines: Vec<(String, i64)>,
    events: Vec<String>,
    tickets: Vec<String>,
    invoices: Vec<String>,
    outcomes: Vec<(String, i64)>,
    /// Contracts moved to the kept customer.
    #[serde(default)]
    contracts: Vec<String>,
    /// Alarm episodes (open and cleared) moved to the kept customer.
    #[serde(default)]
    alarms_moved: Vec<i64>,
    /// Open episodes of a kind the kept customer also had open: cleared by the merge (as of
    /// the latest run) and moved.
    #[serde(default)]
    alarms_closed: Vec<i64>,
    /// Outbox entries moved to the kept customer.
    #[serde(default)]
    outbox_moved: Vec<i64>,
    /// Pending outbox entries the kept customer already has (same trigger and occurrence):
    /// superseded by the merge, left with the merged-away customer.
    #[serde(default)]
    outbox_superseded: Vec<i64>,
}

impl Moved {
    fn counts(&self) -> BTreeMap<String, u64> {
        BTreeMap::from([
            ("order_lines".into(), self.order_lines.len() as u64),
            ("events".into(), self.events.len() as u64),
            ("tickets".into(), self.tickets.len() as u64),
            ("invoices".into(), self.invoices.len() as u64),
            ("outcomes".into(), self.outcomes.len() as u64),
            ("contracts".into(), self.contracts.len() as u64),
            ("alarms".into(), self.alarms_moved.len() as u64),
            (
                "outbox entries".into(),
                (self.outbox_moved.len() + self.outbox_superseded.len()) as u64,
            ),
        ])
    }
}

fn id_list(ids: &[i64]) -> String {
    ids.iter().map(i64::to_string).collect::<Vec<_>>().join(",")
}

/// `UPDATE {update} WHERE id IN (ids)`, binding `value` to its parameter when given; nothing
/// without ids.
async fn update_ids(
    conn: &mut SqliteConnection,
    update: &str,
    ids: &[i64],
    value: Option<i64>,
) -> Result<()> {
    if ids.is_empty() {
        return Ok(());
    }
    let sql = format!("UPDATE {update} WHERE id IN ({})", id_list(ids));
    let mut query = sqlx::query(AssertSqlSafe(sql));
    if let Some(value) = value {
        query = query.bind(value);
    }
    query.execute(&mut *conn).await?;
    Ok(())
}

/// Alarm episodes and outbox entries follow the kept customer: every alarm episode of `drop`
/// moves to `keep`, open ones of a kind `keep` also has open are first cleared as of the latest
/// run (one open episode per customer and kind); outbox entries move unless `keep` has the same
/// (trigger, occurrence), in which case a pending one is superseded. Recorded in `moved`.
async fn move_dependents(
    conn: &mut SqliteConnection,
    moved: &mut Moved,
    drop_key: i64,
    keep_key: i64,
    after_run: i64,
) -> Result<()> {
    moved.alarms_closed = sqlx::query_scalar(
        "SELECT id FROM alarms WHERE customer_key = ?1 AND cleared_run IS NULL AND kind IN
         (SELECT kind FROM alarms WHERE customer_key = ?2 AND cleared_run IS NULL) ORDER BY id",
    )
    .bind(drop_key)
    .bind(keep_key)
    .fetch_all(&mut *conn)
    .await?;
    update_ids(
        conn,
        "alarms SET cleared_run = ?1, cleared_as_of = (SELECT as_of FROM score_runs WHERE id = ?1)",
        &moved.alarms_closed,
        Some(after_run),
    )
    .await?;
    moved.alarms_moved =
        sqlx::query_scalar("SELECT id FROM alarms WHERE customer_key = ? ORDER BY id")
            .bind(drop_key)
            .fetch_all(&mut *conn)
            .await?;
    sqlx::query("UPDATE alarms SET customer_key = ?1 WHERE customer_key = ?2")
        .bind(keep_key)
        .bind(drop_key)
        .execute(&mut *conn)
        .await?;
    let clash = "EXISTS (SELECT 1 FROM rule_outbox k WHERE k.customer_key = ?2
                 AND k.trigger = o.trigger AND k.occurrence = o.occurrence)";
    moved.outbox_superseded = sqlx::query_scalar(AssertSqlSafe(format!(
        "SELECT id FROM rule_outbox o WHERE customer_key = ?1 AND status = 'pending' AND {clash} ORDER BY id"
    )))
    .bind(drop_key)
    .bind(keep_key)
    .fetch_all(&mut *conn)
    .await?;
    moved.outbox_moved = sqlx::query_scalar(AssertSqlSafe(format!(
        "SELECT id FROM rule_outbox o WHERE customer_key = ?1 AND NOT {clash} ORDER BY id"
    )))
    .bind(drop_key)
    .bind(keep_key)
    .fetch_all(&mut *conn)
    .await?;
    update_ids(
        conn,
        "rule_outbox SET status = 'superseded'",
        &moved.outbox_superseded,
        None,
    )
    .await?;
    update_ids(
        conn,
        "rule_outbox SET customer_key = ?",
        &moved.outbox_moved,
        Some(keep_key),
    )
    .await?;
    Ok(())
}

/// Undoes [`move_dependents`].
async fn restore_dependents(
    conn: &mut SqliteConnection,
    moved: &Moved,
    drop_key: i64,
) -> Result<()> {
    update_ids(
        conn,
        "alarms SET customer_key = ?",
        &moved.alarms_moved,
        Some(drop_key),
    )
    .await?;
    update_ids(
        conn,
        "alarms SET cleared_run = NULL, cleared_as_of = NULL",
        &moved.alarms_closed,
        None,
    )
    .await?;
    update_ids(
        conn,
        "rule_outbox SET customer_key = ?",
        &moved.outbox_moved,
        Some(drop_key),
    )
    .await?;
    if !moved.outbox_superseded.is_empty() {
        sqlx::query(AssertSqlSafe(format!(
            "UPDATE rule_outbox SET status = 'pending' WHERE status = 'superseded' AND id IN ({})",
            id_list(&moved.outbox_superseded)
        )))
        .execute(&mut *conn)
        .await?;
    }
    Ok(())
}

/// The surviving customer before the merge, and which fields the merge changed.
#[derive(Debug, Serialize, Deserialize)]
struct KeepBefore {
    customer: Customer,
    fields_taken: Vec<String>,
}

struct Found {
    key: i64,
    customer: Customer,
    import_id: i64,
}

async fn find(conn: &mut SqliteConnection, id: &CustomerId) -> Result<Found> {
    let sql = format!(
        "SELECT {CUSTOMER_COLUMNS}, key, import_id, merged_into FROM customers WHERE id = ?"
    );
    let row = sqlx::query(AssertSqlSafe(sql))
        .bind(id.as_str())
        .fetch_optional(&mut *conn)
        .await?
        .ok_or_else(|| StoreError::UnknownCustomer(id.to_string()))?;
    if row.try_get::<Option<i64>, _>(15)?.is_some() {
        return Err(StoreError::Merge(format!(
            "customer {id} has already been merged into another customer"
        )));
    }
    Ok(Found {
        customer: customer_from_row(&row)?,
        key: row.try_get(13)?,
        import_id: row.try_get::<Option<i64>, _>(14)?.unwrap_or(0),
    })
}

/// Combines two records: newest non-empty wins (the newer import; on a tie the kept one), the
/// acquisition date is the earlier one, attributes are united. Returns the fields taken.
fn combine(keep: &Found, dropped: &Found) -> (Customer, Vec<String>) {
    let dropped_newer = dropped.import_id > keep.import_id;
    let mut out = keep.customer.clone();
    let mut taken = Vec::new();
    let (k, d) = (&keep.customer, &dropped.customer);
    let mut pick = |name: &str, kv: &mut Option<String>, dv: &Option<String>| {
        if dv.is_some() && (kv.is_none() || (dropped_newer && kv != dv)) {
            *kv = dv.clone();
            taken.push(name.to_owned());
        }
    };
    pick("name", &mut out.name, &d.name);
    pick("email", &mut out.email, &d.email);
    pick("phone", &mut out.phone, &d.phone);
    pick("company", &mut out.company, &d.company);
    pick("postcode", &mut out.postcode, &d.postcode);
    pick("country", &mut out.country, &d.country);
    if let Some(dc) = d.created_at
        && k.created_at.is_none_or(|kc| dc < kc)
    {
        out.created_at = Some(dc);
        taken.push("created_at".into());
    }
    for (flag, kv, dv) in [
        (
            "consent_marketing",
            &mut out.consent.marketing,
            d.consent.marketing,
        ),
        (
            "consent_profiling",
            &mut out.consent.profiling,
            d.consent.profiling,
        ),
    ] {
        if dv.is_some() && (kv.is_none() || (dropped_newer && *kv != dv)) {
            *kv = dv;
            taken.push(flag.into());
        }
    }
    if d.acquisition_cost.is_some()
        && (k.acquisition_cost.is_none() || dropped_newer)
        && k.acquisition_cost != d.acquisition_cost
    {
        out.acquisition_cost = d.acquisition_cost;
        taken.push("acquisition_cost".into());
    }
    for (name, value) in &d.attributes {
        let present = out.attributes.get(name);
        if present.is_none() || (dropped_newer && present != Some(value)) {
            out.attributes.insert(name.clone(), value.clone());
            taken.push(format!("attributes.{name}"));
        }
    }
    out.is_stub = k.is_stub && d.is_stub;
    (out, taken)
}

async fn collect_moved(conn: &mut SqliteConnection, key: i64) -> Result<Moved> {
    let pairs = |sql: &'static str| sqlx::query_as::<_, (String, i64)>(sql).bind(key);
    let ids = |sql: &'static str| sqlx::query_scalar::<_, String>(sql).bind(key);
    Ok(Moved {
        order_lines: pairs("SELECT order_id, line_no FROM order_lines WHERE customer_key = ?")
            .fetch_all(&mut *conn)
            .await?,
        events: ids("SELECT event_id FROM events WHERE customer_key = ?")
            .fetch_all(&mut *conn)
            .await?,
        tickets: ids("SELECT ticket_id FROM tickets WHERE customer_key = ?")
            .fetch_all(&mut *conn)
            .await?,
        invoices: ids("SELECT invoice_id FROM invoices WHERE customer_key = ?")
            .fetch_all(&mut *conn)
            .await?,
        outcomes: pairs("SELECT kind, at FROM outcomes WHERE customer_key = ?")
            .fetch_all(&mut *conn)
            .await?,
        contracts: ids("SELECT contract_id FROM contracts WHERE customer_key = ?")
            .fetch_all(&mut *conn)
            .await?,
        ..Moved::default()
    })
}

/// Moves the recorded facts to `to`.
async fn move_facts(conn: &mut SqliteConnection, moved: &Moved, from: i64, to: i64) -> Result<()> {
    for (order_id, line_no) in &moved.order_lines {
        sqlx::query("UPDATE order_lines SET customer_key = ? WHERE order_id = ? AND line_no = ?")
            .bind(to)
            .bind(order_id)
            .bind(line_no)
            .execute(&mut *conn)
            .await?;
    }
    for (table, column, ids) in [
        ("events", "event_id", &moved.events),
        ("tickets", "ticket_id", &moved.tickets),
        ("invoices", "invoice_id", &moved.invoices),
        ("contracts", "contract_id", &moved.contracts),
    ] {
        let sql = format!("UPDATE {table} SET customer_key = ? WHERE {column} = ?");
        for id in ids {
            sqlx::query(AssertSqlSafe(sql.clone()))
                .bind(to)
                .bind(id)
                .execute(&mut *conn)
                .await?;
        }
    }
    for (kind, at) in &moved.outcomes {
        sqlx::query("UPDATE OR IGNORE outcomes SET customer_key = ? WHERE customer_key = ? AND kind = ? AND at = ?")
            .bind(to)
            .bind(from)
            .bind(kind)
            .bind(at)
            .execute(&mut *conn)
            .await?;
    }
    Ok(())
}

pub(crate) async fn merge(
    pool: &SqlitePool,
    keep_id: &CustomerId,
    drop_id: &CustomerId,
) -> Result<MergeRecord> {
    if keep_id == drop_id {
        return Err(StoreError::Merge(
            "a customer cannot be merged into itself".into(),
        ));
    }
    let mut tx = pool.begin_with("BEGIN IMMEDIATE").await?;
    let keep = find(&mut tx, keep_id).await?;
    let dropped = find(&mut tx, drop_id).await?;
    let (combined, fields_taken) = combine(&keep, &dropped);
    let mut moved = collect_moved(&mut tx, dropped.key).await?;
    move_facts(&mut tx, &moved, dropped.key, keep.key).await?;
    update_customer(&mut tx, keep.key, &combined, fingerprint(&combined), None).await?;
    sqlx::query("UPDATE customers SET merged_into = ? WHERE key = ? OR merged_into = ?")
        .bind(keep.key)
        .bind(dropped.key)
        .bind(dropped.key)
        .execute(&mut *tx)
        .await?;
    let after_run: i64 = sqlx::query_scalar("SELECT COALESCE(MAX(id), 0) FROM score_runs")
        .fetch_one(&mut *tx)
        .await?;
    move_dependents(&mut tx, &mut moved, dropped.key, keep.key, after_run).await?;
    let before = KeepBefore {
        customer: keep.customer.clone(),
        fields_taken: fields_taken.clone(),
    };
    let merged_at = super::now_text();
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO merges (keep_key, drop_key, merged_at, after_run, keep_before, moved) VALUES (?, ?, ?, ?, ?, ?) RETURNING id",
    )
    .bind(keep.key)
    .bind(dropped.key)
    .bind(&merged_at)
    .bind(after_run)
    .bind(serde_json::to_string(&before).unwrap_or_default())
    .bind(serde_json::to_string(&moved).unwrap_or_default())
    .fetch_one(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(MergeRecord {
        id,
        keep: keep_id.clone(),
        dropped: drop_id.clone(),
        merged_at,
        moved: moved.counts(),
        fields_taken,
        reverted_at: None,
    })
}

pub(crate) async fn undo(pool: &SqlitePool, merge_id: i64) -> Result<MergeRecord> {
    let mut tx = pool.begin_with("BEGIN IMMEDIATE").await?;
    let row = sqlx::query("SELECT keep_key, drop_key, after_run, keep_before, moved, reverted_at FROM merges WHERE id = ?")
        .bind(merge_id)
        .fetch_optional(&mut *tx)
        .await?
        .ok_or_else(|| StoreError::Merge(format!("there is no merge {merge_id}")))?;
    let (keep_key, drop_key, after_run): (i64, i64, i64) =
        (row.try_get(0)?, row.try_get(1)?, row.try_get(2)?);
    if row.try_get::<Option<String>, _>(5)?.is_some() {
        return Err(StoreError::Merge(format!(
            "merge {merge_id} has already been undone"
        )));
    }
    let runs_since: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM score_runs WHERE id > ?")
        .bind(after_run)
        .fetch_one(&mut *tx)
        .await?;
    if runs_since > 0 {
        return Err(StoreError::Merge(format!(
            "merge {merge_id} can no longer be undone: {runs_since} score run(s) have used it"
        )));
    }
    let later: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM merges WHERE id > ? AND reverted_at IS NULL AND (keep_key IN (?, ?) OR drop_key IN (?, ?))",
    )
    .bind(merge_id)
    .bind(keep_key)
    .bind(drop_key)
    .bind(keep_key)
    .bind(drop_key)
    .fetch_one(&mut *tx)
    .await?;
    if later > 0 {
        return Err(StoreError::Merge(format!(
            "undo the later merges of these customers before merge {merge_id}"
        )));
    }
    let before: KeepBefore = serde_json::from_str(&row.try_get::<String, _>(3)?).map_err(|e| {
        StoreError::Merge(format!("merge {merge_id} has an unreadable record: {e}"))
    })?;
    let moved: Moved = serde_json::from_str(&row.try_get::<String, _>(4)?).map_err(|e| {
        StoreError::Merge(format!("merge {merge_id} has an unreadable record: {e}"))
    })?;
    move_facts(&mut tx, &moved, keep_key, drop_key).await?;
    restore_dependents(&mut tx, &moved, drop_key).await?;
    let keep = &before.customer;
    update_customer(&mut tx, keep_key, keep, fingerprint(keep), None).await?;
    sqlx::query("UPDATE customers SET merged_into = NULL WHERE key = ?")
        .bind(drop_key)
        .execute(&mut *tx)
        .await?;
    let reverted_at = super::now_text();
    sqlx::query("UPDATE merges SET reverted_at = ? WHERE id = ?")
        .bind(&reverted_at)
        .bind(merge_id)
        .execute(&mut *tx)
        .await?;
    let ids: Vec<String> =
        sqlx::query_scalar("SELECT id FROM customers WHERE key IN (?, ?) ORDER BY key = ? DESC")
            .bind(keep_key)
            .bind(drop_key)
            .bind(keep_key)
            .fetch_all(&mut *tx)
            .await?;
    tx.commit().await?;
    let id = |s: &String| CustomerId::parse(s).map_err(|e| StoreError::Merge(e.to_string()));
    Ok(MergeRecord {
        id: merge_id,
        keep: id(&ids[0])?,
        dropped: id(&ids[1])?,
        merged_at: String::new(),
        moved: moved.counts(),
        fields_taken: before.fields_taken,
        reverted_at: Some(reverted_at),
    })
}

pub(crate) async fn list(pool: &SqlitePool) -> Result<Vec<MergeRecord>> {
    let rows = sqlx::query(
        "SELECT m.id, k.id, d.id, m.merged_at, m.keep_before, m.moved, m.reverted_at
         FROM merges m JOIN customers k ON k.key = m.keep_key JOIN customers d ON d.key = m.drop_key ORDER BY m.id DESC",
    )
    .fetch_all(pool)
    .await?;
    rows.iter()
        .map(|r| {
            let before: KeepBefore = serde_json::from_str(&r.try_get::<String, _>(4)?)
                .map_err(|e| StoreError::Merge(e.to_string()))?;
            let moved: Moved = serde_json::from_str(&r.try_get::<String, _>(5)?)
                .map_err(|e| StoreError::Merge(e.to_string()))?;
            let id =
                |s: String| CustomerId::parse(&s).map_err(|e| StoreError::Merge(e.to_string()));
            Ok(MergeRecord {
                id: r.try_get(0)?,
                keep: id(r.try_get(1)?)?,
                dropped: id(r.try_get(2)?)?,
                merged_at: r.try_get(3)?,
                moved: moved.counts(),
                fields_taken: before.fields_taken,
                reverted_at: r.try_get(6)?,
            })
        })
        .collect()
}
