//! `patron score`: every score of every customer as of a date, stored as a score run with its
//! frozen context — glue around [`patron_app::score_run`].

use crate::cli::{Global, ScoreArgs};
use crate::commands::resolve_as_of;
use crate::output::{Stages, Table, amount, count, print_json};
use anyhow::Result;
use patron_app::ScoreRun;
use serde_json::{Value, json};

/// `patron score`.
pub async fn run(global: &Global, args: &ScoreArgs) -> Result<()> {
    let project = crate::project::load(global)?;
    // Settings and rules are checked before the store is opened.
    project.settings()?;
    project.rules()?;
    let store = project.open_store().await?;
    let as_of = resolve_as_of(store.as_ref(), args.as_of.as_deref()).await?;
    let mut stages = Stages::new(global.quiet || global.json);
    let run = patron_app::score_run(&project, store.as_ref(), as_of, &mut stages).await?;
    stages.finish();
    if global.json {
        return print_json(&json!({
            "run": run.id,
            "as_of": as_of,
            "rules_version": run.context.rules_version,
            "models": run.context.models,
            "summary": run.summary,
            "seconds": run.seconds,
        }));
    }
    print_run(&run, &project.config.project.currency);
    Ok(())
}

/// Prints a run's summary for people.
pub fn print_run(run: &ScoreRun, currency: &str) {
    let (id, summary) = (run.id, &run.summary);
    println!(
        "Score run {id} as of {}: {} customers ({} leads), {:.1} s",
        run.context.scoring.as_of.date(),
        count(summary["customers"].as_u64().unwrap_or(0)),
        count(summary["leads"].as_u64().unwrap_or(0)),
        run.seconds.get("total").copied().unwrap_or(0.0)
    );
    let mut t = Table::new(&[
        "tier",
        "customers",
        "share of profiled buyers",
        &format!("CLV 12 mo ({currency})"),
    ]);
    for tier in summary["tiers"].as_array().into_iter().flatten() {
        t.row(vec![
            tier["tier"].as_str().unwrap_or("").to_owned(),
            count(tier["customers"].as_u64().unwrap_or(0)),
            format!(
                "{:.1} %",
                tier["share_of_profiled_buyers"].as_f64().unwrap_or(0.0) * 100.0
            ),
            amount(tier["clv"].as_f64().unwrap_or(0.0)),
        ]);
    }
    println!("{}", t.render().trim_end());
    let status: Vec<String> = summary["status"]
        .as_object()
        .into_iter()
        .flatten()
        .map(|(k, v)| format!("{k} {v}"))
        .collect();
    println!(
        "status: {}; CLV at risk {} {currency}",
        status.join(", "),
        amount(summary["at_risk_clv"].as_f64().unwrap_or(0.0))
    );
    let alarms = &summary["alarms"];
    let list = |v: &Value| -> String {
        let items: Vec<String> = v
            .as_object()
            .into_iter()
            .flatten()
            .map(|(k, n)| format!("{k} {n}"))
            .collect();
        if items.is_empty() {
            "none".into()
        } else {
            items.join(", ")
        }
    };
    println!(
        "alarms raised: {}; cleared: {}; still open: {}",
        list(&alarms["raised"]),
        list(&alarms["cleared"]),
        alarms["continuing"]
    );
    println!("actions: {}", list(&summary["actions"]));
    if let Some(n) = summary["no_profiling_consent"].as_u64().filter(|n| *n > 0) {
        println!(
            "{} customers without profiling consent got only the scores allowed without it",
            count(n)
        );
    }
    println!(
        "Explore: patron show CUSTOMER | patron export --where 'tier == \"VIP\" && churn_risk > 0.3' --format csv"
    );
}
