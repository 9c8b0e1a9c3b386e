//! A score run: every customer's card as of a time, stored with the run's frozen context and
//! snapshot; alarm episodes raised and cleared.
//!
//! The run loads the facts once, computes what reads events (fact-derived inputs, the churn
//! model, the rules), frees the events, fits the population-level models into a
//! [`Snapshot`], and computes every card from the customer's own facts and that snapshot —
//! the path [`crate::live`] takes for one customer.

use crate::project::{Project, fact_options};
use crate::{AppError, Progress};
use patron_core::Timestamp;
use patron_core::facts::EventColumns;
use patron_engine::predict::Predictor;
use patron_engine::scorecard::{
    AlarmChanges, AlarmHit, Card, ChurnModelRef, Frozen, Models, OpenAlarm, RunContext, Snapshot,
    build_context, card, event_inputs, reconcile, snapshot_inputs,
};
use patron_store::{CardRecord, ScoreRunEnd, ScoreRunHeader, ScoreRunRecord, Store};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashMap};
use std::time::Instant;

/// Cards are computed, counted, serialised and handed to the store this many at a time, so a
/// run of millions of customers never holds more than a few chunks of cards in memory.
const CHUNK: usize = 20_000;

/// A stored score run and what it computed.
#[derive(Debug, Clone)]
pub struct ScoreRun {
    /// The run's id.
    pub id: i64,
    /// What the run froze.
    pub context: RunContext,
    /// Counts: customers, tiers, status, alarms, actions (the summary stored with the run).
    pub summary: RunSummary,
    /// Seconds per stage and part.
    pub seconds: BTreeMap<&'static str, f64>,
    /// What the run found doubtful in the project (event rules whose type no event has).
    pub warnings: Vec<String>,
}

/// What a run counted: stored with it, printed by `patron score`, read by `patron report`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RunSummary {
    /// Customers scored.
    pub customers: u64,
    /// Of which leads (no purchase yet).
    pub leads: u64,
    /// Of which without profiling consent.
    pub no_profiling_consent: u64,
    /// Per tier.
    pub tiers: Vec<TierSummary>,
    /// Customers per status.
    pub status: BTreeMap<String, u64>,
    /// CLV of the customers at risk.
    pub at_risk_clv: f64,
    /// Alarm episodes.
    pub alarms: AlarmSummary,
    /// Customers per action rule.
    pub actions: BTreeMap<String, u64>,
    /// When the run began reading the facts (UTC, wall clock): facts stored later are not in
    /// its cards, so a server recomputes the live cards it made since then against this run.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub facts_read_at: Option<String>,
    /// Customers and CLV by value score × churn risk (what the dashboard's portfolio matrix
    /// shows); runs stored before it have none.
    #[serde(default)]
    pub portfolio: Portfolio,
    /// The Pareto curve of revenue: `pareto[p]` is the share of the buyers' net revenue that
    /// the best `p` % of them bring (101 points, 0 to 100 %); empty without buyers.
    #[serde(default)]
    pub pareto: Vec<f64>,
    /// The open alarms that hold the most value, biggest CLV first (at most
    /// [`TOP_ALARMS`]).
    #[serde(default)]
    pub top_alarms: Vec<TopAlarm>,
    /// Customers and CLV per RFM segment (buyers with profiling consent).
    #[serde(default)]
    pub rfm: BTreeMap<String, Cell>,
}

/// How many of the biggest alarms a run keeps in its summary.
pub const TOP_ALARMS: usize = 20;

/// Bands of the portfolio matrix on each axis: value score and churn risk in fifths.
pub const PORTFOLIO_BANDS: usize = 5;

/// Customers and their CLV in one part of the portfolio.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
pub struct Cell {
    /// Customers.
    pub customers: u64,
    /// Their CLV.
    pub clv: f64,
}

/// The portfolio of a run: value score × churn risk.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Portfolio {
    /// `grid[v][c]`: value score in band `v` (0–20, 20–40, … 80–100 points) and churn risk
    /// in band `c` (0–20 %, … 80–100 %); empty for a run stored without it.
    pub grid: Vec<Vec<Cell>>,
    /// Customers without a value score or a churn risk (leads, no profiling consent).
    pub unplaced: Cell,
    /// Per quadrant of the cards (`stars`, `rescue`, `develop`, `let_go`).
    pub quadrants: BTreeMap<String, Cell>,
}

/// One open alarm of a valuable customer.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TopAlarm {
    /// The customer.
    pub customer_id: String,
    /// The alarm's kind.
    pub kind: String,
    /// Its evidence, in words.
    pub evidence: String,
    /// The customer's CLV.
    pub clv: f64,
    /// The customer's churn risk.
    pub churn_risk: Option<f64>,
}

/// One tier of a run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TierSummary {
    /// The tier.
    pub tier: String,
    /// Its customers.
    pub customers: u64,
    /// Their CLV.
    pub clv: f64,
    /// Its share of the buyers with profiling consent (what tier shares are cut on).
    pub share_of_profiled_buyers: f64,
}

/// What a run did to the alarm episodes.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct AlarmSummary {
    /// Alarms that hold in the run, by kind.
    pub holding: BTreeMap<String, u64>,
    /// Episodes raised, by kind.
    pub raised: BTreeMap<String, u64>,
    /// Episodes cleared, by kind.
    pub cleared: BTreeMap<String, u64>,
    /// Episodes that continue.
    pub continuing: u64,
    /// Why a back-dated run touched no episode.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub back_dated: Option<String>,
}

impl RunSummary {
    /// The summary stored with a run, read back.
    pub fn of(run: &ScoreRunRecord) -> Result<RunSummary, AppError> {
        serde_json::from_value(run.summary.clone())
            .map_err(|e| AppError::Corrupt(format!("score run {}: its summary: {e}", run.id)))
    }
}

/// The run before `as_of` that a new run compares tiers with: the one with the latest `as_of`
/// before it (the latest created among equals).
pub fn previous_run(runs: &[ScoreRunRecord], as_of: Timestamp) -> Option<&ScoreRunRecord> {
    runs.iter()
        .filter(|r| r.as_of < as_of)
        .max_by_key(|r| (r.as_of, r.id))
}

/// The newest model of `kind` (`churn`, `cancellation`) trained as of `as_of` or earlier (a
/// model trained later has seen what happened after `as_of`), loaded, with how cards name it.
pub async fn trained_model(
    store: &dyn Store,
    kind: &str,
    as_of: Timestamp,
) -> Result<Option<(Predictor, ChurnModelRef)>, AppError> {
    let infos = store.models(Some(kind)).await?;
    let Some(best) = infos
        .iter()
        .filter(|m| m.as_of <= as_of)
        .max_by_key(|m| (m.as_of, m.id))
    else {
        return Ok(None);
    };
    load_model(store, best.id).await.map(Some)
}

/// The model a snapshot names, loaded (none when it names none).
pub async fn load_named(
    store: &dyn Store,
    reference: Option<&ChurnModelRef>,
) -> Result<Option<(Predictor, ChurnModelRef)>, AppError> {
    match reference {
        Some(r) => load_model(store, r.id).await.map(Some),
        None => Ok(None),
    }
}

/// The registered model `id`, with how cards name it (`gbm:churn v3 (model 7)`).
pub async fn load_model(
    store: &dyn Store,
    id: i64,
) -> Result<(Predictor, ChurnModelRef), AppError> {
    let stored = store
        .model(id)
        .await?
        .ok_or_else(|| AppError::Corrupt(format!("model {id} is not in the registry")))?;
    let predictor = Predictor::from_json(&stored.model)
        .map_err(|e| AppError::Corrupt(format!("model {id}: {e}")))?;
    let reference = ChurnModelRef {
        id,
        source: format!(
            "gbm:{} v{} (model {})",
            stored.info.kind, stored.info.version, stored.info.id
        ),
    };
    Ok((predictor, reference))
}

/// Times the parts of a computation.
struct Laps {
    last: Instant,
    seconds: BTreeMap<&'static str, f64>,
}

impl Laps {
    fn new() -> Self {
        Laps {
            last: Instant::now(),
            seconds: BTreeMap::new(),
        }
    }

    fn lap(&mut self, name: &'static str) {
        let now = Instant::now();
        self.seconds.insert(name, (now - self.last).as_secs_f64());
        self.last = now;
    }
}

/// Scores every customer as of `as_of` and stores the run.
pub async fn score_run(
    project: &Project,
    store: &dyn Store,
    as_of: Timestamp,
    progress: &mut dyn Progress,
) -> Result<ScoreRun, AppError> {
    score(project, store, as_of, None, progress).await
}

/// Scores every customer as of `as_of` against run `run`'s models (default: the latest run's)
/// without fitting new ones, and stores the run: the snapshot and the scoring context (value
/// distributions, tier cuts) are that run's. Every card equals the card the customer would
/// get scored alone against that run at `as_of`, which is what a live card is. Faster than a
/// full run, and the way to refresh every card between refits.
pub async fn score_run_frozen(
    project: &Project,
    store: &dyn Store,
    run: Option<i64>,
    as_of: Timestamp,
    progress: &mut dyn Progress,
) -> Result<ScoreRun, AppError> {
    let record = crate::cards::run_or_latest(store, run).await?;
    let context = frozen_context(project, &record)?;
    score(project, store, as_of, Some((record.id, context)), progress).await
}

/// Run `record`'s context, to score against without fitting: it must hold a snapshot, and the
/// project's rules must be the ones it was scored with.
pub(crate) fn frozen_context(
    project: &Project,
    record: &ScoreRunRecord,
) -> Result<RunContext, AppError> {
    let context = run_context(record)?;
    let Some(snapshot) = &context.snapshot else {
        return Err(AppError::Stale(format!(
            "score run {} was made before runs stored their snapshot: run `patron score` again",
            record.id
        )));
    };
    let version = project.rules()?.map(|r| r.version().to_owned());
    if version != snapshot.rules_version {
        return Err(AppError::Stale(format!(
            "the rules changed since score run {} (rule-set version {} then, {} now): run `patron score` again",
            record.id,
            snapshot.rules_version.as_deref().unwrap_or("none"),
            version.as_deref().unwrap_or("none"),
        )));
    }
    Ok(context)
}

/// A score run: fitted afresh, or `frozen` on a stored run's context.
async fn score(
    project: &Project,
    store: &dyn Store,
    as_of: Timestamp,
    frozen: Option<(i64, RunContext)>,
    progress: &mut dyn Progress,
) -> Result<ScoreRun, AppError> {
    let started = Instant::now();
    // Settings and rules are checked before anything is loaded.
    let settings = project.settings()?;
    let rules = project.rules()?;
    crate::project::ensure_intact(store).await?;
    let frozen_snapshot = frozen.as_ref().and_then(|(_, c)| c.snapshot.clone());
    let warnings = match &rules {
        Some(rules) => rules.unknown_event_types(&store.event_types().await?),
        None => Vec::new(),
    };
    let facts_read_at = wall_clock();
    progress.stage("load", None);
    progress.message("facts from the store");
    let mut laps = Laps::new();
    let options = fact_options(&rules.iter().collect::<Vec<_>>());
    let facts = store.load_facts_with(as_of, &options).await?;
    laps.lap("load");
    let runs = store.score_runs().await?;
    // A frozen run compares tiers with the run its snapshot names, as a live card does.
    let previous = match &frozen_snapshot {
        Some(snapshot) => snapshot.previous_run,
        None => previous_run(&runs, as_of).map(|r| r.id),
    };
    // A back-dated run (an earlier as_of than a stored run's) computes cards of the past; the
    // alarm episodes are the present's, so it neither raises nor clears any (the store checks
    // it again inside the run's transaction; here it keeps the summary's counts right).
    let back_dated = runs.iter().any(|r| r.as_of > as_of);
    let mut previous_tiers: HashMap<String, String> = match previous {
        Some(run) => store
            .run_tiers(run)
            .await?
            .into_iter()
            .map(|(id, tier)| (id.to_string(), tier))
            .collect(),
        None => HashMap::new(),
    };
    // A frozen run uses the models its snapshot names; a new one the newest as of its as_of.
    let (churn, cancellation) = match &frozen_snapshot {
        Some(snapshot) => (
            load_named(store, snapshot.churn_model.as_ref()).await?,
            load_named(store, snapshot.cancellation_model.as_ref()).await?,
        ),
        None => (
            trained_model(store, "churn", as_of).await?,
            trained_model(store, "cancellation", as_of).await?,
        ),
    };
    // Open episodes are read before the run starts writing.
    let open: Vec<OpenAlarm> = store
        .alarms(true)
        .await?
        .into_iter()
        .map(|a| OpenAlarm {
            customer_id: a.customer_id.to_string(),
            kind: a.kind,
        })
        .collect();

    progress.stage("inputs", Some(3));
    let (inputs, snapshot, models, digest) = {
        let models = Models {
            config: &project.config,
            rules: rules.as_ref(),
            churn: churn.as_ref().map(|(p, r)| (p, r)),
            cancellation: cancellation.as_ref().map(|(p, r)| (p, r)),
        };
        let mut facts = facts;
        let mut part = |name: &'static str| {
            laps.lap(match name {
                "facts" => "inputs.facts",
                "churn" => "inputs.churn",
                "rules" => "inputs.rules",
                "fit" => "inputs.fit",
                _ => "inputs.customers",
            });
        };
        // What the run scored, recorded with it (before the events are freed).
        let digest = facts.digest();
        let events = event_inputs(
            &facts,
            &models,
            &mut |id| previous_tiers.remove(id),
            &mut part,
        )?;
        drop(previous_tiers);
        // Nothing below reads events: the largest table is freed before the fits.
        facts.events = EventColumns {
            offsets: vec![0; facts.customers.len() + 1],
            ..Default::default()
        };
        progress.advance(1);
        progress.message("population models");
        let (snapshot, report) = match &frozen {
            Some((_, context)) => (
                frozen_snapshot
                    .clone()
                    .expect("a frozen run has a snapshot"),
                context.models.clone(),
            ),
            None => {
                let (snapshot, report) = Snapshot::fit(
                    &facts,
                    digest.clone(),
                    &project.config,
                    rules.as_ref().map(|r| r.version().to_owned()),
                    churn.as_ref().map(|(_, r)| r.clone()),
                    cancellation.as_ref().map(|(_, r)| r.clone()),
                    previous,
                )?;
                // Cards are computed from the snapshot as stored, exactly as a customer
                // scored alone later reads it back.
                (round_trip(&snapshot)?, report)
            }
        };
        part("fit");
        progress.advance(1);
        progress.message("customers");
        let inputs = snapshot_inputs(&facts, &snapshot, &project.config, events, &mut part)?;
        progress.advance(1);
        (inputs, snapshot, report, digest)
    };

    let mut inputs = inputs;
    crate::privacy::attach_overrides(store, &mut inputs, as_of).await?;
    progress.stage("cards", Some(inputs.len() as u64));
    let score_names: Vec<String> = rules
        .as_ref()
        .map(|r| r.score_names().iter().map(|s| (*s).to_owned()).collect())
        .unwrap_or_default();
    let context = match frozen {
        Some((from_run, context)) => RunContext {
            frozen: Some(Frozen {
                from_run,
                facts_digest: digest,
            }),
            ..context
        },
        None => {
            let mut scoring = build_context(&inputs, &settings, as_of, &score_names);
            scoring.clv_method = snapshot.clv_method();
            RunContext {
                scoring: round_trip(&scoring)?,
                rules_version: snapshot.rules_version.clone(),
                snapshot: Some(snapshot),
                models,
                frozen: None,
            }
        }
    };
    let mut writer = store
        .begin_score_run(ScoreRunHeader {
            as_of,
            rules_version: context.rules_version.clone(),
            context: serde_json::to_string(&context).map_err(corrupt)?,
        })
        .await?;
    let mut tally = Tally::default();
    let mut holding: Vec<(patron_core::ids::CustomerId, AlarmHit)> = Vec::new();
    for chunk in inputs.chunks(CHUNK) {
        // Each card is computed, serialised and dropped on the thread that made it; only its
        // row and what the summary counts come back.
        let rows: Vec<(CardRecord, Counted)> = {
            use rayon::prelude::*;
            chunk
                .par_iter()
                .map(|inputs| {
                    let card = card(inputs, &context.scoring, &settings);
                    Ok((card_record(&card)?, Counted::from(card)))
                })
                .collect::<Result<_, AppError>>()?
        };
        let mut records = Vec::with_capacity(rows.len());
        for (record, counted) in rows {
            tally.add(&counted);
            holding.extend(
                counted
                    .alarms
                    .into_iter()
                    .map(|a| (counted.customer_id.clone(), a)),
            );
            records.push(record);
        }
        writer.write_cards(records).await?;
        progress.advance(chunk.len() as u64);
    }
    drop(inputs);
    laps.lap("cards");

    progress.stage("save", None);
    let changes = if back_dated {
        AlarmChanges::default()
    } else {
        reconcile(&open, holding.iter().map(|(c, a)| (c.as_str(), a)))
    };
    let mut summary = tally.summary(&changes);
    summary.facts_read_at = Some(facts_read_at);
    if back_dated {
        summary.alarms.back_dated = Some(
            "a later run exists: this run's alarms are not raised or cleared (the episodes are the present's)".into(),
        );
    }
    let parse = |id: &str| {
        patron_core::ids::CustomerId::parse(id).map_err(|e| AppError::Corrupt(e.to_string()))
    };
    let end = ScoreRunEnd {
        summary: serde_json::to_value(&summary).map_err(corrupt)?,
        raised: changes
            .raised
            .iter()
            .map(|(c, k, e)| Ok((parse(c)?, k.clone(), e.clone())))
            .collect::<Result<_, AppError>>()?,
        cleared: changes
            .cleared
            .iter()
            .map(|o| Ok((parse(&o.customer_id)?, o.kind.clone())))
            .collect::<Result<_, AppError>>()?,
    };
    let id = writer.finish(end).await?;
    laps.lap("save");
    let mut seconds = laps.seconds;
    let inputs_total: f64 = seconds
        .iter()
        .filter(|(k, _)| k.starts_with("inputs."))
        .map(|(_, v)| v)
        .sum();
    seconds.insert("inputs", inputs_total);
    seconds.insert("total", started.elapsed().as_secs_f64());
    Ok(ScoreRun {
        id,
        context,
        summary,
        seconds,
        warnings,
    })
}

/// Now, as the store writes wall-clock times.
fn wall_clock() -> String {
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64);
    Timestamp::from_secs(secs).to_string()
}

fn corrupt(e: serde_json::Error) -> AppError {
    AppError::Corrupt(e.to_string())
}

/// `value` written as JSON and read back: what a later reader of the stored run sees.
fn round_trip<T: serde::Serialize + serde::de::DeserializeOwned>(value: &T) -> Result<T, AppError> {
    serde_json::from_str(&serde_json::to_string(value).map_err(corrupt)?).map_err(corrupt)
}

/// The stored row of a card.
fn card_record(card: &Card) -> Result<CardRecord, AppError> {
    // One buffer of a typical card's size (growing from serde_json's default of 128 bytes
    // copies a card five times over).
    let mut buffer = Vec::with_capacity(4096);
    serde_json::to_writer(&mut buffer, card).map_err(corrupt)?;
    Ok(CardRecord {
        customer_id: card.customer_id.clone(),
        tier: card.tier.clone(),
        status: card.status.clone(),
        value_score: card.value_score,
        churn_risk: card.churn_risk,
        clv: card.clv,
        stage: card.stage.clone(),
        action: card.action.clone(),
        card: String::from_utf8(buffer).map_err(|e| AppError::Corrupt(e.to_string()))?,
    })
}

/// Counts of a run, gathered card by card.
#[derive(Debug, Default)]
struct Tally {
    customers: u64,
    leads: u64,
    no_consent: u64,
    tiers: BTreeMap<String, (u64, f64)>,
    profiled_tiers: BTreeMap<String, u64>,
    profiled: u64,
    status: BTreeMap<String, u64>,
    actions: BTreeMap<String, u64>,
    holding: BTreeMap<String, u64>,
    at_risk_value: f64,
    grid: [[Cell; PORTFOLIO_BANDS]; PORTFOLIO_BANDS],
    unplaced: Cell,
    quadrants: BTreeMap<String, Cell>,
    /// Every buyer's net revenue, for the Pareto curve (8 bytes a customer).
    revenues: Vec<f64>,
    /// The biggest alarms so far, at most [`TOP_ALARMS`], in no order.
    top_alarms: Vec<TopAlarm>,
    rfm: BTreeMap<String, Cell>,
}

/// What the summary counts of one card.
struct Counted {
    customer_id: patron_core::ids::CustomerId,
    lead: bool,
    profiling: bool,
    tier: String,
    status: String,
    clv: Option<f64>,
    value_score: Option<f64>,
    churn_risk: Option<f64>,
    revenue: Option<f64>,
    portfolio: Option<String>,
    rfm_segment: Option<String>,
    action_rule: Option<String>,
    alarms: Vec<AlarmHit>,
}

impl From<Card> for Counted {
    fn from(c: Card) -> Self {
        Counted {
            customer_id: c.customer_id,
            lead: c.lead,
            profiling: c.profiling,
            tier: c.tier,
            status: c.status,
            clv: c.clv,
            value_score: c.value_score,
            churn_risk: c.churn_risk,
            revenue: c.revenue,
            portfolio: c.portfolio,
            rfm_segment: c.rfm_segment,
            action_rule: c.action_rule,
            alarms: c.alarms,
        }
    }
}

impl Tally {
    fn add(&mut self, c: &Counted) {
        self.customers += 1;
        self.leads += u64::from(c.lead);
        self.no_consent += u64::from(!c.profiling);
        let t = self.tiers.entry(c.tier.clone()).or_default();
        t.0 += 1;
        t.1 += c.clv.unwrap_or(0.0);
        // Tier shares are over the population the tiers are cut from: buyers with profiling.
        if !c.lead && c.profiling {
            self.profiled += 1;
            *self.profiled_tiers.entry(c.tier.clone()).or_default() += 1;
        }
        *self.status.entry(c.status.clone()).or_default() += 1;
        if let Some(a) = &c.action_rule {
            *self.actions.entry(a.clone()).or_default() += 1;
        }
        for a in &c.alarms {
            *self.holding.entry(a.kind.clone()).or_default() += 1;
        }
        if c.status == "At Risk" {
            self.at_risk_value += c.clv.unwrap_or(0.0);
        }
        self.add_portfolio(c);
        if let Some(r) = c.revenue.filter(|r| *r > 0.0) {
            self.revenues.push(r);
        }
        for a in &c.alarms {
            self.add_alarm(c, a);
        }
    }

    fn add_portfolio(&mut self, c: &Counted) {
        let clv = c.clv.unwrap_or(0.0);
        let cell = match (c.value_score, c.churn_risk) {
            (Some(v), Some(r)) => &mut self.grid[band(v / 100.0)][band(r)],
            _ => &mut self.unplaced,
        };
        cell.customers += 1;
        cell.clv += clv;
        if let Some(q) = &c.portfolio {
            let cell = self.quadrants.entry(q.clone()).or_default();
            cell.customers += 1;
            cell.clv += clv;
        }
        if let Some(segment) = &c.rfm_segment {
            let cell = self.rfm.entry(segment.clone()).or_default();
            cell.customers += 1;
            cell.clv += clv;
        }
    }

    /// Keeps the alarm if it is among the [`TOP_ALARMS`] biggest by CLV so far (ties: the
    /// smaller customer id, then kind, so the result does not depend on the order of cards).
    fn add_alarm(&mut self, c: &Counted, a: &AlarmHit) {
        let candidate = TopAlarm {
            customer_id: c.customer_id.as_str().to_owned(),
            kind: a.kind.clone(),
            evidence: a.evidence.clone(),
            clv: c.clv.unwrap_or(0.0),
            churn_risk: c.churn_risk,
        };
        if self.top_alarms.len() < TOP_ALARMS {
            self.top_alarms.push(candidate);
            return;
        }
        let (smallest, _) = self
            .top_alarms
            .iter()
            .enumerate()
            .min_by(|(_, x), (_, y)| alarm_order(x, y).reverse())
            .expect("the list is full");
        if alarm_order(&candidate, &self.top_alarms[smallest]).is_lt() {
            self.top_alarms[smallest] = candidate;
        }
    }

    fn summary(&self, changes: &AlarmChanges) -> RunSummary {
        let profiled = self.profiled.max(1) as f64;
        let mut raised: BTreeMap<String, u64> = BTreeMap::new();
        for (_, kind, _) in &changes.raised {
            *raised.entry(kind.clone()).or_default() += 1;
        }
        let mut cleared: BTreeMap<String, u64> = BTreeMap::new();
        for o in &changes.cleared {
            *cleared.entry(o.kind.clone()).or_default() += 1;
        }
        RunSummary {
            customers: self.customers,
            leads: self.leads,
            no_profiling_consent: self.no_consent,
            tiers: self
                .tiers
                .iter()
                .map(|(t, (n, clv))| TierSummary {
                    tier: t.clone(),
                    customers: *n,
                    clv: *clv,
                    share_of_profiled_buyers: self
                        .profiled_tiers
                        .get(t)
                        .map_or(0.0, |p| *p as f64 / profiled),
                })
                .collect(),
            status: self.status.clone(),
            at_risk_clv: self.at_risk_value,
            alarms: AlarmSummary {
                holding: self.holding.clone(),
                raised,
                cleared,
                continuing: changes.continuing.len() as u64,
                back_dated: None,
            },
            actions: self.actions.clone(),
            facts_read_at: None,
            portfolio: Portfolio {
                grid: self.grid.iter().map(|row| row.to_vec()).collect(),
                unplaced: self.unplaced,
                quadrants: self.quadrants.clone(),
            },
            pareto: pareto(&self.revenues),
            top_alarms: {
                let mut top = self.top_alarms.clone();
                top.sort_by(alarm_order);
                top
            },
            rfm: self.rfm.clone(),
        }
    }
}

/// The band (0 to [`PORTFOLIO_BANDS`] − 1) of a share from 0 to 1; 1 belongs to the last.
fn band(share: f64) -> usize {
    ((share.clamp(0.0, 1.0) * PORTFOLIO_BANDS as f64) as usize).min(PORTFOLIO_BANDS - 1)
}

/// Biggest CLV first; ties by customer id, then kind.
fn alarm_order(a: &TopAlarm, b: &TopAlarm) -> std::cmp::Ordering {
    b.clv
        .total_cmp(&a.clv)
        .then_with(|| a.customer_id.cmp(&b.customer_id))
        .then_with(|| a.kind.cmp(&b.kind))
}

/// The share of the total the best `p` % bring, for `p` = 0 to 100 (a customer counted in
/// part where a percentile falls inside them).
fn pareto(revenues: &[f64]) -> Vec<f64> {
    if revenues.is_empty() {
        return Vec::new();
    }
    let mut sorted = revenues.to_vec();
    sorted.sort_by(|a, b| b.total_cmp(a));
    let total: f64 = sorted.iter().sum();
    let n = sorted.len() as f64;
    let mut cumulative = Vec::with_capacity(sorted.len() + 1);
    cumulative.push(0.0);
    let mut sum = 0.0;
    for r in &sorted {
        sum += r;
        cumulative.push(sum);
    }
    (0..=100)
        .map(|p| {
            let at = n * f64::from(p) / 100.0;
            let whole = at.floor() as usize;
            let part = at - whole as f64;
            let extra = sorted.get(whole).map_or(0.0, |r| r * part);
            (cumulative[whole] + extra) / total
        })
        .collect()
}

/// The context a stored run froze, read back through its type.
pub fn run_context(run: &ScoreRunRecord) -> Result<RunContext, AppError> {
    serde_json::from_str(&run.context)
        .map_err(|e| AppError::Corrupt(format!("score run {}: its context: {e}", run.id)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_pareto_curve_shares_revenue_by_the_best_percent_of_buyers() {
        let curve = pareto(&[10.0, 50.0, 10.0, 30.0]);
        assert_eq!(curve.len(), 101);
        assert_eq!(curve[0], 0.0);
        // The best quarter (one buyer of four) brings half; part of a buyer counts in part.
        assert!((curve[25] - 0.5).abs() < 1e-12);
        assert!((curve[10] - 0.2).abs() < 1e-12);
        assert!((curve[50] - 0.8).abs() < 1e-12);
        assert!((curve[100] - 1.0).abs() < 1e-12);
        assert!(curve.windows(2).all(|w| w[0] <= w[1]));
        assert!(pareto(&[]).is_empty());
    }

    #[test]
    fn bands_are_fifths_and_the_top_belongs_to_the_last() {
        assert_eq!(band(0.0), 0);
        assert_eq!(band(0.1999), 0);
        assert_eq!(band(0.2), 1);
        assert_eq!(band(1.0), PORTFOLIO_BANDS - 1);
        assert_eq!(band(1.5), PORTFOLIO_BANDS - 1);
    }

    #[test]
    fn the_biggest_alarms_do_not_depend_on_the_order_of_cards() {
        let counted = |id: &str, clv: f64| Counted {
            customer_id: patron_core::ids::CustomerId::parse(id).unwrap(),
            lead: false,
            profiling: true,
            tier: "A".into(),
            status: "Standard".into(),
            clv: Some(clv),
            value_score: Some(50.0),
            churn_risk: Some(0.5),
            revenue: Some(clv),
            portfolio: None,
            rfm_segment: None,
            action_rule: None,
            alarms: vec![AlarmHit {
                kind: "sleeper".into(),
                evidence: "quiet".into(),
            }],
        };
        let cards: Vec<Counted> = (0..TOP_ALARMS + 10)
            .map(|i| counted(&format!("C{i:03}"), (i % 7) as f64))
            .collect();
        let top = |order: &mut dyn Iterator<Item = &Counted>| {
            let mut tally = Tally::default();
            for c in order {
                tally.add(c);
            }
            tally.summary(&AlarmChanges::default()).top_alarms
        };
        let forward = top(&mut cards.iter());
        let backward = top(&mut cards.iter().rev());
        assert_eq!(forward, backward);
        assert_eq!(forward.len(), TOP_ALARMS);
        assert_eq!(forward[0].clv, 6.0);
        assert!(
            forward
                .windows(2)
                .all(|w| alarm_order(&w[0], &w[1]).is_lt())
        );
    }
}
