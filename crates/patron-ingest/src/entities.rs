//! Turning a mapped row into a canonical record of the source's entity.

use crate::mapping::{Field, Mapping, Row, RowError, check_money};
use patron_core::ids::{ContractId, CustomerId, EventId, InvoiceId, OrderId, TicketId};
use patron_core::model::{
    Actor, Consent, Contract, Customer, Entity, Event, FactKey, Invoice, OrderLine, Outcome,
    Ticket, billing_months, normalise_event_type,
};
use patron_core::{Money, Timestamp, limits};
use rustc_hash::FxHashMap;
use std::collections::{BTreeMap, HashMap};

/// A parsed record.
pub(crate) enum Record {
    Customer(Customer),
    OrderLine(OrderLine),
    Event(Event),
    Ticket(Ticket),
    Invoice(Invoice),
    Outcome(Outcome),
    Contract(Contract),
    /// A row with `deleted = true`: the stored fact with this key is deleted.
    Deleted(FactKey),
}

impl Record {
    /// The customer a fact refers to (None for customers themselves and anonymous events).
    pub fn referenced_customer(&self) -> Option<&CustomerId> {
        match self {
            Record::Customer(_) => None,
            Record::OrderLine(l) => Some(&l.customer_id),
            Record::Event(e) => match &e.actor {
                Actor::Customer(c) => Some(c),
                Actor::Anonymous(_) => None,
            },
            Record::Ticket(t) => Some(&t.customer_id),
            Record::Invoice(i) => Some(&i.customer_id),
            Record::Outcome(o) => Some(&o.customer_id),
            Record::Contract(c) => Some(&c.customer_id),
            // Deleting a fact of an unknown customer deletes nothing (and creates no stub).
            Record::Deleted(_) => None,
        }
    }
}

/// Field handles of every canonical field, resolved once per source.
struct Handles(HashMap<&'static str, Field>);

impl Handles {
    fn get(&self, name: &str) -> Field {
        self.0.get(name).copied().flatten()
    }
}

/// Builds records of one entity from rows, keeping per-source state (line numbers within orders,
/// occurrence counts of identical events).
pub(crate) struct EntityBuilder {
    entity: Entity,
    handles: Handles,
    lines_per_order: FxHashMap<OrderId, u32>,
    event_occurrences: HashMap<u64, u32>,
}

impl EntityBuilder {
    pub fn new(entity: Entity, mapping: &Mapping) -> Self {
        let handles = patron_core::config::fields_of(entity)
            .iter()
            .map(|f| (f.name, mapping.field(f.name)))
            .collect();
        EntityBuilder {
            entity,
            handles: Handles(handles),
            lines_per_order: FxHashMap::default(),
            event_occurrences: HashMap::new(),
        }
    }

    pub fn build(&mut self, m: &mut Mapping, row: &Row<'_>) -> Result<Record, RowError> {
        let record = self.build_record(m, row)?;
        if !m.boolean(self.h("deleted"), row)?.unwrap_or(false) {
            return Ok(record);
        }
        Ok(Record::Deleted(match record {
            Record::OrderLine(l) => FactKey::OrderLine(l.order_id, l.line_no),
            Record::Event(e) => FactKey::Event(e.event_id),
            Record::Ticket(t) => FactKey::Ticket(t.ticket_id),
            Record::Invoice(i) => FactKey::Invoice(i.invoice_id),
            Record::Outcome(o) => FactKey::Outcome(o.customer_id, o.kind, o.at),
            Record::Contract(c) => FactKey::Contract(c.contract_id),
            // Customers have no `deleted` field (the mapping refuses it).
            other => return Ok(other),
        }))
    }

    fn build_record(&mut self, m: &mut Mapping, row: &Row<'_>) -> Result<Record, RowError> {
        match self.entity {
            Entity::Customers => self.customer(m, row).map(Record::Customer),
            Entity::OrderLines => self.order_line(m, row).map(Record::OrderLine),
            Entity::Events => self.event(m, row).map(Record::Event),
            Entity::Tickets => self.ticket(m, row).map(Record::Ticket),
            Entity::Invoices => self.invoice(m, row).map(Record::Invoice),
            Entity::Outcomes => self.outcome(m, row).map(Record::Outcome),
            Entity::Contracts => self.contract(m, row).map(Record::Contract),
        }
    }

    fn h(&self, name: &str) -> Field {
        self.handles.get(name)
    }

    fn required_time(
        &self,
        m: &mut Mapping,
        name: &str,
        row: &Row<'_>,
    ) -> Result<Timestamp, RowError> {
        let field = self.h(name);
        m.time(field, row)?
            .ok_or_else(|| RowError::new(m.label(field), Some(""), format!("`{name}` is required")))
    }

    fn customer_id(&self, m: &Mapping, row: &Row<'_>) -> Result<CustomerId, RowError> {
        let field = self.h("customer_id");
        m.id(field, row, CustomerId::parse)?
            .ok_or_else(|| RowError::new(m.label(field), Some(""), "`customer_id` is required"))
    }

    fn text(&self, m: &Mapping, name: &str, row: &Row<'_>) -> Result<Option<String>, RowError> {
        Ok(m.text(self.h(name), row)?.map(|c| c.into_owned()))
    }

    fn customer(&self, m: &mut Mapping, row: &Row<'_>) -> Result<Customer, RowError> {
        let id = self.customer_id(m, row)?;
        let created_at = m.time(self.h("created_at"), row)?;
        let acquisition_cost = m.money(self.h("acquisition_cost"), row)?;
        if let Some(cost) = acquisition_cost.filter(|c| c.is_negative()) {
            return Err(RowError::new(
                m.label(self.h("acquisition_cost")),
                Some(&cost.to_string()),
                "expected a cost ≥ 0",
            ));
        }
        let email = self.text(m, "email", row)?;
        if let Some(e) = email.as_deref().filter(|e| !e.contains('@')) {
            return Err(RowError::new(
                m.label(self.h("email")),
                Some(e),
                "expected an e-mail address with @",
            ));
        }
        let consent = Consent {
            marketing: m.boolean(self.h("consent_marketing"), row)?,
            profiling: m.boolean(self.h("consent_profiling"), row)?,
        };
        Ok(Customer {
            id,
            created_at,
            name: self.text(m, "name", row)?,
            email,
            phone: self.text(m, "phone", row)?,
            company: self.text(m, "company", row)?,
            postcode: self.text(m, "postcode", row)?,
            country: self.text(m, "country", row)?,
            attributes: m.attribute_values(row)?.into_iter().collect(),
            consent,
            acquisition_cost,
            is_stub: false,
        })
    }

    fn order_line(&mut self, m: &mut Mapping, row: &Row<'_>) -> Result<OrderLine, RowError> {
        let customer_id = self.customer_id(m, row)?;
        let timestamp = self.required_time(m, "timestamp", row)?;
        let order_id = match m.id(self.h("order_id"), row, OrderId::parse)? {
            Some(id) => id,
            None => OrderId::parse(&format!("{customer_id}@{timestamp}"))
                .map_err(|e| RowError::new("order_id", Some(&e.value), e.expected))?,
        };
        let quantity = m.number(self.h("quantity"), row)?.unwrap_or(1.0);
        if !limits::quantity_in_range(quantity) {
            return Err(RowError::new(
                m.label(self.h("quantity")),
                Some(&quantity.to_string()),
                format!("expected {}", limits::quantity_range()),
            ));
        }
        let unit_price = m.money(self.h("unit_price"), row)?;
        let amount = match m.money(self.h("amount"), row)? {
            Some(a) => a,
            None => match unit_price {
                Some(p) => {
                    let amount = p.times(quantity);
                    let shown = format!("{p} × {quantity}");
                    check_money(m.label(self.h("unit_price")), amount, &shown)?;
                    amount
                }
                None => {
                    let label = m.label(self.h("amount"));
                    return Err(RowError::new(
                        label,
                        Some(""),
                        "`amount` is required when there is no unit price",
                    ));
                }
            },
        };
        let cost = match m.money(self.h("cost"), row)? {
            Some(c) => Some(c),
            None => match m.money(self.h("unit_cost"), row)? {
                Some(c) => {
                    let cost = c.times(quantity);
                    check_money(
                        m.label(self.h("unit_cost")),
                        cost,
                        &format!("{c} × {quantity}"),
                    )?;
                    Some(cost)
                }
                None => None,
            },
        };
        let line_no = match m.number(self.h("line_no"), row)? {
            Some(n) if n >= 1.0 && n.fract() == 0.0 && n <= u32::MAX as f64 => n as u32,
            Some(n) => {
                return Err(RowError::new(
                    m.label(self.h("line_no")),
                    Some(&n.to_string()),
                    "expected a line number ≥ 1",
                ));
            }
            None => {
                // Look up before inserting: cloning the id for every line would allocate per row.
                match self.lines_per_order.get_mut(&order_id) {
                    Some(n) => {
                        *n += 1;
                        *n
                    }
                    None => {
                        self.lines_per_order.insert(order_id.clone(), 1);
                        1
                    }
                }
            }
        };
        let is_return = m
            .boolean(self.h("is_return"), row)?
            .unwrap_or(quantity < 0.0 || amount.is_negative());
        Ok(OrderLine {
            order_id,
            line_no,
            customer_id,
            timestamp,
            sku: self.text(m, "sku", row)?,
            category: self.text(m, "category", row)?,
            quantity,
            unit_price,
            amount,
            cost,
            channel: self.text(m, "channel", row)?,
            is_return,
        })
    }

    fn event(&mut self, m: &mut Mapping, row: &Row<'_>) -> Result<Event, RowError> {
        let customer = m.id(self.h("customer_id"), row, CustomerId::parse)?;
        let anonymous = self.text(m, "anonymous_id", row)?;
        let actor = match (customer, anonymous) {
            (Some(c), _) => Actor::Customer(c),
            (None, Some(a)) => Actor::Anonymous(a),
            (None, None) => {
                return Err(RowError::new(
                    m.label(self.h("customer_id")),
                    Some(""),
                    "an event needs a customer_id or an anonymous_id",
                ));
            }
        };
        let timestamp = self.required_time(m, "timestamp", row)?;
        let type_field = self.h("type");
        let event_type = normalise_event_type(&m.required_text(type_field, row)?);
        let properties: BTreeMap<String, String> = m.property_values(row)?.into_iter().collect();
        let event_id = match m.id(self.h("event_id"), row, EventId::parse)? {
            Some(id) => id,
            None => self.derived_event_id(&actor, timestamp, &event_type, &properties),
        };
        Ok(Event {
            event_id,
            actor,
            timestamp,
            event_type,
            properties,
        })
    }

    /// A content hash of the event, with an occurrence number for identical events in one
    /// file, so re-importing the same file (or an overlapping export) finds the same ids.
    fn derived_event_id(
        &mut self,
        actor: &Actor,
        ts: Timestamp,
        kind: &str,
        props: &BTreeMap<String, String>,
    ) -> EventId {
        let mut h = patron_core::hash::Fnv64::new();
        match actor {
            Actor::Customer(c) => h.field(c.as_str()),
            Actor::Anonymous(a) => h.field(&format!("anon:{a}")),
        }
        h.field(&ts.secs().to_string());
        h.field(kind);
        for (k, v) in props {
            h.field(k);
            h.field(v);
        }
        let hash = h.finish();
        let occurrence = self.event_occurrences.entry(hash).or_insert(0);
        *occurrence += 1;
        EventId::parse(&format!("h{hash:016x}-{occurrence}")).expect("derived ids are valid")
    }

    fn ticket(&self, m: &mut Mapping, row: &Row<'_>) -> Result<Ticket, RowError> {
        let ticket_field = self.h("ticket_id");
        let ticket_id = m.id(ticket_field, row, TicketId::parse)?.ok_or_else(|| {
            RowError::new(m.label(ticket_field), Some(""), "`ticket_id` is required")
        })?;
        let customer_id = self.customer_id(m, row)?;
        let opened_at = self.required_time(m, "opened_at", row)?;
        let closed_at = m.time(self.h("closed_at"), row)?;
        if closed_at.is_some_and(|c| c < opened_at) {
            return Err(RowError::new(
                m.label(self.h("closed_at")),
                closed_at.map(|c| c.to_string()).as_deref(),
                "expected closed_at ≥ opened_at",
            ));
        }
        let sentiment = m.number(self.h("sentiment"), row)?;
        if let Some(s) = sentiment.filter(|s| !(-1.0..=1.0).contains(s)) {
            return Err(RowError::new(
                m.label(self.h("sentiment")),
                Some(&s.to_string()),
                "expected a sentiment between -1 and 1",
            ));
        }
        let handling_minutes = m.number(self.h("handling_minutes"), row)?;
        if let Some(h) = handling_minutes.filter(|h| *h < 0.0) {
            return Err(RowError::new(
                m.label(self.h("handling_minutes")),
                Some(&h.to_string()),
                "expected minutes ≥ 0",
            ));
        }
        Ok(Ticket {
            ticket_id,
            customer_id,
            opened_at,
            closed_at,
            category: self.text(m, "category", row)?,
            priority: self.text(m, "priority", row)?,
            escalated: m.boolean(self.h("escalated"), row)?.unwrap_or(false),
            sentiment,
            handling_minutes,
            text: self.text(m, "text", row)?,
        })
    }

    fn invoice(&self, m: &mut Mapping, row: &Row<'_>) -> Result<Invoice, RowError> {
        let invoice_field = self.h("invoice_id");
        let invoice_id = m.id(invoice_field, row, InvoiceId::parse)?.ok_or_else(|| {
            RowError::new(m.label(invoice_field), Some(""), "`invoice_id` is required")
        })?;
        let customer_id = self.customer_id(m, row)?;
        let issued_at = self.required_time(m, "issued_at", row)?;
        let due_at = self.required_time(m, "due_at", row)?;
        let paid_at = m.time(self.h("paid_at"), row)?;
        let amount_field = self.h("amount");
        let amount: Money = m.money(amount_field, row)?.ok_or_else(|| {
            RowError::new(m.label(amount_field), Some(""), "`amount` is required")
        })?;
        Ok(Invoice {
            invoice_id,
            customer_id,
            issued_at,
            due_at,
            paid_at,
            amount,
        })
    }

    fn contract(&self, m: &mut Mapping, row: &Row<'_>) -> Result<Contract, RowError> {
        let id_field = self.h("contract_id");
        let contract_id = m.id(id_field, row, ContractId::parse)?.ok_or_else(|| {
            RowError::new(m.label(id_field), Some(""), "`contract_id` is required")
        })?;
        let customer_id = self.customer_id(m, row)?;
        let started_at = self.required_time(m, "started_at", row)?;
        let renews_at = m.time(self.h("renews_at"), row)?;
        if let Some(r) = renews_at.filter(|r| *r < started_at) {
            return Err(RowError::new(
                m.label(self.h("renews_at")),
                Some(&r.to_string()),
                "expected renews_at ≥ started_at",
            ));
        }
        let cancelled_at = m.time(self.h("cancelled_at"), row)?;
        if let Some(c) = cancelled_at.filter(|c| *c < started_at) {
            return Err(RowError::new(
                m.label(self.h("cancelled_at")),
                Some(&c.to_string()),
                "expected cancelled_at ≥ started_at",
            ));
        }
        let notice_field = self.h("notice_days");
        let notice_days = match m.number(notice_field, row)? {
            None => 0,
            Some(d) if d >= 0.0 && d.fract() == 0.0 && d <= 3660.0 => d as u32,
            Some(d) => {
                return Err(RowError::new(
                    m.label(notice_field),
                    Some(&d.to_string()),
                    "expected whole days between 0 and 3660",
                ));
            }
        };
        let billing_field = self.h("billing_period");
        let billing_months = match m.text(billing_field, row)? {
            None => 1,
            Some(text) => billing_months(&text).ok_or_else(|| {
                RowError::new(
                    m.label(billing_field),
                    Some(&text),
                    "expected monthly, quarterly, half-yearly, yearly or a number of months 1–120",
                )
            })?,
        };
        let value_field = self.h("recurring_value");
        let recurring_value: Money = m.money(value_field, row)?.ok_or_else(|| {
            RowError::new(
                m.label(value_field),
                Some(""),
                "`recurring_value` is required",
            )
        })?;
        if recurring_value.is_negative() {
            return Err(RowError::new(
                m.label(value_field),
                Some(&recurring_value.to_string()),
                "expected a recurring value ≥ 0",
            ));
        }
        let previous_value = m.money(self.h("previous_value"), row)?;
        let price_changed_at = m.time(self.h("price_changed_at"), row)?;
        if previous_value.is_some() != price_changed_at.is_some() {
            let field = if previous_value.is_some() {
                "price_changed_at"
            } else {
                "previous_value"
            };
            return Err(RowError::new(
                m.label(self.h(field)),
                Some(""),
                "previous_value and price_changed_at go together (a price change needs both)",
            ));
        }
        if let Some(v) = previous_value.filter(|v| v.is_negative()) {
            return Err(RowError::new(
                m.label(self.h("previous_value")),
                Some(&v.to_string()),
                "expected an amount ≥ 0",
            ));
        }
        Ok(Contract {
            contract_id,
            customer_id,
            plan: self.text(m, "plan", row)?,
            started_at,
            renews_at,
            notice_days,
            billing_months,
            recurring_value,
            previous_value,
            price_changed_at,
            cancelled_at,
            cancel_reason: self.text(m, "cancel_reason", row)?,
        })
    }

    fn outcome(&self, m: &mut Mapping, row: &Row<'_>) -> Result<Outcome, RowError> {
        let customer_id = self.customer_id(m, row)?;
        let kind = normalise_event_type(&m.required_text(self.h("kind"), row)?);
        let at = self.required_time(m, "at", row)?;
        Ok(Outcome {
            customer_id,
            kind,
            at,
            label: self.text(m, "label", row)?,
        })
    }
}
