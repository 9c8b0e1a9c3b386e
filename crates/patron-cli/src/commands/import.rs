//! `patron import`: every source into the store, in one transaction.

use crate::cli::{Global, ImportArgs};
use crate::importing::{import_project, print_import};
use crate::output::print_json;
use anyhow::Result;

/// `patron import`.
pub async fn run(global: &Global, args: &ImportArgs) -> Result<()> {
    let project = crate::project::load(global)?;
    let summary =
        import_project(&project, args, global.quiet || global.json, !global.no_wait).await?;
    if global.json {
        print_json(&summary)
    } else {
        print_import(&summary);
        Ok(())
    }
}
