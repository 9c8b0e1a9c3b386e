//! The score card of one customer: every number with its explanation.

use super::alarms::AlarmHit;
use super::value::Composite;
use patron_core::Timestamp;
use patron_core::config::ServiceLevel;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// One customer's card in a score run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Card {
    /// Customer id.
    pub customer_id: patron_core::ids::CustomerId,
    /// The run's `as_of`.
    pub as_of: Timestamp,
    /// No purchase yet.
    pub lead: bool,
    /// Automated profiling was allowed.
    pub profiling: bool,
    /// What was left out for lack of consent, in words.
    pub consent_note: Option<String>,
    /// Value score 0–100: better than this share of customers.
    #[serde(serialize_with = "super::round::opt4")]
    pub value_score: Option<f64>,
    /// The composite behind the value score, with every input's contribution.
    pub value: Option<Composite>,
    /// Tier.
    pub tier: String,
    /// Why this tier.
    pub tier_reason: String,
    /// `VIP`, `Standard`, `At Risk` (or `Lead`).
    pub status: String,
    /// Why this status.
    pub status_reason: String,
    /// Value × churn-risk quadrant (`stars`, `rescue`, `develop`, `let_go`).
    pub portfolio: Option<String>,
    /// The service level of the tier.
    pub service: Option<ServiceLevel>,
    /// Churn probability within the horizon.
    #[serde(serialize_with = "super::round::opt4")]
    pub churn_risk: Option<f64>,
    /// Where the churn risk comes from.
    pub churn_source: Option<String>,
    /// Why, strongest reason first.
    pub churn_reasons: Vec<String>,
    /// Discounted CLV.
    #[serde(serialize_with = "super::round::opt4")]
    pub clv: Option<f64>,
    /// How the CLV comes about.
    pub clv_note: Option<String>,
    /// Probability of being alive.
    #[serde(serialize_with = "super::round::opt4")]
    pub p_alive: Option<f64>,
    /// Expected purchases in the next year.
    #[serde(serialize_with = "super::round::opt4")]
    pub expected_purchases: Option<f64>,
    /// CLV percentile − current value percentile.
    #[serde(serialize_with = "super::round::opt4")]
    pub potential: Option<f64>,
    /// Net revenue so far.
    #[serde(serialize_with = "super::round::opt4")]
    pub revenue: Option<f64>,
    /// Contribution margin so far.
    #[serde(serialize_with = "super::round::opt4")]
    pub margin: Option<f64>,
    /// Distinct orders.
    pub orders: u32,
    /// Days since the last order.
    #[serde(serialize_with = "super::round::opt4")]
    pub days_since_last_order: Option<f64>,
    /// RFM segment.
    pub rfm_segment: Option<String>,
    /// ABC class.
    pub abc: Option<String>,
    /// The first stage's level (the headline stage).
    pub stage: Option<String>,
    /// Every stage's level.
    pub stages: BTreeMap<String, String>,
    /// Rule scores.
    pub scores: BTreeMap<String, f64>,
    /// Payment risk probability.
    #[serde(serialize_with = "super::round::opt4")]
    pub payment_risk: Option<f64>,
    /// Payment risk band.
    pub payment_band: Option<String>,
    /// Payment evidence.
    pub payment_evidence: Vec<String>,
    /// Alarms that hold in this run.
    pub alarms: Vec<AlarmHit>,
    /// Next best offer.
    pub offer: Option<String>,
    /// Next best action.
    pub action: Option<String>,
    /// The decision-table row that chose it.
    pub action_rule: Option<String>,
    /// Expected next purchase (last order + mean gap).
    pub next_purchase: Option<Timestamp>,
    /// Service reminders due soon or overdue: (due, what).
    pub reminders: Vec<(Timestamp, String)>,
}
