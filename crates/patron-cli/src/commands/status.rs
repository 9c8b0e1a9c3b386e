//! `patron status`: what is in the store.

use crate::cli::Global;
use crate::output::{Table, count, print_json};
use anyhow::Result;
use serde_json::json;

/// `patron status`.
pub async fn run(global: &Global) -> Result<()> {
    let project = crate::project::load(global)?;
    let store = project.open_store().await?;
    // A damaged page fails `status` (stores up to 1 GiB; `patron check` for larger ones).
    let checked = patron_app::project::ensure_intact(store.as_ref()).await?;
    let s = store.status().await?;
    if global.json {
        return print_json(&json!({
            "project": project.config.project.name,
            "store": project.store_url,
            "customers": s.customers,
            "stub_customers": s.stub_customers,
            "orders": s.orders,
            "order_lines": s.order_lines,
            "returns": s.returns,
            "events": s.events,
            "anonymous_events": s.anonymous_events,
            "tickets": s.tickets,
            "invoices": s.invoices,
            "outcomes": s.outcomes,
            "contracts": s.contracts,
            "revenue": s.revenue.to_f64(),
            "currency": project.config.project.currency,
            "ranges": s.ranges,
            "sources": s.sources,
            "imports": s.imports,
            "score_runs": s.score_runs,
            "pages_checked": checked,
        }));
    }
    println!(
        "project {} — store {}",
        project.config.project.name, project.store_url
    );
    let mut t = Table::new(&["entity", "rows", "first", "last"]);
    let day = |t: Option<patron_core::Timestamp>| {
        t.map_or_else(|| "—".to_owned(), |t| t.date().to_string())
    };
    for (name, r) in &s.ranges {
        t.row(vec![name.clone(), count(r.rows), day(r.first), day(r.last)]);
    }
    println!("{}", t.render());
    println!(
        "\n{} customers ({} known only from their facts), {} orders, {} returns, revenue {} {}",
        count(s.customers),
        count(s.stub_customers),
        count(s.orders),
        count(s.returns),
        s.revenue,
        project.config.project.currency
    );
    if !s.sources.is_empty() {
        let mut t = Table::new(&[
            "source",
            "entity",
            "path",
            "import",
            "imported at",
            "new rows",
        ]);
        for src in &s.sources {
            t.row(vec![
                src.name.clone(),
                src.entity.clone(),
                src.path.clone(),
                src.last_import.to_string(),
                src.imported_at.clone(),
                count(src.rows_new),
            ]);
        }
        println!("\n{}", t.render());
    }
    Ok(())
}
