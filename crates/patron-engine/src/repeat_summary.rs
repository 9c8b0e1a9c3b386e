//! From purchase histories to the buy-till-you-die summary: per customer the number of repeat
//! purchases `x`, the time of the last one `t_x` and the customer's age `T`, measured from the
//! first purchase in a time unit, plus the mean spend of the repeat purchases.
//!
//! Conventions (those of Fader, Hardie & Lee's CDNOW summary and of `lifetimes`'
//! `summary_data_from_transaction_data`): purchases on the same calendar day are one purchase
//! (their amounts add up); the first purchase is not a repeat; `T` runs from the first
//! purchase's day to the last observed day (`end_day`, inclusive); times are whole days divided
//! by the unit's length in days. Returns (negative lines) count towards spend, not purchases.

use patron_core::facts::Facts;
use serde::Serialize;

/// The summary of every customer with a purchase in the window.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct RepeatSummary {
    /// Customer index in the fact set.
    pub customer: Vec<u32>,
    /// Repeat purchases (distinct purchase days − 1).
    pub x: Vec<f64>,
    /// Time of the last purchase after the first, in units.
    pub t_x: Vec<f64>,
    /// Age: time from the first purchase to the end of the window, in units.
    pub t: Vec<f64>,
    /// Mean spend of the repeat purchases (0 when x = 0).
    pub mean_repeat_spend: Vec<f64>,
    /// Spend of the first purchase.
    pub first_spend: Vec<f64>,
    /// Day number of the first purchase.
    pub first_day: Vec<i64>,
}

impl RepeatSummary {
    /// Number of customers.
    pub fn len(&self) -> usize {
        self.customer.len()
    }
    /// True when empty.
    pub fn is_empty(&self) -> bool {
        self.customer.is_empty()
    }
}

/// What a purchase is worth: its revenue, or a value per order line (e.g. gross margin from
/// [`crate::margin::line_gross_margins`]).
#[derive(Debug, Clone, Copy, Default)]
pub enum LineValue<'a> {
    /// Line revenue.
    #[default]
    Revenue,
    /// A value per order line, indexed like the fact set's order columns.
    PerLine(&'a [f64]),
}

/// Purchase days of one customer with the spend of each day, in day order.
fn purchase_days(
    facts: &Facts,
    c: usize,
    from_day: i64,
    to_day: i64,
    value: LineValue<'_>,
    out: &mut Vec<(i64, f64)>,
) {
    out.clear();
    let o = &facts.orders;
    for i in facts.order_range(c) {
        let day = o.timestamp[i].day_number();
        if day < from_day || day > to_day {
            continue;
        }
        let amount = match value {
            LineValue::Revenue => o.amount[i].to_f64(),
            LineValue::PerLine(values) => values[i],
        };
        match out.last_mut() {
            Some((d, spend)) if *d == day => *spend += amount,
            // A day whose only lines are returns is no purchase, but its amount counts.
            _ if o.is_return[i] => {
                if let Some((_, spend)) = out.last_mut() {
                    *spend += amount;
                }
            }
            _ => out.push((day, amount)),
        }
    }
}

/// Summarises purchases on days `start_day..=end_day` (day numbers; `start_day` = `i64::MIN`
/// for all history), in units of `unit_days` days. Customers whose first purchase in the
/// window is on a later day than `end_day` are absent.
pub fn repeat_summary(
    facts: &Facts,
    start_day: i64,
    end_day: i64,
    unit_days: f64,
) -> RepeatSummary {
    repeat_summary_valued(facts, start_day, end_day, unit_days, LineValue::Revenue)
}

/// One customer's summary.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SummaryRow {
    /// Repeat purchases.
    pub x: f64,
    /// Time of the last purchase after the first, in units.
    pub t_x: f64,
    /// Age in units.
    pub t: f64,
    /// Mean spend of the repeat purchases (0 when x = 0).
    pub mean_repeat_spend: f64,
    /// Spend of the first purchase.
    pub first_spend: f64,
    /// Day number of the first purchase.
    pub first_day: i64,
}

impl SummaryRow {
    /// What the customer spent so far: first purchase plus repeat spend.
    pub fn value(&self) -> f64 {
        self.first_spend + self.x * self.mean_repeat_spend
    }
}

impl RepeatSummary {
    /// Row `i`.
    pub fn row(&self, i: usize) -> SummaryRow {
        SummaryRow {
            x: self.x[i],
            t_x: self.t_x[i],
            t: self.t[i],
            mean_repeat_spend: self.mean_repeat_spend[i],
            first_spend: self.first_spend[i],
            first_day: self.first_day[i],
        }
    }
}

/// The summary of customer `c` ([`repeat_summary_valued`]'s row of that customer), or `None`
/// without a purchase in the window. `days` is scratch space.
pub fn summary_of(
    facts: &Facts,
    c: usize,
    start_day: i64,
    end_day: i64,
    unit_days: f64,
    value: LineValue<'_>,
    days: &mut Vec<(i64, f64)>,
) -> Option<SummaryRow> {
    purchase_days(facts, c, start_day, end_day, value, days);
    let &(first, first_spend) = days.first()?;
    let (last, _) = days[days.len() - 1];
    let repeats = &days[1..];
    Some(SummaryRow {
        x: repeats.len() as f64,
        t_x: (last - first) as f64 / unit_days,
        t: (end_day - first) as f64 / unit_days,
        mean_repeat_spend: if repeats.is_empty() {
            0.0
        } else {
            repeats.iter().map(|(_, spend)| spend).sum::<f64>() / repeats.len() as f64
        },
        first_spend,
        first_day: first,
    })
}

/// [`repeat_summary`] with purchases valued by `value` (revenue or, e.g., gross margin).
pub fn repeat_summary_valued(
    facts: &Facts,
    start_day: i64,
    end_day: i64,
    unit_days: f64,
    value: LineValue<'_>,
) -> RepeatSummary {
    let mut s = RepeatSummary::default();
    let mut days = Vec::new();
    for c in 0..facts.customers.len() {
        let Some(row) = summary_of(facts, c, start_day, end_day, unit_days, value, &mut days)
        else {
            continue;
        };
        s.customer.push(c as u32);
        s.x.push(row.x);
        s.t_x.push(row.t_x);
        s.t.push(row.t);
        s.mean_repeat_spend.push(row.mean_repeat_spend);
        s.first_spend.push(row.first_spend);
        s.first_day.push(row.first_day);
    }
    s
}

/// Repeat purchases (distinct purchase days) of each summarised customer in the holdout days
/// `from_day..=to_day`, and their total spend: what a model's prediction is checked against.
pub fn holdout_purchases(
    facts: &Facts,
    summary: &RepeatSummary,
    from_day: i64,
    to_day: i64,
) -> (Vec<f64>, Vec<f64>) {
    let mut days = Vec::new();
    summary
        .customer
        .iter()
        .map(|&c| {
            purchase_days(
                facts,
                c as usize,
                from_day,
                to_day,
                LineValue::Revenue,
                &mut days,
            );
            (days.len() as f64, days.iter().map(|(_, s)| s).sum::<f64>())
        })
        .unzip()
}

/// Day numbers of every repeat purchase (a purchase day after the customer's first) of the
/// summarised customers on days `start_day..=end_day`: the actual line of the "cumulative
/// repeat transactions" tracking plot.
pub fn repeat_days(
    facts: &Facts,
    summary: &RepeatSummary,
    start_day: i64,
    end_day: i64,
) -> Vec<i64> {
    let mut days = Vec::new();
    let mut out = Vec::new();
    for (&c, &first) in summary.customer.iter().zip(&summary.first_day) {
        purchase_days(
            facts,
            c as usize,
            start_day.max(first + 1),
            end_day,
            LineValue::Revenue,
            &mut days,
        );
        out.extend(days.iter().map(|(d, _)| *d));
    }
    out
}
