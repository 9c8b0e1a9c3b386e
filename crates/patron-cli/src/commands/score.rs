//! `patron score`: every score of every customer as of a date, stored as a score run with its
//! frozen context, alarm episodes raised and cleared.

use crate::cli::{Global, ScoreArgs};
use crate::commands::card_inputs::gather;
use crate::commands::resolve_as_of;
use crate::commands::rules::compile as compile_rules;
use crate::error::ScorecardInvalid;
use crate::output::{Stages, Table, amount, count, print_json};
use crate::project::Project;
use anyhow::{Context, Result};
use patron_core::config::CONFIG_FILE;
use patron_core::facts::Facts;
use patron_engine::rules::RuleSet;
use patron_engine::scorecard::{
    AlarmChanges, AlarmHit, Card, OpenAlarm, ScoringContext, Settings, build_context, card,
    reconcile,
};
use patron_store::{CardRecord, ScoreRunEnd, ScoreRunHeader, ScoreRunWriter};
use serde_json::{Value, json};
use std::collections::{BTreeMap, HashMap};
use std::time::Instant;

/// Checks the score-card settings, printing every problem.
pub fn compile_settings(project: &Project) -> Result<Settings> {
    Settings::compile(&project.config).map_err(|errors| {
        for e in &errors {
            eprintln!("error: {}: {e}", CONFIG_FILE);
        }
        ScorecardInvalid(errors.len()).into()
    })
}

/// The project's rules, if it has any.
pub fn project_rules(project: &Project) -> Result<Option<RuleSet>> {
    if project.config.scores.is_empty() {
        return Ok(None);
    }
    compile_rules(&project.config, &project.dir.join(CONFIG_FILE)).map(Some)
}

/// A computed and stored run.
pub struct ComputedRun {
    /// The frozen context.
    pub context: ScoringContext,
    /// The alarms that hold: (customer, alarm).
    pub alarms: Vec<(String, AlarmHit)>,
    /// Counts for the summary.
    pub tally: Tally,
    /// The rule-set version.
    pub rules_version: Option<String>,
    /// The models used.
    pub models: Value,
    /// Seconds per stage.
    pub seconds: BTreeMap<&'static str, f64>,
}

/// The tiers of the previous run — the latest run before `before` (default: any) whose `as_of`
/// is earlier than `as_of` — by customer id.
pub async fn previous_tiers(
    store: &dyn patron_store::Store,
    before: Option<i64>,
    as_of: patron_core::Timestamp,
) -> Result<HashMap<String, String>> {
    let runs = store.score_runs().await?;
    let previous = runs
        .iter()
        .rev()
        .find(|r| before.is_none_or(|b| r.id < b) && r.as_of < as_of);
    let Some(run) = previous else {
        return Ok(HashMap::new());
    };
    Ok(store
        .run_tiers(run.id)
        .await?
        .into_iter()
        .map(|(id, tier)| (id.to_string(), tier))
        .collect())
}

/// Cards are computed, counted, serialised and handed to the store this many at a time, so a
/// run of millions of customers never holds more than a few chunks of cards in memory.
const CHUNK: usize = 20_000;

/// Computes every card from a fact set, which is dropped as soon as the inputs are gathered,
/// and writes them chunk by chunk into `writer`'s run (`begin` starts it once the context is
/// known).
#[allow(clippy::too_many_arguments)]
async fn compute_and_write(
    facts: Facts,
    project: &Project,
    settings: &Settings,
    rules: Option<&RuleSet>,
    previous: HashMap<String, String>,
    churn_model: Option<&crate::commands::card_inputs::ChurnModel>,
    store: &dyn patron_store::Store,
    stages: &mut Stages,
) -> Result<(ComputedRun, Box<dyn ScoreRunWriter>)> {
    let mut seconds = BTreeMap::new();
    let started = Instant::now();
    let bar = stages.start("inputs", Some(crate::commands::card_inputs::PARTS));
    let as_of = facts.as_of;
    let gathered = gather(facts, &project.config, rules, previous, churn_model, &bar)?;
    seconds.insert("inputs", started.elapsed().as_secs_f64());
    for (part, secs) in &gathered.seconds {
        seconds.insert(part, *secs);
    }
    let bar = stages.start("cards", Some(gathered.inputs.len() as u64));
    let started = Instant::now();
    let mut context = build_context(&gathered.inputs, settings, as_of, &gathered.score_names);
    context.clv_method = gathered.clv_method.clone();
    let mut computed = ComputedRun {
        context,
        alarms: Vec::new(),
        tally: Tally::default(),
        rules_version: gathered.rules_version,
        models: gathered.models,
        seconds,
    };
    let mut writer = store
        .begin_score_run(ScoreRunHeader {
            as_of,
            rules_version: computed.rules_version.clone(),
            context: context_json(&computed).to_string(),
        })
        .await?;
    for chunk in gathered.inputs.chunks(CHUNK) {
        // Each card is computed, serialised and dropped on the thread that made it; only its
        // row and what the summary counts come back.
        let rows: Vec<(CardRecord, Counted)> = {
            use rayon::prelude::*;
            chunk
                .par_iter()
                .map(|inputs| {
                    let card = card(inputs, &computed.context, settings);
                    Ok((card_record(&card)?, Counted::from(card)))
                })
                .collect::<Result<_>>()?
        };
        let mut records = Vec::with_capacity(rows.len());
        for (record, counted) in rows {
            computed.tally.add(&counted);
            computed.alarms.extend(
                counted
                    .alarms
                    .into_iter()
                    .map(|a| (counted.customer_id.clone(), a)),
            );
            records.push(record);
        }
        writer.write_cards(records).await?;
        bar.inc(chunk.len() as u64);
    }
    computed
        .seconds
        .insert("cards", started.elapsed().as_secs_f64());
    Ok((computed, writer))
}

/// The run's context as stored: the scoring context and the models.
pub fn context_json(run: &ComputedRun) -> Value {
    json!({ "scoring": run.context, "models": run.models, "rules_version": run.rules_version })
}

/// The stored row of a card.
pub fn card_record(card: &Card) -> Result<CardRecord> {
    Ok(CardRecord {
        customer_id: patron_core::ids::CustomerId::parse(&card.customer_id)?,
        tier: card.tier.clone(),
        status: card.status.clone(),
        value_score: card.value_score,
        churn_risk: card.churn_risk,
        clv: card.clv,
        stage: card.stage.clone(),
        action: card.action.clone(),
        card: card_json(card)?,
    })
}

/// A card's JSON, written into one buffer of a typical card's size (growing from serde_json's
/// default of 128 bytes copies a card five times over).
fn card_json(card: &Card) -> Result<String> {
    let mut buffer = Vec::with_capacity(4096);
    serde_json::to_writer(&mut buffer, card)?;
    Ok(String::from_utf8(buffer)?)
}

/// Counts of a run, gathered card by card.
#[derive(Debug, Default)]
pub struct Tally {
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
}

/// What the summary counts of one card.
struct Counted {
    customer_id: String,
    lead: bool,
    profiling: bool,
    tier: String,
    status: String,
    clv: Option<f64>,
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
    }

    fn summary(&self, changes: &AlarmChanges) -> Value {
        let profiled = self.profiled.max(1) as f64;
        let mut raised: BTreeMap<&str, u64> = BTreeMap::new();
        for (_, kind, _) in &changes.raised {
            *raised.entry(kind).or_default() += 1;
        }
        let mut cleared: BTreeMap<&str, u64> = BTreeMap::new();
        for o in &changes.cleared {
            *cleared.entry(&o.kind).or_default() += 1;
        }
        json!({
            "customers": self.customers,
            "leads": self.leads,
            "no_profiling_consent": self.no_consent,
            "tiers": self.tiers.iter().map(|(t, (n, clv))| json!({
                "tier": t, "customers": n, "clv": clv,
                "share_of_profiled_buyers": self.profiled_tiers.get(t).map_or(0.0, |p| *p as f64 / profiled),
            })).collect::<Vec<_>>(),
            "status": self.status,
            "at_risk_clv": self.at_risk_value,
            "alarms": { "holding": self.holding, "raised": raised, "cleared": cleared, "continuing": changes.continuing.len() },
            "actions": self.actions,
        })
    }
}

/// Scores a loaded fact set and stores the run; returns its id, the computed run and the
/// summary.
pub async fn score_and_store(
    project: &Project,
    store: &dyn patron_store::Store,
    facts: Facts,
    stages: &mut Stages,
) -> Result<(i64, ComputedRun, Value)> {
    let started = Instant::now();
    let settings = compile_settings(project)?;
    let rules = project_rules(project)?;
    let as_of = facts.as_of;
    let previous = previous_tiers(store, None, as_of).await?;
    let churn_model = crate::commands::card_inputs::churn_model(store, as_of).await?;
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
    let (mut computed, writer) = compute_and_write(
        facts,
        project,
        &settings,
        rules.as_ref(),
        previous,
        churn_model.as_ref(),
        store,
        stages,
    )
    .await?;
    stages.start("save", None);
    let save_started = Instant::now();
    let changes = reconcile(&open, computed.alarms.iter().map(|(c, a)| (c.as_str(), a)));
    let summary = computed.tally.summary(&changes);
    let parse = |id: &str| patron_core::ids::CustomerId::parse(id).context("customer id");
    let end = ScoreRunEnd {
        summary: summary.clone(),
        raised: changes
            .raised
            .iter()
            .map(|(c, k, e)| Ok((parse(c)?, k.clone(), e.clone())))
            .collect::<Result<_>>()?,
        cleared: changes
            .cleared
            .iter()
            .map(|o| Ok((parse(&o.customer_id)?, o.kind.clone())))
            .collect::<Result<_>>()?,
    };
    let id = writer.finish(end).await?;
    computed
        .seconds
        .insert("save", save_started.elapsed().as_secs_f64());
    computed
        .seconds
        .insert("total", started.elapsed().as_secs_f64());
    Ok((id, computed, summary))
}

/// `patron score`.
pub async fn run(global: &Global, args: &ScoreArgs) -> Result<()> {
    let started = Instant::now();
    let project = Project::load(global)?;
    // Settings are checked before anything is loaded.
    compile_settings(&project)?;
    project_rules(&project)?;
    let store = project.open_store().await?;
    let as_of = resolve_as_of(store.as_ref(), args.as_of.as_deref()).await?;
    let quiet = global.quiet || global.json;
    let mut stages = Stages::new(quiet);
    stages
        .start("load", None)
        .set_message("facts from the store");
    let load_started = Instant::now();
    let facts = store.load_facts(as_of).await?;
    let load_secs = load_started.elapsed().as_secs_f64();
    let (id, mut computed, summary) =
        score_and_store(&project, store.as_ref(), facts, &mut stages).await?;
    computed.seconds.insert("load", load_secs);
    computed
        .seconds
        .insert("total", started.elapsed().as_secs_f64());
    stages.finish();
    if global.json {
        return print_json(&json!({
            "run": id,
            "as_of": as_of,
            "rules_version": computed.rules_version,
            "models": computed.models,
            "summary": summary,
            "seconds": computed.seconds,
        }));
    }
    print_run(id, &computed, &summary, &project.config.project.currency);
    Ok(())
}

/// Prints a run's summary for people.
pub fn print_run(id: i64, run: &ComputedRun, summary: &Value, currency: &str) {
    println!(
        "Score run {id} as of {}: {} customers ({} leads), {:.1} s",
        run.context.as_of.date(),
        count(summary["customers"].as_u64().unwrap_or(0)),
        count(summary["leads"].as_u64().unwrap_or(0)),
        run.seconds.get("total").copied().unwrap_or(0.0)
    );
    let mut t = Table::new(&[
        "tier",
        "customers",
        "share of profiled buyers",
        &format!("CLV 12 mo ({currency})"),
    ]);
    for tier in summary["tiers"].as_array().into_iter().flatten() {
        t.row(vec![
            tier["tier"].as_str().unwrap_or("").to_owned(),
            count(tier["customers"].as_u64().unwrap_or(0)),
            format!(
                "{:.1} %",
                tier["share_of_profiled_buyers"].as_f64().unwrap_or(0.0) * 100.0
            ),
            amount(tier["clv"].as_f64().unwrap_or(0.0)),
        ]);
    }
    println!("{}", t.render().trim_end());
    let status: Vec<String> = summary["status"]
        .as_object()
        .into_iter()
        .flatten()
        .map(|(k, v)| format!("{k} {v}"))
        .collect();
    println!(
        "status: {}; CLV at risk {} {currency}",
        status.join(", "),
        amount(summary["at_risk_clv"].as_f64().unwrap_or(0.0))
    );
    let alarms = &summary["alarms"];
    let list = |v: &Value| -> String {
        let items: Vec<String> = v
            .as_object()
            .into_iter()
            .flatten()
            .map(|(k, n)| format!("{k} {n}"))
            .collect();
        if items.is_empty() {
            "none".into()
        } else {
            items.join(", ")
        }
    };
    println!(
        "alarms raised: {}; cleared: {}; still open: {}",
        list(&alarms["raised"]),
        list(&alarms["cleared"]),
        alarms["continuing"]
    );
    println!("actions: {}", list(&summary["actions"]));
    if let Some(n) = summary["no_profiling_consent"].as_u64().filter(|n| *n > 0) {
        println!(
            "{} customers without profiling consent got only the scores allowed without it",
            count(n)
        );
    }
    println!(
        "Explore: patron show CUSTOMER | patron export --where 'tier == \"VIP\" && churn_risk > 0.3' --format csv"
    );
}
