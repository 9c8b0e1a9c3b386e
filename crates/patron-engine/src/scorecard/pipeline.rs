//! From facts to card inputs, in two steps that a batch run and a single customer share.
//!
//! 1. [`Snapshot::fit`] fits everything that needs the population (RFM bins, ABC cuts, the CLV
//!    models and the distributions behind "potential", the payment-risk calibrator, the offer
//!    model) into a [`Snapshot`] that a score run stores.
//! 2. [`customer_inputs`] computes the inputs of the customers of any fact set — a million
//!    customers in a batch run, or the one customer loaded alone — from their own facts and the
//!    snapshot. Nothing in it looks at another customer, so a customer's inputs are the same in
//!    both.
//!
//! The card itself is then [`super::card`] of the inputs and the run's [`super::ScoringContext`].

use super::inputs::{ChurnInput, CustomerInputs, PaymentInput, from_facts};
use crate::abc::{AbcCuts, abc, basis_value, population};
use crate::basket::OfferModel;
use crate::clv::ClvError;
use crate::clv::TimeUnit;
use crate::clv::policy::{ClvSnapshot, DEFAULT_CLV_MONTHS, DEFAULT_DISCOUNT_RATE, clv_with_model};
use crate::margin::{MarginCalculator, margins};
use crate::ml::calibration::Calibrator;
use crate::payment_risk::{PaymentRiskSettings, assess, calibrate, evidence};
use crate::predict::Predictor;
use crate::repeat_summary::{LineValue, summary_of};
use crate::rfm::{RfmModel, raw_of, segment_of};
use crate::rules::RuleSet;
use patron_core::Timestamp;
use patron_core::config::ProjectConfig;
use patron_core::facts::Facts;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

/// The snapshot format this code writes and reads.
pub const SNAPSHOT_VERSION: u32 = 1;

/// Support of the itemsets behind next best offers.
const OFFER_MIN_SUPPORT: f64 = 0.01;
/// At most this many rules (by lift) are matched against every customer.
const OFFER_MAX_RULES: usize = 500;
/// Offers need at least this many baskets.
const OFFER_MIN_BASKETS: usize = 100;
/// BTYD models need at least this many buying customers.
const CLV_MIN_BUYERS: usize = 10;
/// Customers scored by the rules at a time: the score table holds every ledger entry, so a
/// million customers are scored in batches and only their scores and levels kept.
const RULE_BATCH: usize = 50_000;

/// The trained churn model a run uses, as the snapshot names it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ChurnModelRef {
    /// Registry id.
    pub id: i64,
    /// What cards say the risk came from (`gbm:churn v3 (model 7)`).
    pub source: String,
}

/// Everything population-level a card needs, frozen by a score run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Snapshot {
    /// [`SNAPSHOT_VERSION`].
    pub version: u32,
    /// The run's `as_of`.
    pub as_of: Timestamp,
    /// RFM bins (absent without buyers).
    pub rfm: Option<RfmModel>,
    /// ABC cut values (absent without buyers).
    pub abc: Option<AbcCuts>,
    /// The CLV fit (absent with fewer than 10 buyers).
    pub clv: Option<ClvSnapshot>,
    /// The payment-risk calibrator, when there were enough default outcomes.
    pub payment_calibrator: Option<Calibrator>,
    /// The offer model (absent with fewer than 100 baskets).
    pub offers: Option<OfferModel>,
    /// The trained churn model, if one was registered as of the run.
    pub churn_model: Option<ChurnModelRef>,
    /// The rule-set version, if the project has rules.
    pub rules_version: Option<String>,
    /// The previous run whose tiers the cards compare with.
    pub previous_run: Option<i64>,
    /// [`Facts::digest`] of the facts the run used: two runs with the same digest, rules
    /// version and models scored the same facts.
    #[serde(default)]
    pub facts_digest: String,
    /// The contract models (sBG per billing period), when the store has contracts.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub contracts: Option<crate::contracts::ContractModel>,
    /// The trained cancellation model, if one was registered as of the run.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cancellation_model: Option<ChurnModelRef>,
}

/// Why the snapshot could not be fitted.
#[derive(Debug, thiserror::Error)]
pub enum PipelineError {
    /// The CLV models failed.
    #[error("CLV: {0}")]
    Clv(#[from] ClvError),
    /// The offer model failed.
    #[error("offers: {0}")]
    Offers(#[from] crate::basket::BasketError),
    /// The churn model failed to predict.
    #[error("churn model: {0}")]
    Churn(#[from] crate::predict::PredictError),
}

impl PipelineError {
    /// The stable error code.
    pub fn code(&self) -> patron_core::code::Code {
        match self {
            PipelineError::Clv(e) => e.code(),
            PipelineError::Offers(e) => e.code(),
            PipelineError::Churn(e) => e.code(),
        }
    }
}

/// What a run records besides its context: which models it fitted and how.
pub type ModelsReport = Value;

/// The context a score run stores, read back through this type.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RunContext {
    /// The population's distributions and tier bounds.
    pub scoring: super::ScoringContext,
    /// The fitted models (absent in runs made before snapshots were stored).
    #[serde(default)]
    pub snapshot: Option<Snapshot>,
    /// A report of the models, for people.
    pub models: ModelsReport,
    /// The rule-set version.
    pub rules_version: Option<String>,
    /// Set when the run reused an earlier run's snapshot and scoring context instead of
    /// fitting its own (a frozen run).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub frozen: Option<Frozen>,
}

/// What a frozen run records: whose models it reused, and which facts it scored (the
/// snapshot's digest is the facts the models were fitted on).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Frozen {
    /// The run whose snapshot and scoring context were reused.
    pub from_run: i64,
    /// [`Facts::digest`] of the facts this run scored.
    pub facts_digest: String,
}

impl Snapshot {
    /// Fits the population-level models on `facts` (a run's whole fact set; events are not
    /// read, so they may already be freed; `facts_digest` is their digest taken before).
    /// Returns the snapshot and a report of the models.
    pub fn fit(
        facts: &Facts,
        facts_digest: String,
        config: &ProjectConfig,
        rules_version: Option<String>,
        churn_model: Option<ChurnModelRef>,
        cancellation_model: Option<ChurnModelRef>,
        previous_run: Option<i64>,
    ) -> Result<(Snapshot, ModelsReport), PipelineError> {
        let rfm = RfmModel::fit(
            &(0..facts.customers.len())
                .filter_map(|c| raw_of(facts, c))
                .collect::<Vec<_>>(),
            &facts.customers.ids,
            &config.rfm,
        )
        // A population whose RFM edges coincide simply has no segments.
        .unwrap_or(None);
        let margin = margins(facts, &config.margin);
        let classes = abc(
            &population(&margin, config.abc.basis),
            config.abc.a,
            config.abc.b,
        );
        let abc_cuts = (!classes.rows.is_empty()).then_some(classes.cuts);
        // CLV that cannot be fitted (a history too short or too uniform) leaves the cards
        // without CLV, saying why, rather than failing the run.
        // BG/BB replaces the timing model after the continuous fit (whose spend model it keeps).
        let bgbb = config.clv.model == "bgbb";
        let timing = if bgbb {
            "auto"
        } else {
            config.clv.model.as_str()
        };
        let fitted = match clv_with_model(facts, CLV_MIN_BUYERS, timing) {
            Ok(fitted) => Ok(fitted),
            Err(e @ (ClvError::FitFailed { .. } | ClvError::Empty(_))) => Err(e.to_string()),
            Err(e) => return Err(e.into()),
        };
        let (clv, clv_report) = match fitted {
            Err(why) => (None, json!({ "skipped": why })),
            Ok(Some((_, input, p))) if bgbb => {
                let continuous =
                    ClvSnapshot::new(&input, &p, DEFAULT_CLV_MONTHS, DEFAULT_DISCOUNT_RATE);
                match continuous.with_bgbb(facts, config.clv.opportunity_days) {
                    Ok((snapshot, fit)) => (
                        Some(snapshot),
                        json!({ "model": "bgbb", "params": fit.params,
                            "opportunity_days": config.clv.opportunity_days,
                            "log_likelihood": fit.log_likelihood, "converged": fit.converged }),
                    ),
                    Err(e @ (ClvError::FitFailed { .. } | ClvError::Empty(_))) => {
                        (None, json!({ "skipped": format!("BG/BB: {e}") }))
                    }
                    Err(e) => return Err(e.into()),
                }
            }
            Ok(Some((_, input, p))) => (
                Some(ClvSnapshot::new(
                    &input,
                    &p,
                    DEFAULT_CLV_MONTHS,
                    DEFAULT_DISCOUNT_RATE,
                )),
                json!({ "model": p.fit.model, "params": p.fit.params, "selection": p.selection }),
            ),
            Ok(None) => (
                None,
                json!({ "skipped": format!("fewer than {CLV_MIN_BUYERS} buying customers") }),
            ),
        };
        let payment = calibrate(facts, &PaymentRiskSettings::default());
        let offers = OfferModel::fit(facts, OFFER_MIN_SUPPORT, OFFER_MAX_RULES, OFFER_MIN_BASKETS)?;
        let offers_report = match &offers {
            Some(m) => json!({ "min_support": m.min_support, "rules": m.rules.len() }),
            None => json!({ "skipped": format!("fewer than {OFFER_MIN_BASKETS} baskets") }),
        };
        let churn_report = match &churn_model {
            Some(m) => json!({ "source": m.source, "model": m.id,
                "definition": "the trained model's probability for customers who bought in its active window; 1 − P(alive) (BTYD) for the others" }),
            None => json!({ "source": clv.as_ref().map(|c| format!("btyd:{}", c.model)),
                "definition": "1 − P(alive): the probability that the customer has already lapsed (BTYD), used until a churn model is trained" }),
        };
        let contracts = crate::contracts::ContractModel::fit(facts);
        let report = json!({
            "contracts": contracts.as_ref().map(|m| json!({ "models": m.periods, "skipped": m.skipped,
                "cancellation": cancellation_model.as_ref().map_or_else(
                    || "sBG: 1 − the retention rate at the contract's tenure, at its next renewal".to_owned(),
                    |m| format!("{} (trained; sBG where it has no prediction)", m.source)) })),
            "clv": clv_report,
            "churn": churn_report,
            "payment_risk": { "calibrated": payment.calibrated, "note": payment.note },
            "offers": offers_report,
        });
        Ok((
            Snapshot {
                version: SNAPSHOT_VERSION,
                as_of: facts.as_of,
                rfm,
                abc: abc_cuts,
                clv,
                payment_calibrator: payment.calibrator,
                offers,
                churn_model,
                rules_version,
                previous_run,
                facts_digest,
                contracts,
                cancellation_model,
            },
            report,
        ))
    }

    /// How CLV is computed, for each card's CLV note.
    pub fn clv_method(&self) -> Option<super::ClvMethod> {
        self.clv.as_ref().map(|c| super::ClvMethod {
            model: c.model.clone(),
            horizon: match c.opportunity_days {
                Some(days) => format!("the next year (opportunities of {days} days)"),
                None => "the next 52 weeks".into(),
            },
            discounting: format!(
                "{} months discounted at {:.0} %/year",
                c.months,
                c.discount_rate * 100.0
            ),
        })
    }
}

/// What the inputs are computed with besides the facts and the snapshot.
pub struct Models<'a> {
    /// The project's settings.
    pub config: &'a ProjectConfig,
    /// The compiled rules, if any.
    pub rules: Option<&'a RuleSet>,
    /// The trained churn model and how cards name it.
    pub churn: Option<(&'a Predictor, &'a ChurnModelRef)>,
    /// The trained cancellation model and how cards name it.
    pub cancellation: Option<(&'a Predictor, &'a ChurnModelRef)>,
}

/// The rule-derived and fact-derived inputs of every customer of `facts`, computed first
/// because they read the events; the caller may free the events afterwards.
pub struct EventInputs {
    rows: Vec<CustomerInputs>,
    model_churn: Vec<Option<ChurnInput>>,
    model_cancellation: Vec<Option<ChurnInput>>,
}

/// Step one of [`customer_inputs`]: everything that reads events (fact-derived inputs, the
/// trained churn model's features, the rules). `previous_tier` gives a customer's tier in the
/// previous run. `part` is called as each part ends.
pub fn event_inputs(
    facts: &Facts,
    models: &Models<'_>,
    previous_tier: &mut dyn FnMut(&str) -> Option<String>,
    part: &mut dyn FnMut(&'static str),
) -> Result<EventInputs, PipelineError> {
    let config = models.config;
    let mut rows = from_facts(facts, &config.value, &config.consent, &config.reminders);
    for row in &mut rows {
        row.previous_tier = previous_tier(row.customer_id.as_str());
    }
    part("facts");
    let model_churn = match models.churn {
        Some((predictor, reference)) => model_churn(facts, predictor, reference, &rows)?,
        None => vec![None; rows.len()],
    };
    let model_cancellation = match models.cancellation {
        Some((predictor, reference)) => model_cancellation(facts, predictor, reference)?,
        None => vec![None; rows.len()],
    };
    part("churn");
    if let Some(rules) = models.rules {
        add_rules(facts, rules, &mut rows);
    }
    part("rules");
    Ok(EventInputs {
        rows,
        model_churn,
        model_cancellation,
    })
}

/// Step two of [`customer_inputs`]: margin, ABC, RFM, CLV and BTYD churn, payment risk and the
/// offer of each customer, from their own facts and the snapshot. Reads no events.
pub fn snapshot_inputs(
    facts: &Facts,
    snapshot: &Snapshot,
    config: &ProjectConfig,
    event_inputs: EventInputs,
    part: &mut dyn FnMut(&'static str),
) -> Result<Vec<CustomerInputs>, PipelineError> {
    use rayon::prelude::*;
    let EventInputs {
        mut rows,
        model_churn,
        model_cancellation,
    } = event_inputs;
    let calculator = MarginCalculator::new(facts, &config.margin);
    let clv = snapshot.clv.as_ref().map(ClvSnapshot::models).transpose()?;
    let offers = snapshot.offers.as_ref().map(|m| m.matcher(facts));
    let payment = PaymentRiskSettings::default();
    let end_day = facts.as_of.day_number() - 1;
    rows.par_iter_mut()
        .zip(model_churn.into_par_iter())
        .zip(model_cancellation.into_par_iter())
        .enumerate()
        .for_each_init(
            || (Vec::new(), Vec::new()),
            |(seen, days), (c, ((row, trained), cancellation))| {
                if let Some(m) = calculator.row(c, seen) {
                    row.revenue = m.revenue.to_f64();
                    row.margin = m.margin.to_f64();
                    if let Some(cuts) = &snapshot.abc
                        && (m.orders > 0 || m.returns > 0)
                    {
                        let class = cuts.class(basis_value(&m, config.abc.basis));
                        row.abc = Some(format!("{class:?}"));
                    }
                }
                if let (Some(model), Some(raw)) = (&snapshot.rfm, raw_of(facts, c)) {
                    let (r, f, m) = model.score(&raw, row.customer_id.as_str());
                    row.rfm_segment = segment_of(&config.rfm, r, f, m)
                        .map(|s| config.rfm.segments[s].name.clone());
                }
                if let (Some(models), Some(s)) = (
                    &clv,
                    summary_of(
                        facts,
                        c,
                        i64::MIN,
                        end_day,
                        TimeUnit::Week.days(),
                        LineValue::Revenue,
                        days,
                    ),
                ) {
                    let v = models.value_of(&s, days, end_day);
                    row.clv = v.clv;
                    row.expected_spend = v.expected_spend;
                    row.p_alive = Some(v.p_alive);
                    row.expected_purchases = Some(v.expected_purchases);
                    row.potential = v.potential;
                    row.churn = Some(ChurnInput {
                        risk: (1.0 - v.p_alive).clamp(0.0, 1.0),
                        source: format!("btyd:{}", models_name(snapshot)),
                        reasons: btyd_reasons(row, v.p_alive, s.x),
                    });
                }
                if let Some(trained) = trained {
                    row.churn = Some(trained);
                }
                row.contract = crate::contracts::section(
                    facts.contracts.of_or_empty(c),
                    facts.as_of,
                    snapshot.contracts.as_ref(),
                    &config.contracts,
                    cancellation.as_ref(),
                );
                if let Some(year) = row.contract.as_ref().and_then(|k| k.value_12m) {
                    use patron_core::config::ContractValue;
                    row.clv = match config.clv.contracts {
                        ContractValue::Add => Some(row.clv.unwrap_or(0.0) + year),
                        ContractValue::Instead => Some(year),
                        ContractValue::Off => row.clv,
                    };
                }
                if row.orders == 0
                    && let Some(contract) = &row.contract
                    && let Some(risk) = contract.cancellation_risk
                {
                    // A subscriber without purchases: the contract, not BTYD, says whether
                    // they stay.
                    row.churn = Some(ChurnInput {
                        risk,
                        source: "sbg:contracts".into(),
                        reasons: contract.explanation.iter().take(3).cloned().collect(),
                    });
                    row.p_alive = None;
                }
                row.payment = payment_input(facts, c, &payment, snapshot);
                if let Some(offers) = &offers {
                    row.offer = offers.best(c).map(|(name, _)| name);
                }
            },
        );
    part("customers");
    Ok(rows)
}

/// The inputs of every customer of `facts` against `snapshot`: [`event_inputs`] then
/// [`snapshot_inputs`]. A score run calls the two steps itself to free the events between
/// them; scoring one customer calls this.
pub fn customer_inputs(
    facts: &Facts,
    snapshot: &Snapshot,
    models: &Models<'_>,
    previous_tier: &mut dyn FnMut(&str) -> Option<String>,
) -> Result<Vec<CustomerInputs>, PipelineError> {
    let events = event_inputs(facts, models, previous_tier, &mut |_| {})?;
    snapshot_inputs(facts, snapshot, models.config, events, &mut |_| {})
}

fn models_name(snapshot: &Snapshot) -> &str {
    snapshot.clv.as_ref().map_or("", |c| c.model.as_str())
}

fn btyd_reasons(row: &CustomerInputs, alive: f64, repeat: f64) -> Vec<String> {
    let mut out = Vec::new();
    if let (Some(since), Some(gap)) = (row.days_since_last_order, row.mean_gap_days) {
        if since > gap {
            out.push(format!(
                "no purchase for {since:.0} days (usually every {gap:.0})"
            ));
        } else {
            out.push(format!(
                "last purchase {since:.0} days ago, within the usual {gap:.0}-day rhythm"
            ));
        }
    } else if let Some(since) = row.days_since_last_order {
        out.push(format!("one purchase so far, {since:.0} days ago"));
    }
    out.push(format!(
        "probability of still being an active customer {:.0} %",
        alive * 100.0
    ));
    out.push(format!(
        "{repeat:.0} repeat purchase(s) in {:.0} days as a customer",
        row.tenure_days
    ));
    out
}

fn add_rules(facts: &Facts, rules: &RuleSet, inputs: &mut [CustomerInputs]) {
    let names = rules.score_names();
    let stages = rules.stage_names();
    let threads = crate::rules::default_threads();
    for start in (0..inputs.len()).step_by(RULE_BATCH) {
        let end = (start + RULE_BATCH).min(inputs.len());
        let table = rules.score_customers(facts, start..end, facts.as_of, threads);
        for (i, row) in inputs[start..end].iter_mut().enumerate() {
            for (s, name) in names.iter().enumerate() {
                row.scores
                    .insert((*name).to_owned(), table.value(i, s).to_f64());
            }
            for (s, name) in stages.iter().enumerate() {
                if let Some(level) = table.level(i, s) {
                    let level = rules.level_name(s, level).to_owned();
                    if s == 0 {
                        row.stage = Some(level.clone());
                    }
                    row.stages.insert((*name).to_owned(), level);
                }
            }
            row.triggers = table
                .outbox(i)
                .iter()
                .map(|entry| rules.outbox_message(facts, entry))
                .collect();
        }
    }
}

/// Payment risk from the customer's invoices, with its evidence in words.
fn payment_input(
    facts: &Facts,
    c: usize,
    settings: &PaymentRiskSettings,
    snapshot: &Snapshot,
) -> Option<PaymentInput> {
    let e = evidence(
        facts.invoices.of_or_empty(c),
        facts.as_of,
        settings.trend_days,
    )?;
    let r = assess(c as u32, e, settings, snapshot.payment_calibrator.as_ref());
    let e = &r.evidence;
    let mut evidence = Vec::new();
    if e.paid > 0 {
        evidence.push(format!(
            "{} of {} paid invoices paid late{}",
            e.paid_late,
            e.paid,
            e.mean_days_late.map_or(String::new(), |m| format!(
                " (mean {m:.0} days, max {} days)",
                e.max_days_late.unwrap_or(0)
            ))
        ));
    }
    if e.open_overdue_count > 0 {
        evidence.push(format!(
            "{} open overdue invoice(s), {:.2} in total, oldest {} days past due",
            e.open_overdue_count,
            e.open_overdue_amount.to_f64(),
            e.max_days_overdue
        ));
    }
    if let (Some(recent), Some(earlier)) = (e.recent_late_share, e.earlier_late_share) {
        evidence.push(format!(
            "late share {:.0} % lately vs {:.0} % before",
            recent * 100.0,
            earlier * 100.0
        ));
    }
    Some(PaymentInput {
        probability: r.probability,
        band: r.band.as_str().to_owned(),
        evidence,
    })
}

/// A trained model's prediction for every customer of `facts` as of its `as_of`, with three
/// reasons each (path contributions: a card needs them fast), in fact-set order.
fn predict_everyone(
    facts: &Facts,
    predictor: &Predictor,
) -> Result<Vec<crate::predict::Prediction>, PipelineError> {
    use crate::predict::{Explain, PredictOptions};
    let table = predictor.feature_table(facts, facts.as_of);
    Ok(predictor.predict_with(
        &table,
        &PredictOptions {
            top: 3,
            explain: Explain::Path,
        },
    )?)
}

/// The trained cancellation model's probability for every customer with a running contract,
/// in fact-set order; `None` for the others.
fn model_cancellation(
    facts: &Facts,
    predictor: &Predictor,
    reference: &ChurnModelRef,
) -> Result<Vec<Option<ChurnInput>>, PipelineError> {
    let t = facts.as_of.secs();
    Ok(predict_everyone(facts, predictor)?
        .into_iter()
        .enumerate()
        .map(|(c, p)| {
            let running = facts
                .contracts
                .of_or_empty(c)
                .iter()
                .any(|k| crate::contracts::running_at(k, t));
            running.then(|| ChurnInput {
                risk: p.probability,
                source: format!(
                    "{} within {} days",
                    reference.source, predictor.horizon_days
                ),
                reasons: p.reasons.into_iter().map(|r| r.text).collect(),
            })
        })
        .collect())
}

/// The trained churn model's risk for the customers it was trained on (a purchase within its
/// active window), in fact-set order; `None` for the others, who keep the BTYD risk.
fn model_churn(
    facts: &Facts,
    predictor: &Predictor,
    reference: &ChurnModelRef,
    rows: &[CustomerInputs],
) -> Result<Vec<Option<ChurnInput>>, PipelineError> {
    use crate::predict::labels::ACTIVE_DAYS;
    Ok(rows
        .iter()
        .zip(predict_everyone(facts, predictor)?)
        .map(|(row, p)| {
            debug_assert_eq!(row.customer_id, p.customer_id);
            let active = row
                .days_since_last_order
                .is_some_and(|d| d < ACTIVE_DAYS as f64);
            active.then(|| ChurnInput {
                risk: p.probability,
                source: reference.source.clone(),
                reasons: p.reasons.into_iter().map(|r| r.text).collect(),
            })
        })
        .collect())
}
