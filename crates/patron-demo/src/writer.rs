//! The six demo files: assigns ids, writes each customer's rows as soon as they are simulated
//! and counts what was written.

use crate::DemoSummary;
use crate::calendar::{Date, DateTime};
use crate::csv::CsvWriter;
use crate::customer::{Facts, Role, Simulated};
use crate::engagement::Url;
use crate::world::World;
use patron_core::Money;
use std::fmt;
use std::io;
use std::path::Path;

/// Header of `customers.csv`.
pub const CUSTOMERS: &[&str] = &[
    "customer_id",
    "created_at",
    "name",
    "email",
    "phone",
    "company",
    "postcode",
    "country",
    "segment",
    "industry",
    "company_size",
    "position",
    "acquisition_channel",
    "consent_marketing",
    "consent_profiling",
    "acquisition_cost",
];
/// Header of `orders.csv`.
pub const ORDERS: &[&str] = &[
    "order_id",
    "line_no",
    "customer_id",
    "timestamp",
    "sku",
    "category",
    "quantity",
    "unit_price",
    "unit_cost",
    "channel",
];
/// Header of `events.csv`.
pub const EVENTS: &[&str] = &[
    "event_id",
    "customer_id",
    "timestamp",
    "type",
    "url",
    "campaign",
];
/// Header of `tickets.csv`.
pub const TICKETS: &[&str] = &[
    "ticket_id",
    "customer_id",
    "opened_at",
    "closed_at",
    "category",
    "priority",
    "escalated",
    "sentiment",
    "handling_minutes",
];
/// Header of `invoices.csv`.
pub const INVOICES: &[&str] = &[
    "invoice_id",
    "customer_id",
    "issued_at",
    "due_at",
    "paid_at",
    "amount",
];
/// Header of `outcomes.csv`.
pub const OUTCOMES: &[&str] = &["customer_id", "kind", "at", "label"];
/// Header of `contracts.csv`.
pub const CONTRACTS: &[&str] = &[
    "contract_id",
    "customer_id",
    "plan",
    "started_at",
    "renews_at",
    "notice_days",
    "billing_period",
    "recurring_value",
    "previous_value",
    "price_changed_at",
    "cancelled_at",
    "cancel_reason",
];

/// The open demo files and the id counters.
pub struct DemoWriter {
    customers: CsvWriter,
    orders: CsvWriter,
    events: CsvWriter,
    tickets: CsvWriter,
    invoices: CsvWriter,
    outcomes: CsvWriter,
    contracts: Option<CsvWriter>,
    next_contract: u64,
    next_order: u64,
    next_event: u64,
    next_ticket: u64,
    next_invoice: u64,
    order_count: u64,
    leads: u64,
    duplicates: u64,
}

impl DemoWriter {
    /// Creates the six files (seven with `contracts`) in `data_dir` and writes their headers.
    pub fn create(data_dir: &Path, contracts: bool) -> io::Result<Self> {
        let open = |name: &str, header: &[&str]| CsvWriter::create(&data_dir.join(name), header);
        Ok(DemoWriter {
            customers: open("customers.csv", CUSTOMERS)?,
            orders: open("orders.csv", ORDERS)?,
            events: open("events.csv", EVENTS)?,
            tickets: open("tickets.csv", TICKETS)?,
            invoices: open("invoices.csv", INVOICES)?,
            outcomes: open("outcomes.csv", OUTCOMES)?,
            contracts: if contracts {
                Some(open("contracts.csv", CONTRACTS)?)
            } else {
                // An earlier demo's contracts are not this one's.
                match std::fs::remove_file(data_dir.join("contracts.csv")) {
                    Err(e) if e.kind() != io::ErrorKind::NotFound => return Err(e),
                    _ => None,
                }
            },
            next_contract: 1,
            next_order: 1,
            next_event: 1,
            next_ticket: 1,
            next_invoice: 1,
            order_count: 0,
            leads: 0,
            duplicates: 0,
        })
    }

    /// Writes one customer and all their facts.
    pub fn write(&mut self, world: &World, customer: &Simulated, facts: &Facts) -> io::Result<()> {
        let id = world.customer_id(customer.index).to_string();
        let id = id.as_str();
        match customer.role {
            Role::Lead => self.leads += 1,
            Role::Duplicate => self.duplicates += 1,
            Role::Regular => {}
        }
        self.customer(id, customer)?;
        self.orders(world, id, facts)?;
        self.events(world, id, facts)?;
        self.tickets(id, facts)?;
        self.invoices(id, facts)?;
        self.contract(id, facts)?;
        self.outcomes(world, id, facts)
    }

    fn contract(&mut self, id: impl fmt::Display + Copy, facts: &Facts) -> io::Result<()> {
        let (Some(out), Some(s)) = (self.contracts.as_mut(), &facts.subscription) else {
            return Ok(());
        };
        out.field(format_args!("K{}", self.next_contract))
            .field(id)
            .field(s.plan)
            .field(Date(s.started))
            .optional(s.renews.map(Date))
            .field(s.notice_days)
            .field(if s.billing_months == 12 {
                "yearly"
            } else {
                "monthly"
            })
            .field(money(s.price_cents))
            .optional(s.price_rise.map(|(before, _)| money(before)))
            .optional(s.price_rise.map(|(_, at)| Date(at)))
            .optional(s.cancelled.map(DateTime))
            .optional(s.reason);
        self.next_contract += 1;
        out.end_row()
    }

    fn customer(&mut self, id: impl fmt::Display, customer: &Simulated) -> io::Result<()> {
        let r = &customer.record;
        let firm = r.firm.as_ref();
        let a = &r.acquisition;
        self.customers
            .field(id)
            .field(DateTime(r.created_at))
            .field(&r.name)
            .optional(r.email.as_ref())
            .optional(r.phone.as_ref())
            .optional(firm.map(|f| &f.company))
            .optional(r.postcode.as_ref())
            .field(r.country)
            .field(r.segment.name())
            .optional(firm.map(|f| f.industry))
            .optional(firm.map(|f| f.size))
            .optional(firm.map(|f| f.position))
            .field(a.channel)
            .field(a.consent_marketing)
            .field(a.consent_profiling)
            .field(money(a.cost_cents));
        self.customers.end_row()
    }

    fn orders(
        &mut self,
        world: &World,
        id: impl fmt::Display + Copy,
        facts: &Facts,
    ) -> io::Result<()> {
        let base = self.next_order;
        for order in &facts.orders {
            let order_id = OrderNumber {
                number: base + u64::from(order.number),
                is_return: order.is_return,
            };
            for (line_no, line) in order.lines.iter().enumerate() {
                let product = world.catalogue.product(line.product);
                self.orders
                    .field(order_id)
                    .field(line_no + 1)
                    .field(id)
                    .field(DateTime(order.at))
                    .field(&product.sku)
                    .field(product.category().name)
                    .field(line.quantity)
                    .field(money(product.price_cents))
                    .field(money(product.cost_cents))
                    .field(order.channel);
                self.orders.end_row()?;
            }
            self.order_count += 1;
            if !order.is_return {
                self.next_order += 1;
            }
        }
        Ok(())
    }

    fn events(
        &mut self,
        world: &World,
        id: impl fmt::Display + Copy,
        facts: &Facts,
    ) -> io::Result<()> {
        for event in &facts.events {
            self.events
                .field(format_args!("E{}", self.next_event))
                .field(id)
                .field(DateTime(event.at))
                .field(event.kind.name())
                .field(Url {
                    page: event.page,
                    world,
                })
                .optional(event.campaign.map(|c| &world.campaigns[c].name));
            self.events.end_row()?;
            self.next_event += 1;
        }
        Ok(())
    }

    fn tickets(&mut self, id: impl fmt::Display + Copy, facts: &Facts) -> io::Result<()> {
        for ticket in &facts.tickets {
            self.tickets
                .field(format_args!("T{}", self.next_ticket))
                .field(id)
                .field(DateTime(ticket.opened))
                .optional(ticket.closed.map(DateTime))
                .field(ticket.category)
                .field(ticket.priority)
                .field(ticket.escalated)
                // `+ 0.0` turns −0.00 into 0.00.
                .optional(ticket.sentiment.map(|s| format!("{:.2}", s + 0.0)))
                .field(ticket.handling_minutes);
            self.tickets.end_row()?;
            self.next_ticket += 1;
        }
        Ok(())
    }

    fn invoices(&mut self, id: impl fmt::Display + Copy, facts: &Facts) -> io::Result<()> {
        for invoice in &facts.invoices {
            self.invoices
                .field(format_args!("I{}", self.next_invoice))
                .field(id)
                .field(Date(invoice.issued))
                .field(Date(invoice.due))
                .optional(invoice.paid.map(Date))
                .field(money(invoice.amount_cents));
            self.invoices.end_row()?;
            self.next_invoice += 1;
        }
        Ok(())
    }

    fn outcomes(
        &mut self,
        world: &World,
        id: impl fmt::Display + Copy,
        facts: &Facts,
    ) -> io::Result<()> {
        for outcome in &facts.outcomes {
            self.outcomes
                .field(id)
                .field(outcome.kind)
                .field(DateTime(outcome.at))
                .optional(outcome.product.map(|p| &world.catalogue.product(p).sku));
            self.outcomes.end_row()?;
        }
        Ok(())
    }

    /// Flushes all files and returns the counts.
    pub fn finish(self) -> io::Result<DemoSummary> {
        Ok(DemoSummary {
            customers: self.customers.finish()?,
            leads: self.leads,
            order_lines: self.orders.finish()?,
            orders: self.order_count,
            events: self.events.finish()?,
            tickets: self.tickets.finish()?,
            invoices: self.invoices.finish()?,
            outcomes: self.outcomes.finish()?,
            contracts: match self.contracts {
                Some(c) => c.finish()?,
                None => 0,
            },
            duplicate_customers: self.duplicates,
        })
    }
}

/// An amount in cents as [`Money`] (written with two decimals).
fn money(cents: i64) -> Money {
    Money::from_raw(cents * (patron_core::money::MONEY_SCALE / 100))
}

/// Displays an order id: `O17`, or `O17R` for its return.
#[derive(Debug, Clone, Copy)]
struct OrderNumber {
    number: u64,
    is_return: bool,
}

impl fmt::Display for OrderNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "O{}{}",
            self.number,
            if self.is_return { "R" } else { "" }
        )
    }
}
