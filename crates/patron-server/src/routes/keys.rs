//! API keys, as an administrator sees them (never their secrets).

use crate::auth::Caller;
use crate::error::ApiResult;
use crate::state::AppState;
use axum::Json;
use axum::extract::State;
use patron_store::{ApiKeyRecord, Scope};
use std::sync::Arc;

/// The API keys: id, name, scope, prefix, created, revoked.
#[utoipa::path(get, path = "/v1/keys", tag = "keys",
    responses((status = 200, body = [Object])), security(("bearer" = [])))]
pub async fn list(
    State(state): State<Arc<AppState>>,
    caller: Caller,
) -> ApiResult<Json<Vec<ApiKeyRecord>>> {
    caller.need(Scope::Admin)?;
    Ok(Json(state.store.api_keys().await?))
}
