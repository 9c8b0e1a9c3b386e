//! Support tickets: about 0.3 a year per active customer, and a cluster of unhappy, more often
//! escalated tickets around the time a customer drops out.

use crate::draw::{at_daytime, instant_between, log_normal, plus_secs, weighted};
use crate::purchases::YEAR_SECS;
use crate::world::World;
use patron_core::Timestamp;
use patron_core::random::Rng;

/// One support ticket.
#[derive(Debug, Clone)]
pub struct Ticket {
    /// Opened.
    pub opened: Timestamp,
    /// Closed; `None` while open.
    pub closed: Option<Timestamp>,
    /// delivery, billing, product, returns or account.
    pub category: &'static str,
    /// low, normal or high.
    pub priority: &'static str,
    /// Escalated to second level.
    pub escalated: bool,
    /// −1 … 1; `None` when not rated.
    pub sentiment: Option<f64>,
    /// Time spent on it.
    pub handling_minutes: u32,
}

/// Why a ticket was opened.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mood {
    /// An ordinary question.
    Routine,
    /// Trouble before the customer leaves.
    Unhappy,
    /// About a return.
    Return,
}

/// What tickets depend on.
pub struct SupportContext<'a> {
    /// First order, if any.
    pub first_order: Option<Timestamp>,
    /// Dropout time, if the customer dropped out.
    pub dropout: Option<Timestamp>,
    /// Times of return orders.
    pub returns: &'a [Timestamp],
}

/// Annual ticket rate of an active customer.
const ROUTINE_RATE: f64 = 0.3;

/// Mean number of tickets around a dropout.
const UNHAPPY_TICKETS: f64 = 0.9;

/// Fills `tickets`, sorted by opening time.
pub fn tickets(rng: &mut Rng, world: &World, ctx: &SupportContext<'_>, tickets: &mut Vec<Ticket>) {
    tickets.clear();
    let Some(first) = ctx.first_order else { return };
    let active_until = ctx.dropout.unwrap_or(world.end);
    let years = (active_until.secs() - first.secs()) as f64 / YEAR_SECS;
    for _ in 0..rng.poisson(ROUTINE_RATE * years) {
        let at = instant_between(rng, first, active_until);
        push(rng, world, at, Mood::Routine, tickets);
    }
    if let Some(dropout) = ctx.dropout {
        let from = dropout.plus_days(-75).max(first);
        let to = dropout.plus_days(20).min(world.end);
        for _ in 0..rng.poisson(UNHAPPY_TICKETS) {
            let at = instant_between(rng, from, to);
            push(rng, world, at, Mood::Unhappy, tickets);
        }
    }
    for &back in ctx.returns {
        if rng.chance(0.2) {
            push(
                rng,
                world,
                back.plus_days(-1).max(first),
                Mood::Return,
                tickets,
            );
        }
    }
    tickets.sort_by_key(|t| t.opened);
}

fn push(rng: &mut Rng, world: &World, at: Timestamp, mood: Mood, tickets: &mut Vec<Ticket>) {
    let opened = at_daytime(rng, at, world.end);
    if opened >= world.end {
        return;
    }
    let category = category(rng, mood);
    let priority = match mood {
        Mood::Unhappy => weighted(rng, &[("low", 15.0), ("normal", 50.0), ("high", 35.0)]),
        _ => weighted(rng, &[("low", 30.0), ("normal", 57.0), ("high", 13.0)]),
    };
    let escalation = match (mood, priority) {
        (Mood::Unhappy, "high") => 0.25,
        (Mood::Unhappy, _) | (_, "high") => 0.08,
        _ => 0.025,
    };
    let escalated = rng.chance(escalation);
    let sentiment = sentiment(rng, mood);
    let handling = log_normal(rng, 12.0, 0.8) * if escalated { 3.0 } else { 1.0 };
    let closed = if rng.chance(0.02) {
        None
    } else {
        Some(plus_secs(opened, log_normal(rng, 18.0, 1.2) * 3600.0))
    };
    let closed = closed.filter(|c| *c < world.end);
    let handling_minutes = handling.round().clamp(1.0, 600.0) as u32;
    tickets.push(Ticket {
        opened,
        closed,
        category,
        priority,
        escalated,
        sentiment,
        handling_minutes,
    });
}

fn category(rng: &mut Rng, mood: Mood) -> &'static str {
    match mood {
        Mood::Return => "returns",
        Mood::Routine => weighted(
            rng,
            &[
                ("delivery", 30.0),
                ("billing", 15.0),
                ("product", 25.0),
                ("returns", 12.0),
                ("account", 18.0),
            ],
        ),
        Mood::Unhappy => weighted(
            rng,
            &[
                ("delivery", 35.0),
                ("billing", 20.0),
                ("product", 30.0),
                ("returns", 10.0),
                ("account", 5.0),
            ],
        ),
    }
}

fn sentiment(rng: &mut Rng, mood: Mood) -> Option<f64> {
    if rng.chance(0.12) {
        return None;
    }
    let (mean, sd) = match mood {
        Mood::Unhappy => (-0.45, 0.3),
        Mood::Return => (-0.1, 0.35),
        Mood::Routine => (0.15, 0.4),
    };
    let value = (mean + sd * rng.normal()).clamp(-1.0, 1.0);
    Some((value * 100.0).round() / 100.0)
}
