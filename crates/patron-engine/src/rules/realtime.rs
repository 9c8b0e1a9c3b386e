//! Real time: one customer's scores kept in memory and updated event by event.
//!
//! The state holds a copy of the customer's facts; applying an event inserts it (once per event
//! id) and rescores the customer with the same code as the batch run, so a real-time score and
//! the next batch score are equal by construction (a test checks it). Rescoring one customer is
//! O(its history), a few microseconds for typical histories.

use super::ledger::{EntryKind, EventRef, LedgerEntry};
use super::ruleset::RuleSet;
use super::stage::Transition;
use super::table::{Builder, CustomerScores};
use super::timeline::{Scratch, score_customer};
use super::trigger::OutboxEntry;
use super::view::{Binding, View, rows_of};
use patron_core::Timestamp;
use patron_core::facts::{
    CustomerColumns, EventColumns, Facts, Grouped, Interner, NONE, OrderColumns,
};
use patron_core::ids::EventId;
use patron_core::model::Event;
use std::collections::HashSet;

/// One customer's facts and current scores.
#[derive(Debug)]
pub struct CustomerScoreState {
    facts: Facts,
    customer: u32,
    seen: HashSet<EventId>,
    scores: CustomerScores,
    scratch: Scratch,
}

/// What applying one event changed.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Applied {
    /// The event id was seen before: nothing changed.
    pub duplicate: bool,
    /// The ledger entries of the awards for this event (empty if no rule awarded it).
    pub entries: Vec<LedgerEntry>,
    /// Stage transitions that are new.
    pub transitions: Vec<Transition>,
    /// Outbox entries that are new.
    pub outbox: Vec<OutboxEntry>,
}

impl CustomerScoreState {
    /// The state of `customer` of `facts`, scored as of `as_of`. Events already in `facts` are
    /// identified only by position; pass their ids to [`Self::remember_event_ids`] so that a
    /// replayed one is recognised.
    pub fn new(rules: &RuleSet, facts: &Facts, customer: usize, as_of: Timestamp) -> Self {
        let mut state = CustomerScoreState {
            facts: single_customer(facts, customer),
            customer: customer as u32,
            seen: HashSet::new(),
            scores: CustomerScores {
                values: Vec::new(),
                ledger: Vec::new(),
                levels: Vec::new(),
                transitions: Vec::new(),
                outbox: Vec::new(),
            },
            scratch: Scratch::default(),
        };
        state.scores = state.rescore(rules, as_of);
        state
    }

    /// Marks event ids as already applied.
    pub fn remember_event_ids(&mut self, ids: impl IntoIterator<Item = EventId>) {
        self.seen.extend(ids);
    }

    /// The current scores.
    pub fn scores(&self) -> &CustomerScores {
        &self.scores
    }

    /// The customer's facts (customer index 0).
    pub fn facts(&self) -> &Facts {
        &self.facts
    }

    fn rescore(&mut self, rules: &RuleSet, as_of: Timestamp) -> CustomerScores {
        let bind = Binding::new(rules, &self.facts);
        let view = View::new(&self.facts, &bind, 0);
        let mut out = Builder::default();
        score_customer(rules, &view, as_of.secs(), &mut self.scratch, &mut out);
        for entry in &mut out.outbox {
            entry.customer = self.customer;
        }
        CustomerScores {
            values: out.values,
            ledger: out.ledger,
            levels: out.levels,
            transitions: out.transitions,
            outbox: out.outbox,
        }
    }

    /// Inserts an event in time order (after events with the same time); returns its position.
    fn insert(&mut self, event: &Event) -> usize {
        let events = &mut self.facts.events;
        let pos = events.timestamp.partition_point(|t| *t <= event.timestamp);
        let code = events.types.intern(&event.event_type);
        events.timestamp.insert(pos, event.timestamp);
        events.event_type.insert(pos, code);
        for (name, column) in &mut events.properties {
            let value = event
                .properties
                .get(name)
                .map_or(NONE, |v| events.property_values.intern(v));
            column.insert(pos, value);
        }
        events.offsets = vec![0, events.timestamp.len()];
        pos
    }
}

impl RuleSet {
    /// Applies one event of the state's customer and rescores it as of `as_of` (which should be
    /// after the event). Idempotent by event id: a second event with the same id changes
    /// nothing and is reported as a duplicate.
    pub fn apply_event(
        &self,
        state: &mut CustomerScoreState,
        event: &Event,
        as_of: Timestamp,
    ) -> Applied {
        if !state.seen.insert(event.event_id.clone()) {
            return Applied {
                duplicate: true,
                ..Applied::default()
            };
        }
        let pos = state.insert(event) as u32;
        state.facts.as_of = state.facts.as_of.max(as_of);
        let scores = state.rescore(self, as_of);
        let before = std::mem::replace(&mut state.scores, scores);
        let now = &state.scores;
        Applied {
            duplicate: false,
            entries: now
                .ledger
                .iter()
                .filter(|e| matches!(e.kind, EntryKind::Event { event: EventRef::Event(i), .. } if i == pos))
                .copied()
                .collect(),
            transitions: now
                .transitions
                .iter()
                .filter(|t| !before.transitions.contains(t))
                .copied()
                .collect(),
            outbox: now
                .outbox
                .iter()
                .filter(|o| {
                    !before
                        .outbox
                        .iter()
                        .any(|b| (b.trigger, b.occurrence) == (o.trigger, o.occurrence))
                })
                .copied()
                .collect(),
        }
    }
}

fn recode(code: u32, from: &Interner, to: &mut Interner) -> u32 {
    if code == NONE {
        NONE
    } else {
        to.intern(from.name(code))
    }
}

/// A fact set holding only customer `c` of `facts` (as customer 0).
fn single_customer(facts: &Facts, c: usize) -> Facts {
    let src = &facts.customers;
    let customers = CustomerColumns {
        ids: src.ids.get(c).cloned().into_iter().collect(),
        created_at: vec![src.created_at.get(c).copied().unwrap_or_default()],
        consent: vec![src.consent.get(c).copied().unwrap_or_default()],
        is_stub: vec![src.is_stub.get(c).copied().unwrap_or_default()],
        acquisition_cost: vec![src.acquisition_cost.get(c).copied().flatten()],
        attributes: src
            .attributes
            .iter()
            .map(|(name, column)| (name.clone(), vec![column.get(c).cloned().flatten()]))
            .collect(),
    };
    Facts {
        as_of: facts.as_of,
        customers,
        orders: customer_orders(&facts.orders, c),
        events: customer_events(&facts.events, c),
        tickets: customer_rows(&facts.tickets, c),
        invoices: customer_rows(&facts.invoices, c),
        outcomes: customer_rows(&facts.outcomes, c),
        contracts: customer_rows(&facts.contracts, c),
    }
}

fn customer_events(src: &EventColumns, c: usize) -> EventColumns {
    let range = rows_of(&src.offsets, c);
    let mut types = Interner::default();
    let event_type = src.event_type[range.clone()]
        .iter()
        .map(|&code| recode(code, &src.types, &mut types))
        .collect();
    let mut property_values = Interner::default();
    let properties = src
        .properties
        .iter()
        .map(|(name, column)| {
            let values = column[range.clone()]
                .iter()
                .map(|&code| recode(code, &src.property_values, &mut property_values))
                .collect();
            (name.clone(), values)
        })
        .collect();
    EventColumns {
        offsets: vec![0, range.len()],
        timestamp: src.timestamp[range].to_vec(),
        event_type,
        types,
        properties,
        property_values,
    }
}

fn customer_orders(src: &OrderColumns, c: usize) -> OrderColumns {
    let r = rows_of(&src.offsets, c);
    let mut out = OrderColumns {
        offsets: vec![0, r.len()],
        timestamp: src.timestamp[r.clone()].to_vec(),
        quantity: src.quantity[r.clone()].to_vec(),
        amount: src.amount[r.clone()].to_vec(),
        cost: src.cost[r.clone()].to_vec(),
        is_return: src.is_return[r.clone()].to_vec(),
        ..OrderColumns::default()
    };
    for i in r {
        out.order
            .push(recode(src.order[i], &src.order_ids, &mut out.order_ids));
        out.sku.push(recode(src.sku[i], &src.skus, &mut out.skus));
        out.category.push(recode(
            src.category[i],
            &src.categories,
            &mut out.categories,
        ));
        out.channel
            .push(recode(src.channel[i], &src.channels, &mut out.channels));
    }
    out
}

fn customer_rows<T: Clone>(src: &Grouped<T>, c: usize) -> Grouped<T> {
    let rows = src.rows[rows_of(&src.offsets, c)].to_vec();
    Grouped {
        offsets: vec![0, rows.len()],
        rows,
    }
}
