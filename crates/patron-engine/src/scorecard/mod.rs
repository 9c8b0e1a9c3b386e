//! The score card: every score of a customer combined into decisions — a composite value score
//! 0–100, a tier with its service level, a status (VIP / Standard / At Risk), a portfolio
//! quadrant, alarms, and a next best action — each with the reason that produced it.
//!
//! # Frozen context
//!
//! A score run first builds a [`ScoringContext`] from the whole population (the quantile edges
//! of every value input and of the composite, the tier bounds), then computes each card with
//! [`card`] from that customer's [`CustomerInputs`] and the context alone. Scoring one customer
//! later with the run's context gives exactly the card of the batch run.
//!
//! # Consent
//!
//! A customer who refused profiling (or whose consent is unknown, when `[consent] missing =
//! "deny"`) gets only the scores listed in `[consent] allowed_without_consent`; the card says
//! what was left out. Such customers are also left out of the population distributions.

mod action;
mod alarms;
mod card;
mod distribution;
pub mod export;
mod filter;
mod inputs;
mod kpi;
pub mod pipeline;
pub(crate) mod round;
mod route;
mod tier;
mod value;

#[cfg(test)]
mod tests;

pub use action::{ActionTable, CompileError};
pub use alarms::{AlarmChanges, AlarmContext, AlarmHit, OpenAlarm, alarms, reconcile};
pub use card::{AppliedOverride, Card};
pub use distribution::{Distribution, STEPS};
pub use export::{COLUMNS as EXPORT_COLUMNS, Cell, ColumnType, ExportRow};
pub use filter::{CardFilter, FilterError, Vocabulary, field_names};
pub use inputs::{
    ChurnInput, CustomerInputs, Named, PaymentInput, attribute_consent, from_facts,
    marketing_allowed, profiling_allowed,
};
pub use kpi::{After, Rate, SegmentKpi, observe, segment_kpis};
pub use pipeline::{
    ChurnModelRef, Frozen, Models, PipelineError, RunContext, SNAPSHOT_VERSION, Snapshot,
    customer_inputs, event_inputs, snapshot_inputs,
};
pub use round::round4;
pub use route::{Route, route};
pub use tier::{TierCuts, portfolio, status};
pub use value::{
    Composite, Contribution, DIMENSIONS, INPUT_NAMES, ValueInput, composite, raw, resolve_inputs,
};

use patron_core::Timestamp;
use patron_core::config::{ProjectConfig, default_service};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// The checked score-card settings of a project.
#[derive(Debug, Clone)]
pub struct Settings {
    /// The configuration sections.
    pub config: ProjectConfig,
    /// The decision table, compiled.
    pub actions: ActionTable,
    /// Named segments, compiled.
    pub segments: Vec<(String, CardFilter)>,
}

impl Settings {
    /// Checks the score-card sections of a configuration: weights, shares, consent names, the
    /// decision table and the segments.
    pub fn compile(config: &ProjectConfig) -> Result<Settings, Vec<CompileError>> {
        let mut errors = Vec::new();
        let mut config = config.clone();
        if config.service.is_empty() {
            config.service = default_service();
        }
        let shares: f64 = config.tiers.levels.iter().map(|t| t.share).sum();
        if config.tiers.levels.is_empty()
            || (shares - 1.0).abs() > 1e-6
            || config.tiers.levels.iter().any(|t| t.share < 0.0)
        {
            errors.push(CompileError::new(
                "[tiers]",
                format!("tier shares must be ≥ 0 and add up to 1 (they add up to {shares})"),
            ));
        }
        let v = &config.value;
        for (name, w) in [
            ("monetary_weight", v.monetary_weight),
            ("strategic_weight", v.strategic_weight),
            ("behavioural_weight", v.behavioural_weight),
        ] {
            if !(w >= 0.0 && w.is_finite()) {
                errors.push(CompileError::new(
                    "[value]",
                    format!("{name} must be a number ≥ 0, found {w}"),
                ));
            }
        }
        for input in v.monetary.iter().chain(&v.strategic).chain(&v.behavioural) {
            let known =
                INPUT_NAMES.contains(&input.input.as_str()) || input.input.starts_with("score.");
            if !known {
                errors.push(CompileError::new(
                    "[value]",
                    format!(
                        "unknown value input {:?}{}",
                        input.input,
                        patron_core::config::did_you_mean(
                            &input.input,
                            INPUT_NAMES.iter().copied()
                        )
                    ),
                ));
            }
        }
        for name in &config.consent.allowed_without_consent {
            if !patron_core::config::PROFILING_SCORES.contains(&name.as_str()) {
                errors.push(CompileError::new(
                    "[consent]",
                    format!(
                        "unknown score {name:?} in allowed_without_consent; expected one of {}",
                        patron_core::config::PROFILING_SCORES.join(", ")
                    ),
                ));
            }
        }
        for row in &config.actions {
            if let patron_core::config::Purpose::Other(purpose) = &row.purpose
                && !config.consent.purposes.contains_key(purpose)
            {
                let known: Vec<&str> = ["marketing", "service"]
                    .into_iter()
                    .chain(config.consent.purposes.keys().map(String::as_str))
                    .collect();
                errors.push(CompileError::new(
                    &format!("[[actions]] {:?}", row.name),
                    format!(
                        "purpose {purpose:?} is neither marketing, service nor a [consent.purposes] entry{}",
                        patron_core::config::did_you_mean(purpose, known.iter().copied())
                    ),
                ));
            }
        }
        for t in &config.tiers.levels {
            if !config.service.contains_key(&t.name) {
                errors.push(CompileError::new(
                    "[service]",
                    format!("tier {:?} has no [service.{}] entry", t.name, t.name),
                ));
            }
        }
        let names = Vocabulary::of(&config);
        let actions = match ActionTable::compile(&config.actions, &names) {
            Ok(a) => Some(a),
            Err(mut e) => {
                errors.append(&mut e);
                None
            }
        };
        let mut segments = Vec::new();
        for (name, s) in &config.segments {
            match CardFilter::compile(&s.condition).and_then(|f| {
                f.check_names(&names)?;
                Ok(f)
            }) {
                Ok(f) => segments.push((name.clone(), f)),
                Err(e) => errors.push(CompileError::new(
                    &format!("[segments.{name}]"),
                    format!("where: {e}"),
                )),
            }
        }
        match (errors.is_empty(), actions) {
            (true, Some(actions)) => Ok(Settings {
                config,
                actions,
                segments,
            }),
            _ => Err(errors),
        }
    }

    fn allowed(&self, c: &CustomerInputs, score: &str) -> bool {
        c.profiling_allowed
            || self
                .config
                .consent
                .allowed_without_consent
                .iter()
                .any(|a| a == score)
    }
}

/// What a score run freezes about the population.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ScoringContext {
    /// The run's `as_of`.
    pub as_of: Timestamp,
    /// The value inputs as resolved.
    pub inputs: Vec<ValueInput>,
    /// Quantile edges per input (and `revenue` for sleepers), over buying customers whose
    /// profiling is allowed; inputs that are constant or unknown are absent.
    pub distributions: BTreeMap<String, Distribution>,
    /// Quantile edges of the composite.
    pub composite: Option<Distribution>,
    /// Tier bounds on the value-score percentile.
    pub tiers: TierCuts,
    /// Customers the distributions were built from.
    pub population: usize,
    /// How the run's CLV was computed, for each card's CLV note (absent in runs made before
    /// it was recorded).
    #[serde(default)]
    pub clv_method: Option<ClvMethod>,
}

/// How a run computes CLV: what each card's CLV note says besides the customer's numbers.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ClvMethod {
    /// The timing model (`bgnbd`, `mbgnbd`, …).
    pub model: String,
    /// The expected-purchases horizon in words (`the next 52 weeks`).
    pub horizon: String,
    /// The discounting in words (`12 months discounted at 10 %/year`).
    pub discounting: String,
}

impl ClvMethod {
    /// The note of one customer's CLV.
    pub fn note(&self, expected_purchases: f64, expected_spend: f64, clv: f64) -> String {
        format!(
            "{} model: {expected_purchases:.2} expected purchases in {} × {expected_spend:.2} expected spend each, {} = {clv:.2}",
            self.model, self.horizon, self.discounting
        )
    }
}

/// Builds the context of a run from everyone's inputs.
pub fn build_context(
    all: &[CustomerInputs],
    settings: &Settings,
    as_of: Timestamp,
    score_names: &[String],
) -> ScoringContext {
    let inputs = resolve_inputs(&settings.config.value, score_names);
    let population: Vec<&CustomerInputs> = all
        .iter()
        .filter(|c| !c.is_lead && c.profiling_allowed)
        .collect();
    let mut names: Vec<&str> = inputs.iter().map(|i| i.name.as_str()).collect();
    names.push("revenue");
    names.sort_unstable();
    names.dedup();
    let distributions: BTreeMap<String, Distribution> = names
        .iter()
        .filter_map(|name| {
            let values: Vec<f64> = population.iter().filter_map(|c| raw(name, c)).collect();
            Distribution::of(&values).map(|d| ((*name).to_owned(), d))
        })
        .collect();
    let composites: Vec<f64> = population
        .iter()
        .map(|c| composite(c, &inputs, &distributions, &settings.config.value).composite)
        .collect();
    ScoringContext {
        as_of,
        inputs,
        composite: Distribution::of(&composites),
        distributions,
        tiers: TierCuts::from_shares(&settings.config.tiers.levels),
        population: population.len(),
        clv_method: None,
    }
}

/// The inputs as far as consent allows (borrowed as they are when it allows everything).
fn visible<'a>(
    c: &'a CustomerInputs,
    settings: &Settings,
) -> (std::borrow::Cow<'a, CustomerInputs>, Vec<&'static str>) {
    if c.profiling_allowed {
        return (std::borrow::Cow::Borrowed(c), Vec::new());
    }
    let mut v = c.clone();
    let mut left_out = Vec::new();
    let mut deny = |score: &'static str| {
        let allowed = settings.allowed(c, score);
        if !allowed {
            left_out.push(score);
        }
        !allowed
    };
    if let Some(contract) = v.contract.as_mut() {
        // The contracts themselves are facts; their risk and value are profiling.
        if !settings.allowed(c, "churn") {
            contract.cancellation_risk = None;
            contract.risk_source = None;
            contract.risk_reasons.clear();
            for running in &mut contract.running {
                running.cancellation_risk = None;
            }
        }
        if !settings.allowed(c, "clv") {
            contract.residual_value = None;
            contract.value_12m = None;
            for running in &mut contract.running {
                running.residual_value = None;
                running.value_12m = None;
            }
        }
        contract.explain();
    }
    if deny("clv") {
        v.clv = None;
        v.expected_spend = None;
        v.p_alive = None;
        v.expected_purchases = None;
        v.potential = None;
    }
    if deny("churn") {
        v.churn = None;
    }
    if deny("rules") {
        v.scores.clear();
        v.stages.clear();
    }
    if deny("payment_risk") {
        v.payment = None;
    }
    if deny("rfm") {
        v.rfm_segment = None;
        v.abc = None;
    }
    if deny("margin") {
        v.margin = 0.0;
    }
    if deny("offer") {
        v.offer = None;
    }
    if deny("reminders") {
        v.reminders.clear();
    }
    // `value` and `action` are decided in `card`.
    deny("value");
    deny("action");
    (std::borrow::Cow::Owned(v), left_out)
}

/// The card of one customer from their inputs and the run's frozen context.
pub fn card(c: &CustomerInputs, ctx: &ScoringContext, settings: &Settings) -> Card {
    let cfg = &settings.config;
    let (v, left_out) = visible(c, settings);
    let value_allowed = !left_out.contains(&"value");
    let value = value_allowed.then(|| composite(&v, &ctx.inputs, &ctx.distributions, &cfg.value));
    let percentile = match (&value, &ctx.composite) {
        (Some(val), Some(d)) => Some(d.percentile(val.composite)),
        _ => None,
    };
    let (tier, tier_reason) = if c.is_lead {
        (
            cfg.tiers.lead_tier.clone(),
            "no purchase yet: a lead".to_owned(),
        )
    } else if let Some(p) = percentile {
        ctx.tiers.tier(p)
    } else {
        let default = cfg
            .tiers
            .levels
            .iter()
            .find(|t| t.name == "Standard")
            .or(cfg.tiers.levels.get(cfg.tiers.levels.len() / 2))
            .map_or("Standard".to_owned(), |t| t.name.clone());
        let why = if value_allowed {
            "no value inputs known: default tier"
        } else {
            "no profiling consent: default tier"
        };
        (default, why.to_owned())
    };
    let churn_risk = v.churn.as_ref().filter(|_| !c.is_lead).map(|ch| ch.risk);
    let valuable = !c.is_lead && percentile.is_some() && cfg.status.valuable_tiers.contains(&tier);
    // A valuable customer stays watched while their value falls: the previous run's tier counts.
    let was_valuable = !c.is_lead
        && value_allowed
        && c.previous_tier
            .as_ref()
            .is_some_and(|t| cfg.status.valuable_tiers.contains(t));
    let (status, status_reason) = if c.is_lead {
        ("Lead".to_owned(), "no purchase yet".to_owned())
    } else {
        tier::status(&tier, ctx.tiers.top(), churn_risk, &cfg.status)
    };
    let revenue_percentile = (value_allowed && !c.is_lead)
        .then(|| {
            ctx.distributions
                .get("revenue")
                .map(|d| d.percentile(c.revenue))
        })
        .flatten();
    let alarm_hits = alarms(
        &v,
        AlarmContext {
            valuable: valuable || was_valuable,
            churn_risk,
            revenue_percentile,
            settings: &cfg.alarms,
            contracts: &cfg.contracts,
        },
    );
    // The contracts' part of the CLV (12 months, as BTYD's), as `[clv] contracts` counts it.
    let contract_clv = v
        .contract
        .as_ref()
        .and_then(|c| c.value_12m)
        .filter(|_| cfg.clv.contracts != patron_core::config::ContractValue::Off);
    let next_purchase = match (v.last_order, v.mean_gap_days, settings.allowed(c, "clv")) {
        (Some(last), Some(gap), true) => Some(Timestamp::from_secs(
            last.secs() + (gap * 86_400.0).round() as i64,
        )),
        _ => None,
    };
    let mut out = Card {
        customer_id: c.customer_id.clone(),
        as_of: ctx.as_of,
        lead: c.is_lead,
        profiling: c.profiling_allowed,
        marketing: c.marketing_allowed,
        purposes: c.purposes.clone(),
        consent_note: (!left_out.is_empty()).then(|| {
            format!(
                "no profiling consent: {} not computed (allowed without consent: {})",
                left_out.join(", "),
                if cfg.consent.allowed_without_consent.is_empty() {
                    "nothing".to_owned()
                } else {
                    cfg.consent.allowed_without_consent.join(", ")
                }
            )
        }),
        value_score: percentile.map(|p| (p * 1000.0).round() / 10.0),
        value,
        service: cfg.service.get(&tier).cloned(),
        portfolio: (!c.is_lead)
            .then(|| tier::portfolio(valuable, churn_risk, &cfg.status))
            .flatten(),
        tier,
        tier_reason,
        status,
        status_reason,
        churn_risk,
        churn_source: v.churn.as_ref().map(|ch| ch.source.clone()),
        churn_reasons: v
            .churn
            .as_ref()
            .map(|ch| ch.reasons.clone())
            .unwrap_or_default(),
        clv: v.clv,
        clv_note: clv_note(&v, ctx, cfg, contract_clv),
        p_alive: v.p_alive,
        expected_purchases: v.expected_purchases,
        potential: v.potential,
        revenue: Some(c.revenue),
        margin: settings.allowed(c, "margin").then_some(c.margin),
        orders: c.orders,
        days_since_last_order: c.days_since_last_order,
        rfm_segment: v.rfm_segment.clone(),
        abc: v.abc.clone(),
        stage: if v.stages.is_empty() {
            None
        } else {
            v.stage.clone()
        },
        stages: v.stages.to_map(),
        scores: v.scores.to_map(),
        payment_risk: v.payment.as_ref().map(|p| p.probability),
        payment_band: v.payment.as_ref().map(|p| p.band.clone()),
        payment_evidence: v
            .payment
            .as_ref()
            .map(|p| p.evidence.clone())
            .unwrap_or_default(),
        alarms: alarm_hits,
        // An offer is advertising: it needs marketing consent as well.
        offer: v.offer.clone().filter(|_| c.marketing_allowed),
        action: None,
        action_rule: None,
        next_purchase,
        reminders: v.reminders.clone(),
        contract: v.contract.clone(),
        overrides: Vec::new(),
    };
    // Human decisions first, so the decision table sees an overridden tier or status.
    out.apply_overrides(&c.overrides, &cfg.service);
    let action_overridden = out.overrides.iter().any(|o| o.field == "action");
    if !left_out.contains(&"action")
        && !action_overridden
        && let Some((rule, text)) = settings.actions.choose(&out)
    {
        out.action = Some(text);
        out.action_rule = Some(rule.to_owned());
    }
    out
}

/// How a card's CLV comes about: the BTYD purchases, the contracts' payments, or both.
fn clv_note(
    v: &CustomerInputs,
    ctx: &ScoringContext,
    cfg: &patron_core::config::ProjectConfig,
    contract: Option<f64>,
) -> Option<String> {
    let clv = v.clv?;
    let contracts = |value: f64| {
        format!(
            "contracts (sBG): the running contracts' expected payments in the next 12 months, discounted at {:.0} %/year = {value:.2}",
            cfg.contracts.discount_rate * 100.0
        )
    };
    let purchases = match (&ctx.clv_method, v.expected_purchases, v.expected_spend) {
        (Some(method), Some(expected), Some(spend)) => Some((method, expected, spend)),
        _ => None,
    };
    match (purchases, contract) {
        (Some((method, expected, spend)), None) => Some(method.note(expected, spend, clv)),
        (None, Some(value)) => Some(contracts(value)),
        (Some((method, expected, spend)), Some(value))
            if cfg.clv.contracts == patron_core::config::ContractValue::Add =>
        {
            Some(format!(
                "{}; plus {}; CLV {clv:.2}",
                method.note(expected, spend, clv - value),
                contracts(value)
            ))
        }
        (_, Some(value)) => Some(contracts(value)),
        (None, None) => None,
    }
}

/// Every card of a run, in input order, on all threads (the result does not depend on them).
pub fn cards(all: &[CustomerInputs], ctx: &ScoringContext, settings: &Settings) -> Vec<Card> {
    use rayon::prelude::*;
    all.par_iter().map(|c| card(c, ctx, settings)).collect()
}
