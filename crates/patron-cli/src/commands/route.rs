//! `patron route CUSTOMER`: where a new ticket of this customer goes — queue, deadline, why —
//! from the customer's card in the latest score run and the service matrix.

use crate::cli::{Global, RouteArgs};
use crate::commands::show::stored_card;
use crate::output::print_json;
use anyhow::{Context, Result};
use patron_core::Timestamp;
use patron_core::ids::CustomerId;

/// `patron route`.
pub async fn run(global: &Global, args: &RouteArgs) -> Result<()> {
    let project = crate::project::load(global)?;
    let store = project.open_store().await?;
    let id = CustomerId::parse(&args.customer)?;
    let (_, card) = stored_card(store.as_ref(), None, &id).await?;
    let opened = match &args.opened {
        Some(text) => Timestamp::parse_flexible(text).context("--opened")?,
        None => card.as_of,
    };
    let route = patron_engine::scorecard::route(&card, opened)
        .with_context(|| format!("tier {:?} has no [service.{}] entry", card.tier, card.tier))?;
    if global.json {
        return print_json(&route);
    }
    println!("Ticket of {} opened {opened}:", route.customer_id);
    println!(
        "  queue {}, first response by {} ({} h), escalation: {}",
        route.queue, route.deadline, route.response_hours, route.escalation
    );
    if !route.extras.is_empty() {
        println!("  extras: {}", route.extras.join(", "));
    }
    for why in &route.why {
        println!("  why: {why}");
    }
    Ok(())
}
