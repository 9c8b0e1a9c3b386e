//! Observed outcomes, the ground truth models learn from: conversions of leads, churn
//! (dropout known 180 days later) and active customers' answers to product offers.

use crate::basket::Taste;
use crate::draw::{at_daytime, instant_between};
use crate::person::Segment;
use crate::purchases::YEAR_SECS;
use crate::world::World;
use patron_core::Timestamp;
use patron_core::random::Rng;

/// Days after the dropout at which churn counts as observed.
pub const CHURN_OBSERVED_AFTER_DAYS: i64 = 180;

/// One outcome.
#[derive(Debug, Clone, Copy)]
pub struct Outcome {
    /// When it was observed.
    pub at: Timestamp,
    /// `converted`, `churned`, `offer_accepted` or `offer_declined`.
    pub kind: &'static str,
    /// For offers: the offered product (index into the catalogue).
    pub product: Option<usize>,
}

/// What outcomes depend on.
pub struct OutcomeContext<'a> {
    /// Consumer or business.
    pub segment: Segment,
    /// Favourite categories (offers from them are accepted more often).
    pub taste: &'a Taste,
    /// Set when a lead converted: the first order.
    pub converted: Option<Timestamp>,
    /// First order, if any.
    pub first_order: Option<Timestamp>,
    /// Dropout, if the customer dropped out.
    pub dropout: Option<Timestamp>,
    /// Number of orders (returns not counted).
    pub orders: usize,
    /// Engagement 0 … 1.
    pub intensity: f64,
}

/// Offers made per year to a customer who has ordered.
const OFFER_RATE: f64 = 0.3;

/// Fills `outcomes`, sorted by time.
pub fn outcomes(
    rng: &mut Rng,
    world: &World,
    ctx: &OutcomeContext<'_>,
    outcomes: &mut Vec<Outcome>,
) {
    outcomes.clear();
    if let Some(at) = ctx.converted {
        outcomes.push(Outcome {
            at,
            kind: "converted",
            product: None,
        });
    }
    if let Some(dropout) = ctx.dropout
        && ctx.orders >= 2
    {
        let at = dropout.plus_days(CHURN_OBSERVED_AFTER_DAYS);
        if at < world.end {
            outcomes.push(Outcome {
                at,
                kind: "churned",
                product: None,
            });
        }
    }
    if let Some(first) = ctx.first_order {
        offers(rng, world, ctx, first, outcomes);
    }
    outcomes.sort_by_key(|o| o.at);
}

fn offers(
    rng: &mut Rng,
    world: &World,
    ctx: &OutcomeContext<'_>,
    first: Timestamp,
    outcomes: &mut Vec<Outcome>,
) {
    let years = (world.end.secs() - first.secs()) as f64 / YEAR_SECS;
    for _ in 0..rng.poisson(OFFER_RATE * years) {
        let day = instant_between(rng, first.plus_days(14), world.end);
        let at = at_daytime(rng, day, world.end);
        if at >= world.end || at <= first {
            continue;
        }
        let category = ctx.taste.category(rng, ctx.segment);
        let product = world.catalogue.pick_in(rng, category);
        if ctx.dropout.is_some_and(|d| at >= d) {
            continue;
        }
        let liked = if ctx.taste.likes(category) { 0.3 } else { 0.0 };
        let chance = 0.06 + liked + 0.25 * ctx.intensity;
        let kind = if rng.chance(chance) {
            "offer_accepted"
        } else {
            "offer_declined"
        };
        outcomes.push(Outcome {
            at,
            kind,
            product: Some(product),
        });
    }
}
