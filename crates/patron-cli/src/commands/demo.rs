//! `patron demo`: generate a synthetic company, import it, run every analysis, report.

use crate::cli::{DemoArgs, Global, ImportArgs};
use crate::commands::import::{import_project, print_summary};
use crate::commands::quality::{print_report, quality_report};
use crate::commands::resolve_as_of;
use crate::commands::rfm::{print_segments, rfm_json};
use crate::output::{count, print_json, progress};
use crate::project::Project;
use anyhow::{Context, Result};
use patron_demo::{DemoOptions, generate};
use std::time::Instant;

/// `patron demo`.
pub async fn run(global: &Global, args: &DemoArgs) -> Result<()> {
    let quiet = global.quiet || global.json;
    let started = Instant::now();
    let options = DemoOptions {
        customers: args.customers,
        seed: args.seed,
        ..DemoOptions::default()
    };
    let dir = args.dir.clone();
    let bar = progress(args.customers, "generating", quiet);
    let generated = {
        let bar = bar.clone();
        let options = options.clone();
        tokio::task::spawn_blocking(move || {
            generate(&options, &dir, &mut |done| bar.set_position(done))
        })
        .await
        .context("the generator thread failed")?
        .with_context(|| format!("cannot write the demo into {}", args.dir.display()))?
    };
    bar.finish_and_clear();
    let generate_secs = started.elapsed().as_secs_f64();

    let project = Project::load_dir(args.dir.clone(), global.store.clone())?;
    let import_started = Instant::now();
    let import = import_project(
        &project,
        &ImportArgs {
            max_errors: 0,
            rejects: None,
            sources: Vec::new(),
        },
        quiet,
    )
    .await?;
    let import_secs = import_started.elapsed().as_secs_f64();

    let store = project.open_store().await?;
    let as_of = resolve_as_of(store.as_ref(), None).await?;
    let facts = store.load_facts(as_of).await?;
    let rfm =
        patron_engine::rfm::rfm(&facts, &project.config.rfm).map_err(|e| anyhow::anyhow!("{e}"))?;
    let quality = quality_report(&project, 10).await?;
    let total_secs = started.elapsed().as_secs_f64();

    if global.json {
        let mut rfm = rfm_json(&rfm, &facts);
        rfm.as_object_mut().map(|o| o.remove("customers"));
        return print_json(&serde_json::json!({
            "dir": args.dir.display().to_string(),
            "generated": {
                "customers": generated.customers, "leads": generated.leads, "order_lines": generated.order_lines,
                "orders": generated.orders, "events": generated.events, "tickets": generated.tickets,
                "invoices": generated.invoices, "outcomes": generated.outcomes,
                "duplicate_customers": generated.duplicate_customers,
            },
            "import": import,
            "rfm": rfm,
            "quality": quality,
            "seconds": { "generate": generate_secs, "import": import_secs, "total": total_secs },
        }));
    }
    println!(
        "Generated a synthetic company in {} (seed {}): {} customer records ({} leads, {} planted duplicates), \
         {} orders with {} lines, {} events, {} tickets, {} invoices, {} outcomes — {generate_secs:.1} s",
        args.dir.display(),
        args.seed,
        count(generated.customers),
        count(generated.leads),
        count(generated.duplicate_customers),
        count(generated.orders),
        count(generated.order_lines),
        count(generated.events),
        count(generated.tickets),
        count(generated.invoices),
        count(generated.outcomes),
    );
    println!("\nImported in {import_secs:.1} s:");
    print_summary(&import);
    println!();
    print_segments(&rfm, &project.config.project.currency);
    println!("\nData quality:");
    print_report(&quality);
    println!(
        "\nDone in {total_secs:.1} s. Explore: patron -C {} status | rfm --customers | quality",
        args.dir.display()
    );
    Ok(())
}
