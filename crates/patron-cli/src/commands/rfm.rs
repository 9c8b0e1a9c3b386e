//! `patron rfm`: recency, frequency, monetary scores and segments.

use crate::cli::{Global, RfmArgs};
use crate::commands::load_facts_as_of;
use crate::output::{Table, amount, count, print_json};
use anyhow::Result;
use patron_core::facts::Facts;
use patron_engine::rfm::{RfmResult, rfm};
use serde_json::json;

/// The JSON document `patron rfm --json` prints.
pub fn rfm_json(result: &RfmResult, facts: &Facts) -> serde_json::Value {
    let customers: Vec<_> = result
        .rows
        .iter()
        .map(|row| {
            json!({
                "customer_id": facts.customers.ids[row.customer as usize],
                "recency_days": row.recency_days,
                "frequency": row.frequency,
                "monetary": row.monetary.to_f64(),
                "r": row.r,
                "f": row.f,
                "m": row.m,
                "segment": row.segment.map(|s| result.segments[s].segment.as_str()),
            })
        })
        .collect();
    let segments: Vec<_> = result
        .segments
        .iter()
        .map(|s| {
            json!({
                "segment": s.segment,
                "customers": s.customers,
                "customer_share": s.customer_share,
                "revenue": s.revenue.to_f64(),
                "revenue_share": s.revenue_share,
            })
        })
        .collect();
    json!({ "as_of": result.as_of, "segments": segments, "unsegmented": result.unsegmented, "customers": customers })
}

/// Prints the segment table.
pub fn print_segments(result: &RfmResult, currency: &str) {
    println!(
        "RFM as of {} — {} customers with purchases",
        result.as_of.date(),
        count(result.rows.len() as u64)
    );
    let mut t = Table::new(&["segment", "customers", "share", "revenue", "revenue share"]);
    for s in &result.segments {
        t.row(vec![
            s.segment.clone(),
            count(s.customers),
            format!("{:.1}%", 100.0 * s.customer_share),
            format!("{} {currency}", amount(s.revenue.to_f64())),
            format!("{:.1}%", 100.0 * s.revenue_share),
        ]);
    }
    if result.unsegmented > 0 {
        t.row(vec![
            "(no segment)".into(),
            count(result.unsegmented),
            String::new(),
            String::new(),
            String::new(),
        ]);
    }
    println!("{}", t.render());
}

/// `patron rfm`.
pub async fn run(global: &Global, args: &RfmArgs) -> Result<()> {
    let project = crate::project::load(global)?;
    let facts = load_facts_as_of(&project, args.as_of.as_deref()).await?;
    let result = rfm(&facts, &project.config.rfm)?;
    if global.json {
        return print_json(&rfm_json(&result, &facts));
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
