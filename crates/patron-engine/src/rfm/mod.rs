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
use quantiles::{BinError, qcut_edges};
use serde::{Deserialize, Serialize};
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

/// Raw R, F and M of customer `c`, if they bought anything before `facts.as_of`.
pub fn raw_of(facts: &Facts, c: usize) -> Option<RfmRow> {
    let o = &facts.orders;
    let mut orders: Vec<u32> = Vec::new();
    let mut monetary = Money::ZERO;
    let mut last = None;
    for i in facts.order_range(c) {
        monetary += o.amount[i];
        if !o.is_return[i] {
            orders.push(o.order[i]);
            last = Some(o.timestamp[i]);
        }
    }
    let last = last?;
    orders.sort_unstable();
    orders.dedup();
    Some(RfmRow {
        customer: c as u32,
        recency_days: facts.as_of.day_number() - last.day_number(),
        frequency: orders.len() as u32,
        monetary,
        r: 0,
        f: 0,
        m: 0,
        segment: None,
    })
}

/// Raw R, F and M of each purchasing customer.
fn raw_values(facts: &Facts) -> Vec<RfmRow> {
    (0..facts.customers.len())
        .filter_map(|c| raw_of(facts, c))
        .collect()
}

/// Orders ids like numbers when both are whole numbers ("9" < "10"), else as text: the order
/// pandas users get from a numeric CustomerID column.
fn id_order(a: &str, b: &str) -> Ordering {
    match (a.parse::<u64>(), b.parse::<u64>()) {
        (Ok(x), Ok(y)) => x.cmp(&y).then_with(|| a.cmp(b)),
        _ => a.cmp(b),
    }
}

/// How one of R, F and M is binned, frozen so that a customer scored alone gets the bin the
/// population run gave them.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Binner {
    /// pandas `qcut` on the values: bin `1 + #{inner edges < v}`.
    Edges(Vec<f64>),
    /// Bins by position in (value, customer id) order (`rank(method="first")` in id order,
    /// or `ntile`): the last member of each bin but the top one. A customer is in bin
    /// `1 + #{boundaries before them}`, which is exact for the population and places a new
    /// customer where the same sort would have put them.
    Ranks(Vec<Option<(f64, String)>>),
}

impl Binner {
    /// The 1-based bin of `value` for customer `id`.
    pub fn bin(&self, value: f64, id: &str) -> u8 {
        match self {
            Binner::Edges(inner) => 1 + inner.partition_point(|e| *e < value) as u8,
            Binner::Ranks(boundaries) => {
                let after = |b: &Option<(f64, String)>| match b {
                    None => true,
                    Some((v, bid)) => value.total_cmp(v).then_with(|| id_order(id, bid)).is_gt(),
                };
                1 + boundaries.iter().filter(|b| after(b)).count() as u8
            }
        }
    }

    /// qcut edges of `values` (an error when two edges coincide).
    fn qcut(values: &[f64], bins: usize) -> Result<Binner, BinError> {
        if values.is_empty() {
            return Err(BinError::Empty);
        }
        let edges = qcut_edges(values, bins);
        if edges.windows(2).any(|w| w[0] == w[1]) {
            return Err(BinError::DuplicateEdges { edges });
        }
        Ok(Binner::Edges(edges[1..bins].to_vec()))
    }

    /// Rank boundaries of `sorted` (value, id) pairs, already in (value, id) order, where bin
    /// `k` ends at the 1-based rank `ends[k]` (0 = before everyone).
    fn ranks(sorted: &[(f64, &str)], ends: impl Iterator<Item = usize>) -> Binner {
        Binner::Ranks(
            ends.map(|end| (end >= 1).then(|| (sorted[end - 1].0, sorted[end - 1].1.to_owned())))
                .collect(),
        )
    }
}

/// The frozen RFM binning of a population: what a score run keeps to give one customer the
/// scores the batch gave them.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RfmModel {
    /// Number of bins.
    pub bins: u8,
    /// Recency (days; the bin is reversed into the score).
    pub recency: Binner,
    /// Frequency (distinct orders).
    pub frequency: Binner,
    /// Monetary (net revenue).
    pub monetary: Binner,
}

impl RfmModel {
    /// Fits the binning on raw rows (ids by customer index); `None` without any row.
    pub fn fit(
        rows: &[RfmRow],
        ids: &[patron_core::ids::CustomerId],
        settings: &RfmSection,
    ) -> Result<Option<RfmModel>, BinError> {
        if rows.is_empty() {
            return Ok(None);
        }
        let bins = usize::from(settings.bins);
        let id = |r: &RfmRow| ids[r.customer as usize].as_str();
        let sorted = |value: &dyn Fn(&RfmRow) -> f64| {
            let mut v: Vec<(f64, &str)> = rows.iter().map(|r| (value(r), id(r))).collect();
            v.sort_by(|a, b| a.0.total_cmp(&b.0).then_with(|| id_order(a.1, b.1)));
            v
        };
        let recency = |r: &RfmRow| r.recency_days as f64;
        let frequency = |r: &RfmRow| f64::from(r.frequency);
        let monetary = |r: &RfmRow| r.monetary.to_f64();
        let n = rows.len();
        let model = match settings.method {
            BinMethod::Qcut => {
                let values = |f: &dyn Fn(&RfmRow) -> f64| rows.iter().map(f).collect::<Vec<_>>();
                // F is binned on `rank(method="first")` in customer-id order, as pandas users
                // do: qcut of the ranks 1..=n, whose inner edges e put rank k above the edge
                // when k > e, i.e. after the customer at rank ⌊e⌋.
                let ranks: Vec<f64> = (1..=n).map(|k| k as f64).collect();
                let Binner::Edges(inner) = Binner::qcut(&ranks, bins)? else {
                    unreachable!("qcut gives edges")
                };
                RfmModel {
                    bins: settings.bins,
                    recency: Binner::qcut(&values(&recency), bins)?,
                    frequency: Binner::ranks(
                        &sorted(&frequency),
                        inner.iter().map(|e| e.floor() as usize),
                    ),
                    monetary: Binner::qcut(&values(&monetary), bins)?,
                }
            }
            BinMethod::Ntile => {
                // NTILE: sizes differ by at most one, the larger groups first.
                let (base, extra) = (n / bins, n % bins);
                let ends = move || {
                    (0..bins - 1).scan(0, move |end, bin| {
                        *end += base + usize::from(bin < extra);
                        Some(*end)
                    })
                };
                RfmModel {
                    bins: settings.bins,
                    recency: Binner::ranks(&sorted(&recency), ends()),
                    frequency: Binner::ranks(&sorted(&frequency), ends()),
                    monetary: Binner::ranks(&sorted(&monetary), ends()),
                }
            }
        };
        Ok(Some(model))
    }

    /// The R, F and M scores of a raw row of customer `id` (higher is better).
    pub fn score(&self, row: &RfmRow, id: &str) -> (u8, u8, u8) {
        let r = self.bins + 1 - self.recency.bin(row.recency_days as f64, id);
        let f = self.frequency.bin(f64::from(row.frequency), id);
        let m = self.monetary.bin(row.monetary.to_f64(), id);
        (r, f, m)
    }
}

/// The segment of a customer's scores: the index of the first matching rule.
pub fn segment_of(settings: &RfmSection, r: u8, f: u8, m: u8) -> Option<usize> {
    settings.segments.iter().position(|s| s.matches(r, f, m))
}

/// Computes RFM values, scores and segments for everyone with a purchase before `facts.as_of`.
/// Ties in `ntile` are broken by customer id, like F's ranks.
pub fn rfm(facts: &Facts, settings: &RfmSection) -> Result<RfmResult, BinError> {
    let mut rows = raw_values(facts);
    let ids = &facts.customers.ids;
    if let Some(model) = RfmModel::fit(&rows, ids, settings)? {
        for row in &mut rows {
            (row.r, row.f, row.m) = model.score(row, ids[row.customer as usize].as_str());
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
        row.segment = segment_of(settings, row.r, row.f, row.m);
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
