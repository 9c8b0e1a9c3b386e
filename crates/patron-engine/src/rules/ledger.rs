//! The ledger: every point a score holds, as entries that add up exactly to the score.
//!
//! Entries are compact (indices, not names) because a batch run keeps millions of them;
//! [`RuleSet::explain`] turns them into named entries with a human reason. The rule-set version
//! is stored once per run ([`super::ScoreTable::version`]) rather than in every entry.

use super::decay::DecayFn;
use super::points::Points;
use super::ruleset::RuleSet;
use super::stage::{Cause, Transition};
use super::view::rows_of;
use patron_core::Timestamp;
use patron_core::facts::Facts;
use serde::Serialize;

/// The fact an event-rule award is for, by position within the customer's history (so the same
/// reference means the same fact in a batch run and in a one-customer real-time state).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum EventRef {
    /// The customer's `i`-th event (in time order).
    Event(u32),
    /// The order whose first line is the customer's `i`-th order line.
    Order(u32),
}

/// Which bound cut a sum.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Bound {
    /// The sum was above the cap.
    Cap,
    /// The sum was below the floor.
    Floor,
}

/// What produced an entry.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EntryKind {
    /// An event rule's award for one fact.
    Event {
        /// Global rule index.
        rule: u32,
        /// The fact.
        event: EventRef,
    },
    /// A state rule that holds as of the run's time.
    State {
        /// Global rule index.
        rule: u32,
    },
    /// A group's (or, without a group, the score's) cap or floor.
    Bound {
        /// Group index within the score, `None` for the score's total.
        group: Option<u32>,
        /// Cap or floor.
        bound: Bound,
    },
}

/// One ledger entry.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LedgerEntry {
    /// Score index.
    pub score: u32,
    /// What produced it.
    pub kind: EntryKind,
    /// Points after decay, rounded to a millionth (for bounds: the correction).
    pub points: Points,
    /// Points before decay (for bounds: the sum that was cut).
    pub original_points: Points,
    /// The fact's time for event rules; the run's as-of time otherwise.
    pub at: Timestamp,
}

/// A ledger entry with names and a reason, for people and JSON.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ExplainedEntry {
    /// Score name.
    pub score: String,
    /// Rule name (`cap` / `floor` for bounds).
    pub rule: String,
    /// The rule-set version that produced it.
    pub ruleset_version: String,
    /// Points counted now.
    pub points: Points,
    /// Points before decay (for bounds: the sum that was cut).
    pub original_points: Points,
    /// The fact: `email_open at 2024-03-01T10:00:00Z`, `order 536365 at …`.
    pub event: Option<String>,
    /// When.
    pub at: Timestamp,
    /// Why, e.g. `email_open on 2024-03-01 (+1, decayed to 0.82 with half-life 30d)`.
    pub reason: String,
}

fn signed(p: Points) -> String {
    if p.micros() >= 0 {
        format!("+{p}")
    } else {
        p.to_string()
    }
}

impl RuleSet {
    /// Names and reasons for a customer's ledger entries (`customer` indexes `facts`, which must
    /// be the fact set the entries were computed from).
    pub fn explain(
        &self,
        facts: &Facts,
        customer: usize,
        entries: &[LedgerEntry],
    ) -> Vec<ExplainedEntry> {
        entries
            .iter()
            .map(|e| self.explain_entry(facts, customer, e))
            .collect()
    }

    fn explain_entry(&self, facts: &Facts, customer: usize, e: &LedgerEntry) -> ExplainedEntry {
        let score = &self.scores[e.score as usize];
        let (rule, event, reason) = match e.kind {
            EntryKind::Event { rule, event } => {
                let fact = self.describe_fact(facts, customer, event);
                let decay = &self.rules[rule as usize].decay;
                let reason = format!("{} ({})", fact.0, award_detail(e, decay));
                (self.rule_name(rule).to_owned(), Some(fact.1), reason)
            }
            EntryKind::State { rule } => {
                let r = &self.rules[rule as usize];
                let reason = format!(
                    "condition holds on {}: {} ({})",
                    e.at.date(),
                    r.when_text.as_deref().unwrap_or("true"),
                    signed(e.points)
                );
                (r.name.clone(), None, reason)
            }
            EntryKind::Bound { group, bound } => {
                let what = match group {
                    Some(g) => format!("{}.{}", score.name, score.groups[g as usize].name),
                    None => score.name.clone(),
                };
                let limit = e.original_points + e.points;
                let (word, verb) = match bound {
                    Bound::Cap => ("cap", "capped at"),
                    Bound::Floor => ("floor", "floored at"),
                };
                let reason = format!("{word}: {what} {verb} {limit} ({})", signed(e.points));
                (word.to_owned(), None, reason)
            }
        };
        ExplainedEntry {
            score: score.name.clone(),
            rule,
            ruleset_version: self.version.clone(),
            points: e.points,
            original_points: e.original_points,
            event,
            at: e.at,
            reason,
        }
    }

    /// A transition for people: `lifecycle: active → ambassador on 2024-05-02 (email_click on
    /// 2024-05-02: link click +10)`.
    pub fn describe_transition(&self, facts: &Facts, customer: usize, t: &Transition) -> String {
        let stage = t.stage as usize;
        let from = t
            .from
            .map_or("(none)", |l| self.level_name(stage, l))
            .to_owned();
        let cause = match t.cause {
            Cause::First => "first seen".to_owned(),
            Cause::Award { rule, event } => {
                let r = &self.rules[rule as usize];
                let fact = self.describe_fact(facts, customer, event).0;
                format!("{fact}: {} {}", r.name, signed(r.points))
            }
            Cause::State { rule, holds } => {
                let r = &self.rules[rule as usize];
                let now = if holds {
                    "now holds"
                } else {
                    "no longer holds"
                };
                format!("{} {now} ({})", r.name, signed(r.points))
            }
            Cause::Time => "time passed (decay or a window ending)".to_owned(),
        };
        format!(
            "{}: {from} → {} on {} ({cause})",
            self.stages[stage].name,
            self.level_name(stage, t.to),
            t.at.date()
        )
    }

    /// (`email_open on 2024-03-01`, `email_open at 2024-03-01T10:00:00Z`) for a fact.
    fn describe_fact(&self, facts: &Facts, customer: usize, event: EventRef) -> (String, String) {
        let (name, at) = match event {
            EventRef::Event(i) => {
                let row = rows_of(&facts.events.offsets, customer).start + i as usize;
                let name = facts
                    .events
                    .event_type
                    .get(row)
                    .map_or("event", |&c| facts.events.types.name(c));
                (name.to_owned(), facts.events.timestamp.get(row).copied())
            }
            EventRef::Order(i) => {
                let row = rows_of(&facts.orders.offsets, customer).start + i as usize;
                let id = facts
                    .orders
                    .order
                    .get(row)
                    .map_or("?", |&c| facts.orders.order_ids.name(c));
                (
                    format!("order {id}"),
                    facts.orders.timestamp.get(row).copied(),
                )
            }
        };
        let at = at.unwrap_or_default();
        (
            format!("{name} on {}", at.date()),
            format!("{name} at {at}"),
        )
    }
}

/// `+1, decayed to 0.82 with half-life 30d` or `+10`.
fn award_detail(e: &LedgerEntry, decay: &DecayFn) -> String {
    let original = signed(e.original_points);
    match decay {
        DecayFn::None => original,
        DecayFn::Window(_) => format!("{original}, counts within {}", decay.describe()),
        _ if e.points == e.original_points => original,
        _ => format!(
            "{original}, decayed to {} with {}",
            e.points,
            decay.describe()
        ),
    }
}
