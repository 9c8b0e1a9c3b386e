//! Publishing a rule set: its version recorded, every customer's scores, stages, transitions
//! and trigger firings over the whole history recomputed into the store, in batches of
//! customers (one transaction each), so an interrupted publish continues where it stopped.

use crate::project::{Project, fact_options};
use crate::{AppError, Progress};
use patron_core::Timestamp;
use patron_core::facts::Facts;
use patron_engine::rules::{
    Bound, Cause, EventRef, RuleSet, ScoreTable, SummarySource, default_threads, summarise_ledger,
};
use patron_store::{
    CustomerRuleResults, FactPosition, FiringLine, LedgerLine, LedgerSource, NewRuleRun, RuleBatch,
    RuleNames, RuleRun, RuleRunStart, RuleVersion, StageNames, Store, TransitionCause,
    TransitionLine, TriggerNames,
};
use serde::Serialize;
use std::time::{Duration, Instant};

/// How to publish.
#[derive(Debug, Clone)]
pub struct PublishOptions {
    /// Discard an interrupted run of the same version and start again.
    pub restart: bool,
    /// Customers per batch (one transaction each).
    pub batch_size: usize,
    /// Stop after this many batches (to test resuming).
    pub stop_after_batches: Option<u64>,
    /// Who publishes, for the audit log (an API key's name or `cli:USER`).
    pub actor: String,
}

impl Default for PublishOptions {
    fn default() -> Self {
        PublishOptions {
            restart: false,
            batch_size: 10_000,
            stop_after_batches: None,
            actor: crate::privacy::cli_actor(),
        }
    }
}

/// What a publish wrote.
#[derive(Debug, Default, Clone, Serialize)]
pub struct Written {
    /// Customers written by this call.
    pub customers: u64,
    /// Batches written.
    pub batches: u64,
    /// Ledger entries summarised.
    pub ledger_entries: u64,
    /// Ledger summary lines stored.
    pub ledger_lines: u64,
    /// Stage transitions stored.
    pub transitions: u64,
    /// Trigger firings stored.
    pub firings: u64,
}

/// How a publish ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum PublishState {
    /// A new run, finished.
    Started,
    /// An interrupted run, continued and finished.
    Resumed,
    /// The same rules were already published on the same facts.
    UpToDate,
    /// Stopped before the last batch (`stop_after_batches`); publish again to continue.
    Interrupted,
}

/// The result of [`publish`].
#[derive(Debug, Clone, Serialize)]
pub struct Published {
    /// How it ended.
    pub state: PublishState,
    /// The rule run.
    pub run: RuleRun,
    /// The rule-set version.
    pub version: String,
    /// As of.
    pub as_of: Timestamp,
    /// Customers in the fact set.
    pub customers: u64,
    /// What this call wrote.
    pub written: Written,
    /// Outbox entries waiting for delivery.
    pub outbox_pending: u64,
    /// Seconds: loading, computing, writing, in all.
    pub seconds: [f64; 4],
}

/// Publishes `rules` as of `as_of`.
pub async fn publish(
    project: &Project,
    store: &dyn Store,
    rules: &RuleSet,
    as_of: Timestamp,
    options: &PublishOptions,
    progress: &mut dyn Progress,
) -> Result<Published, AppError> {
    let started = Instant::now();
    crate::project::ensure_intact(store).await?;
    progress.stage("load", None);
    let facts = store
        .load_facts_with(as_of, &fact_options(&[rules]))
        .await?;
    let loaded = started.elapsed();
    let n = facts.customers.len();
    let new = NewRuleRun {
        version: rule_version(rules),
        as_of,
        facts_digest: facts.digest(),
        customers: n as u64,
    };
    let start = store.begin_rule_run(&new, options.restart).await?;
    let run = start.run().clone();
    let mut state = match &start {
        RuleRunStart::Started(_) => PublishState::Started,
        RuleRunStart::Resumed(_) => PublishState::Resumed,
        RuleRunStart::UpToDate(_) => PublishState::UpToDate,
    };
    let mut written = Written::default();
    let (mut computing, mut writing) = (Duration::ZERO, Duration::ZERO);
    if state != PublishState::UpToDate {
        progress.stage("publishing", Some(n as u64));
        progress.position(run.done, n as u64);
        let mut done = run.done as usize;
        let size = options.batch_size.max(1);
        let threads = default_threads();
        while done < n {
            if options.stop_after_batches == Some(written.batches) {
                break;
            }
            let end = (done + size).min(n);
            let t = Instant::now();
            let table = rules.score_customers(&facts, done..end, as_of, threads);
            let batch = to_batch(&facts, &table, done, &project.config.consent, &mut written);
            computing += t.elapsed();
            let t = Instant::now();
            store.write_rule_batch(run.id, &batch).await?;
            writing += t.elapsed();
            written.batches += 1;
            done = end;
            progress.position(done as u64, n as u64);
        }
        if done == n {
            let t = Instant::now();
            store.finish_rule_run(run.id).await?;
            writing += t.elapsed();
        } else {
            state = PublishState::Interrupted;
        }
    }
    if matches!(state, PublishState::Started | PublishState::Resumed) {
        crate::privacy::record(
            store,
            &options.actor,
            "publish",
            Some(rules.version().to_owned()),
            serde_json::json!({"run": run.id, "as_of": as_of, "customers": n}),
        )
        .await?;
    }
    Ok(Published {
        state,
        run,
        version: rules.version().to_owned(),
        as_of,
        customers: n as u64,
        written,
        outbox_pending: store.rule_outbox_pending().await?,
        seconds: [
            loaded.as_secs_f64(),
            computing.as_secs_f64(),
            writing.as_secs_f64(),
            started.elapsed().as_secs_f64(),
        ],
    })
}

/// The version with the names its stored rows refer to.
pub fn rule_version(rules: &RuleSet) -> RuleVersion {
    let stages = rules.stage_names();
    RuleVersion {
        version: rules.version().to_owned(),
        canonical: rules.canonical().to_owned(),
        names: RuleNames {
            scores: rules.score_names().into_iter().map(str::to_owned).collect(),
            rules: (0..rules.rule_count() as u32)
                .map(|r| rules.rule_name(r).to_owned())
                .collect(),
            stages: stages
                .iter()
                .enumerate()
                .map(|(s, name)| StageNames {
                    name: (*name).to_owned(),
                    levels: rules
                        .level_names(s)
                        .into_iter()
                        .map(str::to_owned)
                        .collect(),
                })
                .collect(),
            triggers: (0..rules.trigger_count() as u32)
                .map(|t| TriggerNames {
                    name: rules.trigger_name(t).to_owned(),
                    action: rules.trigger_action(t).to_owned(),
                })
                .collect(),
        },
    }
}

/// Whether customer `c`'s triggers may fire: only with profiling and marketing consent (a
/// trigger's action is marketing, and nothing is fired for someone who refused it).
pub fn may_fire(facts: &Facts, c: usize, consent: &patron_core::config::ConsentSection) -> bool {
    use patron_engine::scorecard::{marketing_allowed, profiling_allowed};
    let given = facts.customers.consent[c];
    profiling_allowed(given.profiling, consent) && marketing_allowed(given.marketing, consent)
}

/// The store's rows for a table of customers `start..start + table.len()` (trigger firings
/// only where [`may_fire`]).
fn to_batch(
    facts: &Facts,
    table: &ScoreTable,
    start: usize,
    consent: &patron_core::config::ConsentSection,
    written: &mut Written,
) -> RuleBatch {
    let customers = (0..table.len())
        .map(|c| {
            let outbox = if may_fire(facts, start + c, consent) {
                table.outbox(c)
            } else {
                &[]
            };
            let ledger = table.ledger(c);
            let summary = summarise_ledger(ledger);
            written.customers += 1;
            written.ledger_entries += ledger.len() as u64;
            written.ledger_lines += summary.len() as u64;
            written.transitions += table.transitions(c).len() as u64;
            written.firings += outbox.len() as u64;
            CustomerRuleResults {
                customer: facts.customers.ids[start + c].clone(),
                scores: table.values(c).iter().map(|p| p.micros()).collect(),
                levels: table.levels(c).to_vec(),
                ledger: summary
                    .iter()
                    .map(|l| LedgerLine {
                        score: l.score,
                        source: match l.source {
                            SummarySource::EventRule(r) => LedgerSource::EventRule(r),
                            SummarySource::StateRule(r) => LedgerSource::StateRule(r),
                            SummarySource::Bound(g, Bound::Cap) => LedgerSource::Cap(g),
                            SummarySource::Bound(g, Bound::Floor) => LedgerSource::Floor(g),
                        },
                        entries: l.entries,
                        points: l.points.micros(),
                        original_points: l.original_points.micros(),
                        first_at: l.first_at,
                        last_at: l.last_at,
                    })
                    .collect(),
                transitions: table
                    .transitions(c)
                    .iter()
                    .map(|t| TransitionLine {
                        stage: t.stage,
                        from: t.from,
                        to: t.to,
                        at: t.at,
                        cause: match t.cause {
                            Cause::First => TransitionCause::First,
                            Cause::Award { rule, event } => TransitionCause::Award {
                                rule,
                                fact: match event {
                                    EventRef::Event(i) => FactPosition::Event(i),
                                    EventRef::Order(i) => FactPosition::Order(i),
                                },
                            },
                            Cause::State { rule, holds } => TransitionCause::State { rule, holds },
                            Cause::Time => TransitionCause::Time,
                        },
                    })
                    .collect(),
                firings: outbox
                    .iter()
                    .map(|o| FiringLine {
                        trigger: o.trigger,
                        occurrence: o.occurrence,
                        at: o.at,
                    })
                    .collect(),
            }
        })
        .collect();
    RuleBatch {
        start: start as u64,
        customers,
    }
}
