//! Payment risk per customer from invoices: how late they pay, what is overdue, whether it is
//! getting worse — as evidence, a logistic score, a probability and a band.
//!
//! # Evidence (as of a time T, whole calendar days)
//!
//! Only invoices issued before T count, and a payment counts only if made before T. An
//! invoice is *due* when its due day is before T's day; a due invoice is *late* when it was
//! paid after its due day or is still open (overdue).
//!
//! * `mean_days_late`, `max_days_late`: over paid invoices, `max(0, paid day − due day)`;
//! * `paid_late_share`: paid invoices paid after their due day ÷ paid invoices;
//! * `late_share`: late invoices ÷ due invoices (paid late or still open past due — a customer
//!   who never pays has no paid invoice but a late share of 1);
//! * `open_overdue_count`, `open_overdue_amount`, `max_days_overdue`: open invoices whose due
//!   day has passed, their total and how far past due the oldest is (`T day − due day`);
//! * `overdue_amount_share`: open overdue amount ÷ all invoiced amount;
//! * `trend`: the late share of the invoices due in the last `trend_days` (180) before T,
//!   minus that of the invoices due earlier (positive = getting worse); absent unless both
//!   periods have due invoices.
//!
//! # Model
//!
//! `log-odds = intercept + Σ weight × term`, with the terms and default weights of
//! [`Weights`]: `late_share`, `ln(1 + mean_days_late)`, `ln(1 + max_days_late)`,
//! `ln(1 + max_days_overdue)`, `ln(1 + open_overdue_count)`, `overdue_amount_share` and
//! `trend`; an absent term contributes 0. The model probability is `σ(log-odds)`: about 5 %
//! for a customer who always paid on time, 15–20 % for a mildly late payer, above 80 % for one
//! with months-old unpaid invoices. The score is `100 × probability` and the band low /
//! medium / high at [`PaymentRiskSettings::medium_from`] and `high_from`.
//!
//! # Calibration
//!
//! When the facts hold outcomes of a default kind (`payment_default`, `written_off`), the
//! model probabilities are calibrated on them by Platt scaling, leakage-free: the evidence is
//! recomputed as of `T − horizon_days` from the same facts, the label is a default outcome in
//! `[T − horizon, T)`, customers who defaulted before the cut-off are left out, and
//! `σ(a · logit(p) + b)` is fitted to those pairs. It needs `min_positives` defaults and
//! `min_negatives` non-defaults; otherwise the probabilities stay the model's, and the result
//! says so.

use crate::ml::calibration::{Calibrator, Method};
use crate::ml::model::sigmoid;
use patron_core::facts::{Facts, InvoiceRow};
use patron_core::{Money, Timestamp};
use serde::Serialize;

/// The weights of the logistic model (log-odds per unit of each term).
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Weights {
    /// Constant: the log-odds of a customer with no late payment (−3.0 ≈ 4.7 %).
    pub intercept: f64,
    /// Per unit of the share of due invoices that were paid late or are overdue (1.5).
    pub late_share: f64,
    /// Per unit of `ln(1 + mean_days_late)` (0.4).
    pub log_mean_days_late: f64,
    /// Per unit of `ln(1 + max_days_late)` (0.2).
    pub log_max_days_late: f64,
    /// Per unit of `ln(1 + max_days_overdue)` of the oldest open overdue invoice (0.6).
    pub log_max_days_overdue: f64,
    /// Per unit of `ln(1 + open_overdue_count)` (0.3).
    pub log_open_overdue_count: f64,
    /// Per unit of the open overdue share of all invoiced money (1.0).
    pub overdue_amount_share: f64,
    /// Per unit of the change in late share, recent minus before (0.8).
    pub trend: f64,
}

impl Default for Weights {
    fn default() -> Self {
        Weights {
            intercept: -3.0,
            late_share: 1.5,
            log_mean_days_late: 0.4,
            log_max_days_late: 0.2,
            log_max_days_overdue: 0.6,
            log_open_overdue_count: 0.3,
            overdue_amount_share: 1.0,
            trend: 0.8,
        }
    }
}

/// How payment risk is computed.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PaymentRiskSettings {
    /// Model weights.
    pub weights: Weights,
    /// Band "medium" from this probability on (0.15).
    pub medium_from: f64,
    /// Band "high" from this probability on (0.40).
    pub high_from: f64,
    /// The recent period of the trend, in days (180).
    pub trend_days: i64,
    /// Outcome kinds that are defaults (`payment_default`, `written_off`).
    pub default_kinds: Vec<String>,
    /// Calibration: evidence as of this many days before `as_of`, labels after (365).
    pub horizon_days: i64,
    /// Calibrate only with at least this many defaults in the horizon (10).
    pub min_positives: usize,
    /// … and this many customers without (10).
    pub min_negatives: usize,
}

impl Default for PaymentRiskSettings {
    fn default() -> Self {
        PaymentRiskSettings {
            weights: Weights::default(),
            medium_from: 0.15,
            high_from: 0.40,
            trend_days: 180,
            default_kinds: vec!["payment_default".to_owned(), "written_off".to_owned()],
            horizon_days: 365,
            min_positives: 10,
            min_negatives: 10,
        }
    }
}

/// The payment record of one customer as of a time.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Evidence {
    /// Invoices issued before the time.
    pub invoices: usize,
    /// Of which paid before the time.
    pub paid: usize,
    /// Paid after their due day.
    pub paid_late: usize,
    /// `paid_late / paid` (absent without paid invoices).
    pub paid_late_share: Option<f64>,
    /// Invoices whose due day has passed.
    pub due: usize,
    /// Of which paid late or still open.
    pub late: usize,
    /// `late / due` (absent when nothing is due yet).
    pub late_share: Option<f64>,
    /// Mean days paid after the due day, over paid invoices (on time = 0).
    pub mean_days_late: Option<f64>,
    /// Most days paid after the due day.
    pub max_days_late: Option<i64>,
    /// Open invoices past their due day.
    pub open_overdue_count: usize,
    /// Their total.
    pub open_overdue_amount: Money,
    /// Days past due of the oldest open overdue invoice (0 when none).
    pub max_days_overdue: i64,
    /// All invoiced money.
    pub invoiced_amount: Money,
    /// `open_overdue_amount / invoiced_amount` (0 when nothing was invoiced).
    pub overdue_amount_share: f64,
    /// Late share of the invoices due in the recent period.
    pub recent_late_share: Option<f64>,
    /// Late share of the invoices due before it.
    pub earlier_late_share: Option<f64>,
    /// `recent_late_share − earlier_late_share` (absent unless both exist).
    pub trend: Option<f64>,
}

/// The evidence of `invoices` (one customer's, any order) as of `as_of`, or `None` without
/// an invoice issued before `as_of`.
pub fn evidence(invoices: &[InvoiceRow], as_of: Timestamp, trend_days: i64) -> Option<Evidence> {
    let today = as_of.day_number();
    let recent_from = today - trend_days;
    let mut e = Evidence {
        invoices: 0,
        paid: 0,
        paid_late: 0,
        paid_late_share: None,
        due: 0,
        late: 0,
        late_share: None,
        mean_days_late: None,
        max_days_late: None,
        open_overdue_count: 0,
        open_overdue_amount: Money::ZERO,
        max_days_overdue: 0,
        invoiced_amount: Money::ZERO,
        overdue_amount_share: 0.0,
        recent_late_share: None,
        earlier_late_share: None,
        trend: None,
    };
    let mut days_late_sum = 0i64;
    // (late, due) counts of the recent and the earlier period.
    let (mut recent, mut earlier) = ((0usize, 0usize), (0usize, 0usize));
    for inv in invoices.iter().filter(|i| i.issued_at < as_of) {
        e.invoices += 1;
        e.invoiced_amount += inv.amount;
        let due = inv.due_at.day_number();
        let late = match inv.paid_at.filter(|p| *p < as_of) {
            Some(paid) => {
                let days = (paid.day_number() - due).max(0);
                e.paid += 1;
                days_late_sum += days;
                e.max_days_late = Some(e.max_days_late.map_or(days, |m| m.max(days)));
                if days > 0 {
                    e.paid_late += 1;
                }
                days > 0
            }
            None if due < today => {
                e.open_overdue_count += 1;
                e.open_overdue_amount += inv.amount;
                e.max_days_overdue = e.max_days_overdue.max(today - due);
                true
            }
            None => false,
        };
        if due < today {
            e.due += 1;
            e.late += usize::from(late);
            let period = if due >= recent_from {
                &mut recent
            } else {
                &mut earlier
            };
            period.0 += usize::from(late);
            period.1 += 1;
        }
    }
    if e.invoices == 0 {
        return None;
    }
    if e.paid > 0 {
        e.paid_late_share = Some(e.paid_late as f64 / e.paid as f64);
        e.mean_days_late = Some(days_late_sum as f64 / e.paid as f64);
    }
    if e.due > 0 {
        e.late_share = Some(e.late as f64 / e.due as f64);
    }
    if e.invoiced_amount.raw() > 0 {
        e.overdue_amount_share =
            e.open_overdue_amount.raw() as f64 / e.invoiced_amount.raw() as f64;
    }
    let share = |(late, due): (usize, usize)| (due > 0).then(|| late as f64 / due as f64);
    e.recent_late_share = share(recent);
    e.earlier_late_share = share(earlier);
    e.trend = e
        .recent_late_share
        .zip(e.earlier_late_share)
        .map(|(r, b)| r - b);
    Some(e)
}

/// One term's share of the log-odds.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Contribution {
    /// The term (`late_share`, `log_mean_days_late`, …).
    pub term: &'static str,
    /// Its value (0 when the evidence is absent).
    pub value: f64,
    /// Its weight.
    pub weight: f64,
    /// `weight × value`.
    pub log_odds: f64,
}

/// The model's terms of `e`, in a fixed order, with their contributions.
pub fn contributions(e: &Evidence, w: &Weights) -> Vec<Contribution> {
    let ln1p = |x: f64| x.max(0.0).ln_1p();
    let terms = [
        ("late_share", e.late_share.unwrap_or(0.0), w.late_share),
        (
            "log_mean_days_late",
            ln1p(e.mean_days_late.unwrap_or(0.0)),
            w.log_mean_days_late,
        ),
        (
            "log_max_days_late",
            ln1p(e.max_days_late.unwrap_or(0) as f64),
            w.log_max_days_late,
        ),
        (
            "log_max_days_overdue",
            ln1p(e.max_days_overdue as f64),
            w.log_max_days_overdue,
        ),
        (
            "log_open_overdue_count",
            ln1p(e.open_overdue_count as f64),
            w.log_open_overdue_count,
        ),
        (
            "overdue_amount_share",
            e.overdue_amount_share,
            w.overdue_amount_share,
        ),
        ("trend", e.trend.unwrap_or(0.0), w.trend),
    ];
    terms
        .into_iter()
        .map(|(term, value, weight)| Contribution {
            term,
            value,
            weight,
            log_odds: weight * value,
        })
        .collect()
}

/// The model's log-odds of `e`: intercept plus the contributions, added in term order.
pub fn log_odds(e: &Evidence, w: &Weights) -> f64 {
    contributions(e, w)
        .iter()
        .fold(w.intercept, |acc, c| acc + c.log_odds)
}

/// A risk band.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Band {
    /// Below `medium_from`.
    Low,
    /// From `medium_from` to below `high_from`.
    Medium,
    /// From `high_from` on.
    High,
}

impl Band {
    /// The band of a probability.
    pub fn of(probability: f64, settings: &PaymentRiskSettings) -> Band {
        if probability >= settings.high_from {
            Band::High
        } else if probability >= settings.medium_from {
            Band::Medium
        } else {
            Band::Low
        }
    }

    /// `"low"`, `"medium"` or `"high"`.
    pub fn as_str(self) -> &'static str {
        match self {
            Band::Low => "low",
            Band::Medium => "medium",
            Band::High => "high",
        }
    }
}

/// One customer's payment risk with its evidence.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PaymentRisk {
    /// Customer index in the fact set.
    #[serde(skip)]
    pub customer: u32,
    /// The payment record.
    pub evidence: Evidence,
    /// Intercept of the model.
    pub intercept: f64,
    /// Each term's share of the log-odds; intercept + contributions = `log_odds`.
    pub contributions: Vec<Contribution>,
    /// The model's log-odds.
    pub log_odds: f64,
    /// `σ(log_odds)`.
    pub model_probability: f64,
    /// The calibrated probability when calibrated, else the model probability.
    pub probability: f64,
    /// True when `probability` is Platt-calibrated on default outcomes.
    pub calibrated: bool,
    /// `100 × probability`.
    pub score: f64,
    /// The band of `probability`.
    pub band: Band,
}

/// How (and whether) the probabilities were calibrated.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CalibrationInfo {
    /// True when the probabilities are Platt-calibrated on default outcomes.
    pub calibrated: bool,
    /// Why not, or on what.
    pub note: String,
    /// The fitted calibrator (`σ(a · logit(p) + b)`).
    pub calibrator: Option<Calibrator>,
    /// Evidence as of this time; labels from it to `as_of`.
    pub cutoff: Timestamp,
    /// Customers in the calibration set.
    pub n: usize,
    /// Of which defaulted within the horizon.
    pub positives: usize,
}

/// Payment risk of every customer with an invoice.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PaymentRiskResult {
    /// The reference time.
    pub as_of: Timestamp,
    /// One row per customer with an invoice before `as_of`, in customer-index order.
    pub rows: Vec<PaymentRisk>,
    /// Calibration.
    pub calibration: CalibrationInfo,
    /// Customers per band: low, medium, high.
    pub bands: [usize; 3],
}

/// Payment risk of the customers of `facts` as of `facts.as_of`.
pub fn payment_risk(facts: &Facts, settings: &PaymentRiskSettings) -> PaymentRiskResult {
    let calibration = calibrate(facts, settings);
    let mut rows = Vec::new();
    let mut bands = [0usize; 3];
    for c in 0..facts.customers.len() {
        let invoices = facts.invoices.of_or_empty(c);
        let Some(e) = evidence(invoices, facts.as_of, settings.trend_days) else {
            continue;
        };
        let row = assess(c as u32, e, settings, calibration.calibrator.as_ref());
        bands[row.band as usize] += 1;
        rows.push(row);
    }
    PaymentRiskResult {
        as_of: facts.as_of,
        rows,
        calibration,
        bands,
    }
}

/// One customer's payment risk from their evidence, with the calibrator of a batch run (or
/// none): what [`payment_risk`] computes for each row, for scoring a customer alone.
pub fn assess(
    customer: u32,
    evidence: Evidence,
    settings: &PaymentRiskSettings,
    calibrator: Option<&Calibrator>,
) -> PaymentRisk {
    let w = &settings.weights;
    let contributions = contributions(&evidence, w);
    let z = contributions
        .iter()
        .fold(w.intercept, |acc, c| acc + c.log_odds);
    let model_probability = sigmoid(z);
    let probability =
        calibrator.map_or(model_probability, |cal| cal.apply(&[model_probability])[0]);
    PaymentRisk {
        customer,
        evidence,
        intercept: w.intercept,
        contributions,
        log_odds: z,
        model_probability,
        probability,
        calibrated: calibrator.is_some(),
        score: 100.0 * probability,
        band: Band::of(probability, settings),
    }
}

/// Platt calibration on default outcomes within the horizon, if there are enough.
pub fn calibrate(facts: &Facts, settings: &PaymentRiskSettings) -> CalibrationInfo {
    let cutoff = facts.as_of.plus_days(-settings.horizon_days);
    let is_default = |kind: &str| settings.default_kinds.iter().any(|k| k == kind);
    let (mut y, mut p) = (Vec::new(), Vec::new());
    let mut labelled_anywhere = false;
    for c in 0..facts.customers.len() {
        let defaults: Vec<Timestamp> = facts
            .outcomes
            .of_or_empty(c)
            .iter()
            .filter(|o| is_default(&o.kind))
            .map(|o| o.at)
            .collect();
        labelled_anywhere |= !defaults.is_empty();
        if defaults.iter().any(|&at| at < cutoff) {
            continue;
        }
        let Some(e) = evidence(facts.invoices.of_or_empty(c), cutoff, settings.trend_days) else {
            continue;
        };
        y.push(if defaults.is_empty() { 0.0 } else { 1.0 });
        p.push(sigmoid(log_odds(&e, &settings.weights)));
    }
    let positives = y.iter().filter(|&&v| v == 1.0).count();
    let negatives = y.len() - positives;
    let mut info = CalibrationInfo {
        calibrated: false,
        note: String::new(),
        calibrator: None,
        cutoff,
        n: y.len(),
        positives,
    };
    if !labelled_anywhere {
        info.note = format!(
            "not calibrated: no outcome of kind {} in the facts",
            settings.default_kinds.join(" or ")
        );
    } else if positives < settings.min_positives || negatives < settings.min_negatives {
        info.note = format!(
            "not calibrated: {positives} defaults and {negatives} non-defaults of customers \
             invoiced before {} (at least {} and {} needed)",
            cutoff.date(),
            settings.min_positives,
            settings.min_negatives
        );
    } else {
        info.calibrated = true;
        info.note = format!(
            "Platt-calibrated on {} customers invoiced before {} ({positives} defaulted by {})",
            y.len(),
            cutoff.date(),
            facts.as_of.date()
        );
        info.calibrator = Some(Calibrator::fit(Method::Platt, &y, &p));
    }
    info
}

#[cfg(test)]
mod tests {
    use super::*;
    use patron_core::facts::{Grouped, OutcomeRow};
    use patron_core::ids::CustomerId;

    /// Midnight of day `d` plus `h` hours.
    fn at(d: i64, h: i64) -> Timestamp {
        Timestamp::from_secs(d * 86_400 + h * 3_600)
    }

    /// An invoice issued on day `issued`, due on day `due`, paid on day `paid`.
    fn inv(issued: i64, due: i64, paid: Option<i64>, amount: f64) -> InvoiceRow {
        InvoiceRow {
            issued_at: at(issued, 0),
            due_at: at(due, 0),
            paid_at: paid.map(|d| at(d, 15)),
            amount: Money::from_f64(amount),
        }
    }

    #[test]
    fn exact_evidence_of_hand_built_invoices() {
        let as_of = at(1000, 0);
        let invoices = [
            inv(700, 730, Some(725), 100.0), // early: 0 days late, due earlier
            inv(750, 780, Some(790), 200.0), // 10 days late, due earlier
            inv(850, 880, Some(880), 50.0),  // on the due day: 0 days late, recent
            inv(900, 930, Some(960), 300.0), // 30 days late, recent
            inv(940, 970, None, 120.0),      // open, 30 days overdue, recent
            inv(960, 990, None, 80.0),       // open, 10 days overdue, recent
            inv(980, 1010, None, 150.0),     // open, not yet due
            inv(1000, 1030, None, 999.0),    // issued on the as-of day: not yet known
            inv(780, 810, Some(1005), 40.0), // paid after as_of: open, 190 days overdue, earlier
        ];
        let e = evidence(&invoices, as_of, 180).unwrap();
        assert_eq!((e.invoices, e.paid, e.paid_late), (8, 4, 2));
        assert_eq!(e.paid_late_share, Some(0.5));
        // Due: all but the one due on day 1010; late: 2 paid late + 3 open overdue.
        assert_eq!((e.due, e.late, e.late_share), (7, 5, Some(5.0 / 7.0)));
        assert_eq!(e.mean_days_late, Some(10.0)); // (0 + 10 + 0 + 30) / 4
        assert_eq!(e.max_days_late, Some(30));
        assert_eq!(e.open_overdue_count, 3);
        assert_eq!(e.open_overdue_amount, Money::from_f64(240.0));
        assert_eq!(e.max_days_overdue, 190);
        assert_eq!(e.invoiced_amount, Money::from_f64(1040.0));
        assert!((e.overdue_amount_share - 240.0 / 1040.0).abs() < 1e-15);
        // Recent (due on days 820..1000): 880 on time, 930 late, 970 and 990 open → 3 of 4.
        // Earlier: 730 on time, 780 late, and 810 open → 2 of 3.
        assert_eq!(e.recent_late_share, Some(0.75));
        assert_eq!(e.earlier_late_share, Some(2.0 / 3.0));
        assert!((e.trend.unwrap() - (0.75 - 2.0 / 3.0)).abs() < 1e-15);

        // As of day 800 the same invoices tell an earlier story (the one due on 810 is not
        // due yet).
        let e = evidence(&invoices, at(800, 0), 180).unwrap();
        assert_eq!((e.invoices, e.paid, e.paid_late), (3, 2, 1));
        assert_eq!(e.mean_days_late, Some(5.0));
        assert_eq!((e.open_overdue_count, e.max_days_overdue), (0, 0));
        assert_eq!(
            (e.recent_late_share, e.earlier_late_share),
            (Some(0.5), None)
        );
        assert_eq!(e.trend, None);
        assert_eq!(evidence(&invoices, at(700, 0), 180), None);
    }

    #[test]
    fn the_model_adds_up_and_orders_customers_sensibly() {
        let w = Weights::default();
        let s = PaymentRiskSettings::default();
        let as_of = at(1000, 0);
        let punctual: Vec<InvoiceRow> = (0..10)
            .map(|i| inv(500 + 40 * i, 530 + 40 * i, Some(520 + 40 * i), 100.0))
            .collect();
        let e = evidence(&punctual, as_of, 180).unwrap();
        let p = sigmoid(log_odds(&e, &w));
        assert!(
            (p - sigmoid(-3.0)).abs() < 1e-15,
            "nothing late: intercept only"
        );
        assert_eq!(Band::of(p, &s), Band::Low);

        let mild: Vec<InvoiceRow> = (0..10)
            .map(|i| {
                let late = if i % 3 == 0 { 5 } else { 0 };
                inv(500 + 40 * i, 530 + 40 * i, Some(530 + 40 * i + late), 100.0)
            })
            .collect();
        let e = evidence(&mild, as_of, 180).unwrap();
        let c = contributions(&e, &w);
        let z = log_odds(&e, &w);
        assert!((w.intercept + c.iter().map(|c| c.log_odds).sum::<f64>() - z).abs() < 1e-12);
        // 4 of 10 late by 5 days (mean 2), and of those due in the last 180 days 1 of 2 late
        // against 3 of 8 before: 1.5 × 0.4 + 0.4 × ln 3 + 0.2 × ln 6 + 0.8 × (1/2 − 3/8).
        let expected =
            -3.0 + 1.5 * 0.4 + 0.4 * 3f64.ln() + 0.2 * 6f64.ln() + 0.8 * (0.5 - 3.0 / 8.0);
        assert!((z - expected).abs() < 1e-12, "{z} vs {expected}");
        assert_eq!(Band::of(sigmoid(z), &s), Band::Medium);

        let never = [inv(700, 730, None, 500.0), inv(800, 830, None, 500.0)];
        let e = evidence(&never, as_of, 180).unwrap();
        let p_never = sigmoid(log_odds(&e, &w));
        // −3 + 1.5 (all late) + 0.6 ln 271 + 0.3 ln 3 + 1.0 (all overdue), no trend (late
        // in both periods).
        let expected = -3.0 + 1.5 + 0.6 * 271f64.ln() + 0.3 * 3f64.ln() + 1.0;
        assert!((p_never - sigmoid(expected)).abs() < 1e-12);
        assert!(p_never > 0.8, "{p_never}");
        assert_eq!(Band::of(p_never, &s), Band::High);
    }

    /// Facts with one customer per invoice list, and default outcomes at the given days.
    fn facts(as_of: i64, customers: &[(Vec<InvoiceRow>, Option<i64>)]) -> Facts {
        let mut f = Facts {
            as_of: at(as_of, 0),
            ..Default::default()
        };
        let (mut invoices, mut outcomes) = (Grouped::default(), Grouped::default());
        for (i, (rows, default_day)) in customers.iter().enumerate() {
            f.customers
                .ids
                .push(CustomerId::parse(&format!("K{i}")).unwrap());
            invoices.rows.extend(rows.iter().cloned());
            invoices.offsets.push(invoices.rows.len());
            if let Some(d) = default_day {
                outcomes.rows.push(OutcomeRow {
                    at: at(*d, 12),
                    kind: "written_off".to_owned(),
                    label: None,
                });
            }
            outcomes.offsets.push(outcomes.rows.len());
        }
        f.invoices = invoices;
        f.outcomes = outcomes;
        f
    }

    #[test]
    fn without_labels_the_probabilities_are_the_models() {
        let f = facts(
            1000,
            &[
                (vec![inv(900, 930, Some(931), 10.0)], None),
                (vec![], None),
                (vec![inv(950, 980, None, 10.0)], None),
            ],
        );
        let r = payment_risk(&f, &PaymentRiskSettings::default());
        assert!(!r.calibration.calibrated);
        assert!(r.calibration.note.contains("no outcome of kind"));
        let customers: Vec<u32> = r.rows.iter().map(|r| r.customer).collect();
        assert_eq!(customers, [0, 2], "no invoice, no payment risk");
        for row in &r.rows {
            assert_eq!(row.probability, row.model_probability);
            assert!(!row.calibrated);
            assert!((row.score - 100.0 * row.probability).abs() < 1e-12);
        }
        assert_eq!(r.bands.iter().sum::<usize>(), 2);
    }

    #[test]
    fn facts_without_invoice_and_outcome_tables() {
        let mut f = Facts::default();
        f.customers.ids = vec![
            CustomerId::parse("A").unwrap(),
            CustomerId::parse("B").unwrap(),
        ];
        let r = payment_risk(&f, &PaymentRiskSettings::default());
        assert!(r.rows.is_empty() && !r.calibration.calibrated);
    }

    #[test]
    fn calibrated_on_defaults_after_the_cutoff() {
        // As of day 1000, horizon 365: evidence as of day 635, defaults in [635, 1000).
        // 40 late payers of whom 30 are written off later; 60 punctual, of whom 3 are.
        let mut customers = Vec::new();
        for i in 0..40i64 {
            let rows = vec![inv(400, 430, Some(480), 100.0), inv(500, 530, None, 100.0)];
            customers.push((rows, (i < 30).then_some(700 + i)));
        }
        for i in 0..60i64 {
            let rows = vec![
                inv(400, 430, Some(425), 100.0),
                inv(500, 530, Some(520), 100.0),
            ];
            customers.push((rows, (i < 3).then_some(800)));
        }
        // One customer written off before the cut-off: left out of the calibration set.
        customers.push((vec![inv(400, 430, None, 100.0)], Some(600)));
        let f = facts(1000, &customers);
        let r = payment_risk(&f, &PaymentRiskSettings::default());
        let cal = &r.calibration;
        assert!(cal.calibrated, "{}", cal.note);
        assert_eq!((cal.n, cal.positives), (100, 33));
        assert_eq!(cal.cutoff, at(635, 0));
        // Platt on two groups reproduces their default rates: 30/40 and 3/60.
        let late = &r.rows[0];
        let punctual = &r.rows[40];
        let p_late_then = sigmoid(log_odds(
            &evidence(f.invoices.of(0), cal.cutoff, 180).unwrap(),
            &Weights::default(),
        ));
        let calibrator = cal.calibrator.as_ref().unwrap();
        let q = calibrator.apply(&[p_late_then])[0];
        assert!((q - 0.75).abs() < 1e-6, "{q} {calibrator:?}");
        assert!(late.probability > punctual.probability);
        assert_ne!(late.probability, late.model_probability);
        assert!(late.calibrated);
        // A customer assessed alone with the run's calibrator equals their batch row.
        let alone = assess(
            0,
            evidence(f.invoices.of(0), f.as_of, 180).unwrap(),
            &PaymentRiskSettings::default(),
            cal.calibrator.as_ref(),
        );
        assert_eq!(&alone, late);
        assert!(
            (punctual.probability - 0.05).abs() < 0.02,
            "{}",
            punctual.probability
        );

        // Too few defaults: not calibrated, and the result says why.
        let strict = PaymentRiskSettings {
            min_positives: 50,
            ..Default::default()
        };
        let r = payment_risk(&f, &strict);
        assert!(!r.calibration.calibrated);
        assert!(
            r.calibration.note.contains("33 defaults"),
            "{}",
            r.calibration.note
        );
    }
}
