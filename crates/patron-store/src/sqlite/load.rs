//! Loading the facts before `as_of` into the engine's columnar per-customer form.

use super::bulk;
use crate::Result;
use patron_core::facts::{
    Facts, Grouped, InvoiceRow, NONE, OutcomeRow, TicketRow, offsets_from_sorted,
};
use patron_core::ids::CustomerId;
use patron_core::model::{AttrValue, Consent};
use patron_core::{Money, Timestamp};
use sqlx::{Row, SqlitePool};
use std::collections::{BTreeMap, HashMap};
use std::path::Path;

/// Customers (active, i.e. not merged away) whose acquisition — `created_at`, or else their
/// first fact — is before `as_of`, with every fact before `as_of`, sorted by (customer, time).
pub(crate) async fn load_facts(pool: &SqlitePool, path: &Path, as_of: Timestamp) -> Result<Facts> {
    load_facts_with(pool, path, as_of, &crate::FactOptions::default()).await
}

/// [`load_facts`], with the event properties `options` names.
pub(crate) async fn load_facts_with(
    pool: &SqlitePool,
    path: &Path,
    as_of: Timestamp,
    options: &crate::FactOptions,
) -> Result<Facts> {
    let t = as_of.secs();
    // The two big tables are scanned at once, on their own connections and threads.
    let (orders, events) = {
        let path = path.to_owned();
        let properties = options.event_properties.clone();
        tokio::task::spawn_blocking(move || {
            std::thread::scope(|s| {
                let orders = s.spawn(|| bulk::read_orders(&path, t));
                let events = bulk::read_events(&path, t, &properties);
                (orders.join(), events)
            })
        })
        .await
        .map_err(|e| crate::StoreError::Bulk(e.to_string()))?
    };
    let orders = orders
        .map_err(|_| crate::StoreError::Bulk("the order reader panicked".into()))?
        .map_err(|e| crate::StoreError::Bulk(e.to_string()))?;
    let events = events.map_err(|e| crate::StoreError::Bulk(e.to_string()))?;

    // A customer is acquired at `created_at` or at their first fact, whichever is earlier.
    let mut first_fact: HashMap<i64, i64> = sqlx::query(
        "SELECT customer_key, MIN(t) FROM (
             SELECT customer_key, MIN(opened_at) AS t FROM tickets WHERE opened_at < ?1 GROUP BY customer_key
             UNION ALL SELECT customer_key, MIN(issued_at) FROM invoices WHERE issued_at < ?1 GROUP BY customer_key
         ) GROUP BY customer_key",
    )
    .bind(t)
    .fetch_all(pool)
    .await?
    .into_iter()
    .map(|r| Ok((r.try_get(0)?, r.try_get(1)?)))
    .collect::<Result<_>>()?;
    for (key, ts) in orders
        .key
        .iter()
        .zip(&orders.ts)
        .chain(events.key.iter().zip(&events.ts))
    {
        first_fact
            .entry(*key)
            .and_modify(|v| *v = (*v).min(ts.secs()))
            .or_insert(ts.secs());
    }

    let mut facts = Facts {
        as_of,
        ..Default::default()
    };
    let mut index_of_key: HashMap<i64, u32> = HashMap::new();
    let customer_rows = sqlx::query(
        "SELECT key, id, created_at, consent_marketing, consent_profiling, is_stub, acquisition_cost, attributes
         FROM customers WHERE merged_into IS NULL ORDER BY key",
    )
    .fetch_all(pool)
    .await?;
    let mut attributes: Vec<BTreeMap<String, AttrValue>> = Vec::new();
    for r in customer_rows {
        let key: i64 = r.try_get(0)?;
        let created: Option<i64> = r.try_get(2)?;
        let first = first_fact.get(&key).copied();
        let acquired = match (created, first) {
            (Some(c), Some(f)) => c.min(f),
            (c, f) => match c.or(f) {
                Some(v) => v,
                None => continue,
            },
        };
        if acquired >= t {
            continue;
        }
        let c = &mut facts.customers;
        index_of_key.insert(key, c.ids.len() as u32);
        let id: String = r.try_get(1)?;
        c.ids
            .push(CustomerId::parse(&id).map_err(|e| sqlx::Error::Decode(Box::new(e)))?);
        c.created_at.push(Timestamp::from_secs(acquired));
        c.consent.push(Consent {
            marketing: r.try_get(3)?,
            profiling: r.try_get(4)?,
        });
        c.is_stub.push(r.try_get(5)?);
        c.acquisition_cost
            .push(r.try_get::<Option<i64>, _>(6)?.map(Money::from_raw));
        attributes.push(serde_json::from_str(&r.try_get::<String, _>(7)?).unwrap_or_default());
    }
    let n = facts.customers.len();
    for (i, attrs) in attributes.into_iter().enumerate() {
        for (name, value) in attrs {
            facts
                .customers
                .attributes
                .entry(name)
                .or_insert_with(|| vec![None; n])[i] = Some(value);
        }
    }
    put_orders(orders, &index_of_key, &mut facts);
    put_events(events, &index_of_key, &options.event_properties, &mut facts);
    facts.tickets = load_grouped(
        pool,
        "SELECT customer_key, opened_at, closed_at, escalated, sentiment, handling_minutes, text FROM tickets
         WHERE opened_at < ?1 ORDER BY customer_key, opened_at, ticket_id",
        t,
        &index_of_key,
        n,
        |r| {
            Ok(TicketRow {
                opened_at: Timestamp::from_secs(r.try_get(1)?),
                closed_at: r.try_get::<Option<i64>, _>(2)?.filter(|c| *c < t).map(Timestamp::from_secs),
                escalated: r.try_get(3)?,
                sentiment: r.try_get(4)?,
                handling_minutes: r.try_get(5)?,
                text: r.try_get(6)?,
            })
        },
    )
    .await?;
    facts.invoices = load_grouped(
        pool,
        "SELECT customer_key, issued_at, due_at, paid_at, amount FROM invoices
         WHERE issued_at < ?1 ORDER BY customer_key, issued_at, invoice_id",
        t,
        &index_of_key,
        n,
        |r| {
            Ok(InvoiceRow {
                issued_at: Timestamp::from_secs(r.try_get(1)?),
                due_at: Timestamp::from_secs(r.try_get(2)?),
                paid_at: r
                    .try_get::<Option<i64>, _>(3)?
                    .filter(|p| *p < t)
                    .map(Timestamp::from_secs),
                amount: Money::from_raw(r.try_get(4)?),
            })
        },
    )
    .await?;
    facts.outcomes = load_grouped(
        pool,
        "SELECT customer_key, at, kind, label FROM outcomes WHERE at < ?1 ORDER BY customer_key, at, kind",
        t,
        &index_of_key,
        n,
        |r| {
            Ok(OutcomeRow {
                at: Timestamp::from_secs(r.try_get(1)?),
                kind: r.try_get(2)?,
                label: r.try_get(3)?,
            })
        },
    )
    .await?;
    Ok(facts)
}

fn customer_of_rows(keys: &[i64], index_of_key: &HashMap<i64, u32>) -> Vec<u32> {
    keys.iter()
        .map(|k| index_of_key.get(k).copied().unwrap_or(NONE))
        .collect()
}

/// The order lines, sorted by (customer, time), into the fact set.
fn put_orders(raw: bulk::RawOrders, index_of_key: &HashMap<i64, u32>, facts: &mut Facts) {
    let customers = customer_of_rows(&raw.key, index_of_key);
    let (perm, offsets) = bulk::by_customer_and_time(&customers, &raw.ts, facts.customers.len());
    let o = &mut facts.orders;
    o.timestamp = bulk::gather(&raw.ts, &perm);
    o.order = bulk::gather(&raw.order, &perm);
    o.sku = bulk::gather(&raw.sku, &perm);
    o.category = bulk::gather(&raw.category, &perm);
    o.channel = bulk::gather(&raw.channel, &perm);
    o.quantity = bulk::gather(&raw.quantity, &perm);
    o.amount = perm
        .iter()
        .map(|&i| Money::from_raw(raw.amount[i as usize]))
        .collect();
    o.cost = perm
        .iter()
        .map(|&i| raw.cost[i as usize].map(Money::from_raw))
        .collect();
    o.is_return = bulk::gather(&raw.is_return, &perm);
    o.offsets = offsets;
    o.order_ids = raw.order_ids;
    o.skus = raw.skus;
    o.categories = raw.categories;
    o.channels = raw.channels;
}

/// The events, sorted by (customer, time), into the fact set.
fn put_events(
    raw: bulk::RawEvents,
    index_of_key: &HashMap<i64, u32>,
    properties: &[String],
    facts: &mut Facts,
) {
    let customers = customer_of_rows(&raw.key, index_of_key);
    let (perm, offsets) = bulk::by_customer_and_time(&customers, &raw.ts, facts.customers.len());
    let e = &mut facts.events;
    e.timestamp = bulk::gather(&raw.ts, &perm);
    e.event_type = bulk::gather(&raw.event_type, &perm);
    for (name, column) in properties.iter().zip(&raw.properties) {
        e.properties
            .insert(name.clone(), bulk::gather(column, &perm));
    }
    e.offsets = offsets;
    e.types = raw.types;
    e.property_values = raw.property_values;
}

async fn load_grouped<T>(
    pool: &SqlitePool,
    sql: &'static str,
    t: i64,
    index_of_key: &HashMap<i64, u32>,
    n: usize,
    read: impl Fn(&sqlx::sqlite::SqliteRow) -> Result<T>,
) -> Result<Grouped<T>> {
    let rows = sqlx::query(sql).bind(t).fetch_all(pool).await?;
    let mut customer_of_row = Vec::with_capacity(rows.len());
    let mut out = Vec::with_capacity(rows.len());
    for r in &rows {
        let Some(&index) = index_of_key.get(&r.try_get::<i64, _>(0)?) else {
            continue;
        };
        customer_of_row.push(index);
        out.push(read(r)?);
    }
    Ok(Grouped {
        offsets: offsets_from_sorted(&customer_of_row, n),
        rows: out,
    })
}
