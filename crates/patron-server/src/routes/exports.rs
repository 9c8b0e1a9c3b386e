//! Exports: a run's cards matching a condition, streamed as CSV or JSON lines a chunk at a
//! time, so a run of millions is never held in memory.

use crate::auth::Caller;
use crate::error::{ApiError, ApiResult};
use crate::routes::Query;
use crate::state::AppState;
use axum::body::Body;
use axum::extract::State;
use axum::http::header;
use axum::response::Response;
use patron_app::export::{csv_rows, jsonl_rows};
use patron_core::code::Code;
use patron_engine::scorecard::ExportRow;
use patron_store::Scope;
use serde::Deserialize;
use std::sync::Arc;

/// What to export.
#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct ExportQuery {
    /// `csv` (default), `csv-de` (`;`, decimal comma, Windows-1252: German Excel) or `jsonl`.
    pub format: Option<String>,
    /// A card condition (the `--where` language).
    #[serde(rename = "where")]
    pub condition: Option<String>,
    /// A segment of patron.toml.
    pub segment: Option<String>,
    /// The score run (default: the latest).
    pub run: Option<i64>,
    /// Customer ids replaced by keyed hashes (always so for a key of scope `analyst`).
    pub pseudonymise: Option<bool>,
}

#[derive(Clone, Copy)]
enum Format {
    Csv { german: bool },
    JsonLines,
}

/// The export columns of the run's cards matching the condition, streamed: `patron export`
/// over HTTP. A key of scope `analyst` gets pseudonymised rows only: customer ids replaced by
/// keyed hashes, the same for a customer in every export until the key is rotated.
#[utoipa::path(get, path = "/v1/exports/cards", tag = "exports", params(ExportQuery),
    responses((status = 200, description = "CSV or JSON lines, streamed", content_type = "text/csv"),
        (status = 403, description = "The key may not export, or (scope analyst) the condition names customer_id", body = crate::error::ErrorBody),
        (status = 404, description = "No such run", body = crate::error::ErrorBody)),
    security(("bearer" = [])))]
pub async fn cards(
    State(state): State<Arc<AppState>>,
    caller: Caller,
    Query(query): Query<ExportQuery>,
) -> ApiResult<Response> {
    let analyst = caller.0.scope == Scope::Analyst;
    if !analyst {
        caller.need(Scope::Read)?;
    }
    if analyst {
        refuse_id_conditions(&state, &query)?;
    }
    let pseudonyms = if analyst || query.pseudonymise.unwrap_or(false) {
        Some(patron_app::pseudonyms::of_store(state.store.as_ref()).await?)
    } else {
        None
    };
    let filter = patron_app::cards::card_filter(
        &state.project,
        query.condition.as_deref(),
        query.segment.as_deref(),
    )?;
    export(
        &state,
        query.format.as_deref().unwrap_or("csv"),
        filter,
        query.run,
        "cards",
        pseudonyms,
    )
    .await
}

/// An analyst's condition (or segment) must not name `customer_id`: selecting one customer by
/// id would link their pseudonym back to them.
fn refuse_id_conditions(state: &AppState, query: &ExportQuery) -> ApiResult<()> {
    let segment = query
        .segment
        .as_deref()
        .and_then(|name| state.project.config.segments.get(name))
        .map(|s| s.condition.as_str());
    let names_ids = [query.condition.as_deref(), segment]
        .into_iter()
        .flatten()
        .any(|text| text.contains("customer_id"));
    if names_ids {
        return Err(ApiError::new(
            Code::Forbidden,
            "a key of scope analyst cannot select customers by customer_id",
        ));
    }
    Ok(())
}

/// The cards of run `run` (default: the latest) matching `filter` as a streamed download in
/// `format` (`csv`, `csv-de`, `jsonl`) named `NAME-run-ID.EXT`, with customer ids replaced by
/// `pseudonyms` when given: what the API's export and the dashboard's worklist export both
/// answer.
pub async fn export(
    state: &AppState,
    format: &str,
    filter: Option<patron_engine::scorecard::CardFilter>,
    run: Option<i64>,
    name: &str,
    pseudonyms: Option<patron_app::pseudonyms::Pseudonymiser>,
) -> ApiResult<Response> {
    let format = match format {
        "csv" => Format::Csv { german: false },
        "csv-de" => Format::Csv { german: true },
        "jsonl" => Format::JsonLines,
        other => {
            return Err(ApiError::new(
                Code::InvalidArgument,
                format!("format {other:?}: expected csv, csv-de or jsonl"),
            ));
        }
    };
    let (run, chunks) =
        patron_app::cards::matching_chunks(state.store.as_ref(), run, filter).await?;
    let stream = futures_util::stream::unfold((chunks, true), move |(mut chunks, first)| {
        let pseudonyms = pseudonyms.clone();
        async move {
            let chunk = chunks.recv().await?;
            let bytes = chunk.and_then(|cards| {
                let mut rows: Vec<ExportRow> = cards.iter().map(ExportRow::of).collect();
                if let Some(p) = &pseudonyms {
                    p.rows(&mut rows);
                }
                match format {
                    Format::Csv { german } => csv_rows(&rows, first, german),
                    Format::JsonLines => jsonl_rows(&rows),
                }
            });
            // An error midway ends the body early: the client sees a broken transfer, never a
            // silently short file.
            let item = bytes.map_err(|e| std::io::Error::other(e.to_string()));
            Some((item, (chunks, false)))
        }
    });
    let (content_type, extension) = match format {
        Format::Csv { german: false } => ("text/csv; charset=utf-8", "csv"),
        Format::Csv { german: true } => ("text/csv; charset=windows-1252", "csv"),
        Format::JsonLines => ("application/x-ndjson", "jsonl"),
    };
    Response::builder()
        .header(header::CONTENT_TYPE, content_type)
        .header(
            header::CONTENT_DISPOSITION,
            format!("attachment; filename=\"{name}-run-{}.{extension}\"", run.id),
        )
        .body(Body::from_stream(stream))
        .map_err(|e| ApiError::new(Code::Failed, e.to_string()))
}
