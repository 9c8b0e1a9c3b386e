//! `patron bench live`: customers scored alone against the latest run — the real-time path —
//! timed per card and compared with the run's stored cards.

use crate::cli::Global;
use crate::output::{count, print_json};
use anyhow::Result;
use clap::Args;
use patron_core::ids::CustomerId;
use patron_core::random::Rng;
use serde_json::json;
use std::time::Instant;

/// Arguments of `patron bench live`.
#[derive(Debug, Args)]
pub struct BenchLiveArgs {
    /// Random customers of the run to score (drawn with the seed).
    #[arg(long, default_value_t = 10_000, conflicts_with = "all")]
    pub customers: usize,
    /// Score every customer of the run, in id order.
    #[arg(long)]
    pub all: bool,
    /// Seed of the draw.
    #[arg(long, default_value_t = 42)]
    pub seed: u64,
    /// The run (default: the latest).
    #[arg(long)]
    pub run: Option<i64>,
}

/// The `q` quantile of sorted values (nearest rank).
fn quantile(sorted: &[f64], q: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let rank = ((q * sorted.len() as f64).ceil() as usize).clamp(1, sorted.len());
    sorted[rank - 1]
}

/// `patron bench live`.
pub async fn run(global: &Global, args: &BenchLiveArgs) -> Result<()> {
    let started = Instant::now();
    let project = crate::project::load(global)?;
    let store = project.open_store().await?;
    let run = store
        .score_run(args.run)
        .await?
        .ok_or_else(|| anyhow::anyhow!("no score run yet: run `patron score` first"))?;
    let mut ids: Vec<CustomerId> = store
        .run_tiers(run.id)
        .await?
        .into_iter()
        .map(|(id, _)| id)
        .collect();
    if !args.all {
        let mut rng = Rng::seeded(args.seed);
        // A partial Fisher–Yates shuffle draws the sample without repeats.
        let n = args.customers.min(ids.len());
        for i in 0..n {
            let j = i + rng.below((ids.len() - i) as u64) as usize;
            ids.swap(i, j);
        }
        ids.truncate(n);
    }
    let check = patron_app::verify(&project, store.as_ref(), Some(run.id), &ids).await?;
    let mut sorted = check.seconds.clone();
    sorted.sort_by(f64::total_cmp);
    let ms = |q: f64| quantile(&sorted, q) * 1000.0;
    let mean = sorted.iter().sum::<f64>() / sorted.len().max(1) as f64 * 1000.0;
    if global.json {
        print_json(&json!({
            "run": check.run,
            "checked": check.checked,
            "identical": check.identical,
            "differing": check.differing.iter().map(|(id, field)| json!({ "customer": id, "first_difference": field })).collect::<Vec<_>>(),
            "milliseconds": { "mean": mean, "p50": ms(0.5), "p90": ms(0.9), "p99": ms(0.99), "max": ms(1.0) },
            "seconds": started.elapsed().as_secs_f64(),
        }))?;
    } else {
        println!(
            "Scored {} customers alone against run {}: {} identical to the run's card",
            count(check.checked as u64),
            check.run,
            count(check.identical as u64)
        );
        println!(
            "Per card (facts load + inputs + card): mean {mean:.3} ms, p50 {:.3} ms, p90 {:.3} ms, p99 {:.3} ms, max {:.3} ms",
            ms(0.5),
            ms(0.9),
            ms(0.99),
            ms(1.0)
        );
        for (id, field) in &check.differing {
            println!("  differs: {id}: {field}");
        }
    }
    anyhow::ensure!(
        check.identical == check.checked,
        "{} of {} cards scored alone differ from the run's",
        check.checked - check.identical,
        check.checked
    );
    Ok(())
}
