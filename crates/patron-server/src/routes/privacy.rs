//! Privacy: a person's data (export), erasing them, human overrides of automated decisions and
//! the audit log. Each calls the same use case as the CLI (patron_app::privacy).

use crate::auth::Caller;
use crate::error::ApiResult;
use crate::routes::customers::{customer_id, parse_time};
use crate::routes::{Body, Path, Query};
use crate::state::AppState;
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use patron_app::privacy;
use patron_store::{AuditEntry, ErasureReport, OverrideRecord, Scope};
use serde::Deserialize;
use std::sync::Arc;

/// Everything Patron holds about a person: every fact imported for them, their cards of every
/// run, ledgers, alarms, outbox entries, merges, corrections, consent history, overrides, and
/// how each score was reached. Recorded in the audit log.
#[utoipa::path(get, path = "/v1/customers/{id}/export", tag = "privacy",
    params(("id" = String, Path, description = "Customer id")),
    responses(
        (status = 200, description = "The person's data", body = Object),
        (status = 404, description = "Unknown customer", body = crate::error::ErrorBody)),
    security(("bearer" = [])))]
pub async fn export(
    State(state): State<Arc<AppState>>,
    caller: Caller,
    Path(id): Path<String>,
) -> ApiResult<Json<privacy::PersonExport>> {
    caller.need(Scope::Admin)?;
    let id = customer_id(&id)?;
    Ok(Json(
        privacy::export(state.store.as_ref(), &id, caller.name()).await?,
    ))
}

/// Erases a person from every table and store file (the write-ahead log and free pages
/// included); the audit log keeps that it happened, by which key, and no personal data.
#[utoipa::path(delete, path = "/v1/customers/{id}", tag = "privacy",
    params(("id" = String, Path, description = "Customer id")),
    responses(
        (status = 200, description = "What was removed", body = Object),
        (status = 404, description = "Unknown customer", body = crate::error::ErrorBody)),
    security(("bearer" = [])))]
pub async fn erase(
    State(state): State<Arc<AppState>>,
    caller: Caller,
    Path(id): Path<String>,
) -> ApiResult<Json<ErasureReport>> {
    caller.need(Scope::Admin)?;
    let id = customer_id(&id)?;
    Ok(Json(
        privacy::erase(state.store.as_ref(), &id, caller.name()).await?,
    ))
}

/// A page of the audit log.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct AuditQuery {
    /// Entries, newest first (1–1000, default 100).
    pub limit: Option<u32>,
    /// Only entries older than this id.
    pub before: Option<i64>,
}

/// The audit log of administrative actions (publishes, overrides, erasures, exports, key
/// changes): who and when, never personal data.
#[utoipa::path(get, path = "/v1/audit", tag = "privacy", params(AuditQuery),
    responses((status = 200, body = [Object])),
    security(("bearer" = [])))]
pub async fn audit(
    State(state): State<Arc<AppState>>,
    caller: Caller,
    Query(query): Query<AuditQuery>,
) -> ApiResult<Json<Vec<AuditEntry>>> {
    caller.need(Scope::Admin)?;
    Ok(Json(
        privacy::audit(
            state.store.as_ref(),
            query.limit.unwrap_or(100),
            query.before,
        )
        .await?,
    ))
}

/// A human decision replacing an automated one.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewOverride {
    /// `tier`, `status` or `action`.
    pub field: String,
    /// The value decided.
    pub value: String,
    /// Why.
    pub reason: String,
    /// When it lapses (date or date-time; default: until removed).
    pub expires: Option<String>,
}

/// A customer's overrides, newest first, in force or not.
#[utoipa::path(get, path = "/v1/customers/{id}/overrides", tag = "privacy",
    params(("id" = String, Path, description = "Customer id")),
    responses((status = 200, body = [Object])),
    security(("bearer" = [])))]
pub async fn overrides(
    State(state): State<Arc<AppState>>,
    caller: Caller,
    Path(id): Path<String>,
) -> ApiResult<Json<Vec<OverrideRecord>>> {
    caller.need(Scope::Read)?;
    let id = customer_id(&id)?;
    Ok(Json(state.store.overrides(Some(&id), None).await?))
}

/// Overrides a customer's tier, status or next action with a reason (GDPR Art. 22). It holds
/// across runs until removed or expired, shows on the card beside the automated value, and is
/// recorded in the audit log.
#[utoipa::path(post, path = "/v1/customers/{id}/overrides", tag = "privacy",
    params(("id" = String, Path, description = "Customer id")),
    request_body = NewOverride,
    responses(
        (status = 201, description = "The override", body = Object),
        (status = 404, description = "Unknown customer", body = crate::error::ErrorBody)),
    security(("bearer" = [])))]
pub async fn set_override(
    State(state): State<Arc<AppState>>,
    caller: Caller,
    Path(id): Path<String>,
    Body(request): Body<NewOverride>,
) -> ApiResult<(StatusCode, Json<OverrideRecord>)> {
    caller.need(Scope::Admin)?;
    let id = customer_id(&id)?;
    let expires = request.expires.as_deref().map(parse_time).transpose()?;
    let decision = patron_store::NewOverride {
        customer_id: id.clone(),
        field: request.field,
        value: request.value,
        reason: request.reason,
        set_by: caller.name().to_owned(),
        expires,
    };
    let record = privacy::set_override(&state.project, state.store.as_ref(), decision).await?;
    // The live card shows the decision as soon as it is recomputed.
    state.live.later([(id, None)].into_iter().collect());
    Ok((StatusCode::CREATED, Json(record)))
}

/// Ends an override: the automated value holds again from the next card on.
#[utoipa::path(delete, path = "/v1/overrides/{id}", tag = "privacy",
    params(("id" = i64, Path, description = "Override id")),
    responses(
        (status = 200, description = "The override, ended", body = Object),
        (status = 404, description = "No such override in force", body = crate::error::ErrorBody)),
    security(("bearer" = [])))]
pub async fn remove_override(
    State(state): State<Arc<AppState>>,
    caller: Caller,
    Path(id): Path<i64>,
) -> ApiResult<Json<OverrideRecord>> {
    caller.need(Scope::Admin)?;
    let record = privacy::remove_override(state.store.as_ref(), id, caller.name()).await?;
    state
        .live
        .later([(record.customer_id.clone(), None)].into_iter().collect());
    Ok(Json(record))
}
