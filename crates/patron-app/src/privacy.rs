//! Privacy by design: what Patron holds about a person (export), erasing them, human overrides
//! of automated decisions (GDPR Art. 22) and the audit log of administrative actions. The CLI
//! and the HTTP API call these, and every one of them leaves an audit entry.

use crate::AppError;
use crate::project::Project;
use patron_core::Timestamp;
use patron_core::ids::CustomerId;
use patron_engine::scorecard::{AppliedOverride, Card, CustomerInputs};
use patron_store::{
    AuditEntry, ErasureReport, NewAuditEntry, NewOverride, OverrideRecord, PersonalData, Store,
    StoreError,
};
use serde::Serialize;
use std::collections::HashMap;

/// The actor of a command run on this machine: `cli:USER` (`cli` when no user is known).
pub fn cli_actor() -> String {
    ["USER", "LOGNAME", "USERNAME"]
        .iter()
        .find_map(|v| std::env::var(v).ok().filter(|u| !u.is_empty()))
        .map_or_else(|| "cli".to_owned(), |user| format!("cli:{user}"))
}

/// A person's data with a readable account of how their scores were reached.
#[derive(Debug, Clone, Serialize)]
pub struct PersonExport {
    /// Every row the store holds about them.
    #[serde(flatten)]
    pub data: PersonalData,
    /// Overrides of automated decisions, in force or not.
    pub overrides: Vec<OverrideRecord>,
    /// How each score of the latest card was reached, in words.
    pub explanation: Vec<String>,
}

/// Everything Patron holds about the person `id` names, recorded in the audit log.
pub async fn export(
    store: &dyn Store,
    id: &CustomerId,
    actor: &str,
) -> Result<PersonExport, AppError> {
    let data = store
        .personal_data(id)
        .await?
        .ok_or_else(|| AppError::UnknownCustomer(format!("customer {id} is unknown")))?;
    let overrides = store.overrides(Some(id), None).await?;
    let latest: Option<Card> = data
        .cards
        .last()
        .and_then(|c| c.get("card"))
        .and_then(|c| serde_json::from_value(c.clone()).ok());
    let explanation = latest.as_ref().map(explain).unwrap_or_default();
    let rows: usize = data.tables.values().map(Vec::len).sum();
    store
        .append_audit(&NewAuditEntry {
            actor: actor.to_owned(),
            action: "export".into(),
            customer: Some(id.clone()),
            target: None,
            detail: serde_json::json!({"rows": rows, "cards": data.cards.len()}),
        })
        .await?;
    Ok(PersonExport {
        data,
        overrides,
        explanation,
    })
}

/// How a card's numbers came about, one line per score.
pub fn explain(card: &Card) -> Vec<String> {
    let mut out = Vec::new();
    let pct = |x: f64| format!("{:.0} %", x * 100.0);
    out.push(format!("Scores as of {}.", card.as_of.date()));
    if let Some(note) = &card.consent_note {
        out.push(format!("Consent: {note}."));
    }
    match (&card.value_score, &card.value) {
        (Some(score), Some(value)) => {
            let parts: Vec<String> = value
                .contributions
                .iter()
                .map(|c| format!("{} {:+.1}", c.input, c.points))
                .collect();
            out.push(format!(
                "Value score {score:.1}/100: better than {score:.0} % of customers; its composite {:.1} is made of {}.",
                value.composite,
                parts.join(", ")
            ));
        }
        _ => out.push("No value score.".into()),
    }
    out.push(format!("Tier {}: {}.", card.tier, card.tier_reason));
    out.push(format!("Status {}: {}.", card.status, card.status_reason));
    if let Some(risk) = card.churn_risk {
        let reasons = if card.churn_reasons.is_empty() {
            String::new()
        } else {
            format!("; reasons: {}", card.churn_reasons.join("; "))
        };
        out.push(format!(
            "Churn risk {} ({}){reasons}.",
            pct(risk),
            card.churn_source.as_deref().unwrap_or("model")
        ));
    }
    if let (Some(clv), Some(note)) = (card.clv, &card.clv_note) {
        out.push(format!("Customer lifetime value {clv:.2}: {note}."));
    }
    if let (Some(risk), Some(band)) = (card.payment_risk, &card.payment_band) {
        out.push(format!(
            "Payment risk {} ({band}): {}.",
            pct(risk),
            card.payment_evidence.join("; ")
        ));
    }
    for (score, points) in &card.scores {
        out.push(format!(
            "Rule score {score}: {points:.2} points (`patron explain` lists every entry)."
        ));
    }
    for alarm in &card.alarms {
        out.push(format!("Alarm {}: {}.", alarm.kind, alarm.evidence));
    }
    if let Some(action) = &card.action {
        out.push(format!(
            "Next action {action} (decision row {}).",
            card.action_rule.as_deref().unwrap_or("—")
        ));
    }
    for o in &card.overrides {
        out.push(format!(
            "{} set to {} by {} on {} (automated: {}): {}.",
            o.field,
            o.value,
            o.by,
            o.at,
            o.automated.as_deref().unwrap_or("none"),
            o.reason
        ));
    }
    out
}

/// Erases the person `id` names from every table and store file; the audit log keeps that an
/// erasure happened, by whom and how many rows, and nothing about the person.
pub async fn erase(
    store: &dyn Store,
    id: &CustomerId,
    actor: &str,
) -> Result<ErasureReport, AppError> {
    let report = store.erase_customer(id, actor).await.map_err(|e| match e {
        StoreError::UnknownCustomer(_) => {
            AppError::UnknownCustomer(format!("customer {id} is unknown"))
        }
        e => e.into(),
    })?;
    if !report.residues.is_empty() {
        return Err(AppError::Data(format!(
            "the person's rows are erased, but {} still hold(s) one of their identifiers",
            report.residues.join(", ")
        )));
    }
    Ok(report)
}

/// What an override may be set to.
fn check_override(project: &Project, field: &str, value: &str) -> Result<(), AppError> {
    let config = &project.config;
    let allowed: Vec<String> = match field {
        "tier" => config
            .tiers
            .levels
            .iter()
            .map(|t| t.name.clone())
            .chain([config.tiers.lead_tier.clone()])
            .collect(),
        "status" => ["VIP", "Standard", "At Risk", "Lead"]
            .iter()
            .map(|s| (*s).to_owned())
            .collect(),
        "action" => {
            return if value.trim().is_empty() || value.len() > 500 {
                Err(AppError::Invalid(
                    "an action override needs a text of 1 to 500 characters".into(),
                ))
            } else {
                Ok(())
            };
        }
        other => {
            return Err(AppError::Invalid(format!(
                "cannot override {other:?}: expected tier, status or action"
            )));
        }
    };
    if allowed.iter().any(|a| a == value) {
        Ok(())
    } else {
        Err(AppError::Invalid(format!(
            "{value:?} is not a {field}: expected one of {}",
            allowed.join(", ")
        )))
    }
}

/// Records a human decision replacing a customer's automated tier, status or next action
/// until removed or expired, with a reason (`set_by` is who decides); it holds across runs and
/// shows on every card with the automated value beside it.
pub async fn set_override(
    project: &Project,
    store: &dyn Store,
    o: NewOverride,
) -> Result<OverrideRecord, AppError> {
    check_override(project, &o.field, &o.value)?;
    let reason = o.reason.trim().to_owned();
    if reason.is_empty() || reason.len() > 2_000 {
        return Err(AppError::Invalid(
            "an override needs a reason of 1 to 2,000 characters".into(),
        ));
    }
    if !store.customer_exists(&o.customer_id).await? {
        return Err(AppError::UnknownCustomer(format!(
            "customer {} is unknown",
            o.customer_id
        )));
    }
    Ok(store.set_override(&NewOverride { reason, ..o }).await?)
}

/// Ends override `id`.
pub async fn remove_override(
    store: &dyn Store,
    id: i64,
    actor: &str,
) -> Result<OverrideRecord, AppError> {
    store
        .remove_override(id, actor)
        .await?
        .ok_or_else(|| AppError::NotFound(format!("no override {id} in force")))
}

/// Gives every customer the overrides in force at `as_of` (the scoring applies them).
pub async fn attach_overrides(
    store: &dyn Store,
    inputs: &mut [CustomerInputs],
    as_of: Timestamp,
) -> Result<(), AppError> {
    let records = store.overrides(None, Some(as_of)).await?;
    if records.is_empty() {
        return Ok(());
    }
    let mut by_customer: HashMap<CustomerId, Vec<AppliedOverride>> = HashMap::new();
    // Oldest first, so a later decision on the same field is applied last.
    for r in records.into_iter().rev() {
        by_customer
            .entry(r.customer_id.clone())
            .or_default()
            .push(applied(r));
    }
    for c in inputs.iter_mut() {
        if let Some(found) = by_customer.remove(&c.customer_id) {
            c.overrides = found;
        }
    }
    Ok(())
}

/// Customer `id`'s overrides in force at `as_of`.
pub async fn overrides_of(
    store: &dyn Store,
    id: &CustomerId,
    as_of: Timestamp,
) -> Result<Vec<AppliedOverride>, AppError> {
    let mut records = store.overrides(Some(id), Some(as_of)).await?;
    records.reverse();
    Ok(records.into_iter().map(applied).collect())
}

fn applied(r: OverrideRecord) -> AppliedOverride {
    AppliedOverride {
        field: r.field,
        value: r.value,
        automated: None,
        reason: r.reason,
        by: r.set_by,
        at: r.set_at,
        expires: r.expires,
    }
}

/// The audit log, newest first.
pub async fn audit(
    store: &dyn Store,
    limit: u32,
    before: Option<i64>,
) -> Result<Vec<AuditEntry>, AppError> {
    Ok(store.audit_log(limit.clamp(1, 1_000), before).await?)
}

/// Records an administrative action without personal data.
pub async fn record(
    store: &dyn Store,
    actor: &str,
    action: &str,
    target: Option<String>,
    detail: serde_json::Value,
) -> Result<(), AppError> {
    store
        .append_audit(&NewAuditEntry {
            actor: actor.to_owned(),
            action: action.to_owned(),
            customer: None,
            target,
            detail,
        })
        .await?;
    Ok(())
}
