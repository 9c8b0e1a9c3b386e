//! Hand-built fact sets and rule sets for the tests.

use crate::rules::{RuleError, RuleSet};
use patron_core::config::{ConfigError, ProjectConfig};
use patron_core::facts::{Facts, Grouped, Interner, NONE, TicketRow, offsets_from_sorted};
use patron_core::model::{AttrValue, Consent};
use patron_core::{CustomerId, Money, Timestamp};
use std::collections::BTreeMap;
use std::path::Path;

/// A timestamp from text (`2024-03-01` or `2024-03-01 10:00:00`).
pub(super) fn ts(text: &str) -> Timestamp {
    Timestamp::parse_flexible(text).unwrap()
}

/// Parses a `patron.toml` text and compiles its rules (panics with the messages on error).
pub(super) fn compile(toml: &str) -> RuleSet {
    let config = ProjectConfig::parse(toml, Path::new("patron.toml")).unwrap();
    RuleSet::compile(&config.rules()).unwrap_or_else(|errors| {
        let text: Vec<String> = errors
            .iter()
            .map(|e| e.render("patron.toml", toml))
            .collect();
        panic!("{}", text.join("\n"))
    })
}

/// The compile errors of a configuration that parses.
pub(super) fn compile_errors(toml: &str) -> Vec<RuleError> {
    let config = ProjectConfig::parse(toml, Path::new("patron.toml")).unwrap();
    RuleSet::compile(&config.rules()).expect_err("the rules should not compile")
}

/// (line, column, message) of a configuration that does not parse.
pub(super) fn config_error(toml: &str) -> (usize, usize, String) {
    match ProjectConfig::parse(toml, Path::new("patron.toml")) {
        Err(ConfigError::Invalid {
            line,
            column,
            message,
            ..
        }) => (line, column, message),
        Err(other) => panic!("unexpected {other}"),
        Ok(_) => panic!("the configuration should not parse"),
    }
}

/// Builds a fact set from rows given in any order.
#[derive(Debug, Default)]
pub(super) struct FactsBuilder {
    customers: Vec<(String, Timestamp, Consent)>,
    attributes: BTreeMap<String, BTreeMap<usize, AttrValue>>,
    /// (customer, time, order id, category, amount, return)
    orders: Vec<(usize, Timestamp, String, Option<String>, f64, bool)>,
    events: Vec<(usize, Timestamp, String)>,
    tickets: Vec<(usize, Timestamp)>,
}

impl FactsBuilder {
    pub(super) fn customer(&mut self, id: &str, created: &str) -> usize {
        self.customers
            .push((id.to_owned(), ts(created), Consent::default()));
        self.customers.len() - 1
    }
    pub(super) fn customer_at(&mut self, id: &str, created: Timestamp) -> usize {
        self.customers
            .push((id.to_owned(), created, Consent::default()));
        self.customers.len() - 1
    }
    pub(super) fn consent(&mut self, c: usize, marketing: Option<bool>) {
        self.customers[c].2.marketing = marketing;
    }
    pub(super) fn attr(&mut self, c: usize, name: &str, value: AttrValue) {
        self.attributes
            .entry(name.to_owned())
            .or_default()
            .insert(c, value);
    }
    pub(super) fn order(&mut self, c: usize, at: &str, id: &str, category: &str, amount: f64) {
        self.order_at(c, ts(at), id, category, amount, false);
    }
    pub(super) fn order_at(
        &mut self,
        c: usize,
        at: Timestamp,
        id: &str,
        category: &str,
        amount: f64,
        is_return: bool,
    ) {
        self.orders.push((
            c,
            at,
            id.to_owned(),
            Some(category.to_owned()),
            amount,
            is_return,
        ));
    }
    pub(super) fn event(&mut self, c: usize, at: &str, event_type: &str) {
        self.event_at(c, ts(at), event_type);
    }
    pub(super) fn event_at(&mut self, c: usize, at: Timestamp, event_type: &str) {
        self.events.push((c, at, event_type.to_owned()));
    }
    pub(super) fn ticket(&mut self, c: usize, at: &str) {
        self.tickets.push((c, ts(at)));
    }

    /// The fact set (sorted by customer and time, ties in insertion order).
    pub(super) fn build(&self) -> Facts {
        let n = self.customers.len();
        let mut facts = Facts {
            as_of: ts("2100-01-01"),
            ..Facts::default()
        };
        for (id, created, consent) in &self.customers {
            let customers = &mut facts.customers;
            customers.ids.push(CustomerId::parse(id).unwrap());
            customers.created_at.push(*created);
            customers.consent.push(*consent);
            customers.is_stub.push(false);
            customers.acquisition_cost.push(None);
        }
        for (name, values) in &self.attributes {
            let column = (0..n).map(|c| values.get(&c).cloned()).collect();
            facts.customers.attributes.insert(name.clone(), column);
        }
        self.fill_orders(&mut facts, n);
        self.fill_events(&mut facts, n);
        let mut tickets = self.tickets.clone();
        tickets.sort_by_key(|(c, t)| (*c, *t));
        let owners: Vec<u32> = tickets.iter().map(|(c, _)| *c as u32).collect();
        facts.tickets = Grouped {
            offsets: offsets_from_sorted(&owners, n),
            rows: tickets
                .iter()
                .map(|(_, t)| TicketRow {
                    opened_at: *t,
                    closed_at: None,
                    escalated: false,
                    sentiment: None,
                    handling_minutes: None,
                    text: None,
                })
                .collect(),
        };
        facts.invoices.offsets = vec![0; n + 1];
        facts.outcomes.offsets = vec![0; n + 1];
        facts
    }

    fn fill_orders(&self, facts: &mut Facts, n: usize) {
        let mut rows = self.orders.clone();
        rows.sort_by_key(|r| (r.0, r.1));
        let o = &mut facts.orders;
        let owners: Vec<u32> = rows.iter().map(|r| r.0 as u32).collect();
        o.offsets = offsets_from_sorted(&owners, n);
        for (_, at, id, category, amount, is_return) in rows {
            o.timestamp.push(at);
            o.order.push(o.order_ids.intern(&id));
            o.sku.push(NONE);
            o.category
                .push(category.map_or(NONE, |c| o.categories.intern(&c)));
            o.channel.push(NONE);
            o.quantity.push(1.0);
            o.amount.push(Money::from_f64(amount));
            o.cost.push(None);
            o.is_return.push(is_return);
        }
    }

    fn fill_events(&self, facts: &mut Facts, n: usize) {
        let mut rows = self.events.clone();
        rows.sort_by_key(|r| (r.0, r.1));
        let e = &mut facts.events;
        let owners: Vec<u32> = rows.iter().map(|r| r.0 as u32).collect();
        e.offsets = offsets_from_sorted(&owners, n);
        e.types = Interner::default();
        for (_, at, event_type) in rows {
            e.timestamp.push(at);
            e.event_type.push(e.types.intern(&event_type));
        }
    }
}

/// The shoe-shop rules from the issue (no decay, no caps), with its lifecycle stage and two
/// triggers.
pub(super) const SHOE_SHOP: &str = r#"
[project]
name = "shoe shop"

[sources.customers]
path = "customers.csv"
entity = "customers"

[sources.customers.columns]
customer_id = "id"

[sources.customers.attributes]
country = "country"

[scores.engagement]
category = "behaviour"
description = "How engaged a customer is with the shop"

[[scores.engagement.rules]]
name = "purchase of shoes"
on = "order"
when = 'order.contains(category = "Shoes")'
points = 20

[[scores.engagement.rules]]
name = "purchase of accessories"
on = "order"
when = 'order.contains(category = "Accessories")'
points = 5

[[scores.engagement.rules]]
name = "revenue last year above 250"
when = 'revenue(last 1y) > 250'
points = 30

[[scores.engagement.rules]]
name = "revenue last year below 25"
when = 'revenue(last 1y) < 25'
points = -20

[[scores.engagement.rules]]
name = "no purchase in 6 months"
when = 'orders.count(last 6mo) == 0'
points = -15

[[scores.engagement.rules]]
name = "account created"
when = 'customer.age_days >= 0'
points = 10

[[scores.engagement.rules]]
name = "facebook like"
on = "social_like"
points = 5

[[scores.engagement.rules]]
name = "website visit"
on = "page_view"
limit = { count = 1, per = "1d" }
points = 10

[[scores.engagement.rules]]
name = "newsletter open"
on = "email_open"
points = 1

[[scores.engagement.rules]]
name = "link click"
on = "email_click"
points = 10

[[scores.engagement.rules]]
name = "share"
on = "share"
points = 15

[[scores.engagement.rules]]
name = "unsubscribe"
on = "unsubscribe"
repeatable = false
points = -25

[[scores.engagement.rules]]
name = "bounce"
on = "bounce"
points = -30

[[scores.engagement.rules]]
name = "no opened e-mail in 3 months"
when = 'events("email_open").count(last 3mo) == 0'
points = -10

[[scores.engagement.rules]]
name = "no click in 6 months"
when = 'events("email_click").count(last 6mo) == 0'
points = -15

[stages.lifecycle]
score = "engagement"
levels = [
  { name = "inactive" },
  { name = "active", from = 0 },
  { name = "ambassador", from = 45 },
]

[[triggers]]
name = "ambassador welcome"
stage = "lifecycle"
enters = "ambassador"
action = "webhook:crm"

[[triggers]]
name = "welcome back"
stage = "lifecycle"
enters = "active"
rearm = true
action = "email:welcome-back"
"#;
