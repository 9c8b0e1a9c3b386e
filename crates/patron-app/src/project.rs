//! A project: its directory, its checked configuration, its store — and what every use case
//! compiles from the configuration once (score-card settings, rules, fact options).

use crate::AppError;
use patron_core::Timestamp;
use patron_core::config::{CONFIG_FILE, ProjectConfig};
use patron_engine::rules::RuleSet;
use patron_engine::scorecard::Settings;
use patron_store::{FactOptions, Store};
use std::path::{Path, PathBuf};

/// A loaded project.
pub struct Project {
    /// The project directory.
    pub dir: PathBuf,
    /// Its configuration.
    pub config: ProjectConfig,
    /// The store URL (flag/env over config).
    pub store_url: String,
}

impl Project {
    /// Loads `patron.toml` from `dir`; `store` overrides its store URL.
    pub fn load(dir: PathBuf, store: Option<String>) -> Result<Self, AppError> {
        let path = dir.join(CONFIG_FILE);
        if !path.exists() {
            return Err(AppError::NoProject(dir.display().to_string()));
        }
        let config = ProjectConfig::load(&path)?;
        let store_url = store.unwrap_or_else(|| config.store.url.clone());
        Ok(Project {
            dir,
            config,
            store_url,
        })
    }

    /// Opens the store, which must exist: a mistyped URL is an error, not a new empty store.
    pub async fn open_store(&self) -> Result<Box<dyn Store>, AppError> {
        patron_store::open_existing(&self.store_url, &self.dir)
            .await
            .map_err(|error| AppError::StoreOpen {
                url: self.store_url.clone(),
                error,
            })
    }

    /// Opens the store, creating it if needed (for an import, which fills it).
    pub async fn create_store(&self) -> Result<Box<dyn Store>, AppError> {
        patron_store::open(&self.store_url, &self.dir)
            .await
            .map_err(|error| AppError::StoreOpen {
                url: self.store_url.clone(),
                error,
            })
    }

    /// The score-card settings, checked.
    pub fn settings(&self) -> Result<Settings, AppError> {
        Settings::compile(&self.config).map_err(AppError::ScorecardInvalid)
    }

    /// The project's rules, compiled, if it has any.
    pub fn rules(&self) -> Result<Option<RuleSet>, AppError> {
        if self.config.scores.is_empty() {
            return Ok(None);
        }
        compile_rules(&self.config, &self.dir.join(CONFIG_FILE)).map(Some)
    }
}

/// The rules of `config`, read from the file at `path`, compiled; every problem rendered with
/// its line and column in that file.
pub fn compile_rules(config: &ProjectConfig, path: &Path) -> Result<RuleSet, AppError> {
    RuleSet::compile(&config.rules()).map_err(|errors| {
        let text = std::fs::read_to_string(path).unwrap_or_default();
        AppError::RulesInvalid(
            errors
                .iter()
                .map(|e| e.render(&path.display().to_string(), &text))
                .collect(),
        )
    })
}

/// The optional fact columns the rule sets read (their event properties).
pub fn fact_options(rule_sets: &[&RuleSet]) -> FactOptions {
    let mut event_properties: Vec<String> = Vec::new();
    for name in rule_sets.iter().flat_map(|r| r.event_properties()) {
        if !event_properties.iter().any(|p| p == name) {
            event_properties.push(name.to_owned());
        }
    }
    FactOptions { event_properties }
}

/// The `as_of` of a computation: the given time, or midnight after the day of the last fact.
pub async fn resolve_as_of(
    store: &dyn Store,
    given: Option<Timestamp>,
) -> Result<Timestamp, AppError> {
    if let Some(t) = given {
        return Ok(t);
    }
    let last = store.last_fact_time().await?.ok_or(AppError::NoFacts)?;
    Ok(Timestamp::from_date(last.date()).plus_days(1))
}

/// Stores up to this size have their pages checked before `status`, a score run and a rules
/// publish (SQLite's `quick_check`: a fraction of a second for the demo's store, seconds per
/// gigabyte). Larger stores are checked by `patron check`, when asked.
pub const CHECKED_STORE_BYTES: u64 = 1 << 30;

/// Fails with [`AppError::Corrupt`] when the store's pages are damaged; `Ok(false)` when the
/// store is larger than [`CHECKED_STORE_BYTES`] and was not checked.
pub async fn ensure_intact(store: &dyn Store) -> Result<bool, AppError> {
    match store.quick_check(CHECKED_STORE_BYTES).await? {
        None => Ok(false),
        Some(problems) if problems.is_empty() => Ok(true),
        Some(problems) => Err(AppError::Corrupt(format!(
            "the store is damaged ({}): `patron check` lists the damage; restore the latest backup (README: Backup and restore)",
            problems.into_iter().take(3).collect::<Vec<_>>().join("; ")
        ))),
    }
}
