//! The single pass over each customer's facts that fills one row of the feature table.
//!
//! Customers are processed in blocks in parallel; each block owns scratch buffers (a row, and
//! "seen" stamps for products and categories), so the hot loop allocates nothing.

use super::spec::{AttrEncoding, BASE, FeatureSpec, attr_text, base_index};
use patron_core::facts::{Facts, NONE};
use patron_core::model::AttrValue;
use rayon::prelude::*;
use std::collections::HashMap;

const DAY: f64 = 86_400.0;
/// Customers per parallel block.
const BLOCK: usize = 2048;

/// Column indices of the base features, resolved once.
struct Cols {
    recency: usize,
    frequency: usize,
    monetary: usize,
    aov: usize,
    orders_90: usize,
    orders_prev: usize,
    revenue_90: usize,
    revenue_prev: usize,
    gap_mean: usize,
    gap_sd: usize,
    ratio: usize,
    tenure: usize,
    products: usize,
    categories: usize,
    returns: usize,
    margin: usize,
    events_30: usize,
    events_90: usize,
    since_event: usize,
    tickets_90: usize,
    tickets_365: usize,
    escalations: usize,
    sentiment_90: usize,
    sentiment_365: usize,
    handling: usize,
    open_tickets: usize,
    overdue: usize,
    delay: usize,
    late_share: usize,
    consent: usize,
    acquisition: usize,
}

fn col(name: &str) -> usize {
    base_index(name).unwrap_or_else(|| unreachable!("base feature {name} is in BASE"))
}

impl Cols {
    fn new() -> Cols {
        Cols {
            recency: col("recency_days"),
            frequency: col("frequency"),
            monetary: col("monetary"),
            aov: col("avg_order_value"),
            orders_90: col("orders_90d"),
            orders_prev: col("orders_prev_90d"),
            revenue_90: col("revenue_90d"),
            revenue_prev: col("revenue_prev_90d"),
            gap_mean: col("gap_mean_days"),
            gap_sd: col("gap_sd_days"),
            ratio: col("recency_gap_ratio"),
            tenure: col("tenure_days"),
            products: col("distinct_products"),
            categories: col("distinct_categories"),
            returns: col("return_share"),
            margin: col("margin_rate"),
            events_30: col("events_30d"),
            events_90: col("events_90d"),
            since_event: col("days_since_event"),
            tickets_90: col("tickets_90d"),
            tickets_365: col("tickets_365d"),
            escalations: col("escalations_365d"),
            sentiment_90: col("sentiment_90d"),
            sentiment_365: col("sentiment_365d"),
            handling: col("handling_minutes_365d"),
            open_tickets: col("open_tickets"),
            overdue: col("invoices_overdue"),
            delay: col("payment_delay_days"),
            late_share: col("late_share"),
            consent: col("consent_marketing"),
            acquisition: col("acquisition_cost"),
        }
    }
}

/// An attribute column resolved against a fact set.
enum AttrColumn<'a> {
    Missing,
    Values(
        &'a [Option<AttrValue>],
        &'a AttrEncoding,
        HashMap<&'a str, usize>,
    ),
}

/// The shared, read-only inputs of every block.
struct Context<'a> {
    facts: &'a Facts,
    t: i64,
    cols: Cols,
    /// Event type code of this fact set → slot in the spec (or `usize::MAX`).
    type_slot: Vec<usize>,
    n_types: usize,
    attrs: Vec<AttrColumn<'a>>,
    /// First column of the contract features, when the spec has them.
    contracts: Option<usize>,
}

/// Fills the column-major `data` (`width × rows.len()`) with the features of customers `rows`
/// as of `t` (seconds), using only facts strictly before `t`.
pub(crate) fn fill(facts: &Facts, spec: &FeatureSpec, t: i64, rows: &[u32], data: &mut [f64]) {
    let n = rows.len();
    let width = spec.width();
    debug_assert_eq!(data.len(), n * width);
    if n == 0 {
        return;
    }
    let types = &facts.events.types;
    let slot_of: HashMap<&str, usize> = spec
        .event_types
        .iter()
        .enumerate()
        .map(|(i, s)| (s.as_str(), i))
        .collect();
    let type_slot = (0..types.len() as u32)
        .map(|c| slot_of.get(types.name(c)).copied().unwrap_or(usize::MAX))
        .collect();
    let attrs = spec
        .attributes
        .iter()
        .map(|a| match facts.customers.attributes.get(&a.name) {
            None => AttrColumn::Missing,
            Some(values) => {
                let index = match &a.encoding {
                    AttrEncoding::Text { levels } => levels
                        .iter()
                        .enumerate()
                        .map(|(i, l)| (l.as_str(), i))
                        .collect(),
                    _ => HashMap::new(),
                };
                AttrColumn::Values(values, &a.encoding, index)
            }
        })
        .collect();
    let ctx = Context {
        facts,
        t,
        cols: Cols::new(),
        type_slot,
        n_types: spec.event_types.len(),
        contracts: spec
            .contracts
            .then(|| BASE.len() + 2 * spec.event_types.len() + spec.attributes.len()),
        attrs,
    };
    // Split every column into blocks, so that each block owns its cells of every column.
    let blocks = n.div_ceil(BLOCK);
    let mut parts: Vec<Vec<&mut [f64]>> = (0..blocks).map(|_| Vec::with_capacity(width)).collect();
    for column in data.chunks_mut(n) {
        for (b, part) in column.chunks_mut(BLOCK).enumerate() {
            parts[b].push(part);
        }
    }
    parts
        .into_par_iter()
        .enumerate()
        .for_each(|(b, mut columns)| {
            let mut scratch = Scratch::new(facts, width);
            let start = b * BLOCK;
            let len = columns[0].len();
            for r in 0..len {
                let customer = rows[start + r] as usize;
                scratch.stamp = (r + 1) as u32;
                ctx.row(customer, &mut scratch);
                for (c, column) in columns.iter_mut().enumerate() {
                    column[r] = scratch.row[c];
                }
            }
        });
}

/// Per-block buffers.
struct Scratch {
    row: Vec<f64>,
    seen_sku: Vec<u32>,
    seen_category: Vec<u32>,
    stamp: u32,
}

impl Scratch {
    fn new(facts: &Facts, width: usize) -> Scratch {
        Scratch {
            row: vec![f64::NAN; width],
            seen_sku: vec![0; facts.orders.skus.len()],
            seen_category: vec![0; facts.orders.categories.len()],
            stamp: 0,
        }
    }
}

impl Context<'_> {
    fn row(&self, i: usize, s: &mut Scratch) {
        s.row.fill(f64::NAN);
        self.orders(i, s);
        self.events(i, s);
        self.tickets(i, s);
        self.invoices(i, s);
        self.customer(i, s);
        self.contracts(i, s);
    }

    fn contracts(&self, i: usize, s: &mut Scratch) {
        let Some(start) = self.contracts else { return };
        let values = crate::contracts::features_at(self.facts.contracts.of_or_empty(i), self.t);
        let values = values.unwrap_or(crate::contracts::NO_CONTRACT);
        s.row[start..start + values.len()].copy_from_slice(&values);
    }

    fn orders(&self, i: usize, s: &mut Scratch) {
        let (f, t, c) = (self.facts, self.t, &self.cols);
        let o = &f.orders;
        let (t90, t180) = (t - 90 * 86_400, t - 180 * 86_400);
        let (mut orders, mut orders_90, mut orders_prev) = (0u32, 0u32, 0u32);
        let (mut gross, mut returned, mut rev_90, mut rev_prev) = (0.0, 0.0, 0.0, 0.0);
        let (mut cost_revenue, mut cost) = (0.0, 0.0);
        let (mut products, mut categories) = (0u32, 0u32);
        let mut last_order = NONE;
        let mut last_time: Option<i64> = None;
        // Welford over the gaps between purchases (days).
        let (mut gaps, mut gap_mean, mut gap_m2) = (0u32, 0.0f64, 0.0f64);
        for j in f.order_range(i) {
            let ts = o.timestamp[j].secs();
            if ts >= t {
                break;
            }
            let amount = o.amount[j].to_f64();
            if o.is_return[j] {
                returned += amount.abs();
                continue;
            }
            gross += amount;
            if ts >= t90 {
                rev_90 += amount;
            } else if ts >= t180 {
                rev_prev += amount;
            }
            if let Some(line_cost) = o.cost[j] {
                cost_revenue += amount;
                cost += line_cost.to_f64();
            }
            let sku = o.sku[j];
            if sku != NONE && s.seen_sku[sku as usize] != s.stamp {
                s.seen_sku[sku as usize] = s.stamp;
                products += 1;
            }
            let cat = o.category[j];
            if cat != NONE && s.seen_category[cat as usize] != s.stamp {
                s.seen_category[cat as usize] = s.stamp;
                categories += 1;
            }
            if o.order[j] != last_order {
                last_order = o.order[j];
                orders += 1;
                if ts >= t90 {
                    orders_90 += 1;
                } else if ts >= t180 {
                    orders_prev += 1;
                }
                if let Some(prev) = last_time {
                    let gap = (ts - prev) as f64 / DAY;
                    gaps += 1;
                    let delta = gap - gap_mean;
                    gap_mean += delta / f64::from(gaps);
                    gap_m2 += delta * (gap - gap_mean);
                }
                last_time = Some(ts);
            }
        }
        let r = &mut s.row;
        r[c.frequency] = f64::from(orders);
        r[c.orders_90] = f64::from(orders_90);
        r[c.orders_prev] = f64::from(orders_prev);
        r[c.revenue_90] = rev_90;
        r[c.revenue_prev] = rev_prev;
        r[c.monetary] = gross - returned;
        r[c.products] = f64::from(products);
        r[c.categories] = f64::from(categories);
        if let Some(last) = last_time {
            let recency = (t - last) as f64 / DAY;
            r[c.recency] = recency;
            r[c.aov] = gross / f64::from(orders);
            if gaps > 0 {
                r[c.gap_mean] = gap_mean;
                r[c.ratio] = recency / gap_mean.max(1.0);
            }
            if gaps > 1 {
                r[c.gap_sd] = (gap_m2 / f64::from(gaps - 1)).sqrt();
            }
        }
        if gross > 0.0 {
            r[c.returns] = returned / gross;
        }
        if cost_revenue > 0.0 {
            r[c.margin] = (cost_revenue - cost) / cost_revenue;
        }
    }

    fn events(&self, i: usize, s: &mut Scratch) {
        let (f, t, c) = (self.facts, self.t, &self.cols);
        let e = &f.events;
        let (t30, t90) = (t - 30 * 86_400, t - 90 * 86_400);
        let base = BASE.len();
        for k in 0..2 * self.n_types {
            s.row[base + k] = 0.0;
        }
        let (mut n30, mut n90) = (0u32, 0u32);
        let mut last: Option<i64> = None;
        for j in f.event_range(i) {
            let ts = e.timestamp[j].secs();
            if ts >= t {
                break;
            }
            last = Some(ts);
            if ts < t90 {
                continue;
            }
            n90 += 1;
            let slot = self.type_slot[e.event_type[j] as usize];
            if slot != usize::MAX {
                s.row[base + 2 * slot + 1] += 1.0;
            }
            if ts >= t30 {
                n30 += 1;
                if slot != usize::MAX {
                    s.row[base + 2 * slot] += 1.0;
                }
            }
        }
        s.row[c.events_30] = f64::from(n30);
        s.row[c.events_90] = f64::from(n90);
        if let Some(last) = last {
            s.row[c.since_event] = (t - last) as f64 / DAY;
        }
    }

    fn tickets(&self, i: usize, s: &mut Scratch) {
        let (f, t, c) = (self.facts, self.t, &self.cols);
        let (t90, t365) = (t - 90 * 86_400, t - 365 * 86_400);
        let (mut n90, mut n365, mut esc, mut open) = (0u32, 0u32, 0u32, 0u32);
        let (mut s90, mut k90, mut s365, mut k365) = (0.0, 0u32, 0.0, 0u32);
        let (mut minutes, mut km) = (0.0, 0u32);
        for row in f.tickets.of(i) {
            let ts = row.opened_at.secs();
            if ts >= t {
                break;
            }
            if row.closed_at.is_none_or(|c| c.secs() >= t) {
                open += 1;
            }
            if ts < t365 {
                continue;
            }
            n365 += 1;
            esc += u32::from(row.escalated);
            if let Some(m) = row.handling_minutes {
                minutes += m;
                km += 1;
            }
            // Without a sentiment of its own, a ticket's text is scored by the lexicon.
            let sentiment = row
                .sentiment
                .or_else(|| row.text.as_deref().and_then(super::sentiment::score));
            if let Some(v) = sentiment {
                s365 += v;
                k365 += 1;
            }
            if ts >= t90 {
                n90 += 1;
                if let Some(v) = sentiment {
                    s90 += v;
                    k90 += 1;
                }
            }
        }
        let r = &mut s.row;
        r[c.tickets_90] = f64::from(n90);
        r[c.tickets_365] = f64::from(n365);
        r[c.escalations] = f64::from(esc);
        r[c.open_tickets] = f64::from(open);
        if k90 > 0 {
            r[c.sentiment_90] = s90 / f64::from(k90);
        }
        if k365 > 0 {
            r[c.sentiment_365] = s365 / f64::from(k365);
        }
        if km > 0 {
            r[c.handling] = minutes / f64::from(km);
        }
    }

    fn invoices(&self, i: usize, s: &mut Scratch) {
        let (f, t, c) = (self.facts, self.t, &self.cols);
        let t365 = t - 365 * 86_400;
        let (mut overdue, mut due, mut late) = (0u32, 0u32, 0u32);
        let mut delay = 0.0;
        for row in f.invoices.of(i) {
            let ts = row.issued_at.secs();
            if ts >= t {
                break;
            }
            let paid = row.paid_at.map(|p| p.secs()).filter(|&p| p < t);
            let due_at = row.due_at.secs();
            if paid.is_none() && due_at < t {
                overdue += 1;
            }
            if ts < t365 || due_at >= t {
                continue;
            }
            due += 1;
            let days = (paid.unwrap_or(t) - due_at) as f64 / DAY;
            if days > 0.0 {
                late += 1;
                delay += days;
            }
        }
        s.row[c.overdue] = f64::from(overdue);
        if due > 0 {
            s.row[c.delay] = delay / f64::from(due);
            s.row[c.late_share] = f64::from(late) / f64::from(due);
        }
    }

    fn customer(&self, i: usize, s: &mut Scratch) {
        let (f, t, c) = (self.facts, self.t, &self.cols);
        let cu = &f.customers;
        s.row[c.tenure] = (t - cu.created_at[i].secs()) as f64 / DAY;
        if let Some(m) = cu.consent[i].marketing {
            s.row[c.consent] = f64::from(u8::from(m));
        }
        if let Some(cost) = cu.acquisition_cost[i] {
            s.row[c.acquisition] = cost.to_f64();
        }
        let start = BASE.len() + 2 * self.n_types;
        for (k, a) in self.attrs.iter().enumerate() {
            let AttrColumn::Values(values, encoding, index) = a else {
                continue;
            };
            let Some(v) = &values[i] else { continue };
            s.row[start + k] = match (encoding, v) {
                (AttrEncoding::Number, AttrValue::Number(n)) => *n,
                (AttrEncoding::Bool, AttrValue::Bool(b)) => f64::from(u8::from(*b)),
                (AttrEncoding::Date, AttrValue::Date(d)) => {
                    let day = patron_core::Timestamp::from_date(*d).secs();
                    (t - day) as f64 / DAY
                }
                (AttrEncoding::Text { levels }, v) => {
                    let code = match v {
                        AttrValue::Text(text) => index.get(text.as_str()).copied(),
                        other => index.get(attr_text(other).as_str()).copied(),
                    };
                    match code {
                        Some(code) => code as f64,
                        None if levels.last().is_some_and(|l| l == super::spec::OTHER_LEVEL) => {
                            (levels.len() - 1) as f64
                        }
                        None => f64::NAN,
                    }
                }
                _ => f64::NAN,
            };
        }
    }
}
