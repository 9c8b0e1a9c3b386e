//! How failures are reported: a message (or a JSON object with a stable code) on stderr and a
//! distinct exit code.

use patron_core::code::{Code, Kind};
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

/// Exit code: a usage error.
pub const EXIT_USAGE: u8 = 2;

/// A flag or argument whose value does not parse (e.g. `--as-of 2024-13-45`).
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct Usage(pub String);

/// An input file (a summary, a survival table) whose content is not what the command needs;
/// the message names the file, line, column and value.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct BadFile(pub String);

/// There is no `patron.toml` where the project should be.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct ConfigMissing(pub String);

/// The stable code of an error: the first error in its chain that has one.
fn code(e: &anyhow::Error) -> Code {
    e.chain().find_map(code_of).unwrap_or(Code::Failed)
}

fn code_of(e: &(dyn std::error::Error + 'static)) -> Option<Code> {
    if let Some(a) = e.downcast_ref::<patron_app::AppError>() {
        return Some(a.code());
    }
    if e.is::<Usage>() {
        return Some(Code::Usage);
    }
    if e.is::<BadFile>() {
        return Some(Code::BadTable);
    }
    if e.is::<ConfigMissing>() {
        return Some(Code::ConfigMissing);
    }
    if e.is::<Rejected>() {
        return Some(Code::RowsRejected);
    }
    use patron_engine::{basket, cluster, clv, ml, predict, rfm, scorecard};
    e.downcast_ref::<ConfigError>()
        .map(ConfigError::code)
        .or_else(|| e.downcast_ref::<IngestError>().map(IngestError::code))
        .or_else(|| e.downcast_ref::<StoreError>().map(StoreError::code))
        .or_else(|| e.downcast_ref::<ml::MlError>().map(ml::MlError::code))
        .or_else(|| {
            e.downcast_ref::<predict::PredictError>()
                .map(predict::PredictError::code)
        })
        .or_else(|| e.downcast_ref::<clv::ClvError>().map(clv::ClvError::code))
        .or_else(|| {
            e.downcast_ref::<basket::BasketError>()
                .map(basket::BasketError::code)
        })
        .or_else(|| {
            e.downcast_ref::<cluster::ClusterError>()
                .map(cluster::ClusterError::code)
        })
        .or_else(|| {
            e.downcast_ref::<rfm::quantiles::BinError>()
                .map(rfm::quantiles::BinError::code)
        })
        .or_else(|| {
            e.downcast_ref::<scorecard::PipelineError>()
                .map(scorecard::PipelineError::code)
        })
}

/// The process exit code for an error: by the kind of its code.
pub fn exit_code(e: &anyhow::Error) -> u8 {
    match code(e).kind() {
        Kind::Usage => EXIT_USAGE,
        Kind::Config => EXIT_CONFIG,
        Kind::Rejected => EXIT_DATA,
        Kind::Unprocessable
        | Kind::NotFound
        | Kind::Conflict
        | Kind::Busy
        | Kind::Internal
        | Kind::Unauthorized
        | Kind::Forbidden
        | Kind::TooLarge
        | Kind::RateLimited => EXIT_FAILURE,
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
        let value = serde_json::json!({ "error": { "code": code(e).as_str(), "message": format!("{e:#}") } });
        eprintln!("{value}");
    } else {
        eprintln!("error: {e:#}");
    }
}
