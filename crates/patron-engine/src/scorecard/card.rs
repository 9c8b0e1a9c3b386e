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
    /// Marketing contact was allowed (offers, marketing actions and triggers need it).
    #[serde(default = "yes")]
    pub marketing: bool,
    /// The further consents of `[consent.purposes]`, by name: given (or unknown and allowed).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub purposes: BTreeMap<String, bool>,
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
    /// Contracts and subscriptions: what runs, the next notice date, the cancellation risk
    /// and the residual contract value.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub contract: Option<crate::contracts::ContractSection>,
    /// Human decisions that replace automated ones (GDPR Art. 22), with the automated value.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub overrides: Vec<AppliedOverride>,
}

fn yes() -> bool {
    true
}

/// A human decision in force on a card: what it replaced, who decided, when and why.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AppliedOverride {
    /// `tier`, `status` or `action`.
    pub field: String,
    /// The value decided.
    pub value: String,
    /// What the scoring decided (shown beside it).
    pub automated: Option<String>,
    /// Why.
    pub reason: String,
    /// Who decided.
    pub by: String,
    /// When (wall clock).
    pub at: String,
    /// When it lapses (`None`: until removed).
    pub expires: Option<Timestamp>,
}

impl Card {
    /// Applies the human decisions in force: each replaces its field and keeps the automated
    /// value beside it. The service level follows an overridden tier.
    pub fn apply_overrides(
        &mut self,
        overrides: &[AppliedOverride],
        service: &std::collections::BTreeMap<String, ServiceLevel>,
    ) {
        for o in overrides {
            let why = |automated: &str, reason: &str| {
                format!(
                    "set by {} on {}: {} (automated: {automated}, {reason})",
                    o.by, o.at, o.reason
                )
            };
            let automated = match o.field.as_str() {
                "tier" => {
                    let before = std::mem::replace(&mut self.tier, o.value.clone());
                    self.tier_reason = why(&before, &self.tier_reason);
                    self.service = service.get(&self.tier).cloned();
                    Some(before)
                }
                "status" => {
                    let before = std::mem::replace(&mut self.status, o.value.clone());
                    self.status_reason = why(&before, &self.status_reason);
                    Some(before)
                }
                "action" => {
                    self.action_rule = Some("override".into());
                    self.action.replace(o.value.clone())
                }
                _ => continue,
            };
            self.overrides.push(AppliedOverride {
                automated,
                ..o.clone()
            });
        }
    }
}
