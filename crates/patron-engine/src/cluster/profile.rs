//! The per-customer features clusters are made of, from the facts as of a date.
//!
//! A deliberately small set, one pass over each fact table: recency (days from the last
//! purchase day to the `as_of` day), frequency (distinct orders with a purchase line),
//! monetary (net revenue, returns subtract), tenure (days since acquisition), category breadth
//! (distinct categories bought), tickets and events (counts). Only customers with at least one
//! purchase before `as_of` are profiled: leads have no recency, frequency or value to compare.

use super::describe::FeatureInfo;
use super::points::Points;
use super::standardise::Transform;
use patron_core::facts::{Facts, Grouped, NONE};

/// The features, in column order.
pub const FEATURES: [FeatureInfo; 7] = [
    FeatureInfo {
        name: "recency_days",
        unit: "days",
        transform: Transform::Identity,
        high: "lapsed",
        low: "recent buyers",
    },
    FeatureInfo {
        name: "frequency",
        unit: "orders",
        transform: Transform::Log1p,
        high: "frequent buyers",
        low: "rare buyers",
    },
    FeatureInfo {
        name: "monetary",
        unit: "currency",
        transform: Transform::Log1p,
        high: "high value",
        low: "low value",
    },
    FeatureInfo {
        name: "tenure_days",
        unit: "days",
        transform: Transform::Identity,
        high: "long-standing",
        low: "new",
    },
    FeatureInfo {
        name: "categories",
        unit: "categories",
        transform: Transform::Log1p,
        high: "broad range",
        low: "narrow range",
    },
    FeatureInfo {
        name: "tickets",
        unit: "tickets",
        transform: Transform::Log1p,
        high: "many tickets",
        low: "few tickets",
    },
    FeatureInfo {
        name: "events",
        unit: "events",
        transform: Transform::Log1p,
        high: "highly engaged",
        low: "little engagement",
    },
];

/// The feature table of the purchasing customers.
#[derive(Debug, Clone, PartialEq)]
pub struct CustomerFeatures {
    /// Customer index (in the fact set) of each row.
    pub customers: Vec<u32>,
    /// One row per profiled customer, columns as in [`FEATURES`], original units.
    pub values: Points,
    /// Customers left out because they bought nothing before `as_of`.
    pub without_purchase: usize,
}

/// The features of every customer with a purchase before `facts.as_of`.
pub fn customer_features(facts: &Facts) -> CustomerFeatures {
    let as_of_day = facts.as_of.day_number();
    let o = &facts.orders;
    let (mut orders, mut categories) = (Vec::<u32>::new(), Vec::<u32>::new());
    let mut customers = Vec::new();
    let mut values = Vec::new();
    for c in 0..facts.customers.len() {
        orders.clear();
        categories.clear();
        let mut monetary = 0i64;
        let mut last = None;
        for i in facts.order_range(c) {
            monetary = monetary.saturating_add(o.amount[i].raw());
            if !o.is_return[i] {
                orders.push(o.order[i]);
                if o.category[i] != NONE {
                    categories.push(o.category[i]);
                }
                last = Some(o.timestamp[i]);
            }
        }
        let Some(last) = last else { continue };
        orders.sort_unstable();
        orders.dedup();
        categories.sort_unstable();
        categories.dedup();
        customers.push(c as u32);
        values.extend_from_slice(&[
            (as_of_day - last.day_number()) as f64,
            orders.len() as f64,
            patron_core::Money::from_raw(monetary).to_f64(),
            (as_of_day - facts.customers.created_at[c].day_number()) as f64,
            categories.len() as f64,
            rows_of(&facts.tickets, c).len() as f64,
            events(facts, c) as f64,
        ]);
    }
    let without_purchase = facts.customers.len() - customers.len();
    CustomerFeatures {
        customers,
        values: Points::new(FEATURES.len(), values).expect("counts and money are finite"),
        without_purchase,
    }
}

/// Customer `c`'s rows of a grouped table; none when the table was left empty (hand-built
/// facts without that table).
fn rows_of<T>(table: &Grouped<T>, c: usize) -> &[T] {
    if c + 1 < table.offsets.len() {
        table.of(c)
    } else {
        &[]
    }
}

/// Customer `c`'s number of events (0 when the event table was left empty).
fn events(facts: &Facts, c: usize) -> usize {
    let o = &facts.events.offsets;
    if c + 1 < o.len() { o[c + 1] - o[c] } else { 0 }
}
