//! Bulk reads and writes on a plain (synchronous) SQLite connection: the two big fact tables
//! are scanned on two threads at once, and score cards are inserted through one prepared
//! statement. sqlx's asynchronous rows cost microseconds each; these paths cost a fraction of
//! that, which is what makes tens of millions of facts load in seconds.

use patron_core::Timestamp;
use patron_core::facts::{Interner, NONE};
use rusqlite::{Connection, OpenFlags, types::ValueRef};
use std::path::Path;
use std::time::Duration;

/// A read-only connection tuned for one big scan.
pub(super) fn reader(path: &Path) -> rusqlite::Result<Connection> {
    let conn = Connection::open_with_flags(
        path,
        OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )?;
    conn.busy_timeout(Duration::from_secs(30))?;
    // A small page cache and no memory map: a scan reads each page once, and mapped pages
    // would count against the process's memory.
    conn.pragma_update(None, "cache_size", -16_384)?;
    Ok(conn)
}

/// A read-write connection for one bulk transaction.
pub(super) fn writer(path: &Path) -> rusqlite::Result<Connection> {
    let conn = Connection::open_with_flags(
        path,
        OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )?;
    conn.busy_timeout(Duration::from_secs(30))?;
    conn.pragma_update(None, "synchronous", "NORMAL")?;
    Ok(conn)
}

fn text<'a>(v: ValueRef<'a>) -> Option<&'a str> {
    match v {
        ValueRef::Text(t) => std::str::from_utf8(t).ok(),
        _ => None,
    }
}

fn intern(interner: &mut Interner, v: ValueRef<'_>) -> u32 {
    text(v).map_or(NONE, |s| interner.intern(s))
}

/// Order lines before `t`, in the table's (primary key) order, keyed by customer key.
#[derive(Default)]
pub(super) struct RawOrders {
    pub(super) key: Vec<i64>,
    pub(super) ts: Vec<Timestamp>,
    pub(super) order: Vec<u32>,
    pub(super) sku: Vec<u32>,
    pub(super) category: Vec<u32>,
    pub(super) channel: Vec<u32>,
    pub(super) quantity: Vec<f64>,
    pub(super) amount: Vec<i64>,
    pub(super) cost: Vec<Option<i64>>,
    pub(super) is_return: Vec<bool>,
    pub(super) order_ids: Interner,
    pub(super) skus: Interner,
    pub(super) categories: Interner,
    pub(super) channels: Interner,
}

pub(super) fn read_orders(path: &Path, t: i64) -> rusqlite::Result<RawOrders> {
    let conn = reader(path)?;
    let mut stmt = conn.prepare(
        "SELECT customer_key, ts, order_id, sku, category, channel, quantity, amount, cost, is_return
         FROM order_lines WHERE ts < ?1",
    )?;
    let mut rows = stmt.query([t])?;
    let mut o = RawOrders::default();
    while let Some(r) = rows.next()? {
        o.key.push(r.get(0)?);
        o.ts.push(Timestamp::from_secs(r.get(1)?));
        o.order.push(intern(&mut o.order_ids, r.get_ref(2)?));
        o.sku.push(intern(&mut o.skus, r.get_ref(3)?));
        o.category.push(intern(&mut o.categories, r.get_ref(4)?));
        o.channel.push(intern(&mut o.channels, r.get_ref(5)?));
        o.quantity.push(r.get(6)?);
        o.amount.push(r.get(7)?);
        o.cost.push(r.get(8)?);
        o.is_return.push(r.get(9)?);
    }
    Ok(o)
}

/// Events of known customers before `t`, in table order, with the named properties.
#[derive(Default)]
pub(super) struct RawEvents {
    pub(super) key: Vec<i64>,
    pub(super) ts: Vec<Timestamp>,
    pub(super) event_type: Vec<u32>,
    pub(super) types: Interner,
    pub(super) properties: Vec<Vec<u32>>,
    pub(super) property_values: Interner,
}

pub(super) fn read_events(
    path: &Path,
    t: i64,
    properties: &[String],
) -> rusqlite::Result<RawEvents> {
    let conn = reader(path)?;
    let sql = if properties.is_empty() {
        "SELECT customer_key, ts, type FROM events WHERE ts < ?1 AND customer_key IS NOT NULL"
    } else {
        "SELECT customer_key, ts, type, properties FROM events WHERE ts < ?1 AND customer_key IS NOT NULL"
    };
    let mut stmt = conn.prepare(sql)?;
    let mut rows = stmt.query([t])?;
    let mut e = RawEvents {
        properties: vec![Vec::new(); properties.len()],
        ..RawEvents::default()
    };
    while let Some(r) = rows.next()? {
        e.key.push(r.get(0)?);
        e.ts.push(Timestamp::from_secs(r.get(1)?));
        e.event_type.push(intern(&mut e.types, r.get_ref(2)?));
        if !properties.is_empty() {
            let map: serde_json::Map<String, serde_json::Value> = text(r.get_ref(3)?)
                .and_then(|t| serde_json::from_str(t).ok())
                .unwrap_or_default();
            for (name, column) in properties.iter().zip(&mut e.properties) {
                column.push(match map.get(name) {
                    Some(serde_json::Value::String(v)) => e.property_values.intern(v),
                    Some(serde_json::Value::Null) | None => NONE,
                    Some(other) => e.property_values.intern(&other.to_string()),
                });
            }
        }
    }
    Ok(e)
}

/// The order that sorts rows by (customer, time), ties kept in table order: a counting sort by
/// customer, then a stable sort of each customer's rows by time. Rows whose customer is
/// [`NONE`] are left out.
pub(super) fn by_customer_and_time(
    customer: &[u32],
    time: &[Timestamp],
    n: usize,
) -> (Vec<u32>, Vec<usize>) {
    let mut offsets = vec![0usize; n + 1];
    for &c in customer.iter().filter(|&&c| c != NONE) {
        offsets[c as usize + 1] += 1;
    }
    for i in 0..n {
        offsets[i + 1] += offsets[i];
    }
    let mut next = offsets.clone();
    let mut perm = vec![0u32; offsets[n]];
    for (row, &c) in customer.iter().enumerate() {
        if c != NONE {
            perm[next[c as usize]] = row as u32;
            next[c as usize] += 1;
        }
    }
    for c in 0..n {
        perm[offsets[c]..offsets[c + 1]].sort_by_key(|&r| time[r as usize]);
    }
    (perm, offsets)
}

/// `values` in the order of `perm`.
pub(super) fn gather<T: Copy>(values: &[T], perm: &[u32]) -> Vec<T> {
    perm.iter().map(|&i| values[i as usize]).collect()
}
