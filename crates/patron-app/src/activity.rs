//! What a person looking at one customer wants besides the card: their cards over time and
//! their latest orders, events and tickets — what the API's history route and the dashboard's
//! customer page share.

use crate::AppError;
use crate::project::resolve_as_of;
use patron_core::Timestamp;
use patron_core::ids::CustomerId;
use patron_store::{FactOptions, Store};
use serde::Serialize;
use serde_json::Value;

/// One of a customer's cards over time.
#[derive(Debug, Clone, Serialize)]
pub struct TimelineCard {
    /// `run` (a batch run's card) or `live` (recomputed after facts arrived).
    pub source: &'static str,
    /// The run (scored against, for live cards).
    pub run_id: i64,
    /// The card's `as_of`.
    pub as_of: String,
    /// When a live card was computed (UTC); none for run cards.
    pub at: Option<String>,
    /// The card.
    pub card: Value,
}

/// Customer `id`'s cards over runs and live updates, oldest first: every run's card, then at
/// most the last `live_limit` live cards. An unknown customer is an error; a known one
/// without cards has an empty timeline.
pub async fn timeline(
    store: &dyn Store,
    id: &CustomerId,
    live_limit: u32,
) -> Result<Vec<TimelineCard>, AppError> {
    let mut entries = Vec::new();
    for (run, as_of, record) in store.card_history(id).await? {
        let card: Value = serde_json::from_str(&record.card)
            .map_err(|e| AppError::Corrupt(format!("card of {id} in run {run}: {e}")))?;
        entries.push(TimelineCard {
            source: "run",
            run_id: run,
            as_of: as_of.to_string(),
            at: None,
            card,
        });
    }
    let mut live = store.live_cards(id, live_limit).await?;
    live.reverse();
    for record in live {
        let card: Value = serde_json::from_str(&record.card)
            .map_err(|e| AppError::Corrupt(format!("live card of {id}: {e}")))?;
        let as_of = card
            .get("as_of")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_owned();
        entries.push(TimelineCard {
            source: "live",
            run_id: record.run_id,
            as_of,
            at: Some(record.at),
            card,
        });
    }
    if entries.is_empty() && !store.customer_exists(id).await? {
        return Err(AppError::UnknownCustomer(format!(
            "customer {id} is unknown"
        )));
    }
    Ok(entries)
}

/// One order, its lines summed.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RecentOrder {
    /// Order id.
    pub order_id: String,
    /// When (its first line).
    pub at: Timestamp,
    /// Net amount (returns negative).
    pub amount: f64,
    /// Lines.
    pub lines: u32,
}

/// One event.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RecentEvent {
    /// When.
    pub at: Timestamp,
    /// Its type.
    pub event_type: String,
}

/// One support ticket.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RecentTicket {
    /// Opened.
    pub opened_at: Timestamp,
    /// Closed, if it is.
    pub closed_at: Option<Timestamp>,
    /// Escalated.
    pub escalated: bool,
    /// Sentiment −1 to 1, if known.
    pub sentiment: Option<f64>,
}

/// A customer's latest facts, newest first.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Activity {
    /// Latest orders.
    pub orders: Vec<RecentOrder>,
    /// Latest events.
    pub events: Vec<RecentEvent>,
    /// Latest tickets.
    pub tickets: Vec<RecentTicket>,
}

/// Customer `id`'s latest `limit` orders, events and tickets (everything stored up to the day
/// after the last fact); none for a customer without facts.
pub async fn recent(
    store: &dyn Store,
    id: &CustomerId,
    limit: usize,
) -> Result<Activity, AppError> {
    let as_of = match resolve_as_of(store, None).await {
        Ok(t) => t,
        Err(AppError::NoFacts) => return Ok(Activity::default()),
        Err(e) => return Err(e),
    };
    let Some(facts) = store
        .load_customer_facts(id, as_of, &FactOptions::default())
        .await?
    else {
        return Ok(Activity::default());
    };
    let o = &facts.orders;
    let mut orders: Vec<RecentOrder> = Vec::new();
    for row in facts.order_range(0) {
        let order_id = o.order_ids.name(o.order[row]);
        match orders.iter_mut().find(|r| r.order_id == order_id) {
            Some(order) => {
                order.amount += o.amount[row].to_f64();
                order.lines += 1;
                order.at = order.at.min(o.timestamp[row]);
            }
            None => orders.push(RecentOrder {
                order_id: order_id.to_owned(),
                at: o.timestamp[row],
                amount: o.amount[row].to_f64(),
                lines: 1,
            }),
        }
    }
    orders.sort_by(|a, b| b.at.cmp(&a.at).then_with(|| b.order_id.cmp(&a.order_id)));
    orders.truncate(limit);
    let e = &facts.events;
    let events = facts
        .event_range(0)
        .rev()
        .take(limit)
        .map(|row| RecentEvent {
            at: e.timestamp[row],
            event_type: e.types.name(e.event_type[row]).to_owned(),
        })
        .collect();
    let mut tickets: Vec<RecentTicket> = facts
        .tickets
        .rows
        .iter()
        .map(|t| RecentTicket {
            opened_at: t.opened_at,
            closed_at: t.closed_at,
            escalated: t.escalated,
            sentiment: t.sentiment,
        })
        .collect();
    tickets.sort_by_key(|t| std::cmp::Reverse(t.opened_at));
    tickets.truncate(limit);
    Ok(Activity {
        orders,
        events,
        tickets,
    })
}
