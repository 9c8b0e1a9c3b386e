//! `patron abc`: ABC classes and the Pareto table.

use crate::cli::{AbcArgs, Global};
use crate::commands::load_facts_as_of;
use crate::output::{Table, amount, count, print_json, with_customer_ids};
use anyhow::Result;
use patron_core::config::AbcBasis;
use patron_engine::abc::abc;
use patron_engine::margin::margins;
use serde_json::json;

/// `patron abc`.
pub async fn run(global: &Global, args: &AbcArgs) -> Result<()> {
    let project = crate::project::load(global)?;
    let facts = load_facts_as_of(&project, args.as_of.as_deref()).await?;
    let as_of = facts.as_of;
    let settings = &project.config.abc;
    let basis = match args.basis.as_deref() {
        Some("margin") => AbcBasis::Margin,
        Some(_) => AbcBasis::Revenue,
        None => settings.basis,
    };
    let margin = margins(&facts, &project.config.margin);
    let values: Vec<(u32, f64)> = margin
        .rows
        .iter()
        .filter(|r| r.orders > 0 || r.returns > 0)
        .map(|r| {
            (
                r.customer,
                if basis == AbcBasis::Margin {
                    r.margin.to_f64()
                } else {
                    r.revenue.to_f64()
                },
            )
        })
        .collect();
    let result = abc(&values, settings.a, settings.b);
    let basis_name = if basis == AbcBasis::Margin {
        "margin"
    } else {
        "revenue"
    };
    let ids = &facts.customers.ids;
    if global.json {
        let customers = with_customer_ids(&result.rows, |r| r.customer, ids);
        return print_json(&json!({
            "as_of": as_of, "basis": basis_name, "a": settings.a, "b": settings.b,
            "classes": result.classes, "pareto": result.pareto, "customers": customers,
        }));
    }
    let currency = &project.config.project.currency;
    println!(
        "ABC by {basis_name} as of {} (A = first {:.0} %, B = next {:.0} % of value)",
        as_of.date(),
        100.0 * settings.a,
        100.0 * (settings.b - settings.a)
    );
    let mut t = Table::new(&["class", "customers", "share", basis_name, "value share"]);
    for c in &result.classes {
        t.row(vec![
            format!("{:?}", c.class),
            count(c.customers),
            format!("{:.1}%", 100.0 * c.customer_share),
            format!("{} {currency}", amount(c.value)),
            format!("{:.1}%", 100.0 * c.value_share),
        ]);
    }
    println!("{}", t.render());
    let mut p = Table::new(&["top customers", "share of value"]);
    for point in &result.pareto {
        p.row(vec![
            format!("{:.0}%", 100.0 * point.customer_share),
            format!("{:.1}%", 100.0 * point.value_share),
        ]);
    }
    println!("\n{}", p.render());
    if args.customers {
        let mut t = Table::new(&["rank", "customer", basis_name, "cumulative", "class"]);
        for r in &result.rows {
            t.row(vec![
                r.rank.to_string(),
                ids[r.customer as usize].to_string(),
                format!("{:.2}", r.value),
                format!("{:.2}%", 100.0 * r.cumulative_share),
                format!("{:?}", r.class),
            ]);
        }
        println!("\n{}", t.render());
    }
    Ok(())
}
