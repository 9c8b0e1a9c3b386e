//! `patron backup FILE`: a consistent copy of the store while other commands go on.

use crate::cli::Global;
use crate::output::print_json;
use anyhow::Result;
use std::path::PathBuf;

/// `patron backup` flags.
#[derive(Debug, clap::Args)]
pub struct BackupArgs {
    /// The copy to write (a new file; relative to the current directory).
    pub file: PathBuf,
}

/// `patron backup FILE`.
pub async fn run(global: &Global, args: &BackupArgs) -> Result<()> {
    let project = crate::project::load(global)?;
    let store = project.open_store().await?;
    let report = store.backup(&args.file).await?;
    if global.json {
        return print_json(&report);
    }
    println!(
        "backed up {} to {}: {} bytes, {} score run(s), {:.1} s",
        project.store_url, report.path, report.bytes, report.score_runs, report.seconds
    );
    println!("restore: stop every patron command, then copy it over the store file");
    Ok(())
}
