//! Bulk reads and writes on plain (synchronous) SQLite connections: every fact table is scanned
//! on a thread of its own, rows are decoded straight into columns, and score cards are inserted
//! through one prepared statement. sqlx's asynchronous rows cost microseconds each; these paths
//! cost a fraction of that, which is what makes tens of millions of facts load in seconds.

use patron_core::Timestamp;
use patron_core::facts::{Interner, NONE};
use rusqlite::{Connection, OpenFlags, types::ValueRef};
use std::path::Path;
use std::time::Duration;

/// Whether the store file cannot be written by this process (a read-only file system, or
/// permissions), so that readers must open it immutable.
pub(super) fn read_only(path: &Path) -> bool {
    std::fs::OpenOptions::new().write(true).open(path).is_err()
}

/// A read-only connection tuned for one big scan (immutable when the file cannot be written:
/// SQLite could not create its shared-memory file beside it).
pub(super) fn reader(path: &Path) -> rusqlite::Result<Connection> {
    let conn = if read_only(path) {
        Connection::open_with_flags(
            format!("file:{}?immutable=1", path.display()),
            OpenFlags::SQLITE_OPEN_READ_ONLY
                | OpenFlags::SQLITE_OPEN_NO_MUTEX
                | OpenFlags::SQLITE_OPEN_URI,
        )?
    } else {
        Connection::open_with_flags(
            path,
            OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )?
    };
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
    conn.pragma_update(None, "journal_size_limit", 67_108_864)?;
    // As on every writing connection (see `SqliteStore::open`).
    conn.pragma_update(None, "secure_delete", "ON")?;
    Ok(conn)
}

/// Rows per block of a [`Blocks`] column.
const BLOCK: usize = 1 << 20;

/// A column read from a scan of unknown length, in fixed blocks: growing it never copies or
/// over-allocates, as doubling a vector of tens of millions of rows would.
pub(super) struct Blocks<T> {
    blocks: Vec<Vec<T>>,
    len: usize,
}

impl<T: Copy> Default for Blocks<T> {
    fn default() -> Self {
        Blocks {
            blocks: Vec::new(),
            len: 0,
        }
    }
}

impl<T: Copy> Blocks<T> {
    pub(super) fn push(&mut self, value: T) {
        if self.len.is_multiple_of(BLOCK) {
            self.blocks.push(Vec::with_capacity(BLOCK));
        }
        self.blocks.last_mut().expect("a block").push(value);
        self.len += 1;
    }

    pub(super) fn get(&self, i: usize) -> T {
        self.blocks[i / BLOCK][i % BLOCK]
    }

    pub(super) fn iter(&self) -> impl Iterator<Item = T> + '_ {
        self.blocks.iter().flat_map(|b| b.iter().copied())
    }

    /// The values in the order of `perm`, consuming the column.
    pub(super) fn gather(self, perm: &[u32]) -> Vec<T> {
        perm.iter().map(|&i| self.get(i as usize)).collect()
    }

    /// The values in row order, consuming the column.
    pub(super) fn into_vec(self) -> Vec<T> {
        self.map(|v| v)
    }

    /// The values mapped one by one, consuming the column.
    pub(super) fn map<U>(self, f: impl Fn(T) -> U) -> Vec<U> {
        let mut out = Vec::with_capacity(self.len);
        for block in self.blocks {
            out.extend(block.into_iter().map(&f));
        }
        out
    }
}

pub(super) fn text<'a>(v: ValueRef<'a>) -> Option<&'a str> {
    match v {
        ValueRef::Text(t) => std::str::from_utf8(t).ok(),
        _ => None,
    }
}

pub(super) fn int(v: ValueRef<'_>) -> Option<i64> {
    match v {
        ValueRef::Integer(i) => Some(i),
        ValueRef::Real(r) => Some(r as i64),
        _ => None,
    }
}

pub(super) fn real(v: ValueRef<'_>) -> Option<f64> {
    match v {
        ValueRef::Real(r) => Some(r),
        ValueRef::Integer(i) => Some(i as f64),
        _ => None,
    }
}

/// A column's value that the schema declares `NOT NULL`.
pub(super) fn required<T>(v: Option<T>, table: &str, column: &str) -> rusqlite::Result<T> {
    v.ok_or_else(|| {
        rusqlite::Error::InvalidColumnType(
            0,
            format!("{table}.{column} (NULL or of another type)"),
            rusqlite::types::Type::Null,
        )
    })
}

/// Interns strings of a column with few distinct values in a row (types, channels,
/// categories): the previous value is checked before the hash map.
#[derive(Default)]
pub(super) struct ColumnInterner {
    pub(super) interner: Interner,
    last: Option<(Vec<u8>, u32)>,
}

impl ColumnInterner {
    pub(super) fn intern(&mut self, v: ValueRef<'_>) -> u32 {
        let Some(s) = text(v) else {
            return NONE;
        };
        if let Some((bytes, code)) = &self.last
            && bytes.as_slice() == s.as_bytes()
        {
            return *code;
        }
        let code = self.interner.intern(s);
        match &mut self.last {
            Some((bytes, last)) => {
                bytes.clear();
                bytes.extend_from_slice(s.as_bytes());
                *last = code;
            }
            None => self.last = Some((s.as_bytes().to_vec(), code)),
        }
        code
    }
}

/// Order lines before `t`, in the table's (primary key) order, by customer key.
#[derive(Default)]
pub(super) struct RawOrders {
    pub(super) key: Blocks<i64>,
    pub(super) ts: Blocks<Timestamp>,
    pub(super) order: Blocks<u32>,
    pub(super) sku: Blocks<u32>,
    pub(super) category: Blocks<u32>,
    pub(super) channel: Blocks<u32>,
    pub(super) quantity: Blocks<f64>,
    pub(super) amount: Blocks<i64>,
    pub(super) cost: Blocks<Option<i64>>,
    pub(super) is_return: Blocks<bool>,
    pub(super) order_ids: ColumnInterner,
    pub(super) skus: ColumnInterner,
    pub(super) categories: ColumnInterner,
    pub(super) channels: ColumnInterner,
}

pub(super) fn read_orders(conn: &Connection, t: i64) -> rusqlite::Result<RawOrders> {
    let mut stmt = conn.prepare(
        "SELECT customer_key, ts, order_id, sku, category, channel, quantity, amount, cost, is_return
         FROM order_lines WHERE ts < ?1",
    )?;
    let mut rows = stmt.query([t])?;
    let mut o = RawOrders::default();
    while let Some(r) = rows.next()? {
        let table = "order_lines";
        o.key
            .push(required(int(r.get_ref(0)?), table, "customer_key")?);
        o.ts.push(Timestamp::from_secs(required(
            int(r.get_ref(1)?),
            table,
            "ts",
        )?));
        o.order.push(o.order_ids.intern(r.get_ref(2)?));
        o.sku.push(o.skus.intern(r.get_ref(3)?));
        o.category.push(o.categories.intern(r.get_ref(4)?));
        o.channel.push(o.channels.intern(r.get_ref(5)?));
        o.quantity
            .push(required(real(r.get_ref(6)?), table, "quantity")?);
        o.amount
            .push(required(int(r.get_ref(7)?), table, "amount")?);
        o.cost.push(int(r.get_ref(8)?));
        o.is_return
            .push(required(int(r.get_ref(9)?), table, "is_return")? != 0);
    }
    Ok(o)
}

/// Events of known customers before `t`, in table order, with the named properties.
#[derive(Default)]
pub(super) struct RawEvents {
    pub(super) key: Blocks<i64>,
    pub(super) ts: Blocks<Timestamp>,
    pub(super) event_type: Blocks<u32>,
    pub(super) types: ColumnInterner,
    pub(super) properties: Vec<Blocks<u32>>,
    pub(super) property_values: Interner,
}

pub(super) fn read_events(
    conn: &Connection,
    t: i64,
    properties: &[String],
) -> rusqlite::Result<RawEvents> {
    // Without properties the covering index by (customer, time) is read: a third of the
    // table's bytes, in the order the fact set wants.
    let sql = if properties.is_empty() {
        "SELECT customer_key, ts, type FROM events INDEXED BY events_by_customer
         WHERE customer_key IS NOT NULL AND ts < ?1 ORDER BY customer_key, ts, event_id"
    } else {
        "SELECT customer_key, ts, type, properties FROM events WHERE ts < ?1 AND customer_key IS NOT NULL"
    };
    let mut stmt = conn.prepare(sql)?;
    let mut rows = stmt.query([t])?;
    let mut e = RawEvents {
        properties: properties.iter().map(|_| Blocks::default()).collect(),
        ..RawEvents::default()
    };
    while let Some(r) = rows.next()? {
        e.key
            .push(required(int(r.get_ref(0)?), "events", "customer_key")?);
        e.ts.push(Timestamp::from_secs(required(
            int(r.get_ref(1)?),
            "events",
            "ts",
        )?));
        e.event_type.push(e.types.intern(r.get_ref(2)?));
        if !properties.is_empty() {
            let map = property_map(text(r.get_ref(3)?));
            for (name, column) in properties.iter().zip(&mut e.properties) {
                column.push(property_code(&map, name, &mut e.property_values));
            }
        }
    }
    Ok(e)
}

/// An event's stored properties (a JSON object; anything else counts as none).
pub(super) fn property_map(stored: Option<&str>) -> serde_json::Map<String, serde_json::Value> {
    stored
        .and_then(|t| serde_json::from_str(t).ok())
        .unwrap_or_default()
}

/// The code of property `name` in `values`: strings as they are, other values as JSON text,
/// [`NONE`] when absent or null.
pub(super) fn property_code(
    map: &serde_json::Map<String, serde_json::Value>,
    name: &str,
    values: &mut Interner,
) -> u32 {
    match map.get(name) {
        Some(serde_json::Value::String(v)) => values.intern(v),
        Some(serde_json::Value::Null) | None => NONE,
        Some(other) => values.intern(&other.to_string()),
    }
}

/// The order that sorts rows by (customer, time), ties kept in table order: a counting sort by
/// customer, then a stable sort of each customer's rows by time. Rows whose customer is
/// [`NONE`] are left out.
pub(super) fn by_customer_and_time(
    customer: &[u32],
    time: &Blocks<Timestamp>,
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
        let rows = &mut perm[offsets[c]..offsets[c + 1]];
        // Rows mostly arrive in time order already.
        if !rows.is_sorted_by_key(|&r| time.get(r as usize)) {
            rows.sort_by_key(|&r| time.get(r as usize));
        }
    }
    (perm, offsets)
}

/// The columns [`contract_row`] reads, in its order.
pub(super) const CONTRACT_COLUMNS: &str = "contract_id, plan, started_at, renews_at, notice_days, \
     billing_months, recurring_value, cancelled_at, cancel_reason, previous_value, price_changed_at";

/// A contract from the [`CONTRACT_COLUMNS`] starting at column `at`, as known before `t`
/// (a cancellation at or after `t` is not known yet).
pub(super) fn contract_row(
    r: &rusqlite::Row<'_>,
    at: usize,
    t: i64,
) -> rusqlite::Result<patron_core::facts::ContractRow> {
    use patron_core::{Money, Timestamp};
    let table = "contracts";
    let time = |i: usize| -> rusqlite::Result<Option<Timestamp>> {
        Ok(int(r.get_ref(at + i)?).map(Timestamp::from_secs))
    };
    let cancelled_at = time(7)?.filter(|c| c.secs() < t);
    Ok(patron_core::facts::ContractRow {
        contract_id: required(text(r.get_ref(at)?), table, "contract_id")?.to_owned(),
        plan: text(r.get_ref(at + 1)?).map(str::to_owned),
        started_at: required(time(2)?, table, "started_at")?,
        renews_at: time(3)?,
        notice_days: int(r.get_ref(at + 4)?)
            .unwrap_or(0)
            .clamp(0, i64::from(u32::MAX)) as u32,
        billing_months: int(r.get_ref(at + 5)?).unwrap_or(1).clamp(1, 120) as u32,
        recurring_value: Money::from_raw(required(
            int(r.get_ref(at + 6)?),
            table,
            "recurring_value",
        )?),
        cancel_reason: cancelled_at
            .and(text(r.get_ref(at + 8)?))
            .map(str::to_owned),
        cancelled_at,
        price_change: match (int(r.get_ref(at + 9)?), time(10)?) {
            (Some(previous), Some(changed)) => Some((Money::from_raw(previous), changed)),
            _ => None,
        },
    })
}
