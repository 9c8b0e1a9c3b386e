//! Webhook endpoints: register (the secret shown once), list, the delivery log, a test ping,
//! manual redelivery. Admin only.

use crate::auth::Caller;
use crate::error::{ApiError, ApiResult};
use crate::routes::Body;
use crate::routes::Path;
use crate::state::AppState;
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use patron_core::code::Code;
use patron_store::{DeliveryRecord, Scope, WebhookRecord};
use serde::Deserialize;
use serde_json::Value;
use std::sync::Arc;

/// A new endpoint.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewEndpoint {
    /// Where to POST (http or https).
    pub url: String,
    /// Some of `stage`, `trigger`, `alarm`, `tier`.
    pub events: Vec<String>,
    /// Allow a loopback or private address (refused otherwise: SSRF).
    #[serde(default)]
    pub allow_private: bool,
}

fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64)
}

/// Registers an endpoint; answers its id and `whsec_` secret, shown this once.
#[utoipa::path(post, path = "/v1/webhooks", tag = "webhooks", request_body = NewEndpoint,
    responses((status = 201, body = Object), (status = 400, body = crate::error::ErrorBody)),
    security(("bearer" = [])))]
pub async fn add(
    State(state): State<Arc<AppState>>,
    caller: Caller,
    Body(body): Body<NewEndpoint>,
) -> ApiResult<(StatusCode, Json<Value>)> {
    caller.need(Scope::Admin)?;
    let registered = patron_app::webhooks::add(
        state.store.as_ref(),
        &body.url,
        &body.events,
        body.allow_private,
    )
    .await?;
    Ok((
        StatusCode::CREATED,
        Json(serde_json::to_value(registered).unwrap_or_default()),
    ))
}

/// The endpoints (without secrets).
#[utoipa::path(get, path = "/v1/webhooks", tag = "webhooks",
    responses((status = 200, body = [Object])), security(("bearer" = [])))]
pub async fn list(
    State(state): State<Arc<AppState>>,
    caller: Caller,
) -> ApiResult<Json<Vec<WebhookRecord>>> {
    caller.need(Scope::Admin)?;
    Ok(Json(state.store.webhooks().await?))
}

/// An endpoint's delivery log: status, attempts, last HTTP status and error.
#[utoipa::path(get, path = "/v1/webhooks/{id}/deliveries", tag = "webhooks",
    params(("id" = i64, Path, description = "Endpoint id")),
    responses((status = 200, body = [Object]), (status = 404, body = crate::error::ErrorBody)),
    security(("bearer" = [])))]
pub async fn deliveries(
    State(state): State<Arc<AppState>>,
    caller: Caller,
    Path(id): Path<i64>,
) -> ApiResult<Json<Vec<DeliveryRecord>>> {
    caller.need(Scope::Admin)?;
    if state.store.webhook(id).await?.is_none() {
        return Err(ApiError::new(
            Code::NotFound,
            format!("there is no webhook {id}"),
        ));
    }
    Ok(Json(state.store.deliveries(Some(id)).await?))
}

/// Queues a signed `ping` to the endpoint through the outbox.
#[utoipa::path(post, path = "/v1/webhooks/{id}/test", tag = "webhooks",
    params(("id" = i64, Path, description = "Endpoint id")),
    responses((status = 202, body = Object), (status = 404, body = crate::error::ErrorBody)),
    security(("bearer" = [])))]
pub async fn test(
    State(state): State<Arc<AppState>>,
    caller: Caller,
    Path(id): Path<i64>,
) -> ApiResult<(StatusCode, Json<Value>)> {
    caller.need(Scope::Admin)?;
    let now = now();
    let msg = patron_app::webhooks::test(
        state.store.as_ref(),
        id,
        now,
        &patron_core::Timestamp::from_secs(now).to_string(),
    )
    .await?;
    state.deliveries_wake.notify_one();
    Ok((
        StatusCode::ACCEPTED,
        Json(serde_json::json!({ "webhook_id": msg })),
    ))
}

/// Sends a delivered or dead delivery again (same webhook-id).
#[utoipa::path(post, path = "/v1/deliveries/{id}/redeliver", tag = "webhooks",
    params(("id" = i64, Path, description = "Delivery id")),
    responses((status = 202, body = Object), (status = 404, body = crate::error::ErrorBody)),
    security(("bearer" = [])))]
pub async fn redeliver(
    State(state): State<Arc<AppState>>,
    caller: Caller,
    Path(id): Path<i64>,
) -> ApiResult<(StatusCode, Json<Value>)> {
    caller.need(Scope::Admin)?;
    if !state.store.redeliver(id, now()).await? {
        return Err(ApiError::new(
            Code::NotFound,
            format!("there is no delivered or dead delivery {id}"),
        ));
    }
    state.deliveries_wake.notify_one();
    Ok((
        StatusCode::ACCEPTED,
        Json(serde_json::json!({ "redelivering": id })),
    ))
}
