//! How failures are reported: a message (or a JSON object with a stable code) on stderr and a
//! distinct exit code.

use patron_core::config::ConfigError;
use patron_ingest::IngestError;
use patron_store::StoreError;

/// Exit code: a general failure.
pub const EXIT_FAILURE: u8 = 1;
/// Exit code: the configuration is invalid.
pub const EXIT_CONFIG: u8 = 3;
/// Exit code: input data was rejected (nothing was imported).
pub const EXIT_DATA: u8 = 4;

/// An import that was aborted because of rejected rows; the details were already printed.
#[derive(Debug, thiserror::Error)]
#[error("{rejected} row(s) rejected (allowed: {allowed}); nothing was imported")]
pub struct Rejected {
    /// Rows rejected before stopping.
    pub rejected: u64,
    /// `--max-errors`.
    pub allowed: u64,
}

/// Rules that do not compile; the messages were already printed.
#[derive(Debug, thiserror::Error)]
#[error("{0} problem(s) in the rules; nothing was scored")]
pub struct RulesInvalid(pub usize);

/// Score-card settings that do not compile; the messages were already printed.
#[derive(Debug, thiserror::Error)]
#[error("{0} problem(s) in the score-card settings; nothing was scored")]
pub struct ScorecardInvalid(pub usize);

/// A `--where` condition or `--segment` that does not compile.
#[derive(Debug, thiserror::Error)]
#[error("bad condition: {0}")]
pub struct BadFilter(pub String);

/// Exit code: a usage error.
pub const EXIT_USAGE: u8 = 2;

/// A flag or argument whose value does not parse (e.g. `--as-of 2024-13-45`).
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct Usage(pub String);

/// There is no `patron.toml` where the project should be.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct ConfigMissing(pub String);

fn code(e: &anyhow::Error) -> &'static str {
    if let Some(a) = e.downcast_ref::<patron_app::AppError>() {
        return a.code();
    }
    if e.downcast_ref::<RulesInvalid>().is_some() {
        return "rules_invalid";
    }
    if e.downcast_ref::<ScorecardInvalid>().is_some() {
        return "scorecard_invalid";
    }
    if e.downcast_ref::<BadFilter>().is_some() {
        return "filter_invalid";
    }
    if e.downcast_ref::<Usage>().is_some() {
        return "usage";
    }
    if e.downcast_ref::<ConfigMissing>().is_some() {
        return "config_missing";
    }
    if let Some(m) = e.downcast_ref::<patron_engine::ml::MlError>() {
        return m.code();
    }
    if let Some(p) = e.downcast_ref::<patron_engine::predict::PredictError>() {
        return p.code();
    }
    if let Some(c) = e.downcast_ref::<ConfigError>() {
        c.code()
    } else if let Some(i) = e.downcast_ref::<IngestError>() {
        i.code()
    } else if let Some(s) = e.downcast_ref::<StoreError>() {
        s.code()
    } else if e.downcast_ref::<Rejected>().is_some() {
        "rows_rejected"
    } else {
        "failed"
    }
}

/// The process exit code for an error.
pub fn exit_code(e: &anyhow::Error) -> u8 {
    match code(e) {
        "config_invalid" | "config_unreadable" | "config_missing" | "project_missing"
        | "rules_invalid" | "scorecard_invalid" | "store_url" | "store_missing" => EXIT_CONFIG,
        "filter_invalid" | "usage" => EXIT_USAGE,
        "rows_rejected"
        | "source_header_mismatch"
        | "source_truncated"
        | "unknown_customer"
        | "bad_table"
        | "bad_folds" => EXIT_DATA,
        _ => EXIT_FAILURE,
    }
}

/// Prints the error to stderr.
pub fn report(e: &anyhow::Error, json: bool) {
    // Rules and settings that do not compile: every problem with its place, then the summary.
    match e.downcast_ref::<patron_app::AppError>() {
        Some(patron_app::AppError::RulesInvalid(problems)) => {
            for p in problems {
                eprintln!("error: {p}");
            }
        }
        Some(patron_app::AppError::ScorecardInvalid(problems)) => {
            for p in problems {
                eprintln!("error: {}: {p}", patron_core::config::CONFIG_FILE);
            }
        }
        _ => {}
    }
    if json {
        let value =
            serde_json::json!({ "error": { "code": code(e), "message": format!("{e:#}") } });
        eprintln!("{value}");
    } else {
        eprintln!("error: {e:#}");
    }
}
