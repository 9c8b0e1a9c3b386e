//! Alarms: conditions that need someone's attention, raised once per episode and cleared when
//! they no longer hold.
//!
//! - `valuable_at_risk`: a customer of a valuable tier whose churn risk reached the threshold;
//! - `rhythm_broken`: a valuable regular buyer whose time since the last order is far beyond
//!   their usual gap;
//! - `sleeper`: no purchase for N days by a customer who was valuable (win-back list);
//! - `lead_qualified`: a lead's stage reached one of the configured lead levels (MQL, SQL);
//! - `renewal_due`: a valuable contract whose notice date is near and whose cancellation risk
//!   reached the threshold (`[contracts]`).

/// Every alarm kind a card can carry.
pub const ALARM_KINDS: &[&str] = &[
    "valuable_at_risk",
    "rhythm_broken",
    "sleeper",
    "lead_qualified",
    "renewal_due",
];

use super::inputs::CustomerInputs;
use patron_core::config::{AlarmsSection, ContractsSection};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};

/// An alarm that holds for a customer in a run, with its evidence.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AlarmHit {
    /// Kind (`valuable_at_risk`, `rhythm_broken`, `sleeper`, `lead_qualified`).
    pub kind: String,
    /// The evidence, in words.
    pub evidence: String,
}

/// What the alarm conditions look at besides the inputs.
#[derive(Debug, Clone, Copy)]
pub struct AlarmContext<'a> {
    /// The customer is in a valuable tier (see [`AlarmsSection::valuable_percentile`] for the
    /// other way to count as valuable).
    pub valuable: bool,
    /// Churn risk as shown on the card (after consent).
    pub churn_risk: Option<f64>,
    /// Revenue percentile in the population.
    pub revenue_percentile: Option<f64>,
    /// The settings.
    pub settings: &'a AlarmsSection,
    /// The contract settings (renewal lead time, risk threshold).
    pub contracts: &'a ContractsSection,
}

/// The alarms that hold for one customer.
pub fn alarms(c: &CustomerInputs, ctx: AlarmContext<'_>) -> Vec<AlarmHit> {
    let s = ctx.settings;
    let valuable = ctx.valuable
        || ctx
            .revenue_percentile
            .is_some_and(|p| p >= s.valuable_percentile);
    let mut out = Vec::new();
    if valuable && let Some(risk) = ctx.churn_risk.filter(|r| *r >= s.churn_risk) {
        let reasons = c
            .churn
            .as_ref()
            .map(|ch| {
                ch.reasons
                    .iter()
                    .take(3)
                    .cloned()
                    .collect::<Vec<_>>()
                    .join("; ")
            })
            .unwrap_or_default();
        out.push(AlarmHit {
            kind: "valuable_at_risk".into(),
            evidence: format!(
                "churn risk {:.0} % (threshold {:.0} %){}",
                risk * 100.0,
                s.churn_risk * 100.0,
                if reasons.is_empty() {
                    String::new()
                } else {
                    format!(": {reasons}")
                }
            ),
        });
    }
    if valuable
        && c.orders >= s.rhythm_min_orders
        && let (Some(since), Some(mean)) = (c.days_since_last_order, c.mean_gap_days)
    {
        let sd = c.gap_sd_days.unwrap_or(0.0);
        let limit = (s.rhythm_factor * mean).max(mean + 2.0 * sd);
        if since > limit {
            out.push(AlarmHit {
                kind: "rhythm_broken".into(),
                evidence: format!(
                    "no order for {since:.0} days; usually every {mean:.0} days (± {sd:.0}), alarm beyond {limit:.0}"
                ),
            });
        }
    }
    if let (Some(since), Some(p)) = (c.days_since_last_order, ctx.revenue_percentile)
        && since >= f64::from(s.sleeper_days)
        && p >= s.valuable_percentile
    {
        out.push(AlarmHit {
            kind: "sleeper".into(),
            evidence: format!(
                "no purchase for {since:.0} days; revenue {:.0} was better than {:.0} % of customers",
                c.revenue,
                p * 100.0
            ),
        });
    }
    let reached: Vec<String> = if !c.is_lead {
        Vec::new()
    } else {
        c.stages
            .iter()
            .filter(|(_, level)| s.lead_levels.contains(level))
            .map(|(stage, level)| format!("{stage} = {level}"))
            .collect()
    };
    if !reached.is_empty() {
        out.push(AlarmHit {
            kind: "lead_qualified".into(),
            evidence: format!("reached {}", reached.join(", ")),
        });
    }
    if let Some(evidence) = renewal_due(c, ctx.contracts) {
        out.push(AlarmHit {
            kind: "renewal_due".into(),
            evidence,
        });
    }
    out
}

/// The evidence of `renewal_due`: the running contracts whose notice date is within the lead
/// time, worth at least `valuable_monthly` a month, at a cancellation risk of `alarm_risk` or
/// more — the nearest first.
fn renewal_due(c: &CustomerInputs, s: &ContractsSection) -> Option<String> {
    let section = c.contract.as_ref()?;
    let due: Vec<String> = section
        .running
        .iter()
        .filter_map(|k| {
            let risk = k.cancellation_risk?;
            let monthly = k.recurring_value / f64::from(k.billing_months.max(1));
            let days = k.days_to_notice;
            (days >= 0
                && days <= i64::from(s.renewal_lead_days)
                && risk >= s.alarm_risk
                && monthly >= s.valuable_monthly)
                .then(|| {
                    format!(
                        "contract {}{} worth {monthly:.2} a month: notice date {} in {days} days, cancellation risk {:.0} % (threshold {:.0} %){}",
                        k.contract_id,
                        k.plan.as_deref().map_or(String::new(), |p| format!(" ({p})")),
                        k.notice_by.date(),
                        risk * 100.0,
                        s.alarm_risk * 100.0,
                        k.residual_value
                            .map_or(String::new(), |v| format!(", residual value {v:.2}"))
                    )
                })
        })
        .collect();
    (!due.is_empty()).then(|| due.join("; "))
}

/// An alarm episode that is open in the store.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct OpenAlarm {
    /// Customer id.
    pub customer_id: String,
    /// Kind.
    pub kind: String,
}

/// What a run does to the alarm episodes.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct AlarmChanges {
    /// New episodes: (customer, kind, evidence).
    pub raised: Vec<(String, String, String)>,
    /// Open episodes that still hold (not raised again).
    pub continuing: Vec<OpenAlarm>,
    /// Open episodes that no longer hold.
    pub cleared: Vec<OpenAlarm>,
}

/// Compares the alarms of a run with the open episodes: a hit without an open episode raises a
/// new one, an open episode without a hit is cleared, the rest continue.
pub fn reconcile<'a>(
    open: &[OpenAlarm],
    hits: impl IntoIterator<Item = (&'a str, &'a AlarmHit)>,
) -> AlarmChanges {
    let open_set: BTreeSet<(&str, &str)> = open
        .iter()
        .map(|o| (o.customer_id.as_str(), o.kind.as_str()))
        .collect();
    let mut seen: BTreeMap<(&str, &str), ()> = BTreeMap::new();
    let mut changes = AlarmChanges::default();
    for (customer, hit) in hits {
        let key = (customer, hit.kind.as_str());
        if seen.insert(key, ()).is_some() {
            continue;
        }
        if open_set.contains(&key) {
            changes.continuing.push(OpenAlarm {
                customer_id: customer.to_owned(),
                kind: hit.kind.clone(),
            });
        } else {
            changes
                .raised
                .push((customer.to_owned(), hit.kind.clone(), hit.evidence.clone()));
        }
    }
    for o in open {
        if !seen.contains_key(&(o.customer_id.as_str(), o.kind.as_str())) {
            changes.cleared.push(o.clone());
        }
    }
    changes
}
