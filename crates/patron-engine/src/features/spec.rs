//! Which features a table has: the fixed behavioural features, one pair of window counts per
//! event type, and the customer attributes, each with a name, a description and a reason group.

use patron_core::facts::Facts;
use patron_core::model::AttrValue;
use serde::{Deserialize, Serialize};
use std::collections::HashMap;

/// The level that stands for rare attribute values (as in [`crate::ml::encoding`]).
pub use crate::ml::encoding::OTHER_LEVEL;

/// Most levels a text attribute keeps; rarer values become [`OTHER_LEVEL`].
pub const MAX_LEVELS: usize = 64;

/// What a feature column holds.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum FeatureKind {
    /// A number (`NaN` when unknown).
    Numeric,
    /// Level codes `0..levels.len()` of a text attribute (`NaN` when missing).
    Categorical {
        /// The levels, sorted ([`OTHER_LEVEL`] last when rare values were lumped).
        levels: Vec<String>,
    },
}

/// One feature column.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FeatureInfo {
    /// Stable name (`orders_90d`, `event_page_view_30d`, `attr_industry`).
    pub name: String,
    /// What it means, for people.
    pub description: String,
    /// Features whose contributions are explained together by one sentence
    /// (`orders_90d` and `orders_prev_90d` form `orders_trend`).
    pub group: String,
    /// Numeric or categorical.
    #[serde(flatten)]
    pub kind: FeatureKind,
}

/// The fixed behavioural features: (name, group, description). Their order is the column order.
pub const BASE: &[(&str, &str, &str)] = &[
    ("recency_days", "recency", "days since the last purchase"),
    ("frequency", "frequency", "purchases so far"),
    ("monetary", "monetary", "net revenue so far"),
    (
        "avg_order_value",
        "order_value",
        "mean revenue of a purchase",
    ),
    (
        "orders_90d",
        "orders_trend",
        "purchases in the last 90 days",
    ),
    (
        "orders_prev_90d",
        "orders_trend",
        "purchases in the 90 days before those",
    ),
    (
        "revenue_90d",
        "revenue_trend",
        "revenue in the last 90 days",
    ),
    (
        "revenue_prev_90d",
        "revenue_trend",
        "revenue in the 90 days before those",
    ),
    ("gap_mean_days", "recency", "mean days between purchases"),
    (
        "gap_sd_days",
        "regularity",
        "standard deviation of the days between purchases",
    ),
    (
        "recency_gap_ratio",
        "recency",
        "days since the last purchase ÷ mean days between purchases",
    ),
    (
        "tenure_days",
        "tenure",
        "days since the customer was acquired",
    ),
    ("distinct_products", "breadth", "distinct products bought"),
    (
        "distinct_categories",
        "breadth",
        "distinct categories bought",
    ),
    ("return_share", "returns", "share of revenue returned"),
    (
        "margin_rate",
        "margin",
        "gross margin rate of the purchases with a known cost",
    ),
    (
        "events_30d",
        "engagement",
        "interactions in the last 30 days",
    ),
    (
        "events_90d",
        "engagement",
        "interactions in the last 90 days",
    ),
    (
        "days_since_event",
        "engagement",
        "days since the last interaction",
    ),
    (
        "tickets_90d",
        "tickets",
        "support tickets in the last 90 days",
    ),
    (
        "tickets_365d",
        "tickets",
        "support tickets in the last 365 days",
    ),
    (
        "escalations_365d",
        "escalations",
        "escalated tickets in the last 365 days",
    ),
    (
        "sentiment_90d",
        "sentiment",
        "mean ticket sentiment in the last 90 days (−1 … 1)",
    ),
    (
        "sentiment_365d",
        "sentiment",
        "mean ticket sentiment in the last 365 days (−1 … 1)",
    ),
    (
        "handling_minutes_365d",
        "handling",
        "mean handling minutes of tickets in the last 365 days",
    ),
    ("open_tickets", "tickets", "tickets not closed yet"),
    (
        "invoices_overdue",
        "payment",
        "invoices past due and unpaid",
    ),
    (
        "payment_delay_days",
        "payment",
        "mean days invoices of the last 365 days were paid late",
    ),
    (
        "late_share",
        "payment",
        "share of the last 365 days' invoices paid late",
    ),
    (
        "consent_marketing",
        "consent",
        "agreed to marketing (1) or not (0)",
    ),
    (
        "acquisition_cost",
        "acquisition",
        "what acquiring the customer cost",
    ),
];

/// Column of a base feature by name (compile-time list, so a typo is a test failure).
pub fn base_index(name: &str) -> Option<usize> {
    BASE.iter().position(|(n, _, _)| *n == name)
}

/// How an attribute becomes a column.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AttrEncoding {
    /// A number as is.
    Number,
    /// `true` = 1, `false` = 0.
    Bool,
    /// Days from the date to `as_of`.
    Date,
    /// Level codes of the text value.
    Text {
        /// Levels kept (sorted, [`OTHER_LEVEL`] last if lumped).
        levels: Vec<String>,
    },
}

/// An attribute used as a feature.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AttrSpec {
    /// Attribute name.
    pub name: String,
    /// How it is encoded.
    pub encoding: AttrEncoding,
}

/// The column layout of a feature table: fixed at training and reused for prediction, so a
/// model sees the same columns whatever the fact set at hand contains.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FeatureSpec {
    /// Event types with a 30-day and a 90-day count each (sorted).
    pub event_types: Vec<String>,
    /// Attributes (sorted by name).
    pub attributes: Vec<AttrSpec>,
    /// The contract features ([`crate::contracts::FEATURES`]) follow the attributes: the
    /// fact set has contracts. Absent in specs made before contracts existed.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub contracts: bool,
}

impl FeatureSpec {
    /// The layout for a fact set: every event type, and every attribute that carries
    /// information (identifier-like text and constant attributes are left out).
    pub fn infer(facts: &Facts) -> FeatureSpec {
        let types = &facts.events.types;
        let mut event_types: Vec<String> = (0..types.len() as u32)
            .map(|c| types.name(c).to_owned())
            .collect();
        event_types.sort();
        let attributes = facts
            .customers
            .attributes
            .iter()
            .filter_map(|(name, values)| {
                infer_attr(values).map(|encoding| AttrSpec {
                    name: name.clone(),
                    encoding,
                })
            })
            .collect();
        FeatureSpec {
            event_types,
            attributes,
            contracts: !facts.contracts.rows.is_empty(),
        }
    }

    /// Every column, in order.
    pub fn features(&self) -> Vec<FeatureInfo> {
        let mut out: Vec<FeatureInfo> = BASE
            .iter()
            .map(|(name, group, description)| FeatureInfo {
                name: (*name).to_owned(),
                description: (*description).to_owned(),
                group: (*group).to_owned(),
                kind: FeatureKind::Numeric,
            })
            .collect();
        for t in &self.event_types {
            for days in [30, 90] {
                out.push(FeatureInfo {
                    name: format!("event_{t}_{days}d"),
                    description: format!("`{t}` interactions in the last {days} days"),
                    group: format!("event_{t}"),
                    kind: FeatureKind::Numeric,
                });
            }
        }
        for a in &self.attributes {
            let (description, kind) = match &a.encoding {
                AttrEncoding::Text { levels } => (
                    format!("attribute `{}`", a.name),
                    FeatureKind::Categorical {
                        levels: levels.clone(),
                    },
                ),
                AttrEncoding::Date => (
                    format!("days since the date in attribute `{}`", a.name),
                    FeatureKind::Numeric,
                ),
                _ => (format!("attribute `{}`", a.name), FeatureKind::Numeric),
            };
            out.push(FeatureInfo {
                name: format!("attr_{}", a.name),
                description,
                group: format!("attr_{}", a.name),
                kind,
            });
        }
        if self.contracts {
            for (name, group, description) in crate::contracts::FEATURES {
                out.push(FeatureInfo {
                    name: name.to_owned(),
                    description: description.to_owned(),
                    group: group.to_owned(),
                    kind: FeatureKind::Numeric,
                });
            }
        }
        out
    }

    /// Number of columns.
    pub fn width(&self) -> usize {
        BASE.len()
            + 2 * self.event_types.len()
            + self.attributes.len()
            + if self.contracts {
                crate::contracts::FEATURES.len()
            } else {
                0
            }
    }
}

/// The encoding of an attribute column, or `None` when it carries no information.
fn infer_attr(values: &[Option<AttrValue>]) -> Option<AttrEncoding> {
    let present: Vec<&AttrValue> = values.iter().flatten().collect();
    if present.is_empty() {
        return None;
    }
    let all = |f: fn(&AttrValue) -> bool| present.iter().all(|v| f(v));
    if all(|v| matches!(v, AttrValue::Number(_))) {
        return Some(AttrEncoding::Number);
    }
    if all(|v| matches!(v, AttrValue::Bool(_))) {
        return Some(AttrEncoding::Bool);
    }
    if all(|v| matches!(v, AttrValue::Date(_))) {
        return Some(AttrEncoding::Date);
    }
    let mut counts: HashMap<String, usize> = HashMap::new();
    for v in &present {
        *counts.entry(attr_text(v)).or_default() += 1;
    }
    let missing = values.len() - present.len();
    if counts.len() == 1 && missing == 0 {
        return None;
    }
    if counts.len() > MAX_LEVELS && counts.len() * 2 > present.len() {
        return None;
    }
    let mut by_count: Vec<(String, usize)> = counts.into_iter().collect();
    by_count.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    let lumped = by_count.len() > MAX_LEVELS;
    by_count.truncate(MAX_LEVELS);
    let mut levels: Vec<String> = by_count.into_iter().map(|(l, _)| l).collect();
    levels.sort();
    if lumped {
        levels.push(OTHER_LEVEL.to_owned());
    }
    Some(AttrEncoding::Text { levels })
}

/// An attribute value as text (for levels).
pub fn attr_text(v: &AttrValue) -> String {
    match v {
        AttrValue::Text(s) => s.clone(),
        AttrValue::Number(n) => n.to_string(),
        AttrValue::Bool(b) => b.to_string(),
        AttrValue::Date(d) => d.to_string(),
    }
}
