//! The canonical data model: what Patron knows about a company's customers and their history.
//! Every source is mapped onto these records at import; the engine never sees a source format.

use crate::ids::{ContractId, CustomerId, EventId, InvoiceId, OrderId, TicketId};
use crate::{Money, Timestamp};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::fmt;

/// The kinds of fact Patron stores; each source file holds one of them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Entity {
    /// Customers and leads.
    Customers,
    /// Order lines (orders are groups of lines with the same order id).
    OrderLines,
    /// Web, e-mail, social and product interactions.
    Events,
    /// Support tickets.
    Tickets,
    /// Invoices and their payment.
    Invoices,
    /// Observed outcomes (churned, converted, offer accepted, …).
    Outcomes,
    /// Contracts and subscriptions: plan, term, notice, recurring value, cancellation.
    Contracts,
}

impl Entity {
    /// All entities, in import order (customers first so facts can refer to them).
    pub const ALL: [Entity; 7] = [
        Entity::Customers,
        Entity::OrderLines,
        Entity::Events,
        Entity::Tickets,
        Entity::Invoices,
        Entity::Outcomes,
        Entity::Contracts,
    ];

    /// The name used in `patron.toml` and in output.
    pub fn name(self) -> &'static str {
        match self {
            Entity::Customers => "customers",
            Entity::OrderLines => "order_lines",
            Entity::Events => "events",
            Entity::Tickets => "tickets",
            Entity::Invoices => "invoices",
            Entity::Outcomes => "outcomes",
            Entity::Contracts => "contracts",
        }
    }
}

impl fmt::Display for Entity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A typed customer attribute value (firmographics, demographics, CRM fields). Serialised
/// untagged: `true`, `12.5`, `"2024-01-31"`, `"retail"`; a string that parses as a date is a
/// date.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(untagged)]
pub enum AttrValue {
    /// A boolean flag.
    Bool(bool),
    /// A number.
    Number(f64),
    /// A calendar date.
    Date(NaiveDate),
    /// Free text or a category.
    Text(String),
}

// By hand rather than derived: serde's untagged enums buffer every value and try each variant
// in turn, and a load reads millions of attributes.
impl<'de> Deserialize<'de> for AttrValue {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct Visitor;
        impl serde::de::Visitor<'_> for Visitor {
            type Value = AttrValue;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a boolean, a number, a date or a text")
            }
            fn visit_bool<E>(self, v: bool) -> Result<AttrValue, E> {
                Ok(AttrValue::Bool(v))
            }
            fn visit_i64<E>(self, v: i64) -> Result<AttrValue, E> {
                Ok(AttrValue::Number(v as f64))
            }
            fn visit_u64<E>(self, v: u64) -> Result<AttrValue, E> {
                Ok(AttrValue::Number(v as f64))
            }
            fn visit_f64<E>(self, v: f64) -> Result<AttrValue, E> {
                Ok(AttrValue::Number(v))
            }
            fn visit_str<E>(self, v: &str) -> Result<AttrValue, E> {
                // Only what can start a date is tried as one.
                if v.starts_with(|c: char| c.is_ascii_digit() || c == '+' || c == '-')
                    && let Ok(date) = v.parse::<NaiveDate>()
                {
                    return Ok(AttrValue::Date(date));
                }
                Ok(AttrValue::Text(v.to_owned()))
            }
        }
        d.deserialize_any(Visitor)
    }
}

/// The type an attribute column is parsed as.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AttrType {
    /// Free text or a category (the default).
    #[default]
    String,
    /// A number in the source's number format.
    Number,
    /// `true/false`, `yes/no`, `ja/nein`, `1/0`, `y/n`, `j/n`, `x/` (case-insensitive).
    Bool,
    /// A date in the source's date formats.
    Date,
}

/// What a customer agreed to (GDPR). `None` means not recorded.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Consent {
    /// Consent to marketing contact.
    pub marketing: Option<bool>,
    /// Consent to automated profiling (scores beyond what is allowed without consent).
    pub profiling: Option<bool>,
}

/// A customer or lead.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Customer {
    /// The id in the source system.
    pub id: CustomerId,
    /// Acquisition date, when the source gives one; otherwise the engine uses the customer's
    /// first fact.
    pub created_at: Option<Timestamp>,
    /// Display name (person or contact).
    pub name: Option<String>,
    /// E-mail address.
    pub email: Option<String>,
    /// Phone number as given.
    pub phone: Option<String>,
    /// Company (B2B).
    pub company: Option<String>,
    /// Postal code.
    pub postcode: Option<String>,
    /// Country (name or ISO code, as given).
    pub country: Option<String>,
    /// Further typed attributes, by name.
    pub attributes: BTreeMap<String, AttrValue>,
    /// Consent flags.
    pub consent: Consent,
    /// What it cost to acquire this customer.
    pub acquisition_cost: Option<Money>,
    /// True for a customer created because a fact named an unknown id (create-stub mode); a
    /// later customer record with the same id fills it in.
    pub is_stub: bool,
}

impl Customer {
    /// A stub customer known only by id.
    pub fn stub(id: CustomerId) -> Self {
        Customer {
            id,
            created_at: None,
            name: None,
            email: None,
            phone: None,
            company: None,
            postcode: None,
            country: None,
            attributes: BTreeMap::new(),
            consent: Consent::default(),
            acquisition_cost: None,
            is_stub: true,
        }
    }
}

/// One line of an order. Returns and cancellations are lines with negative quantity/amount or
/// with `is_return` set.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OrderLine {
    /// The order this line belongs to.
    pub order_id: OrderId,
    /// 1-based position of the line in its order (natural key with `order_id`).
    pub line_no: u32,
    /// Who ordered.
    pub customer_id: CustomerId,
    /// When.
    pub timestamp: Timestamp,
    /// Product (SKU).
    pub sku: Option<String>,
    /// Product category.
    pub category: Option<String>,
    /// Quantity (negative for returns).
    pub quantity: f64,
    /// Price per unit.
    pub unit_price: Option<Money>,
    /// Line revenue (quantity × unit price unless given).
    pub amount: Money,
    /// Cost of goods for the whole line, when known.
    pub cost: Option<Money>,
    /// Sales channel (web, store, phone, …).
    pub channel: Option<String>,
    /// A return or cancellation.
    pub is_return: bool,
}

/// Who an event belongs to: a known customer, or an anonymous visitor id (a cookie, a device)
/// that may later be linked to a customer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Actor {
    /// A known customer.
    Customer(CustomerId),
    /// An anonymous visitor.
    Anonymous(String),
}

/// An interaction: page view, e-mail open, form submit, webinar, … Event types are free
/// strings; [`event_types`] lists the ones Patron's default rules know.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Event {
    /// Natural key: the source's id, or a content hash when the source has none.
    pub event_id: EventId,
    /// Who.
    pub actor: Actor,
    /// When.
    pub timestamp: Timestamp,
    /// The event type, lower snake case (e.g. `email_open`).
    pub event_type: String,
    /// Further properties (url, campaign, …).
    pub properties: BTreeMap<String, String>,
}

/// Event types with a conventional meaning (any other string is allowed too).
pub mod event_types {
    /// All well-known event types.
    pub const KNOWN: &[&str] = &[
        "page_view",
        "email_open",
        "email_click",
        "form_submit",
        "download",
        "webinar",
        "unsubscribe",
        "bounce",
        "login",
        "social_like",
        "share",
        "cart_add",
        "review",
        "referral",
        "nps",
    ];
}

/// Normalises an event type: trimmed, lower case, spaces and dashes become underscores.
pub fn normalise_event_type(raw: &str) -> String {
    raw.trim()
        .to_lowercase()
        .chars()
        .map(|c| if c == ' ' || c == '-' { '_' } else { c })
        .collect()
}

/// A support ticket.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Ticket {
    /// Natural key.
    pub ticket_id: TicketId,
    /// Whose.
    pub customer_id: CustomerId,
    /// Opened.
    pub opened_at: Timestamp,
    /// Closed, if closed.
    pub closed_at: Option<Timestamp>,
    /// Category (billing, delivery, …).
    pub category: Option<String>,
    /// Priority as given.
    pub priority: Option<String>,
    /// Escalated to a higher level.
    pub escalated: bool,
    /// Sentiment −1 (negative) … 1 (positive), when known.
    pub sentiment: Option<f64>,
    /// Minutes spent handling it.
    pub handling_minutes: Option<f64>,
    /// Free text (subject/body), when exported.
    pub text: Option<String>,
}

/// An invoice and its payment.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Invoice {
    /// Natural key.
    pub invoice_id: InvoiceId,
    /// Billed customer.
    pub customer_id: CustomerId,
    /// Issued.
    pub issued_at: Timestamp,
    /// Due.
    pub due_at: Timestamp,
    /// Paid in full, if paid.
    pub paid_at: Option<Timestamp>,
    /// Amount billed.
    pub amount: Money,
}

/// A contract or subscription: the one fact that changes over its life (renewed, cancelled),
/// re-imported by its id with the new state; earlier versions stay in the fact history.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Contract {
    /// Natural key.
    pub contract_id: ContractId,
    /// The contract holder.
    pub customer_id: CustomerId,
    /// Product or plan.
    pub plan: Option<String>,
    /// Start of the contract.
    pub started_at: Timestamp,
    /// End of the current term: the next renewal date (or the end of a fixed term). None for
    /// a contract that renews every billing period (a rolling subscription).
    pub renews_at: Option<Timestamp>,
    /// Days before `renews_at` by which a cancellation must be given; 0 when none.
    pub notice_days: u32,
    /// Months per billing period (1 monthly, 3 quarterly, 12 yearly).
    pub billing_months: u32,
    /// Amount billed per billing period.
    pub recurring_value: Money,
    /// The amount per billing period before the last price change, if the price changed.
    pub previous_value: Option<Money>,
    /// When `recurring_value` took effect (the last price change), if the price changed.
    pub price_changed_at: Option<Timestamp>,
    /// When the cancellation was received (or the contract ended), if cancelled.
    pub cancelled_at: Option<Timestamp>,
    /// Why, as given.
    pub cancel_reason: Option<String>,
}

/// Months per billing period from its name (`monthly`, `quarterly`, `half-yearly`, `yearly`,
/// their German names, `1m`/`12m`) or a number of months 1–120.
pub fn billing_months(text: &str) -> Option<u32> {
    let t = text.trim().to_lowercase();
    let named = match t.as_str() {
        "month" | "monthly" | "monatlich" | "1m" => Some(1),
        "quarter" | "quarterly" | "vierteljährlich" | "quartalsweise" | "3m" => Some(3),
        "half-year" | "half-yearly" | "halfyearly" | "halbjährlich" | "6m" => Some(6),
        "year" | "yearly" | "annual" | "annually" | "jährlich" | "12m" => Some(12),
        _ => None,
    };
    named.or_else(|| t.parse::<u32>().ok().filter(|m| (1..=120).contains(m)))
}

/// An observed outcome, used as a label by the models and as feedback on actions.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Outcome {
    /// Whose.
    pub customer_id: CustomerId,
    /// `churned`, `converted`, `offer_accepted`, `offer_declined`, … (lower snake case).
    pub kind: String,
    /// When it was observed.
    pub at: Timestamp,
    /// Optional detail (the offer, the reason).
    pub label: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parsed(json: &str) -> Result<AttrValue, serde_json::Error> {
        serde_json::from_str(json)
    }

    #[test]
    fn attribute_values_read_as_their_kind() {
        assert_eq!(parsed("true").unwrap(), AttrValue::Bool(true));
        assert_eq!(parsed("42").unwrap(), AttrValue::Number(42.0));
        assert_eq!(parsed("-1.5").unwrap(), AttrValue::Number(-1.5));
        assert_eq!(
            parsed("\"2024-01-31\"").unwrap(),
            AttrValue::Date(NaiveDate::from_ymd_opt(2024, 1, 31).unwrap())
        );
        // Not a date after all, or not one at all: text.
        assert_eq!(
            parsed("\"2024-13-45\"").unwrap(),
            AttrValue::Text("2024-13-45".into())
        );
        assert_eq!(
            parsed("\"retail\"").unwrap(),
            AttrValue::Text("retail".into())
        );
        let err = parsed("null").unwrap_err().to_string();
        assert!(
            err.contains("a boolean, a number, a date or a text"),
            "{err}"
        );
        assert!(parsed("[1]").is_err());
        for value in [
            AttrValue::Bool(false),
            AttrValue::Number(3.25),
            AttrValue::Date(NaiveDate::from_ymd_opt(2020, 2, 29).unwrap()),
            AttrValue::Text("b2b".into()),
        ] {
            let json = serde_json::to_string(&value).unwrap();
            assert_eq!(parsed(&json).unwrap(), value, "{json}");
        }
    }
}

/// The natural key of a stored fact: what a row with `deleted = true` deletes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FactKey {
    /// An order line by order id and line number.
    OrderLine(OrderId, u32),
    /// An event by id.
    Event(EventId),
    /// A ticket by id.
    Ticket(TicketId),
    /// An invoice by id.
    Invoice(InvoiceId),
    /// An outcome by customer, kind and time.
    Outcome(CustomerId, String, Timestamp),
    /// A contract by id.
    Contract(ContractId),
}
