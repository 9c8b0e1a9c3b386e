//! One customer's card, computed alone: their own facts read through the store's indexes, the
//! inputs from the stored run's [`Snapshot`], the card from the run's scoring context. It is
//! the function a score run maps over everyone, so the card equals the run's card for the same
//! `as_of`.

use crate::AppError;
use crate::project::{Project, fact_options};
use crate::score::{frozen_context, load_named};
use patron_core::Timestamp;
use patron_core::ids::CustomerId;
use patron_engine::predict::Predictor;
use patron_engine::rules::OutboxMessage;
use patron_engine::rules::RuleSet;
use patron_engine::scorecard::{
    Card, ChurnModelRef, Models, RunContext, Settings, Snapshot, card, customer_inputs,
};
use patron_store::{FactOptions, ScoreRunRecord, Store};

/// Everything needed to score customers alone against one stored run, prepared once: a server
/// keeps one per published run; `patron show --live` makes one for a single card.
pub struct LiveScorer {
    run: ScoreRunRecord,
    context: RunContext,
    snapshot: Snapshot,
    settings: Settings,
    rules: Option<RuleSet>,
    options: FactOptions,
    churn: Option<(Predictor, ChurnModelRef)>,
    cancellation: Option<(Predictor, ChurnModelRef)>,
    config: patron_core::config::ProjectConfig,
}

impl LiveScorer {
    /// Prepares scoring against run `run` (default: the latest).
    pub async fn open(
        project: &Project,
        store: &dyn Store,
        run: Option<i64>,
    ) -> Result<LiveScorer, AppError> {
        let record = crate::cards::run_or_latest(store, run).await?;
        let context = frozen_context(project, &record)?;
        let snapshot = context
            .snapshot
            .clone()
            .expect("a frozen context has a snapshot");
        let settings = project.settings()?;
        let rules = project.rules()?;
        let churn = load_named(store, snapshot.churn_model.as_ref()).await?;
        let cancellation = load_named(store, snapshot.cancellation_model.as_ref()).await?;
        Ok(LiveScorer {
            options: fact_options(&rules.iter().collect::<Vec<_>>()),
            run: record,
            context,
            snapshot,
            settings,
            rules,
            churn,
            cancellation,
            config: project.config.clone(),
        })
    }

    /// The run scored against.
    pub fn run(&self) -> &ScoreRunRecord {
        &self.run
    }

    /// Customer `id`'s card as of `as_of` (default: the run's), from their own facts.
    pub async fn card(
        &self,
        store: &dyn Store,
        id: &CustomerId,
        as_of: Option<Timestamp>,
    ) -> Result<Card, AppError> {
        Ok(self.scored(store, id, as_of).await?.0)
    }

    /// Customer `id`'s card as of `as_of` (default: the run's), with every trigger firing of
    /// the rule set over their history.
    pub async fn scored(
        &self,
        store: &dyn Store,
        id: &CustomerId,
        as_of: Option<Timestamp>,
    ) -> Result<(Card, Vec<OutboxMessage>), AppError> {
        let as_of = as_of.unwrap_or(self.run.as_of);
        let facts = store
            .load_customer_facts(id, as_of, &self.options)
            .await?
            .ok_or_else(|| {
                AppError::UnknownCustomer(format!(
                    "customer {id} is unknown, merged into another, or not yet a customer on {}",
                    as_of.date()
                ))
            })?;
        let previous_tier = match self.snapshot.previous_run {
            Some(run) => store.card(run, id).await?.map(|c| c.tier),
            None => None,
        };
        let models = Models {
            config: &self.config,
            rules: self.rules.as_ref(),
            churn: self.churn.as_ref().map(|(p, r)| (p, r)),
            cancellation: self.cancellation.as_ref().map(|(p, r)| (p, r)),
        };
        let mut previous = previous_tier;
        let mut inputs =
            customer_inputs(&facts, &self.snapshot, &models, &mut |_| previous.take())?;
        if let Some(one) = inputs.first_mut() {
            one.overrides = crate::privacy::overrides_of(store, id, as_of).await?;
        }
        let inputs = inputs.first().ok_or_else(|| {
            AppError::UnknownCustomer(format!(
                "customer {id} has no facts before {}",
                as_of.date()
            ))
        })?;
        let live = card(inputs, &self.context.scoring, &self.settings);
        // As stored: through the card's JSON (numbers with four decimals).
        let text = serde_json::to_string(&live).map_err(|e| AppError::Corrupt(e.to_string()))?;
        let live = serde_json::from_str(&text).map_err(|e| AppError::Corrupt(e.to_string()))?;
        Ok((live, inputs.triggers.clone()))
    }
}

/// Customer `id`'s card scored alone against run `run` (default: the latest), at its `as_of`.
pub async fn live_card(
    project: &Project,
    store: &dyn Store,
    run: Option<i64>,
    id: &CustomerId,
) -> Result<(i64, Card), AppError> {
    let scorer = LiveScorer::open(project, store, run).await?;
    let card = scorer.card(store, id, None).await?;
    Ok((scorer.run.id, card))
}

/// What [`verify`] found: every customer scored alone, compared with the run's stored card.
#[derive(Debug, Clone, Default)]
pub struct LiveCheck {
    /// The run compared with.
    pub run: i64,
    /// Customers scored.
    pub checked: usize,
    /// Of which the card equals the stored one.
    pub identical: usize,
    /// Customers whose card differs, with the first differing field (at most 20 listed).
    pub differing: Vec<(String, String)>,
    /// Seconds each customer took (facts load + inputs + card), in the order checked.
    pub seconds: Vec<f64>,
}

/// Scores `ids` alone against run `run` (default: the latest), each timed from loading their
/// facts to the finished card, and compares every card with the run's stored card.
pub async fn verify(
    project: &Project,
    store: &dyn Store,
    run: Option<i64>,
    ids: &[CustomerId],
) -> Result<LiveCheck, AppError> {
    let scorer = LiveScorer::open(project, store, run).await?;
    let run = scorer.run.id;
    let mut check = LiveCheck {
        run,
        ..LiveCheck::default()
    };
    for id in ids {
        let started = std::time::Instant::now();
        let live = scorer.card(store, id, None).await?;
        check.seconds.push(started.elapsed().as_secs_f64());
        check.checked += 1;
        let stored: Card = match store.card(run, id).await? {
            Some(record) => serde_json::from_str(&record.card)
                .map_err(|e| AppError::Corrupt(format!("card of {id} in run {run}: {e}")))?,
            None => {
                check
                    .differing
                    .push((id.to_string(), "no stored card".into()));
                continue;
            }
        };
        if live == stored {
            check.identical += 1;
        } else if check.differing.len() < 20 {
            check
                .differing
                .push((id.to_string(), first_difference(&live, &stored)));
        }
    }
    Ok(check)
}

/// The first top-level field in which two cards differ, with both values.
fn first_difference(a: &Card, b: &Card) -> String {
    let (a, b) = (serde_json::to_value(a), serde_json::to_value(b));
    let (Ok(serde_json::Value::Object(a)), Ok(serde_json::Value::Object(b))) = (a, b) else {
        return "unreadable".into();
    };
    for (key, value) in &a {
        let other = b.get(key).unwrap_or(&serde_json::Value::Null);
        if value != other {
            return format!("{key}: {value} alone, {other} in the run");
        }
    }
    "field set".into()
}
