//! Cards and customers: the current card, its history, the points ledger, the cards matching a
//! condition with keyset paging, and a new ticket's route.

use crate::auth::Caller;
use crate::error::{ApiError, ApiResult};
use crate::routes::Body;
use crate::routes::{Path, Query};
use crate::state::AppState;
use axum::Json;
use axum::extract::State;
use axum::response::IntoResponse;
use patron_app::AppError;
use patron_core::Timestamp;
use patron_core::code::Code;
use patron_core::ids::CustomerId;
use patron_engine::scorecard::Card;
use patron_store::Scope;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::sync::Arc;

/// A customer id from the path, parsed at the edge.
pub fn customer_id(raw: &str) -> Result<CustomerId, ApiError> {
    CustomerId::parse(raw)
        .map_err(|e| ApiError::new(Code::InvalidArgument, format!("customer id {raw:?}: {e}")))
}

/// A card as the API answers it: the card's fields, and where it comes from.
fn card_json(card: &Card, source: &str, run: i64) -> Value {
    let mut value = serde_json::to_value(card).unwrap_or_default();
    if let Value::Object(map) = &mut value {
        map.insert("card_source".into(), source.into());
        map.insert("run_id".into(), run.into());
    }
    value
}

/// The customer's current card: value score and percentile, tier, status, service level,
/// churn risk with reasons, CLV, P(alive), stage and points, payment risk, open alarms, next
/// action and next purchase. Their live card when facts arrived since the latest run, else
/// their card in that run.
#[utoipa::path(get, path = "/v1/customers/{id}", tag = "customers",
    params(("id" = String, Path, description = "Customer id")),
    responses(
        (status = 200, description = "The card (fields of the score card, plus card_source and run_id)", body = Object),
        (status = 404, description = "Unknown customer or no run yet", body = crate::error::ErrorBody)),
    security(("bearer" = [])))]
pub async fn card(
    State(state): State<Arc<AppState>>,
    caller: Caller,
    Path(id): Path<String>,
) -> ApiResult<axum::response::Response> {
    caller.need(Scope::Read)?;
    let id = customer_id(&id)?;
    // One read of the store, and the card's JSON answered as stored (never parsed): this is
    // the request a phone system makes at every call.
    let current = state
        .store
        .current_card(&id)
        .await?
        .ok_or_else(|| AppError::NoRun("no score run yet: run `patron score` first".into()))?;
    let Some(card) = current.card else {
        return Err(AppError::UnknownCustomer(format!(
            "customer {id} has no card in score run {}",
            current.run_id
        ))
        .into());
    };
    let source = if current.live { "live" } else { "run" };
    let body = match card.strip_prefix('{') {
        Some(rest) if rest.trim_start().starts_with('}') => {
            format!(
                "{{\"card_source\":\"{source}\",\"run_id\":{}}}",
                current.run_id
            )
        }
        Some(rest) => format!(
            "{{\"card_source\":\"{source}\",\"run_id\":{},{rest}",
            current.run_id
        ),
        None => {
            return Err(AppError::Corrupt(format!("the card of {id} is not a JSON object")).into());
        }
    };
    Ok((
        [(axum::http::header::CONTENT_TYPE, "application/json")],
        body,
    )
        .into_response())
}

/// One entry of a customer's history.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct HistoryEntry {
    /// `run` (a batch run's card) or `live` (recomputed after facts arrived).
    pub source: String,
    /// The run (scored against, for live cards).
    pub run_id: i64,
    /// The card's `as_of`.
    pub as_of: String,
    /// When a live card was computed (UTC); none for run cards.
    pub at: Option<String>,
    /// The card.
    #[schema(value_type = Object)]
    pub card: Value,
}

/// The customer's cards over runs and live updates, oldest first (at most the last 1,000 live
/// updates).
#[utoipa::path(get, path = "/v1/customers/{id}/history", tag = "customers",
    params(("id" = String, Path, description = "Customer id")),
    responses((status = 200, body = [HistoryEntry]), (status = 404, body = crate::error::ErrorBody)),
    security(("bearer" = [])))]
pub async fn history(
    State(state): State<Arc<AppState>>,
    caller: Caller,
    Path(id): Path<String>,
) -> ApiResult<Json<Vec<HistoryEntry>>> {
    caller.need(Scope::Read)?;
    let id = customer_id(&id)?;
    let entries = patron_app::activity::timeline(state.store.as_ref(), &id, 1000)
        .await?
        .into_iter()
        .map(|t| HistoryEntry {
            source: t.source.to_owned(),
            run_id: t.run_id,
            as_of: t.as_of,
            at: t.at,
            card: t.card,
        })
        .collect();
    Ok(Json(entries))
}

/// `as_of` of an explanation.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
pub struct ExplainQuery {
    /// Explain as of this date or time (default: the day after the last fact).
    pub as_of: Option<String>,
}

/// The customer's rule points, ledger entry by entry, from their own facts.
#[utoipa::path(get, path = "/v1/customers/{id}/explain", tag = "customers",
    params(("id" = String, Path, description = "Customer id"), ExplainQuery),
    responses((status = 200, body = Object), (status = 404, body = crate::error::ErrorBody)),
    security(("bearer" = [])))]
pub async fn explain(
    State(state): State<Arc<AppState>>,
    caller: Caller,
    Path(id): Path<String>,
    Query(query): Query<ExplainQuery>,
) -> ApiResult<Json<Value>> {
    caller.need(Scope::Read)?;
    let id = customer_id(&id)?;
    let as_of = query.as_of.as_deref().map(parse_time).transpose()?;
    let explained =
        patron_app::explain::explain(&state.project, state.store.as_ref(), &id, as_of).await?;
    Ok(Json(serde_json::to_value(explained).unwrap_or_default()))
}

/// Parses a date or time given in a query or body.
pub fn parse_time(raw: &str) -> Result<Timestamp, ApiError> {
    Timestamp::parse_flexible(raw).map_err(|e| {
        ApiError::new(
            Code::InvalidArgument,
            format!("{raw:?}: {e}; expected 2026-06-30 or 2026-06-30T10:42:00Z"),
        )
    })
}

/// The cards matching a condition.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
pub struct ListQuery {
    /// A card condition, e.g. `tier = "A" and churn_risk > 0.3` (the `--where` language).
    #[serde(rename = "where")]
    pub condition: Option<String>,
    /// `customer_id` (default, ascending), or `value_score`, `churn_risk`, `clv` (descending).
    pub sort: Option<String>,
    /// Cards per page, 1–1,000 (default 100).
    pub limit: Option<u32>,
    /// The `next_cursor` of the previous page.
    pub cursor: Option<String>,
}

/// A page of cards.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct CardPage {
    /// The run the cards are from.
    pub run_id: i64,
    /// The cards, in the order asked for.
    #[schema(value_type = Vec<Object>)]
    pub cards: Vec<Value>,
    /// Give this as `cursor` for the next page; none on the last page.
    pub next_cursor: Option<String>,
}

/// The latest run's cards matching a condition, sorted, with keyset paging (the cursor names
/// the last card of the page, so pages stay consistent while nothing is inserted before it).
#[utoipa::path(get, path = "/v1/customers", tag = "customers", params(ListQuery),
    responses((status = 200, body = CardPage), (status = 400, body = crate::error::ErrorBody)),
    security(("bearer" = [])))]
pub async fn list(
    State(state): State<Arc<AppState>>,
    caller: Caller,
    Query(query): Query<ListQuery>,
) -> ApiResult<Json<CardPage>> {
    caller.need(Scope::Read)?;
    let limit = query.limit.unwrap_or(100);
    if !(1..=1000).contains(&limit) {
        return Err(ApiError::new(
            Code::InvalidArgument,
            format!("limit {limit}: expected 1 to 1000"),
        ));
    }
    let sort = Sort::parse(query.sort.as_deref())?;
    let filter = patron_app::cards::card_filter(&state.project, query.condition.as_deref(), None)?;
    if let Sort::Id = sort {
        // In the store's own order: read only as far as the page goes.
        let after = query
            .cursor
            .as_deref()
            .map(|c| sort.decode(c))
            .transpose()?
            .map(|(_, id)| customer_id(&id))
            .transpose()?;
        let (run, page, more) = patron_app::cards::page_by_id(
            state.store.as_ref(),
            None,
            filter.as_ref(),
            after.as_ref(),
            limit as usize,
        )
        .await?;
        let next_cursor = more.then(|| page.last().map(|c| sort.encode(c))).flatten();
        return Ok(Json(CardPage {
            run_id: run.id,
            cards: page.iter().map(|c| card_json(c, "run", run.id)).collect(),
            next_cursor,
        }));
    }
    let (run, mut cards) =
        patron_app::cards::matching_cards(state.store.as_ref(), None, filter.as_ref()).await?;
    cards.sort_by_cached_key(|c| sort.key(c));
    let after = query
        .cursor
        .as_deref()
        .map(|c| sort.decode(c))
        .transpose()?;
    let start = match &after {
        Some(key) => cards.partition_point(|c| &sort.key(c) <= key),
        None => 0,
    };
    let page: Vec<&Card> = cards.iter().skip(start).take(limit as usize).collect();
    let next_cursor = (start + page.len() < cards.len())
        .then(|| page.last().map(|c| sort.encode(c)))
        .flatten();
    Ok(Json(CardPage {
        run_id: run.id,
        cards: page.iter().map(|c| card_json(c, "run", run.id)).collect(),
        next_cursor,
    }))
}

/// A sort order of cards: by a number descending (missing last), then customer id.
#[derive(Debug, Clone, Copy)]
enum Sort {
    Id,
    Number(fn(&Card) -> Option<f64>),
}

/// The sort key: the negated number as ordered bits (so ascending order is the number's
/// descending order), then the id.
type SortKey = (u64, String);

impl Sort {
    fn parse(raw: Option<&str>) -> Result<Sort, ApiError> {
        Ok(match raw.unwrap_or("customer_id") {
            "customer_id" => Sort::Id,
            "value_score" => Sort::Number(|c| c.value_score),
            "churn_risk" => Sort::Number(|c| c.churn_risk),
            "clv" => Sort::Number(|c| c.clv),
            other => {
                return Err(ApiError::new(
                    Code::InvalidArgument,
                    format!("sort {other:?}: expected customer_id, value_score, churn_risk or clv"),
                ));
            }
        })
    }

    fn key(self, card: &Card) -> SortKey {
        let number = match self {
            Sort::Id => 0,
            Sort::Number(f) => match f(card) {
                // Descending: larger numbers get smaller keys; missing ones sort last.
                Some(v) if v.is_finite() => u64::MAX - 1 - ordered_bits(v),
                _ => u64::MAX,
            },
        };
        (number, card.customer_id.to_string())
    }

    fn encode(self, card: &Card) -> String {
        let (n, id) = self.key(card);
        format!("{n:016x}.{id}")
    }

    fn decode(self, cursor: &str) -> Result<SortKey, ApiError> {
        let bad = || {
            ApiError::new(
                Code::InvalidArgument,
                format!("cursor {cursor:?} is not one this API gave"),
            )
        };
        let (n, id) = cursor.split_once('.').ok_or_else(bad)?;
        let n = u64::from_str_radix(n, 16).map_err(|_| bad())?;
        Ok((n, id.to_owned()))
    }
}

/// A float's bits reordered so that unsigned order equals numeric order.
fn ordered_bits(v: f64) -> u64 {
    let bits = v.to_bits();
    if bits >> 63 == 1 {
        !bits
    } else {
        bits | (1 << 63)
    }
}

/// A new ticket.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RouteRequest {
    /// Whose ticket.
    pub customer_id: String,
    /// When it was opened (default: the card's `as_of`).
    pub opened_at: Option<String>,
}

/// Where a new ticket goes: queue, deadline and why, from the customer's card and the service
/// matrix.
#[utoipa::path(post, path = "/v1/route", tag = "customers", request_body = RouteRequest,
    responses((status = 200, body = Object), (status = 404, body = crate::error::ErrorBody)),
    security(("bearer" = [])))]
pub async fn route(
    State(state): State<Arc<AppState>>,
    caller: Caller,
    Body(request): Body<RouteRequest>,
) -> ApiResult<Json<Value>> {
    caller.need(Scope::Read)?;
    let id = customer_id(&request.customer_id)?;
    let opened = request.opened_at.as_deref().map(parse_time).transpose()?;
    let route = patron_app::cards::route(state.store.as_ref(), &id, opened).await?;
    Ok(Json(serde_json::to_value(route).unwrap_or_default()))
}

/// A lead's card.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct LeadAnswer {
    /// The card a stored customer with these facts would have now (`card_source` is
    /// `unstored`).
    #[schema(value_type = Object)]
    pub card: Value,
    /// Triggers of the rule set the facts fire (stage entries, score crossings).
    #[schema(value_type = Vec<Object>)]
    pub triggers: Vec<patron_engine::rules::OutboxMessage>,
}

/// Scores a lead or customer that is not stored — attributes and facts in the body — against
/// the latest run, exactly as a stored customer's live card is scored. Stores nothing.
#[utoipa::path(post, path = "/v1/score", tag = "customers", request_body = patron_app::lead::Lead,
    responses(
        (status = 200, body = LeadAnswer),
        (status = 404, description = "No score run yet", body = crate::error::ErrorBody),
        (status = 422, description = "Invalid facts", body = crate::error::ErrorBody)),
    security(("bearer" = [])))]
pub async fn score(
    State(state): State<Arc<AppState>>,
    caller: Caller,
    Body(lead): Body<patron_app::lead::Lead>,
) -> ApiResult<Json<LeadAnswer>> {
    caller.need(Scope::Read)?;
    let Some(scorer) = state.scorer().await? else {
        return Err(AppError::NoRun(
            "no score run yet: run `patron score` or POST /v1/runs".into(),
        )
        .into());
    };
    let scratch = state
        .scratch
        .get_or_try_init(patron_app::lead::Scratch::new)
        .await?;
    let as_of = state.live_as_of(&scorer);
    let scored = scratch.score(&scorer, &lead, as_of).await?;
    Ok(Json(LeadAnswer {
        card: card_json(&scored.card, "unstored", scorer.run().id),
        triggers: scored.triggers,
    }))
}
