//! Loading the facts before `as_of` into the engine's columnar per-customer form.

use crate::Result;
use futures_util::TryStreamExt;
use patron_core::facts::{
    Facts, Grouped, InvoiceRow, NONE, OutcomeRow, TicketRow, offsets_from_sorted,
};
use patron_core::ids::CustomerId;
use patron_core::model::{AttrValue, Consent};
use patron_core::{Money, Timestamp};
use sqlx::{Row, SqlitePool};
use std::collections::{BTreeMap, HashMap};

/// Customers (active, i.e. not merged away) whose acquisition — `created_at`, or else their
/// first fact — is before `as_of`, with every fact before `as_of`, sorted by (customer, time).
pub(crate) async fn load_facts(pool: &SqlitePool, as_of: Timestamp) -> Result<Facts> {
    load_facts_with(pool, as_of, &crate::FactOptions::default()).await
}

/// [`load_facts`], with the event properties `options` names.
pub(crate) async fn load_facts_with(
    pool: &SqlitePool,
    as_of: Timestamp,
    options: &crate::FactOptions,
) -> Result<Facts> {
    let t = as_of.secs();
    let first_fact: HashMap<i64, i64> = sqlx::query(
        "SELECT customer_key, MIN(t) FROM (
             SELECT customer_key, MIN(ts) AS t FROM order_lines WHERE ts < ?1 GROUP BY customer_key
             UNION ALL SELECT customer_key, MIN(ts) FROM events WHERE ts < ?1 AND customer_key IS NOT NULL GROUP BY customer_key
             UNION ALL SELECT customer_key, MIN(opened_at) FROM tickets WHERE opened_at < ?1 GROUP BY customer_key
             UNION ALL SELECT customer_key, MIN(issued_at) FROM invoices WHERE issued_at < ?1 GROUP BY customer_key
         ) GROUP BY customer_key",
    )
    .bind(t)
    .fetch_all(pool)
    .await?
    .into_iter()
    .map(|r| Ok((r.try_get(0)?, r.try_get(1)?)))
    .collect::<Result<_>>()?;

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
    load_orders(pool, t, &index_of_key, &mut facts).await?;
    load_events(
        pool,
        t,
        &index_of_key,
        &options.event_properties,
        &mut facts,
    )
    .await?;
    facts.tickets = load_grouped(
        pool,
        "SELECT customer_key, opened_at, closed_at, escalated, sentiment, handling_minutes FROM tickets
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

fn intern(interner: &mut patron_core::facts::Interner, value: Option<String>) -> u32 {
    value.map_or(NONE, |v| interner.intern(&v))
}

/// The order that sorts rows by (customer, time), ties kept in the scan's natural-key order.
fn by_customer_and_time(customer: &[u32], time: &[Timestamp]) -> Vec<usize> {
    let mut perm: Vec<usize> = (0..customer.len()).collect();
    perm.sort_by_key(|&i| (customer[i], time[i]));
    perm
}

fn permute<T: Clone>(values: &mut Vec<T>, perm: &[usize]) {
    *values = perm.iter().map(|&i| values[i].clone()).collect();
}

async fn load_orders(
    pool: &SqlitePool,
    t: i64,
    index_of_key: &HashMap<i64, u32>,
    facts: &mut Facts,
) -> Result<()> {
    // Scanned in primary-key order (order id, line number) and sorted in memory: cheaper than
    // keeping a (customer, time) index up to date on every import.
    let mut rows = sqlx::query(
        "SELECT customer_key, ts, order_id, sku, category, channel, quantity, amount, cost, is_return
         FROM order_lines WHERE ts < ?",
    )
    .bind(t)
    .fetch(pool);
    let o = &mut facts.orders;
    let mut customer_of_row = Vec::new();
    while let Some(r) = rows.try_next().await? {
        let Some(&index) = index_of_key.get(&r.try_get::<i64, _>(0)?) else {
            continue;
        };
        customer_of_row.push(index);
        o.timestamp.push(Timestamp::from_secs(r.try_get(1)?));
        let order: &str = r.try_get(2)?;
        o.order.push(o.order_ids.intern(order));
        o.sku.push(intern(&mut o.skus, r.try_get(3)?));
        o.category.push(intern(&mut o.categories, r.try_get(4)?));
        o.channel.push(intern(&mut o.channels, r.try_get(5)?));
        o.quantity.push(r.try_get(6)?);
        o.amount.push(Money::from_raw(r.try_get(7)?));
        o.cost
            .push(r.try_get::<Option<i64>, _>(8)?.map(Money::from_raw));
        o.is_return.push(r.try_get(9)?);
    }
    let perm = by_customer_and_time(&customer_of_row, &o.timestamp);
    permute(&mut customer_of_row, &perm);
    permute(&mut o.timestamp, &perm);
    permute(&mut o.order, &perm);
    permute(&mut o.sku, &perm);
    permute(&mut o.category, &perm);
    permute(&mut o.channel, &perm);
    permute(&mut o.quantity, &perm);
    permute(&mut o.amount, &perm);
    permute(&mut o.cost, &perm);
    permute(&mut o.is_return, &perm);
    o.offsets = offsets_from_sorted(&customer_of_row, facts.customers.len());
    Ok(())
}

async fn load_events(
    pool: &SqlitePool,
    t: i64,
    index_of_key: &HashMap<i64, u32>,
    properties: &[String],
    facts: &mut Facts,
) -> Result<()> {
    let sql = if properties.is_empty() {
        "SELECT customer_key, ts, type FROM events WHERE ts < ? AND customer_key IS NOT NULL"
    } else {
        "SELECT customer_key, ts, type, properties FROM events WHERE ts < ? AND customer_key IS NOT NULL"
    };
    let mut rows = sqlx::query(sql).bind(t).fetch(pool);
    let e = &mut facts.events;
    let mut customer_of_row = Vec::new();
    let mut columns: Vec<Vec<u32>> = vec![Vec::new(); properties.len()];
    while let Some(r) = rows.try_next().await? {
        let Some(&index) = index_of_key.get(&r.try_get::<i64, _>(0)?) else {
            continue;
        };
        customer_of_row.push(index);
        e.timestamp.push(Timestamp::from_secs(r.try_get(1)?));
        let kind: &str = r.try_get(2)?;
        e.event_type.push(e.types.intern(kind));
        if !properties.is_empty() {
            let text: Option<&str> = r.try_get(3)?;
            let map: serde_json::Map<String, serde_json::Value> = text
                .and_then(|t| serde_json::from_str(t).ok())
                .unwrap_or_default();
            for (name, column) in properties.iter().zip(&mut columns) {
                column.push(match map.get(name) {
                    Some(serde_json::Value::String(v)) => e.property_values.intern(v),
                    Some(serde_json::Value::Null) | None => NONE,
                    Some(other) => e.property_values.intern(&other.to_string()),
                });
            }
        }
    }
    let perm = by_customer_and_time(&customer_of_row, &e.timestamp);
    permute(&mut customer_of_row, &perm);
    permute(&mut e.timestamp, &perm);
    permute(&mut e.event_type, &perm);
    for (name, mut column) in properties.iter().zip(columns) {
        permute(&mut column, &perm);
        e.properties.insert(name.clone(), column);
    }
    e.offsets = offsets_from_sorted(&customer_of_row, facts.customers.len());
    Ok(())
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
