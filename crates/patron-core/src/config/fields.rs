//! The canonical fields of each entity that a source's `[columns]` may map.

use crate::model::Entity;

/// How a field's text is parsed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FieldKind {
    /// An identifier (trimmed, non-empty).
    Id,
    /// Free text (empty means absent).
    Text,
    /// A timestamp in the source's date formats.
    Time,
    /// An exact amount in the source's number format.
    Money,
    /// A number in the source's number format.
    Number,
    /// A whole number ≥ 1.
    Count,
    /// A boolean (`true/false`, `yes/no`, `ja/nein`, `1/0`, …).
    Bool,
}

/// One canonical field.
#[derive(Debug, Clone, Copy)]
pub struct FieldSpec {
    /// Its name in `[columns]`.
    pub name: &'static str,
    /// How it is parsed.
    pub kind: FieldKind,
    /// Must be mapped (or derivable) for the entity.
    pub required: bool,
    /// One line of documentation, shown by `patron init` and in errors.
    pub doc: &'static str,
}

const fn f(name: &'static str, kind: FieldKind, required: bool, doc: &'static str) -> FieldSpec {
    FieldSpec {
        name,
        kind,
        required,
        doc,
    }
}

use FieldKind::*;

const CUSTOMERS: &[FieldSpec] = &[
    f("customer_id", Id, true, "the customer's id"),
    f(
        "created_at",
        Time,
        false,
        "acquisition date (default: first fact)",
    ),
    f("name", Text, false, "person or contact name"),
    f("email", Text, false, "e-mail address"),
    f("phone", Text, false, "phone number"),
    f("company", Text, false, "company name (B2B)"),
    f("postcode", Text, false, "postal code"),
    f("country", Text, false, "country"),
    f(
        "consent_marketing",
        Bool,
        false,
        "consent to marketing contact",
    ),
    f(
        "consent_profiling",
        Bool,
        false,
        "consent to automated profiling",
    ),
    f(
        "acquisition_cost",
        Money,
        false,
        "cost of acquiring the customer",
    ),
];

const ORDER_LINES: &[FieldSpec] = &[
    f(
        "order_id",
        Id,
        false,
        "order/invoice number (default: customer and timestamp)",
    ),
    f(
        "line_no",
        Count,
        false,
        "line number within the order (default: position in the file)",
    ),
    f("customer_id", Id, true, "who ordered"),
    f("timestamp", Time, true, "when"),
    f("sku", Text, false, "product code"),
    f("category", Text, false, "product category"),
    f(
        "quantity",
        Number,
        false,
        "quantity (default 1; negative for returns)",
    ),
    f("unit_price", Money, false, "price per unit"),
    f(
        "amount",
        Money,
        false,
        "line revenue (default quantity × unit_price)",
    ),
    f("cost", Money, false, "cost of goods for the line"),
    f(
        "unit_cost",
        Money,
        false,
        "cost of goods per unit (cost = quantity × unit_cost)",
    ),
    f("channel", Text, false, "sales channel"),
    f(
        "is_return",
        Bool,
        false,
        "return/cancellation flag (default: negative quantity or amount)",
    ),
    f(
        "deleted",
        Bool,
        false,
        "true: delete the stored fact with this row's key (a correction list)",
    ),
];

const EVENTS: &[FieldSpec] = &[
    f(
        "event_id",
        Id,
        false,
        "event id (default: hash of the event's content)",
    ),
    f(
        "customer_id",
        Id,
        false,
        "known customer (this or anonymous_id)",
    ),
    f("anonymous_id", Id, false, "anonymous visitor id"),
    f("timestamp", Time, true, "when"),
    f("type", Text, true, "event type, e.g. page_view, email_open"),
    f(
        "deleted",
        Bool,
        false,
        "true: delete the stored fact with this row's key (a correction list)",
    ),
];

const TICKETS: &[FieldSpec] = &[
    f("ticket_id", Id, true, "ticket number"),
    f("customer_id", Id, true, "whose ticket"),
    f("opened_at", Time, true, "opened"),
    f("closed_at", Time, false, "closed"),
    f("category", Text, false, "category"),
    f("priority", Text, false, "priority"),
    f("escalated", Bool, false, "escalated"),
    f("sentiment", Number, false, "sentiment −1 … 1"),
    f(
        "handling_minutes",
        Number,
        false,
        "handling time in minutes",
    ),
    f("text", Text, false, "subject/body text"),
    f(
        "deleted",
        Bool,
        false,
        "true: delete the stored fact with this row's key (a correction list)",
    ),
];

const INVOICES: &[FieldSpec] = &[
    f("invoice_id", Id, true, "invoice number"),
    f("customer_id", Id, true, "billed customer"),
    f("issued_at", Time, true, "issue date"),
    f("due_at", Time, true, "due date"),
    f("paid_at", Time, false, "payment date (empty: open)"),
    f("amount", Money, true, "invoice amount"),
    f(
        "deleted",
        Bool,
        false,
        "true: delete the stored fact with this row's key (a correction list)",
    ),
];

const OUTCOMES: &[FieldSpec] = &[
    f("customer_id", Id, true, "whose outcome"),
    f(
        "kind",
        Text,
        true,
        "churned, converted, offer_accepted, offer_declined, …",
    ),
    f("at", Time, true, "when observed"),
    f("label", Text, false, "detail, e.g. the offer"),
    f(
        "deleted",
        Bool,
        false,
        "true: delete the stored fact with this row's key (a correction list)",
    ),
];

const CONTRACTS: &[FieldSpec] = &[
    f("contract_id", Id, true, "contract or subscription number"),
    f("customer_id", Id, true, "the contract holder"),
    f("plan", Text, false, "product or plan"),
    f("started_at", Time, true, "start of the contract"),
    f(
        "renews_at",
        Time,
        false,
        "end of the current term / next renewal date (empty: renews every billing period)",
    ),
    f(
        "notice_days",
        Number,
        false,
        "notice period in days before the renewal date (default 0)",
    ),
    f(
        "billing_period",
        Text,
        false,
        "monthly (default), quarterly, half-yearly, yearly, or months",
    ),
    f(
        "recurring_value",
        Money,
        true,
        "amount billed per billing period",
    ),
    f(
        "previous_value",
        Money,
        false,
        "amount per billing period before the last price change",
    ),
    f(
        "price_changed_at",
        Time,
        false,
        "when recurring_value took effect (the last price change)",
    ),
    f(
        "cancelled_at",
        Time,
        false,
        "cancellation received / contract ended (empty: active)",
    ),
    f("cancel_reason", Text, false, "reason for the cancellation"),
    f(
        "deleted",
        Bool,
        false,
        "true: delete the stored fact with this row's key (a correction list)",
    ),
];

/// The canonical fields of an entity.
pub fn fields_of(entity: Entity) -> &'static [FieldSpec] {
    match entity {
        Entity::Customers => CUSTOMERS,
        Entity::OrderLines => ORDER_LINES,
        Entity::Events => EVENTS,
        Entity::Tickets => TICKETS,
        Entity::Invoices => INVOICES,
        Entity::Outcomes => OUTCOMES,
        Entity::Contracts => CONTRACTS,
    }
}
