//! The project: its directory, its checked configuration, its store.

use crate::cli::Global;
use anyhow::{Context, Result};
use patron_core::config::{CONFIG_FILE, ProjectConfig};
use patron_store::Store;
use std::path::PathBuf;

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
    /// Loads `patron.toml` from the project directory.
    pub fn load(global: &Global) -> Result<Self> {
        Self::load_dir(global.project.clone(), global.store.clone())
    }

    /// Loads the project in `dir`.
    pub fn load_dir(dir: PathBuf, store: Option<String>) -> Result<Self> {
        let path = dir.join(CONFIG_FILE);
        if !path.exists() {
            return Err(crate::error::ConfigMissing(format!(
                "no {CONFIG_FILE} in {}: run `patron init` there, or pass --project DIR",
                dir.display()
            ))
            .into());
        }
        let config = ProjectConfig::load(&path)?;
        let store_url = store.unwrap_or_else(|| config.store.url.clone());
        Ok(Project {
            dir,
            config,
            store_url,
        })
    }

    /// Opens the store, which must exist (a mistyped URL is an error, not a new empty store).
    pub async fn open_store(&self) -> Result<Box<dyn Store>> {
        patron_store::open_existing(&self.store_url, &self.dir)
            .await
            .with_context(|| format!("cannot open the store {}", self.store_url))
    }

    /// Opens the store, creating it if needed (for `import`, which fills it).
    pub async fn create_store(&self) -> Result<Box<dyn Store>> {
        patron_store::open(&self.store_url, &self.dir)
            .await
            .with_context(|| format!("cannot open the store {}", self.store_url))
    }
}
