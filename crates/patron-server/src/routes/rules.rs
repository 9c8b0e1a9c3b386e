//! Rule sets: a candidate checked against the data, compared with the project's rules over
//! every customer, and the project's rules published as a background job.

use crate::auth::Caller;
use crate::error::ApiResult;
use crate::routes::Body;
use crate::routes::customers::parse_time;
use crate::routes::runs::{JobDone, JobInfo, spawn};
use crate::state::AppState;
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use patron_app::publish::{PublishOptions, publish};
use patron_app::rules::{self, Checked, RulesDiff};
use patron_store::Scope;
use serde::Deserialize;
use std::sync::Arc;

/// A candidate configuration.
#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CheckRequest {
    /// A whole patron.toml as text (default: the project's own).
    pub config: Option<String>,
}

/// Compiles a candidate configuration's rules (or the project's) and checks them against the
/// data: 422 `rules_invalid` or `config_invalid` with line and column when they do not
/// compile; warnings for event rules of a type no stored event has.
#[utoipa::path(post, path = "/v1/rules/check", tag = "rules", request_body = CheckRequest,
    responses((status = 200, body = Object),
        (status = 422, description = "The rules or the configuration do not compile", body = crate::error::ErrorBody)),
    security(("bearer" = [])))]
pub async fn check(
    State(state): State<Arc<AppState>>,
    caller: Caller,
    Body(request): Body<CheckRequest>,
) -> ApiResult<Json<Checked>> {
    caller.need(Scope::Admin)?;
    let rules = match &request.config {
        Some(text) => sent_rules(text)?,
        None => rules::project_rules(&state.project)?,
    };
    Ok(Json(
        rules::check(&rules, Some(state.store.as_ref())).await?,
    ))
}

/// A configuration the client sent, compiled; one that does not compile is a 422 (the
/// project's own would be a 500).
fn sent_rules(text: &str) -> Result<patron_engine::rules::RuleSet, crate::error::ApiError> {
    rules::compile_text(text, "config").map_err(|e| crate::error::ApiError::from(e).status(422))
}

/// A candidate to compare with the project's rules.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DiffRequest {
    /// The candidate: a whole patron.toml as text.
    pub config: String,
    /// Compare as of this date or time (default: midnight after the day of the last fact).
    pub as_of: Option<String>,
    /// Customers that change to list (default 10, at most 1,000).
    pub examples: Option<u32>,
}

/// What replacing the project's rules with the candidate would change: every customer scored
/// under both, counts of changed scores and stages, and examples.
#[utoipa::path(post, path = "/v1/rules/diff", tag = "rules", request_body = DiffRequest,
    responses((status = 200, body = Object),
        (status = 422, description = "The candidate does not compile", body = crate::error::ErrorBody)),
    security(("bearer" = [])))]
pub async fn diff(
    State(state): State<Arc<AppState>>,
    caller: Caller,
    Body(request): Body<DiffRequest>,
) -> ApiResult<Json<RulesDiff>> {
    caller.need(Scope::Admin)?;
    let new = sent_rules(&request.config)?;
    let old = rules::project_rules(&state.project)?;
    let given = request.as_of.as_deref().map(parse_time).transpose()?;
    let as_of = patron_app::project::resolve_as_of(state.store.as_ref(), given).await?;
    let examples = request.examples.unwrap_or(10).min(1000) as usize;
    Ok(Json(
        rules::diff(state.store.as_ref(), &old, &new, as_of, examples).await?,
    ))
}

/// A publish.
#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PublishRequest {
    /// Publish as of this date or time (default: midnight after the day of the last fact).
    pub as_of: Option<String>,
    /// Discard an interrupted publish of the same version and start again.
    pub restart: Option<bool>,
}

/// Publishes the project's rules as a background job: every customer's scores, stages,
/// transitions and trigger firings over the whole history, resumable (`patron rules
/// publish`). Answers 202 with the job; its result has the counts.
#[utoipa::path(post, path = "/v1/rules/publish", tag = "rules", request_body = PublishRequest,
    responses((status = 202, body = JobInfo),
        (status = 409, description = "A job is already running", body = crate::error::ErrorBody),
        (status = 503, description = "Another patron process holds the store", body = crate::error::ErrorBody)),
    security(("bearer" = [])))]
pub async fn publish_rules(
    State(state): State<Arc<AppState>>,
    caller: Caller,
    Body(request): Body<PublishRequest>,
) -> ApiResult<(StatusCode, Json<JobInfo>)> {
    caller.need(Scope::Admin)?;
    let rules = rules::project_rules(&state.project)?;
    let given = request.as_of.as_deref().map(parse_time).transpose()?;
    let as_of = patron_app::project::resolve_as_of(state.store.as_ref(), given).await?;
    let options = PublishOptions {
        restart: request.restart.unwrap_or(false),
        actor: caller.name().to_owned(),
        ..PublishOptions::default()
    };
    let info = spawn(&state, "publish", move |state, mut progress| async move {
        let published = publish(
            &state.project,
            state.store.as_ref(),
            &rules,
            as_of,
            &options,
            &mut progress,
        )
        .await?;
        Ok(JobDone {
            run_id: None,
            result: serde_json::to_value(&published).ok(),
        })
    })
    .await?;
    Ok((StatusCode::ACCEPTED, Json(info)))
}
