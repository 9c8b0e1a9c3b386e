//! The application layer's errors, each with a stable code that the CLI maps to an exit code
//! and the server to an HTTP status.

use patron_core::code::Code;
use patron_core::config::ConfigError;
use patron_engine::scorecard::{CompileError, PipelineError};
use patron_store::StoreError;

/// Why a use case failed.
#[derive(Debug, thiserror::Error)]
pub enum AppError {
    /// No `patron.toml` in the project directory.
    #[error("no patron.toml in {0}: run `patron init` there, or pass --project DIR")]
    NoProject(String),
    /// `patron.toml` is invalid.
    #[error(transparent)]
    Config(#[from] ConfigError),
    /// The rules do not compile; each problem rendered with its place in `patron.toml`.
    #[error("{} problem(s) in the rules; nothing was scored", .0.len())]
    RulesInvalid(Vec<String>),
    /// The score-card settings do not compile.
    #[error("{} problem(s) in the score-card settings; nothing was scored", .0.len())]
    ScorecardInvalid(Vec<CompileError>),
    /// The store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The store could not be opened.
    #[error("cannot open the store {url}: {error}")]
    StoreOpen {
        /// The store URL.
        url: String,
        /// Why (not a `source`: the message names it once).
        error: StoreError,
    },
    /// A model or the snapshot failed.
    #[error(transparent)]
    Pipeline(#[from] PipelineError),
    /// `--source` names a source that `patron.toml` does not have.
    #[error("there is no [sources.{0}] in patron.toml")]
    UnknownSource(String),
    /// Reading a source failed (a file that cannot be opened, a header that does not match…).
    #[error(transparent)]
    Ingest(#[from] patron_ingest::IngestError),
    /// More rows were rejected than allowed; nothing was imported.
    #[error("{} row(s) rejected (allowed: {allowed}); nothing was imported", .rejections.len())]
    Rejected {
        /// `max_errors`.
        allowed: u64,
        /// The rejected rows (up to one more than allowed).
        rejections: Vec<patron_ingest::Rejection>,
    },
    /// The rejected rows could not be kept where the caller asked; nothing was imported.
    #[error("{0}; nothing was imported")]
    RejectsNotKept(String),
    /// A card condition (`--where`, a segment) that does not compile.
    #[error("bad condition: {0}")]
    Filter(String),
    /// What the command would replace is there, and it was not told to replace it.
    #[error("{0}")]
    Refused(String),
    /// A file or directory could not be read or written.
    #[error("{0}")]
    Io(String),
    /// The data cannot give what was asked.
    #[error("{0}")]
    Data(String),
    /// A model could not be trained, stored or applied.
    #[error(transparent)]
    Model(#[from] patron_engine::predict::PredictError),
    /// The store holds no facts yet.
    #[error("the store has no facts yet: run `patron import` first")]
    NoFacts,
    /// No score run (or not the one asked for).
    #[error("{0}")]
    NoRun(String),
    /// The customer is unknown, merged away, or not yet acquired at the run's `as_of`.
    #[error("{0}")]
    UnknownCustomer(String),
    /// A stored run or model could not be read back.
    #[error("{0}")]
    Corrupt(String),
    /// The project changed since the run in a way that makes its snapshot unusable.
    #[error("{0}")]
    Stale(String),
    /// An argument outside its domain.
    #[error("{0}")]
    Invalid(String),
    /// A key, webhook, job or other named thing that does not exist.
    #[error("{0}")]
    NotFound(String),
    /// Facts that name customers the store does not know; nothing was stored.
    #[error("{0}")]
    UnknownCustomers(String),
    /// A request with more items than allowed.
    #[error("{0}")]
    TooMany(String),
    /// Items of an ingest request that are invalid; nothing of the request was stored.
    #[error("{} invalid item(s); nothing was stored", .0.len())]
    InvalidFacts(Vec<crate::ingest::ItemError>),
}

impl AppError {
    /// The stable machine-readable code.
    pub fn code(&self) -> Code {
        match self {
            AppError::NoProject(_) => Code::ConfigMissing,
            AppError::Config(e) => e.code(),
            AppError::RulesInvalid(_) => Code::RulesInvalid,
            AppError::ScorecardInvalid(_) => Code::ScorecardInvalid,
            AppError::Store(e) | AppError::StoreOpen { error: e, .. } => e.code(),
            AppError::Pipeline(e) => e.code(),
            AppError::UnknownSource(_) => Code::SourceUnknown,
            AppError::Ingest(e) => e.code(),
            AppError::Rejected { .. } => Code::RowsRejected,
            AppError::RejectsNotKept(_) => Code::RejectsUnwritable,
            AppError::Filter(_) => Code::FilterInvalid,
            AppError::Refused(_) => Code::Refused,
            AppError::Io(_) => Code::IoFailed,
            AppError::Data(_) => Code::DataInvalid,
            AppError::Model(e) => e.code(),
            AppError::NoFacts => Code::NoFacts,
            AppError::NoRun(_) => Code::NoRun,
            AppError::UnknownCustomer(_) => Code::CustomerNotFound,
            AppError::Corrupt(_) => Code::StoreCorrupt,
            AppError::Stale(_) => Code::SnapshotStale,
            AppError::Invalid(_) => Code::InvalidArgument,
            AppError::NotFound(_) => Code::NotFound,
            AppError::InvalidFacts(_) => Code::InvalidFact,
            AppError::TooMany(_) => Code::PayloadTooLarge,
            AppError::UnknownCustomers(_) => Code::UnknownCustomer,
        }
    }
}
