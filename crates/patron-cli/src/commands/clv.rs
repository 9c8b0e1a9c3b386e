//! `patron clv …`: buy-till-you-die summaries, model fits and predictions.

use crate::cli::{ClvCommand, ClvWindowArgs, Global};
use crate::output::{Table, print_json};
use crate::project::Project;
use anyhow::{Context, Result};
use patron_core::Timestamp;
use patron_core::facts::Facts;
use patron_engine::repeat_summary::{RepeatSummary, repeat_summary};
use serde_json::json;

/// Days per time unit. A month is a twelfth of a Julian year (365.25 / 12 = 30.4375 days), never
/// "30 days".
pub fn unit_days(unit: &str) -> f64 {
    match unit {
        "day" => 1.0,
        "month" => 365.25 / 12.0,
        _ => 7.0,
    }
}

/// Loads the facts of a window and summarises them.
pub async fn summary_from_store(
    project: &Project,
    window: &ClvWindowArgs,
) -> Result<(Facts, RepeatSummary, i64)> {
    let store = project.open_store().await?;
    let end_day = match &window.end {
        Some(text) => Timestamp::parse_flexible(text)
            .context("--end")?
            .day_number(),
        None => store
            .last_fact_time()
            .await?
            .context("the store has no facts yet: run `patron import`")?
            .day_number(),
    };
    let start_day = match &window.start {
        Some(text) => Timestamp::parse_flexible(text)
            .context("--start")?
            .day_number(),
        None => i64::MIN,
    };
    let facts = store
        .load_facts(Timestamp::from_secs((end_day + 1) * patron_core::time::DAY))
        .await?;
    let summary = repeat_summary(&facts, start_day, end_day, unit_days(&window.unit));
    Ok((facts, summary, end_day))
}

/// `patron clv …`.
pub async fn run(global: &Global, command: &ClvCommand) -> Result<()> {
    let project = Project::load(global)?;
    match command {
        ClvCommand::Summary(window) => {
            let (facts, s, end_day) = summary_from_store(&project, window).await?;
            let end = Timestamp::from_secs(end_day * patron_core::time::DAY).date();
            let ids = &facts.customers.ids;
            if global.json {
                let customers: Vec<_> = (0..s.len())
                    .map(|i| {
                        json!({
                            "customer_id": ids[s.customer[i] as usize], "x": s.x[i], "t_x": s.t_x[i],
                            "T": s.t[i], "zbar": s.mean_repeat_spend[i],
                        })
                    })
                    .collect();
                return print_json(
                    &json!({ "end": end, "unit": window.unit, "customers": customers }),
                );
            }
            let mut t = Table::new(&["customer", "x", "t_x", "T", "zbar"]);
            for i in 0..s.len() {
                t.row(vec![
                    ids[s.customer[i] as usize].to_string(),
                    format!("{}", s.x[i]),
                    format!("{:.2}", s.t_x[i]),
                    format!("{:.2}", s.t[i]),
                    format!("{:.2}", s.mean_repeat_spend[i]),
                ]);
            }
            println!(
                "BTYD summary up to {end} in {}s\n{}",
                window.unit,
                t.render()
            );
            Ok(())
        }
    }
}
