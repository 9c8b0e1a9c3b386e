//! Health, readiness, metrics, the OpenAPI document and the fallback.

use crate::error::{ApiError, ApiResult};
use crate::state::AppState;
use axum::Json;
use axum::extract::State;
use axum::http::header;
use axum::response::IntoResponse;
use patron_core::code::Code;
use std::sync::Arc;

/// The process is up.
#[utoipa::path(get, path = "/healthz", tag = "operations", responses((status = 200, description = "Up")))]
pub async fn healthz() -> &'static str {
    "ok"
}

/// The store answers: ready for traffic.
#[utoipa::path(get, path = "/readyz", tag = "operations", responses(
    (status = 200, description = "Ready"),
    (status = 503, description = "The store does not answer", body = crate::error::ErrorBody)))]
pub async fn readyz(State(state): State<Arc<AppState>>) -> ApiResult<&'static str> {
    state
        .store
        .score_run(None)
        .await
        .map_err(|e| ApiError::new(Code::StoreBusy, format!("the store does not answer: {e}")))?;
    Ok("ready")
}

/// Prometheus metrics (text format).
#[utoipa::path(get, path = "/metrics", tag = "operations", responses((status = 200, description = "Metrics", content_type = "text/plain")))]
pub async fn metrics(State(state): State<Arc<AppState>>) -> impl IntoResponse {
    let outbox = state.store.rule_outbox_pending().await.unwrap_or(0) as f64;
    let text = state.metrics.render(&[
        (
            "patron_outbox_pending",
            "Outbox entries not yet delivered.",
            outbox,
        ),
        (
            "patron_live_cards_pending",
            "Customers whose live cards are queued to be recomputed.",
            state.live.pending() as f64,
        ),
    ]);
    ([(header::CONTENT_TYPE, "text/plain; version=0.0.4")], text)
}

/// This document.
#[utoipa::path(get, path = "/openapi.json", tag = "operations", responses((status = 200, description = "The OpenAPI 3 document")))]
pub async fn openapi() -> Json<utoipa::openapi::OpenApi> {
    Json(crate::openapi::document())
}

/// Any other path.
pub async fn not_found() -> ApiError {
    ApiError::new(Code::NotFound, "no such route; see /openapi.json")
}
