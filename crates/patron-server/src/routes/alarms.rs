//! Alarm episodes: the list, and an acknowledgement that records an outcome.

use crate::auth::Caller;
use crate::error::{ApiError, ApiResult};
use crate::routes::{Body, Query};
use crate::state::AppState;
use axum::Json;
use axum::extract::State;
use patron_app::ingest::{self, OutcomeItem};
use patron_core::code::Code;
use patron_store::{AlarmRecord, Scope};
use serde::{Deserialize, Serialize};
use std::sync::Arc;

/// Which episodes.
#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct AlarmsQuery {
    /// Cleared episodes too (default: only the open ones).
    pub all: Option<bool>,
    /// Only this kind (`churn`, `payment`, …).
    pub kind: Option<String>,
    /// Only this customer's.
    pub customer_id: Option<String>,
}

/// Alarm episodes, oldest first: open ones by default.
#[utoipa::path(get, path = "/v1/alarms", tag = "alarms", params(AlarmsQuery),
    responses((status = 200, body = [Object])),
    security(("bearer" = [])))]
pub async fn list(
    State(state): State<Arc<AppState>>,
    caller: Caller,
    Query(query): Query<AlarmsQuery>,
) -> ApiResult<Json<Vec<AlarmRecord>>> {
    caller.need(Scope::Read)?;
    let open_only = !query.all.unwrap_or(false);
    let alarms = match &query.customer_id {
        Some(id) => {
            let id = crate::routes::customers::customer_id(id)?;
            let mut a = state.store.customer_alarms(&id).await?;
            a.retain(|a| !open_only || a.cleared_run.is_none());
            a
        }
        None => state.store.alarms(open_only).await?,
    };
    Ok(Json(
        alarms
            .into_iter()
            .filter(|a| query.kind.as_ref().is_none_or(|k| &a.kind == k))
            .collect(),
    ))
}

/// An acknowledgement.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Acknowledge {
    /// Whose alarm.
    pub customer_id: String,
    /// Its kind.
    pub kind: String,
    /// When it was handled (default: now).
    pub at: Option<String>,
    /// What was done (a call, an offer …), kept as the outcome's label.
    pub note: Option<String>,
}

/// What an acknowledgement stored.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Acknowledged {
    /// The episode.
    #[schema(value_type = Object)]
    pub alarm: AlarmRecord,
    /// The outcome recorded: kind `alarm_acknowledged`, label `KIND: note`.
    pub outcome_inserted: bool,
}

/// Acknowledges a customer's open alarm: records an outcome `alarm_acknowledged` (the
/// feedback that models and KPIs learn from), through the single writer. 404 when the
/// customer has no open alarm of that kind. The same acknowledgement again stores nothing.
#[utoipa::path(post, path = "/v1/alarms/acknowledge", tag = "alarms", request_body = Acknowledge,
    responses((status = 200, body = Acknowledged),
        (status = 404, description = "No open alarm of that kind", body = crate::error::ErrorBody),
        (status = 422, description = "An invalid time", body = crate::error::ErrorBody)),
    security(("bearer" = [])))]
pub async fn acknowledge(
    State(state): State<Arc<AppState>>,
    caller: Caller,
    Body(request): Body<Acknowledge>,
) -> ApiResult<Json<Acknowledged>> {
    caller.need(Scope::Ingest)?;
    let id = crate::routes::customers::customer_id(&request.customer_id)?;
    let alarm = state
        .store
        .customer_alarms(&id)
        .await?
        .into_iter()
        .find(|a| a.kind == request.kind && a.cleared_run.is_none())
        .ok_or_else(|| {
            ApiError::new(
                Code::NotFound,
                format!("customer {id} has no open {:?} alarm", request.kind),
            )
        })?;
    let at = match &request.at {
        Some(at) => at.clone(),
        None => now_text(),
    };
    let label = match &request.note {
        Some(note) => format!("{}: {note}", request.kind),
        None => request.kind.clone(),
    };
    let facts = ingest::outcomes(&[OutcomeItem {
        customer_id: id.to_string(),
        kind: "alarm_acknowledged".into(),
        at,
        label: Some(label),
    }])?;
    let stored = state.writer.write(facts).await?;
    Ok(Json(Acknowledged {
        alarm,
        outcome_inserted: stored.inserted + stored.updated > 0,
    }))
}

fn now_text() -> String {
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64);
    patron_core::Timestamp::from_secs(secs).to_string()
}
