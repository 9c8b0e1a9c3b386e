//! `patron payment-risk`: who pays late, what is overdue, and the risk it implies.

use crate::cli::Global;
use crate::commands::load_facts_as_of;
use crate::output::{Table, count, print_json, with_customer_ids};
use anyhow::Result;
use clap::Args;
use patron_engine::payment_risk::{PaymentRisk, PaymentRiskSettings, payment_risk};
use serde_json::json;

/// Flags of `patron payment-risk`.
#[derive(Debug, Args)]
pub struct PaymentRiskArgs {
    /// Compute as of this date (facts before it count); default: the day after the last fact.
    #[arg(long, value_name = "DATE")]
    pub as_of: Option<String>,
    /// Customers in the table, riskiest first (--json lists all).
    #[arg(long, value_name = "N", default_value_t = 20)]
    pub limit: usize,
}

/// `patron payment-risk`.
pub async fn run(global: &Global, args: &PaymentRiskArgs) -> Result<()> {
    let project = crate::project::load(global)?;
    let facts = load_facts_as_of(&project, args.as_of.as_deref()).await?;
    let settings = PaymentRiskSettings::default();
    let result = payment_risk(&facts, &settings);
    let ids = &facts.customers.ids;
    if global.json {
        let customers = with_customer_ids(&result.rows, |r| r.customer, ids);
        let [low, medium, high] = result.bands;
        return print_json(&json!({
            "as_of": result.as_of,
            "calibration": result.calibration,
            "settings": settings,
            "bands": { "low": low, "medium": medium, "high": high },
            "customers": customers,
        }));
    }
    let [low, medium, high] = result.bands;
    println!(
        "Payment risk as of {}: {} customers with invoices — low {}, medium {}, high {}",
        result.as_of.date(),
        count(result.rows.len() as u64),
        count(low as u64),
        count(medium as u64),
        count(high as u64),
    );
    println!("  {}", result.calibration.note);
    let mut rows: Vec<&PaymentRisk> = result.rows.iter().collect();
    rows.sort_by(|a, b| {
        b.probability
            .total_cmp(&a.probability)
            .then(a.customer.cmp(&b.customer))
    });
    let mut t = Table::new(&[
        "customer",
        "score",
        "band",
        "invoices",
        "late",
        "mean days late",
        "open overdue",
        "overdue amount",
        "oldest overdue",
        "trend",
        "main reason",
    ]);
    let opt = |v: Option<f64>, digits: usize| {
        v.map_or_else(|| "–".to_owned(), |v| format!("{v:.digits$}"))
    };
    for r in rows.iter().take(args.limit) {
        let e = &r.evidence;
        let reason = r
            .contributions
            .iter()
            .filter(|c| c.log_odds > 0.0)
            .max_by(|a, b| a.log_odds.total_cmp(&b.log_odds))
            .map_or("–", |c| c.term);
        t.row(vec![
            ids[r.customer as usize].to_string(),
            format!("{:.1}", r.score),
            r.band.as_str().to_owned(),
            e.invoices.to_string(),
            e.late_share
                .map_or_else(|| "–".to_owned(), |s| format!("{:.0}%", 100.0 * s)),
            opt(e.mean_days_late, 1),
            e.open_overdue_count.to_string(),
            e.open_overdue_amount.to_string(),
            format!("{} d", e.max_days_overdue),
            opt(e.trend, 2),
            reason.to_owned(),
        ]);
    }
    println!("\nHighest risk:\n{}", t.render());
    Ok(())
}
