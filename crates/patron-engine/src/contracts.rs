//! Contracts and subscriptions on the card: the contractual side of a customer's value.
//!
//! In a contractual business a customer does not drift away between purchases: they cancel,
//! at a renewal. The shifted-beta-geometric model ([`Sbg`], Fader & Hardie 2007) describes
//! that: each contract renews each billing period with its own probability, heterogeneous
//! across contracts, so retention rises with tenure. [`ContractModel::fit`] fits one sBG per
//! billing period (monthly, yearly, …) on every contract of the store — cohorts by start
//! period pooled, ended contracts as churned after the periods they paid, running ones as
//! right-censored. [`section`] then gives each customer's contract section: what is running,
//! the next renewal and its notice date, the probability of cancelling at it, and the residual
//! contract value (FH 2010's DERL × the payment per period).

use crate::clv::Sbg;
use crate::scorecard::ChurnInput;
use chrono::{Datelike, Months, NaiveDate};
use patron_core::Timestamp;
use patron_core::config::ContractsSection;
use patron_core::facts::{ContractRow, Facts};
use serde::{Deserialize, Serialize};

/// Contracts a billing period needs before its sBG is fitted.
pub const MIN_CONTRACTS: usize = 20;
/// Ended contracts a billing period needs before its sBG is fitted.
pub const MIN_ENDED: usize = 5;

/// The sBG of one billing period.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PeriodModel {
    /// Months per billing period.
    pub billing_months: u32,
    /// sBG α.
    pub alpha: f64,
    /// sBG β.
    pub beta: f64,
    /// Contracts it was fitted on.
    pub contracts: usize,
    /// Of which ended.
    pub ended: usize,
}

impl PeriodModel {
    fn sbg(&self) -> Sbg {
        Sbg {
            alpha: self.alpha,
            beta: self.beta,
        }
    }
}

/// The fitted contract models of a run, one per billing period with enough contracts.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct ContractModel {
    /// By billing period, ascending.
    pub periods: Vec<PeriodModel>,
    /// Billing periods left without a model, and why.
    pub skipped: Vec<String>,
}

/// Whole months from `from` to `to` (0 if `to` is earlier): 31 Jan → 28 Feb is 0 months,
/// → 1 Mar is 1.
pub fn months_between(from: NaiveDate, to: NaiveDate) -> u32 {
    if to <= from {
        return 0;
    }
    let months = (to.year() - from.year()) * 12 + to.month() as i32 - from.month() as i32;
    let months = if to.day() < from.day() {
        months - 1
    } else {
        months
    };
    months.max(0) as u32
}

/// The contract runs at `t` (seconds): started before it and not cancelled before it.
pub fn running_at(c: &ContractRow, t: i64) -> bool {
    c.started_at.secs() < t && c.cancelled_at.is_none_or(|at| at.secs() >= t)
}

/// Days within which a price change counts as recent (a cancellation feature).
const PRICE_CHANGE_DAYS: i64 = 180;

/// What the contract features of a customer are at `t`: running contracts, months since the
/// oldest running one started, days to the nearest notice date, recurring value a month,
/// contracts ended before `t`, and the largest relative price change of a running contract in
/// the 180 days before `t` (0 without one). `None` for a customer without a contract started
/// before `t`.
pub fn features_at(rows: &[ContractRow], t: i64) -> Option<[f64; 6]> {
    let at = Timestamp::from_secs(t);
    let started: Vec<&ContractRow> = rows.iter().filter(|c| c.started_at.secs() < t).collect();
    if started.is_empty() {
        return None;
    }
    let running: Vec<&&ContractRow> = started.iter().filter(|c| running_at(c, t)).collect();
    let tenure = running
        .iter()
        .map(|c| months_between(c.started_at.date(), at.date()))
        .max()
        .map_or(f64::NAN, f64::from);
    let notice = running
        .iter()
        .map(|c| {
            let next = next_renewal(c, at) - chrono::Days::new(u64::from(c.notice_days));
            (at_midnight(next).secs() - t).div_euclid(86_400)
        })
        .min()
        .map_or(f64::NAN, |d| d as f64);
    let monthly: f64 = running
        .iter()
        .map(|c| c.value_at(t).to_f64() / f64::from(c.billing_months.max(1)))
        .sum();
    let price_change = running
        .iter()
        .filter_map(|c| {
            let (previous, at) = c.price_change?;
            let recent = at.secs() <= t && at.secs() > t - PRICE_CHANGE_DAYS * 86_400;
            (recent && previous.to_f64() > 0.0)
                .then(|| c.recurring_value.to_f64() / previous.to_f64() - 1.0)
        })
        .fold(0.0, f64::max);
    Some([
        running.len() as f64,
        tenure,
        notice,
        monthly,
        (started.len() - running.len()) as f64,
        price_change,
    ])
}

/// [`features_at`] of a customer without a contract: none running or ended, the rest unknown.
pub const NO_CONTRACT: [f64; 6] = [0.0, f64::NAN, f64::NAN, 0.0, 0.0, 0.0];

/// Names, groups and descriptions of [`features_at`]'s values, in order.
pub const FEATURES: [(&str, &str, &str); 6] = [
    ("contracts_running", "contract", "contracts running"),
    (
        "contract_tenure_months",
        "contract_tenure",
        "months since the oldest running contract started",
    ),
    (
        "days_to_notice",
        "contract_notice",
        "days to the nearest notice date of a running contract",
    ),
    (
        "contract_monthly_value",
        "contract_value",
        "recurring value of the running contracts a month",
    ),
    (
        "contracts_ended",
        "contract",
        "contracts cancelled or ended",
    ),
    (
        "price_change_180d",
        "contract_price",
        "relative price change of a running contract in the last 180 days",
    ),
];

/// Billing periods a contract has completed at `at` (its renewals so far).
fn periods_completed(c: &ContractRow, at: Timestamp) -> u32 {
    months_between(c.started_at.date(), at.date()) / c.billing_months.max(1)
}

impl ContractModel {
    /// Fits one sBG per billing period on the contracts of `facts` (as known at `as_of`).
    /// Returns `None` when there are no contracts at all.
    pub fn fit(facts: &Facts) -> Option<ContractModel> {
        let rows = &facts.contracts.rows;
        if rows.is_empty() {
            return None;
        }
        let mut billing: Vec<u32> = rows.iter().map(|c| c.billing_months).collect();
        billing.sort_unstable();
        billing.dedup();
        let mut model = ContractModel::default();
        for months in billing {
            let group: Vec<&ContractRow> =
                rows.iter().filter(|c| c.billing_months == months).collect();
            let (mut lost, mut active) = (Vec::<f64>::new(), Vec::<f64>::new());
            let mut ended = 0;
            for c in &group {
                match c.cancelled_at {
                    Some(at) => {
                        // Cancelled during period t: churned after paying t periods.
                        let t = periods_completed(c, at) as usize + 1;
                        grow(&mut lost, t)[t - 1] += 1.0;
                        ended += 1;
                    }
                    None => {
                        let k = periods_completed(c, facts.as_of) as usize;
                        grow(&mut active, k + 1)[k] += 1.0;
                    }
                }
            }
            let name = period_name(months);
            if group.len() < MIN_CONTRACTS || ended < MIN_ENDED {
                model.skipped.push(format!(
                    "{name} contracts: {} with {ended} ended; the model needs {MIN_CONTRACTS} with {MIN_ENDED} ended",
                    group.len()
                ));
                continue;
            }
            match Sbg::fit_censored(&lost, &active) {
                Ok((sbg, _)) => model.periods.push(PeriodModel {
                    billing_months: months,
                    alpha: sbg.alpha,
                    beta: sbg.beta,
                    contracts: group.len(),
                    ended,
                }),
                Err(e) => model.skipped.push(format!("{name} contracts: {e}")),
            }
        }
        Some(model)
    }

    fn of(&self, billing_months: u32) -> Option<&PeriodModel> {
        self.periods
            .iter()
            .find(|p| p.billing_months == billing_months)
    }
}

fn grow(v: &mut Vec<f64>, len: usize) -> &mut Vec<f64> {
    if v.len() < len {
        v.resize(len, 0.0);
    }
    v
}

/// `monthly`, `quarterly`, `yearly`, or `every N months`.
pub fn period_name(months: u32) -> String {
    match months {
        1 => "monthly".into(),
        3 => "quarterly".into(),
        6 => "half-yearly".into(),
        12 => "yearly".into(),
        n => format!("{n}-monthly"),
    }
}

/// One running contract on the card.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ContractView {
    /// Contract id.
    pub contract_id: String,
    /// Product or plan.
    pub plan: Option<String>,
    /// Started.
    pub started_at: Timestamp,
    /// Months per billing period.
    pub billing_months: u32,
    /// Billed per period, as of the card.
    pub recurring_value: f64,
    /// The last price change, when it is announced or took effect within the last year: the
    /// amounts before and after, and when it takes or took effect.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub price_change: Option<(f64, f64, Timestamp)>,
    /// Renewals so far (billing periods completed).
    pub renewals: u32,
    /// The next renewal (the end of the current term).
    pub next_renewal: Timestamp,
    /// The last day to cancel before it (the renewal minus the notice period).
    pub notice_by: Timestamp,
    /// Days from `as_of` to `notice_by` (≥ 0: renewals whose notice date has passed are not
    /// the next one).
    pub days_to_notice: i64,
    /// The contract has a term (`renews_at`) rather than rolling every billing period.
    pub fixed_term: bool,
    /// Probability of cancelling at the next renewal (sBG: 1 − the retention rate at this
    /// tenure), when the billing period has a model.
    #[serde(serialize_with = "crate::scorecard::round::opt4")]
    pub cancellation_risk: Option<f64>,
    /// Discounted expected residual value: the payments still to come, each weighted by the
    /// probability of still running then (DERL × payment).
    #[serde(serialize_with = "crate::scorecard::round::opt2")]
    pub residual_value: Option<f64>,
    /// The part of it due in the next 12 months (comparable with the 12-month BTYD CLV).
    #[serde(serialize_with = "crate::scorecard::round::opt2")]
    pub value_12m: Option<f64>,
}

/// The contract section of a card.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ContractSection {
    /// Running contracts, the nearest notice date first.
    pub running: Vec<ContractView>,
    /// Contracts cancelled or ended before `as_of`.
    pub ended: u32,
    /// The most recent cancellation's reason, if one was given.
    pub last_cancel_reason: Option<String>,
    /// Recurring value of the running contracts, per month.
    #[serde(serialize_with = "crate::scorecard::round::f2")]
    pub monthly_value: f64,
    /// The nearest upcoming notice date among the running contracts.
    pub notice_by: Option<Timestamp>,
    /// Days from `as_of` to it.
    pub days_to_notice: Option<i64>,
    /// The cancellation risk of the contract with the nearest notice date.
    #[serde(serialize_with = "crate::scorecard::round::opt4")]
    pub cancellation_risk: Option<f64>,
    /// A fixed-term contract's notice date is within `renewal_lead_days`: a renewal to work on
    /// (rolling subscriptions can be cancelled any period; they are on the `renewal_due` alarm
    /// when at risk).
    pub renewal_due: bool,
    /// Where the cancellation risk comes from: `sbg` (tenure), or the trained model.
    pub risk_source: Option<String>,
    /// Why, strongest reason first (the trained model's reasons).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub risk_reasons: Vec<String>,
    /// Sum of the running contracts' residual values (those with a model).
    #[serde(serialize_with = "crate::scorecard::round::opt2")]
    pub residual_value: Option<f64>,
    /// Sum of the running contracts' expected discounted payments in the next 12 months.
    #[serde(serialize_with = "crate::scorecard::round::opt2")]
    pub value_12m: Option<f64>,
    /// Why the billing periods of running contracts without a risk have no model.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub model_notes: Vec<String>,
    /// The section in words, for people.
    pub explanation: Vec<String>,
}

/// The next renewal of a running contract that can still be cancelled: the first renewal whose
/// notice date is today or later. Renewals are `renews_at` and every billing period after it
/// (a contract past its term that was not cancelled has renewed), or without `renews_at`
/// every billing period from the start.
fn next_renewal(c: &ContractRow, as_of: Timestamp) -> NaiveDate {
    let notice = chrono::Days::new(u64::from(c.notice_days));
    let today = as_of.date() + notice;
    let step = Months::new(c.billing_months.max(1));
    let first = c.started_at.date().checked_add_months(step);
    let mut next = match (c.renews_at, first) {
        (Some(r), _) => r.date(),
        (None, Some(d)) => d,
        (None, None) => return c.started_at.date(),
    };
    // Whole periods at once, then at most one step: no loop over decades of months.
    if next < today {
        let behind = months_between(next, today) / step.as_u32() * step.as_u32();
        next = next.checked_add_months(Months::new(behind)).unwrap_or(next);
        while next < today {
            match next.checked_add_months(step) {
                Some(d) => next = d,
                None => break,
            }
        }
    }
    next
}

fn at_midnight(d: NaiveDate) -> Timestamp {
    Timestamp::from_secs(
        d.and_hms_opt(0, 0, 0)
            .expect("midnight")
            .and_utc()
            .timestamp(),
    )
}

/// The contract section of one customer (`None` without contracts). `trained` is the trained
/// cancellation model's probability for them (within its horizon, from their usage, tickets,
/// payments and contracts): when given, it is the cancellation risk of every running contract,
/// in place of the sBG's, which only knows the tenure.
pub fn section(
    rows: &[ContractRow],
    as_of: Timestamp,
    model: Option<&ContractModel>,
    settings: &ContractsSection,
    trained: Option<&ChurnInput>,
) -> Option<ContractSection> {
    if rows.is_empty() {
        return None;
    }
    let mut running = Vec::new();
    for c in rows.iter().filter(|c| c.cancelled_at.is_none()) {
        let renewals = periods_completed(c, as_of);
        let next = next_renewal(c, as_of);
        // The periods completed at that renewal: the customer decides whether to go on into
        // the next one (one more than `renewals + 1` when the nearer renewal's notice date
        // has passed).
        let deciding = periods_completed(c, at_midnight(next)).max(renewals + 1);
        let notice = next - chrono::Days::new(u64::from(c.notice_days));
        let period = model.and_then(|m| m.of(c.billing_months));
        let payment = c.value_at(as_of.secs()).to_f64();
        let (mut risk, residual, value_12m) = match period {
            Some(p) => {
                let sbg = p.sbg();
                let risk = 1.0 - sbg.retention_rate(deciding);
                let per_period =
                    (1.0 + settings.discount_rate).powf(f64::from(c.billing_months) / 12.0) - 1.0;
                let derl = sbg.derl(per_period, renewals);
                let year = year_value(&sbg, renewals, c.billing_months, per_period) * payment;
                (
                    Some(risk),
                    derl.is_finite().then_some(derl * payment),
                    Some(year),
                )
            }
            None => (None, None, None),
        };
        if let Some(trained) = trained {
            risk = Some(trained.risk);
        }
        running.push(ContractView {
            contract_id: c.contract_id.clone(),
            plan: c.plan.clone(),
            started_at: c.started_at,
            billing_months: c.billing_months,
            recurring_value: payment,
            price_change: c
                .price_change
                .filter(|(_, at)| at.secs() > as_of.secs() - 365 * 86_400)
                .map(|(before, at)| (before.to_f64(), c.recurring_value.to_f64(), at)),
            renewals,
            next_renewal: at_midnight(next),
            notice_by: at_midnight(notice),
            days_to_notice: (at_midnight(notice).secs() - as_of.secs()).div_euclid(86_400),
            fixed_term: c.renews_at.is_some(),
            cancellation_risk: risk,
            residual_value: residual,
            value_12m,
        });
    }
    running.sort_by(|a, b| (a.notice_by, &a.contract_id).cmp(&(b.notice_by, &b.contract_id)));
    let ended: Vec<&ContractRow> = rows.iter().filter(|c| c.cancelled_at.is_some()).collect();
    let last_cancel_reason = ended
        .iter()
        .max_by_key(|c| c.cancelled_at)
        .and_then(|c| c.cancel_reason.clone());
    let monthly_value: f64 = running
        .iter()
        .map(|c| c.recurring_value / f64::from(c.billing_months.max(1)))
        .sum();
    let first = running.first();
    let days_to_notice = first.map(|c| c.days_to_notice);
    let residual: Vec<f64> = running.iter().filter_map(|c| c.residual_value).collect();
    let year: Vec<f64> = running.iter().filter_map(|c| c.value_12m).collect();
    let risk_source = match (
        trained,
        running.iter().any(|c| c.cancellation_risk.is_some()),
    ) {
        (Some(t), _) => Some(t.source.clone()),
        (None, true) => Some("sbg".to_owned()),
        (None, false) => None,
    };
    let model_notes = match model {
        Some(m) if running.iter().any(|c| c.cancellation_risk.is_none()) => m.skipped.clone(),
        _ => Vec::new(),
    };
    let mut section = ContractSection {
        ended: ended.len() as u32,
        last_cancel_reason,
        monthly_value,
        notice_by: first.map(|c| c.notice_by),
        days_to_notice,
        renewal_due: running
            .iter()
            .any(|c| c.fixed_term && c.days_to_notice <= i64::from(settings.renewal_lead_days)),
        cancellation_risk: first.and_then(|c| c.cancellation_risk),
        risk_source,
        risk_reasons: trained.map(|t| t.reasons.clone()).unwrap_or_default(),
        residual_value: (!residual.is_empty()).then(|| residual.iter().sum()),
        value_12m: (!year.is_empty()).then(|| year.iter().sum()),
        running,
        model_notes,
        explanation: Vec::new(),
    };
    section.explain();
    Some(section)
}

impl ContractSection {
    /// Writes [`ContractSection::explanation`] from the fields: again after consent has taken
    /// the risk or the value away, so the words never say what the fields may not.
    pub fn explain(&mut self) {
        let trained = self.risk_source.as_deref().is_some_and(|s| s != "sbg");
        let mut out: Vec<String> = self.running.iter().map(|c| describe(c, trained)).collect();
        if trained
            && !self.running.is_empty()
            && let (Some(risk), Some(source)) = (self.cancellation_risk, &self.risk_source)
        {
            out.push(format!(
                "cancellation risk {:.1} % ({source}): {}",
                risk * 100.0,
                self.risk_reasons.join("; ")
            ));
        }
        if self.ended > 0 {
            out.push(format!(
                "{} contract(s) cancelled or ended{}",
                self.ended,
                self.last_cancel_reason
                    .as_deref()
                    .map_or(String::new(), |r| format!(", the last because: {r}"))
            ));
        }
        out.extend(
            self.model_notes
                .iter()
                .map(|why| format!("no cancellation model: {why}")),
        );
        self.explanation = out;
    }
}

/// Expected discounted payments (per unit of payment) at the renewals of the next 12 months,
/// after `renewals` renewals: the `j`-th is paid with probability `S(k+j)/S(k)`, discounted by
/// `j` periods — the first 12 months of DERL.
fn year_value(sbg: &Sbg, renewals: u32, billing_months: u32, per_period: f64) -> f64 {
    let payments = 12u32.div_ceil(billing_months.max(1));
    let mut alive = 1.0;
    let mut total = 0.0;
    for j in 1..=payments {
        alive *= sbg.retention_rate(renewals + j);
        total += alive / (1.0 + per_period).powi(j as i32);
    }
    total
}

fn describe(c: &ContractView, trained: bool) -> String {
    let days = c.days_to_notice;
    let notice = format!("notice by {} (in {days} days)", c.notice_by.date());
    let mut text = format!(
        "{}{}: {:.2} {}, {} renewal(s) so far, renews {}, {notice}",
        c.contract_id,
        c.plan
            .as_deref()
            .map_or(String::new(), |p| format!(" ({p})")),
        c.recurring_value,
        period_name(c.billing_months),
        c.renewals,
        c.next_renewal.date(),
    );
    if let Some((before, after, at)) = c.price_change {
        let verb = if after >= before { "raised" } else { "lowered" };
        text.push_str(&format!(
            "; price {verb} from {before:.2} to {after:.2} on {}",
            at.date()
        ));
    }
    match (c.cancellation_risk, c.residual_value) {
        (Some(risk), Some(value)) if !trained => text.push_str(&format!(
            "; cancellation risk at this renewal {:.1} % (sBG at this tenure), residual value {value:.2}",
            risk * 100.0
        )),
        (_, Some(value)) => text.push_str(&format!("; residual value {value:.2} (sBG)")),
        _ => {}
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;
    use patron_core::Money;
    use patron_core::facts::Grouped;

    fn day(text: &str) -> Timestamp {
        Timestamp::parse_flexible(text).unwrap()
    }

    fn contract(id: &str, start: &str, cancelled: Option<&str>) -> ContractRow {
        ContractRow {
            contract_id: id.into(),
            plan: Some("Basic".into()),
            started_at: day(start),
            renews_at: None,
            notice_days: 30,
            billing_months: 12,
            recurring_value: Money::from_f64(120.0),
            cancelled_at: cancelled.map(day),
            cancel_reason: cancelled.map(|_| "price".into()),
            price_change: None,
        }
    }

    #[test]
    fn months_count_whole_months() {
        let d = |s: &str| NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap();
        assert_eq!(months_between(d("2024-01-31"), d("2024-02-29")), 0);
        assert_eq!(months_between(d("2024-01-31"), d("2024-03-01")), 1);
        assert_eq!(months_between(d("2020-05-10"), d("2024-05-10")), 48);
        assert_eq!(months_between(d("2024-05-10"), d("2020-05-10")), 0);
    }

    #[test]
    fn the_pooled_model_recovers_the_published_cohort() {
        // FH 2007's regular cohort as yearly contracts: 1,000 started on 2000-01-01, lost
        // after each year as in the paper, the 241 survivors still running after 7 years.
        let alive = [1000, 631, 468, 382, 326, 289, 262, 241];
        let mut rows = Vec::new();
        for t in 1..alive.len() {
            for i in 0..(alive[t - 1] - alive[t]) {
                rows.push(contract(
                    &format!("L{t}-{i}"),
                    "2000-01-01",
                    Some(&format!("{}-06-01", 1999 + t)),
                ));
            }
        }
        for i in 0..alive[7] {
            rows.push(contract(&format!("A{i}"), "2000-01-01", None));
        }
        let n = rows.len();
        let facts = Facts {
            as_of: day("2007-06-01"),
            contracts: Grouped {
                offsets: vec![0, n],
                rows,
            },
            ..Default::default()
        };
        let model = ContractModel::fit(&facts).unwrap();
        let p = &model.periods[0];
        assert_eq!((p.billing_months, p.contracts, p.ended), (12, 1000, 759));
        assert!(
            (p.alpha - 0.704).abs() < 5e-4 && (p.beta - 1.182).abs() < 5e-4,
            "{p:?}"
        );

        // A survivor deciding on their eighth renewal: risk 1 − (β+7)/(α+β+7).
        let card = section(
            &[contract("A0", "2000-01-01", None)],
            facts.as_of,
            Some(&model),
            &ContractsSection::default(),
            None,
        )
        .unwrap();
        let c = &card.running[0];
        assert_eq!(c.renewals, 7);
        assert_eq!(c.next_renewal.date().to_string(), "2008-01-01");
        assert_eq!(c.notice_by.date().to_string(), "2007-12-02");
        let risk = 1.0 - (p.beta + 7.0) / (p.alpha + p.beta + 7.0);
        assert!((c.cancellation_risk.unwrap() - risk).abs() < 1e-12);
        let derl = p.sbg().derl(0.1, 7);
        assert!((c.residual_value.unwrap() - 120.0 * derl).abs() < 1e-9);
        assert_eq!(card.days_to_notice, Some(184));
        assert!((card.monthly_value - 10.0).abs() < 1e-12);
        assert!(
            card.explanation[0].contains("cancellation risk"),
            "{:?}",
            card.explanation
        );
        // Without consent to the risk and the value, the words keep the contract and lose both.
        let mut withheld = card.clone();
        withheld.cancellation_risk = None;
        withheld.risk_source = None;
        withheld.residual_value = None;
        for c in &mut withheld.running {
            (c.cancellation_risk, c.residual_value) = (None, None);
        }
        withheld.explain();
        let text = withheld.explanation.join(" ");
        assert!(
            text.contains("A0") && text.contains("notice by 2007-12-02"),
            "{text}"
        );
        assert!(
            !text.contains("risk") && !text.contains("residual"),
            "{text}"
        );
    }

    #[test]
    fn renewals_roll_forward_and_cancelled_contracts_do_not_run() {
        let mut c = contract("M1", "2024-01-15", None);
        c.billing_months = 1;
        c.notice_days = 0;
        assert_eq!(
            next_renewal(&c, day("2024-03-20")).to_string(),
            "2024-04-15"
        );
        c.renews_at = Some(day("2025-01-15"));
        assert_eq!(
            next_renewal(&c, day("2024-03-20")).to_string(),
            "2025-01-15"
        );
        // Past its term and not cancelled: it renewed, by billing periods.
        assert_eq!(
            next_renewal(&c, day("2025-03-20")).to_string(),
            "2025-04-15"
        );
        // A notice date already passed: the next renewal that can still be cancelled.
        c.notice_days = 10;
        assert_eq!(
            next_renewal(&c, day("2025-04-10")).to_string(),
            "2025-05-15"
        );
        c.notice_days = 0;
        let s = section(
            &[c, contract("Y1", "2020-01-01", Some("2023-02-01"))],
            day("2025-03-20"),
            None,
            &ContractsSection::default(),
            None,
        )
        .unwrap();
        assert_eq!(s.running.len(), 1);
        assert_eq!(s.ended, 1);
        assert_eq!(s.last_cancel_reason.as_deref(), Some("price"));
        assert_eq!(s.cancellation_risk, None);
        assert!(
            section(
                &[],
                day("2025-03-20"),
                None,
                &ContractsSection::default(),
                None
            )
            .is_none()
        );
    }

    #[test]
    fn a_price_change_is_in_force_from_its_day_and_a_feature_for_180_days() {
        let mut c = contract("P1", "2024-01-01", None);
        c.billing_months = 1;
        c.recurring_value = Money::from_f64(12.0);
        c.price_change = Some((Money::from_f64(10.0), day("2025-01-01")));
        let t = |d: &str| day(d).secs();
        assert_eq!(c.value_at(t("2024-12-31")), Money::from_f64(10.0));
        assert_eq!(c.value_at(t("2025-01-01")), Money::from_f64(12.0));
        let f = |d: &str| features_at(std::slice::from_ref(&c), t(d)).unwrap();
        assert_eq!((f("2024-12-01")[3], f("2024-12-01")[5]), (10.0, 0.0));
        assert!((f("2025-03-01")[5] - 0.2).abs() < 1e-12);
        assert_eq!(f("2025-03-01")[3], 12.0);
        assert_eq!(f("2025-08-01")[5], 0.0, "older than 180 days");
        let s = section(
            std::slice::from_ref(&c),
            day("2025-03-01"),
            None,
            &ContractsSection::default(),
            None,
        )
        .unwrap();
        assert_eq!(s.running[0].recurring_value, 12.0);
        assert!(
            s.explanation[0].contains("price raised from 10.00 to 12.00 on 2025-01-01"),
            "{:?}",
            s.explanation
        );
    }
}
