//! The subscription business of the demo (`DemoOptions::subscriptions`): most buying
//! customers also hold a plan, billed monthly or yearly. Cancellations come from the same
//! dropout that ends their purchases, and what precedes a dropout precedes them: usage
//! (logins to the account, one to several a week) all but stops 20–60 days before, and
//! unhappy tickets cluster around it (see [`crate::support`]). A plan is cancelled within
//! three weeks of the dropout, so the signals come before the notice date a model has to beat.
//! Prices rise by a fifth 270 days before the end of the history, and some subscribers who
//! would have stayed leave within two months of their rise ("too expensive").
//!
//! Everything is drawn from a stream of its own (`Rng::fork(seed ^ SALT, index)`), so the
//! retail files are the same with and without subscriptions.

use crate::billing::{Discipline, Invoice};
use crate::calendar::Civil;
use crate::draw::{at_daytime, int_between, weighted};
use crate::engagement::{Event, EventKind, Page};
use crate::person::Segment;
use crate::world::World;
use patron_core::Timestamp;
use patron_core::random::Rng;

/// Separates the subscription stream from the record's own.
const SALT: u64 = 0x5ab5_c41b_7e0d_2f19;
/// Share of buying customers with a plan.
const SUBSCRIBER_SHARE: f64 = 0.7;
/// Days before the dropout over which usage falls off.
const FADE_DAYS: (i64, i64) = (20, 60);
/// Days before the end of the history when prices rise by a fifth (a monthly plan's at once,
/// a yearly plan's at its next renewal).
const PRICE_RISE_DAYS_BEFORE_END: i64 = 270;
/// Share of the subscribers who stay otherwise that cancel after their price rose.
const PRICE_SENSITIVE: f64 = 0.12;

/// A plan a customer holds.
#[derive(Debug, Clone)]
pub struct Subscription {
    /// Basic, Plus or Pro.
    pub plan: &'static str,
    /// Start (midnight of the first order's day).
    pub started: Timestamp,
    /// 1 (monthly) or 12 (yearly).
    pub billing_months: u32,
    /// Billed per period, in cents (since the price rise, if it came).
    pub price_cents: i64,
    /// The price before the rise and when the rise took effect.
    pub price_rise: Option<(i64, Timestamp)>,
    /// Days of notice before a renewal.
    pub notice_days: u32,
    /// End of the current term for yearly plans (monthly plans roll every month).
    pub renews: Option<Timestamp>,
    /// When the cancellation came in.
    pub cancelled: Option<Timestamp>,
    /// Why, as the customer said.
    pub reason: Option<&'static str>,
}

/// Midnight of the day `months` after `t`'s, on `t`'s day of the month (clamped to the
/// month's end).
fn plus_months(t: Timestamp, months: u32) -> Timestamp {
    let c = Civil::of(t);
    let total = c.month as i64 - 1 + i64::from(months);
    let (year, month) = (
        c.year + total.div_euclid(12),
        (total.rem_euclid(12) + 1) as u32,
    );
    let day = c.day.min(days_in(year, month) as u32);
    Civil::new(year, month, day).midnight()
}

fn days_in(year: i64, month: u32) -> i64 {
    let next = if month == 12 {
        Civil::new(year + 1, 1, 1)
    } else {
        Civil::new(year, month + 1, 1)
    };
    next.day_number() - Civil::new(year, month, 1).day_number()
}

/// The customer's plan, its usage events (added to `events`, which the caller sorts) and its
/// invoices (added to `invoices`), or `None` for a customer without one.
#[allow(clippy::too_many_arguments)]
pub fn subscribe(
    world: &World,
    index: u64,
    segment: Segment,
    discipline: Discipline,
    first_order: Option<Timestamp>,
    dropout: Option<Timestamp>,
    events: &mut Vec<Event>,
    invoices: &mut Vec<Invoice>,
) -> Option<Subscription> {
    let first = first_order?;
    let mut rng = Rng::fork(world.seed ^ SALT, index);
    if !rng.chance(SUBSCRIBER_SHARE) {
        return None;
    }
    let plans: &[(&'static str, f64)] = match segment {
        Segment::B2b => &[("Basic", 2.0), ("Plus", 4.0), ("Pro", 4.0)],
        _ => &[("Basic", 5.0), ("Plus", 3.5), ("Pro", 1.5)],
    };
    let plan = weighted(&mut rng, plans);
    let monthly_cents = match plan {
        "Basic" => 990,
        "Plus" => 2490,
        _ => 5990,
    };
    let yearly = rng.chance(0.3);
    let (billing_months, price_cents, notice_days) = if yearly {
        (12, monthly_cents * 10, 30)
    } else {
        (1, monthly_cents, 7)
    };
    let started = Civil::of(first).midnight();
    let mut cancelled = dropout
        .map(|d| {
            let day = d.plus_days(int_between(&mut rng, 0, 20));
            at_daytime(&mut rng, day, world.end)
        })
        .filter(|c| *c < world.end && *c > started);
    let mut reason = cancelled.map(|_| {
        weighted(
            &mut rng,
            &[
                ("too expensive", 3.0),
                ("not using it enough", 4.0),
                ("unhappy with support", 2.0),
                ("switched to a competitor", 2.0),
            ],
        )
    });
    // The price rise: in force from the rise day (monthly) or the first renewal after it
    // (yearly), for plans still running then; some of those who would have stayed leave.
    let rise_day = Civil::of(world.end.plus_days(-PRICE_RISE_DAYS_BEFORE_END)).midnight();
    let effective = if yearly {
        let mut term = 12;
        while plus_months(started, term) < rise_day {
            term += 12;
        }
        plus_months(started, term)
    } else {
        rise_day.max(plus_months(started, 1))
    };
    let sensitive = rng.chance(PRICE_SENSITIVE);
    let react = int_between(&mut rng, 10, 60);
    let price_rise = (effective < world.end && cancelled.is_none_or(|c| c > effective))
        .then_some((price_cents, effective));
    let price_cents = if price_rise.is_some() {
        price_cents * 6 / 5
    } else {
        price_cents
    };
    if let Some((_, at)) = price_rise
        && cancelled.is_none()
        && sensitive
    {
        let day = at.plus_days(react);
        if day < world.end {
            cancelled = Some(at_daytime(&mut rng, day, world.end));
            reason = Some("too expensive");
        }
    }
    let running_until = cancelled.unwrap_or(world.end);
    let renews = yearly.then(|| {
        let mut term = 12;
        while plus_months(started, term) <= running_until {
            term += 12;
        }
        plus_months(started, term)
    });
    usage(&mut rng, world, started, running_until, dropout, events);
    bill(
        &mut rng,
        world,
        started,
        billing_months,
        (price_cents, price_rise),
        cancelled,
        renews,
        discipline,
        invoices,
    );
    Some(Subscription {
        plan,
        started,
        billing_months,
        price_cents,
        price_rise,
        notice_days,
        renews,
        cancelled,
        reason,
    })
}

/// Logins to the account: a few a week while the plan is used, falling to a trickle in the
/// weeks before a dropout.
fn usage(
    rng: &mut Rng,
    world: &World,
    from: Timestamp,
    until: Timestamp,
    dropout: Option<Timestamp>,
    events: &mut Vec<Event>,
) {
    let weekly = 1.0 + rng.gamma(3.0, 1.0);
    let fade_from = dropout.map(|d| d.plus_days(-int_between(rng, FADE_DAYS.0, FADE_DAYS.1)));
    let mut week = from;
    while week < until {
        let fading = fade_from.is_some_and(|f| week >= f);
        let rate = if fading { weekly * 0.05 } else { weekly };
        for _ in 0..rng.poisson(rate) {
            let day = week.plus_days(int_between(rng, 0, 6));
            let at = at_daytime(rng, day, world.end);
            if at < until {
                events.push(Event {
                    at,
                    kind: EventKind::Login,
                    page: Page::Account,
                    campaign: None,
                });
            }
        }
        week = week.plus_days(7);
    }
}

/// One invoice per billing period while the plan runs (a yearly plan is paid for the whole
/// term it was cancelled in).
#[allow(clippy::too_many_arguments)]
fn bill(
    rng: &mut Rng,
    world: &World,
    started: Timestamp,
    billing_months: u32,
    (price_cents, price_rise): (i64, Option<(i64, Timestamp)>),
    cancelled: Option<Timestamp>,
    renews: Option<Timestamp>,
    discipline: Discipline,
    invoices: &mut Vec<Invoice>,
) {
    let stop = match (cancelled, renews) {
        (Some(_), Some(term_end)) => term_end,
        (Some(c), None) => c,
        (None, _) => world.end,
    }
    .min(world.end);
    let mut k = 0;
    loop {
        let issued = plus_months(started, k * billing_months);
        if issued >= stop {
            break;
        }
        let due = issued.plus_days(14);
        let paid = match discipline {
            Discipline::Never => None,
            Discipline::Late => Some(due.plus_days(int_between(rng, 5, 45))),
            Discipline::Punctual => Some(issued.plus_days(int_between(rng, 0, 10))),
        }
        .filter(|p| *p < world.end);
        invoices.push(Invoice {
            issued,
            due,
            paid,
            amount_cents: match price_rise {
                Some((before, at)) if issued < at => before,
                _ => price_cents,
            },
        });
        k += 1;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn months_are_added_on_the_same_day_or_the_months_end() {
        let day = |y, m, d| Civil::new(y, m, d).midnight();
        assert_eq!(plus_months(day(2024, 1, 31), 1), day(2024, 2, 29));
        assert_eq!(plus_months(day(2023, 1, 31), 1), day(2023, 2, 28));
        assert_eq!(plus_months(day(2024, 11, 15), 2), day(2025, 1, 15));
        assert_eq!(plus_months(day(2024, 5, 10), 12), day(2025, 5, 10));
        assert_eq!(plus_months(day(2024, 5, 10), 0), day(2024, 5, 10));
    }
}
