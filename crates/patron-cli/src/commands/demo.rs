//! `patron demo`: generate a synthetic company, import it, run every analysis, report.

use crate::cli::{DemoArgs, Global, ImportArgs};
use crate::commands::clv::fit_json;
use crate::commands::import::{import_project, print_summary};
use crate::commands::quality::{print_report, quality_report};
use crate::commands::resolve_as_of;
use crate::commands::rfm::{print_segments, rfm_json};
use crate::output::{amount, count, print_json, progress};
use crate::project::Project;
use anyhow::{Context, Result};
use patron_demo::{DemoOptions, DemoSummary, generate};
use patron_engine::abc::{AbcResult, abc, population};
use patron_engine::clv::policy::default_clv;
use patron_engine::margin::{MarginResult, margins};
use std::path::Path;
use std::time::Instant;

/// Removes a store left by an earlier demo (maybe of another size), which would mix with the
/// new data: the demo is self-contained.
fn remove_old_store(dir: &Path) -> Result<()> {
    for suffix in ["", "-wal", "-shm"] {
        let path = dir.join(format!("patron.db{suffix}"));
        if path.exists() {
            std::fs::remove_file(&path)
                .with_context(|| format!("cannot remove {}", path.display()))?;
        }
    }
    Ok(())
}

/// `patron demo`.
pub async fn run(global: &Global, args: &DemoArgs) -> Result<()> {
    crate::commands::init::refuse_non_empty(&args.dir, args.force)?;
    let quiet = global.quiet || global.json;
    let started = Instant::now();
    let options = DemoOptions {
        customers: args.customers,
        seed: args.seed,
        ..DemoOptions::default()
    };
    let bar = progress(args.customers, "generating", quiet);
    let generated = {
        let (bar, dir, options) = (bar.clone(), args.dir.clone(), options.clone());
        tokio::task::spawn_blocking(move || {
            generate(&options, &dir, &mut |done| bar.set_position(done))
        })
        .await
        .context("the generator thread failed")?
        .with_context(|| format!("cannot write the demo into {}", args.dir.display()))?
    };
    bar.finish_and_clear();
    let generate_secs = started.elapsed().as_secs_f64();

    let project = Project::load(args.dir.clone(), global.store.clone())?;
    if global.store.is_none() {
        remove_old_store(&args.dir)?;
    }
    let import_started = Instant::now();
    let everything = ImportArgs {
        max_errors: 0,
        rejects: None,
        sources: Vec::new(),
    };
    let import = import_project(&project, &everything, quiet).await?;
    let import_secs = import_started.elapsed().as_secs_f64();

    let analysis_started = Instant::now();
    let store = project.open_store().await?;
    let as_of = resolve_as_of(store.as_ref(), None).await?;
    let facts = store.load_facts(as_of).await?;
    let rfm = patron_engine::rfm::rfm(&facts, &project.config.rfm)?;
    let margin = margins(&facts, &project.config.margin);
    let abc = abc(
        &population(&margin, project.config.abc.basis),
        project.config.abc.a,
        project.config.abc.b,
    );
    let clv = demo_clv(&facts, as_of)?;
    let mut rfm_summary = rfm_json(&rfm, &facts);
    rfm_summary.as_object_mut().map(|o| o.remove("customers"));
    // The score run loads its own fact set (with the properties its rules read).
    drop(facts);
    let run =
        patron_app::score_run(&project, store.as_ref(), as_of, &mut patron_app::Silent).await?;
    let quality = quality_report(&project, 10).await?;
    let analysis_secs = analysis_started.elapsed().as_secs_f64();
    let total_secs = started.elapsed().as_secs_f64();

    if global.json {
        return print_json(&serde_json::json!({
            "dir": args.dir.display().to_string(),
            "generated": generated_json(&generated),
            "import": import,
            "as_of": as_of,
            "rfm": rfm_summary,
            "abc": { "classes": abc.classes, "pareto": abc.pareto },
            "margin": margin.total,
            "clv": clv,
            "score_run": { "run": run.id, "summary": run.summary },
            "quality": quality,
            "seconds": { "generate": generate_secs, "import": import_secs, "analyse": analysis_secs, "total": total_secs },
        }));
    }
    print_generated(&generated, args, generate_secs);
    println!("\nImported in {import_secs:.1} s:");
    print_summary(&import);
    println!();
    let currency = &project.config.project.currency;
    print_segments(&rfm, currency);
    println!();
    print_value(&abc, &margin, currency);
    print_clv(&clv, currency);
    println!();
    crate::commands::score::print_run(&run, currency);
    println!("\nData quality:");
    print_report(&quality);
    println!(
        "\nDone in {total_secs:.1} s (analysis {analysis_secs:.1} s). Explore: patron -C {} show CUSTOMER | export --where 'status == \"At Risk\"' | alarms | status | rfm | quality",
        args.dir.display()
    );
    Ok(())
}

fn generated_json(g: &DemoSummary) -> serde_json::Value {
    serde_json::json!({
        "customers": g.customers, "leads": g.leads, "order_lines": g.order_lines, "orders": g.orders,
        "events": g.events, "tickets": g.tickets, "invoices": g.invoices, "outcomes": g.outcomes,
        "duplicate_customers": g.duplicate_customers,
    })
}

fn print_generated(g: &DemoSummary, args: &DemoArgs, secs: f64) {
    println!(
        "Generated a synthetic company in {} (seed {}): {} customer records ({} leads, {} planted duplicates), \
         {} orders with {} lines, {} events, {} tickets, {} invoices, {} outcomes — {secs:.1} s",
        args.dir.display(),
        args.seed,
        count(g.customers),
        count(g.leads),
        count(g.duplicate_customers),
        count(g.orders),
        count(g.order_lines),
        count(g.events),
        count(g.tickets),
        count(g.invoices),
        count(g.outcomes),
    );
}

fn print_value(abc: &AbcResult, margin: &MarginResult, currency: &str) {
    for c in &abc.classes {
        println!(
            "ABC class {:?}: {} customers ({:.1} %) hold {:.1} % of revenue",
            c.class,
            count(c.customers),
            100.0 * c.customer_share,
            100.0 * c.value_share
        );
    }
    let t = &margin.total;
    println!(
        "Contribution margin: revenue {} − goods {} − cost-to-serve {} = {} {currency}; {} customers are unprofitable",
        amount(t.revenue.to_f64()),
        amount(t.cost_of_goods.to_f64()),
        amount(t.cost_to_serve.to_f64()),
        amount(t.margin.to_f64()),
        count(t.unprofitable_customers)
    );
}

/// Fits the CLV models on the demo's history (choosing by holdout error) and predicts a
/// 12-month discounted CLV at 10 % a year for everyone who bought.
fn demo_clv(
    facts: &patron_core::facts::Facts,
    as_of: patron_core::Timestamp,
) -> Result<serde_json::Value> {
    debug_assert_eq!(facts.as_of, as_of);
    let (_, input, p) = default_clv(facts, 1)?.context("nobody has bought anything yet")?;
    let clv = p.clv.as_deref().unwrap_or_default();
    let alive = p.p_alive.iter().sum::<f64>() / p.p_alive.len().max(1) as f64;
    let potential = p
        .potential
        .as_deref()
        .unwrap_or_default()
        .iter()
        .filter(|g| **g >= 0.3)
        .count();
    Ok(serde_json::json!({
        "model": fit_json(&p.fit, input.data.total_weight()),
        "selection": p.selection,
        "customers": input.data.len(),
        "expected_purchases_52_weeks": p.expected.iter().sum::<f64>(),
        "mean_p_alive": alive,
        "clv_12_months": clv.iter().sum::<f64>(),
        "customers_with_potential": potential,
    }))
}

fn print_clv(clv: &serde_json::Value, currency: &str) {
    let chosen = clv["selection"]["chosen"].as_str().unwrap_or("");
    let candidates: Vec<String> = clv["selection"]["candidates"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|c| {
            format!(
                "{} {:.3}",
                c["model"].as_str().unwrap_or(""),
                c["holdout_mae"].as_f64().unwrap_or(f64::NAN)
            )
        })
        .collect();
    println!(
        "CLV: {chosen} chosen by holdout MAE ({}); {} customers, mean P(alive) {:.2}, {:.0} purchases expected in 52 weeks, \
         12-month discounted CLV {} {currency}; {} customers with CLV far above their value so far",
        candidates.join(", "),
        count(clv["customers"].as_u64().unwrap_or(0)),
        clv["mean_p_alive"].as_f64().unwrap_or(0.0),
        clv["expected_purchases_52_weeks"].as_f64().unwrap_or(0.0),
        amount(clv["clv_12_months"].as_f64().unwrap_or(0.0)),
        count(clv["customers_with_potential"].as_u64().unwrap_or(0)),
    );
}
