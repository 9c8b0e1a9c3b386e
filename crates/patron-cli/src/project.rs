//! The project, as the application layer loads it, from the command line's global flags.

use crate::cli::Global;
pub use patron_app::Project;

/// Loads the project that `--project`/`--store` name.
pub fn load(global: &Global) -> anyhow::Result<Project> {
    Ok(Project::load(global.project.clone(), global.store.clone())?)
}
