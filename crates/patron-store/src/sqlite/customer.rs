//! One customer's facts, read through the by-customer indexes: what scoring one customer in
//! real time loads. Every table is read in the order the bulk load gives it (time, then the
//! table's primary key), so the fact set equals that customer's part of the full load.

use super::bulk::{self, int, real, required, text};
use crate::{FactOptions, Result, StoreError};
use patron_core::facts::{Facts, InvoiceRow, NONE, OutcomeRow, TicketRow};
use patron_core::ids::CustomerId;
use patron_core::model::{AttrValue, Consent};
use patron_core::{Money, Timestamp};
use rusqlite::{Connection, OptionalExtension};
use std::collections::BTreeMap;
use std::path::Path;
use std::sync::{Arc, Mutex};

/// A few read-only connections, each opened on first use and kept: opening one costs more
/// than reading a customer, and several let concurrent requests read at the same time.
#[derive(Debug, Clone, Default)]
pub(super) struct SingleReader {
    conns: Arc<[Mutex<Option<ConnectionCell>>; READERS]>,
    next: Arc<std::sync::atomic::AtomicUsize>,
}

/// Kept connections of a [`SingleReader`].
const READERS: usize = 4;

impl SingleReader {
    /// Runs `read` on a kept connection (a free one if there is one), opening it if needed,
    /// inside one read transaction.
    fn with<T>(&self, path: &Path, read: impl FnOnce(&Connection) -> Result<T>) -> Result<T> {
        let free = self.conns.iter().find_map(|c| c.try_lock().ok());
        let mut guard = match free {
            Some(guard) => guard,
            None => {
                let i = self.next.fetch_add(1, std::sync::atomic::Ordering::Relaxed) % READERS;
                self.conns[i]
                    .lock()
                    .map_err(|_| StoreError::Bulk("the single-customer reader panicked".into()))?
            }
        };
        if guard.is_none() {
            let c = bulk::reader(path).map_err(bulk_error)?;
            // Small reads at random places: a larger page cache keeps the indexes' upper
            // pages in memory between customers.
            c.pragma_update(None, "cache_size", -65_536)
                .map_err(bulk_error)?;
            *guard = Some(ConnectionCell(c));
        }
        let conn = &guard.as_ref().expect("opened above").0;
        conn.execute_batch("BEGIN").map_err(bulk_error)?;
        let result = read(conn);
        conn.execute_batch("COMMIT").map_err(bulk_error)?;
        result
    }
}

/// rusqlite's connection is not `Debug`.
struct ConnectionCell(Connection);

impl std::fmt::Debug for ConnectionCell {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Connection")
    }
}

impl SingleReader {
    /// Loads one customer's facts before `as_of` on a blocking thread.
    pub(super) async fn load(
        &self,
        path: &Path,
        id: &CustomerId,
        as_of: Timestamp,
        options: &FactOptions,
    ) -> Result<Option<Facts>> {
        let (reader, path, id, options) =
            (self.clone(), path.to_owned(), id.clone(), options.clone());
        tokio::task::spawn_blocking(move || {
            reader.with(&path, |conn| {
                read_all(conn, &id, as_of, as_of.secs(), &options).map_err(bulk_error)
            })
        })
        .await
        .map_err(|e| StoreError::Bulk(e.to_string()))?
    }
}

impl SingleReader {
    /// A customer's current card (see [`crate::Store::current_card`]) in one read transaction
    /// on the kept connection: what a server answers at every interaction.
    pub(super) async fn current_card(
        &self,
        path: &Path,
        dictionaries: &super::runs::Dictionaries,
        id: &CustomerId,
    ) -> Result<Option<crate::CurrentCard>> {
        let (reader, path, id, dictionaries) = (
            self.clone(),
            path.to_owned(),
            id.clone(),
            dictionaries.clone(),
        );
        tokio::task::spawn_blocking(move || {
            reader.with(&path, |conn| read_current(conn, &dictionaries, &id))
        })
        .await
        .map_err(|e| StoreError::Bulk(e.to_string()))?
    }
}

fn read_current(
    conn: &Connection,
    dictionaries: &super::runs::Dictionaries,
    id: &CustomerId,
) -> Result<Option<crate::CurrentCard>> {
    let one =
        |sql: &str, param: &dyn rusqlite::ToSql| -> rusqlite::Result<Option<(i64, Vec<u8>)>> {
            conn.prepare_cached(sql)?
                .query_row([param], |r| {
                    let blob = match r.get_ref(1)? {
                        rusqlite::types::ValueRef::Blob(b) | rusqlite::types::ValueRef::Text(b) => {
                            b.to_vec()
                        }
                        _ => Vec::new(),
                    };
                    Ok((r.get(0)?, blob))
                })
                .optional()
        };
    let latest: Option<i64> = conn
        .prepare_cached("SELECT id FROM score_runs ORDER BY as_of DESC, id DESC LIMIT 1")
        .and_then(|mut s| s.query_row([], |r| r.get(0)).optional())
        .map_err(bulk_error)?;
    let Some(run_id) = latest else {
        return Ok(None);
    };
    let live = one(
        "SELECT run_id, card FROM live_cards WHERE customer_id = ?1 ORDER BY id DESC LIMIT 1",
        &id.as_str(),
    )
    .map_err(bulk_error)?;
    if let Some((live_run, card)) = live
        && live_run >= run_id
    {
        let card = String::from_utf8(card).map_err(|e| StoreError::Bulk(e.to_string()))?;
        return Ok(Some(crate::CurrentCard {
            run_id: live_run,
            live: true,
            card: Some(card),
        }));
    }
    let key: Option<i64> = conn
        .prepare_cached("SELECT COALESCE(merged_into, key) FROM customers WHERE id = ?1")
        .and_then(|mut s| s.query_row([id.as_str()], |r| r.get(0)).optional())
        .map_err(bulk_error)?;
    let stored = match key {
        Some(key) => conn
            .prepare_cached("SELECT card FROM score_cards WHERE run_id = ?1 AND customer_key = ?2")
            .and_then(|mut s| {
                s.query_row([run_id, key], |r| {
                    Ok(match r.get_ref(0)? {
                        rusqlite::types::ValueRef::Blob(b) | rusqlite::types::ValueRef::Text(b) => {
                            b.to_vec()
                        }
                        _ => Vec::new(),
                    })
                })
                .optional()
            })
            .map_err(bulk_error)?,
        None => None,
    };
    let card = match stored {
        Some(stored) => {
            let dictionary = dictionaries.of_blocking(conn, run_id)?;
            let mut reader = super::runs::CardReader::prepared(dictionary.as_deref())?;
            match reader.text(stored.clone()) {
                Ok(text) => Some(text),
                // Another process may have compressed the run again (an erasure): the
                // dictionary kept here is then stale. Read it again, once.
                Err(_) => {
                    dictionaries.forget(&[run_id]);
                    let dictionary = dictionaries.of_blocking(conn, run_id)?;
                    let mut reader = super::runs::CardReader::prepared(dictionary.as_deref())?;
                    Some(reader.text(stored)?)
                }
            }
        }
        None => None,
    };
    Ok(Some(crate::CurrentCard {
        run_id,
        live: false,
        card,
    }))
}

fn bulk_error(e: rusqlite::Error) -> StoreError {
    StoreError::Bulk(e.to_string())
}

fn flag(v: rusqlite::types::ValueRef<'_>) -> Option<bool> {
    int(v).map(|i| i != 0)
}

/// The customer's row: key, created_at, consent, stub flag, acquisition cost, attributes.
struct CustomerRow {
    key: i64,
    created: Option<i64>,
    consent: Consent,
    is_stub: bool,
    acquisition_cost: Option<i64>,
    attributes: Option<String>,
}

/// One customer's fact set, or `None` (unknown, merged away, not acquired before `as_of`),
/// read inside the caller's transaction: every table from the same snapshot of the store.
fn read_all(
    conn: &Connection,
    id: &CustomerId,
    as_of: Timestamp,
    t: i64,
    options: &FactOptions,
) -> rusqlite::Result<Option<Facts>> {
    let Some(row) = read_customer(conn, id)? else {
        return Ok(None);
    };
    let mut facts = Facts {
        as_of,
        ..Default::default()
    };
    let mut first = i64::MAX;
    read_orders(conn, row.key, t, &mut facts, &mut first)?;
    read_events(conn, row.key, t, options, &mut facts, &mut first)?;
    let tickets = read_tickets(conn, row.key, t)?;
    let invoices = read_invoices(conn, row.key, t)?;
    let outcomes = read_outcomes(conn, row.key, t)?;
    let contracts = read_contracts(conn, row.key, t)?;
    for contract in &contracts {
        first = first.min(contract.started_at.secs());
    }
    for ticket in &tickets {
        first = first.min(ticket.opened_at.secs());
    }
    for invoice in &invoices {
        first = first.min(invoice.issued_at.secs());
    }
    // Acquired at `created_at` or the first fact, whichever is earlier, as in the full load.
    let acquired = match (row.created, (first != i64::MAX).then_some(first)) {
        (Some(created), Some(first)) => created.min(first),
        (created, first) => match created.or(first) {
            Some(v) => v,
            None => return Ok(None),
        },
    };
    if acquired >= t {
        return Ok(None);
    }
    let c = &mut facts.customers;
    c.ids.push(id.clone());
    c.created_at.push(Timestamp::from_secs(acquired));
    c.consent.push(row.consent);
    c.is_stub.push(row.is_stub);
    c.acquisition_cost
        .push(row.acquisition_cost.map(Money::from_raw));
    if let Some(text) = &row.attributes {
        let attrs: BTreeMap<String, AttrValue> = serde_json::from_str(text).unwrap_or_default();
        for (name, value) in attrs {
            c.attributes.insert(name, vec![Some(value)]);
        }
    }
    facts.orders.offsets = vec![0, facts.orders.timestamp.len()];
    facts.events.offsets = vec![0, facts.events.timestamp.len()];
    facts.tickets.offsets = vec![0, tickets.len()];
    facts.tickets.rows = tickets;
    facts.invoices.offsets = vec![0, invoices.len()];
    facts.invoices.rows = invoices;
    facts.outcomes.offsets = vec![0, outcomes.len()];
    facts.outcomes.rows = outcomes;
    facts.contracts.offsets = vec![0, contracts.len()];
    facts.contracts.rows = contracts;
    Ok(Some(facts))
}

fn read_customer(conn: &Connection, id: &CustomerId) -> rusqlite::Result<Option<CustomerRow>> {
    let mut stmt = conn.prepare_cached(
        "SELECT key, created_at, consent_marketing, consent_profiling, is_stub, acquisition_cost, attributes
         FROM customers WHERE id = ?1 AND merged_into IS NULL",
    )?;
    stmt.query_row([id.as_str()], |r| {
        Ok(CustomerRow {
            key: required(int(r.get_ref(0)?), "customers", "key")?,
            created: int(r.get_ref(1)?),
            consent: Consent {
                marketing: flag(r.get_ref(2)?),
                profiling: flag(r.get_ref(3)?),
            },
            is_stub: flag(r.get_ref(4)?).unwrap_or(false),
            acquisition_cost: int(r.get_ref(5)?),
            attributes: text(r.get_ref(6)?)
                .filter(|a| *a != "{}")
                .map(str::to_owned),
        })
    })
    .optional()
}

fn read_orders(
    conn: &Connection,
    key: i64,
    t: i64,
    facts: &mut Facts,
    first: &mut i64,
) -> rusqlite::Result<()> {
    let mut stmt = conn.prepare_cached(
        "SELECT ts, order_id, sku, category, channel, quantity, amount, cost, is_return
         FROM order_lines INDEXED BY order_lines_by_customer
         WHERE customer_key = ?1 AND ts < ?2 ORDER BY ts, order_id, line_no",
    )?;
    let mut rows = stmt.query([key, t])?;
    let o = &mut facts.orders;
    let table = "order_lines";
    while let Some(r) = rows.next()? {
        let ts = required(int(r.get_ref(0)?), table, "ts")?;
        *first = (*first).min(ts);
        o.timestamp.push(Timestamp::from_secs(ts));
        o.order.push(intern(&mut o.order_ids, r.get_ref(1)?));
        o.sku.push(intern(&mut o.skus, r.get_ref(2)?));
        o.category.push(intern(&mut o.categories, r.get_ref(3)?));
        o.channel.push(intern(&mut o.channels, r.get_ref(4)?));
        o.quantity
            .push(required(real(r.get_ref(5)?), table, "quantity")?);
        o.amount.push(Money::from_raw(required(
            int(r.get_ref(6)?),
            table,
            "amount",
        )?));
        o.cost.push(int(r.get_ref(7)?).map(Money::from_raw));
        o.is_return
            .push(required(int(r.get_ref(8)?), table, "is_return")? != 0);
    }
    Ok(())
}

/// The code of a text value ([`NONE`] for NULL).
fn intern(interner: &mut patron_core::facts::Interner, v: rusqlite::types::ValueRef<'_>) -> u32 {
    text(v).map_or(NONE, |s| interner.intern(s))
}

fn read_events(
    conn: &Connection,
    key: i64,
    t: i64,
    options: &FactOptions,
    facts: &mut Facts,
    first: &mut i64,
) -> rusqlite::Result<()> {
    let properties = &options.event_properties;
    let sql = if properties.is_empty() {
        "SELECT ts, type FROM events INDEXED BY events_by_customer
         WHERE customer_key = ?1 AND ts < ?2 ORDER BY ts, event_id"
    } else {
        "SELECT ts, type, properties FROM events INDEXED BY events_by_customer
         WHERE customer_key = ?1 AND ts < ?2 ORDER BY ts, event_id"
    };
    let mut stmt = conn.prepare_cached(sql)?;
    let mut rows = stmt.query([key, t])?;
    let e = &mut facts.events;
    let mut columns: Vec<Vec<u32>> = properties.iter().map(|_| Vec::new()).collect();
    while let Some(r) = rows.next()? {
        let ts = required(int(r.get_ref(0)?), "events", "ts")?;
        *first = (*first).min(ts);
        e.timestamp.push(Timestamp::from_secs(ts));
        e.event_type
            .push(text(r.get_ref(1)?).map_or(NONE, |s| e.types.intern(s)));
        if !properties.is_empty() {
            let map = bulk::property_map(text(r.get_ref(2)?));
            for (name, column) in properties.iter().zip(&mut columns) {
                column.push(bulk::property_code(&map, name, &mut e.property_values));
            }
        }
    }
    e.properties = properties.iter().cloned().zip(columns).collect();
    Ok(())
}

fn read_tickets(conn: &Connection, key: i64, t: i64) -> rusqlite::Result<Vec<TicketRow>> {
    let mut stmt = conn.prepare_cached(
        "SELECT opened_at, closed_at, escalated, sentiment, handling_minutes, text FROM tickets
         WHERE customer_key = ?1 AND opened_at < ?2 ORDER BY opened_at, ticket_id",
    )?;
    let rows = stmt.query_map([key, t], |r| {
        Ok(TicketRow {
            opened_at: Timestamp::from_secs(required(int(r.get_ref(0)?), "tickets", "opened_at")?),
            closed_at: int(r.get_ref(1)?)
                .filter(|c| *c < t)
                .map(Timestamp::from_secs),
            escalated: flag(r.get_ref(2)?).unwrap_or(false),
            sentiment: real(r.get_ref(3)?),
            handling_minutes: real(r.get_ref(4)?),
            text: text(r.get_ref(5)?).map(str::to_owned),
        })
    })?;
    rows.collect()
}

fn read_invoices(conn: &Connection, key: i64, t: i64) -> rusqlite::Result<Vec<InvoiceRow>> {
    let mut stmt = conn.prepare_cached(
        "SELECT issued_at, due_at, paid_at, amount FROM invoices
         WHERE customer_key = ?1 AND issued_at < ?2 ORDER BY issued_at, invoice_id",
    )?;
    let table = "invoices";
    let rows = stmt.query_map([key, t], |r| {
        Ok(InvoiceRow {
            issued_at: Timestamp::from_secs(required(int(r.get_ref(0)?), table, "issued_at")?),
            due_at: Timestamp::from_secs(required(int(r.get_ref(1)?), table, "due_at")?),
            paid_at: int(r.get_ref(2)?)
                .filter(|p| *p < t)
                .map(Timestamp::from_secs),
            amount: Money::from_raw(required(int(r.get_ref(3)?), table, "amount")?),
        })
    })?;
    rows.collect()
}

fn read_contracts(
    conn: &Connection,
    key: i64,
    t: i64,
) -> rusqlite::Result<Vec<patron_core::facts::ContractRow>> {
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT {} FROM contracts WHERE customer_key = ?1 AND started_at < ?2 ORDER BY started_at, contract_id",
        super::bulk::CONTRACT_COLUMNS
    ))?;
    let rows = stmt.query_map([key, t], |r| super::bulk::contract_row(r, 0, t))?;
    rows.collect()
}

fn read_outcomes(conn: &Connection, key: i64, t: i64) -> rusqlite::Result<Vec<OutcomeRow>> {
    let mut stmt = conn.prepare_cached(
        "SELECT at, kind, label FROM outcomes WHERE customer_key = ?1 AND at < ?2 ORDER BY at, kind",
    )?;
    let rows = stmt.query_map([key, t], |r| {
        Ok(OutcomeRow {
            at: Timestamp::from_secs(required(int(r.get_ref(0)?), "outcomes", "at")?),
            kind: required(text(r.get_ref(1)?), "outcomes", "kind")?.to_owned(),
            label: text(r.get_ref(2)?).map(str::to_owned),
        })
    })?;
    rows.collect()
}
