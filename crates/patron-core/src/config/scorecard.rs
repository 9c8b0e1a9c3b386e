//! The score card settings: composite value, tiers, status, service matrix, alarms, next best
//! actions, named segments and the consent policy (`[value]`, `[tiers]`, `[status]`,
//! `[service.TIER]`, `[alarms]`, `[[actions]]`, `[segments.NAME]`, `[consent]`).
//!
//! Every section has defaults that make sense for a shop or a B2B company, so a project
//! without any of them still gets a complete card.

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// One input of a value dimension and its weight within the dimension.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WeightedInput {
    /// The input: `clv`, `margin`, `revenue`, `advocacy`, `nps`, `flags`, `tenure`, `frequency`,
    /// `regularity`, `p_alive`, or `score.NAME` for a rule score.
    pub input: String,
    /// Relative weight within the dimension (default 1).
    #[serde(default = "one")]
    pub weight: f64,
}

fn one() -> f64 {
    1.0
}

fn input(name: &str, weight: f64) -> WeightedInput {
    WeightedInput {
        input: name.into(),
        weight,
    }
}

/// `[value]`: the composite value score 0–100 from three dimensions.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ValueSection {
    /// Weight of the monetary dimension (default 0.5).
    #[serde(default = "default_monetary_weight")]
    pub monetary_weight: f64,
    /// Weight of the strategic dimension (default 0.2).
    #[serde(default = "default_strategic_weight")]
    pub strategic_weight: f64,
    /// Weight of the behavioural dimension (default 0.3).
    #[serde(default = "default_behavioural_weight")]
    pub behavioural_weight: f64,
    /// Monetary inputs (default CLV 0.5, margin 0.3, revenue 0.2).
    #[serde(default = "default_monetary")]
    pub monetary: Vec<WeightedInput>,
    /// Strategic inputs (default advocacy 0.6, NPS 0.2, flags 0.2; absent ones are skipped).
    #[serde(default = "default_strategic")]
    pub strategic: Vec<WeightedInput>,
    /// Behavioural inputs (default tenure, frequency, regularity, P(alive) and every rule score
    /// of category "behaviour").
    #[serde(default = "default_behavioural")]
    pub behavioural: Vec<WeightedInput>,
    /// Advocacy: points per event type within the last `advocacy_days` days.
    #[serde(default = "default_advocacy_events")]
    pub advocacy_events: BTreeMap<String, f64>,
    /// Window of advocacy events in days (default 365).
    #[serde(default = "default_advocacy_days")]
    pub advocacy_days: u32,
    /// Numeric attribute holding a Net Promoter answer (0–10), if any (default `nps`).
    #[serde(default = "default_nps_attribute")]
    pub nps_attribute: String,
    /// Boolean attributes that mark information value (reference customer, pilot, feedback).
    #[serde(default = "default_flags")]
    pub flag_attributes: Vec<String>,
}

fn default_monetary_weight() -> f64 {
    0.5
}
fn default_strategic_weight() -> f64 {
    0.2
}
fn default_behavioural_weight() -> f64 {
    0.3
}
fn default_monetary() -> Vec<WeightedInput> {
    vec![
        input("clv", 0.5),
        input("margin", 0.3),
        input("revenue", 0.2),
    ]
}
fn default_strategic() -> Vec<WeightedInput> {
    vec![
        input("advocacy", 0.6),
        input("nps", 0.2),
        input("flags", 0.2),
    ]
}
fn default_behavioural() -> Vec<WeightedInput> {
    vec![
        input("tenure", 0.25),
        input("frequency", 0.25),
        input("regularity", 0.2),
        input("p_alive", 0.2),
        input("score.*", 0.1),
    ]
}
fn default_advocacy_events() -> BTreeMap<String, f64> {
    [
        ("referral", 5.0),
        ("review", 3.0),
        ("share", 2.0),
        ("social_like", 0.5),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v))
    .collect()
}
fn default_advocacy_days() -> u32 {
    365
}
fn default_nps_attribute() -> String {
    "nps".into()
}
fn default_flags() -> Vec<String> {
    vec![
        "reference_customer".into(),
        "pilot".into(),
        "feedback_panel".into(),
    ]
}

impl Default for ValueSection {
    fn default() -> Self {
        ValueSection {
            monetary_weight: default_monetary_weight(),
            strategic_weight: default_strategic_weight(),
            behavioural_weight: default_behavioural_weight(),
            monetary: default_monetary(),
            strategic: default_strategic(),
            behavioural: default_behavioural(),
            advocacy_events: default_advocacy_events(),
            advocacy_days: default_advocacy_days(),
            nps_attribute: default_nps_attribute(),
            flag_attributes: default_flags(),
        }
    }
}

/// One tier: the share of buying customers it holds, from the top.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TierConfig {
    /// Name (`VIP`, `Premium`, …).
    pub name: String,
    /// Share of customers, e.g. 0.10 for the top 10 %.
    pub share: f64,
}

/// `[tiers]`: tiers from the top, by value score.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TiersSection {
    /// Tiers from the best down; shares add up to 1 (default VIP 10 %, Premium 20 %,
    /// Standard 60 %, Basic 10 %).
    #[serde(default = "default_tiers")]
    pub levels: Vec<TierConfig>,
    /// The tier of customers without purchases (leads), outside the shares (default `Lead`).
    #[serde(default = "default_lead_tier")]
    pub lead_tier: String,
}

fn tier(name: &str, share: f64) -> TierConfig {
    TierConfig {
        name: name.into(),
        share,
    }
}
fn default_tiers() -> Vec<TierConfig> {
    vec![
        tier("VIP", 0.10),
        tier("Premium", 0.20),
        tier("Standard", 0.60),
        tier("Basic", 0.10),
    ]
}
fn default_lead_tier() -> String {
    "Lead".into()
}

impl Default for TiersSection {
    fn default() -> Self {
        TiersSection {
            levels: default_tiers(),
            lead_tier: default_lead_tier(),
        }
    }
}

/// `[status]`: VIP / Standard / At Risk, and the value × risk portfolio.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StatusSection {
    /// Churn risk at or above which a customer is "At Risk" (default 0.7).
    #[serde(default = "default_at_risk")]
    pub at_risk: f64,
    /// Tiers whose customers count as high value (default VIP and Premium).
    #[serde(default = "default_valuable_tiers")]
    pub valuable_tiers: Vec<String>,
}

fn default_at_risk() -> f64 {
    // With churn as "no purchase within 180 days", infrequent buyers sit near 0.5 by nature;
    // 0.7 marks the customers whose risk is clearly high.
    0.7
}
fn default_valuable_tiers() -> Vec<String> {
    vec!["VIP".into(), "Premium".into()]
}

impl Default for StatusSection {
    fn default() -> Self {
        StatusSection {
            at_risk: default_at_risk(),
            valuable_tiers: default_valuable_tiers(),
        }
    }
}

/// One row of the service matrix.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ServiceLevel {
    /// Support queue.
    pub queue: String,
    /// First response within this many hours.
    pub response_hours: f64,
    /// Who a ticket escalates to.
    pub escalation: String,
    /// Extras of the tier.
    #[serde(default)]
    pub extras: Vec<String>,
}

fn level(queue: &str, hours: f64, escalation: &str, extras: &[&str]) -> ServiceLevel {
    ServiceLevel {
        queue: queue.into(),
        response_hours: hours,
        escalation: escalation.into(),
        extras: extras.iter().map(|e| (*e).to_owned()).collect(),
    }
}

/// The default service matrix, keyed by tier.
pub fn default_service() -> BTreeMap<String, ServiceLevel> {
    [
        (
            "VIP",
            level(
                "key-accounts",
                2.0,
                "key account manager",
                &["personal adviser", "free express shipping", "early access"],
            ),
        ),
        (
            "Premium",
            level(
                "priority",
                8.0,
                "team lead",
                &["free shipping", "extended returns"],
            ),
        ),
        ("Standard", level("standard", 24.0, "second level", &[])),
        ("Basic", level("self-service", 72.0, "second level", &[])),
        ("Lead", level("sales", 24.0, "sales team lead", &[])),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v))
    .collect()
}

/// `[alarms]`.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AlarmsSection {
    /// A valuable customer whose churn risk is at or above this raises an alarm (default 0.7).
    #[serde(default = "default_at_risk")]
    pub churn_risk: f64,
    /// The purchase rhythm breaks when the days since the last order exceed this multiple of
    /// the customer's mean gap (default 2.5) and the mean gap plus two standard deviations.
    #[serde(default = "default_rhythm_factor")]
    pub rhythm_factor: f64,
    /// Orders needed before a rhythm is judged (default 4).
    #[serde(default = "default_rhythm_orders")]
    pub rhythm_min_orders: u32,
    /// Days without a purchase that make a sleeper (default 365).
    #[serde(default = "default_sleeper_days")]
    pub sleeper_days: u32,
    /// A customer counts as valuable for alarms when in a valuable tier, or when their revenue
    /// so far is better than this share of customers (default 0.7: the top 30 %) — so a
    /// valuable customer whose value has started to fall is still watched. Sleepers must
    /// reach it to be on the win-back list.
    #[serde(default = "default_sleeper_percentile")]
    pub valuable_percentile: f64,
    /// Stage levels that raise a "lead qualified" alarm, by stage (default: MQL and SQL of any
    /// stage that has them).
    #[serde(default = "default_lead_levels")]
    pub lead_levels: Vec<String>,
}

fn default_rhythm_factor() -> f64 {
    2.5
}
fn default_rhythm_orders() -> u32 {
    4
}
fn default_sleeper_days() -> u32 {
    365
}
fn default_sleeper_percentile() -> f64 {
    0.7
}
fn default_lead_levels() -> Vec<String> {
    vec!["MQL".into(), "SQL".into()]
}

impl Default for AlarmsSection {
    fn default() -> Self {
        AlarmsSection {
            churn_risk: default_at_risk(),
            rhythm_factor: default_rhythm_factor(),
            rhythm_min_orders: default_rhythm_orders(),
            sleeper_days: default_sleeper_days(),
            valuable_percentile: default_sleeper_percentile(),
            lead_levels: default_lead_levels(),
        }
    }
}

/// One row of the next-best-action decision table: the first row whose condition holds wins.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ActionRule {
    /// A name shown as the reason.
    pub name: String,
    /// A condition over card fields, e.g. `status == "At Risk" && tier == "VIP"`.
    pub when: String,
    /// The action; `{offer}` is replaced by the next best offer.
    pub action: String,
    /// `marketing` (default: offered only with marketing consent), `service`, or a purpose of
    /// `[consent.purposes]` (offered only with that consent).
    #[serde(default)]
    pub purpose: Purpose,
}

/// What an action is for, and so which consent it needs.
#[derive(Debug, Clone, PartialEq, Eq, Default, Deserialize, serde::Serialize)]
#[serde(from = "String", into = "String")]
pub enum Purpose {
    /// Selling or advertising: needs marketing consent.
    #[default]
    Marketing,
    /// Looking after the customer (care, support, collections): no marketing consent needed.
    Service,
    /// A purpose of `[consent.purposes.NAME]`: needs that consent.
    Other(String),
}

impl From<String> for Purpose {
    fn from(name: String) -> Self {
        match name.as_str() {
            "marketing" => Purpose::Marketing,
            "service" => Purpose::Service,
            _ => Purpose::Other(name),
        }
    }
}

impl From<Purpose> for String {
    fn from(p: Purpose) -> Self {
        match p {
            Purpose::Marketing => "marketing".into(),
            Purpose::Service => "service".into(),
            Purpose::Other(name) => name,
        }
    }
}

/// `[consent.purposes.NAME]`: a further consent (phone calls, newsletters, data sharing with
/// partners) read from a customer attribute, which `[[actions]]` rows of that purpose need.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PurposeConsent {
    /// The customer attribute holding the consent (`true`/`false`, `yes`/`no`, `ja`/`nein`,
    /// `1`/`0`).
    pub attribute: String,
    /// Unknown consent: `deny` (default: an opt-in) or `allow`.
    #[serde(default = "deny")]
    pub missing: MissingConsent,
    /// What it is for, in words.
    #[serde(default)]
    pub description: String,
}

fn deny() -> MissingConsent {
    MissingConsent::Deny
}

fn action(name: &str, when: &str, what: &str) -> ActionRule {
    ActionRule {
        name: name.into(),
        when: when.into(),
        action: what.into(),
        purpose: Purpose::Marketing,
    }
}

fn service(name: &str, when: &str, what: &str) -> ActionRule {
    ActionRule {
        purpose: Purpose::Service,
        ..action(name, when, what)
    }
}

/// The default decision table.
pub fn default_actions() -> Vec<ActionRule> {
    vec![
        service(
            "VIP at risk",
            r#"alarm.valuable_at_risk && tier == "VIP""#,
            "senior adviser call",
        ),
        action(
            "valuable at risk",
            "alarm.valuable_at_risk || alarm.rhythm_broken",
            "retention call with a personal offer",
        ),
        action("sleeper", "alarm.sleeper", "win-back offer"),
        action(
            "renewal due",
            "alarm.renewal_due",
            "renewal offer before the notice date",
        ),
        action("sales qualified", r#"lead && level("SQL")"#, "sales call"),
        action(
            "marketing qualified",
            r#"lead && level("MQL")"#,
            "nurture: sales development call",
        ),
        action(
            "upsell potential",
            r#"has(offer) && potential >= 0.3"#,
            "upsell: {offer}",
        ),
        service(
            "payment risk",
            r#"payment_band == "high""#,
            "prepayment only, reminder call",
        ),
        service(
            "VIP care",
            r#"tier == "VIP""#,
            "VIP care: personal thank-you",
        ),
        action("cross-sell", "has(offer)", "cross-sell: {offer}"),
        action("lead", "lead", "nurture campaign"),
        action("default", "true", "newsletter"),
        // Reached only without marketing consent: marketing rows are skipped then.
        service(
            "no marketing consent",
            "true",
            "service contact only (no marketing consent)",
        ),
    ]
}

/// `[segments.NAME]`: a named filter over card fields.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SegmentConfig {
    /// The condition, in the same language as `patron export --where`.
    #[serde(rename = "where")]
    pub condition: String,
    /// A description.
    #[serde(default)]
    pub description: String,
}

/// What a customer's consent flag means when it is missing.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MissingConsent {
    /// Treat an unknown profiling consent as given (data sets without the field).
    #[default]
    Allow,
    /// Treat it as refused.
    Deny,
}

/// `[consent]`: GDPR profiling.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ConsentSection {
    /// Scores computed for customers who refused profiling, out of `value`, `clv`, `churn`,
    /// `payment_risk`, `rules`, `rfm`, `margin`, `action`, `offer`, `reminders` (default
    /// `rfm`, `margin`).
    #[serde(default = "default_allowed")]
    pub allowed_without_consent: Vec<String>,
    /// Unknown profiling consent: `allow` (default) or `deny`.
    #[serde(default)]
    pub missing: MissingConsent,
    /// Unknown marketing consent: `allow` (default) or `deny` (double opt-in markets).
    #[serde(default)]
    pub missing_marketing: MissingConsent,
    /// `[consent.purposes.NAME]`: further consents, by name.
    #[serde(default)]
    pub purposes: BTreeMap<String, PurposeConsent>,
}

/// The scores a card can hold that count as profiling.
pub const PROFILING_SCORES: &[&str] = &[
    "value",
    "clv",
    "churn",
    "payment_risk",
    "rules",
    "rfm",
    "margin",
    "action",
    "offer",
    "reminders",
];

fn default_allowed() -> Vec<String> {
    vec!["rfm".into(), "margin".into()]
}

impl Default for ConsentSection {
    fn default() -> Self {
        ConsentSection {
            allowed_without_consent: default_allowed(),
            missing: MissingConsent::Allow,
            missing_marketing: MissingConsent::Allow,
            purposes: BTreeMap::new(),
        }
    }
}

/// `[churn]`: how the card gets its churn risk.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ChurnSection {
    /// Days without a purchase after `as_of` that count as churn (default 180).
    #[serde(default = "default_churn_horizon")]
    pub horizon_days: u32,
}

fn default_churn_horizon() -> u32 {
    180
}

impl Default for ChurnSection {
    fn default() -> Self {
        ChurnSection {
            horizon_days: default_churn_horizon(),
        }
    }
}

/// `[[reminders]]`: a service reminder due some time after the last purchase in a category
/// (shoe care after a year, a filter change after six months).
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReminderConfig {
    /// Product category the reminder follows.
    pub category: String,
    /// Time after the last purchase in the category when it is due.
    pub after: super::Duration,
    /// What to remind of.
    pub message: String,
    /// Shown when due within this many days, or overdue (default 30).
    #[serde(default = "default_reminder_notice")]
    pub notice_days: u32,
}

fn default_reminder_notice() -> u32 {
    30
}
