//! `patron quality`: per source and field — missing and invalid values, outliers, date gaps —
//! and duplicate-customer candidates in the store.

use crate::cli::{Global, QualityArgs};
use crate::output::print_json;
use crate::print::print_quality;
use anyhow::Result;
use patron_app::quality::quality_report;

/// `patron quality`.
pub async fn run(global: &Global, args: &QualityArgs) -> Result<()> {
    let project = crate::project::load(global)?;
    let report = quality_report(&project, args.limit).await?;
    if global.json {
        print_json(&report)
    } else {
        print_quality(&report);
        Ok(())
    }
}
