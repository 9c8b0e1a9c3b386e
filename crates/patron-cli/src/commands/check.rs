//! `patron check`: is the store intact? The database's integrity check, then every stored score
//! run, card and model decoded. Exits 1 when anything is wrong.

use crate::cli::Global;
use crate::output::print_json;
use anyhow::Result;

/// `patron check` flags.
#[derive(Debug, clap::Args)]
pub struct CheckArgs {
    /// SQLite's quick check (pages and records, not index consistency): faster on big stores.
    #[arg(long)]
    pub quick: bool,
}

/// The store is damaged; the details were already printed.
#[derive(Debug, thiserror::Error)]
#[error(
    "the store is damaged: {0} problem(s); restore the latest backup (see README, Backup and restore)"
)]
pub struct StoreDamaged(pub usize);

/// `patron check`.
pub async fn run(global: &Global, args: &CheckArgs) -> Result<()> {
    let project = crate::project::load(global)?;
    let store = project.open_store().await?;
    let report = store.check(args.quick).await?;
    if global.json {
        print_json(&serde_json::json!({ "ok": report.is_ok(), "check": report }))?;
    } else {
        for line in &report.integrity {
            println!("integrity: {line}");
        }
        for line in &report.problems {
            println!("problem: {line}");
        }
        for line in &report.warnings {
            println!("warning: {line}");
        }
        println!(
            "{} {}: integrity {}, {} score run(s) and {} card(s) decoded, {} model(s)",
            if report.is_ok() { "ok" } else { "DAMAGED" },
            project.store_url,
            if report.integrity.is_empty() {
                "ok"
            } else {
                "FAILED"
            },
            report.score_runs,
            report.cards,
            report.models,
        );
    }
    if report.is_ok() {
        Ok(())
    } else {
        Err(StoreDamaged(report.integrity.len() + report.problems.len()).into())
    }
}
