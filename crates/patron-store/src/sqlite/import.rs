//! One import as one SQLite transaction, with multi-row inserts that skip existing natural keys.

use super::rows::{attributes_json, fingerprint, update_customer};
use crate::{ImportWriter, Result, SourceRecord, StoreError, WriteCounts};
use async_trait::async_trait;
use patron_core::ids::CustomerId;
use patron_core::model::{
    Actor, Contract, Customer, Event, FactKey, Invoice, OrderLine, Outcome, Ticket,
};
use rustc_hash::FxHashMap;
use sqlx::sqlite::Sqlite;
use sqlx::{AssertSqlSafe, QueryBuilder, Row, SqlitePool, Transaction};

/// Rows per INSERT statement (kept under SQLite's limit of 32,766 bound values).
const ROWS_PER_STATEMENT: usize = 1_000;

/// Rows an import writes before its commit checkpoints the write-ahead log at once.
const CHECKPOINT_AFTER_ROWS: usize = 10_000;

/// Customers an import looks up one by one before it reads them all at once.
const LOOKUPS_BEFORE_FULL_LOAD: usize = 20_000;

/// What the transaction knows about an existing customer.
struct Known {
    key: i64,
    is_stub: bool,
    fingerprint: i64,
}

pub(crate) struct SqliteImport {
    tx: Transaction<'static, Sqlite>,
    import_id: i64,
    /// Customers the transaction has looked up (all of them once `all_known`).
    customers: FxHashMap<String, Known>,
    all_known: bool,
    /// Customers looked up one by one so far.
    looked_up: usize,
    /// The last `fact_history` row [`ImportWriter::corrections`] returned.
    corrections_seen: i64,
    /// Rows written (and deleted), for the checkpoint after the commit.
    rows_written: usize,
    next_key: i64,
    /// The latest time written to each fact table.
    latest: FxHashMap<&'static str, i64>,
    /// For the checkpoint after the commit.
    pool: SqlitePool,
    /// Events written so far.
    events_written: usize,
    /// The index of events by customer was dropped for this import and is rebuilt at commit.
    events_index_dropped: bool,
    /// Order lines written so far.
    order_lines_written: usize,
    /// The index of order lines by customer was dropped, likewise.
    order_lines_index_dropped: bool,
    /// Fact tables (and their time column) something was deleted from.
    deleted_from: Vec<(&'static str, &'static str)>,
}

/// An import of at least this many events drops the index of events by customer and builds it
/// again at commit: one sorted build instead of an index insert per event, which costs half the
/// import's time when events arrive in time order (measured: 7.9 M events in 113 s with the
/// index kept, 79 s without). All inside the import's transaction, so a failed import still
/// leaves the store, index included, as it was.
const BULK_EVENTS: usize = 1_000_000;

/// The index of migration 0009, as it is rebuilt after a bulk import of order lines (at least
/// [`BULK_EVENTS`] of them, for the same reason).
const ORDER_LINES_BY_CUSTOMER: &str =
    "CREATE INDEX order_lines_by_customer ON order_lines (customer_key, ts)";

/// The index of migration 0008, as it is rebuilt after a bulk import.
const EVENTS_BY_CUSTOMER: &str =
    "CREATE INDEX events_by_customer ON events (customer_key, ts, event_id, type)";

impl SqliteImport {
    fn saw(&mut self, fact: &'static str, times: impl Iterator<Item = i64>) {
        if let Some(max) = times.max() {
            let latest = self.latest.entry(fact).or_insert(max);
            *latest = (*latest).max(max);
        }
    }

    pub async fn begin(pool: &SqlitePool) -> Result<Self> {
        let mut tx = pool.begin_with("BEGIN IMMEDIATE").await?;
        let import_id: i64 = sqlx::query_scalar(
            "INSERT INTO imports (started_at, summary) VALUES (?, '{}') RETURNING id",
        )
        .bind(super::now_text())
        .fetch_one(&mut *tx)
        .await?;
        // The history triggers of this connection (made by its first import, see
        // `history_schema`) record corrections while this row exists: inside this transaction.
        let made: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM temp.sqlite_master WHERE name = 'patron_import'",
        )
        .fetch_one(&mut *tx)
        .await?;
        if made == 0 {
            for statement in history_schema() {
                sqlx::query(AssertSqlSafe(statement))
                    .execute(&mut *tx)
                    .await?;
            }
        }
        sqlx::query("INSERT INTO temp.patron_import (id, at) VALUES (?, ?)")
            .bind(import_id)
            .bind(super::now_text())
            .execute(&mut *tx)
            .await?;
        // Customers are looked up as the facts name them; a large import loads them all at
        // once instead (see `know`).
        let next_key: i64 = sqlx::query_scalar("SELECT COALESCE(MAX(key), 0) + 1 FROM customers")
            .fetch_one(&mut *tx)
            .await?;
        Ok(SqliteImport {
            tx,
            import_id,
            customers: FxHashMap::default(),
            all_known: false,
            looked_up: 0,
            corrections_seen: 0,
            rows_written: 0,
            next_key,
            latest: FxHashMap::default(),
            pool: pool.clone(),
            events_written: 0,
            events_index_dropped: false,
            order_lines_written: 0,
            order_lines_index_dropped: false,
            deleted_from: Vec::new(),
        })
    }

    /// Makes sure every stored customer among `ids` is in `self.customers`. A small write (an
    /// API request) looks up just the customers it names, through the index on `id`; once an
    /// import has looked up more than [`LOOKUPS_BEFORE_FULL_LOAD`] customers, it reads them
    /// all in one scan, which is cheaper than millions of lookups.
    async fn know<'a>(&mut self, ids: impl Iterator<Item = &'a str>) -> Result<()> {
        if self.all_known {
            return Ok(());
        }
        let mut missing: Vec<&str> = ids.filter(|id| !self.customers.contains_key(*id)).collect();
        missing.sort_unstable();
        missing.dedup();
        if missing.is_empty() {
            return Ok(());
        }
        self.looked_up += missing.len();
        if self.looked_up > LOOKUPS_BEFORE_FULL_LOAD {
            let rows =
                sqlx::query("SELECT key, id, is_stub, fingerprint, merged_into FROM customers")
                    .fetch_all(&mut *self.tx)
                    .await?;
            self.remember(&rows)?;
            self.all_known = true;
            return Ok(());
        }
        for chunk in missing.chunks(500) {
            let mut q = QueryBuilder::<Sqlite>::new(
                "SELECT key, id, is_stub, fingerprint, merged_into FROM customers WHERE id IN (",
            );
            let mut list = q.separated(", ");
            for id in chunk {
                list.push_bind(*id);
            }
            q.push(")");
            let rows = q.build().fetch_all(&mut *self.tx).await?;
            self.remember(&rows)?;
        }
        Ok(())
    }

    fn remember(&mut self, rows: &[sqlx::sqlite::SqliteRow]) -> Result<()> {
        self.customers.reserve(rows.len());
        for r in rows {
            let key: i64 = r.try_get(0)?;
            let merged_into: Option<i64> = r.try_get(4)?;
            let id: String = r.try_get(1)?;
            // A customer this transaction wrote is newer than the stored row.
            self.customers.entry(id).or_insert(Known {
                key: merged_into.unwrap_or(key),
                is_stub: r.try_get(2)?,
                fingerprint: r.try_get(3)?,
            });
        }
        Ok(())
    }

    /// The id of the latest `fact_history` row (its count grows by one per correction).
    async fn history_len(&mut self) -> Result<i64> {
        Ok(
            sqlx::query_scalar("SELECT COALESCE(MAX(id), 0) FROM fact_history")
                .fetch_one(&mut *self.tx)
                .await?,
        )
    }

    fn key_of(&self, id: &CustomerId) -> Result<i64> {
        self.customers
            .get(id.as_str())
            .map(|k| k.key)
            .ok_or_else(|| StoreError::UnknownCustomer(id.to_string()))
    }

    async fn insert_customers(&mut self, rows: &[(i64, &Customer, i64)]) -> Result<()> {
        for chunk in rows.chunks(ROWS_PER_STATEMENT / 2) {
            let mut q = QueryBuilder::<Sqlite>::new(
                "INSERT INTO customers (key, id, created_at, name, email, phone, company, postcode, country, attributes, \
                 consent_marketing, consent_profiling, acquisition_cost, is_stub, fingerprint, import_id) ",
            );
            let import_id = self.import_id;
            q.push_values(chunk, |mut b, (key, c, fp)| {
                b.push_bind(*key)
                    .push_bind(c.id.as_str())
                    .push_bind(c.created_at.map(|t| t.secs()))
                    .push_bind(c.name.as_deref())
                    .push_bind(c.email.as_deref())
                    .push_bind(c.phone.as_deref())
                    .push_bind(c.company.as_deref())
                    .push_bind(c.postcode.as_deref())
                    .push_bind(c.country.as_deref())
                    .push_bind(attributes_json(c))
                    .push_bind(c.consent.marketing)
                    .push_bind(c.consent.profiling)
                    .push_bind(c.acquisition_cost.map(|m| m.raw()))
                    .push_bind(c.is_stub)
                    .push_bind(*fp)
                    .push_bind(import_id);
            });
            q.build().execute(&mut *self.tx).await?;
        }
        Ok(())
    }
}

/// A fact table: its natural key and the columns a correction may change.
struct FactSpec {
    table: &'static str,
    key: &'static [&'static str],
    content: &'static [&'static str],
}

const ORDER_LINES: FactSpec = FactSpec {
    table: "order_lines",
    key: &["order_id", "line_no"],
    content: &[
        "customer_key",
        "ts",
        "sku",
        "category",
        "quantity",
        "unit_price",
        "amount",
        "cost",
        "channel",
        "is_return",
    ],
};
const EVENTS: FactSpec = FactSpec {
    table: "events",
    key: &["event_id"],
    content: &["customer_key", "anonymous_id", "ts", "type", "properties"],
};
const TICKETS: FactSpec = FactSpec {
    table: "tickets",
    key: &["ticket_id"],
    content: &[
        "customer_key",
        "opened_at",
        "closed_at",
        "category",
        "priority",
        "escalated",
        "sentiment",
        "handling_minutes",
        "text",
    ],
};
const INVOICES: FactSpec = FactSpec {
    table: "invoices",
    key: &["invoice_id"],
    content: &["customer_key", "issued_at", "due_at", "paid_at", "amount"],
};
const CONTRACTS: FactSpec = FactSpec {
    table: "contracts",
    key: &["contract_id"],
    content: &[
        "customer_key",
        "plan",
        "started_at",
        "renews_at",
        "notice_days",
        "billing_months",
        "recurring_value",
        "previous_value",
        "price_changed_at",
        "cancelled_at",
        "cancel_reason",
    ],
};
const OUTCOMES: FactSpec = FactSpec {
    table: "outcomes",
    key: &["customer_key", "kind", "at"],
    content: &["label"],
};
const CUSTOMERS: FactSpec = FactSpec {
    table: "customers",
    key: &["id"],
    content: &[
        "created_at",
        "name",
        "email",
        "phone",
        "company",
        "postcode",
        "country",
        "attributes",
        "consent_marketing",
        "consent_profiling",
        "acquisition_cost",
    ],
};

impl FactSpec {
    /// `ON CONFLICT (key) DO UPDATE SET … WHERE` some content differs: a re-imported fact with
    /// the same natural key and new content replaces the stored one (the last one read wins,
    /// within a file and across files); the same content changes nothing.
    fn upsert(&self) -> String {
        let set: Vec<String> = self
            .content
            .iter()
            .map(|c| format!("{c} = excluded.{c}"))
            .collect();
        format!(
            " ON CONFLICT ({}) DO UPDATE SET {} WHERE {}",
            self.key.join(", "),
            set.join(", "),
            self.differs(&format!("{}.", self.table), "excluded.")
        )
    }

    fn differs(&self, old: &str, new: &str) -> String {
        let parts: Vec<String> = self
            .content
            .iter()
            .map(|c| format!("{old}{c} IS NOT {new}{c}"))
            .collect();
        parts.join(" OR ")
    }

    /// The companion of [`FactSpec::history_trigger`] for deletions.
    fn deletion_trigger(&self) -> String {
        let key: Vec<String> = self.key.iter().map(|k| format!("old.{k}")).collect();
        let old: Vec<String> = self
            .key
            .iter()
            .chain(self.content)
            .map(|c| format!("'{c}', old.{c}"))
            .collect();
        format!(
            "CREATE TEMP TRIGGER IF NOT EXISTS patron_deleted_{t} AFTER DELETE ON main.{t} \
             WHEN EXISTS (SELECT 1 FROM temp.patron_import) BEGIN \
             INSERT INTO fact_history (fact, natural_key, old, change, import_id, changed_at) \
             SELECT '{t}', json_array({key}), json_object({old}), 'deleted', i.id, i.at \
             FROM temp.patron_import i; END",
            t = self.table,
            key = key.join(", "),
            old = old.join(", "),
        )
    }

    /// A trigger of one connection (a TEMP trigger) that keeps the replaced version of a
    /// corrected fact in `fact_history`, with the fields that changed — while an import of
    /// that connection is open (its row in `temp.patron_import`), so merges and other updates
    /// are not recorded as corrections.
    fn history_trigger(&self) -> String {
        let key: Vec<String> = self.key.iter().map(|k| format!("old.{k}")).collect();
        let old: Vec<String> = self
            .key
            .iter()
            .chain(self.content)
            .map(|c| format!("'{c}', old.{c}"))
            .collect();
        let extra = if self.table == "customers" {
            // Filling in a stub is not a correction.
            "old.is_stub = 0 AND "
        } else {
            ""
        };
        let changed: Vec<String> = self
            .content
            .iter()
            .map(|c| format!("CASE WHEN old.{c} IS NOT new.{c} THEN '{c}' END"))
            .collect();
        format!(
            "CREATE TEMP TRIGGER IF NOT EXISTS patron_history_{t} AFTER UPDATE ON main.{t} \
             WHEN {extra}({differs}) AND EXISTS (SELECT 1 FROM temp.patron_import) BEGIN \
             INSERT INTO fact_history (fact, natural_key, old, change, import_id, changed_at, fields) \
             SELECT '{t}', json_array({key}), json_object({old}), 'updated', i.id, i.at, \
             (SELECT json_group_array(value) FROM json_each(json_array({changed})) WHERE type <> 'null') \
             FROM temp.patron_import i; END",
            t = self.table,
            differs = self.differs("old.", "new."),
            key = key.join(", "),
            old = old.join(", "),
            changed = changed.join(", "),
        )
    }
}

/// What every writing connection makes once, in its first import: the table naming the open
/// import and the triggers that keep corrected and deleted facts in `fact_history`. Made per
/// connection rather than per import, because changing the schema inside each transaction
/// makes SQLite prepare every later statement again.
fn history_schema() -> Vec<String> {
    let mut out = vec![
        "CREATE TEMP TABLE IF NOT EXISTS patron_import (id INTEGER NOT NULL, at TEXT NOT NULL)"
            .to_owned(),
    ];
    for spec in HISTORY {
        out.push(spec.history_trigger());
        if spec.table != "customers" {
            out.push(spec.deletion_trigger());
        }
    }
    out
}

const HISTORY: [&FactSpec; 7] = [
    &CUSTOMERS,
    &ORDER_LINES,
    &EVENTS,
    &TICKETS,
    &INVOICES,
    &OUTCOMES,
    &CONTRACTS,
];

/// Runs a multi-row upsert per chunk (see [`FactSpec::upsert`]); counts inserted, updated
/// (corrections, each with its old version in `fact_history`) and unchanged duplicates.
macro_rules! insert_facts {
    ($self:ident, $rows:ident, $spec:expr, $head:literal, |$b:ident, $row:ident| $push:block) => {{
        let mut counts = WriteCounts::default();
        let tail = $spec.upsert();
        for chunk in $rows.chunks(ROWS_PER_STATEMENT) {
            let before = $self.history_len().await?;
            let mut q = QueryBuilder::<Sqlite>::new($head);
            q.push_values(chunk, |mut $b, $row| $push);
            q.push(&tail);
            let changed = q.build().execute(&mut *$self.tx).await?.rows_affected();
            let updated = ($self.history_len().await? - before) as u64;
            counts.inserted += changed - updated;
            counts.updated += updated;
            counts.duplicates += chunk.len() as u64 - changed;
        }
        Ok(counts)
    }};
}

#[async_trait]
impl ImportWriter for SqliteImport {
    async fn write_customers(&mut self, rows: &[Customer]) -> Result<WriteCounts> {
        self.rows_written += rows.len();
        self.know(rows.iter().map(|c| c.id.as_str())).await?;
        let mut counts = WriteCounts::default();
        let mut new = Vec::new();
        let mut updates = Vec::new();
        for c in rows {
            let fp = fingerprint(c);
            match self.customers.get_mut(c.id.as_str()) {
                None => {
                    let key = self.next_key;
                    self.next_key += 1;
                    self.customers.insert(
                        c.id.as_str().to_owned(),
                        Known {
                            key,
                            is_stub: c.is_stub,
                            fingerprint: fp,
                        },
                    );
                    new.push((key, c, fp));
                    if !c.is_stub {
                        counts.inserted += 1;
                    }
                }
                Some(_) if c.is_stub => {}
                Some(known) if known.is_stub => {
                    known.is_stub = false;
                    known.fingerprint = fp;
                    updates.push((known.key, c, fp));
                    counts.inserted += 1;
                }
                Some(known) if known.fingerprint == fp => counts.duplicates += 1,
                Some(known) => {
                    known.fingerprint = fp;
                    updates.push((known.key, c, fp));
                    counts.updated += 1;
                }
            }
        }
        self.insert_customers(&new).await?;
        for (key, c, fp) in updates {
            update_customer(&mut self.tx, key, c, fp, Some(self.import_id)).await?;
        }
        Ok(counts)
    }

    async fn write_order_lines(&mut self, rows: &[OrderLine]) -> Result<WriteCounts> {
        self.rows_written += rows.len();
        self.know(rows.iter().map(|l| l.customer_id.as_str()))
            .await?;
        self.saw("order_lines", rows.iter().map(|l| l.timestamp.secs()));
        self.order_lines_written += rows.len();
        if self.order_lines_written >= BULK_EVENTS && !self.order_lines_index_dropped {
            sqlx::query("DROP INDEX IF EXISTS order_lines_by_customer")
                .execute(&mut *self.tx)
                .await?;
            self.order_lines_index_dropped = true;
        }
        let keys = rows
            .iter()
            .map(|l| self.key_of(&l.customer_id))
            .collect::<Result<Vec<_>>>()?;
        let rows: Vec<_> = rows.iter().zip(keys).collect();
        insert_facts!(
            self,
            rows,
            ORDER_LINES,
            "INSERT INTO order_lines (order_id, line_no, customer_key, ts, sku, category, quantity, unit_price, amount, cost, channel, is_return) ",
            |b, row| {
                let (l, key) = row;
                b.push_bind(l.order_id.as_str())
                    .push_bind(i64::from(l.line_no))
                    .push_bind(*key)
                    .push_bind(l.timestamp.secs())
                    .push_bind(l.sku.as_deref())
                    .push_bind(l.category.as_deref())
                    .push_bind(l.quantity)
                    .push_bind(l.unit_price.map(|m| m.raw()))
                    .push_bind(l.amount.raw())
                    .push_bind(l.cost.map(|m| m.raw()))
                    .push_bind(l.channel.as_deref())
                    .push_bind(l.is_return);
            }
        )
    }

    async fn write_events(&mut self, rows: &[Event]) -> Result<WriteCounts> {
        self.rows_written += rows.len();
        self.know(rows.iter().filter_map(|e| match &e.actor {
            Actor::Customer(c) => Some(c.as_str()),
            Actor::Anonymous(_) => None,
        }))
        .await?;
        self.saw("events", rows.iter().map(|e| e.timestamp.secs()));
        self.events_written += rows.len();
        if self.events_written >= BULK_EVENTS && !self.events_index_dropped {
            sqlx::query("DROP INDEX IF EXISTS events_by_customer")
                .execute(&mut *self.tx)
                .await?;
            self.events_index_dropped = true;
        }
        let keys = rows
            .iter()
            .map(|e| match &e.actor {
                Actor::Customer(c) => self.key_of(c).map(Some),
                Actor::Anonymous(_) => Ok(None),
            })
            .collect::<Result<Vec<_>>>()?;
        // The types seen, for checking rules against the data (a few per chunk).
        let types: std::collections::BTreeSet<&str> =
            rows.iter().map(|e| e.event_type.as_str()).collect();
        for t in types {
            sqlx::query("INSERT OR IGNORE INTO event_types (type) VALUES (?)")
                .bind(t)
                .execute(&mut *self.tx)
                .await?;
        }
        let rows: Vec<_> = rows.iter().zip(keys).collect();
        insert_facts!(
            self,
            rows,
            EVENTS,
            "INSERT INTO events (event_id, customer_key, anonymous_id, ts, type, properties) ",
            |b, row| {
                let (e, key) = row;
                let anonymous = match &e.actor {
                    Actor::Anonymous(a) => Some(a.clone()),
                    Actor::Customer(_) => None,
                };
                let properties = (!e.properties.is_empty())
                    .then(|| serde_json::to_string(&e.properties).unwrap_or_default());
                b.push_bind(e.event_id.as_str())
                    .push_bind(*key)
                    .push_bind(anonymous)
                    .push_bind(e.timestamp.secs())
                    .push_bind(e.event_type.as_str())
                    .push_bind(properties);
            }
        )
    }

    async fn write_tickets(&mut self, rows: &[Ticket]) -> Result<WriteCounts> {
        self.rows_written += rows.len();
        self.know(rows.iter().map(|t| t.customer_id.as_str()))
            .await?;
        self.saw("tickets", rows.iter().map(|t| t.opened_at.secs()));
        let keys = rows
            .iter()
            .map(|t| self.key_of(&t.customer_id))
            .collect::<Result<Vec<_>>>()?;
        let rows: Vec<_> = rows.iter().zip(keys).collect();
        insert_facts!(
            self,
            rows,
            TICKETS,
            "INSERT INTO tickets (ticket_id, customer_key, opened_at, closed_at, category, priority, escalated, sentiment, handling_minutes, text) ",
            |b, row| {
                let (t, key) = row;
                b.push_bind(t.ticket_id.as_str())
                    .push_bind(*key)
                    .push_bind(t.opened_at.secs())
                    .push_bind(t.closed_at.map(|c| c.secs()))
                    .push_bind(t.category.as_deref())
                    .push_bind(t.priority.as_deref())
                    .push_bind(t.escalated)
                    .push_bind(t.sentiment)
                    .push_bind(t.handling_minutes)
                    .push_bind(t.text.as_deref());
            }
        )
    }

    async fn write_invoices(&mut self, rows: &[Invoice]) -> Result<WriteCounts> {
        self.rows_written += rows.len();
        self.know(rows.iter().map(|i| i.customer_id.as_str()))
            .await?;
        self.saw("invoices", rows.iter().map(|i| i.issued_at.secs()));
        let keys = rows
            .iter()
            .map(|i| self.key_of(&i.customer_id))
            .collect::<Result<Vec<_>>>()?;
        let rows: Vec<_> = rows.iter().zip(keys).collect();
        insert_facts!(
            self,
            rows,
            INVOICES,
            "INSERT INTO invoices (invoice_id, customer_key, issued_at, due_at, paid_at, amount) ",
            |b, row| {
                let (i, key) = row;
                b.push_bind(i.invoice_id.as_str())
                    .push_bind(*key)
                    .push_bind(i.issued_at.secs())
                    .push_bind(i.due_at.secs())
                    .push_bind(i.paid_at.map(|p| p.secs()))
                    .push_bind(i.amount.raw());
            }
        )
    }

    async fn write_contracts(&mut self, rows: &[Contract]) -> Result<WriteCounts> {
        self.rows_written += rows.len();
        self.know(rows.iter().map(|c| c.customer_id.as_str()))
            .await?;
        self.saw("contracts", rows.iter().map(|c| c.started_at.secs()));
        let keys = rows
            .iter()
            .map(|c| self.key_of(&c.customer_id))
            .collect::<Result<Vec<_>>>()?;
        let rows: Vec<_> = rows.iter().zip(keys).collect();
        insert_facts!(
            self,
            rows,
            CONTRACTS,
            "INSERT INTO contracts (contract_id, customer_key, plan, started_at, renews_at, notice_days, \
             billing_months, recurring_value, previous_value, price_changed_at, cancelled_at, cancel_reason) ",
            |b, row| {
                let (c, key) = row;
                b.push_bind(c.contract_id.as_str())
                    .push_bind(*key)
                    .push_bind(c.plan.as_deref())
                    .push_bind(c.started_at.secs())
                    .push_bind(c.renews_at.map(|t| t.secs()))
                    .push_bind(i64::from(c.notice_days))
                    .push_bind(i64::from(c.billing_months))
                    .push_bind(c.recurring_value.raw())
                    .push_bind(c.previous_value.map(|v| v.raw()))
                    .push_bind(c.price_changed_at.map(|t| t.secs()))
                    .push_bind(c.cancelled_at.map(|t| t.secs()))
                    .push_bind(c.cancel_reason.as_deref());
            }
        )
    }

    async fn write_outcomes(&mut self, rows: &[Outcome]) -> Result<WriteCounts> {
        self.rows_written += rows.len();
        self.know(rows.iter().map(|o| o.customer_id.as_str()))
            .await?;
        let keys = rows
            .iter()
            .map(|o| self.key_of(&o.customer_id))
            .collect::<Result<Vec<_>>>()?;
        let rows: Vec<_> = rows.iter().zip(keys).collect();
        insert_facts!(
            self,
            rows,
            OUTCOMES,
            "INSERT INTO outcomes (customer_key, kind, at, label) ",
            |b, row| {
                let (o, key) = row;
                b.push_bind(*key)
                    .push_bind(o.kind.as_str())
                    .push_bind(o.at.secs())
                    .push_bind(o.label.as_deref());
            }
        )
    }

    async fn mark_live_pending(
        &mut self,
        customers: &[(CustomerId, Option<patron_core::Timestamp>)],
    ) -> Result<()> {
        for (id, since) in customers {
            // The earliest time wins; none (a customer record) only when there is no time.
            sqlx::query(
                "INSERT INTO live_pending (customer_id, since) VALUES (?1, ?2) \
                 ON CONFLICT (customer_id) DO UPDATE SET since = CASE \
                 WHEN live_pending.since IS NULL THEN excluded.since \
                 WHEN excluded.since IS NULL THEN live_pending.since \
                 ELSE MIN(live_pending.since, excluded.since) END",
            )
            .bind(id.as_str())
            .bind(since.map(|t| t.secs()))
            .execute(&mut *self.tx)
            .await?;
        }
        Ok(())
    }

    async fn corrections(&mut self) -> Result<Vec<crate::Correction>> {
        let rows = sqlx::query(
            "SELECT id, fact, natural_key, fields FROM fact_history \
             WHERE id > ? AND import_id = ? AND change = 'updated' ORDER BY id",
        )
        .bind(self.corrections_seen)
        .bind(self.import_id)
        .fetch_all(&mut *self.tx)
        .await?;
        let mut out = Vec::with_capacity(rows.len());
        for r in rows {
            self.corrections_seen = r.try_get(0)?;
            let key: String = r.try_get(2)?;
            let fields: Option<String> = r.try_get(3)?;
            out.push(crate::Correction {
                fact: r.try_get(1)?,
                key: serde_json::from_str(&key)
                    .map_err(|e| StoreError::Bulk(format!("fact history key {key}: {e}")))?,
                fields: match fields {
                    Some(f) => serde_json::from_str(&f)
                        .map_err(|e| StoreError::Bulk(format!("fact history fields {f}: {e}")))?,
                    None => Vec::new(),
                },
            });
        }
        Ok(out)
    }

    async fn delete_facts(&mut self, keys: &[FactKey]) -> Result<WriteCounts> {
        self.rows_written += keys.len();
        self.know(keys.iter().filter_map(|k| match k {
            FactKey::Outcome(customer, _, _) => Some(customer.as_str()),
            _ => None,
        }))
        .await?;
        let mut counts = WriteCounts::default();
        for key in keys {
            let (table, time, q) = match key {
                FactKey::OrderLine(order, line) => (
                    "order_lines",
                    "ts",
                    sqlx::query("DELETE FROM order_lines WHERE order_id = ? AND line_no = ?")
                        .bind(order.as_str())
                        .bind(i64::from(*line)),
                ),
                FactKey::Event(id) => (
                    "events",
                    "ts",
                    sqlx::query("DELETE FROM events WHERE event_id = ?").bind(id.as_str()),
                ),
                FactKey::Ticket(id) => (
                    "tickets",
                    "opened_at",
                    sqlx::query("DELETE FROM tickets WHERE ticket_id = ?").bind(id.as_str()),
                ),
                FactKey::Invoice(id) => (
                    "invoices",
                    "issued_at",
                    sqlx::query("DELETE FROM invoices WHERE invoice_id = ?").bind(id.as_str()),
                ),
                FactKey::Contract(id) => (
                    "contracts",
                    "started_at",
                    sqlx::query("DELETE FROM contracts WHERE contract_id = ?").bind(id.as_str()),
                ),
                FactKey::Outcome(customer, kind, at) => {
                    let Some(known) = self.customers.get(customer.as_str()) else {
                        continue;
                    };
                    (
                        "outcomes",
                        "at",
                        sqlx::query(
                            "DELETE FROM outcomes WHERE customer_key = ? AND kind = ? AND at = ?",
                        )
                        .bind(known.key)
                        .bind(kind.as_str())
                        .bind(at.secs()),
                    )
                }
            };
            let n = q.execute(&mut *self.tx).await?.rows_affected();
            counts.deleted += n;
            if n > 0 && table != "outcomes" && !self.deleted_from.contains(&(table, time)) {
                self.deleted_from.push((table, time));
            }
        }
        Ok(counts)
    }

    async fn commit(
        mut self: Box<Self>,
        sources: &[SourceRecord],
        summary: serde_json::Value,
    ) -> Result<i64> {
        sqlx::query("UPDATE imports SET summary = ? WHERE id = ?")
            .bind(summary.to_string())
            .bind(self.import_id)
            .execute(&mut *self.tx)
            .await?;
        for s in sources {
            sqlx::query(
                "INSERT INTO sources (name, entity, path, last_import, rows_new) VALUES (?, ?, ?, ?, ?)
                 ON CONFLICT (name) DO UPDATE SET entity = excluded.entity, path = excluded.path,
                 last_import = excluded.last_import, rows_new = excluded.rows_new",
            )
            .bind(&s.name)
            .bind(&s.entity)
            .bind(&s.path)
            .bind(self.import_id)
            .bind(s.rows_new as i64)
            .execute(&mut *self.tx)
            .await?;
        }
        for (fact, latest) in &self.latest {
            sqlx::query(
                "INSERT INTO fact_times (fact, latest) VALUES (?, ?)
                 ON CONFLICT (fact) DO UPDATE SET latest = MAX(latest, excluded.latest)",
            )
            .bind(*fact)
            .bind(*latest)
            .execute(&mut *self.tx)
            .await?;
        }
        if self.events_index_dropped {
            sqlx::query(EVENTS_BY_CUSTOMER)
                .execute(&mut *self.tx)
                .await?;
        }
        if self.order_lines_index_dropped {
            sqlx::query(ORDER_LINES_BY_CUSTOMER)
                .execute(&mut *self.tx)
                .await?;
        }
        sqlx::query("DELETE FROM temp.patron_import")
            .execute(&mut *self.tx)
            .await?;
        // A deleted fact may have been the latest of its table.
        for (fact, column) in self.deleted_from.clone() {
            sqlx::query(AssertSqlSafe(format!(
                "UPDATE fact_times SET latest = (SELECT MAX({column}) FROM {fact}) WHERE fact = ?1"
            )))
            .bind(fact)
            .execute(&mut *self.tx)
            .await?;
            sqlx::query("DELETE FROM fact_times WHERE latest IS NULL")
                .execute(&mut *self.tx)
                .await?;
        }
        let id = self.import_id;
        self.tx.commit().await?;
        // A large import's pages go from the write-ahead log into the database now, and the
        // log is truncated, rather than during the next command (a large import leaves
        // gigabytes of log). Reads of other connections that keep the checkpoint from
        // finishing only postpone it (SQLite reports that as a result, not an error). A small
        // write (an API request) leaves that to SQLite's automatic checkpoints: forcing one per
        // request would cost more than the request.
        if self.rows_written >= CHECKPOINT_AFTER_ROWS {
            sqlx::query("PRAGMA wal_checkpoint(TRUNCATE)")
                .execute(&self.pool)
                .await?;
        }
        Ok(id)
    }

    async fn rollback(self: Box<Self>) -> Result<()> {
        self.tx.rollback().await?;
        Ok(())
    }
}
