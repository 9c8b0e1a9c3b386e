//! Facts in: customers, orders, events, tickets, invoices and outcomes, up to 10,000 items a
//! request. Validated at the edge (nothing of an invalid request is stored), committed by the
//! single writer, idempotent by natural key; then each customer's live card is recomputed and
//! the answer says what changed.

use crate::auth::Caller;
use crate::error::ApiResult;
use crate::live::Outcome;
use crate::routes::{Body, Query};
use crate::state::AppState;
use axum::Json;
use axum::extract::State;
use patron_app::ingest::{
    self, CardChange, ContractItem, CustomerItem, EventItem, Facts, InvoiceItem, OrderItem,
    OutcomeItem, Stored, TicketItem,
};
use patron_store::Scope;
use serde::{Deserialize, Serialize};
use std::sync::Arc;

/// What an ingest request did.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct IngestAnswer {
    /// New facts stored.
    pub inserted: u64,
    /// Facts whose content changed: corrections, the old version kept in the fact history.
    pub updated: u64,
    /// Facts already stored exactly as sent (a replay): nothing written.
    pub unchanged: u64,
    /// Each updated fact: `fact` (table), its natural `key`, and the `fields` that changed.
    #[schema(value_type = Vec<Object>)]
    pub corrections: Vec<patron_store::Correction>,
    /// Per customer, what changed on their card: points, stage, tier, status, alarms, and the
    /// new card.
    #[schema(value_type = Vec<Object>)]
    pub changes: Vec<CardChange>,
    /// Customers without a card yet, and why (a new customer with no facts before `as_of`).
    #[schema(value_type = Vec<Object>)]
    pub not_scored: Vec<ingest::NotScored>,
    /// Why there are no live cards, when there are none (no score run yet, rules changed
    /// since the run).
    pub cards_note: Option<String>,
    /// With `cards=later`: customers whose cards are queued to be recomputed (this
    /// request's and earlier ones').
    pub cards_pending: Option<u64>,
}

/// When the answer comes.
#[derive(Debug, Clone, Copy, Default, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum CardsMode {
    /// After the customers' live cards are recomputed and stored: the answer holds them.
    #[default]
    Wait,
    /// Once the facts are committed; the cards are recomputed soon after (bulk loads).
    Later,
}

/// The query of an ingest request.
#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct IngestQuery {
    /// `wait` (default): answer with the updated cards; `later`: answer once the facts are
    /// committed and recompute the cards in the background.
    #[param(inline)]
    pub cards: Option<CardsMode>,
}

/// Stores `facts` through the writer and answers with the customers' cards: every route that
/// takes facts (the API's and the dashboard's) goes through here.
pub async fn ingest(
    state: &AppState,
    facts: Facts,
    mode: CardsMode,
) -> ApiResult<Json<IngestAnswer>> {
    let entity = facts.entity().to_string();
    let customers = facts.touched();
    let stored: Stored = state.writer.write(facts).await?;
    answer(state, &entity, customers, stored, mode).await
}

/// The answer to stored facts: counts, corrections, and the customers' cards.
async fn answer(
    state: &AppState,
    entity: &str,
    customers: ingest::Touched,
    stored: Stored,
    mode: CardsMode,
) -> ApiResult<Json<IngestAnswer>> {
    state.metrics.ingested(entity, "inserted", stored.inserted);
    state.metrics.ingested(entity, "updated", stored.updated);
    state
        .metrics
        .ingested(entity, "unchanged", stored.unchanged);
    let mut answer = IngestAnswer {
        inserted: stored.inserted,
        updated: stored.updated,
        unchanged: stored.unchanged,
        corrections: stored.corrections,
        changes: Vec::new(),
        not_scored: Vec::new(),
        cards_note: None,
        cards_pending: None,
    };
    // The facts are committed; the cards follow.
    match mode {
        CardsMode::Later => answer.cards_pending = Some(state.live.later(customers) as u64),
        CardsMode::Wait => match state.live.refresh(customers).await {
            Ok(Outcome::Cards(refreshed)) => {
                answer.changes = refreshed.changes;
                answer.not_scored = refreshed.not_scored;
            }
            Ok(Outcome::NoCards(why)) => answer.cards_note = Some(why),
            // The facts are committed: the answer says so, and why the cards are missing
            // (they are recomputed with the customer's next fact or the next run).
            Err(e) => {
                answer.cards_note = Some(format!(
                    "the facts are stored, but their cards were not recomputed ({}: {})",
                    e.code().as_str(),
                    e.message()
                ))
            }
        },
    }
    Ok(Json(answer))
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

/// `{"contracts": […]}`.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ContractsBody {
    /// Up to 10,000 contracts (new ones, or the new state of stored ones).
    pub contracts: Vec<ContractItem>,
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
        #[utoipa::path(post, path = $path, tag = "ingest", request_body = $body, params(IngestQuery),
            responses(
                (status = 200, body = IngestAnswer),
                (status = 400, description = "Malformed JSON or wrong types", body = crate::error::ErrorBody),
                (status = 413, description = "More than 10,000 items or too large a body", body = crate::error::ErrorBody),
                (status = 422, description = "Invalid items or unknown customers; nothing stored", body = crate::error::ErrorBody)),
            security(("bearer" = [])))]
        pub async fn $name(
            State(state): State<Arc<AppState>>,
            caller: Caller,
            Query(query): Query<IngestQuery>,
            Body(body): Body<$body>,
        ) -> ApiResult<Json<IngestAnswer>> {
            caller.need(Scope::Ingest)?;
            let facts = $convert(&body.$field)?;
            ingest(&state, facts, query.cards.unwrap_or_default()).await
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
    contracts,
    "/v1/contracts",
    ContractsBody,
    contracts,
    ingest::contracts,
    "contracts"
);
ingest_route!(
    outcomes,
    "/v1/outcomes",
    OutcomesBody,
    outcomes,
    ingest::outcomes,
    "outcomes"
);

/// Changes only the fields sent of a stored customer: a JSON merge patch (RFC 7396) —
/// `null` clears a field, `attributes` merge name by name. A change is a correction with the
/// old version in the fact history; the answer names the changed fields and has the new card.
#[utoipa::path(patch, path = "/v1/customers/{id}", tag = "ingest",
    params(("id" = String, Path, description = "Customer id"), IngestQuery),
    request_body(content = Object, content_type = "application/merge-patch+json",
        description = "The fields to change, as in a customer item"),
    responses(
        (status = 200, body = IngestAnswer),
        (status = 404, description = "Unknown customer", body = crate::error::ErrorBody),
        (status = 422, description = "An invalid field; nothing stored", body = crate::error::ErrorBody)),
    security(("bearer" = [])))]
pub async fn patch_customer(
    State(state): State<Arc<AppState>>,
    caller: Caller,
    crate::routes::Path(id): crate::routes::Path<String>,
    Query(query): Query<IngestQuery>,
    body: axum::body::Bytes,
) -> ApiResult<Json<IngestAnswer>> {
    caller.need(Scope::Ingest)?;
    let id = crate::routes::customers::customer_id(&id)?;
    // Any JSON content type: a merge patch is plain JSON.
    let patch: serde_json::Map<String, serde_json::Value> =
        serde_json::from_slice(&body).map_err(|e| {
            crate::error::ApiError::new(
                patron_core::code::Code::BadRequest,
                format!("the body must be a JSON object of customer fields: {e}"),
            )
        })?;
    let stored = state.writer.patch(id.clone(), patch).await?;
    let touched = [(id, None)].into();
    answer(
        &state,
        "customers",
        touched,
        stored,
        query.cards.unwrap_or_default(),
    )
    .await
}
