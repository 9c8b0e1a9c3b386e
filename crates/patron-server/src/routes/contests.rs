//! Contests of automated decisions (GDPR Art. 22 (3)): record one for a customer, list them,
//! resolve one. Each calls the same use case as `patron contest` (patron_app::contests).

use crate::auth::Caller;
use crate::error::ApiResult;
use crate::routes::customers::customer_id;
use crate::routes::{Body, Path, Query};
use crate::state::AppState;
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use patron_app::contests;
use patron_store::{ContestRecord, ContestResolution, NewContest, Scope};
use serde::Deserialize;
use std::sync::Arc;

/// A customer's objection to an automated decision.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewContestBody {
    /// What is contested: `tier`, `status`, `action`, `value_score`, `churn_risk`, `offer`,
    /// `payment_risk` or `other`.
    pub decision: String,
    /// What the customer says (1 to 4,000 characters).
    pub statement: String,
    /// How it came in: phone, e-mail, letter, web, … (default `api`).
    pub channel: Option<String>,
}

/// Records that the customer contests a decision; it waits on the dashboard's "contested
/// decisions" worklist until someone resolves it.
#[utoipa::path(post, path = "/v1/customers/{id}/contests", tag = "privacy",
    params(("id" = String, Path, description = "Customer id")),
    request_body = NewContestBody,
    responses(
        (status = 201, description = "The contest", body = Object),
        (status = 404, description = "Unknown customer", body = crate::error::ErrorBody)),
    security(("bearer" = [])))]
pub async fn file(
    State(state): State<Arc<AppState>>,
    caller: Caller,
    Path(id): Path<String>,
    Body(request): Body<NewContestBody>,
) -> ApiResult<(StatusCode, Json<ContestRecord>)> {
    caller.need(Scope::Ingest)?;
    let contest = NewContest {
        customer_id: customer_id(&id)?,
        decision: request.decision,
        statement: request.statement,
        channel: request.channel.unwrap_or_else(|| "api".into()),
        received_by: caller.name().to_owned(),
    };
    let record = contests::file(state.store.as_ref(), contest).await?;
    Ok((StatusCode::CREATED, Json(record)))
}

/// Which contests to list.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct ContestQuery {
    /// Only this customer's.
    pub customer: Option<String>,
    /// Resolved ones too (default: only the open ones).
    pub all: Option<bool>,
    /// At most this many, newest first (1–10,000, default 100).
    pub limit: Option<u32>,
}

/// Contests, newest first: the open ones unless `all`.
#[utoipa::path(get, path = "/v1/contests", tag = "privacy", params(ContestQuery),
    responses((status = 200, body = [Object])),
    security(("bearer" = [])))]
pub async fn list(
    State(state): State<Arc<AppState>>,
    caller: Caller,
    Query(query): Query<ContestQuery>,
) -> ApiResult<Json<Vec<ContestRecord>>> {
    caller.need(Scope::Read)?;
    let customer = query.customer.as_deref().map(customer_id).transpose()?;
    Ok(Json(
        contests::list(
            state.store.as_ref(),
            customer.as_ref(),
            !query.all.unwrap_or(false),
            query.limit.unwrap_or(100),
        )
        .await?,
    ))
}

/// How a contest ended.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ResolutionBody {
    /// `upheld`, `changed` (an override or a corrected fact) or `withdrawn`.
    pub outcome: String,
    /// What was decided, for the answer to the customer.
    pub resolution: String,
}

/// Ends an open contest after human review.
#[utoipa::path(post, path = "/v1/contests/{id}/resolve", tag = "privacy",
    params(("id" = i64, Path, description = "Contest id")),
    request_body = ResolutionBody,
    responses(
        (status = 200, description = "The contest, resolved", body = Object),
        (status = 404, description = "No such open contest", body = crate::error::ErrorBody)),
    security(("bearer" = [])))]
pub async fn resolve(
    State(state): State<Arc<AppState>>,
    caller: Caller,
    Path(id): Path<i64>,
    Body(request): Body<ResolutionBody>,
) -> ApiResult<Json<ContestRecord>> {
    caller.need(Scope::Admin)?;
    let resolution = ContestResolution {
        outcome: request.outcome,
        resolution: request.resolution,
        resolved_by: caller.name().to_owned(),
    };
    Ok(Json(
        contests::resolve(state.store.as_ref(), id, resolution).await?,
    ))
}
