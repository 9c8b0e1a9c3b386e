//! `patron.toml`, the project configuration: where the store is, which source files exist and
//! how their columns map onto the canonical data model.
//!
//! Unknown keys anywhere are errors that name the key, line and column: a typo must never be
//! silently ignored.

mod column;
mod contracts;
mod expr;
mod fields;
mod privacy;
mod rfm;
mod rules;
mod scorecard;
mod source;
mod value;

pub use column::{ColumnSpec, DetailedColumn};
pub use contracts::{CLV_MODELS, ClvSection, ContractValue, ContractsSection};
pub use expr::{ArithExpr, ExprError};
pub use fields::{FieldKind, FieldSpec, fields_of};
pub use privacy::{RETAINED_FACTS, RetentionSection};
pub use rfm::{BinMethod, RfmSection, ScoreRange, SegmentRule, default_segments};
pub use rules::{
    CalendarPeriod, DURATION_UNITS, Decay, DecayConfig, Duration, GroupConfig, LevelConfig,
    LimitConfig, ORDER_EVENT, RuleConfig, RulesConfig, ScoreCategory, ScoreConfig, ScoreMap,
    Spanned, StageConfig, StageMap, TriggerConfig, closest, did_you_mean, duration_unit_secs,
    edit_distance,
};
pub use scorecard::{
    ActionRule, AlarmsSection, ChurnSection, ConsentSection, MissingConsent, PROFILING_SCORES,
    Purpose, ReminderConfig, SegmentConfig, ServiceLevel, StatusSection, TierConfig, TiersSection,
    ValueSection, WeightedInput, default_actions, default_service,
};
pub use source::{
    ColumnMap, Delimiter, Encoding, SkipRule, SourceConfig, SourceFormat, UnknownCustomer,
};
pub use value::{AbcBasis, AbcSection, MarginSection};

use serde::Deserialize;
use std::collections::BTreeMap;
use std::fmt;
use std::path::{Path, PathBuf};

/// The file name of a project's configuration.
pub const CONFIG_FILE: &str = "patron.toml";

/// A parsed, checked `patron.toml`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProjectConfig {
    /// `[project]`: name and conventions.
    #[serde(default)]
    pub project: ProjectSection,
    /// `[store]`: where facts and score runs live.
    #[serde(default)]
    pub store: StoreSection,
    /// `[import]`: defaults for every source.
    #[serde(default)]
    pub import: ImportSection,
    /// `[sources.NAME]`: one per input file.
    #[serde(default)]
    pub sources: BTreeMap<String, SourceConfig>,
    /// `[rfm]`: recency/frequency/monetary scores and segments.
    #[serde(default)]
    pub rfm: RfmSection,
    /// `[abc]`: value classes.
    #[serde(default)]
    pub abc: AbcSection,
    /// `[margin]`: cost of goods and cost-to-serve.
    #[serde(default)]
    pub margin: MarginSection,
    /// `[scores.NAME]`: named rule scores (see [`RulesConfig`]).
    #[serde(default)]
    pub scores: ScoreMap,
    /// `[stages.NAME]`: levels over scores.
    #[serde(default)]
    pub stages: StageMap,
    /// `[[triggers]]`: outbox entries on stage entries and score crossings.
    #[serde(default)]
    pub triggers: Vec<toml::Spanned<TriggerConfig>>,
    /// `[value]`: the composite value score.
    #[serde(default)]
    pub value: ValueSection,
    /// `[tiers]`: tier shares.
    #[serde(default)]
    pub tiers: TiersSection,
    /// `[status]`: at-risk threshold and valuable tiers.
    #[serde(default)]
    pub status: StatusSection,
    /// `[service.TIER]`: the service matrix (default: [`default_service`]).
    #[serde(default = "default_service")]
    pub service: BTreeMap<String, ServiceLevel>,
    /// `[alarms]`.
    #[serde(default)]
    pub alarms: AlarmsSection,
    /// `[[actions]]`: the next-best-action decision table (default: [`default_actions`]).
    #[serde(default = "default_actions")]
    pub actions: Vec<ActionRule>,
    /// `[segments.NAME]`: named filters over card fields.
    #[serde(default)]
    pub segments: BTreeMap<String, SegmentConfig>,
    /// `[consent]`: what is computed without profiling consent.
    #[serde(default)]
    pub consent: ConsentSection,
    /// `[churn]`: churn definition.
    #[serde(default)]
    pub churn: ChurnSection,
    /// `[[reminders]]`: service reminders after purchases in a category.
    #[serde(default)]
    pub reminders: Vec<ReminderConfig>,
    /// `[server]`: `patron serve` (flags and `PATRON_*` variables override it).
    #[serde(default)]
    pub server: ServerSection,
    /// `[retention]`: how long facts and inactive persons are kept (`patron privacy purge`).
    #[serde(default)]
    pub retention: RetentionSection,
    /// `[contracts]`: renewals, their alarm and the residual contract value.
    #[serde(default)]
    pub contracts: ContractsSection,
    /// `[clv]`: the lifetime-value model of score runs.
    #[serde(default)]
    pub clv: ClvSection,
}

/// `[server]`: how `patron serve` runs. Each key is overridden by its flag or `PATRON_*`
/// variable.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ServerSection {
    /// Address to listen on (default `127.0.0.1:8080`).
    pub listen: Option<String>,
    /// Requests per second per API key; 0 for no limit (default).
    pub rate_limit: Option<u32>,
    /// Largest request body in bytes (default 16 MiB).
    pub body_limit: Option<usize>,
    /// Live cards as of this fixed date or time instead of now.
    pub live_as_of: Option<String>,
    /// Logs as JSON lines.
    pub log_json: Option<bool>,
}

/// `[project]`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProjectSection {
    /// A display name.
    #[serde(default = "default_name")]
    pub name: String,
    /// ISO currency code of all amounts (Patron does not convert currencies).
    #[serde(default = "default_currency")]
    pub currency: String,
}

fn default_name() -> String {
    "patron".into()
}
fn default_currency() -> String {
    "EUR".into()
}

impl Default for ProjectSection {
    fn default() -> Self {
        ProjectSection {
            name: default_name(),
            currency: default_currency(),
        }
    }
}

/// `[store]`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StoreSection {
    /// `sqlite://FILE` (relative to the project directory) or, later, `postgres://…`.
    /// Overridden by `PATRON_STORE_URL`.
    #[serde(default = "default_store_url")]
    pub url: String,
}

fn default_store_url() -> String {
    "sqlite://patron.db".into()
}

impl Default for StoreSection {
    fn default() -> Self {
        StoreSection {
            url: default_store_url(),
        }
    }
}

/// `[import]`: defaults that a source may override.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ImportSection {
    /// What to do with a fact whose customer is unknown: `create` a stub customer, or `reject`.
    #[serde(default)]
    pub unknown_customer: UnknownCustomer,
}

/// A configuration error with its position in the file.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// The file could not be read.
    #[error("cannot read {path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// The file is not valid, with line and column (1-based) when known.
    #[error("{path}:{line}:{column}: {message}")]
    Invalid {
        /// The file.
        path: PathBuf,
        /// 1-based line.
        line: usize,
        /// 1-based column.
        column: usize,
        /// What is wrong.
        message: String,
    },
}

impl ConfigError {
    /// A stable machine-readable code for this error.
    pub fn code(&self) -> crate::code::Code {
        match self {
            ConfigError::Io { .. } => crate::code::Code::ConfigUnreadable,
            ConfigError::Invalid { .. } => crate::code::Code::ConfigInvalid,
        }
    }
}

/// 1-based (line, column) of a byte offset in `text`. An offset past the end counts as the
/// end, and one inside a multi-byte character as that character (an offset mapped from inside
/// an escaped TOML string into the file can land there; placing an error must never panic).
pub fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let mut end = offset.min(text.len());
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    let before = &text[..end];
    let line = before.matches('\n').count() + 1;
    let column = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
    (line, column)
}

/// Where the section a message starts with (`[rfm] …`, `[sources.x] …`) is declared, so
/// problems that serde spans cannot locate still point at the right line.
fn section_offset(text: &str, message: &str) -> usize {
    let Some(header) = message.strip_prefix('[').and_then(|m| m.split(']').next()) else {
        return 0;
    };
    text.lines()
        .scan(0, |offset, line| {
            let start = *offset;
            *offset += line.len() + 1;
            Some((start, line.trim()))
        })
        .find(|(_, line)| {
            line.strip_prefix('[')
                .and_then(|l| l.strip_suffix(']'))
                .is_some_and(|h| h.trim() == header)
        })
        .map_or(0, |(start, _)| start)
}

/// A problem found after parsing, at a byte span of the file.
#[derive(Debug, Clone, PartialEq)]
pub struct SpannedProblem {
    /// Byte offset where the offending item starts.
    pub offset: usize,
    /// What is wrong.
    pub message: String,
}

impl ProjectConfig {
    /// Reads and checks `patron.toml`.
    pub fn load(path: &Path) -> Result<Self, ConfigError> {
        let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Io {
            path: path.to_owned(),
            source,
        })?;
        Self::parse(&text, path)
    }

    /// Parses and checks configuration text; `path` is only used in messages.
    pub fn parse(text: &str, path: &Path) -> Result<Self, ConfigError> {
        let invalid = |offset: usize, message: String| {
            let (line, column) = line_col(text, offset);
            ConfigError::Invalid {
                path: path.to_owned(),
                line,
                column,
                message,
            }
        };
        let config: ProjectConfig = toml::from_str(text).map_err(|e| {
            let offset = e.span().map_or(0, |s| s.start);
            invalid(offset, e.message().trim().to_owned())
        })?;
        if let Some(problem) = config.problems().into_iter().next() {
            let offset = if problem.offset == 0 {
                section_offset(text, &problem.message)
            } else {
                problem.offset
            };
            return Err(invalid(offset, problem.message));
        }
        Ok(config)
    }

    /// Semantic checks that serde cannot express (field names per entity, required fields,
    /// expression syntax, filter shape, references between scores, stages and triggers).
    fn problems(&self) -> Vec<SpannedProblem> {
        let mut problems = Vec::new();
        for (name, source) in &self.sources {
            source.check(name, &mut problems);
        }
        problems.extend(rules::problems(&self.scores, &self.stages, &self.triggers));
        let semantic = self
            .rfm
            .problems()
            .into_iter()
            .chain(self.abc.problems())
            .chain(self.margin.problems())
            .chain(self.contracts.problems())
            .chain(self.clv.problems());
        problems.extend(semantic.map(|message| SpannedProblem { offset: 0, message }));
        problems.sort_by_key(|p| p.offset);
        problems
    }
}

impl fmt::Display for UnknownCustomer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            UnknownCustomer::Create => "create",
            UnknownCustomer::Reject => "reject",
        })
    }
}

#[cfg(test)]
mod tests;
