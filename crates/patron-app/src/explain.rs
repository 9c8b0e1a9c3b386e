//! Where a customer's points come from: every ledger entry of every rule score with its reason,
//! the stage transitions and the triggers fired — computed from that customer's own facts, read
//! through the store's indexes, so it takes milliseconds on any store.

use crate::AppError;
use crate::project::{Project, fact_options, resolve_as_of};
use patron_core::Timestamp;
use patron_core::ids::CustomerId;
use patron_engine::rules::{ExplainedEntry, OutboxMessage};
use patron_store::Store;
use serde::Serialize;

/// A customer's rule scores, explained.
#[derive(Debug, Clone, Serialize)]
pub struct Explanation {
    /// The customer.
    pub customer_id: CustomerId,
    /// As of.
    pub as_of: Timestamp,
    /// The rule-set version.
    pub version: String,
    /// Every score's value, in rule-set order.
    pub scores: Vec<(String, f64)>,
    /// Every stage's level, in rule-set order.
    pub stages: Vec<(String, Option<String>)>,
    /// The ledger: entries add up exactly to each score.
    pub ledger: Vec<ExplainedEntry>,
    /// Stage transitions in words.
    pub transitions: Vec<String>,
    /// Triggers fired.
    pub outbox: Vec<OutboxMessage>,
}

/// Explains customer `id`'s rule scores as of `as_of` (default: the day after the last fact).
pub async fn explain(
    project: &Project,
    store: &dyn Store,
    id: &CustomerId,
    as_of: Option<Timestamp>,
) -> Result<Explanation, AppError> {
    let rules = project
        .rules()?
        .ok_or_else(|| AppError::Stale("the project has no [scores] rules to explain".into()))?;
    let as_of = resolve_as_of(store, as_of).await?;
    let facts = store
        .load_customer_facts(id, as_of, &fact_options(&[&rules]))
        .await?
        .ok_or_else(|| {
            AppError::UnknownCustomer(format!("no customer {id} acquired before {}", as_of.date()))
        })?;
    let scores = rules.score_customer(&facts, 0, as_of);
    let ledger = rules.explain(&facts, 0, &scores.ledger);
    let transitions = scores
        .transitions
        .iter()
        .map(|t| rules.describe_transition(&facts, 0, t))
        .collect();
    let outbox = scores
        .outbox
        .iter()
        .map(|o| rules.outbox_message(&facts, o))
        .collect();
    let names = rules.score_names();
    Ok(Explanation {
        customer_id: id.clone(),
        as_of,
        version: rules.version().to_owned(),
        scores: names
            .iter()
            .enumerate()
            .map(|(s, n)| ((*n).to_owned(), scores.values[s].to_f64()))
            .collect(),
        stages: rules
            .stage_names()
            .iter()
            .enumerate()
            .map(|(s, n)| {
                (
                    (*n).to_owned(),
                    scores.levels[s].map(|l| rules.level_name(s, l).to_owned()),
                )
            })
            .collect(),
        ledger,
        transitions,
        outbox,
    })
}
