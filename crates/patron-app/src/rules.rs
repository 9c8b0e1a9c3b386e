//! Rule sets checked and compared before they are published: what `patron rules check|diff`
//! print and the server's `/v1/rules/check|diff` answer.

use crate::AppError;
use crate::project::{Project, compile_rules, fact_options};
use patron_core::Timestamp;
use patron_core::config::ProjectConfig;
use patron_engine::rules::{RuleSet, ScoreTable};
use patron_store::Store;
use serde::Serialize;
use std::path::Path;

/// A rule set that compiles.
#[derive(Debug, Clone, Serialize)]
pub struct Checked {
    /// Always true (a rule set that does not compile is an error).
    pub ok: bool,
    /// Its version (a digest of the rules).
    pub version: String,
    /// Its scores.
    pub scores: Vec<String>,
    /// Its stages.
    pub stages: Vec<String>,
    /// Doubts against the data: event rules whose type no stored event has.
    pub warnings: Vec<String>,
}

/// The rules of configuration `text` (a whole patron.toml; `name` is used in messages),
/// compiled. Invalid TOML, configuration or rules are `config_invalid` / `rules_invalid`
/// errors with line and column.
pub fn compile_text(text: &str, name: &str) -> Result<RuleSet, AppError> {
    let path = Path::new(name);
    let config = ProjectConfig::parse(text, path)?;
    RuleSet::compile(&config.rules()).map_err(|errors| {
        AppError::RulesInvalid(errors.iter().map(|e| e.render(name, text)).collect())
    })
}

/// Checks `rules` against the data in `store`, if there is one.
pub async fn check(rules: &RuleSet, store: Option<&dyn Store>) -> Result<Checked, AppError> {
    let warnings = match store {
        Some(store) => rules.unknown_event_types(&store.event_types().await?),
        None => Vec::new(),
    };
    Ok(Checked {
        ok: true,
        version: rules.version().to_owned(),
        scores: rules
            .score_names()
            .iter()
            .map(|s| (*s).to_owned())
            .collect(),
        stages: rules
            .stage_names()
            .iter()
            .map(|s| (*s).to_owned())
            .collect(),
        warnings,
    })
}

/// The project's own rules, compiled.
pub fn project_rules(project: &Project) -> Result<RuleSet, AppError> {
    compile_rules(
        &project.config,
        &project.dir.join(patron_core::config::CONFIG_FILE),
    )
}

/// What changing rule set `old` for `new` does to every customer as of a time.
#[derive(Debug, Clone, Serialize)]
pub struct RulesDiff {
    /// Compared as of.
    pub as_of: Timestamp,
    /// The old version.
    pub old_version: String,
    /// The new version.
    pub new_version: String,
    /// Customers compared.
    pub customers: usize,
    /// Customers with at least one score that changes.
    pub score_changes: u64,
    /// Customers with at least one stage level that changes.
    pub stage_changes: u64,
    /// The first customers that change.
    pub examples: Vec<DiffExample>,
}

/// One customer that changes.
#[derive(Debug, Clone, Serialize)]
pub struct DiffExample {
    /// The customer.
    pub customer_id: String,
    /// Scores that change: (score, old, new); none = not in that rule set.
    pub scores: Vec<ScoreChange>,
    /// Stages that change.
    pub stages: Vec<StageChange>,
}

/// A score's old and new value.
#[derive(Debug, Clone, Serialize)]
pub struct ScoreChange {
    /// The score.
    pub score: String,
    /// Under the old rules.
    pub old: Option<f64>,
    /// Under the new rules.
    pub new: Option<f64>,
}

/// A stage's old and new level.
#[derive(Debug, Clone, Serialize)]
pub struct StageChange {
    /// The stage.
    pub stage: String,
    /// Under the old rules.
    pub old: Option<String>,
    /// Under the new rules.
    pub new: Option<String>,
}

/// Scores every customer under `old` and `new` as of `as_of` and counts what changes, with up
/// to `examples` customers that change.
pub async fn diff(
    store: &dyn Store,
    old: &RuleSet,
    new: &RuleSet,
    as_of: Timestamp,
    examples: usize,
) -> Result<RulesDiff, AppError> {
    let facts = store
        .load_facts_with(as_of, &fact_options(&[old, new]))
        .await?;
    let (before, after) = (
        old.score_all(&facts, facts.as_of),
        new.score_all(&facts, facts.as_of),
    );
    let mut scores: Vec<&str> = old
        .score_names()
        .into_iter()
        .chain(new.score_names())
        .collect();
    scores.sort_unstable();
    scores.dedup();
    let mut stages: Vec<&str> = old
        .stage_names()
        .into_iter()
        .chain(new.stage_names())
        .collect();
    stages.sort_unstable();
    stages.dedup();
    let mut diff = RulesDiff {
        as_of: facts.as_of,
        old_version: old.version().to_owned(),
        new_version: new.version().to_owned(),
        customers: facts.customers.len(),
        score_changes: 0,
        stage_changes: 0,
        examples: Vec::new(),
    };
    for c in 0..facts.customers.len() {
        let changed: Vec<ScoreChange> = scores
            .iter()
            .filter_map(|name| {
                let (a, b) = (value(old, &before, c, name), value(new, &after, c, name));
                (a != b).then(|| ScoreChange {
                    score: (*name).to_owned(),
                    old: a,
                    new: b,
                })
            })
            .collect();
        let moved: Vec<StageChange> = stages
            .iter()
            .filter_map(|stage| {
                let (a, b) = (level(old, &before, c, stage), level(new, &after, c, stage));
                (a != b).then(|| StageChange {
                    stage: (*stage).to_owned(),
                    old: a,
                    new: b,
                })
            })
            .collect();
        diff.score_changes += u64::from(!changed.is_empty());
        diff.stage_changes += u64::from(!moved.is_empty());
        if (!changed.is_empty() || !moved.is_empty()) && diff.examples.len() < examples {
            diff.examples.push(DiffExample {
                customer_id: facts.customers.ids[c].to_string(),
                scores: changed,
                stages: moved,
            });
        }
    }
    Ok(diff)
}

fn value(rules: &RuleSet, table: &ScoreTable, c: usize, name: &str) -> Option<f64> {
    rules
        .score_names()
        .iter()
        .position(|n| *n == name)
        .map(|s| table.value(c, s).to_f64())
}

fn level(rules: &RuleSet, table: &ScoreTable, c: usize, stage: &str) -> Option<String> {
    rules
        .stage_names()
        .iter()
        .position(|n| *n == stage)
        .and_then(|s| table.level(c, s).map(|l| rules.level_name(s, l).to_owned()))
}
