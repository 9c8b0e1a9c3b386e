//! Score runs: the list, a new run as a background job (one at a time, off the request
//! threads), and the job's progress.

use crate::auth::Caller;
use crate::error::{ApiError, ApiResult};
use crate::routes::Body;
use crate::routes::Path;
use crate::routes::customers::parse_time;
use crate::state::AppState;
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use patron_app::Progress;
use patron_core::code::Code;
use patron_store::{Scope, WriterLock};
use serde::{Deserialize, Serialize};
use std::sync::{Arc, Mutex};

/// A score run.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct RunInfo {
    /// Run id.
    pub id: i64,
    /// Its `as_of`.
    pub as_of: String,
    /// When it was made (UTC).
    pub created_at: String,
    /// Customers scored.
    pub customers: u64,
    /// The rule-set version it used.
    pub rules_version: Option<String>,
}

/// The score runs, latest `as_of` first.
#[utoipa::path(get, path = "/v1/runs", tag = "runs",
    responses((status = 200, body = [RunInfo])), security(("bearer" = [])))]
pub async fn list(
    State(state): State<Arc<AppState>>,
    caller: Caller,
) -> ApiResult<Json<Vec<RunInfo>>> {
    caller.need(Scope::Read)?;
    let mut runs = state.store.score_runs().await?;
    runs.sort_by_key(|r| std::cmp::Reverse((r.as_of, r.id)));
    Ok(Json(
        runs.into_iter()
            .map(|r| RunInfo {
                id: r.id,
                as_of: r.as_of.to_string(),
                created_at: r.created_at,
                customers: r.customers,
                rules_version: r.rules_version,
            })
            .collect(),
    ))
}

/// A new run.
#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RunRequest {
    /// Score as of this date or time (default: midnight after the day of the last fact).
    pub as_of: Option<String>,
    /// Fit nothing: score everyone against this run's models, value distributions and tier
    /// cuts (`patron score --frozen RUN`); every card equals the live card at that `as_of`.
    pub frozen_from: Option<i64>,
}

/// A background job.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct JobInfo {
    /// Job id.
    pub id: u64,
    /// `score` or `publish`.
    pub kind: String,
    /// `running`, `done` or `failed`.
    pub state: String,
    /// The current stage (load, inputs, cards, save).
    pub stage: String,
    /// Steps done in the stage.
    pub done: u64,
    /// Steps in the stage, when known.
    pub total: Option<u64>,
    /// The run made, when done.
    pub run_id: Option<i64>,
    /// Why it failed.
    pub error: Option<String>,
    /// What it did, when done (a publish's counts).
    #[schema(value_type = Option<Object>)]
    pub result: Option<serde_json::Value>,
}

/// The server's jobs: one runs at a time; finished ones are kept for their status.
#[derive(Default)]
pub struct Jobs {
    jobs: Mutex<Vec<JobInfo>>,
}

impl Jobs {
    fn update(&self, id: u64, f: impl FnOnce(&mut JobInfo)) {
        let mut jobs = self.jobs.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(job) = jobs.iter_mut().find(|j| j.id == id) {
            f(job);
        }
    }

    fn start(&self, kind: &str) -> Result<u64, ApiError> {
        let mut jobs = self.jobs.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(running) = jobs.iter().find(|j| j.state == "running") {
            return Err(ApiError::new(
                Code::Refused,
                format!("job {} is still running; one run at a time", running.id),
            ));
        }
        let id = jobs.len() as u64 + 1;
        jobs.push(JobInfo {
            id,
            kind: kind.to_owned(),
            state: "running".into(),
            stage: "starting".into(),
            done: 0,
            total: None,
            run_id: None,
            error: None,
            result: None,
        });
        Ok(id)
    }

    fn get(&self, id: u64) -> Option<JobInfo> {
        let jobs = self.jobs.lock().unwrap_or_else(|e| e.into_inner());
        jobs.iter().find(|j| j.id == id).cloned()
    }
}

/// A job's progress, as the score run reports it.
pub struct JobProgress {
    state: Arc<AppState>,
    id: u64,
}

impl Progress for JobProgress {
    fn stage(&mut self, name: &str, len: Option<u64>) {
        self.state.jobs.update(self.id, |j| {
            j.stage = name.to_owned();
            j.done = 0;
            j.total = len;
        });
    }
    fn message(&mut self, _: &str) {}
    fn advance(&mut self, n: u64) {
        self.state.jobs.update(self.id, |j| j.done += n);
    }
    fn position(&mut self, done: u64, total: u64) {
        self.state.jobs.update(self.id, |j| {
            j.done = done;
            j.total = Some(total);
        });
    }
}

/// What a finished job gives.
pub struct JobDone {
    /// The score run made.
    pub run_id: Option<i64>,
    /// What it did.
    pub result: Option<serde_json::Value>,
}

/// Starts `work` as a background job of `kind` under the store's writer lock (one batch
/// writer at a time): 409 while a job of this server runs, 503 `store_busy` while another
/// process holds the store. Answers with the job.
pub async fn spawn<F, Fut>(state: &Arc<AppState>, kind: &str, work: F) -> ApiResult<JobInfo>
where
    F: FnOnce(Arc<AppState>, JobProgress) -> Fut + Send + 'static,
    Fut: std::future::Future<Output = Result<JobDone, patron_app::AppError>>,
{
    let db = patron_store::store_file(&state.project.store_url, &state.project.dir)
        .map_err(patron_app::AppError::from)?;
    // A job of this server first (409), then another process (503 store_busy).
    let id = state.jobs.start(kind)?;
    let command = format!("{kind} (server job)");
    let lock = match WriterLock::acquire(&db, &command, false, |_| {}).await {
        Ok(lock) => lock,
        Err(e) => {
            state.jobs.update(id, |j| {
                j.state = "failed".into();
                j.error = Some(e.to_string());
            });
            return Err(patron_app::AppError::from(e).into());
        }
    };
    let job_state = state.clone();
    // The work's future holds its progress by `&mut dyn`, so it runs on a blocking thread of
    // its own (driven by this runtime), never on the request threads.
    let handle = tokio::runtime::Handle::current();
    tokio::task::spawn_blocking(move || {
        handle.block_on(async move {
            let _lock = lock;
            let progress = JobProgress {
                state: job_state.clone(),
                id,
            };
            let result = work(job_state.clone(), progress).await;
            // The new run is scored against from now on; live cards made while it ran are
            // recomputed against it.
            if let Err(e) = job_state.scorer().await {
                tracing::warn!(
                    code = e.code().as_str(),
                    "no live scoring against the new run"
                );
            }
            job_state.jobs.update(id, |j| match result {
                Ok(done) => {
                    j.state = "done".into();
                    j.run_id = done.run_id;
                    j.result = done.result;
                }
                Err(e) => {
                    j.state = "failed".into();
                    j.error = Some(e.to_string());
                }
            });
        })
    });
    state
        .jobs
        .get(id)
        .ok_or_else(|| ApiError::new(Code::Failed, "job vanished"))
}

/// Starts a score run as a background job; answers 202 with the job. The run takes the
/// store's writer lock (one batch writer at a time); live ingest goes on meanwhile.
#[utoipa::path(post, path = "/v1/runs", tag = "runs", request_body = RunRequest,
    responses((status = 202, body = JobInfo),
        (status = 409, description = "A job is already running", body = crate::error::ErrorBody),
        (status = 503, description = "Another patron process holds the store", body = crate::error::ErrorBody)),
    security(("bearer" = [])))]
pub async fn start(
    State(state): State<Arc<AppState>>,
    caller: Caller,
    Body(request): Body<RunRequest>,
) -> ApiResult<(StatusCode, Json<JobInfo>)> {
    caller.need(Scope::Admin)?;
    let given = request.as_of.as_deref().map(parse_time).transpose()?;
    let as_of = patron_app::project::resolve_as_of(state.store.as_ref(), given).await?;
    let frozen = request.frozen_from;
    let info = spawn(&state, "score", move |state, mut progress| async move {
        let run = match frozen {
            None => {
                patron_app::score_run(&state.project, state.store.as_ref(), as_of, &mut progress)
                    .await?
            }
            Some(from) => {
                patron_app::score_run_frozen(
                    &state.project,
                    state.store.as_ref(),
                    Some(from),
                    as_of,
                    &mut progress,
                )
                .await?
            }
        };
        Ok(JobDone {
            run_id: Some(run.id),
            result: serde_json::to_value(&run.summary).ok(),
        })
    })
    .await?;
    Ok((StatusCode::ACCEPTED, Json(info)))
}

/// A job's state and progress.
#[utoipa::path(get, path = "/v1/jobs/{id}", tag = "runs",
    params(("id" = u64, Path, description = "Job id")),
    responses((status = 200, body = JobInfo), (status = 404, body = crate::error::ErrorBody)),
    security(("bearer" = [])))]
pub async fn job(
    State(state): State<Arc<AppState>>,
    caller: Caller,
    Path(id): Path<u64>,
) -> ApiResult<Json<JobInfo>> {
    caller.need(Scope::Read)?;
    state
        .jobs
        .get(id)
        .map(Json)
        .ok_or_else(|| ApiError::new(Code::NotFound, format!("there is no job {id}")))
}
