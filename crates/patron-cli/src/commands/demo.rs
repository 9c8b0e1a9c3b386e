//! `patron demo`: generate a synthetic company, import it, run every analysis, report.

use crate::cli::{DemoArgs, Global};
use crate::output::{Stages, amount, count, print_json};
use crate::print::{
    ImportSummary, fit_json, print_import, print_quality, print_run, print_segments, rfm_json,
};
use anyhow::Result;
use patron_app::demo::{DemoClv, DemoOutcome, DemoRequest};
use patron_demo::{DemoOptions, DemoSummary};
use patron_engine::abc::AbcResult;
use patron_engine::margin::MarginResult;

/// `patron demo`: glue around [`patron_app::demo::demo`], which does the work.
pub async fn run(global: &Global, args: &DemoArgs) -> Result<()> {
    let quiet = global.quiet || global.json;
    let request = DemoRequest {
        dir: args.dir.clone(),
        options: DemoOptions {
            customers: args.customers,
            seed: args.seed,
            subscriptions: args.subscriptions,
            ..DemoOptions::default()
        },
        store: global.store.clone(),
        force: args.force,
    };
    let mut stages = Stages::new(quiet);
    let outcome = patron_app::demo::demo(&request, &mut stages).await?;
    stages.clear();
    let DemoOutcome {
        project,
        generated,
        imported,
        as_of,
        rfm,
        abc,
        margin,
        clv,
        run,
        quality,
        seconds: [generate_secs, import_secs, analysis_secs, total_secs],
    } = outcome;
    let import = ImportSummary::of(imported, None);
    let clv = clv_json(&clv);
    let mut rfm_summary = rfm_json(&rfm, None);
    rfm_summary.as_object_mut().map(|o| o.remove("customers"));
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
    print_import(&import);
    println!();
    let currency = &project.config.project.currency;
    print_segments(&rfm, currency);
    println!();
    print_value(&abc, &margin, currency);
    print_clv(&clv, currency);
    println!();
    print_run(&run, currency);
    println!("\nData quality:");
    print_quality(&quality);
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
        "duplicate_customers": g.duplicate_customers, "contracts": g.contracts,
    })
}

fn print_generated(g: &DemoSummary, args: &DemoArgs, secs: f64) {
    println!(
        "Generated a synthetic company in {} (seed {}): {} customer records ({} leads, {} planted duplicates), \
         {} orders with {} lines, {} events, {} tickets, {} invoices, {} outcomes{} — {secs:.1} s",
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
        if g.contracts > 0 {
            format!(", {} contracts", count(g.contracts))
        } else {
            String::new()
        },
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

/// The demo's CLV in a few numbers: the chosen model, customers, mean P(alive), expected
/// purchases, total 12-month CLV and customers with potential.
fn clv_json(clv: &DemoClv) -> serde_json::Value {
    let (input, p) = (&clv.input, &clv.predictions);
    let total = p.clv.as_deref().unwrap_or_default();
    let alive = p.p_alive.iter().sum::<f64>() / p.p_alive.len().max(1) as f64;
    let potential = p
        .potential
        .as_deref()
        .unwrap_or_default()
        .iter()
        .filter(|g| **g >= 0.3)
        .count();
    serde_json::json!({
        "model": fit_json(&p.fit, input.data.total_weight()),
        "selection": p.selection,
        "customers": input.data.len(),
        "expected_purchases_52_weeks": p.expected.iter().sum::<f64>(),
        "mean_p_alive": alive,
        "clv_12_months": total.iter().sum::<f64>(),
        "customers_with_potential": potential,
    })
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
