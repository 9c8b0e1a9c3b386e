//! Facts in: customers, orders, events, tickets, invoices and outcomes, up to 10,000 items a
//! request. Validated at the edge (nothing of an invalid request is stored), committed by the
//! single writer, idempotent by natural key; then each customer's live card is recomputed and
//! the answer says what changed.

use crate::auth::Caller;
use crate::error::ApiResult;
use crate::routes::Body;
use crate::state::AppState;
use axum::Json;
use axum::extract::State;
use patron_app::ingest::{
    self, CardChange, CustomerItem, EventItem, Facts, InvoiceItem, OrderItem, OutcomeItem, Stored,
    TicketItem,
};
use patron_store::Scope;
use serde::{Deserialize, Serialize};
use std::sync::Arc;
use std::time::Instant;

/// What an ingest request did.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct IngestAnswer {
    /// New facts stored.
    pub inserted: u64,
    /// Facts whose content changed: corrections, the old version kept in the fact history.
    pub updated: u64,
    /// Facts already stored exactly as sent (a replay): nothing written.
    pub unchanged: u64,
    /// Per customer, what changed on their card: points, stage, tier, status, alarms, and the
    /// new card.
    #[schema(value_type = Vec<Object>)]
    pub changes: Vec<CardChange>,
    /// Customers without a card yet, and why (a new customer with no facts before `as_of`).
    #[schema(value_type = Vec<Object>)]
    pub not_scored: Vec<(patron_core::ids::CustomerId, String)>,
    /// Why there are no live cards, when there are none (no score run yet, rules changed
    /// since the run).
    pub cards_note: Option<String>,
}

async fn ingest(state: &AppState, facts: Facts) -> ApiResult<Json<IngestAnswer>> {
    let entity = facts.entity().to_string();
    let customers = facts.customers();
    let stored: Stored = state.writer.write(facts).await?;
    state.metrics.ingested(&entity, "inserted", stored.inserted);
    state.metrics.ingested(&entity, "updated", stored.updated);
    state
        .metrics
        .ingested(&entity, "unchanged", stored.unchanged);
    let mut answer = IngestAnswer {
        inserted: stored.inserted,
        updated: stored.updated,
        unchanged: stored.unchanged,
        changes: Vec::new(),
        not_scored: Vec::new(),
        cards_note: None,
    };
    // The facts are committed; the cards follow. A scorer that cannot be prepared leaves the
    // facts stored and says why there are no cards.
    match state.scorer().await {
        Ok(Some(scorer)) => {
            let started = Instant::now();
            let as_of = state.live_as_of(&scorer);
            let refreshed =
                ingest::refresh_cards(state.store.as_ref(), &scorer, &customers, Some(as_of))
                    .await?;
            answer.changes = refreshed.changes;
            answer.not_scored = refreshed.not_scored;
            queue_messages(state, &answer.changes).await?;
            if !customers.is_empty() {
                let each = started.elapsed().as_secs_f64() / customers.len() as f64;
                for _ in 0..customers.len() {
                    state.metrics.live_card(each);
                }
            }
        }
        Ok(None) => answer.cards_note = Some("no score run yet: no live cards".into()),
        Err(e) => answer.cards_note = Some(format!("no live cards: {e}")),
    }
    Ok(Json(answer))
}

/// Puts the card changes' stage, tier and alarm messages into the webhook outbox and wakes
/// the delivery worker.
async fn queue_messages(state: &AppState, changes: &[CardChange]) -> ApiResult<()> {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64);
    let now_text = patron_core::Timestamp::from_secs(now).to_string();
    let mut messages = Vec::new();
    for change in changes {
        messages.extend(patron_app::webhooks::messages_of(change, &now_text)?);
    }
    if !messages.is_empty()
        && state
            .store
            .enqueue_webhook_messages(&messages, None, now)
            .await?
            > 0
    {
        state.deliveries_wake.notify_one();
    }
    Ok(())
}

/// `{"customers": […]}`.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CustomersBody {
    /// Up to 10,000 customers.
    pub customers: Vec<CustomerItem>,
}

/// `{"orders": […]}`: order lines.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct OrdersBody {
    /// Up to 10,000 order lines.
    pub orders: Vec<OrderItem>,
}

/// `{"events": […]}`.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct EventsBody {
    /// Up to 10,000 events.
    pub events: Vec<EventItem>,
}

/// `{"tickets": […]}`.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TicketsBody {
    /// Up to 10,000 tickets.
    pub tickets: Vec<TicketItem>,
}

/// `{"invoices": […]}`.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct InvoicesBody {
    /// Up to 10,000 invoices.
    pub invoices: Vec<InvoiceItem>,
}

/// `{"outcomes": […]}`.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct OutcomesBody {
    /// Up to 10,000 outcomes.
    pub outcomes: Vec<OutcomeItem>,
}

macro_rules! ingest_route {
    ($name:ident, $path:literal, $body:ty, $field:ident, $convert:path, $what:literal) => {
        #[doc = concat!("Stores ", $what, " (idempotent by natural key; changed content is a correction) and answers with the customers' updated cards.")]
        #[utoipa::path(post, path = $path, tag = "ingest", request_body = $body,
            responses(
                (status = 200, body = IngestAnswer),
                (status = 400, description = "Malformed JSON or wrong types", body = crate::error::ErrorBody),
                (status = 413, description = "More than 10,000 items or too large a body", body = crate::error::ErrorBody),
                (status = 422, description = "Invalid items or unknown customers; nothing stored", body = crate::error::ErrorBody)),
            security(("bearer" = [])))]
        pub async fn $name(
            State(state): State<Arc<AppState>>,
            caller: Caller,
            Body(body): Body<$body>,
        ) -> ApiResult<Json<IngestAnswer>> {
            caller.need(Scope::Ingest)?;
            let facts = $convert(&body.$field)?;
            ingest(&state, facts).await
        }
    };
}

ingest_route!(
    customers,
    "/v1/customers",
    CustomersBody,
    customers,
    ingest::customers,
    "customers"
);
ingest_route!(
    orders,
    "/v1/orders",
    OrdersBody,
    orders,
    ingest::orders,
    "order lines"
);
ingest_route!(
    events,
    "/v1/events",
    EventsBody,
    events,
    ingest::events,
    "events"
);
ingest_route!(
    tickets,
    "/v1/tickets",
    TicketsBody,
    tickets,
    ingest::tickets,
    "tickets"
);
ingest_route!(
    invoices,
    "/v1/invoices",
    InvoicesBody,
    invoices,
    ingest::invoices,
    "invoices"
);
ingest_route!(
    outcomes,
    "/v1/outcomes",
    OutcomesBody,
    outcomes,
    ingest::outcomes,
    "outcomes"
);
