//! Gathers a score card's inputs from the other engines: margin, RFM, ABC, CLV (BTYD), churn
//! risk, rule scores and stages. Glue only: every number is computed by `patron-engine`.

use crate::commands::clv::default_clv;
use anyhow::Result;
use patron_core::config::ProjectConfig;
use patron_core::facts::Facts;
use patron_engine::abc::abc;
use patron_engine::margin::margins;
use patron_engine::rules::RuleSet;
use patron_engine::scorecard::{ChurnInput, ClvMethod, CustomerInputs, PaymentInput, from_facts};
use serde_json::{Value, json};

/// Everyone's inputs and what produced them.
pub struct Gathered {
    /// One row per customer of the fact set, in its order.
    pub inputs: Vec<CustomerInputs>,
    /// Rule score names, in rule-set order.
    pub score_names: Vec<String>,
    /// The rule-set version, if the project has rules.
    pub rules_version: Option<String>,
    /// The models used (JSON for the run's context).
    pub models: Value,
    /// Seconds per part, in the order they ran.
    pub seconds: Vec<(&'static str, f64)>,
    /// How CLV was computed (for the run's context).
    pub clv_method: Option<ClvMethod>,
}

/// The parts of [`gather`], each a step of its progress bar.
pub const PARTS: u64 = 7;

/// Times the parts of a computation and shows them on a progress bar.
struct Stopwatch<'a> {
    last: std::time::Instant,
    laps: Vec<(&'static str, f64)>,
    bar: &'a indicatif::ProgressBar,
}

impl<'a> Stopwatch<'a> {
    fn start(bar: &'a indicatif::ProgressBar, first: &str) -> Self {
        bar.set_message(first.to_owned());
        Stopwatch {
            last: std::time::Instant::now(),
            laps: Vec::new(),
            bar,
        }
    }

    /// Ends the part `name`, which began where the previous one ended; `next` starts.
    fn lap(&mut self, name: &'static str, next: &str) {
        let now = std::time::Instant::now();
        self.laps.push((name, (now - self.last).as_secs_f64()));
        self.last = now;
        self.bar.inc(1);
        self.bar.set_message(next.to_owned());
    }
}

/// Computes every customer's inputs as of the fact set's `as_of`. The fact set is consumed:
/// the events (the largest table) are freed as soon as the rules and the churn model's
/// features have read them, and everything else when the inputs are complete.
pub fn gather(
    mut facts: Facts,
    config: &ProjectConfig,
    rules: Option<&RuleSet>,
    mut previous_tiers: std::collections::HashMap<String, String>,
    churn_model: Option<&ChurnModel>,
    bar: &indicatif::ProgressBar,
) -> Result<Gathered> {
    let mut watch = Stopwatch::start(bar, "customers");
    let mut inputs = from_facts(&facts, &config.value, &config.consent, &config.reminders);
    for row in &mut inputs {
        row.previous_tier = previous_tiers.remove(&row.customer_id);
    }
    drop(previous_tiers);
    watch.lap("inputs.facts", "churn model");
    let model_churn = match churn_model {
        Some(model) => Some(model_churn(&facts, model)?),
        None => None,
    };
    watch.lap("inputs.churn", "rules");
    let (score_names, rules_version) = match rules {
        Some(rules) => {
            add_rules(&facts, rules, &mut inputs);
            (
                rules
                    .score_names()
                    .iter()
                    .map(|s| (*s).to_owned())
                    .collect(),
                Some(rules.version().to_owned()),
            )
        }
        None => (Vec::new(), None),
    };
    watch.lap("inputs.rules", "margin, ABC, RFM");
    // Nothing below reads events.
    facts.events = patron_core::facts::EventColumns {
        offsets: vec![0; facts.customers.len() + 1],
        ..Default::default()
    };
    add_margin_and_classes(&facts, config, &mut inputs)?;
    watch.lap("inputs.margin_abc_rfm", "CLV");
    let (clv_model, clv_method) = add_clv_and_churn(&facts, &mut inputs)?;
    watch.lap("inputs.clv", "payment risk");
    let churn = match (churn_model, model_churn) {
        (Some(model), Some(predictions)) => apply_model_churn(model, predictions, &mut inputs),
        _ => clv_model.get("churn").cloned().unwrap_or(Value::Null),
    };
    let payment = add_payment_risk(&facts, &mut inputs);
    watch.lap("inputs.payment_risk", "offers");
    let offers = add_offers(&facts, &mut inputs)?;
    watch.lap("inputs.offers", "");
    Ok(Gathered {
        inputs,
        score_names,
        rules_version,
        models: json!({
            "clv": clv_model,
            "churn": churn,
            "payment_risk": payment,
            "offers": offers,
        }),
        seconds: watch.laps,
        clv_method,
    })
}

fn add_margin_and_classes(
    facts: &Facts,
    config: &ProjectConfig,
    inputs: &mut [CustomerInputs],
) -> Result<()> {
    let margin = margins(facts, &config.margin);
    for r in &margin.rows {
        let row = &mut inputs[r.customer as usize];
        row.revenue = r.revenue.to_f64();
        row.margin = r.margin.to_f64();
    }
    let basis: Vec<(u32, f64)> = margin
        .rows
        .iter()
        .filter(|r| r.orders > 0)
        .map(|r| {
            let v = match config.abc.basis {
                patron_core::config::AbcBasis::Margin => r.margin.to_f64(),
                _ => r.revenue.to_f64(),
            };
            (r.customer, v)
        })
        .collect();
    let classes = abc(&basis, config.abc.a, config.abc.b);
    for r in &classes.rows {
        inputs[r.customer as usize].abc = Some(format!("{:?}", r.class));
    }
    // RFM needs purchases; a project without any simply has no segments.
    if let Ok(rfm) = patron_engine::rfm::rfm(facts, &config.rfm) {
        for r in &rfm.rows {
            inputs[r.customer as usize].rfm_segment =
                r.segment.map(|s| rfm.segments[s].segment.clone());
        }
    }
    Ok(())
}

/// BTYD: CLV, P(alive), expected purchases, potential, and — until a trained churn model is
/// registered — the churn risk as 1 − P(alive), the probability of having lapsed already.
fn add_clv_and_churn(
    facts: &Facts,
    inputs: &mut [CustomerInputs],
) -> Result<(Value, Option<ClvMethod>)> {
    let Some((summary, input, p)) = default_clv(facts, 10)? else {
        return Ok((json!({ "skipped": "fewer than 10 buying customers" }), None));
    };
    use crate::commands::clv::{DEFAULT_CLV_MONTHS, DEFAULT_DISCOUNT_RATE};
    let method = ClvMethod {
        model: p.fit.model.to_owned(),
        horizon: "the next 52 weeks".into(),
        discounting: format!(
            "{DEFAULT_CLV_MONTHS} months discounted at {:.0} %/year",
            DEFAULT_DISCOUNT_RATE * 100.0
        ),
    };
    let source = format!("btyd:{}", p.fit.model);
    for (i, &c) in summary.customer.iter().enumerate() {
        let row = &mut inputs[c as usize];
        row.clv = p.clv.as_ref().map(|v| v[i]);
        row.expected_spend = p.expected_spend.as_ref().map(|s| s[i]);
        row.p_alive = Some(p.p_alive[i]);
        row.expected_purchases = Some(p.expected[i]);
        row.potential = p.potential.as_ref().map(|v| v[i]);
        let alive = p.p_alive[i];
        row.churn = Some(ChurnInput {
            risk: (1.0 - alive).clamp(0.0, 1.0),
            source: source.clone(),
            reasons: btyd_reasons(row, alive, input.data.x[i]),
        });
    }
    Ok((
        json!({
            "model": p.fit.model,
            "params": p.fit.params,
            "selection": p.selection,
            "churn": { "source": source,
                       "definition": "1 − P(alive): the probability that the customer has already lapsed (BTYD), used until a churn model is trained" },
        }),
        Some(method),
    ))
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

/// Customers scored by the rules at a time: the score table holds every ledger entry, so a
/// million customers are scored in batches and only their scores and levels kept.
const RULE_BATCH: usize = 50_000;

fn add_rules(facts: &Facts, rules: &RuleSet, inputs: &mut [CustomerInputs]) {
    let names = rules.score_names();
    let stages = rules.stage_names();
    let threads = patron_engine::rules::default_threads();
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
        }
    }
}

/// Payment risk from invoices, with its evidence in words.
fn add_payment_risk(facts: &Facts, inputs: &mut [CustomerInputs]) -> Value {
    use patron_engine::payment_risk::{PaymentRiskSettings, payment_risk};
    let result = payment_risk(facts, &PaymentRiskSettings::default());
    for r in &result.rows {
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
        inputs[r.customer as usize].payment = Some(PaymentInput {
            probability: r.probability,
            band: r.band.as_str().to_owned(),
            evidence,
        });
    }
    json!({ "calibrated": result.calibration.calibrated, "note": result.calibration.note, "customers": result.rows.len() })
}

/// Support of the itemsets behind next best offers.
const OFFER_MIN_SUPPORT: f64 = 0.01;
/// At most this many rules (by lift) are matched against every customer.
const OFFER_MAX_RULES: usize = 500;

/// The next best offer of every customer: association rules over SKUs (lift > 1), ranked by
/// confidence × margin and the product's observed acceptance, nothing bought or recently declined.
fn add_offers(facts: &Facts, inputs: &mut [CustomerInputs]) -> Result<Value> {
    use patron_engine::basket::{
        BasketOptions, Baskets, FeedbackSettings, ItemLevel, LabelMap, NON_PRODUCT_CODES,
        OfferFeedback, RuleSettings, association_rules, best_offers, fpgrowth, unit_margins,
    };
    let options = BasketOptions {
        level: ItemLevel::Sku,
        exclude: NON_PRODUCT_CODES.iter().map(|c| (*c).to_owned()).collect(),
    };
    let baskets = Baskets::from_facts(facts, &options);
    if baskets.len() < 100 {
        return Ok(json!({ "skipped": "fewer than 100 baskets" }));
    }
    let frequent = fpgrowth(&baskets, OFFER_MIN_SUPPORT, Some(3))?;
    let mut rules = association_rules(
        &frequent,
        &RuleSettings {
            min_lift: 1.0,
            min_confidence: 0.0,
        },
    )?;
    rules.truncate(OFFER_MAX_RULES);
    let margins = unit_margins(facts, &baskets, ItemLevel::Sku);
    let labels = LabelMap::new(facts, &baskets, ItemLevel::Sku);
    let feedback = OfferFeedback::from_facts(facts, &labels);
    let offers = best_offers(
        facts,
        &baskets,
        ItemLevel::Sku,
        &rules,
        &margins,
        Some((&feedback, &labels, FeedbackSettings::default())),
    );
    let mut offered = 0;
    for (row, offer) in inputs.iter_mut().zip(offers) {
        if let Some(o) = offer {
            row.offer = Some(baskets.name(o.item).to_owned());
            offered += 1;
        }
    }
    Ok(
        json!({ "min_support": OFFER_MIN_SUPPORT, "rules": rules.len(), "customers_with_offer": offered }),
    )
}

/// A registered churn model and what the registry knows of it.
pub struct ChurnModel {
    /// Registry entry.
    pub info: patron_store::ModelInfo,
    /// The model.
    pub predictor: patron_engine::predict::Predictor,
}

/// The newest churn model trained as of `as_of` or earlier (a model trained later has seen
/// what happened after `as_of`), if any.
pub async fn churn_model(
    store: &dyn patron_store::Store,
    as_of: patron_core::Timestamp,
) -> Result<Option<ChurnModel>> {
    let infos = store.models(Some("churn")).await?;
    let Some(best) = infos
        .iter()
        .filter(|m| m.as_of <= as_of)
        .max_by_key(|m| (m.as_of, m.id))
    else {
        return Ok(None);
    };
    let Some(stored) = store.model(best.id).await? else {
        return Ok(None);
    };
    let predictor = patron_engine::predict::Predictor::from_json(&stored.model)
        .map_err(|e| anyhow::anyhow!("churn model {}: {e}", stored.info.id))?;
    Ok(Some(ChurnModel {
        info: stored.info,
        predictor,
    }))
}

/// The trained churn model's prediction of every customer of the fact set, in its order.
fn model_churn(
    facts: &Facts,
    model: &ChurnModel,
) -> Result<Vec<patron_engine::predict::Prediction>> {
    use patron_engine::predict::{Explain, PredictOptions};
    let table = model.predictor.feature_table(facts, facts.as_of);
    model
        .predictor
        .predict_with(
            &table,
            &PredictOptions {
                top: 3,
                explain: Explain::Path,
            },
        )
        .map_err(|e| anyhow::anyhow!("churn model {}: {e}", model.info.id))
}

/// Churn risk from the trained model for the customers it was trained on (a purchase within
/// its active window); the others keep the BTYD risk, and each card names its source.
fn apply_model_churn(
    model: &ChurnModel,
    predictions: Vec<patron_engine::predict::Prediction>,
    inputs: &mut [CustomerInputs],
) -> Value {
    use patron_engine::predict::labels::ACTIVE_DAYS;
    let source = format!(
        "gbm:churn v{} (model {})",
        model.info.version, model.info.id
    );
    let mut by_model = 0u64;
    for (row, p) in inputs.iter_mut().zip(predictions) {
        debug_assert_eq!(row.customer_id, p.customer_id.as_str());
        let active = row
            .days_since_last_order
            .is_some_and(|d| d < ACTIVE_DAYS as f64);
        if !active {
            continue;
        }
        by_model += 1;
        row.churn = Some(ChurnInput {
            risk: p.probability,
            source: source.clone(),
            reasons: p.reasons.into_iter().map(|r| r.text).collect(),
        });
    }
    json!({
        "source": source,
        "model": model.info,
        "customers": by_model,
        "definition": format!(
            "probability of no purchase within {} days (trained model) for customers who bought in the last {ACTIVE_DAYS} days; 1 − P(alive) (BTYD) for the others",
            model.predictor.horizon_days
        ),
    })
}
