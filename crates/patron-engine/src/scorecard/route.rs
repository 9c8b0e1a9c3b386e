//! Routing a new ticket by the customer's card: queue, deadline and why.

use super::card::Card;
use patron_core::Timestamp;
use serde::Serialize;

/// Where a new ticket goes.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Route {
    /// Customer id.
    pub customer_id: patron_core::ids::CustomerId,
    /// When the ticket was opened.
    pub opened: Timestamp,
    /// Support queue.
    pub queue: String,
    /// First response due.
    pub deadline: Timestamp,
    /// Hours to the first response.
    pub response_hours: f64,
    /// Who it escalates to.
    pub escalation: String,
    /// Extras of the tier.
    pub extras: Vec<String>,
    /// Why, in words.
    pub why: Vec<String>,
}

/// Routes a ticket opened at `opened`. An open churn alarm of a valuable customer halves the
/// response time and escalates at once.
pub fn route(card: &Card, opened: Timestamp) -> Option<Route> {
    let service = card.service.as_ref()?;
    let mut why = vec![format!(
        "tier {} → queue {}, first response within {} h",
        card.tier, service.queue, service.response_hours
    )];
    let mut hours = service.response_hours;
    let urgent = card
        .alarms
        .iter()
        .find(|a| a.kind == "valuable_at_risk" || a.kind == "rhythm_broken");
    if let Some(alarm) = urgent {
        hours /= 2.0;
        why.push(format!(
            "open alarm {} ({}): response time halved, escalate to {}",
            alarm.kind, alarm.evidence, service.escalation
        ));
    }
    if card.status == "At Risk" {
        why.push(format!("status At Risk: {}", card.status_reason));
    }
    if !card.profiling {
        why.push("no profiling consent: routed by the default tier".into());
    }
    Some(Route {
        customer_id: card.customer_id.clone(),
        opened,
        queue: service.queue.clone(),
        deadline: Timestamp::from_secs(opened.secs() + (hours * 3600.0).round() as i64),
        response_hours: hours,
        escalation: service.escalation.clone(),
        extras: service.extras.clone(),
        why,
    })
}
