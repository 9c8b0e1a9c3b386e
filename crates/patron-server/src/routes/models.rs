//! The model registry.

use crate::auth::Caller;
use crate::error::ApiResult;
use crate::routes::Query;
use crate::state::AppState;
use axum::Json;
use axum::extract::State;
use patron_store::{ModelInfo, Scope};
use serde::Deserialize;
use std::sync::Arc;

/// Which models.
#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct ModelsQuery {
    /// Only this kind (`churn`, `conversion`, `upsell`).
    pub kind: Option<String>,
}

/// The registered models with their metrics (ROC AUC, PR AUC, Brier, lift on the holdout),
/// features and training time: `patron models list`.
#[utoipa::path(get, path = "/v1/models", tag = "models", params(ModelsQuery),
    responses((status = 200, body = [Object])),
    security(("bearer" = [])))]
pub async fn list(
    State(state): State<Arc<AppState>>,
    caller: Caller,
    Query(query): Query<ModelsQuery>,
) -> ApiResult<Json<Vec<ModelInfo>>> {
    caller.need(Scope::Read)?;
    Ok(Json(state.store.models(query.kind.as_deref()).await?))
}
