//! RFM: recency, frequency and monetary value per customer as of a date, their quantile scores
//! and the named segments.
//!
//! Definitions (those of the Online Retail reference): recency is the number of days from the
//! calendar day of the last purchase to the `as_of` day (≥ 1 when `as_of` is the day after the
//! last fact); frequency is the number of distinct orders with at least one non-return line;
//! monetary is the net revenue (returns subtract). Customers without a purchase before
//! `as_of` (leads) have no RFM. Scores are 1..=bins, higher is better: R is reversed so the most
//! recent customers get the top score, and F is binned on `rank(method="first")` of frequency in
//! customer-id order, as pandas users do, because frequency has too many ties for `qcut`.

pub mod quantiles;

use patron_core::config::{BinMethod, RfmSection};
use patron_core::facts::Facts;
use patron_core::{Money, Timestamp};
use quantiles::{BinError, ntile, qcut, rank_first};
use serde::Serialize;
use std::cmp::Ordering;

/// One customer's RFM.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RfmRow {
    /// Customer index in the fact set.
    #[serde(skip)]
    pub customer: u32,
    /// Days since the last purchase (calendar days).
    pub recency_days: i64,
    /// Distinct orders.
    pub frequency: u32,
    /// Net revenue.
    pub monetary: Money,
    /// Recency score (higher = more recent).
    pub r: u8,
    /// Frequency score.
    pub f: u8,
    /// Monetary score.
    pub m: u8,
    /// Index into [`RfmResult::segments`], if a segment matched.
    #[serde(skip)]
    pub segment: Option<usize>,
}

/// A segment's size and value.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SegmentSummary {
    /// Name.
    pub segment: String,
    /// Customers in it.
    pub customers: u64,
    /// Their revenue.
    pub revenue: Money,
    /// Their share of all customers' revenue.
    pub revenue_share: f64,
    /// Their share of the customers.
    pub customer_share: f64,
}

/// RFM of every purchasing customer.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RfmResult {
    /// The reference time.
    pub as_of: Timestamp,
    /// One row per customer with a purchase, in customer-index order.
    pub rows: Vec<RfmRow>,
    /// The configured segments, in rule order, with counts.
    pub segments: Vec<SegmentSummary>,
    /// Customers that matched no segment.
    pub unsegmented: u64,
}

/// Raw R, F and M of each purchasing customer.
fn raw_values(facts: &Facts) -> Vec<RfmRow> {
    let as_of_day = facts.as_of.day_number();
    let o = &facts.orders;
    let mut orders: Vec<u32> = Vec::new();
    let mut rows = Vec::new();
    for c in 0..facts.customers.len() {
        orders.clear();
        let mut monetary = Money::ZERO;
        let mut last = None;
        for i in facts.order_range(c) {
            monetary += o.amount[i];
            if !o.is_return[i] {
                orders.push(o.order[i]);
                last = Some(o.timestamp[i]);
            }
        }
        let Some(last) = last else { continue };
        orders.sort_unstable();
        orders.dedup();
        rows.push(RfmRow {
            customer: c as u32,
            recency_days: as_of_day - last.day_number(),
            frequency: orders.len() as u32,
            monetary,
            r: 0,
            f: 0,
            m: 0,
            segment: None,
        });
    }
    rows
}

/// Orders ids like numbers when both are whole numbers ("9" < "10"), else as text: the order
/// pandas users get from a numeric CustomerID column.
fn id_order(a: &str, b: &str) -> Ordering {
    match (a.parse::<u64>(), b.parse::<u64>()) {
        (Ok(x), Ok(y)) => x.cmp(&y).then_with(|| a.cmp(b)),
        _ => a.cmp(b),
    }
}

/// Computes RFM values, scores and segments for everyone with a purchase before `facts.as_of`.
pub fn rfm(facts: &Facts, settings: &RfmSection) -> Result<RfmResult, BinError> {
    let mut rows = raw_values(facts);
    let bins = usize::from(settings.bins);
    if !rows.is_empty() {
        let recency: Vec<f64> = rows.iter().map(|r| r.recency_days as f64).collect();
        let monetary: Vec<f64> = rows.iter().map(|r| r.monetary.to_f64()).collect();
        // Frequency in customer-id order, so rank(method="first") breaks ties like pandas.
        let ids = &facts.customers.ids;
        let mut by_id: Vec<usize> = (0..rows.len()).collect();
        by_id.sort_by(|&a, &b| {
            id_order(
                ids[rows[a].customer as usize].as_str(),
                ids[rows[b].customer as usize].as_str(),
            )
        });
        let frequency: Vec<f64> = by_id
            .iter()
            .map(|&i| f64::from(rows[i].frequency))
            .collect();
        let (r, f_in_id_order, m) = match settings.method {
            BinMethod::Qcut => (
                qcut(&recency, bins)?,
                qcut(&rank_first(&frequency), bins)?,
                qcut(&monetary, bins)?,
            ),
            BinMethod::Ntile => (
                ntile(&recency, bins),
                ntile(&frequency, bins),
                ntile(&monetary, bins),
            ),
        };
        for (i, row) in rows.iter_mut().enumerate() {
            row.r = settings.bins + 1 - r[i];
            row.m = m[i];
        }
        for (position, &i) in by_id.iter().enumerate() {
            rows[i].f = f_in_id_order[position];
        }
    }
    Ok(segment(facts.as_of, rows, settings))
}

fn segment(as_of: Timestamp, mut rows: Vec<RfmRow>, settings: &RfmSection) -> RfmResult {
    let mut segments: Vec<SegmentSummary> = settings
        .segments
        .iter()
        .map(|s| SegmentSummary {
            segment: s.name.clone(),
            customers: 0,
            revenue: Money::ZERO,
            revenue_share: 0.0,
            customer_share: 0.0,
        })
        .collect();
    let mut unsegmented = 0;
    let total: Money = rows.iter().map(|r| r.monetary).sum();
    for row in &mut rows {
        row.segment = settings
            .segments
            .iter()
            .position(|s| s.matches(row.r, row.f, row.m));
        match row.segment {
            Some(s) => {
                segments[s].customers += 1;
                segments[s].revenue += row.monetary;
            }
            None => unsegmented += 1,
        }
    }
    let n = rows.len().max(1) as f64;
    for s in &mut segments {
        s.customer_share = s.customers as f64 / n;
        s.revenue_share = if total == Money::ZERO {
            0.0
        } else {
            s.revenue.to_f64() / total.to_f64()
        };
    }
    RfmResult {
        as_of,
        rows,
        segments,
        unsegmented,
    }
}
