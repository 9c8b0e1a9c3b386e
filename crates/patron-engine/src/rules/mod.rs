//! Rule-based scoring: named scores made of event rules and state rules, time windows, decay,
//! caps, stages with hysteresis, triggers, and a ledger that explains every point.
//!
//! # The condition language
//!
//! A small typed language of its own (no scripting): parsed and type-checked when the rule set
//! is compiled, so a misspelt name or a type error is reported with its score, rule, line and
//! column before anything runs.
//!
//! - Values: numbers (`12`, `2.5`), text (`"Shoes"` or `'Shoes'`), `true`/`false`; durations
//!   (`12h`, `30d`, `2w`, `6mo` = 182.625 d, `1y` = 365.25 d) only in windows: `last 90d`.
//! - Operators, loosest first: `||`; `&&`; `== != < <= > >=`, `x in ["a", "b"]`,
//!   `url =~ "/pricing*"` (glob: `*` any text, `?` one character) — comparisons do not chain;
//!   `+ -`; `* /`; unary `!` and `-`; parentheses.
//! - Functions: `has(x)`, `lower(s)`, `starts_with(s, prefix)`, `days_since(date)`.
//! - The customer as of the evaluation time: `attr.NAME` (typed as its source declares; names
//!   with spaces in backticks), `customer.age_days`, `customer.consent_marketing`,
//!   `customer.consent_profiling`, `orders.count(category = "Shoes", sku = "…", last 365d)`,
//!   `revenue(…same filters…)`, `events("email_open").count(last 90d)`,
//!   `tickets.count(last 90d)`, `days_since_last_order`, `days_since_last_event("email_open")`,
//!   `score("fit")` (state rules and stages). A window `last D` covers `as_of − D ≤ t < as_of`;
//!   without one, all history before `as_of`. Day counts are fractional days.
//! - Event rules also see the triggering fact: `event.type`; with `on = "order"`,
//!   `order.contains(category = "Shoes")` and `order.revenue(…)`; for events,
//!   `event.properties.NAME` and `event.url` (the property `url`), texts that are missing when
//!   the event lacks them or they were not loaded ([`RuleSet::event_properties`] lists what to
//!   load), e.g. `event.url =~ "/pricing*"`. Aggregates do not filter by properties yet.
//! - Missing data: attributes, consent and "days since" can be missing. A comparison with a
//!   missing side is false (also `!=`), arithmetic with a missing side (or a division by zero)
//!   is missing, `&&`/`||`/`!` read a missing truth value as false, and `has(x)` tests presence.
//!
//! # Scoring
//!
//! - Event rules award their points once per matching fact strictly before `as_of`, decided when
//!   the fact happens (condition as of its time); `repeatable = false` awards only the first;
//!   `limit = { count, per }` allows at most `count` awards per UTC calendar hour, day, ISO week,
//!   month or year, in time order. Batch input is deduplicated by the store; real time is
//!   idempotent by event id ([`RuleSet::apply_event`]).
//! - State rules hold as of `as_of` or not, so windows expire as `as_of` moves. They do not
//!   decay.
//! - Decay of an award by its age at `as_of`: exponential (`points × 0.5^(age / half_life)`),
//!   linear (`linear_per_day`, never past zero) or a window (dropped when older).
//! - Points are exact millionths ([`Points`]): each entry is rounded once, group caps and floors
//!   then the score's cap and floor add correction entries, and the score is the integer sum of
//!   its entries, so the ledger adds up exactly. Entries worth zero (fully decayed) are left out.
//! - Stages are replayed over the history: the scores are sampled after every fact time and at
//!   `as_of`, the level moves up at a threshold and down only `hysteresis` below it (never with
//!   `forward_only`), and every transition is recorded with its time and cause. A change caused
//!   only by time (decay, a window expiring) is recorded at the next fact time or at `as_of`,
//!   when it is noticed. Triggers fire on entering a level or on a score crossing, once per
//!   customer ever or, with `rearm`, on every new entry; each firing is an outbox entry numbered
//!   per trigger and customer.
//! - The rule-set version is a fingerprint of the compiled rules' canonical form.
//!
//! # Evaluation
//!
//! Conditions compile to typed trees once. A customer is scored in one forward pass over their
//! time-sorted facts ([`RuleSet::score_customer`]); aggregates slide over the rows that match
//! them, state rules built only from counts and sums are re-evaluated only when one of those
//! changes, and decayed sums are carried forward, so a pass is O(facts × rules) with no
//! allocation once the per-thread buffers have grown. [`RuleSet::score_all`] runs contiguous
//! chunks of customers on `std::thread::scope` threads; the result does not depend on the
//! number of threads. [`RuleSet::apply_event`] rescores one customer with the same pass.
//!
//! # Not here
//!
//! Reading `patron.toml` and the store, the `patron rules check/diff/publish` commands and the
//! delivery of outbox entries belong to the CLI, the store and later issues (publishing scores
//! customers in batches with [`RuleSet::score_customers`] and stores [`summarise_ledger`]); `patron rules check`
//! is [`patron_core::config::ProjectConfig::parse`] followed by [`RuleSet::compile`], whose
//! errors [`RuleError::render`] places in the file.

mod aggregate;
mod ast;
mod caps;
mod check;
mod decay;
mod error;
mod eval;
mod expr;
mod glob;
mod ledger;
mod lexer;
mod limit;
mod parser;
mod points;
mod realtime;
mod registry;
mod ruleset;
mod stage;
mod summary;
mod table;
mod timeline;
mod trigger;
mod version;
mod view;

pub use error::RuleError;
// The syntax and its parser are shared with the card-field conditions of the score card.
pub(crate) use ast::{Arg, BinOp, Node, NodeKind, Segment};
pub(crate) use error::ExprError;
pub(crate) use glob::Glob;
pub use ledger::{Bound, EntryKind, EventRef, ExplainedEntry, LedgerEntry};
pub(crate) use parser::parse as parse_expr;
pub use points::{POINTS_SCALE, Points};
pub use realtime::{Applied, CustomerScoreState};
pub use ruleset::RuleSet;
pub use stage::{Cause, Transition};
pub use summary::{LedgerSummary, SummarySource, summarise_ledger};
pub use table::{CustomerScores, ScoreTable, default_threads};
pub use trigger::{OutboxEntry, OutboxMessage};

#[cfg(test)]
mod tests;
