//! `patron contracts`: running contracts of the latest score run by cancellation risk, renewal
//! date or residual value; with `--due`, the renewals whose notice date is near.

use crate::cli::Global;
use crate::output::{Table, count, print_json};
use anyhow::Result;
use clap::Args;
use patron_app::contracts::{ContractOrder, running};
use serde_json::json;

/// `patron contracts`.
#[derive(Debug, Args)]
pub struct ContractsArgs {
    /// Only renewals due: fixed-term contracts whose notice date is within DAYS (default:
    /// `[contracts] renewal_lead_days`).
    #[arg(long, value_name = "DAYS", num_args = 0..=1, default_missing_value = "lead")]
    pub due: Option<String>,
    /// Order: risk (highest cancellation risk first), renewal (nearest notice date first) or
    /// value (highest residual value first).
    #[arg(long, default_value = "risk", value_parser = ["risk", "renewal", "value"])]
    pub sort: String,
    /// The score run (default: the latest).
    #[arg(long)]
    pub run: Option<i64>,
    /// Rows in the text table.
    #[arg(long, default_value_t = 50)]
    pub limit: usize,
}

/// `patron contracts …`.
pub async fn run(global: &Global, args: &ContractsArgs) -> Result<()> {
    let project = crate::project::load(global)?;
    let store = project.open_store().await?;
    let due = match args.due.as_deref() {
        None => None,
        Some("lead") => Some(project.config.contracts.renewal_lead_days),
        Some(text) => Some(text.parse::<u32>().map_err(|_| {
            crate::error::Usage(format!("--due {text:?}: expected a number of days"))
        })?),
    };
    let order: ContractOrder = args.sort.parse().map_err(crate::error::Usage)?;
    let list = running(store.as_ref(), args.run, due, order).await?;
    if global.json {
        let mut value = serde_json::to_value(&list)?;
        value["due_within_days"] = json!(due);
        return print_json(&value);
    }
    let (run_id, as_of, lines) = (list.run, list.as_of, &list.contracts);
    print_models(list.models.as_ref());
    let what = match due {
        Some(days) => format!("renewals due (notice date within {days} days)"),
        None => "running contracts".to_owned(),
    };
    println!(
        "{} {what} in run {run_id} (as of {}), by {}",
        count(lines.len() as u64),
        as_of.date(),
        args.sort
    );
    if lines.is_empty() {
        return Ok(());
    }
    let mut t = Table::new(&[
        "customer",
        "tier",
        "contract",
        "plan",
        "value",
        "every",
        "renewals",
        "notice by",
        "days",
        "risk",
        "residual",
    ]);
    for l in lines.iter().take(args.limit) {
        t.row(vec![
            l.customer_id.clone(),
            l.tier.clone(),
            l.contract_id.clone(),
            l.plan.clone().unwrap_or_default(),
            format!("{:.2}", l.recurring_value),
            patron_engine::contracts::period_name(l.billing_months),
            l.renewals.to_string(),
            l.notice_by.date().to_string(),
            l.days_to_notice.to_string(),
            l.cancellation_risk
                .map_or("–".into(), |r| format!("{:.1} %", r * 100.0)),
            l.residual_value.map_or("–".into(), |v| format!("{v:.2}")),
        ]);
    }
    println!("{}", t.render());
    if lines.len() > args.limit {
        println!(
            "… {} more (--limit, or --json for all)",
            lines.len() - args.limit
        );
    }
    Ok(())
}

/// The sBG of each billing period: its parameters and the retention it implies by tenure.
fn print_models(models: Option<&patron_engine::contracts::ContractModel>) {
    let Some(models) = models else { return };
    for p in &models.periods {
        let sbg = patron_engine::clv::Sbg {
            alpha: p.alpha,
            beta: p.beta,
        };
        let retention: Vec<String> = [1u32, 2, 3, 6, 12, 24]
            .iter()
            .map(|&t| format!("{t}: {:.1} %", 100.0 * sbg.retention_rate(t)))
            .collect();
        println!(
            "{} contracts: sBG alpha={:.4} beta={:.4} on {} contracts ({} ended); retention at renewal {}",
            patron_engine::contracts::period_name(p.billing_months),
            p.alpha,
            p.beta,
            count(p.contracts as u64),
            count(p.ended as u64),
            retention.join(", ")
        );
    }
    for why in &models.skipped {
        println!("no model: {why}");
    }
}
