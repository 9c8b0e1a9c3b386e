//! What a card is computed from: one row of inputs per customer, gathered from the fact set and
//! the results of the other engines (margin, CLV, churn, rules, payment risk, offers).

use patron_core::Timestamp;
use patron_core::config::{ConsentSection, MissingConsent, ReminderConfig, ValueSection};
use patron_core::facts::Facts;
use patron_core::ids::CustomerId;
use patron_core::model::AttrValue;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

const DAY: f64 = 86_400.0;

/// A churn probability with where it came from and why.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ChurnInput {
    /// Probability of churning within the horizon.
    pub risk: f64,
    /// The model (`btyd:bgnbd`, `gbm:churn@3`, …).
    pub source: String,
    /// Top reasons in words, strongest first.
    pub reasons: Vec<String>,
}

/// A payment risk with its band and evidence.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PaymentInput {
    /// Probability of a payment default or serious delay.
    pub probability: f64,
    /// `low`, `medium` or `high`.
    pub band: String,
    /// The numbers behind it, in words.
    pub evidence: Vec<String>,
}

/// A few name → value pairs kept sorted by name (rule scores, stage levels), in a vector: a
/// map per customer costs a tree node of hundreds of bytes, and a run has millions of them.
/// Serialised as a map.
#[derive(Debug, Clone, PartialEq)]
pub struct Named<T>(Vec<(String, T)>);

impl<T> Default for Named<T> {
    fn default() -> Self {
        Named(Vec::new())
    }
}

impl<T> Named<T> {
    /// Sets `name` to `value`; returns the value it replaces.
    pub fn insert(&mut self, name: String, value: T) -> Option<T> {
        match self.0.binary_search_by(|(n, _)| n.as_str().cmp(&name)) {
            Ok(i) => Some(std::mem::replace(&mut self.0[i].1, value)),
            Err(i) => {
                self.0.insert(i, (name, value));
                None
            }
        }
    }
    /// The value of `name`.
    pub fn get(&self, name: &str) -> Option<&T> {
        self.0
            .binary_search_by(|(n, _)| n.as_str().cmp(name))
            .ok()
            .map(|i| &self.0[i].1)
    }
    /// Pairs in name order.
    pub fn iter(&self) -> impl Iterator<Item = (&String, &T)> {
        self.0.iter().map(|(n, v)| (n, v))
    }
    /// Values in name order.
    pub fn values(&self) -> impl Iterator<Item = &T> {
        self.0.iter().map(|(_, v)| v)
    }
    /// True when there are none.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
    /// Number of pairs.
    pub fn len(&self) -> usize {
        self.0.len()
    }
    /// Removes every pair.
    pub fn clear(&mut self) {
        self.0.clear();
    }
}

impl<T: Clone> Named<T> {
    /// As an ordered map.
    pub fn to_map(&self) -> BTreeMap<String, T> {
        self.0.iter().cloned().collect()
    }
}

impl<T: Serialize> Serialize for Named<T> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_map(self.iter())
    }
}

impl<'de, T: Deserialize<'de>> Deserialize<'de> for Named<T> {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let map = BTreeMap::<String, T>::deserialize(d)?;
        Ok(Named(map.into_iter().collect()))
    }
}

/// One customer's inputs.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CustomerInputs {
    /// Customer id.
    pub customer_id: CustomerId,
    /// No purchase before `as_of`.
    pub is_lead: bool,
    /// Automated profiling is allowed (consent given, or unknown and allowed by config).
    pub profiling_allowed: bool,
    /// Marketing contact is allowed (consent given, or unknown and allowed by config).
    pub marketing_allowed: bool,
    /// The further consents of `[consent.purposes]`, by name.
    #[serde(default)]
    pub purposes: BTreeMap<String, bool>,
    /// Human decisions in force (tier, status, next action).
    pub overrides: Vec<super::card::AppliedOverride>,
    /// Net revenue.
    pub revenue: f64,
    /// Contribution margin after cost-to-serve.
    pub margin: f64,
    /// Distinct orders.
    pub orders: u32,
    /// Time of the last order.
    pub last_order: Option<Timestamp>,
    /// Days from the last order to `as_of`.
    pub days_since_last_order: Option<f64>,
    /// Days from acquisition (or the first fact) to `as_of`.
    pub tenure_days: f64,
    /// Mean days between consecutive orders (two orders or more).
    pub mean_gap_days: Option<f64>,
    /// Standard deviation of the gaps (three orders or more).
    pub gap_sd_days: Option<f64>,
    /// Discounted CLV over the configured horizon.
    pub clv: Option<f64>,
    /// Expected spend per future purchase (Gamma-Gamma); with the expected purchases and the
    /// run's [`super::ClvMethod`] it explains the CLV.
    pub expected_spend: Option<f64>,
    /// Probability of being alive (BTYD).
    pub p_alive: Option<f64>,
    /// Expected purchases in the next year (BTYD).
    pub expected_purchases: Option<f64>,
    /// CLV percentile − current value percentile.
    pub potential: Option<f64>,
    /// Churn risk.
    pub churn: Option<ChurnInput>,
    /// Advocacy points (weighted referral/review/share events in the window).
    pub advocacy: f64,
    /// Advocacy events counted, by type.
    pub advocacy_events: BTreeMap<String, u32>,
    /// Net Promoter answer, if the attribute is present.
    pub nps: Option<f64>,
    /// Information-value flags that are set.
    pub flags: Vec<String>,
    /// Rule scores by name.
    pub scores: Named<f64>,
    /// Stage levels by stage.
    pub stages: Named<String>,
    /// The tier in the previous score run, if the customer had a card there.
    pub previous_tier: Option<String>,
    /// Service reminders due soon or overdue: (due time, message).
    pub reminders: Vec<(Timestamp, String)>,
    /// The headline stage's level (the first stage of the rule set).
    pub stage: Option<String>,
    /// Payment risk.
    pub payment: Option<PaymentInput>,
    /// Contracts and subscriptions.
    #[serde(default)]
    pub contract: Option<crate::contracts::ContractSection>,
    /// The next best offer (a product), if any.
    pub offer: Option<String>,
    /// RFM segment.
    pub rfm_segment: Option<String>,
    /// ABC class.
    pub abc: Option<String>,
    /// Every trigger firing of the rule set over the customer's history (a live card sends
    /// those since the previous card as webhooks).
    #[serde(default)]
    pub triggers: Vec<crate::rules::OutboxMessage>,
}

impl CustomerInputs {
    /// A customer's inputs with nothing known yet.
    pub fn new(customer_id: CustomerId) -> Self {
        CustomerInputs {
            customer_id,
            is_lead: Default::default(),
            profiling_allowed: Default::default(),
            marketing_allowed: Default::default(),
            purposes: BTreeMap::new(),
            overrides: Vec::new(),
            revenue: Default::default(),
            margin: Default::default(),
            orders: Default::default(),
            last_order: Default::default(),
            days_since_last_order: Default::default(),
            tenure_days: Default::default(),
            mean_gap_days: Default::default(),
            gap_sd_days: Default::default(),
            clv: Default::default(),
            expected_spend: Default::default(),
            p_alive: Default::default(),
            expected_purchases: Default::default(),
            potential: Default::default(),
            churn: Default::default(),
            advocacy: Default::default(),
            advocacy_events: Default::default(),
            nps: Default::default(),
            flags: Default::default(),
            scores: Default::default(),
            stages: Default::default(),
            previous_tier: Default::default(),
            reminders: Default::default(),
            stage: Default::default(),
            payment: Default::default(),
            contract: None,
            offer: Default::default(),
            rfm_segment: Default::default(),
            abc: Default::default(),
            triggers: Default::default(),
        }
    }

    /// Regularity of purchasing, 1 / (1 + coefficient of variation of the gaps).
    pub fn regularity(&self) -> Option<f64> {
        match (self.mean_gap_days, self.gap_sd_days) {
            (Some(m), Some(sd)) if m > 0.0 => Some(1.0 / (1.0 + sd / m)),
            _ => None,
        }
    }
}

/// Whether profiling is allowed for a consent flag under the policy.
pub fn profiling_allowed(flag: Option<bool>, policy: &ConsentSection) -> bool {
    flag.unwrap_or(policy.missing == MissingConsent::Allow)
}

/// Whether marketing contact is allowed for a consent flag under the policy.
pub fn marketing_allowed(flag: Option<bool>, policy: &ConsentSection) -> bool {
    flag.unwrap_or(policy.missing_marketing == MissingConsent::Allow)
}

/// A consent kept in a customer attribute: `true`/`false`, a number (0 is no), or a word
/// (`yes`/`no`, `ja`/`nein`, `y`/`n`, `j`, `x`, `1`/`0`); anything else is unknown.
pub fn attribute_consent(value: Option<&AttrValue>) -> Option<bool> {
    match value? {
        AttrValue::Bool(b) => Some(*b),
        AttrValue::Number(n) => Some(*n != 0.0),
        AttrValue::Text(t) => match t.trim().to_lowercase().as_str() {
            "true" | "yes" | "ja" | "y" | "j" | "x" | "1" | "wahr" => Some(true),
            "false" | "no" | "nein" | "n" | "0" | "falsch" => Some(false),
            _ => None,
        },
        AttrValue::Date(_) => None,
    }
}

/// Fills the fact-derived inputs (orders, gaps, tenure, advocacy, NPS, flags, consent) of every
/// customer; the other engines' results are added by the caller.
pub fn from_facts(
    facts: &Facts,
    value: &ValueSection,
    consent: &ConsentSection,
    reminders: &[ReminderConfig],
) -> Vec<CustomerInputs> {
    let reminder_codes: Vec<(u32, &ReminderConfig)> = reminders
        .iter()
        .filter_map(|r| facts.orders.categories.get(&r.category).map(|c| (c, r)))
        .collect();
    let as_of = facts.as_of.secs() as f64;
    let window_start = facts.as_of.secs() - i64::from(value.advocacy_days) * 86_400;
    let advocacy_codes: Vec<(u32, f64, &str)> = value
        .advocacy_events
        .iter()
        .filter_map(|(t, w)| facts.events.types.get(t).map(|c| (c, *w, t.as_str())))
        .collect();
    let nps = facts.customers.attributes.get(&value.nps_attribute);
    let flag_columns: Vec<(&str, &Vec<Option<AttrValue>>)> = value
        .flag_attributes
        .iter()
        .filter_map(|f| facts.customers.attributes.get(f).map(|c| (f.as_str(), c)))
        .collect();
    let mut order_times = Vec::new();
    (0..facts.customers.len())
        .map(|c| {
            let mut row = CustomerInputs::new(facts.customers.ids[c].clone());
            row.profiling_allowed =
                profiling_allowed(facts.customers.consent[c].profiling, consent);
            row.marketing_allowed =
                marketing_allowed(facts.customers.consent[c].marketing, consent);
            for (name, purpose) in &consent.purposes {
                let given = facts
                    .customers
                    .attributes
                    .get(&purpose.attribute)
                    .and_then(|column| attribute_consent(column[c].as_ref()));
                row.purposes.insert(
                    name.clone(),
                    given.unwrap_or(purpose.missing == MissingConsent::Allow),
                );
            }
            purchase_rhythm(facts, c, &mut order_times, &mut row);
            let first_fact = first_fact_time(facts, c);
            let since = facts.customers.created_at[c].secs().min(first_fact);
            row.tenure_days = ((as_of - since as f64) / DAY).max(0.0);
            for i in facts.event_range(c) {
                if facts.events.timestamp[i].secs() < window_start {
                    continue;
                }
                let code = facts.events.event_type[i];
                if let Some((_, w, name)) = advocacy_codes.iter().find(|(k, _, _)| *k == code) {
                    row.advocacy += w;
                    *row.advocacy_events.entry((*name).to_owned()).or_insert(0) += 1;
                }
            }
            row.reminders = due_reminders(facts, c, &reminder_codes);
            row.nps = nps.and_then(|col| match &col[c] {
                Some(AttrValue::Number(n)) => Some(*n),
                _ => None,
            });
            row.flags = flag_columns
                .iter()
                .filter(|(_, col)| matches!(col[c], Some(AttrValue::Bool(true))))
                .map(|(name, _)| (*name).to_owned())
                .collect();
            row
        })
        .collect()
}

fn first_fact_time(facts: &Facts, c: usize) -> i64 {
    let order = facts
        .order_range(c)
        .next()
        .map(|i| facts.orders.timestamp[i].secs());
    let event = facts
        .event_range(c)
        .next()
        .map(|i| facts.events.timestamp[i].secs());
    order.into_iter().chain(event).min().unwrap_or(i64::MAX)
}

/// Orders, last order, and the gaps between orders (one purchase a day at most, as in BTYD).
fn purchase_rhythm(facts: &Facts, c: usize, days: &mut Vec<i64>, row: &mut CustomerInputs) {
    let o = &facts.orders;
    days.clear();
    let mut orders = Vec::new();
    for i in facts.order_range(c) {
        if o.is_return[i] {
            continue;
        }
        if !orders.contains(&o.order[i]) {
            orders.push(o.order[i]);
        }
        let day = o.timestamp[i].day_number();
        if days.last() != Some(&day) {
            days.push(day);
        }
        row.last_order = Some(o.timestamp[i]);
    }
    row.orders = orders.len() as u32;
    // A subscriber is a customer, not a lead, whether or not they ever placed an order.
    row.is_lead = row.orders == 0 && facts.contracts.of_or_empty(c).is_empty();
    if let Some(last) = row.last_order {
        row.days_since_last_order = Some((facts.as_of.secs() - last.secs()) as f64 / DAY);
    }
    if days.len() >= 2 {
        let gaps: Vec<f64> = days.windows(2).map(|w| (w[1] - w[0]) as f64).collect();
        let mean = gaps.iter().sum::<f64>() / gaps.len() as f64;
        row.mean_gap_days = Some(mean);
        if gaps.len() >= 2 {
            let var =
                gaps.iter().map(|g| (g - mean).powi(2)).sum::<f64>() / (gaps.len() - 1) as f64;
            row.gap_sd_days = Some(var.sqrt());
        }
    }
}

/// The reminders of customer `c` that are due within their notice period or overdue.
fn due_reminders(
    facts: &Facts,
    c: usize,
    reminders: &[(u32, &ReminderConfig)],
) -> Vec<(Timestamp, String)> {
    let o = &facts.orders;
    let mut out = Vec::new();
    for (code, r) in reminders {
        let last = facts
            .order_range(c)
            .filter(|&i| !o.is_return[i] && o.category[i] == *code)
            .map(|i| o.timestamp[i])
            .max();
        if let Some(last) = last {
            let due = Timestamp::from_secs(last.secs() + r.after.secs());
            if due.secs() - facts.as_of.secs() <= i64::from(r.notice_days) * 86_400 {
                out.push((
                    due,
                    format!(
                        "{} (last {} purchase {})",
                        r.message,
                        r.category,
                        last.date()
                    ),
                ));
            }
        }
    }
    out
}
