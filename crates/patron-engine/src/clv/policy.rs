//! How Patron values customers by default: which timing model (chosen by holdout error), the
//! Gamma-Gamma spend model, a discounted 12-month CLV and "potential". `patron clv`, the demo
//! and every score card call these functions; [`ClvSnapshot`] freezes a fit so that one
//! customer is valued alone exactly as the batch valued them.

use super::backtest::holdout_errors;
use super::{
    AliveModel, BgBb, BgNbd, ClvError, DiscountSchedule, FitResult, FrequencyData, GammaGamma,
    MBgNbd, ModelKind, ParetoNbd, SpendData, TimeUnit, TimingModel, discounted_clv_batch,
};
use crate::repeat_summary::{RepeatSummary, SummaryRow, holdout_purchases, repeat_summary};
use crate::scorecard::Distribution;
use patron_core::Timestamp;
use patron_core::facts::Facts;
use patron_core::time::DAY;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

/// Months of the CLV the demo and the score card use.
pub const DEFAULT_CLV_MONTHS: u32 = 12;
/// Annual discount rate of that CLV.
pub const DEFAULT_DISCOUNT_RATE: f64 = 0.10;

/// A calibration/holdout split of store data, for choosing a model by holdout error.
pub struct Holdout {
    /// Summary of the calibration period.
    pub calibration: FrequencyData,
    /// Actual repeat purchases in the holdout, per calibration customer.
    pub actual: Vec<f64>,
    /// Holdout length in model units.
    pub length: f64,
}

/// What the CLV computations work on.
pub struct ClvInput {
    /// Customer ids, one per row.
    pub ids: Vec<String>,
    /// x, t_x, T (and weights).
    pub data: FrequencyData,
    /// Mean repeat spend, when known.
    pub zbar: Option<Vec<f64>>,
    /// Revenue so far, when known (for "potential").
    pub value: Option<Vec<f64>>,
    /// The time unit of the data.
    pub unit: TimeUnit,
    /// For `auto` on store data.
    pub holdout: Option<Holdout>,
    /// Where the data came from, for messages.
    pub origin: String,
}

/// The frequency columns of a summary.
pub fn frequency_data(s: &RepeatSummary) -> Result<FrequencyData, ClvError> {
    FrequencyData::unweighted(s.x.clone(), s.t_x.clone(), s.t.clone())
}

/// Builds the input from a fact set summarised up to `end_day` from `start_day` (day numbers;
/// `i64::MIN` for all history) in `unit`; with `auto`, also the calibration/holdout split used
/// to choose the model (`holdout_days`, default a quarter of the history, at least 28 days).
pub fn input_from_facts(
    facts: &Facts,
    s: &RepeatSummary,
    start_day: i64,
    end_day: i64,
    unit: TimeUnit,
    holdout_days: Option<i64>,
    auto: bool,
) -> Result<ClvInput, ClvError> {
    if s.is_empty() {
        return Err(ClvError::Empty("no customer has a purchase in the window"));
    }
    let holdout = if auto {
        Some(holdout_split(
            facts,
            s,
            start_day,
            end_day,
            unit,
            holdout_days,
        )?)
    } else {
        None
    };
    let ids = s
        .customer
        .iter()
        .map(|&c| facts.customers.ids[c as usize].to_string())
        .collect();
    let value = (0..s.len()).map(|i| s.row(i).value()).collect();
    let end = Timestamp::from_secs(end_day * DAY).date();
    Ok(ClvInput {
        ids,
        data: frequency_data(s)?,
        zbar: Some(s.mean_repeat_spend.clone()),
        value: Some(value),
        unit,
        holdout,
        origin: format!("the store, purchases up to {end}"),
    })
}

/// Splits the window's last days off as a holdout for model choice.
fn holdout_split(
    facts: &Facts,
    full: &RepeatSummary,
    start_day: i64,
    end_day: i64,
    unit: TimeUnit,
    days: Option<i64>,
) -> Result<Holdout, ClvError> {
    let first = full.first_day.iter().copied().min().unwrap_or(end_day);
    let days = days.unwrap_or(((end_day - first) / 4).max(28));
    let cal_end = end_day - days;
    if cal_end <= first {
        return Err(ClvError::InvalidArgument {
            name: "holdout_days",
            value: days as f64,
            reason: "the history is too short to hold out that many days",
        });
    }
    let unit_days = unit.days();
    let calibration = repeat_summary(facts, start_day, cal_end, unit_days);
    let (actual, _) = holdout_purchases(facts, &calibration, cal_end + 1, end_day);
    Ok(Holdout {
        calibration: frequency_data(&calibration)?,
        actual,
        length: days as f64 / unit_days,
    })
}

/// A candidate of `auto`: its fit and its score (holdout MAE, or BIC without a holdout).
struct Candidate {
    model: TimingModel,
    fit: FitResult,
    score: f64,
}

/// Fits the requested timing model (`bgnbd`, `mbgnbd`, `paretonbd`), or for `auto` every
/// candidate, choosing by holdout error (refitting the winner on the whole window) or by BIC.
/// Returns the model, its fit and a report of the choice (`null` without one).
pub fn choose_timing_model(
    input: &ClvInput,
    name: &str,
) -> Result<(TimingModel, FitResult, Value), ClvError> {
    if let Some(kind) = ModelKind::parse(name) {
        let (model, fit) = TimingModel::fit(kind, &input.data.grouped())?;
        check_predictions(&model, &fit, &input.data, input.unit)?;
        return Ok((model, fit, Value::Null));
    }
    if name != "auto" {
        return Err(ClvError::UnknownModel(name.to_owned()));
    }
    let n = input.data.total_weight();
    let mut candidates = Vec::new();
    for kind in ModelKind::ALL {
        let data = input
            .holdout
            .as_ref()
            .map_or(&input.data, |h| &h.calibration);
        let Ok((model, fit)) = TimingModel::fit(kind, &data.grouped()) else {
            continue;
        };
        // A fit at the edge of its parameter space (tiny or degenerate histories) can predict
        // negative or infinite purchases: such a candidate is not chosen.
        if check_predictions(&model, &fit, data, input.unit).is_err() {
            continue;
        }
        let score = match &input.holdout {
            Some(h) => {
                let c = &h.calibration;
                use rayon::prelude::*;
                let predicted: Vec<f64> = (0..c.len())
                    .into_par_iter()
                    .map(|i| model.expected_purchases(h.length, c.x[i], c.t_x[i], c.t[i]))
                    .collect();
                holdout_errors(&predicted, &h.actual).mae
            }
            None => -2.0 * fit.log_likelihood + fit.params.len() as f64 * n.ln(),
        };
        candidates.push(Candidate { model, fit, score });
    }
    let best = candidates
        .iter()
        .filter(|c| c.score.is_finite())
        .min_by(|a, b| a.score.total_cmp(&b.score))
        .ok_or(ClvError::Empty("no candidate model could be fitted"))?;
    let criterion = if input.holdout.is_some() {
        "holdout_mae"
    } else {
        "bic"
    };
    let report = json!({
        "criterion": criterion,
        "chosen": best.fit.model,
        "candidates": candidates.iter().map(|c| json!({ "model": c.fit.model, criterion: c.score, "log_likelihood": c.fit.log_likelihood })).collect::<Vec<_>>(),
    });
    let kind = best.model.kind();
    let (model, fit) = if input.holdout.is_some() {
        TimingModel::fit(kind, &input.data.grouped())?
    } else {
        (best.model, best.fit.clone())
    };
    check_predictions(&model, &fit, &input.data, input.unit)?;
    Ok((model, fit, report))
}

/// Checks that a fitted model predicts, for every customer of `data`, a P(alive) in [0, 1] and
/// a finite, non-negative number of purchases in the next year of model time — what a model at
/// the edge of its parameter space (r and α in the millions, a near 0, b near infinity, as a
/// couple of dozen customers of one year can give) fails by cancellation.
fn check_predictions(
    model: &TimingModel,
    fit: &FitResult,
    data: &FrequencyData,
    unit: TimeUnit,
) -> Result<(), ClvError> {
    let year = TimeUnit::Week.in_units_of(unit) * 52.0;
    // Distinct histories only, on all threads: a million customers have far fewer.
    let data = data.grouped();
    use rayon::prelude::*;
    let bad = (0..data.len()).into_par_iter().find_first(|&i| {
        let (x, t_x, t) = (data.x[i], data.t_x[i], data.t[i]);
        let alive = model.p_alive(x, t_x, t);
        let expected = model.expected_purchases(year, x, t_x, t);
        !(0.0..=1.0).contains(&alive) || !expected.is_finite() || expected < 0.0
    });
    if let Some(i) = bad {
        let (x, t_x, t) = (data.x[i], data.t_x[i], data.t[i]);
        return Err(ClvError::FitFailed {
            model: fit.model,
            reason: format!(
                "the fitted model predicts {} purchases and P(alive) {} for x = {x}, t_x = {t_x}, T = {t}: the history is too short or too uniform for it",
                model.expected_purchases(year, x, t_x, t),
                model.p_alive(x, t_x, t)
            ),
        });
    }
    Ok(())
}

/// The Gamma-Gamma spend model, fitted on repeat customers with positive mean repeat spend;
/// `None` without spend data or without such customers.
pub fn spend_model(input: &ClvInput) -> Result<Option<(GammaGamma, FitResult)>, ClvError> {
    let Some(zbar) = &input.zbar else {
        return Ok(None);
    };
    // Gamma-Gamma models positive spend: repeat customers whose returns outweigh their
    // purchases (net spend ≤ 0) are left out of the fit.
    let (x, m): (Vec<f64>, Vec<f64>) = input
        .data
        .x
        .iter()
        .zip(zbar)
        .filter(|(x, m)| **x >= 1.0 && **m > 0.0)
        .map(|(x, m)| (*x, *m))
        .unzip();
    if x.is_empty() {
        return Ok(None);
    }
    let spend = SpendData::repeat_customers(&x, &m)?;
    let (model, fit) = GammaGamma::fit(&spend.grouped())?;
    // q ≤ 1 (spend so heavy-tailed that the population has no mean, e.g. a few lines at the
    // largest amount allowed among small ones) gives one-time buyers an infinite expected
    // spend: no spend model rather than infinite CLVs.
    if !model.population_mean().is_finite() {
        return Ok(None);
    }
    Ok(Some((model, fit)))
}

/// "Potential": how far a customer's CLV percentile lies above their current value percentile
/// (both mid-rank percentiles of the population's frozen distributions).
pub fn potential(clv: &Distribution, value: &Distribution, customer_clv: f64, now: f64) -> f64 {
    clv.percentile(customer_clv) - value.percentile(now)
}

/// Per-customer predictions of a fitted timing model (and spend model, when there is spend).
pub struct Predictions {
    /// The timing model's fit.
    pub fit: FitResult,
    /// How `auto` chose, if it did.
    pub selection: Value,
    /// The spend model's fit.
    pub spend_fit: Option<FitResult>,
    /// Horizon of `expected`, in model units.
    pub horizon: f64,
    /// Expected purchases in the horizon.
    pub expected: Vec<f64>,
    /// P(alive) now.
    pub p_alive: Vec<f64>,
    /// Expected spend per purchase.
    pub expected_spend: Option<Vec<f64>>,
    /// Discounted CLV.
    pub clv: Option<Vec<f64>>,
    /// CLV percentile − current value percentile ([`potential`]).
    pub potential: Option<Vec<f64>>,
    /// The fitted models, for [`ClvSnapshot::new`].
    pub models: (TimingModel, Option<GammaGamma>),
}

/// Fits (or chooses) the models and predicts every customer of `input`.
pub fn predict_all(
    input: &ClvInput,
    model_name: &str,
    horizon: Option<f64>,
    months: u32,
    discount_rate: f64,
) -> Result<Predictions, ClvError> {
    let (model, fit, selection) = choose_timing_model(input, model_name)?;
    let horizon = horizon.unwrap_or(TimeUnit::Week.in_units_of(input.unit) * 52.0);
    let d = &input.data;
    use rayon::prelude::*;
    let expected = (0..d.len())
        .into_par_iter()
        .map(|i| model.expected_purchases(horizon, d.x[i], d.t_x[i], d.t[i]))
        .collect();
    let p_alive = (0..d.len())
        .into_par_iter()
        .map(|i| model.p_alive(d.x[i], d.t_x[i], d.t[i]))
        .collect();
    let spend = spend_model(input)?;
    let (expected_spend, clv) = match (&spend, &input.zbar) {
        (Some((gg, _)), Some(zbar)) => {
            // Net-negative repeat spend counts as 0, which shrinks towards the population mean.
            let spend: Vec<f64> = (0..d.len())
                .map(|i| gg.conditional_expected_spend(d.x[i], zbar[i].max(0.0)))
                .collect();
            let month = TimeUnit::Month.in_units_of(input.unit);
            let schedule = DiscountSchedule::new(months, month, discount_rate, 12.0)?;
            let clv = discounted_clv_batch(&model, d, &spend, &schedule)?;
            (Some(spend), Some(clv))
        }
        _ => (None, None),
    };
    let potential = match (&clv, &input.value) {
        (Some(clv), Some(value)) => match (Distribution::of(clv), Distribution::of(value)) {
            (Some(pc), Some(pv)) => Some(
                clv.iter()
                    .zip(value)
                    .map(|(c, v)| potential(&pc, &pv, *c, *v))
                    .collect(),
            ),
            _ => None,
        },
        _ => None,
    };
    Ok(Predictions {
        fit,
        selection,
        spend_fit: spend.as_ref().map(|(_, f)| f.clone()),
        horizon,
        expected,
        p_alive,
        expected_spend,
        clv,
        potential,
        models: (model, spend.map(|(g, _)| g)),
    })
}

/// The CLV the demo and the score card use: all purchases before the fact set's `as_of` in
/// weeks, the timing model chosen by holdout error, 12 months discounted at 10 % a year.
/// `None` when fewer than `min_buyers` customers have a purchase.
pub fn default_clv(
    facts: &Facts,
    min_buyers: usize,
) -> Result<Option<(RepeatSummary, ClvInput, Predictions)>, ClvError> {
    clv_with_model(facts, min_buyers, "auto")
}

/// [`default_clv`] with the timing model `model` (`auto`, `bgnbd`, `mbgnbd`, `paretonbd`).
pub fn clv_with_model(
    facts: &Facts,
    min_buyers: usize,
    model: &str,
) -> Result<Option<(RepeatSummary, ClvInput, Predictions)>, ClvError> {
    let end_day = facts.as_of.day_number() - 1;
    let summary = repeat_summary(facts, i64::MIN, end_day, TimeUnit::Week.days());
    if summary.len() < min_buyers.max(1) {
        return Ok(None);
    }
    let input = input_from_facts(
        facts,
        &summary,
        i64::MIN,
        end_day,
        TimeUnit::Week,
        None,
        model == "auto",
    )?;
    let predictions = predict_all(
        &input,
        model,
        None,
        DEFAULT_CLV_MONTHS,
        DEFAULT_DISCOUNT_RATE,
    )?;
    Ok(Some((summary, input, predictions)))
}

/// A CLV fit frozen by a score run: the models' parameters, the valuation settings and the
/// population distributions behind "potential". [`ClvSnapshot::value`] values one customer
/// from their own purchase summary.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ClvSnapshot {
    /// The timing model (`bgnbd`, `mbgnbd`, `paretonbd`).
    pub model: String,
    /// Its parameters in the model's order (r, α, a, b or r, α, s, β).
    pub params: Vec<f64>,
    /// Gamma-Gamma p, q, γ, when there is spend.
    pub spend: Option<[f64; 3]>,
    /// Days in the model's time unit.
    pub unit_days: f64,
    /// Horizon of the expected purchases, in model units.
    pub horizon: f64,
    /// Months of CLV.
    pub months: u32,
    /// Annual discount rate.
    pub discount_rate: f64,
    /// CLV of the population, for potential.
    pub clv: Option<Distribution>,
    /// Value so far (first purchase + repeat spend) of the population, for potential.
    pub value: Option<Distribution>,
    /// For BG/BB (`model` = `bgbb`, `params` α, β, γ, δ): the length of an opportunity in
    /// days (see [`super::discrete`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub opportunity_days: Option<u32>,
}

/// One customer's CLV and what explains it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ClvValue {
    /// Expected purchases in the horizon.
    pub expected_purchases: f64,
    /// P(alive).
    pub p_alive: f64,
    /// Expected spend per purchase.
    pub expected_spend: Option<f64>,
    /// Discounted CLV.
    pub clv: Option<f64>,
    /// CLV percentile − value percentile.
    pub potential: Option<f64>,
}

impl ClvSnapshot {
    /// Freezes the fitted models of `predictions` with the population distributions.
    pub fn new(input: &ClvInput, p: &Predictions, months: u32, discount_rate: f64) -> Self {
        let (timing, spend) = &p.models;
        let params = match timing {
            TimingModel::BgNbd(m) => vec![m.r, m.alpha, m.a, m.b],
            TimingModel::MBgNbd(m) => vec![m.r, m.alpha, m.a, m.b],
            TimingModel::ParetoNbd(m) => vec![m.r, m.alpha, m.s, m.beta],
        };
        ClvSnapshot {
            model: timing.kind().name().to_owned(),
            params,
            spend: spend.map(|g| [g.p, g.q, g.gamma]),
            unit_days: input.unit.days(),
            horizon: p.horizon,
            months,
            discount_rate,
            clv: p.clv.as_deref().and_then(Distribution::of),
            value: input.value.as_deref().and_then(Distribution::of),
            opportunity_days: None,
        }
    }

    /// This snapshot with BG/BB in place of the continuous timing model: fitted on every
    /// buying customer's opportunities of `length` days up to the day before `facts.as_of`,
    /// with the CLV distribution behind "potential" recomputed. Returns its fit too.
    pub fn with_bgbb(
        mut self,
        facts: &Facts,
        length: u32,
    ) -> Result<(ClvSnapshot, FitResult), ClvError> {
        let end_day = facts.as_of.day_number() - 1;
        let mut days = Vec::new();
        let mut rows = Vec::new();
        for c in 0..facts.customers.len() {
            let summary = crate::repeat_summary::summary_of(
                facts,
                c,
                i64::MIN,
                end_day,
                self.unit_days,
                crate::repeat_summary::LineValue::Revenue,
                &mut days,
            );
            if let (Some(row), Some(o)) = (
                summary,
                super::discrete::opportunities(&days, end_day, length),
            ) {
                rows.push((row, o));
            }
        }
        let opportunities: Vec<_> = rows.iter().map(|(_, o)| *o).collect();
        let (model, fit) = super::discrete::fit(&opportunities)?;
        self.model = "bgbb".into();
        self.params = vec![model.alpha, model.beta, model.gamma, model.delta];
        self.opportunity_days = Some(length);
        let models = self.models()?;
        let clv: Vec<f64> = rows
            .iter()
            .filter_map(|(row, o)| models.discrete_value(row, *o).clv)
            .collect();
        self.clv = Distribution::of(&clv);
        Ok((self, fit))
    }

    /// The continuous timing model (an error for BG/BB).
    pub fn timing(&self) -> Result<TimingModel, ClvError> {
        let p = |i: usize| self.params.get(i).copied().unwrap_or(f64::NAN);
        Ok(match ModelKind::parse(&self.model) {
            Some(ModelKind::BgNbd) => TimingModel::BgNbd(BgNbd::new(p(0), p(1), p(2), p(3))?),
            Some(ModelKind::MBgNbd) => TimingModel::MBgNbd(MBgNbd::new(p(0), p(1), p(2), p(3))?),
            Some(ModelKind::ParetoNbd) => {
                TimingModel::ParetoNbd(ParetoNbd::new(p(0), p(1), p(2), p(3))?)
            }
            None => return Err(ClvError::UnknownModel(self.model.clone())),
        })
    }

    /// The models, ready to value customers.
    pub fn models(&self) -> Result<ClvModels<'_>, ClvError> {
        let month = TimeUnit::Month.days() / self.unit_days;
        let timing = match self.opportunity_days {
            Some(length) => {
                let p = |i: usize| self.params.get(i).copied().unwrap_or(f64::NAN);
                Timing::Discrete(BgBb::new(p(0), p(1), p(2), p(3))?, length)
            }
            None => Timing::Continuous(self.timing()?),
        };
        Ok(ClvModels {
            snapshot: self,
            timing,
            spend: self
                .spend
                .map(|[p, q, g]| GammaGamma::new(p, q, g))
                .transpose()?,
            schedule: DiscountSchedule::new(self.months, month, self.discount_rate, 12.0)?,
        })
    }
}

/// A [`ClvSnapshot`]'s models, built once for many customers.
pub struct ClvModels<'a> {
    snapshot: &'a ClvSnapshot,
    timing: Timing,
    spend: Option<GammaGamma>,
    schedule: DiscountSchedule,
}

/// The timing model of a snapshot.
enum Timing {
    /// BG/NBD, MBG/NBD or Pareto/NBD on continuous time.
    Continuous(TimingModel),
    /// BG/BB with opportunities of this many days.
    Discrete(BgBb, u32),
}

impl ClvModels<'_> {
    /// Values one customer from their purchase summary and purchase days (as
    /// [`crate::repeat_summary::summary_of`] leaves them), up to `end_day`: the same numbers
    /// as [`predict_all`] (or [`ClvSnapshot::with_bgbb`]) gives that customer in the population.
    pub fn value_of(&self, row: &SummaryRow, days: &[(i64, f64)], end_day: i64) -> ClvValue {
        match (
            &self.timing,
            super::discrete::opportunities(days, end_day, self.length()),
        ) {
            (Timing::Discrete(..), Some(o)) => self.discrete_value(row, o),
            _ => self.value(row),
        }
    }

    fn length(&self) -> u32 {
        match self.timing {
            Timing::Discrete(_, length) => length,
            Timing::Continuous(_) => 1,
        }
    }

    /// A customer's value under BG/BB from their summary (for the spend) and opportunities.
    fn discrete_value(&self, row: &SummaryRow, o: super::discrete::Opportunities) -> ClvValue {
        let Timing::Discrete(m, length) = &self.timing else {
            return self.value(row);
        };
        let s = self.snapshot;
        let v = super::discrete::value(m, o, *length, s.months, s.discount_rate);
        let expected_spend = self
            .spend
            .map(|gg| gg.conditional_expected_spend(row.x, row.mean_repeat_spend.max(0.0)));
        let clv = expected_spend.map(|spend| spend * v.discounted);
        let potential = match (clv, &s.clv, &s.value) {
            (Some(c), Some(pc), Some(pv)) => Some(potential(pc, pv, c, row.value())),
            _ => None,
        };
        ClvValue {
            expected_purchases: v.expected_year,
            p_alive: v.p_alive,
            expected_spend,
            clv,
            potential,
        }
    }

    /// Values one customer from their purchase summary: the same numbers as
    /// [`predict_all`] gives that customer in the population. (BG/BB needs the purchase days:
    /// [`ClvModels::value_of`].)
    pub fn value(&self, row: &SummaryRow) -> ClvValue {
        let Timing::Continuous(m) = &self.timing else {
            return ClvValue {
                expected_purchases: f64::NAN,
                p_alive: f64::NAN,
                expected_spend: None,
                clv: None,
                potential: None,
            };
        };
        let (x, t_x, t) = (row.x, row.t_x, row.t);
        let p_alive = m.p_alive(x, t_x, t);
        let expected_spend = self
            .spend
            .map(|gg| gg.conditional_expected_spend(x, row.mean_repeat_spend.max(0.0)));
        let clv = expected_spend.map(|spend| {
            spend * p_alive * self.schedule.unit_value(|h| m.expected_if_alive(h, x, t))
        });
        let s = self.snapshot;
        let potential = match (clv, &s.clv, &s.value) {
            (Some(c), Some(pc), Some(pv)) => Some(potential(pc, pv, c, row.value())),
            _ => None,
        };
        ClvValue {
            expected_purchases: m.expected_purchases(s.horizon, x, t_x, t),
            p_alive,
            expected_spend,
            clv,
            potential,
        }
    }
}
