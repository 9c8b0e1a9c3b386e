//! `patron margin`: contribution margin per customer, and who loses money.

use crate::cli::{Global, MarginArgs};
use crate::commands::load_facts_as_of;
use crate::output::{Table, amount, count, print_json, with_customer_ids};
use anyhow::Result;
use patron_engine::margin::margins;
use serde_json::json;

/// `patron margin`.
pub async fn run(global: &Global, args: &MarginArgs) -> Result<()> {
    let project = crate::project::load(global)?;
    let facts = load_facts_as_of(&project, args.as_of.as_deref()).await?;
    let as_of = facts.as_of;
    let result = margins(&facts, &project.config.margin);
    let ids = &facts.customers.ids;
    let mut rows: Vec<_> = result
        .rows
        .iter()
        .filter(|r| !args.unprofitable || r.unprofitable)
        .collect();
    if global.json {
        let customers = with_customer_ids(&rows, |r| r.customer, ids);
        return print_json(
            &json!({ "as_of": as_of, "total": result.total, "customers": customers }),
        );
    }
    let t = &result.total;
    let currency = &project.config.project.currency;
    println!(
        "Contribution margin as of {} ({} customers)",
        as_of.date(),
        count(result.rows.len() as u64)
    );
    println!(
        "  revenue {} − cost of goods {} − cost-to-serve {} = margin {} {currency}",
        amount(t.revenue.to_f64()),
        amount(t.cost_of_goods.to_f64()),
        amount(t.cost_to_serve.to_f64()),
        amount(t.margin.to_f64())
    );
    println!(
        "  {} unprofitable customers lose {} {currency} together",
        count(t.unprofitable_customers),
        amount(-t.unprofitable_margin.to_f64())
    );
    if t.revenue_without_cost != patron_core::Money::ZERO {
        println!(
            "  note: {} {currency} of revenue has no cost and no margin rate ([margin] default_margin_rate) and counts as margin",
            amount(t.revenue_without_cost.to_f64())
        );
    }
    rows.sort_by_key(|r| (r.margin, r.customer));
    let mut table = Table::new(&[
        "customer", "revenue", "goods", "orders", "returns", "service", "margin", "rate",
    ]);
    for r in rows.iter().take(args.limit) {
        table.row(vec![
            ids[r.customer as usize].to_string(),
            r.revenue.to_string(),
            r.cost_of_goods.to_string(),
            r.order_costs.to_string(),
            r.return_costs.to_string(),
            r.service_costs.to_string(),
            r.margin.to_string(),
            format!("{:.1}%", 100.0 * r.margin_rate),
        ]);
    }
    println!("\nLowest margins:\n{}", table.render());
    Ok(())
}
