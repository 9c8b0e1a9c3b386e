//! One person's data in SQLite: read out every row that names them, or erase them so that no
//! store file keeps a trace (deleted cells zeroed, the write-ahead log truncated, free space
//! checked byte by byte and the file rebuilt if anything is left).

use super::runs::{CARD_LEVEL, CardReader, DICTIONARY_BYTES, DICTIONARY_SAMPLES, bulk_error};
use crate::privacy::{
    AuditEntry, ConsentChange, ErasureReport, NewAuditEntry, NewOverride, OverrideRecord,
    PersonalData, PurgeReport, RetentionPolicy,
};
use crate::{Result, StoreError};
use patron_core::config::RETAINED_FACTS;
use patron_core::ids::CustomerId;
use patron_core::{Money, Timestamp};
use rusqlite::types::ValueRef;
use rusqlite::{Connection, OptionalExtension, Transaction, params_from_iter};
use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::path::Path;

/// Tables whose rows belong to a customer through `customer_key`, in the order an export lists
/// them (facts first, then what Patron derived from them).
const BY_KEY: [&str; 16] = [
    "order_lines",
    "events",
    "tickets",
    "invoices",
    "outcomes",
    "contracts",
    "alarms",
    "rule_outbox",
    "rule_scores",
    "rule_levels",
    "rule_ledger",
    "rule_transitions",
    "rule_firings",
    "overrides",
    "contests",
    "score_cards",
];

/// Integer columns holding a time (seconds since the epoch).
const TIME_COLUMNS: [&str; 20] = [
    "started_at",
    "price_changed_at",
    "renews_at",
    "cancelled_at",
    "ts",
    "at",
    "opened_at",
    "closed_at",
    "issued_at",
    "due_at",
    "paid_at",
    "created_at",
    "raised_as_of",
    "cleared_as_of",
    "first_at",
    "last_at",
    "expires",
    "as_of",
    "since",
    "next_at",
];

/// Integer columns holding money (ten-thousandths).
const MONEY_COLUMNS: [&str; 6] = [
    "previous_value",
    "amount",
    "unit_price",
    "cost",
    "acquisition_cost",
    "recurring_value",
];

/// Text columns holding JSON.
const JSON_COLUMNS: [&str; 10] = [
    "attributes",
    "properties",
    "evidence",
    "keep_before",
    "moved",
    "natural_key",
    "old",
    "fields",
    "payload",
    "card",
];

/// Shorter identifiers are not looked for byte by byte: they would match anywhere.
const MIN_SCAN_BYTES: usize = 5;

/// The rows of one person: the customer rows of the id asked for, of its merge survivor and of
/// every id merged into it.
struct Person {
    keys: Vec<i64>,
    ids: Vec<String>,
    /// Ids, e-mail addresses, phone numbers and names: what must not be left anywhere.
    identifiers: Vec<String>,
    /// Identifiers another customer also has (a common name): kept where that customer is named.
    shared: BTreeSet<String>,
    /// The other customers who have them (a few).
    shared_with: BTreeSet<String>,
}

impl Person {
    fn find(conn: &Connection, id: &CustomerId) -> Result<Option<Person>> {
        let survivor: Option<i64> = conn
            .query_row(
                "SELECT COALESCE(merged_into, key) FROM customers WHERE id = ?1",
                [id.as_str()],
                |r| r.get(0),
            )
            .optional()
            .map_err(bulk_error)?;
        let Some(survivor) = survivor else {
            return Ok(None);
        };
        let mut keys = vec![survivor];
        let mut next = 0;
        while next < keys.len() {
            let mut stmt = conn
                .prepare_cached("SELECT key FROM customers WHERE merged_into = ?1 ORDER BY key")
                .map_err(bulk_error)?;
            let merged: Vec<i64> = stmt
                .query_map([keys[next]], |r| r.get(0))
                .and_then(|rows| rows.collect())
                .map_err(bulk_error)?;
            for key in merged {
                if !keys.contains(&key) {
                    keys.push(key);
                }
            }
            next += 1;
        }
        let mut ids = Vec::new();
        let mut identifiers = BTreeSet::new();
        for &key in &keys {
            let row: (String, Option<String>, Option<String>, Option<String>) = conn
                .query_row(
                    "SELECT id, email, phone, name FROM customers WHERE key = ?1",
                    [key],
                    |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
                )
                .map_err(bulk_error)?;
            identifiers.insert(row.0.clone());
            ids.push(row.0);
            for value in [row.1, row.2, row.3].into_iter().flatten() {
                let value = value.trim();
                if !value.is_empty() {
                    identifiers.insert(value.to_owned());
                }
            }
        }
        let person = Person {
            keys,
            ids,
            identifiers: identifiers.into_iter().collect(),
            shared: BTreeSet::new(),
            shared_with: BTreeSet::new(),
        };
        Ok(Some(person))
    }

    /// Makes this the union of itself and `other` (several persons erased together).
    fn absorb(&mut self, other: Person) {
        for key in other.keys {
            if !self.keys.contains(&key) {
                self.keys.push(key);
            }
        }
        self.ids.extend(other.ids);
        self.ids.sort_unstable();
        self.ids.dedup();
        self.identifiers.extend(other.identifiers);
        self.identifiers.sort_unstable();
        self.identifiers.dedup();
    }

    /// `(k1, k2, …)` for an `IN` clause (keys are integers from the store).
    fn key_list(&self) -> String {
        let keys: Vec<String> = self.keys.iter().map(i64::to_string).collect();
        format!("({})", keys.join(", "))
    }

    /// Identifiers that also occur in another customer's id, e-mail, phone or name, and a few
    /// of those customers: one pass over the customers, however many identifiers.
    fn find_shared(&mut self, conn: &Connection) -> Result<()> {
        let Ok(finder) = aho_corasick::AhoCorasick::new(&self.identifiers) else {
            return Ok(());
        };
        let own: HashSet<i64> = self.keys.iter().copied().collect();
        let mut stmt = conn
            .prepare(
                "SELECT key, id, email, phone, name FROM customers \
                 WHERE merged_into IS NULL ORDER BY id",
            )
            .map_err(bulk_error)?;
        let mut rows = stmt.query([]).map_err(bulk_error)?;
        while let Some(row) = rows.next().map_err(bulk_error)? {
            let key: i64 = row.get(0).map_err(bulk_error)?;
            if own.contains(&key) {
                continue;
            }
            let mut named = false;
            for column in 1..=4 {
                let Some(text) = row
                    .get_ref(column)
                    .map_err(bulk_error)?
                    .as_str_or_null()
                    .ok()
                    .flatten()
                else {
                    continue;
                };
                for hit in finder.find_overlapping_iter(text) {
                    self.shared
                        .insert(self.identifiers[hit.pattern().as_usize()].clone());
                    named = true;
                }
            }
            if named && self.shared_with.len() < 5 {
                self.shared_with.insert(row.get(1).map_err(bulk_error)?);
            }
        }
        Ok(())
    }

    /// What a JSON value naming the person equals: their ids and private identifiers.
    fn exact_identifiers(&self) -> Vec<&str> {
        let mut out: Vec<&str> = self.ids.iter().map(String::as_str).collect();
        out.extend(self.private_identifiers());
        out.sort_unstable();
        out.dedup();
        out
    }

    /// The identifiers that must be gone after an erasure: those no other customer's id,
    /// e-mail, phone or name contains.
    fn private_identifiers(&self) -> Vec<&str> {
        self.identifiers
            .iter()
            .filter(|i| !self.shared.contains(*i))
            .map(String::as_str)
            .collect()
    }

    /// The `WHERE` condition selecting this person's rows of `fact_history`.
    fn history_condition(&self) -> String {
        let keys = self.key_list();
        let ids: Vec<String> = self.ids.iter().map(|id| sql_text(id)).collect();
        format!(
            "(fact = 'customers' AND json_extract(natural_key, '$[0]') IN ({ids})) \
             OR (fact = 'outcomes' AND json_extract(natural_key, '$[0]') IN {keys}) \
             OR (json_valid(old) AND json_extract(old, '$.customer_key') IN {keys})",
            ids = ids.join(", ")
        )
    }

    /// The ids of stored webhook messages whose payload names this person.
    fn webhook_messages(&self, conn: &Connection) -> Result<Vec<i64>> {
        let quoted: Vec<String> = self
            .ids
            .iter()
            .map(|id| serde_json::Value::String(id.clone()).to_string())
            .collect();
        let Ok(finder) = aho_corasick::AhoCorasick::new(&quoted) else {
            return Ok(Vec::new());
        };
        let mut out = Vec::new();
        let mut stmt = conn
            .prepare("SELECT id, payload FROM webhook_messages ORDER BY id")
            .map_err(bulk_error)?;
        let mut rows = stmt.query([]).map_err(bulk_error)?;
        while let Some(row) = rows.next().map_err(bulk_error)? {
            let payload = row
                .get_ref(1)
                .map_err(bulk_error)?
                .as_bytes_or_null()
                .ok()
                .flatten();
            if payload.is_some_and(|p| finder.is_match(p)) {
                out.push(row.get(0).map_err(bulk_error)?);
            }
        }
        Ok(out)
    }
}

/// A string as an SQL literal.
fn sql_text(text: &str) -> String {
    format!("'{}'", text.replace('\'', "''"))
}

fn id_list(ids: &[i64]) -> String {
    let ids: Vec<String> = ids.iter().map(i64::to_string).collect();
    format!("({})", ids.join(", "))
}

// ---------------------------------------------------------------------------------------------
// Reading out

/// Everything the store holds about the person `id` names.
pub(super) fn personal_data(path: &Path, id: &CustomerId) -> Result<Option<PersonalData>> {
    let conn = super::bulk::reader(path).map_err(bulk_error)?;
    conn.execute_batch("BEGIN").map_err(bulk_error)?;
    let Some(person) = Person::find(&conn, id)? else {
        return Ok(None);
    };
    let names: HashMap<i64, String> = person
        .keys
        .iter()
        .copied()
        .zip(person.ids.iter().cloned())
        .collect();
    let keys = person.key_list();
    let mut tables = BTreeMap::new();
    tables.insert(
        "customers".to_owned(),
        rows(
            &conn,
            &format!("SELECT * FROM customers WHERE key IN {keys} ORDER BY key"),
            &names,
        )?,
    );
    for table in BY_KEY.iter().filter(|t| **t != "score_cards") {
        let sql = format!("SELECT * FROM {table} WHERE customer_key IN {keys}");
        tables.insert((*table).to_owned(), rows(&conn, &sql, &names)?);
    }
    tables.insert(
        "merges".to_owned(),
        rows(
            &conn,
            &format!(
                "SELECT * FROM merges WHERE keep_key IN {keys} OR drop_key IN {keys} ORDER BY id"
            ),
            &names,
        )?,
    );
    tables.insert(
        "fact_history".to_owned(),
        rows(
            &conn,
            &format!(
                "SELECT * FROM fact_history WHERE {} ORDER BY id",
                person.history_condition()
            ),
            &names,
        )?,
    );
    let ids: Vec<String> = person.ids.iter().map(|i| sql_text(i)).collect();
    let ids = ids.join(", ");
    for table in ["live_cards", "live_pending"] {
        let sql = format!("SELECT * FROM {table} WHERE customer_id IN ({ids})");
        tables.insert(table.to_owned(), rows(&conn, &sql, &names)?);
    }
    let messages = person.webhook_messages(&conn)?;
    tables.insert(
        "webhook_messages".to_owned(),
        rows(
            &conn,
            &format!(
                "SELECT * FROM webhook_messages WHERE id IN {} ORDER BY id",
                id_list(&messages)
            ),
            &names,
        )?,
    );
    let cards = cards(&conn, &person)?;
    let consent_history = consent_history(&conn, &person, id)?;
    conn.execute_batch("COMMIT").map_err(bulk_error)?;
    Ok(Some(PersonalData {
        customer_id: id.clone(),
        ids: person
            .ids
            .iter()
            .filter_map(|i| CustomerId::parse(i).ok())
            .collect(),
        tables,
        cards,
        consent_history,
    }))
}

/// The rows of a query as JSON objects: times as ISO 8601, money in units, JSON text parsed,
/// customer keys as ids.
fn rows(
    conn: &Connection,
    sql: &str,
    names: &HashMap<i64, String>,
) -> Result<Vec<serde_json::Value>> {
    let mut stmt = conn.prepare(sql).map_err(bulk_error)?;
    let columns: Vec<String> = stmt.column_names().iter().map(|c| c.to_string()).collect();
    let mut out = Vec::new();
    let mut rows = stmt.query([]).map_err(bulk_error)?;
    while let Some(row) = rows.next().map_err(bulk_error)? {
        let mut object = serde_json::Map::new();
        for (i, column) in columns.iter().enumerate() {
            let value = row.get_ref(i).map_err(bulk_error)?;
            let (name, value) = column_value(column, value, names);
            object.insert(name, value);
        }
        out.push(serde_json::Value::Object(object));
    }
    Ok(out)
}

fn column_value(
    column: &str,
    value: ValueRef<'_>,
    names: &HashMap<i64, String>,
) -> (String, serde_json::Value) {
    use serde_json::Value;
    let name = column.to_owned();
    match value {
        ValueRef::Null => (name, Value::Null),
        ValueRef::Integer(n) => {
            if matches!(column, "customer_key" | "keep_key" | "drop_key" | "key") {
                let id = names.get(&n).cloned().map_or(Value::Null, Value::String);
                let name = match column {
                    "customer_key" | "key" => "customer_id".to_owned(),
                    other => other.replace("_key", "_id"),
                };
                return (name, id);
            }
            if column == "merged_into" {
                return (
                    name,
                    names.get(&n).cloned().map_or(Value::Null, Value::String),
                );
            }
            if TIME_COLUMNS.contains(&column) {
                return (name, Value::String(Timestamp::from_secs(n).to_string()));
            }
            if MONEY_COLUMNS.contains(&column) {
                return (name, serde_json::json!(Money::from_raw(n).to_f64()));
            }
            (name, Value::from(n))
        }
        ValueRef::Real(x) => (name, serde_json::json!(x)),
        ValueRef::Text(bytes) => {
            let text = String::from_utf8_lossy(bytes).into_owned();
            if JSON_COLUMNS.contains(&column)
                && let Ok(parsed) = serde_json::from_str::<Value>(&text)
            {
                return (name, parsed);
            }
            (name, Value::String(text))
        }
        ValueRef::Blob(bytes) => (name, Value::String(format!("({} bytes)", bytes.len()))),
    }
}

/// The person's stored cards of every run, oldest first.
fn cards(conn: &Connection, person: &Person) -> Result<Vec<serde_json::Value>> {
    let sql = format!(
        "SELECT s.run_id, r.as_of, s.card, r.card_dictionary FROM score_cards s \
         JOIN score_runs r ON r.id = s.run_id WHERE s.customer_key IN {} ORDER BY s.run_id",
        person.key_list()
    );
    let mut stmt = conn.prepare(&sql).map_err(bulk_error)?;
    let mut rows = stmt.query([]).map_err(bulk_error)?;
    let mut out = Vec::new();
    while let Some(row) = rows.next().map_err(bulk_error)? {
        let run_id: i64 = row.get(0).map_err(bulk_error)?;
        let as_of: i64 = row.get(1).map_err(bulk_error)?;
        let stored: Vec<u8> = row.get(2).map_err(bulk_error)?;
        let dictionary: Option<Vec<u8>> = row.get(3).map_err(bulk_error)?;
        let text = CardReader::new(dictionary.as_deref())?.text(stored)?;
        let card: serde_json::Value = serde_json::from_str(&text)
            .map_err(|e| StoreError::Bulk(format!("a stored card of run {run_id}: {e}")))?;
        out.push(serde_json::json!({
            "run_id": run_id,
            "as_of": Timestamp::from_secs(as_of).to_string(),
            "card": card,
        }));
    }
    Ok(out)
}

/// Consent as it was before each import that changed it, then as it is now.
fn consent_history(
    conn: &Connection,
    person: &Person,
    id: &CustomerId,
) -> Result<Vec<ConsentChange>> {
    let flag = |v: Option<i64>| v.map(|v| v != 0);
    let mut out = Vec::new();
    let mut stmt = conn
        .prepare(
            "SELECT json_extract(h.old, '$.consent_marketing'), json_extract(h.old, '$.consent_profiling'), \
             h.changed_at, i.summary FROM fact_history h LEFT JOIN imports i ON i.id = h.import_id \
             WHERE h.fact = 'customers' AND json_extract(h.natural_key, '$[0]') = ?1 \
             AND (h.fields IS NULL OR instr(h.fields, 'consent_') > 0) ORDER BY h.id",
        )
        .map_err(bulk_error)?;
    let survivor = person.ids.first().map_or(id.as_str(), String::as_str);
    let mut rows = stmt.query([survivor]).map_err(bulk_error)?;
    while let Some(row) = rows.next().map_err(bulk_error)? {
        out.push(ConsentChange {
            marketing: flag(row.get(0).map_err(bulk_error)?),
            profiling: flag(row.get(1).map_err(bulk_error)?),
            replaced_at: row.get(2).map_err(bulk_error)?,
            replaced_by: row.get(3).map_err(bulk_error)?,
        });
    }
    let current: (Option<i64>, Option<i64>) = conn
        .query_row(
            "SELECT consent_marketing, consent_profiling FROM customers WHERE id = ?1",
            [survivor],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .map_err(bulk_error)?;
    out.push(ConsentChange {
        marketing: flag(current.0),
        profiling: flag(current.1),
        replaced_at: None,
        replaced_by: None,
    });
    Ok(out)
}

// ---------------------------------------------------------------------------------------------
// Erasing

/// Erases the person `id` names from every table, in one transaction with deleted content
/// zeroed, records an audit entry without personal data, truncates the write-ahead log and
/// checks the store files byte by byte; free space that still holds an identifier makes it
/// rebuild the file.
pub(super) fn erase(path: &Path, id: &CustomerId, actor: &str) -> Result<ErasureReport> {
    let mut conn = super::bulk::writer(path).map_err(bulk_error)?;
    let tx = conn
        .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)
        .map_err(bulk_error)?;
    let Some(mut person) = Person::find(&tx, id)? else {
        return Err(StoreError::UnknownCustomer(id.to_string()));
    };
    person.find_shared(&tx)?;
    let mut report = erase_rows(&tx, &person)?;
    let detail = serde_json::json!({
        "removed": report.total(),
        "tables": report.removed.iter().filter(|(_, n)| **n > 0).count(),
        "recompressed_runs": report.recompressed_runs.len(),
    });
    append_audit_tx(
        &tx,
        &NewAuditEntry {
            actor: actor.to_owned(),
            action: "erase".into(),
            customer: None,
            target: None,
            detail,
        },
    )?;
    tx.commit().map_err(bulk_error)?;
    drop(conn);
    leave_no_trace(path, &person, &mut report)?;
    Ok(report)
}

/// Deletes the rows of `person` (one or several persons), redacts the text naming them and
/// recompresses the card dictionaries that hold them, in an open transaction.
fn erase_rows(tx: &Transaction<'_>, person: &Person) -> Result<ErasureReport> {
    let mut report = ErasureReport {
        shared_identifiers: person.shared.len() as u64,
        shared_with: person.shared_with.iter().take(5).cloned().collect(),
        ..ErasureReport::default()
    };
    delete_rows(tx, person, &mut report)?;
    report.redacted = redact_text(tx, person)?;
    report.recompressed_runs = recompress_dictionaries(tx, person)?;
    Ok(report)
}

/// After the erasure is committed: the write-ahead log truncated, the store files searched
/// for the person's identifiers, and rebuilt if free space still holds one.
fn leave_no_trace(path: &Path, person: &Person, report: &mut ErasureReport) -> Result<()> {
    let identifiers: Vec<String> = person
        .private_identifiers()
        .into_iter()
        .filter(|i| i.len() >= MIN_SCAN_BYTES)
        .map(str::to_owned)
        .collect();
    settle(path)?;
    let mut residues = residues(path, &identifiers)?;
    if !residues.is_empty() {
        // Free space of pages written before secure deletion was on: rebuilding the file
        // leaves none.
        let conn = super::bulk::writer(path).map_err(bulk_error)?;
        conn.execute_batch("VACUUM").map_err(bulk_error)?;
        drop(conn);
        settle(path)?;
        report.vacuumed = true;
        residues = self::residues(path, &identifiers)?;
    }
    report.residues = residues;
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// Retention

/// Erases the persons inactive since before `policy.inactive_before` and deletes the facts
/// older than their table's time, in one transaction (rolled back in a dry run), with an
/// audit entry of the counts; then, as an erasure does, leaves no trace in the store files.
pub(super) fn purge(path: &Path, policy: &RetentionPolicy) -> Result<PurgeReport> {
    let mut conn = super::bulk::writer(path).map_err(bulk_error)?;
    let tx = conn
        .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)
        .map_err(bulk_error)?;
    let mut report = PurgeReport {
        dry_run: policy.dry_run,
        ..PurgeReport::default()
    };
    let mut persons: Option<Person> = None;
    if let Some(before) = policy.inactive_before {
        for id in inactive(&tx, before)? {
            let id = CustomerId::parse(&id).map_err(|e| StoreError::Bulk(e.to_string()))?;
            if let Some(person) = Person::find(&tx, &id)? {
                report.persons += 1;
                match &mut persons {
                    Some(all) => all.absorb(person),
                    None => persons = Some(person),
                }
            }
        }
    }
    if let Some(all) = &mut persons {
        all.find_shared(&tx)?;
        if policy.dry_run {
            delete_rows(&tx, all, &mut report.erasure)?;
        } else {
            report.erasure = erase_rows(&tx, all)?;
        }
    }
    for (table, column, _) in RETAINED_FACTS {
        let Some(before) = policy.facts_before.get(table) else {
            continue;
        };
        let n = tx
            .execute(
                &format!("DELETE FROM {table} WHERE {column} < ?1"),
                [before.secs()],
            )
            .map_err(bulk_error)?;
        // Earlier versions of those facts, kept when they were corrected.
        tx.execute(
            &format!(
                "DELETE FROM fact_history WHERE fact = '{table}' AND json_valid(old) \
                 AND json_extract(old, '$.{column}') < ?1"
            ),
            [before.secs()],
        )
        .map_err(bulk_error)?;
        report.facts.insert(table.to_owned(), n as u64);
    }
    if policy.dry_run {
        drop(tx);
        return Ok(report);
    }
    append_audit_tx(
        &tx,
        &NewAuditEntry {
            actor: policy.actor.clone(),
            action: "purge".into(),
            customer: None,
            target: None,
            detail: serde_json::json!({
                "facts": report.facts,
                "persons": report.persons,
                "removed": report.erasure.total(),
                "recompressed_runs": report.erasure.recompressed_runs.len(),
            }),
        },
    )?;
    tx.commit().map_err(bulk_error)?;
    drop(conn);
    match &persons {
        Some(all) => leave_no_trace(path, all, &mut report.erasure)?,
        None => settle(path)?,
    }
    Ok(report)
}

/// The ids of customers (merge survivors) with no activity — an order, event, ticket or
/// invoice — at or after `before`, no contract running at `before` or started since, and
/// created before it (outcomes such as "churned" are the
/// company's observations, not the customer's activity). A customer without a creation date
/// and without activity is kept: nothing says how long they have been inactive.
fn inactive(tx: &Transaction<'_>, before: Timestamp) -> Result<Vec<String>> {
    let activity: Vec<&(&str, &str, &str)> = RETAINED_FACTS
        .iter()
        .filter(|(table, _, _)| *table != "outcomes")
        .collect();
    let mut recent: Vec<String> = activity
        .iter()
        .map(|(table, column, _)| {
            format!(
                "EXISTS (SELECT 1 FROM {table} f WHERE f.customer_key = c.key AND f.{column} >= ?1)"
            )
        })
        .collect();
    // A contract holder is a customer until the contract ends, however quiet they are.
    recent.push(
        "EXISTS (SELECT 1 FROM contracts f WHERE f.customer_key = c.key \
         AND (f.cancelled_at IS NULL OR f.cancelled_at >= ?1 OR f.started_at >= ?1))"
            .to_owned(),
    );
    let mut dated: Vec<String> = activity
        .iter()
        .map(|(table, _, _)| {
            format!("EXISTS (SELECT 1 FROM {table} f WHERE f.customer_key = c.key)")
        })
        .collect();
    dated.push("EXISTS (SELECT 1 FROM contracts f WHERE f.customer_key = c.key)".to_owned());
    let sql = format!(
        "SELECT c.id FROM customers c WHERE c.merged_into IS NULL \
         AND (c.created_at < ?1 OR (c.created_at IS NULL AND ({dated}))) \
         AND NOT ({recent}) ORDER BY c.id",
        dated = dated.join(" OR "),
        recent = recent.join(" OR "),
    );
    tx.prepare(&sql)
        .and_then(|mut s| s.query_map([before.secs()], |r| r.get(0))?.collect())
        .map_err(bulk_error)
}

/// Checkpoints the write-ahead log into the database and truncates it to nothing.
fn settle(path: &Path) -> Result<()> {
    let done = super::durability::checkpoint(path, std::time::Duration::from_secs(30))
        .map_err(bulk_error)?;
    if !done {
        return Err(StoreError::Busy(
            "the person is erased, but a reader kept the write-ahead log from being truncated: \
             it is cleared at the next checkpoint (stop long readers and run the erase again to check)"
                .into(),
        ));
    }
    Ok(())
}

fn delete_rows(tx: &Transaction<'_>, person: &Person, report: &mut ErasureReport) -> Result<()> {
    let keys = person.key_list();
    // The runs' counts of customers follow (a check compares them with the rows).
    tx.execute_batch(&format!(
        "UPDATE score_runs SET customers = customers - \
           (SELECT COUNT(*) FROM score_cards s WHERE s.run_id = score_runs.id AND s.customer_key IN {keys}) \
         WHERE id IN (SELECT run_id FROM score_cards WHERE customer_key IN {keys}); \
         CREATE TEMP TABLE IF NOT EXISTS erased_rule_rows (run_id INTEGER, n INTEGER); \
         DELETE FROM erased_rule_rows; \
         INSERT INTO erased_rule_rows SELECT run_id, COUNT(DISTINCT customer_key) FROM \
           (SELECT run_id, customer_key FROM rule_scores WHERE customer_key IN {keys} \
            UNION SELECT run_id, customer_key FROM rule_levels WHERE customer_key IN {keys}) \
           GROUP BY run_id; \
         UPDATE rule_runs SET \
           customers = customers - (SELECT n FROM erased_rule_rows e WHERE e.run_id = rule_runs.id), \
           done = done - (SELECT n FROM erased_rule_rows e WHERE e.run_id = rule_runs.id) \
         WHERE id IN (SELECT run_id FROM erased_rule_rows);"
    ))
    .map_err(bulk_error)?;
    let mut delete = |table: &str, sql: String| -> Result<()> {
        let n = tx.execute(&sql, []).map_err(bulk_error)? as u64;
        *report.removed.entry(table.to_owned()).or_default() += n;
        Ok(())
    };
    for table in BY_KEY {
        delete(
            table,
            format!("DELETE FROM {table} WHERE customer_key IN {keys}"),
        )?;
    }
    delete(
        "merges",
        format!("DELETE FROM merges WHERE keep_key IN {keys} OR drop_key IN {keys}"),
    )?;
    delete(
        "fact_history",
        format!(
            "DELETE FROM fact_history WHERE {}",
            person.history_condition()
        ),
    )?;
    let ids: Vec<String> = person.ids.iter().map(|i| sql_text(i)).collect();
    let ids = ids.join(", ");
    for table in ["live_cards", "live_pending"] {
        delete(
            table,
            format!("DELETE FROM {table} WHERE customer_id IN ({ids})"),
        )?;
    }
    let messages = id_list(&person.webhook_messages(tx)?);
    delete(
        "webhook_attempts",
        format!(
            "DELETE FROM webhook_attempts WHERE delivery_id IN \
             (SELECT id FROM webhook_deliveries WHERE message_id IN {messages})"
        ),
    )?;
    delete(
        "webhook_deliveries",
        format!("DELETE FROM webhook_deliveries WHERE message_id IN {messages}"),
    )?;
    delete(
        "webhook_messages",
        format!("DELETE FROM webhook_messages WHERE id IN {messages}"),
    )?;
    // Customer rows last: the conditions above find rows through them.
    delete(
        "customers",
        format!("DELETE FROM customers WHERE key IN {keys}"),
    )?;
    Ok(())
}

/// Text that names the person outside their own rows — run summaries (the biggest alarms),
/// stored models (category values), saved segments, rule texts — with every mention removed:
/// JSON entries that name them are dropped, other mentions become `[erased]`. One pass over
/// each column, however many persons are erased.
fn redact_text(tx: &Transaction<'_>, person: &Person) -> Result<u64> {
    const COLUMNS: [(&str, &str, &str, bool); 8] = [
        ("score_runs", "id", "summary", true),
        ("score_runs", "id", "context", true),
        ("models", "id", "model", true),
        ("models", "id", "metrics", true),
        ("saved_segments", "name", "condition", false),
        ("saved_segments", "name", "description", false),
        ("rule_versions", "version", "canonical", false),
        ("imports", "id", "summary", true),
    ];
    let exact = person.exact_identifiers();
    let private = person.private_identifiers();
    let Ok(finder) = aho_corasick::AhoCorasick::new(&exact) else {
        return Ok(0);
    };
    // A mention inside a longer text (not a whole JSON value) is replaced as text, unless
    // another customer's identifiers contain it too.
    let replacer = aho_corasick::AhoCorasick::builder()
        .match_kind(aho_corasick::MatchKind::LeftmostLongest)
        .build(&private)
        .map_err(|e| StoreError::Bulk(e.to_string()))?;
    let erased = vec!["[erased]"; private.len()];
    let exact: HashSet<&str> = exact.into_iter().collect();
    let mut redacted = 0;
    for (table, key, column, json) in COLUMNS {
        let hits: Vec<(rusqlite::types::Value, String)> = {
            let mut stmt = tx
                .prepare(&format!(
                    "SELECT {key}, {column} FROM {table} WHERE {column} IS NOT NULL"
                ))
                .map_err(bulk_error)?;
            let mut rows = stmt.query([]).map_err(bulk_error)?;
            let mut hits = Vec::new();
            while let Some(row) = rows.next().map_err(bulk_error)? {
                let text = row
                    .get_ref(1)
                    .map_err(bulk_error)?
                    .as_bytes_or_null()
                    .ok()
                    .flatten();
                if text.is_some_and(|t| finder.is_match(t)) {
                    hits.push((
                        row.get(0).map_err(bulk_error)?,
                        row.get(1).map_err(bulk_error)?,
                    ));
                }
            }
            hits
        };
        for (row, text) in hits {
            let cleaned = match serde_json::from_str::<serde_json::Value>(&text) {
                Ok(mut value) if json => {
                    scrub(&mut value, &exact);
                    value.to_string()
                }
                _ => text.clone(),
            };
            let cleaned = if private.is_empty() {
                cleaned
            } else {
                replacer.replace_all(&cleaned, &erased)
            };
            if cleaned == text {
                continue;
            }
            tx.execute(
                &format!("UPDATE {table} SET {column} = ?1 WHERE {key} = ?2"),
                rusqlite::params![cleaned, row],
            )
            .map_err(bulk_error)?;
            redacted += 1;
        }
    }
    Ok(redacted)
}

/// Drops array entries that are objects naming an identifier (a listed alarm of the person)
/// and replaces any other string equal to one with `[erased]`.
fn scrub(value: &mut serde_json::Value, identifiers: &HashSet<&str>) {
    use serde_json::Value;
    let names = |v: &Value| match v {
        Value::Object(map) => map
            .values()
            .any(|v| matches!(v, Value::String(s) if identifiers.contains(s.as_str()))),
        _ => false,
    };
    match value {
        Value::Array(items) => {
            items.retain(|item| !names(item));
            for item in items {
                scrub(item, identifiers);
            }
        }
        Value::Object(map) => {
            for item in map.values_mut() {
                scrub(item, identifiers);
            }
        }
        Value::String(s) if identifiers.contains(s.as_str()) => *s = "[erased]".into(),
        _ => {}
    }
}

/// Runs whose card dictionary (trained on sample cards) contains an identifier get a new one,
/// trained on their remaining cards, and every card of theirs compressed again with it.
fn recompress_dictionaries(tx: &Transaction<'_>, person: &Person) -> Result<Vec<i64>> {
    let identifiers: Vec<&str> = person
        .private_identifiers()
        .into_iter()
        .filter(|i| i.len() >= MIN_SCAN_BYTES)
        .collect();
    if identifiers.is_empty() {
        return Ok(Vec::new());
    }
    let finder = aho_corasick::AhoCorasick::new(&identifiers)
        .map_err(|e| StoreError::Bulk(e.to_string()))?;
    let runs: Vec<(i64, Vec<u8>)> = tx
        .prepare("SELECT id, card_dictionary FROM score_runs WHERE card_dictionary IS NOT NULL")
        .and_then(|mut s| s.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?.collect())
        .map_err(bulk_error)?;
    let mut out = Vec::new();
    for (run_id, dictionary) in runs {
        if finder.is_match(&dictionary) {
            recompress_run(tx, run_id, &dictionary)?;
            out.push(run_id);
        }
    }
    Ok(out)
}

fn recompress_run(tx: &Transaction<'_>, run_id: i64, old: &[u8]) -> Result<()> {
    let io = |e: std::io::Error| StoreError::Bulk(format!("compressing cards: {e}"));
    let mut reader = CardReader::new(Some(old))?;
    let mut cards: Vec<(i64, String)> = Vec::new();
    {
        let mut stmt = tx
            .prepare("SELECT rowid, card FROM score_cards WHERE run_id = ?1 ORDER BY customer_key")
            .map_err(bulk_error)?;
        let mut rows = stmt.query([run_id]).map_err(bulk_error)?;
        while let Some(row) = rows.next().map_err(bulk_error)? {
            let rowid: i64 = row.get(0).map_err(bulk_error)?;
            let stored: Vec<u8> = row.get(1).map_err(bulk_error)?;
            cards.push((rowid, reader.text(stored)?));
        }
    }
    let samples: Vec<&[u8]> = cards
        .iter()
        .take(DICTIONARY_SAMPLES)
        .map(|(_, c)| c.as_bytes())
        .collect();
    let dictionary = zstd::dict::from_samples(&samples, DICTIONARY_BYTES).ok();
    let mut compressor = match &dictionary {
        Some(d) => zstd::bulk::Compressor::with_dictionary(CARD_LEVEL, d),
        None => zstd::bulk::Compressor::new(CARD_LEVEL),
    }
    .map_err(io)?;
    let mut update = tx
        .prepare("UPDATE score_cards SET card = ?1 WHERE rowid = ?2")
        .map_err(bulk_error)?;
    for (rowid, card) in &cards {
        let stored = compressor.compress(card.as_bytes()).map_err(io)?;
        update
            .execute(rusqlite::params![stored, rowid])
            .map_err(bulk_error)?;
    }
    tx.execute(
        "UPDATE score_runs SET card_dictionary = ?1 WHERE id = ?2",
        rusqlite::params![dictionary, run_id],
    )
    .map_err(bulk_error)?;
    Ok(())
}

/// Store files (the database, its write-ahead log) that hold any of `identifiers`: file names.
fn residues(path: &Path, identifiers: &[String]) -> Result<Vec<String>> {
    if identifiers.is_empty() {
        return Ok(Vec::new());
    }
    let finder =
        aho_corasick::AhoCorasick::new(identifiers).map_err(|e| StoreError::Bulk(e.to_string()))?;
    let longest = identifiers.iter().map(String::len).max().unwrap_or(0);
    let mut found = Vec::new();
    for file in store_files(path) {
        if crate::privacy::file_contains(&file, &finder, longest)
            .map_err(|e| StoreError::Bulk(format!("reading {}: {e}", file.display())))?
        {
            found.push(
                file.file_name()
                    .map_or_else(String::new, |n| n.to_string_lossy().into_owned()),
            );
        }
    }
    Ok(found)
}

/// The database file and the files SQLite keeps beside it.
fn store_files(path: &Path) -> Vec<std::path::PathBuf> {
    let mut files = vec![path.to_owned()];
    for suffix in ["-wal", "-shm", "-journal"] {
        let mut name = path.as_os_str().to_owned();
        name.push(suffix);
        let file = std::path::PathBuf::from(name);
        if file.is_file() {
            files.push(file);
        }
    }
    files
}

// ---------------------------------------------------------------------------------------------
// The audit log

/// The key of the customer `id` names, or of the customer it was merged into.
pub(super) fn survivor_key(conn: &Connection, id: &CustomerId) -> Result<Option<i64>> {
    conn.query_row(
        "SELECT COALESCE(merged_into, key) FROM customers WHERE id = ?1",
        [id.as_str()],
        |r| r.get(0),
    )
    .optional()
    .map_err(bulk_error)
}

/// A customer id read from column `index` of a row.
pub(super) fn customer_id_at(r: &rusqlite::Row<'_>, index: usize) -> rusqlite::Result<CustomerId> {
    let id: String = r.get(index)?;
    CustomerId::parse(&id).map_err(|e| {
        rusqlite::Error::FromSqlConversionFailure(index, rusqlite::types::Type::Text, Box::new(e))
    })
}

/// Adds an entry in an open transaction.
pub(super) fn append_audit_tx(conn: &Connection, entry: &NewAuditEntry) -> Result<AuditEntry> {
    let target = match (&entry.customer, &entry.target) {
        (Some(customer), _) => survivor_key(conn, customer)?.map(|k| format!("customer#{k}")),
        (None, target) => target.clone(),
    };
    let at = super::now_text();
    conn.execute(
        "INSERT INTO audit_log (at, actor, action, target, detail) VALUES (?1, ?2, ?3, ?4, ?5)",
        rusqlite::params![
            at,
            entry.actor,
            entry.action,
            target,
            entry.detail.to_string()
        ],
    )
    .map_err(bulk_error)?;
    Ok(AuditEntry {
        id: conn.last_insert_rowid(),
        at,
        actor: entry.actor.clone(),
        action: entry.action.clone(),
        target,
        detail: entry.detail.clone(),
    })
}

/// Adds an entry on a connection of its own.
pub(super) fn append_audit(path: &Path, entry: &NewAuditEntry) -> Result<AuditEntry> {
    let conn = super::bulk::writer(path).map_err(bulk_error)?;
    append_audit_tx(&conn, entry)
}

/// The newest entries first, `limit` of them, before entry `before` when given.
pub(super) fn audit_log(path: &Path, limit: u32, before: Option<i64>) -> Result<Vec<AuditEntry>> {
    let conn = super::bulk::reader(path).map_err(bulk_error)?;
    let mut stmt = conn
        .prepare(
            "SELECT id, at, actor, action, target, detail FROM audit_log \
             WHERE id < ?1 ORDER BY id DESC LIMIT ?2",
        )
        .map_err(bulk_error)?;
    let rows = stmt
        .query_map(
            params_from_iter([before.unwrap_or(i64::MAX), i64::from(limit)]),
            |r| {
                let detail: String = r.get(5)?;
                Ok(AuditEntry {
                    id: r.get(0)?,
                    at: r.get(1)?,
                    actor: r.get(2)?,
                    action: r.get(3)?,
                    target: r.get(4)?,
                    detail: serde_json::from_str(&detail).unwrap_or(serde_json::Value::Null),
                })
            },
        )
        .and_then(|rows| rows.collect())
        .map_err(bulk_error)?;
    Ok(rows)
}

// ---------------------------------------------------------------------------------------------
// Overrides

const OVERRIDE_COLUMNS: &str = "o.id, c.id, o.field, o.value, o.reason, o.set_by, o.set_at, \
     o.expires, o.removed_at, o.removed_by";

fn override_of(r: &rusqlite::Row<'_>) -> rusqlite::Result<OverrideRecord> {
    Ok(OverrideRecord {
        id: r.get(0)?,
        customer_id: customer_id_at(r, 1)?,
        field: r.get(2)?,
        value: r.get(3)?,
        reason: r.get(4)?,
        set_by: r.get(5)?,
        set_at: r.get(6)?,
        expires: r.get::<_, Option<i64>>(7)?.map(Timestamp::from_secs),
        removed_at: r.get(8)?,
        removed_by: r.get(9)?,
    })
}

fn override_by_id(conn: &Connection, id: i64) -> Result<Option<OverrideRecord>> {
    conn.query_row(
        &format!(
            "SELECT {OVERRIDE_COLUMNS} FROM overrides o JOIN customers c ON c.key = o.customer_key \
             WHERE o.id = ?1"
        ),
        [id],
        override_of,
    )
    .optional()
    .map_err(bulk_error)
}

/// Records an override, ending the one in force for the same field, with its audit entry.
pub(super) fn set_override(path: &Path, o: &NewOverride) -> Result<OverrideRecord> {
    let mut conn = super::bulk::writer(path).map_err(bulk_error)?;
    let tx = conn
        .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)
        .map_err(bulk_error)?;
    let Some(key) = survivor_key(&tx, &o.customer_id)? else {
        return Err(StoreError::UnknownCustomer(o.customer_id.to_string()));
    };
    let now = super::now_text();
    tx.execute(
        "UPDATE overrides SET removed_at = ?1, removed_by = ?2 \
         WHERE customer_key = ?3 AND field = ?4 AND removed_at IS NULL",
        rusqlite::params![now, o.set_by, key, o.field],
    )
    .map_err(bulk_error)?;
    tx.execute(
        "INSERT INTO overrides (customer_key, field, value, reason, set_by, set_at, expires) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
        rusqlite::params![
            key,
            o.field,
            o.value,
            o.reason,
            o.set_by,
            now,
            o.expires.map(Timestamp::secs)
        ],
    )
    .map_err(bulk_error)?;
    let id = tx.last_insert_rowid();
    append_audit_tx(
        &tx,
        &NewAuditEntry {
            actor: o.set_by.clone(),
            action: "override".into(),
            customer: Some(o.customer_id.clone()),
            target: None,
            detail: serde_json::json!({
                "override": id,
                "field": o.field,
                "value": o.value,
                "expires": o.expires.map(|t| t.to_string()),
            }),
        },
    )?;
    let record = override_by_id(&tx, id)?
        .ok_or_else(|| StoreError::Bulk("the override just written is missing".into()))?;
    tx.commit().map_err(bulk_error)?;
    Ok(record)
}

/// Overrides, newest first: of one customer or all; only those in force at `at` when given.
pub(super) fn overrides(
    path: &Path,
    customer: Option<&CustomerId>,
    in_force_at: Option<Timestamp>,
) -> Result<Vec<OverrideRecord>> {
    let conn = super::bulk::reader(path).map_err(bulk_error)?;
    let mut sql = format!(
        "SELECT {OVERRIDE_COLUMNS} FROM overrides o JOIN customers c ON c.key = o.customer_key WHERE 1"
    );
    let mut params: Vec<rusqlite::types::Value> = Vec::new();
    if let Some(customer) = customer {
        sql.push_str(
            " AND o.customer_key = (SELECT COALESCE(merged_into, key) FROM customers WHERE id = ?)",
        );
        params.push(customer.as_str().to_owned().into());
    }
    if let Some(at) = in_force_at {
        sql.push_str(" AND o.removed_at IS NULL AND (o.expires IS NULL OR o.expires > ?)");
        params.push(at.secs().into());
    }
    sql.push_str(" ORDER BY o.id DESC");
    let mut stmt = conn.prepare(&sql).map_err(bulk_error)?;
    let rows = stmt
        .query_map(params_from_iter(params), override_of)
        .and_then(|rows| rows.collect())
        .map_err(bulk_error)?;
    Ok(rows)
}

/// Ends an override in force, with its audit entry.
pub(super) fn remove_override(path: &Path, id: i64, by: &str) -> Result<Option<OverrideRecord>> {
    let mut conn = super::bulk::writer(path).map_err(bulk_error)?;
    let tx = conn
        .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)
        .map_err(bulk_error)?;
    let changed = tx
        .execute(
            "UPDATE overrides SET removed_at = ?1, removed_by = ?2 WHERE id = ?3 AND removed_at IS NULL",
            rusqlite::params![super::now_text(), by, id],
        )
        .map_err(bulk_error)?;
    if changed == 0 {
        return Ok(None);
    }
    let record = override_by_id(&tx, id)?;
    if let Some(record) = &record {
        append_audit_tx(
            &tx,
            &NewAuditEntry {
                actor: by.to_owned(),
                action: "override_removed".into(),
                customer: Some(record.customer_id.clone()),
                target: None,
                detail: serde_json::json!({"override": id, "field": record.field}),
            },
        )?;
    }
    tx.commit().map_err(bulk_error)?;
    Ok(record)
}
