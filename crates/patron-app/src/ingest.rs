//! Facts sent one request at a time (the server's ingest routes): items parsed and validated
//! at the edge with the same limits as an import, written in one transaction per group of
//! requests (idempotent by natural key; a changed item is a correction with its old version in
//! the fact history), then each affected customer's card recomputed alone against the latest
//! run's snapshot and stored as their live card.

use crate::{AppError, LiveScorer};
use patron_core::ids::{ContractId, CustomerId, EventId, InvoiceId, OrderId, TicketId};
use patron_core::limits;
use patron_core::model::{
    Actor, AttrValue, Consent, Contract, Customer, Entity, Event, Invoice, OrderLine, Outcome,
    Ticket, billing_months, normalise_event_type,
};
use patron_core::{Money, Timestamp};
use patron_engine::rules::OutboxMessage;
use patron_engine::scorecard::Card;
use patron_store::{Correction, SourceRecord, Store, WriteCounts};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};

/// Items one request may carry.
pub const MAX_ITEMS: usize = 10_000;

/// Why one item of a request is invalid.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct ItemError {
    /// Its position in the request's list (0-based).
    pub index: usize,
    /// The field.
    pub field: String,
    /// The value sent, as text.
    pub value: String,
    /// What was expected.
    pub expected: String,
}

impl std::fmt::Display for ItemError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "item {}: {} = {:?}: expected {}",
            self.index, self.field, self.value, self.expected
        )
    }
}

/// A customer as sent.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct CustomerItem {
    /// The id in the source system.
    pub customer_id: String,
    /// Acquisition time.
    pub created_at: Option<String>,
    /// Name.
    pub name: Option<String>,
    /// E-mail.
    pub email: Option<String>,
    /// Phone.
    pub phone: Option<String>,
    /// Company.
    pub company: Option<String>,
    /// Postal code.
    pub postcode: Option<String>,
    /// Country.
    pub country: Option<String>,
    /// Further attributes: booleans, numbers, dates or texts.
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(value_type = Object))]
    pub attributes: BTreeMap<String, AttrValue>,
    /// Consent to marketing contact.
    pub consent_marketing: Option<bool>,
    /// Consent to profiling.
    pub consent_profiling: Option<bool>,
    /// What acquiring them cost.
    pub acquisition_cost: Option<f64>,
}

/// An order line as sent.
#[derive(Debug, Clone, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct OrderItem {
    /// The order.
    pub order_id: String,
    /// The line's position in the order (default 1).
    pub line_no: Option<u32>,
    /// Who ordered.
    pub customer_id: String,
    /// When.
    pub timestamp: String,
    /// Product.
    pub sku: Option<String>,
    /// Category.
    pub category: Option<String>,
    /// Quantity (default 1; negative for returns).
    pub quantity: Option<f64>,
    /// Price per unit.
    pub unit_price: Option<f64>,
    /// Line revenue (default quantity × unit price).
    pub amount: Option<f64>,
    /// Cost of goods of the line.
    pub cost: Option<f64>,
    /// Channel.
    pub channel: Option<String>,
    /// A return or cancellation.
    #[serde(default)]
    pub is_return: bool,
}

/// An event as sent.
#[derive(Debug, Clone, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct EventItem {
    /// Natural key.
    pub event_id: String,
    /// Whose.
    pub customer_id: String,
    /// The event type (`page_view`, `email_open`, …).
    #[serde(rename = "type")]
    pub event_type: String,
    /// When.
    pub timestamp: String,
    /// Further properties.
    #[serde(default)]
    pub properties: BTreeMap<String, String>,
}

/// A ticket as sent.
#[derive(Debug, Clone, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct TicketItem {
    /// Natural key.
    pub ticket_id: String,
    /// Whose.
    pub customer_id: String,
    /// Opened.
    pub opened_at: String,
    /// Closed.
    pub closed_at: Option<String>,
    /// Category.
    pub category: Option<String>,
    /// Priority.
    pub priority: Option<String>,
    /// Escalated.
    #[serde(default)]
    pub escalated: bool,
    /// Sentiment −1 … 1.
    pub sentiment: Option<f64>,
    /// Minutes spent.
    pub handling_minutes: Option<f64>,
}

/// An invoice as sent.
#[derive(Debug, Clone, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct InvoiceItem {
    /// Natural key.
    pub invoice_id: String,
    /// Billed customer.
    pub customer_id: String,
    /// Issued.
    pub issued_at: String,
    /// Due.
    pub due_at: String,
    /// Paid in full.
    pub paid_at: Option<String>,
    /// Amount billed.
    pub amount: f64,
}

/// A contract as sent: a new one, or the new state of a stored one (renewed, cancelled).
#[derive(Debug, Clone, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct ContractItem {
    /// Natural key.
    pub contract_id: String,
    /// The contract holder.
    pub customer_id: String,
    /// Product or plan.
    pub plan: Option<String>,
    /// Start of the contract.
    pub started_at: String,
    /// End of the current term / next renewal date (none: renews every billing period).
    pub renews_at: Option<String>,
    /// Notice period in days before the renewal date (default 0).
    #[serde(default)]
    pub notice_days: u32,
    /// `monthly` (default), `quarterly`, `half-yearly`, `yearly`, or a number of months.
    pub billing_period: Option<String>,
    /// Amount billed per billing period.
    pub recurring_value: f64,
    /// The amount per billing period before the last price change.
    pub previous_value: Option<f64>,
    /// When `recurring_value` took effect (with `previous_value`).
    pub price_changed_at: Option<String>,
    /// When the cancellation was received (or the contract ended).
    pub cancelled_at: Option<String>,
    /// Why.
    pub cancel_reason: Option<String>,
}

/// An outcome as sent.
#[derive(Debug, Clone, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct OutcomeItem {
    /// Whose.
    pub customer_id: String,
    /// `churned`, `converted`, `offer_accepted`, …
    pub kind: String,
    /// When observed.
    pub at: String,
    /// Detail.
    pub label: Option<String>,
}

/// Customers whose cards are to be recomputed, each with the earliest time of their new facts
/// (none: a customer record, or not known).
pub type Touched = BTreeMap<CustomerId, Option<Timestamp>>;

/// The earlier of two times, where none is later than any time.
pub fn earliest(a: Option<Timestamp>, b: Option<Timestamp>) -> Option<Timestamp> {
    match (a, b) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, b) => a.or(b),
    }
}

/// Validated facts of one request, of one kind.
#[derive(Debug, Clone)]
pub enum Facts {
    /// Customers.
    Customers(Vec<Customer>),
    /// Order lines.
    OrderLines(Vec<OrderLine>),
    /// Events.
    Events(Vec<Event>),
    /// Tickets.
    Tickets(Vec<Ticket>),
    /// Invoices.
    Invoices(Vec<Invoice>),
    /// Outcomes.
    Outcomes(Vec<Outcome>),
    /// Contracts.
    Contracts(Vec<Contract>),
}

impl Facts {
    /// The entity.
    pub fn entity(&self) -> Entity {
        match self {
            Facts::Customers(_) => Entity::Customers,
            Facts::OrderLines(_) => Entity::OrderLines,
            Facts::Events(_) => Entity::Events,
            Facts::Tickets(_) => Entity::Tickets,
            Facts::Invoices(_) => Entity::Invoices,
            Facts::Outcomes(_) => Entity::Outcomes,
            Facts::Contracts(_) => Entity::Contracts,
        }
    }

    /// The customers the facts are about, each once.
    pub fn customers(&self) -> BTreeSet<CustomerId> {
        match self {
            Facts::Customers(v) => v.iter().map(|c| c.id.clone()).collect(),
            Facts::OrderLines(v) => v.iter().map(|c| c.customer_id.clone()).collect(),
            Facts::Events(v) => v
                .iter()
                .filter_map(|e| match &e.actor {
                    Actor::Customer(id) => Some(id.clone()),
                    Actor::Anonymous(_) => None,
                })
                .collect(),
            Facts::Tickets(v) => v.iter().map(|c| c.customer_id.clone()).collect(),
            Facts::Invoices(v) => v.iter().map(|c| c.customer_id.clone()).collect(),
            Facts::Outcomes(v) => v.iter().map(|c| c.customer_id.clone()).collect(),
            Facts::Contracts(v) => v.iter().map(|c| c.customer_id.clone()).collect(),
        }
    }

    /// The customers the facts are about, each with the earliest time among their facts
    /// (none for customer records, which carry no time): a trigger firing before that time
    /// cannot be new.
    pub fn touched(&self) -> Touched {
        let mut out = Touched::new();
        let mut put = |id: &CustomerId, at: Option<Timestamp>| {
            let entry = out.entry(id.clone()).or_insert(at);
            *entry = earliest(*entry, at);
        };
        match self {
            Facts::Customers(v) => v.iter().for_each(|c| put(&c.id, None)),
            Facts::OrderLines(v) => v
                .iter()
                .for_each(|l| put(&l.customer_id, Some(l.timestamp))),
            Facts::Events(v) => v.iter().for_each(|e| {
                if let Actor::Customer(id) = &e.actor {
                    put(id, Some(e.timestamp));
                }
            }),
            Facts::Tickets(v) => v
                .iter()
                .for_each(|t| put(&t.customer_id, Some(t.opened_at))),
            Facts::Invoices(v) => v
                .iter()
                .for_each(|i| put(&i.customer_id, Some(i.issued_at))),
            Facts::Outcomes(v) => v.iter().for_each(|o| put(&o.customer_id, Some(o.at))),
            // A cancellation or renewal changes the card from its own time on.
            Facts::Contracts(v) => v.iter().for_each(|c| {
                let changed = [Some(c.started_at), c.cancelled_at]
                    .into_iter()
                    .flatten()
                    .max();
                put(&c.customer_id, changed)
            }),
        }
        out
    }

    fn len(&self) -> usize {
        match self {
            Facts::Customers(v) => v.len(),
            Facts::OrderLines(v) => v.len(),
            Facts::Events(v) => v.len(),
            Facts::Tickets(v) => v.len(),
            Facts::Invoices(v) => v.len(),
            Facts::Outcomes(v) => v.len(),
            Facts::Contracts(v) => v.len(),
        }
    }
}

/// Collects the errors of one request's items.
struct Check {
    errors: Vec<ItemError>,
    index: usize,
}

impl Check {
    fn fail(&mut self, field: &str, value: impl ToString, expected: impl Into<String>) {
        if self.errors.len() < 100 {
            self.errors.push(ItemError {
                index: self.index,
                field: field.to_owned(),
                value: value.to_string(),
                expected: expected.into(),
            });
        }
    }
    fn customer(&mut self, raw: &str) -> Option<CustomerId> {
        CustomerId::parse(raw)
            .map_err(|e| self.fail("customer_id", raw, e.to_string()))
            .ok()
    }
    fn time(&mut self, field: &str, raw: &str) -> Option<Timestamp> {
        match Timestamp::parse_flexible(raw) {
            Ok(t) if limits::time_in_range(t) => Some(t),
            Ok(_) => {
                self.fail(field, raw, format!("a time in {}", limits::time_range()));
                None
            }
            Err(_) => {
                self.fail(
                    field,
                    raw,
                    "an ISO 8601 date or time (2026-06-30 or 2026-06-30T10:42:00Z)",
                );
                None
            }
        }
    }
    fn opt_time(&mut self, field: &str, raw: &Option<String>) -> Option<Option<Timestamp>> {
        match raw {
            None => Some(None),
            Some(raw) => self.time(field, raw).map(Some),
        }
    }
    fn money(&mut self, field: &str, value: f64) -> Option<Money> {
        let money = Money::from_f64(value);
        if value.is_finite() && limits::money_in_range(money) {
            Some(money)
        } else {
            self.fail(
                field,
                value,
                format!("an amount in {}", limits::money_range()),
            );
            None
        }
    }
    fn opt_money(&mut self, field: &str, value: Option<f64>) -> Option<Option<Money>> {
        match value {
            None => Some(None),
            Some(v) => self.money(field, v).map(Some),
        }
    }
    fn id<T>(
        &mut self,
        field: &str,
        raw: &str,
        parse: fn(&str) -> Result<T, patron_core::ParseError>,
    ) -> Option<T> {
        parse(raw)
            .map_err(|e| self.fail(field, raw, e.to_string()))
            .ok()
    }
    fn text(&mut self, field: &str, raw: &str) -> Option<String> {
        let t = raw.trim();
        if t.is_empty() {
            self.fail(field, raw, "a non-empty text");
            None
        } else {
            Some(normalise_event_type(t))
        }
    }
}

/// Validates items with `convert`, all of them: either every item is valid, or the errors of
/// the invalid ones (at most 100) with their index.
fn validate<I, T>(
    items: &[I],
    convert: impl Fn(&mut Check, &I) -> Option<T>,
) -> Result<Vec<T>, AppError> {
    if items.len() > MAX_ITEMS {
        return Err(AppError::TooMany(format!(
            "{} items in one request; at most {MAX_ITEMS}",
            items.len()
        )));
    }
    let mut check = Check {
        errors: Vec::new(),
        index: 0,
    };
    let mut out = Vec::with_capacity(items.len());
    for (index, item) in items.iter().enumerate() {
        check.index = index;
        let before = check.errors.len();
        match convert(&mut check, item) {
            Some(v) if check.errors.len() == before => out.push(v),
            _ => {}
        }
    }
    if check.errors.is_empty() {
        Ok(out)
    } else {
        Err(AppError::InvalidFacts(check.errors))
    }
}

/// Customers, validated.
pub fn customers(items: &[CustomerItem]) -> Result<Facts, AppError> {
    validate(items, |c, i| {
        let id = c.customer(&i.customer_id);
        let created_at = c.opt_time("created_at", &i.created_at);
        let cost = c.opt_money("acquisition_cost", i.acquisition_cost);
        Some(Customer {
            id: id?,
            created_at: created_at?,
            name: i.name.clone(),
            email: i.email.clone(),
            phone: i.phone.clone(),
            company: i.company.clone(),
            postcode: i.postcode.clone(),
            country: i.country.clone(),
            attributes: i.attributes.clone(),
            consent: Consent {
                marketing: i.consent_marketing,
                profiling: i.consent_profiling,
            },
            acquisition_cost: cost?,
            is_stub: false,
        })
    })
    .map(Facts::Customers)
}

/// Order lines, validated (amount = quantity × unit price unless given).
pub fn orders(items: &[OrderItem]) -> Result<Facts, AppError> {
    validate(items, |c, i| {
        let order_id = c.id("order_id", &i.order_id, OrderId::parse);
        let customer_id = c.customer(&i.customer_id);
        let timestamp = c.time("timestamp", &i.timestamp);
        let quantity = i.quantity.unwrap_or(1.0);
        if !quantity.is_finite() || !limits::quantity_in_range(quantity) {
            c.fail("quantity", quantity, limits::quantity_range());
        }
        let unit_price = c.opt_money("unit_price", i.unit_price);
        let amount = match (i.amount, i.unit_price) {
            (Some(a), _) => c.money("amount", a),
            (None, Some(p)) => c.money("amount", p * quantity),
            (None, None) => {
                c.fail("amount", "", "an amount, or a unit_price");
                None
            }
        };
        let cost = c.opt_money("cost", i.cost);
        let line_no = i.line_no.unwrap_or(1);
        if line_no == 0 {
            c.fail("line_no", 0, "a line number from 1");
        }
        Some(OrderLine {
            order_id: order_id?,
            line_no,
            customer_id: customer_id?,
            timestamp: timestamp?,
            sku: i.sku.clone(),
            category: i.category.clone(),
            quantity,
            unit_price: unit_price?,
            amount: amount?,
            cost: cost?,
            channel: i.channel.clone(),
            is_return: i.is_return || quantity < 0.0,
        })
    })
    .map(Facts::OrderLines)
}

/// Events, validated (the type normalised: lower snake case).
pub fn events(items: &[EventItem]) -> Result<Facts, AppError> {
    validate(items, |c, i| {
        let event_id = c.id("event_id", &i.event_id, EventId::parse);
        let customer_id = c.customer(&i.customer_id);
        let event_type = c.text("type", &i.event_type);
        let timestamp = c.time("timestamp", &i.timestamp);
        Some(Event {
            event_id: event_id?,
            actor: Actor::Customer(customer_id?),
            timestamp: timestamp?,
            event_type: event_type?,
            properties: i.properties.clone(),
        })
    })
    .map(Facts::Events)
}

/// Tickets, validated.
pub fn tickets(items: &[TicketItem]) -> Result<Facts, AppError> {
    validate(items, |c, i| {
        let ticket_id = c.id("ticket_id", &i.ticket_id, TicketId::parse);
        let customer_id = c.customer(&i.customer_id);
        let opened_at = c.time("opened_at", &i.opened_at);
        let closed_at = c.opt_time("closed_at", &i.closed_at);
        if let Some(s) = i.sentiment
            && !(-1.0..=1.0).contains(&s)
        {
            c.fail("sentiment", s, "a number from -1 to 1");
        }
        if let Some(m) = i.handling_minutes
            && !(0.0..=1e6).contains(&m)
        {
            c.fail("handling_minutes", m, "minutes from 0 to 1,000,000");
        }
        Some(Ticket {
            ticket_id: ticket_id?,
            customer_id: customer_id?,
            opened_at: opened_at?,
            closed_at: closed_at?,
            category: i.category.clone(),
            priority: i.priority.clone(),
            escalated: i.escalated,
            sentiment: i.sentiment,
            handling_minutes: i.handling_minutes,
            text: None,
        })
    })
    .map(Facts::Tickets)
}

/// Invoices, validated.
pub fn invoices(items: &[InvoiceItem]) -> Result<Facts, AppError> {
    validate(items, |c, i| {
        let invoice_id = c.id("invoice_id", &i.invoice_id, InvoiceId::parse);
        let customer_id = c.customer(&i.customer_id);
        let issued_at = c.time("issued_at", &i.issued_at);
        let due_at = c.time("due_at", &i.due_at);
        let paid_at = c.opt_time("paid_at", &i.paid_at);
        let amount = c.money("amount", i.amount);
        Some(Invoice {
            invoice_id: invoice_id?,
            customer_id: customer_id?,
            issued_at: issued_at?,
            due_at: due_at?,
            paid_at: paid_at?,
            amount: amount?,
        })
    })
    .map(Facts::Invoices)
}

/// Outcomes, validated (the kind normalised: lower snake case).
pub fn outcomes(items: &[OutcomeItem]) -> Result<Facts, AppError> {
    validate(items, |c, i| {
        let customer_id = c.customer(&i.customer_id);
        let kind = c.text("kind", &i.kind);
        let at = c.time("at", &i.at);
        Some(Outcome {
            customer_id: customer_id?,
            kind: kind?,
            at: at?,
            label: i.label.clone(),
        })
    })
    .map(Facts::Outcomes)
}

/// Contracts, validated.
pub fn contracts(items: &[ContractItem]) -> Result<Facts, AppError> {
    validate(items, |c, i| {
        let contract_id = c.id("contract_id", &i.contract_id, ContractId::parse);
        let customer_id = c.customer(&i.customer_id);
        let started_at = c.time("started_at", &i.started_at);
        let renews_at = c.opt_time("renews_at", &i.renews_at);
        let cancelled_at = c.opt_time("cancelled_at", &i.cancelled_at);
        let value = c.money("recurring_value", i.recurring_value);
        if value.is_some_and(|v| v.is_negative()) {
            c.fail("recurring_value", i.recurring_value, "an amount ≥ 0");
        }
        let months = match &i.billing_period {
            None => Some(1),
            Some(text) => {
                let months = billing_months(text);
                if months.is_none() {
                    c.fail(
                        "billing_period",
                        text,
                        "monthly, quarterly, half-yearly, yearly or a number of months 1–120",
                    );
                }
                months
            }
        };
        if i.notice_days > 3660 {
            c.fail(
                "notice_days",
                i.notice_days,
                "whole days between 0 and 3660",
            );
        }
        let previous_value = c.opt_money("previous_value", i.previous_value);
        let price_changed_at = c.opt_time("price_changed_at", &i.price_changed_at);
        if i.previous_value.is_some() != i.price_changed_at.is_some() {
            c.fail(
                "price_changed_at",
                i.price_changed_at.clone().unwrap_or_default(),
                "previous_value and price_changed_at together (a price change needs both)",
            );
        }
        let started = started_at?;
        for (field, at) in [("renews_at", renews_at?), ("cancelled_at", cancelled_at?)] {
            if let Some(at) = at.filter(|at| *at < started) {
                c.fail(field, at, format!("a time ≥ started_at ({started})"));
            }
        }
        Some(Contract {
            contract_id: contract_id?,
            customer_id: customer_id?,
            plan: i.plan.clone().filter(|p| !p.trim().is_empty()),
            started_at: started,
            renews_at: renews_at?,
            notice_days: i.notice_days,
            billing_months: months?,
            recurring_value: value?,
            previous_value: previous_value?,
            price_changed_at: price_changed_at?,
            cancelled_at: cancelled_at?,
            cancel_reason: i.cancel_reason.clone().filter(|r| !r.trim().is_empty()),
        })
    })
    .map(Facts::Contracts)
}

/// What storing one request's facts did.
#[derive(Debug, Clone, Default, Serialize, PartialEq)]
pub struct Stored {
    /// New facts.
    pub inserted: u64,
    /// Facts whose content changed (corrections, old versions kept in the fact history).
    pub updated: u64,
    /// Facts already stored as sent (nothing written).
    pub unchanged: u64,
    /// Each updated fact: its natural key and the fields that changed.
    pub corrections: Vec<Correction>,
}

impl Stored {
    fn of(w: WriteCounts, corrections: Vec<Correction>) -> Self {
        Stored {
            inserted: w.inserted,
            updated: w.updated,
            unchanged: w.duplicates,
            corrections,
        }
    }
}

/// Stores the facts of several requests in one transaction (group commit), after checking
/// that every customer they name is known (stored, or among the customers written first).
/// Returns each request's counts, in order; on any failure nothing is stored.
pub async fn store_facts(
    store: &dyn Store,
    requests: &[&Facts],
) -> Result<Vec<Result<Stored, AppError>>, AppError> {
    let mut results: Vec<Option<Result<Stored, AppError>>> = Vec::new();
    results.resize_with(requests.len(), || None);
    // Unknown customers reject their request only, not the group.
    let mut known: BTreeSet<CustomerId> = BTreeSet::new();
    for facts in requests {
        if let Facts::Customers(v) = facts {
            known.extend(v.iter().map(|c| c.id.clone()));
        }
    }
    for (i, facts) in requests.iter().enumerate() {
        if matches!(facts, Facts::Customers(_)) {
            continue;
        }
        let named: Vec<CustomerId> = facts
            .customers()
            .into_iter()
            .filter(|id| !known.contains(id))
            .collect();
        let stored = store.existing_customers(&named).await?;
        let missing: Vec<String> = named
            .iter()
            .filter(|id| !stored.contains(*id))
            .map(|id| id.to_string())
            .collect();
        if !missing.is_empty() {
            let shown: Vec<_> = missing.iter().take(10).cloned().collect();
            results[i] = Some(Err(AppError::UnknownCustomers(format!(
                "{} unknown customer(s): {}{}; send them to /v1/customers first; nothing of this request was stored",
                missing.len(),
                shown.join(", "),
                if missing.len() > 10 { ", …" } else { "" }
            ))));
        }
    }
    let mut writer = store.begin_import().await?;
    let mut written: BTreeMap<Entity, u64> = BTreeMap::new();
    // Customers first, so facts of customers sent in the same group find them.
    let order = |f: &Facts| {
        if matches!(f, Facts::Customers(_)) {
            0
        } else {
            1
        }
    };
    let mut indices: Vec<usize> = (0..requests.len()).collect();
    indices.sort_by_key(|&i| order(requests[i]));
    for i in indices {
        if results[i].is_some() {
            continue;
        }
        let counts = match requests[i] {
            Facts::Customers(v) => writer.write_customers(v).await,
            Facts::OrderLines(v) => writer.write_order_lines(v).await,
            Facts::Events(v) => writer.write_events(v).await,
            Facts::Tickets(v) => writer.write_tickets(v).await,
            Facts::Invoices(v) => writer.write_invoices(v).await,
            Facts::Outcomes(v) => writer.write_outcomes(v).await,
            Facts::Contracts(v) => writer.write_contracts(v).await,
        };
        let counts = match counts {
            Ok(counts) => writer.corrections().await.map(|c| (counts, c)),
            Err(e) => Err(e),
        };
        match counts {
            Ok((counts, corrections)) => {
                *written.entry(requests[i].entity()).or_default() += counts.inserted;
                results[i] = Some(Ok(Stored::of(counts, corrections)));
            }
            Err(e) => {
                writer.rollback().await?;
                return Err(e.into());
            }
        }
    }
    // Their live cards are to be recomputed: marked in the facts' transaction, so a crash
    // before the cards are stored leaves the marks for the next server.
    let mut touched = Touched::new();
    for (facts, result) in requests.iter().zip(&results) {
        if matches!(result, Some(Ok(_))) {
            for (id, at) in facts.touched() {
                let entry = touched.entry(id).or_insert(at);
                *entry = earliest(*entry, at);
            }
        }
    }
    let marks: Vec<(CustomerId, Option<Timestamp>)> = touched.into_iter().collect();
    if let Err(e) = writer.mark_live_pending(&marks).await {
        writer.rollback().await?;
        return Err(e.into());
    }
    let records: Vec<SourceRecord> = written
        .iter()
        .map(|(entity, rows)| SourceRecord {
            name: "api".into(),
            entity: entity.to_string(),
            path: format!("/v1/{entity}"),
            rows_new: *rows,
        })
        .collect();
    let summary = serde_json::json!({
        "via": "api",
        "requests": requests.len(),
        "items": requests.iter().map(|f| f.len()).sum::<usize>(),
    });
    writer.commit(&records, summary).await?;
    Ok(results
        .into_iter()
        .map(|r| r.unwrap_or(Ok(Stored::default())))
        .collect())
}

/// What changed on a customer's card with the facts just stored.
#[derive(Debug, Clone, Serialize)]
pub struct CardChange {
    /// The customer.
    pub customer_id: CustomerId,
    /// Points per score: (before, after), only those that changed.
    pub points: BTreeMap<String, (f64, f64)>,
    /// Stage (before, after), when it changed.
    pub stage: Option<(Option<String>, Option<String>)>,
    /// Tier (before, after), when it changed.
    pub tier: Option<(String, String)>,
    /// Status (before, after), when it changed.
    pub status: Option<(String, String)>,
    /// Alarms raised.
    pub alarms_raised: Vec<String>,
    /// Alarms cleared.
    pub alarms_cleared: Vec<String>,
    /// Triggers of the rule set (stage entries, score crossings) that fired since the card
    /// before.
    pub triggers: Vec<OutboxMessage>,
    /// The new card.
    pub card: Card,
}

/// A customer without a card yet.
#[derive(Debug, Clone, Serialize)]
pub struct NotScored {
    /// The customer.
    pub customer_id: CustomerId,
    /// Why (a new customer with no facts before `as_of`).
    pub reason: String,
}

/// Live cards recomputed after facts arrived, not yet stored.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Refreshed {
    /// Per customer, what changed.
    pub changes: Vec<CardChange>,
    /// Customers without a card yet, and why (a new customer with no facts before `as_of`).
    pub not_scored: Vec<NotScored>,
    /// The rows to store: (customer, run scored against, card JSON).
    #[serde(skip)]
    pub rows: Vec<(CustomerId, i64, String)>,
    /// The outbox messages the changes give: (webhook-id, kind, body).
    #[serde(skip)]
    pub messages: Vec<(String, String, String)>,
    /// Every customer recomputed (with a card or without one): their live-pending marks go.
    #[serde(skip)]
    pub done: Vec<CustomerId>,
}

impl Refreshed {
    /// Stores the live cards and, in the same transaction, their outbox messages; returns
    /// the webhook deliveries created.
    pub async fn store(&self, store: &dyn Store, now: i64) -> Result<u64, AppError> {
        Ok(store
            .put_live_cards(&self.rows, &self.messages, &self.done, now)
            .await?)
    }
}

/// One customer's card before and now.
type Scored<'a> = (
    &'a CustomerId,
    Option<Timestamp>,
    Option<Card>,
    Result<(Card, Vec<OutboxMessage>), AppError>,
);

async fn score_one<'a>(
    store: &dyn Store,
    scorer: &LiveScorer,
    id: &'a CustomerId,
    from: Option<Timestamp>,
    as_of: Option<Timestamp>,
) -> Result<Scored<'a>, AppError> {
    let before = current_card(store, id).await?;
    let scored = scorer.scored(store, id, as_of).await;
    Ok((id, from, before, scored))
}

/// Customers whose cards are computed at the same time.
const RECOMPUTED_TOGETHER: usize = 4;

/// Recomputes the cards of `customers` against `scorer`'s run at `as_of` and says what
/// changed against each one's current card, with the outbox messages that gives (stamped
/// `now`). Reads only: [`Refreshed::store`] stores the result.
pub async fn recompute_cards(
    store: &dyn Store,
    scorer: &LiveScorer,
    customers: &Touched,
    as_of: Option<Timestamp>,
    now: Timestamp,
) -> Result<Refreshed, AppError> {
    use futures_util::stream::{self, StreamExt, TryStreamExt};
    let mut refreshed = Refreshed::default();
    let now_text = now.to_string();
    // A few customers at a time (their reads wait on the store, their cards on a core), in
    // order, so the answer lists them as asked.
    let pending: Vec<_> = customers
        .iter()
        .map(|(id, from)| score_one(store, scorer, id, *from, as_of))
        .collect();
    let scored: Vec<_> = stream::iter(pending)
        .buffered(RECOMPUTED_TOGETHER)
        .try_collect()
        .await?;
    for (id, new_facts_from, before, scored) in scored {
        refreshed.done.push(id.clone());
        let (card, triggers) = match scored {
            Ok(scored) => scored,
            Err(AppError::UnknownCustomer(why)) => {
                refreshed.not_scored.push(NotScored {
                    customer_id: id.clone(),
                    reason: why,
                });
                continue;
            }
            Err(e) => return Err(e),
        };
        let text = serde_json::to_string(&card).map_err(|e| AppError::Corrupt(e.to_string()))?;
        refreshed.rows.push((id.clone(), scorer.run().id, text));
        // Rules are evaluated in time order, so new facts can only change firings at or after
        // the earliest of them; without a time (a customer record), firings after the card
        // before are new. Each firing has a stable webhook-id, so one noticed twice is stored
        // and delivered once.
        let fired: Vec<OutboxMessage> = triggers
            .into_iter()
            .filter(|t| {
                let new = match new_facts_from {
                    Some(from) => t.at >= from,
                    None => t.at > before.as_ref().map_or(scorer.run().as_of, |b| b.as_of),
                };
                new && t.at <= card.as_of
            })
            .collect();
        let change = change(id, before.as_ref(), card, fired);
        refreshed
            .messages
            .extend(crate::webhooks::messages_of(&change, &now_text)?);
        refreshed.changes.push(change);
    }
    Ok(refreshed)
}

/// A customer's current card: their newest live card when it was scored against the latest
/// run or a later one, else their card in the latest run (a later batch run supersedes
/// earlier live cards).
pub async fn current_card(store: &dyn Store, id: &CustomerId) -> Result<Option<Card>, AppError> {
    match store.current_card(id).await? {
        Some(patron_store::CurrentCard {
            card: Some(text), ..
        }) => serde_json::from_str(&text)
            .map(Some)
            .map_err(|e| AppError::Corrupt(format!("the current card of {id}: {e}"))),
        _ => Ok(None),
    }
}

fn change(
    id: &CustomerId,
    before: Option<&Card>,
    card: Card,
    triggers: Vec<OutboxMessage>,
) -> CardChange {
    let mut points = BTreeMap::new();
    for (name, &new) in &card.scores {
        let old = before
            .and_then(|b| b.scores.get(name))
            .copied()
            .unwrap_or(0.0);
        if old != new {
            points.insert(name.clone(), (old, new));
        }
    }
    let alarms = |c: Option<&Card>| -> BTreeSet<String> {
        c.map(|c| c.alarms.iter().map(|a| a.kind.to_string()).collect())
            .unwrap_or_default()
    };
    let (was, now) = (alarms(before), alarms(Some(&card)));
    let stage_before = before.and_then(|b| b.stage.clone());
    let tier_before = before.map(|b| b.tier.clone()).unwrap_or_default();
    let status_before = before.map(|b| b.status.clone()).unwrap_or_default();
    CardChange {
        customer_id: id.clone(),
        points,
        stage: (stage_before != card.stage).then(|| (stage_before, card.stage.clone())),
        tier: (tier_before != card.tier).then(|| (tier_before, card.tier.clone())),
        status: (status_before != card.status).then(|| (status_before, card.status.clone())),
        alarms_raised: now.difference(&was).cloned().collect(),
        alarms_cleared: was.difference(&now).cloned().collect(),
        triggers,
        card,
    }
}

impl CustomerItem {
    /// A stored customer as the API sends one.
    pub fn from_customer(c: &Customer) -> CustomerItem {
        CustomerItem {
            customer_id: c.id.to_string(),
            created_at: c.created_at.map(|t| t.to_string()),
            name: c.name.clone(),
            email: c.email.clone(),
            phone: c.phone.clone(),
            company: c.company.clone(),
            postcode: c.postcode.clone(),
            country: c.country.clone(),
            attributes: c.attributes.clone(),
            consent_marketing: c.consent.marketing,
            consent_profiling: c.consent.profiling,
            acquisition_cost: c.acquisition_cost.map(Money::to_f64),
        }
    }
}

/// Customer `id` with `patch` applied as a JSON merge patch (RFC 7396): the fields sent
/// replace the stored ones, `null` clears a field, `attributes` merge name by name (`null`
/// removes one). The result is validated like any customer sent; the id cannot change.
pub async fn patch_customer(
    store: &dyn Store,
    id: &CustomerId,
    patch: &serde_json::Map<String, serde_json::Value>,
) -> Result<Facts, AppError> {
    let current = store
        .customer(id)
        .await?
        .ok_or_else(|| AppError::NotFound(format!("there is no customer {id}")))?;
    if let Some(sent) = patch.get("customer_id")
        && sent.as_str() != Some(id.as_str())
    {
        return Err(AppError::InvalidFacts(vec![ItemError {
            index: 0,
            field: "customer_id".into(),
            value: sent.to_string(),
            expected: format!("{id} (the id cannot change; merge customers instead)"),
        }]));
    }
    let mut merged = serde_json::to_value(CustomerItem::from_customer(&current))
        .map_err(|e| AppError::Corrupt(e.to_string()))?;
    merge_patch(&mut merged, &serde_json::Value::Object(patch.clone()));
    let item: CustomerItem = serde_json::from_value(merged)
        .map_err(|e| AppError::Invalid(format!("the patched customer: {e}")))?;
    customers(std::slice::from_ref(&item))
}

/// RFC 7396: objects merge key by key, `null` removes, anything else replaces.
fn merge_patch(target: &mut serde_json::Value, patch: &serde_json::Value) {
    let serde_json::Value::Object(patch) = patch else {
        *target = patch.clone();
        return;
    };
    if !target.is_object() {
        *target = serde_json::Value::Object(Default::default());
    }
    let serde_json::Value::Object(map) = target else {
        return;
    };
    for (key, value) in patch {
        if value.is_null() {
            map.remove(key);
        } else {
            merge_patch(
                map.entry(key.clone()).or_insert(serde_json::Value::Null),
                value,
            );
        }
    }
}
