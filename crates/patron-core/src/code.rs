//! Stable error codes: every library error names one. The CLI maps a code's [`Kind`] to an exit
//! code, the server to an HTTP status; scripts and API clients match on [`Code::as_str`], which
//! never changes for a code once released.

use serde::Serialize;
use std::fmt;

/// What kind of failure a code is, which decides its exit code and HTTP status.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    /// The request itself is malformed (a flag, an argument, a condition): exit 2, HTTP 400.
    Usage,
    /// The project's configuration is missing or invalid: exit 3, HTTP 500.
    Config,
    /// Input data was rejected (nothing of it was stored): exit 4, HTTP 422.
    Rejected,
    /// The data cannot give what was asked (too little history, degenerate values): exit 1,
    /// HTTP 422.
    Unprocessable,
    /// What was asked for does not exist: exit 1, HTTP 404.
    NotFound,
    /// The store's state does not allow it (a conflicting run, a refused merge): exit 1, HTTP 409.
    Conflict,
    /// Another writer holds the store: exit 1, HTTP 503.
    Busy,
    /// No credentials, or credentials that are not valid (server only): HTTP 401.
    Unauthorized,
    /// Valid credentials without the scope for this (server only): HTTP 403.
    Forbidden,
    /// A request larger than allowed (server only): HTTP 413.
    TooLarge,
    /// Too many requests for the key's rate limit (server only): HTTP 429.
    RateLimited,
    /// Anything else: exit 1, HTTP 500.
    Internal,
}

impl Kind {
    /// The HTTP status the server answers with.
    pub fn http_status(self) -> u16 {
        match self {
            Kind::Usage => 400,
            Kind::Unauthorized => 401,
            Kind::Forbidden => 403,
            Kind::NotFound => 404,
            Kind::Conflict => 409,
            Kind::TooLarge => 413,
            Kind::Rejected | Kind::Unprocessable => 422,
            Kind::RateLimited => 429,
            Kind::Config | Kind::Internal => 500,
            Kind::Busy => 503,
        }
    }
}

macro_rules! codes {
    ($($(#[$doc:meta])* $name:ident = $text:literal, $kind:ident;)*) => {
        /// A stable error code.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
        pub enum Code {
            $($(#[$doc])* #[serde(rename = $text)] $name,)*
        }

        impl Code {
            /// Every code, in declaration order.
            pub const ALL: &'static [Code] = &[$(Code::$name,)*];

            /// The code as scripts and API clients see it (`config_invalid`).
            pub fn as_str(self) -> &'static str {
                match self {
                    $(Code::$name => $text,)*
                }
            }

            /// Its kind.
            pub fn kind(self) -> Kind {
                match self {
                    $(Code::$name => Kind::$kind,)*
                }
            }
        }
    };
}

codes! {
    /// A flag or argument that does not parse.
    Usage = "usage", Usage;
    /// A `--where` condition or segment that does not compile.
    FilterInvalid = "filter_invalid", Usage;
    /// An argument outside its domain (a support outside (0, 1], k < 2…).
    InvalidArgument = "invalid_argument", Usage;
    /// A request body that is not the JSON expected (server).
    BadRequest = "bad_request", Usage;
    /// No API key, or one that is unknown or revoked (server).
    Unauthorized = "unauthorized", Unauthorized;
    /// An API key without the scope this needs (server).
    Forbidden = "forbidden", Forbidden;
    /// A body or batch larger than allowed (server).
    PayloadTooLarge = "payload_too_large", TooLarge;
    /// The key's rate limit is exceeded; retry after the time given (server).
    RateLimited = "rate_limited", RateLimited;
    /// A route, key, webhook or job that does not exist (server).
    NotFound = "not_found", NotFound;
    /// An item of an ingest request that is invalid; nothing of the request was stored.
    InvalidFact = "invalid_fact", Rejected;
    /// No `patron.toml` where the project should be.
    ConfigMissing = "config_missing", Config;
    /// `patron.toml` cannot be read.
    ConfigUnreadable = "config_unreadable", Config;
    /// `patron.toml` is invalid.
    ConfigInvalid = "config_invalid", Config;
    /// The rules do not compile.
    RulesInvalid = "rules_invalid", Config;
    /// The score-card settings do not compile.
    ScorecardInvalid = "scorecard_invalid", Config;
    /// A source named that `patron.toml` does not have.
    SourceUnknown = "source_unknown", Config;
    /// The store URL is malformed or names an unsupported backend or a missing directory.
    StoreUrl = "store_url", Config;
    /// There is no store at the URL (and the command does not create one).
    StoreMissing = "store_missing", Config;
    /// A source file cannot be opened.
    SourceUnreadable = "source_unreadable", Unprocessable;
    /// A source's header does not match its mapping.
    SourceHeaderMismatch = "source_header_mismatch", Rejected;
    /// A source file ends in the middle of a record or of its compression.
    SourceTruncated = "source_truncated", Rejected;
    /// A source format that cannot be read.
    SourceFormatUnsupported = "source_format_unsupported", Unprocessable;
    /// More rows were rejected than allowed.
    RowsRejected = "rows_rejected", Rejected;
    /// The rejected rows could not be written where asked.
    RejectsUnwritable = "rejects_unwritable", Unprocessable;
    /// A table given to `train` cannot be used.
    BadTable = "bad_table", Rejected;
    /// Folds that cannot be built from the data.
    BadFolds = "bad_folds", Rejected;
    /// Too little data to fit a model.
    NotEnoughData = "not_enough_data", Unprocessable;
    /// Data that breaks a model's assumptions (a CLV summary row, an RFM population whose
    /// quantile edges coincide).
    DataInvalid = "data_invalid", Unprocessable;
    /// A fact names a customer the store does not know (and stubs are not created).
    UnknownCustomer = "unknown_customer", Rejected;
    /// The customer asked for does not exist (or was merged away, or is not yet a customer).
    CustomerNotFound = "customer_not_found", NotFound;
    /// No score run yet, or not the one asked for.
    NoRun = "no_run", NotFound;
    /// The store holds no facts yet.
    NoFacts = "no_facts", NotFound;
    /// A merge that cannot be done or undone.
    MergeRefused = "merge_refused", Conflict;
    /// A rule run that cannot be started, continued or finished as asked.
    RuleRunConflict = "rule_run_conflict", Conflict;
    /// A stored run's snapshot does not fit the project any more (rules changed).
    SnapshotStale = "snapshot_stale", Conflict;
    /// A command that would overwrite what is there (a project directory that is not empty).
    Refused = "refused", Conflict;
    /// Another process holds the store's writer lock.
    StoreBusy = "store_busy", Busy;
    /// The writer lock file cannot be used.
    StoreLock = "store_lock", Internal;
    /// The database reported an error.
    StoreDatabase = "store_database", Internal;
    /// A schema migration failed.
    StoreMigration = "store_migration", Internal;
    /// Something stored cannot be read back (a run, a card, a model).
    StoreCorrupt = "store_corrupt", Internal;
    /// A backup could not be made.
    BackupFailed = "backup_failed", Internal;
    /// An import was stopped before it finished.
    ImportStopped = "import_stopped", Internal;
    /// A model fit did not converge or failed.
    FitFailed = "fit_failed", Internal;
    /// A stored model cannot be read.
    BadModel = "bad_model", Internal;
    /// A model's features do not match the data.
    FeatureMismatch = "feature_mismatch", Internal;
    /// The hypergeometric function behind Pareto/NBD could not be evaluated.
    NumericFailure = "numeric_failure", Internal;
    /// A file or directory that cannot be read or written.
    IoFailed = "io_failed", Internal;
    /// Anything else.
    Failed = "failed", Internal;
}

impl fmt::Display for Code {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_distinct_snake_case_and_serialise_as_their_text() {
        let mut seen = std::collections::BTreeSet::new();
        for code in Code::ALL {
            let text = code.as_str();
            assert!(seen.insert(text), "{text} twice");
            assert!(text.chars().all(|c| c.is_ascii_lowercase() || c == '_'));
            assert_eq!(serde_json::to_value(code).unwrap(), text);
        }
    }
}
