//! One module per route group, assembled here with the body limit, the metrics and log layer,
//! and JSON bodies whose rejections answer with the API's error format.

pub mod alarms;
pub mod contests;
pub mod customers;
pub mod exports;
pub mod ingest;
pub mod keys;
pub mod models;
pub mod ops;
pub mod privacy;
pub mod rules;
pub mod runs;
pub mod webhooks;

use crate::error::ApiError;
use crate::state::AppState;
use axum::Router;
use axum::extract::rejection::JsonRejection;
use axum::extract::{DefaultBodyLimit, FromRequest, MatchedPath, Request, State};
use axum::middleware::{self, Next};
use axum::response::Response;
use axum::routing::{delete, get, post};
use patron_core::code::Code;
use std::sync::Arc;
use std::time::Instant;

/// The API.
pub fn router(state: Arc<AppState>) -> Router {
    let limit = state.options.body_limit;
    Router::new()
        .route("/healthz", get(ops::healthz))
        .route("/readyz", get(ops::readyz))
        .route("/metrics", get(ops::metrics))
        .route("/openapi.json", get(ops::openapi))
        .route(
            "/v1/customers",
            get(customers::list).post(ingest::customers),
        )
        .route(
            "/v1/customers/{id}",
            get(customers::card)
                .patch(ingest::patch_customer)
                .delete(privacy::erase),
        )
        .route("/v1/customers/{id}/export", get(privacy::export))
        .route(
            "/v1/customers/{id}/overrides",
            get(privacy::overrides).post(privacy::set_override),
        )
        .route("/v1/overrides/{id}", delete(privacy::remove_override))
        .route("/v1/customers/{id}/contests", post(contests::file))
        .route("/v1/contests", get(contests::list))
        .route("/v1/contests/{id}/resolve", post(contests::resolve))
        .route("/v1/audit", get(privacy::audit))
        .route("/v1/score", post(customers::score))
        .route("/v1/customers/{id}/history", get(customers::history))
        .route("/v1/customers/{id}/explain", get(customers::explain))
        .route("/v1/route", post(customers::route))
        .route("/v1/orders", post(ingest::orders))
        .route("/v1/events", post(ingest::events))
        .route("/v1/tickets", post(ingest::tickets))
        .route("/v1/invoices", post(ingest::invoices))
        .route("/v1/outcomes", post(ingest::outcomes))
        .route("/v1/contracts", post(ingest::contracts))
        .route("/v1/runs", get(runs::list).post(runs::start))
        .route("/v1/jobs/{id}", get(runs::job))
        .route("/v1/rules/check", post(rules::check))
        .route("/v1/rules/diff", post(rules::diff))
        .route("/v1/rules/publish", post(rules::publish_rules))
        .route("/v1/models", get(models::list))
        .route("/v1/alarms", get(alarms::list))
        .route("/v1/alarms/acknowledge", post(alarms::acknowledge))
        .route("/v1/exports/cards", get(exports::cards))
        .route("/v1/keys", get(keys::list))
        .route("/v1/webhooks", get(webhooks::list).post(webhooks::add))
        .route("/v1/webhooks/{id}/deliveries", get(webhooks::deliveries))
        .route("/v1/webhooks/{id}/test", post(webhooks::test))
        .route("/v1/deliveries/{id}/redeliver", post(webhooks::redeliver))
        .merge(crate::web::router())
        .fallback(ops::not_found)
        .layer(DefaultBodyLimit::max(limit))
        .layer(middleware::from_fn_with_state(state.clone(), observe))
        .with_state(state)
}

/// Times every request and logs it by route template (never the path: it holds customer ids,
/// and no personal data goes into logs or metrics).
async fn observe(State(state): State<Arc<AppState>>, request: Request, next: Next) -> Response {
    let started = Instant::now();
    let method = request.method().as_str().to_owned();
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map_or_else(|| "unmatched".to_owned(), |p| p.as_str().to_owned());
    let response = next.run(request).await;
    let seconds = started.elapsed().as_secs_f64();
    let status = response.status().as_u16();
    state.metrics.request(&method, &route, status, seconds);
    tracing::info!(method, route, status, ms = seconds * 1e3, "request");
    response
}

/// A JSON body; a malformed one, wrong types or missing fields answer 400 `bad_request` with
/// where it failed, a body over the limit 413 `payload_too_large`.
pub struct Body<T>(pub T);

impl<S: Send + Sync, T: serde::de::DeserializeOwned> FromRequest<S> for Body<T> {
    type Rejection = ApiError;

    async fn from_request(request: Request, state: &S) -> Result<Self, Self::Rejection> {
        match axum::Json::<T>::from_request(request, state).await {
            Ok(axum::Json(value)) => Ok(Body(value)),
            Err(rejection) => Err(json_error(rejection)),
        }
    }
}

fn json_error(rejection: JsonRejection) -> ApiError {
    if rejection.status() == axum::http::StatusCode::PAYLOAD_TOO_LARGE {
        return ApiError::new(
            Code::PayloadTooLarge,
            "the request body is larger than allowed",
        );
    }
    ApiError::new(Code::BadRequest, rejection.body_text())
}

/// A query string; one that does not parse answers 400 `bad_request` in the API's format.
pub struct Query<T>(pub T);

impl<S: Send + Sync, T: serde::de::DeserializeOwned> axum::extract::FromRequestParts<S>
    for Query<T>
{
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut axum::http::request::Parts,
        state: &S,
    ) -> Result<Self, Self::Rejection> {
        axum::extract::Query::<T>::from_request_parts(parts, state)
            .await
            .map(|q| Query(q.0))
            .map_err(|e| ApiError::new(Code::BadRequest, e.body_text()))
    }
}

/// Path parameters; one that does not parse (a job id that is not a number) answers 400
/// `bad_request` in the API's format.
pub struct Path<T>(pub T);

impl<S: Send + Sync, T: serde::de::DeserializeOwned + Send> axum::extract::FromRequestParts<S>
    for Path<T>
{
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut axum::http::request::Parts,
        state: &S,
    ) -> Result<Self, Self::Rejection> {
        axum::extract::Path::<T>::from_request_parts(parts, state)
            .await
            .map(|p| Path(p.0))
            .map_err(|e| ApiError::new(Code::BadRequest, e.body_text()))
    }
}
