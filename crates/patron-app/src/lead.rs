//! A lead scored without storing it: the customer and their facts as a CRM form or a chat
//! sends them, scored against the latest run exactly as a stored customer's live card is.
//!
//! The facts go through the same validation as ingest and the same store code as every fact:
//! they are written into a scratch copy of an empty store (a file of its own, copied from a
//! migrated template, deleted after the request), read back through the single-customer
//! loader, and scored by [`LiveScorer::scored`]. Nothing touches the project's store, and
//! there is no second fact loader to drift from the first.

use crate::AppError;
use crate::ingest::{
    self, CustomerItem, EventItem, Facts, InvoiceItem, ItemError, OrderItem, TicketItem,
};
use crate::live::LiveScorer;
use patron_core::Timestamp;
use patron_engine::rules::OutboxMessage;
use patron_engine::scorecard::Card;
use patron_store::Store;
use serde::Deserialize;
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};

/// Facts of one lead or customer that is not stored.
#[derive(Debug, Clone, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct Lead {
    /// The lead: id, attributes, consent.
    pub customer: CustomerItem,
    /// Their order lines, if any.
    #[serde(default)]
    pub orders: Vec<OrderItem>,
    /// Their events (visits, downloads, e-mail clicks …).
    #[serde(default)]
    pub events: Vec<EventItem>,
    /// Their tickets.
    #[serde(default)]
    pub tickets: Vec<TicketItem>,
    /// Their invoices.
    #[serde(default)]
    pub invoices: Vec<InvoiceItem>,
}

/// A lead's card.
#[derive(Debug, Clone)]
pub struct LeadCard {
    /// The card, as a stored customer with these facts would get it.
    pub card: Card,
    /// Triggers of the rule set their facts fire.
    pub triggers: Vec<OutboxMessage>,
}

/// Where leads are scored: a directory of its own with a migrated empty store to copy.
pub struct Scratch {
    dir: tempfile::TempDir,
    template: PathBuf,
    next: AtomicU64,
}

impl Scratch {
    /// A scratch directory in the system's temporary directory, with its template store.
    pub async fn new() -> Result<Scratch, AppError> {
        let dir = tempfile::Builder::new()
            .prefix("patron-leads-")
            .tempdir()
            .map_err(|e| AppError::Io(format!("a scratch directory for leads: {e}")))?;
        let template = dir.path().join("template.sqlite");
        drop(patron_store::open("sqlite:template.sqlite", dir.path()).await?);
        Ok(Scratch {
            dir,
            template,
            next: AtomicU64::new(0),
        })
    }

    /// Scores `lead` against `scorer`'s run at `as_of`; stores nothing.
    pub async fn score(
        &self,
        scorer: &LiveScorer,
        lead: &Lead,
        as_of: Timestamp,
    ) -> Result<LeadCard, AppError> {
        let groups = validate(lead)?;
        let id = match &groups[0] {
            Facts::Customers(c) => c[0].id.clone(),
            _ => unreachable!("the customer comes first"),
        };
        let name = format!("lead-{}.sqlite", self.next.fetch_add(1, Ordering::Relaxed));
        let path = self.dir.path().join(&name);
        std::fs::copy(&self.template, &path)
            .map_err(|e| AppError::Io(format!("a scratch store for a lead: {e}")))?;
        let result = async {
            let store =
                patron_store::open_existing(&format!("sqlite:{name}"), self.dir.path()).await?;
            let scored = write_and_score(store.as_ref(), scorer, &groups, &id, as_of).await;
            // Closed (and checkpointed) before its files are removed.
            drop(store);
            scored
        }
        .await;
        for suffix in ["", "-wal", "-shm"] {
            let _ = std::fs::remove_file(self.dir.path().join(format!("{name}{suffix}")));
        }
        let (card, triggers) = result?;
        Ok(LeadCard { card, triggers })
    }
}

async fn write_and_score(
    store: &dyn Store,
    scorer: &LiveScorer,
    groups: &[Facts],
    id: &patron_core::ids::CustomerId,
    as_of: Timestamp,
) -> Result<(Card, Vec<OutboxMessage>), AppError> {
    let mut writer = store.begin_import().await?;
    for facts in groups {
        match facts {
            Facts::Customers(v) => writer.write_customers(v).await?,
            Facts::OrderLines(v) => writer.write_order_lines(v).await?,
            Facts::Events(v) => writer.write_events(v).await?,
            Facts::Tickets(v) => writer.write_tickets(v).await?,
            Facts::Invoices(v) => writer.write_invoices(v).await?,
            Facts::Outcomes(v) => writer.write_outcomes(v).await?,
            Facts::Contracts(v) => writer.write_contracts(v).await?,
        };
    }
    writer
        .commit(&[], serde_json::json!({ "via": "lead" }))
        .await?;
    scorer.scored(store, id, Some(as_of)).await
}

/// The lead's facts validated as ingest validates them; every item must be about the lead.
fn validate(lead: &Lead) -> Result<Vec<Facts>, AppError> {
    let mut errors = Vec::new();
    let mut groups = Vec::new();
    let lists: [(&str, Result<Facts, AppError>); 5] = [
        (
            "customer",
            ingest::customers(std::slice::from_ref(&lead.customer)),
        ),
        ("orders", ingest::orders(&lead.orders)),
        ("events", ingest::events(&lead.events)),
        ("tickets", ingest::tickets(&lead.tickets)),
        ("invoices", ingest::invoices(&lead.invoices)),
    ];
    for (list, result) in lists {
        match result {
            Ok(facts) => groups.push(facts),
            Err(AppError::InvalidFacts(items)) => {
                errors.extend(items.into_iter().map(|e| ItemError {
                    field: format!("{list}.{}", e.field),
                    ..e
                }))
            }
            Err(e) => return Err(e),
        }
    }
    if !errors.is_empty() {
        return Err(AppError::InvalidFacts(errors));
    }
    let id = lead.customer.customer_id.as_str();
    for (list, facts) in ["orders", "events", "tickets", "invoices"]
        .iter()
        .zip(&groups[1..])
    {
        if let Some(other) = facts.customers().into_iter().find(|c| c.as_str() != id) {
            errors.push(ItemError {
                index: 0,
                field: format!("{list}.customer_id"),
                value: other.to_string(),
                expected: format!("the lead's id {id}: every fact must be about the lead"),
            });
        }
    }
    if errors.is_empty() {
        Ok(groups)
    } else {
        Err(AppError::InvalidFacts(errors))
    }
}
