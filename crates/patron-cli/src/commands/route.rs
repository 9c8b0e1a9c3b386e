//! `patron route CUSTOMER`: where a new ticket of this customer goes — queue, deadline, why —
//! from the customer's card in the latest score run and the service matrix.

use crate::cli::{Global, RouteArgs};
use crate::output::print_json;
use anyhow::Result;
use patron_core::Timestamp;
use patron_core::ids::CustomerId;

/// `patron route`.
pub async fn run(global: &Global, args: &RouteArgs) -> Result<()> {
    let project = crate::project::load(global)?;
    let store = project.open_store().await?;
    let id = CustomerId::parse(&args.customer)?;
    let opened = match &args.opened {
        Some(text) => Some(
            Timestamp::parse_flexible(text)
                .map_err(|e| crate::error::Usage(format!("--opened: {e}")))?,
        ),
        None => None,
    };
    let route = patron_app::cards::route(store.as_ref(), &id, opened).await?;
    let opened = route.opened;
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
