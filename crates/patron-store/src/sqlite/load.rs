//! Loading the facts before `as_of` into the engine's columnar per-customer form.
//!
//! Every table is read on a plain read-only connection; the two big ones (order lines and
//! events) on threads of their own. Customer keys are small dense integers, so they are mapped
//! to customer indexes through a vector, never a hash map.

use super::bulk::{self, Blocks, int, real, required, text};
use crate::{FactOptions, Result, StoreError};
use patron_core::facts::{
    ContractRow, Facts, Grouped, InvoiceRow, NONE, OutcomeRow, TicketRow, offsets_from_sorted,
};
use patron_core::ids::CustomerId;
use patron_core::model::{AttrValue, Consent};
use patron_core::{Money, Timestamp};
use rusqlite::{Connection, OpenFlags};
use std::collections::BTreeMap;
use std::path::Path;

/// Customers (active, i.e. not merged away) whose acquisition — `created_at`, or else their
/// first fact — is before `as_of`, with every fact before `as_of`, sorted by (customer, time).
pub(crate) async fn load_facts_with(
    path: &Path,
    as_of: Timestamp,
    options: &FactOptions,
) -> Result<Facts> {
    let path = path.to_owned();
    let options = options.clone();
    tokio::task::spawn_blocking(move || load_blocking(&path, as_of, &options))
        .await
        .map_err(|e| StoreError::Bulk(e.to_string()))?
}

fn bulk_error(e: rusqlite::Error) -> StoreError {
    StoreError::Bulk(e.to_string())
}

fn joined<T>(result: std::thread::Result<rusqlite::Result<T>>, what: &str) -> Result<T> {
    result
        .map_err(|_| StoreError::Bulk(format!("the {what} reader panicked")))?
        .map_err(bulk_error)
}

/// Read connections that all see the store as of one moment, each inside a read transaction.
enum Readers {
    /// Orders and events scanned on threads of their own, the rest on a third connection.
    Parallel {
        orders: Box<Connection>,
        events: Box<Connection>,
        rest: Box<Connection>,
    },
    /// One connection for everything, one table after another.
    Sequential(Connection),
}

/// A reader inside a read transaction whose snapshot is taken (the first read of a WAL
/// database fixes what the transaction sees).
fn pinned_reader(path: &Path) -> rusqlite::Result<Connection> {
    let conn = bulk::reader(path)?;
    conn.execute_batch("BEGIN")?;
    conn.query_row("SELECT count(*) FROM sqlite_schema", [], |_| Ok(()))?;
    Ok(conn)
}

/// Connections whose snapshots are the same. Readers on separate connections each see the
/// store as of their own first read, so a commit between two of them would give a fact set
/// that is half old, half new. To rule that out the readers are opened while this process
/// holds the write lock for a moment (no commit can happen in between). When another process
/// is writing right now, all tables are read on one connection instead (consistent, slower);
/// a read-only store cannot change, so its readers need no lock.
fn consistent_readers(path: &Path) -> rusqlite::Result<Readers> {
    let parallel = || -> rusqlite::Result<Readers> {
        Ok(Readers::Parallel {
            orders: Box::new(pinned_reader(path)?),
            events: Box::new(pinned_reader(path)?),
            rest: Box::new(pinned_reader(path)?),
        })
    };
    let gate = match Connection::open_with_flags(
        path,
        OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    ) {
        Ok(gate) => gate,
        // The file (or its directory) is read-only: nobody can commit to it.
        Err(_) => return parallel(),
    };
    gate.busy_timeout(std::time::Duration::from_millis(200))?;
    match gate.execute_batch("BEGIN IMMEDIATE") {
        Ok(()) => {
            let readers = parallel();
            gate.execute_batch("COMMIT")?;
            readers
        }
        Err(rusqlite::Error::SqliteFailure(e, _))
            if matches!(
                e.code,
                rusqlite::ErrorCode::DatabaseBusy | rusqlite::ErrorCode::DatabaseLocked
            ) =>
        {
            Ok(Readers::Sequential(pinned_reader(path)?))
        }
        Err(rusqlite::Error::SqliteFailure(e, _)) if e.code == rusqlite::ErrorCode::ReadOnly => {
            parallel()
        }
        Err(e) => Err(e),
    }
}

fn load_blocking(path: &Path, as_of: Timestamp, options: &FactOptions) -> Result<Facts> {
    let t = as_of.secs();
    let readers = consistent_readers(path).map_err(bulk_error)?;
    let properties = &options.event_properties;
    let (customers, orders, events, tickets, invoices, outcomes, contracts) = match readers {
        Readers::Parallel {
            orders,
            events,
            rest,
        } => std::thread::scope(|s| {
            let orders = s.spawn(move || bulk::read_orders(&orders, t));
            let events = s.spawn(move || bulk::read_events(&events, t, properties));
            (
                read_customers(&rest),
                joined(orders.join(), "order"),
                joined(events.join(), "event"),
                read_tickets(&rest, t),
                read_invoices(&rest, t),
                read_outcomes(&rest, t),
                read_contracts(&rest, t),
            )
        }),
        Readers::Sequential(conn) => (
            read_customers(&conn),
            bulk::read_orders(&conn, t).map_err(bulk_error),
            bulk::read_events(&conn, t, properties).map_err(bulk_error),
            read_tickets(&conn, t),
            read_invoices(&conn, t),
            read_outcomes(&conn, t),
            read_contracts(&conn, t),
        ),
    };
    let contracts = contracts.map_err(bulk_error)?;
    let outcomes = outcomes.map_err(bulk_error)?;
    let customers = customers.map_err(bulk_error)?;
    let (orders, events) = (orders?, events?);
    let (tickets, invoices) = (tickets.map_err(bulk_error)?, invoices.map_err(bulk_error)?);

    // A customer is acquired at `created_at` or at their first fact, whichever is earlier;
    // customers acquired at or after `as_of` are not in the fact set.
    let mut first_fact = vec![i64::MAX; customers.max_key + 1];
    let mut saw = |key: i64, ts: i64| {
        if let Some(first) = usize::try_from(key)
            .ok()
            .and_then(|k| first_fact.get_mut(k))
        {
            *first = (*first).min(ts);
        }
    };
    for (key, ts) in orders.key.iter().zip(orders.ts.iter()) {
        saw(key, ts.secs());
    }
    for (key, ts) in events.key.iter().zip(events.ts.iter()) {
        saw(key, ts.secs());
    }
    for (key, row) in tickets.keys.iter().zip(&tickets.rows) {
        saw(*key, row.opened_at.secs());
    }
    for (key, row) in invoices.keys.iter().zip(&invoices.rows) {
        saw(*key, row.issued_at.secs());
    }
    for (key, row) in contracts.keys.iter().zip(&contracts.rows) {
        saw(*key, row.started_at.secs());
    }

    let mut facts = Facts {
        as_of,
        ..Default::default()
    };
    let index_of_key = put_customers(customers, &first_fact, t, &mut facts)?;
    drop(first_fact);
    let n = facts.customers.len();
    std::thread::scope(|s| {
        let sorted_orders = s.spawn(|| sorted_orders(orders, &index_of_key, n));
        let sorted_events = sorted_events(events, &index_of_key, &options.event_properties, n);
        facts.orders = sorted_orders.join().expect("sorting order lines");
        facts.events = sorted_events;
    });
    facts.tickets = grouped(tickets, &index_of_key, n);
    facts.invoices = grouped(invoices, &index_of_key, n);
    facts.outcomes = grouped(outcomes, &index_of_key, n);
    facts.contracts = grouped(contracts, &index_of_key, n);
    Ok(facts)
}

/// Active customers in key order, as stored.
struct RawCustomers {
    key: Vec<i64>,
    id: Vec<String>,
    created: Vec<Option<i64>>,
    consent: Vec<Consent>,
    is_stub: Vec<bool>,
    acquisition_cost: Vec<Option<i64>>,
    attributes: Vec<Option<String>>,
    max_key: usize,
}

fn flag(v: rusqlite::types::ValueRef<'_>) -> Option<bool> {
    int(v).map(|i| i != 0)
}

fn read_customers(conn: &Connection) -> rusqlite::Result<RawCustomers> {
    let max_key: i64 = conn.query_row("SELECT COALESCE(MAX(key), 0) FROM customers", [], |r| {
        r.get(0)
    })?;
    let mut stmt = conn.prepare(
        "SELECT key, id, created_at, consent_marketing, consent_profiling, is_stub, acquisition_cost, attributes
         FROM customers WHERE merged_into IS NULL ORDER BY key",
    )?;
    let mut rows = stmt.query([])?;
    let mut c = RawCustomers {
        key: Vec::new(),
        id: Vec::new(),
        created: Vec::new(),
        consent: Vec::new(),
        is_stub: Vec::new(),
        acquisition_cost: Vec::new(),
        attributes: Vec::new(),
        max_key: usize::try_from(max_key).unwrap_or(0),
    };
    while let Some(r) = rows.next()? {
        c.key
            .push(required(int(r.get_ref(0)?), "customers", "key")?);
        c.id.push(required(text(r.get_ref(1)?), "customers", "id")?.to_owned());
        c.created.push(int(r.get_ref(2)?));
        c.consent.push(Consent {
            marketing: flag(r.get_ref(3)?),
            profiling: flag(r.get_ref(4)?),
        });
        c.is_stub.push(flag(r.get_ref(5)?).unwrap_or(false));
        c.acquisition_cost.push(int(r.get_ref(6)?));
        // Most customers have no attributes: `{}` is not worth parsing.
        c.attributes.push(
            text(r.get_ref(7)?)
                .filter(|a| *a != "{}")
                .map(str::to_owned),
        );
    }
    Ok(c)
}

/// The customers acquired before `t` into the fact set; returns the customer index of every
/// key ([`NONE`] for the others).
fn put_customers(
    raw: RawCustomers,
    first_fact: &[i64],
    t: i64,
    facts: &mut Facts,
) -> Result<Vec<u32>> {
    let mut index_of_key = vec![NONE; raw.max_key + 1];
    let mut attributes: Vec<(u32, String)> = Vec::new();
    let c = &mut facts.customers;
    for (i, key) in raw.key.iter().enumerate() {
        let Some(k) = usize::try_from(*key).ok().filter(|k| *k <= raw.max_key) else {
            continue;
        };
        let first = Some(first_fact[k]).filter(|f| *f != i64::MAX);
        let acquired = match (raw.created[i], first) {
            (Some(created), Some(first)) => created.min(first),
            (created, first) => match created.or(first) {
                Some(v) => v,
                None => continue,
            },
        };
        if acquired >= t {
            continue;
        }
        let index = c.ids.len() as u32;
        index_of_key[k] = index;
        c.ids.push(
            CustomerId::parse(&raw.id[i])
                .map_err(|e| StoreError::Bulk(format!("customer {}: {e}", raw.id[i])))?,
        );
        c.created_at.push(Timestamp::from_secs(acquired));
        c.consent.push(raw.consent[i]);
        c.is_stub.push(raw.is_stub[i]);
        c.acquisition_cost
            .push(raw.acquisition_cost[i].map(Money::from_raw));
        if let Some(a) = &raw.attributes[i] {
            attributes.push((index, a.clone()));
        }
    }
    let n = c.ids.len();
    for (index, text) in attributes {
        let attrs: BTreeMap<String, AttrValue> = serde_json::from_str(&text).unwrap_or_default();
        for (name, value) in attrs {
            c.attributes.entry(name).or_insert_with(|| vec![None; n])[index as usize] = Some(value);
        }
    }
    Ok(index_of_key)
}

/// The customer index of a key ([`NONE`] for keys not in the fact set).
fn index_of(index_of_key: &[u32], key: i64) -> u32 {
    usize::try_from(key)
        .ok()
        .and_then(|k| index_of_key.get(k).copied())
        .unwrap_or(NONE)
}

/// Customer index of every row ([`NONE`] for keys not in the fact set).
fn customer_of_rows(keys: Blocks<i64>, index_of_key: &[u32]) -> Vec<u32> {
    keys.map(|k| index_of(index_of_key, k))
}

/// The order lines, sorted by (customer, time); each raw column is freed once it is placed.
fn sorted_orders(
    raw: bulk::RawOrders,
    index_of_key: &[u32],
    n: usize,
) -> patron_core::facts::OrderColumns {
    let customers = customer_of_rows(raw.key, index_of_key);
    let (perm, offsets) = bulk::by_customer_and_time(&customers, &raw.ts, n);
    drop(customers);
    patron_core::facts::OrderColumns {
        offsets,
        timestamp: raw.ts.gather(&perm),
        order: raw.order.gather(&perm),
        sku: raw.sku.gather(&perm),
        category: raw.category.gather(&perm),
        channel: raw.channel.gather(&perm),
        quantity: raw.quantity.gather(&perm),
        amount: raw
            .amount
            .gather(&perm)
            .into_iter()
            .map(Money::from_raw)
            .collect(),
        cost: raw
            .cost
            .gather(&perm)
            .into_iter()
            .map(|c| c.map(Money::from_raw))
            .collect(),
        is_return: raw.is_return.gather(&perm),
        order_ids: raw.order_ids.interner,
        skus: raw.skus.interner,
        categories: raw.categories.interner,
        channels: raw.channels.interner,
    }
}

/// The events, sorted by (customer, time).
fn sorted_events(
    raw: bulk::RawEvents,
    index_of_key: &[u32],
    properties: &[String],
    n: usize,
) -> patron_core::facts::EventColumns {
    let customers = customer_of_rows(raw.key, index_of_key);
    // Read through the index by (customer, time), the rows arrive in order: they are moved,
    // not sorted.
    let in_order = customers.first().is_none_or(|&c| c != NONE)
        && (1..customers.len()).all(|i| {
            customers[i] != NONE
                && (customers[i - 1], raw.ts.get(i - 1)) <= (customers[i], raw.ts.get(i))
        });
    if in_order && properties.is_empty() {
        return patron_core::facts::EventColumns {
            offsets: offsets_from_sorted(&customers, n),
            timestamp: raw.ts.into_vec(),
            event_type: raw.event_type.into_vec(),
            types: raw.types.interner,
            properties: BTreeMap::new(),
            property_values: raw.property_values,
        };
    }
    let (perm, offsets) = bulk::by_customer_and_time(&customers, &raw.ts, n);
    drop(customers);
    patron_core::facts::EventColumns {
        offsets,
        timestamp: raw.ts.gather(&perm),
        event_type: raw.event_type.gather(&perm),
        types: raw.types.interner,
        properties: properties
            .iter()
            .cloned()
            .zip(raw.properties)
            .map(|(name, column)| (name, column.gather(&perm)))
            .collect(),
        property_values: raw.property_values,
    }
}

/// Rows of a small fact table with their customer keys.
struct Keyed<T> {
    keys: Vec<i64>,
    rows: Vec<T>,
}

impl<T> Keyed<T> {
    /// The rows sorted by (customer key, time), ties kept in read order. Tables are read in
    /// primary-key order, a plain scan, rather than through their index by customer, which
    /// costs a primary-key look-up per row.
    fn sorted_by(self, time: impl Fn(&T) -> Timestamp) -> Self {
        let mut pairs: Vec<(i64, T)> = self.keys.into_iter().zip(self.rows).collect();
        pairs.sort_by_key(|(key, row)| (*key, time(row)));
        let (keys, rows) = pairs.into_iter().unzip();
        Keyed { keys, rows }
    }
}

impl<T> Default for Keyed<T> {
    fn default() -> Self {
        Keyed {
            keys: Vec::new(),
            rows: Vec::new(),
        }
    }
}

/// The rows of customers in the fact set, grouped by customer index (the key order is the
/// index order, so the rows stay sorted).
fn grouped<T>(keyed: Keyed<T>, index_of_key: &[u32], n: usize) -> Grouped<T> {
    let mut customer_of_row = Vec::with_capacity(keyed.rows.len());
    let mut rows = Vec::with_capacity(keyed.rows.len());
    for (key, row) in keyed.keys.into_iter().zip(keyed.rows) {
        let index = index_of(index_of_key, key);
        if index != NONE {
            customer_of_row.push(index);
            rows.push(row);
        }
    }
    Grouped {
        offsets: offsets_from_sorted(&customer_of_row, n),
        rows,
    }
}

fn read_tickets(conn: &Connection, t: i64) -> rusqlite::Result<Keyed<TicketRow>> {
    let mut stmt = conn.prepare(
        "SELECT customer_key, opened_at, closed_at, escalated, sentiment, handling_minutes, text FROM tickets
         WHERE opened_at < ?1 ORDER BY ticket_id",
    )?;
    let mut rows = stmt.query([t])?;
    let mut out = Keyed::default();
    while let Some(r) = rows.next()? {
        out.keys
            .push(required(int(r.get_ref(0)?), "tickets", "customer_key")?);
        out.rows.push(TicketRow {
            opened_at: Timestamp::from_secs(required(int(r.get_ref(1)?), "tickets", "opened_at")?),
            closed_at: int(r.get_ref(2)?)
                .filter(|c| *c < t)
                .map(Timestamp::from_secs),
            escalated: flag(r.get_ref(3)?).unwrap_or(false),
            sentiment: real(r.get_ref(4)?),
            handling_minutes: real(r.get_ref(5)?),
            text: text(r.get_ref(6)?).map(str::to_owned),
        });
    }
    Ok(out.sorted_by(|t| t.opened_at))
}

fn read_invoices(conn: &Connection, t: i64) -> rusqlite::Result<Keyed<InvoiceRow>> {
    let mut stmt = conn.prepare(
        "SELECT customer_key, issued_at, due_at, paid_at, amount FROM invoices
         WHERE issued_at < ?1 ORDER BY invoice_id",
    )?;
    let mut rows = stmt.query([t])?;
    let mut out = Keyed::default();
    while let Some(r) = rows.next()? {
        let table = "invoices";
        out.keys
            .push(required(int(r.get_ref(0)?), table, "customer_key")?);
        out.rows.push(InvoiceRow {
            issued_at: Timestamp::from_secs(required(int(r.get_ref(1)?), table, "issued_at")?),
            due_at: Timestamp::from_secs(required(int(r.get_ref(2)?), table, "due_at")?),
            paid_at: int(r.get_ref(3)?)
                .filter(|p| *p < t)
                .map(Timestamp::from_secs),
            amount: Money::from_raw(required(int(r.get_ref(4)?), table, "amount")?),
        });
    }
    Ok(out.sorted_by(|i| i.issued_at))
}

fn read_contracts(conn: &Connection, t: i64) -> rusqlite::Result<Keyed<ContractRow>> {
    let mut stmt = conn.prepare(&format!(
        "SELECT customer_key, {} FROM contracts WHERE started_at < ?1 ORDER BY contract_id",
        bulk::CONTRACT_COLUMNS
    ))?;
    let mut rows = stmt.query([t])?;
    let mut out = Keyed::default();
    while let Some(r) = rows.next()? {
        out.keys
            .push(required(int(r.get_ref(0)?), "contracts", "customer_key")?);
        out.rows.push(bulk::contract_row(r, 1, t)?);
    }
    Ok(out.sorted_by(|c| c.started_at))
}

fn read_outcomes(conn: &Connection, t: i64) -> rusqlite::Result<Keyed<OutcomeRow>> {
    let mut stmt = conn.prepare(
        "SELECT customer_key, at, kind, label FROM outcomes WHERE at < ?1 ORDER BY customer_key, kind, at",
    )?;
    let mut rows = stmt.query([t])?;
    let mut out = Keyed::default();
    while let Some(r) = rows.next()? {
        out.keys
            .push(required(int(r.get_ref(0)?), "outcomes", "customer_key")?);
        out.rows.push(OutcomeRow {
            at: Timestamp::from_secs(required(int(r.get_ref(1)?), "outcomes", "at")?),
            kind: required(text(r.get_ref(2)?), "outcomes", "kind")?.to_owned(),
            label: text(r.get_ref(3)?).map(str::to_owned),
        });
    }
    Ok(out.sorted_by(|o| o.at))
}
