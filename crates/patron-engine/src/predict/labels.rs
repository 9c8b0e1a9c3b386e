//! Labels: what happened in the `horizon` after a cutoff, for the customers of a feature table
//! built at that cutoff from the same (later) fact set.
//!
//! Labels look only at facts in `[cutoff, cutoff + horizon)`; the fact set must reach that far
//! (`facts.as_of ≥ cutoff + horizon`), or the labels are not fully observed.

use crate::features::FeatureTable;
use patron_core::Timestamp;
use patron_core::facts::{Facts, NONE};
use serde::{Deserialize, Serialize};

/// What a model predicts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Target {
    /// An active customer makes no purchase within the horizon, or a `churned` outcome is
    /// observed in it. Population: customers with a purchase in the [`ACTIVE_DAYS`] before the
    /// cutoff and no earlier `churned` outcome.
    Churn,
    /// A lead (no purchase before the cutoff, no earlier `converted` outcome) gets a
    /// `converted` outcome or makes a first purchase within the horizon.
    Conversion,
    /// A buying customer buys from a category they never bought from before, within the
    /// horizon.
    Upsell,
    /// A customer who answers an offer within the horizon accepts one (`offer_accepted`
    /// outcome). Population: customers with an `offer_accepted` or `offer_declined` outcome in
    /// the horizon.
    Offer,
    /// A contract holder cancels a contract within the horizon (its `cancelled_at` falls in
    /// it). Population: customers with a contract running at the cutoff.
    Cancellation,
}

impl Target {
    /// All targets.
    pub const ALL: [Target; 5] = [
        Target::Churn,
        Target::Conversion,
        Target::Upsell,
        Target::Offer,
        Target::Cancellation,
    ];

    /// The name used on the command line and in the registry.
    pub fn name(self) -> &'static str {
        match self {
            Target::Churn => "churn",
            Target::Conversion => "conversion",
            Target::Upsell => "upsell",
            Target::Offer => "offer",
            Target::Cancellation => "cancellation",
        }
    }

    /// The target of a name.
    pub fn parse(name: &str) -> Option<Target> {
        Target::ALL.into_iter().find(|t| t.name() == name)
    }
}

/// Days before a cutoff within which a customer must have bought to count as active (the
/// churn population: long-lapsed customers have churned already).
pub const ACTIVE_DAYS: i64 = 365;

/// The label of every row of `table` (built at `table.as_of` from `facts`): `Some(1.0)` or
/// `Some(0.0)`, or `None` for rows outside the target's population.
pub fn labels(
    facts: &Facts,
    table: &FeatureTable,
    target: Target,
    horizon_days: i64,
) -> Vec<Option<f64>> {
    let t = table.as_of.secs();
    let end = table.as_of.plus_days(horizon_days).secs();
    let mut seen = vec![u32::MAX; facts.orders.categories.len()];
    table
        .customers
        .iter()
        .enumerate()
        .map(|(row, &c)| {
            let c = c as usize;
            let outcome_in = |kind: &str, from: i64, to: i64| {
                facts
                    .outcomes
                    .of(c)
                    .iter()
                    .any(|o| o.kind == kind && o.at.secs() >= from && o.at.secs() < to)
            };
            let o = &facts.orders;
            let (mut before, mut during, mut active) = (false, false, false);
            let active_from = t - ACTIVE_DAYS * 86_400;
            let mut new_category = false;
            for j in facts.order_range(c) {
                let ts = o.timestamp[j].secs();
                if ts >= end {
                    break;
                }
                if o.is_return[j] {
                    continue;
                }
                let cat = o.category[j];
                if ts < t {
                    before = true;
                    active |= ts >= active_from;
                    if cat != NONE {
                        seen[cat as usize] = row as u32;
                    }
                } else {
                    during = true;
                    if cat != NONE && seen[cat as usize] != row as u32 {
                        new_category = true;
                    }
                }
            }
            let bool_label = |b: bool| Some(f64::from(u8::from(b)));
            match target {
                Target::Churn => {
                    if !active || outcome_in("churned", i64::MIN, t) {
                        None
                    } else {
                        bool_label(!during || outcome_in("churned", t, end))
                    }
                }
                Target::Conversion => {
                    if before || outcome_in("converted", i64::MIN, t) {
                        None
                    } else {
                        bool_label(during || outcome_in("converted", t, end))
                    }
                }
                Target::Upsell => before.then(|| f64::from(u8::from(new_category))),
                Target::Offer => {
                    let accepted = outcome_in("offer_accepted", t, end);
                    let declined = outcome_in("offer_declined", t, end);
                    (accepted || declined).then(|| f64::from(u8::from(accepted)))
                }
                Target::Cancellation => {
                    let contracts = facts.contracts.of_or_empty(c);
                    let running = contracts.iter().any(|k| crate::contracts::running_at(k, t));
                    let cancels = contracts.iter().any(|k| {
                        k.cancelled_at
                            .is_some_and(|at| at.secs() >= t && at.secs() < end)
                    });
                    running.then(|| f64::from(u8::from(cancels)))
                }
            }
        })
        .collect()
}

/// Whether labels at `cutoff` are fully observed in a fact set as of `as_of`.
pub fn observed(cutoff: Timestamp, horizon_days: i64, as_of: Timestamp) -> bool {
    cutoff.plus_days(horizon_days) <= as_of
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::features::tests::{day, fixture};
    use crate::features::{FeatureSpec, build_at};

    #[test]
    fn churn_conversion_and_upsell_labels() {
        let facts = fixture().facts(500);
        let spec = FeatureSpec::infer(&facts);
        let at = |d: i64| build_at(&facts, day(d), &spec);
        // Day 120: customer 0 buys again on day 250 (within 180 days), customer 1 does not.
        let table = at(120);
        assert_eq!(
            labels(&facts, &table, Target::Churn, 180),
            [Some(0.0), Some(1.0)]
        );
        // Customer 0's day-250 purchase is of shoes, bought before: no upsell.
        assert_eq!(
            labels(&facts, &table, Target::Upsell, 180),
            [Some(0.0), Some(0.0)]
        );
        // Day 10: customer 0 buys socks (new) on day 20 — but customer 0 has no order before
        // day 10, so it is a lead that converts; customer 1 was created on day 10: not a row.
        let table = at(10);
        assert_eq!(table.rows(), 1);
        assert_eq!(labels(&facts, &table, Target::Conversion, 30), [Some(1.0)]);
        assert_eq!(labels(&facts, &table, Target::Churn, 30), [None]);
        // Day 50: customer 0 buys bags (new) on day 100.
        assert_eq!(labels(&facts, &at(50), Target::Upsell, 90)[0], Some(1.0));
        // Day 310: customer 1 has a `churned` outcome before: out of the churn population.
        assert_eq!(labels(&facts, &at(310), Target::Churn, 180)[1], None);
        assert!(observed(day(300), 180, day(480)) && !observed(day(301), 180, day(480)));
    }

    #[test]
    fn offer_labels_cover_customers_who_answered_an_offer() {
        use crate::features::tests::Fixture;
        let fixture = Fixture {
            created: vec![0, 0, 0],
            orders: vec![
                (0, 10, "O1", "Shoes", 50.0),
                (1, 12, "O2", "Shoes", 40.0),
                (2, 14, "O3", "Bags", 30.0),
            ],
            outcomes: vec![
                (0, 130, "offer_declined"),
                (0, 200, "offer_accepted"),
                (1, 150, "offer_declined"),
                (2, 400, "offer_accepted"),
            ],
            ..Fixture::default()
        };
        let facts = fixture.facts(500);
        let spec = FeatureSpec::infer(&facts);
        let table = build_at(&facts, day(120), &spec);
        let got = labels(&facts, &table, Target::Offer, 180);
        // Customer 0 accepted within the horizon, customer 1 only declined, customer 2 answered
        // after the horizon (not in the population).
        assert_eq!(got, vec![Some(1.0), Some(0.0), None]);
        assert_eq!(Target::parse("offer"), Some(Target::Offer));
    }
}
