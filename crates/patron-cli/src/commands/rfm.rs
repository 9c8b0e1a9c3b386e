//! `patron rfm`: recency, frequency, monetary scores and segments.

use crate::cli::{Global, RfmArgs};
use crate::commands::load_facts_as_of;
use crate::output::{Table, print_json};
use crate::print::{print_segments, rfm_json};
use anyhow::Result;
use patron_engine::rfm::rfm;

/// `patron rfm`.
pub async fn run(global: &Global, args: &RfmArgs) -> Result<()> {
    let project = crate::project::load(global)?;
    let facts = load_facts_as_of(&project, args.as_of.as_deref()).await?;
    let result = rfm(&facts, &project.config.rfm)?;
    if global.json {
        return print_json(&rfm_json(&result, Some(&facts.customers.ids)));
    }
    print_segments(&result, &project.config.project.currency);
    if args.customers {
        let mut t = Table::new(&[
            "customer",
            "recency",
            "frequency",
            "monetary",
            "R",
            "F",
            "M",
            "segment",
        ]);
        for row in &result.rows {
            t.row(vec![
                facts.customers.ids[row.customer as usize].to_string(),
                row.recency_days.to_string(),
                row.frequency.to_string(),
                row.monetary.to_string(),
                row.r.to_string(),
                row.f.to_string(),
                row.m.to_string(),
                row.segment
                    .map_or("", |s| result.segments[s].segment.as_str())
                    .to_owned(),
            ]);
        }
        println!("\n{}", t.render());
    }
    Ok(())
}
