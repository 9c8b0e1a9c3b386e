//! Learning from offer outcomes: what customers answered to offers re-weights and filters the
//! next best offers.
//!
//! Outcomes of kind [`ACCEPTED`] and [`DECLINED`] name the offered product in their label
//! (a SKU; at category level the SKU's category, or a category name). Two things are learnt:
//!
//! * **Acceptance per product.** Over all customers' answers before `as_of`, product i was
//!   offered `nᵢ` times and accepted `aᵢ` times; the global rate is `g = Σa / Σn`. The
//!   product's rate is Beta-smoothed towards g with a prior worth `m` offers
//!   (`prior_strength`): `rᵢ = (aᵢ + m·g) / (nᵢ + m)`, so a product offered twice barely moves
//!   and one offered hundreds of times speaks for itself. An offer's score is multiplied by
//!   `rᵢ / g`: products accepted more often than the average offer rise, others fall. Without
//!   any accepted offer (g = 0) every weight is 1.
//! * **No repeated offers after a "no".** A product the customer declined within the last
//!   `decline_cooldown_days` before `as_of` is not offered to that customer again.

use super::{Baskets, ItemLevel};
use patron_core::facts::{Facts, NONE};
use serde::Serialize;
use std::collections::HashMap;

/// The outcome kind of an accepted offer.
pub const ACCEPTED: &str = "offer_accepted";
/// The outcome kind of a declined offer.
pub const DECLINED: &str = "offer_declined";

/// How offers learn from outcomes.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, serde::Deserialize)]
pub struct FeedbackSettings {
    /// A product declined within this many days before `as_of` is not offered again (90).
    pub decline_cooldown_days: i64,
    /// Weight of the global acceptance rate, in offers, when smoothing a product's rate (20).
    pub prior_strength: f64,
}

impl Default for FeedbackSettings {
    fn default() -> Self {
        FeedbackSettings {
            decline_cooldown_days: 90,
            prior_strength: 20.0,
        }
    }
}

/// One answer to an offer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct OfferAnswer {
    /// The offered item (number in the baskets).
    pub item: u32,
    /// Day number of the answer.
    pub day: i64,
    /// Accepted (true) or declined.
    pub accepted: bool,
}

/// Maps outcome labels to basket items.
#[derive(Debug, Clone)]
pub struct LabelMap<'b> {
    baskets: &'b Baskets,
    /// At category level: SKU → category item, from the order lines.
    category_of_sku: HashMap<String, u32>,
}

impl<'b> LabelMap<'b> {
    /// The map for items of `baskets` at `level`, reading SKU categories from `facts`.
    pub fn new(facts: &Facts, baskets: &'b Baskets, level: ItemLevel) -> Self {
        let mut category_of_sku = HashMap::new();
        if level == ItemLevel::Category {
            let o = &facts.orders;
            for (&sku, &category) in o.sku.iter().zip(&o.category) {
                if sku == NONE || category == NONE {
                    continue;
                }
                if let Some(item) = baskets.item(o.categories.name(category)) {
                    category_of_sku
                        .entry(o.skus.name(sku).to_owned())
                        .or_insert(item);
                }
            }
        }
        LabelMap {
            baskets,
            category_of_sku,
        }
    }

    /// The item a label names: the item of that name, else (at category level) the SKU's
    /// category.
    pub fn item(&self, label: &str) -> Option<u32> {
        self.baskets
            .item(label)
            .or_else(|| self.category_of_sku.get(label).copied())
    }
}

/// Customer `customer`'s answers to offers, in time order (outcomes without a known item are
/// skipped).
pub fn customer_answers(facts: &Facts, customer: usize, labels: &LabelMap<'_>) -> Vec<OfferAnswer> {
    facts
        .outcomes
        .of_or_empty(customer)
        .iter()
        .filter_map(|o| {
            let accepted = match o.kind.as_str() {
                ACCEPTED => true,
                DECLINED => false,
                _ => return None,
            };
            let item = labels.item(o.label.as_deref()?)?;
            Some(OfferAnswer {
                item,
                day: o.at.day_number(),
                accepted,
            })
        })
        .collect()
}

/// The day of the latest decline of `item` within `cooldown_days` before `as_of_day`.
pub fn recent_decline(
    answers: &[OfferAnswer],
    item: u32,
    as_of_day: i64,
    cooldown_days: i64,
) -> Option<i64> {
    answers
        .iter()
        .filter(|a| a.item == item && !a.accepted && as_of_day - a.day < cooldown_days)
        .map(|a| a.day)
        .max()
}

/// Offers and acceptances per item over all customers.
#[derive(Debug, Clone, PartialEq, Serialize, serde::Deserialize)]
pub struct OfferFeedback {
    /// Answered offers per item.
    pub offered: Vec<u32>,
    /// Accepted offers per item.
    pub accepted: Vec<u32>,
    /// All answered offers with a known item.
    pub total_offered: u64,
    /// All accepted ones.
    pub total_accepted: u64,
    /// Offer outcomes whose label names no known item (or that have no label).
    pub unmatched: u64,
}

impl OfferFeedback {
    /// Counts the answers of every customer of `facts`.
    pub fn from_facts(facts: &Facts, labels: &LabelMap<'_>) -> Self {
        let n = labels.baskets.n_items();
        let mut f = OfferFeedback {
            offered: vec![0; n],
            accepted: vec![0; n],
            total_offered: 0,
            total_accepted: 0,
            unmatched: 0,
        };
        let offers = facts
            .outcomes
            .rows
            .iter()
            .filter(|o| o.kind == ACCEPTED || o.kind == DECLINED);
        for o in offers {
            let Some(item) = o.label.as_deref().and_then(|l| labels.item(l)) else {
                f.unmatched += 1;
                continue;
            };
            f.record(item, o.kind == ACCEPTED);
        }
        f
    }

    /// Adds one answer.
    pub fn record(&mut self, item: u32, accepted: bool) {
        self.offered[item as usize] += 1;
        self.total_offered += 1;
        if accepted {
            self.accepted[item as usize] += 1;
            self.total_accepted += 1;
        }
    }

    /// The share of all answered offers that were accepted, if any was answered.
    pub fn global_rate(&self) -> Option<f64> {
        (self.total_offered > 0).then(|| self.total_accepted as f64 / self.total_offered as f64)
    }

    /// The smoothed acceptance rate of `item`: `(a + m·g) / (n + m)`.
    pub fn rate(&self, item: u32, prior_strength: f64) -> Option<f64> {
        let g = self.global_rate()?;
        let i = item as usize;
        let (a, n) = (
            f64::from(self.accepted.get(i).copied().unwrap_or(0)),
            f64::from(self.offered.get(i).copied().unwrap_or(0)),
        );
        let denominator = n + prior_strength;
        Some(if denominator > 0.0 {
            (a + prior_strength * g) / denominator
        } else {
            g
        })
    }

    /// The factor on an offer's score: smoothed rate ÷ global rate (1 without acceptances).
    pub fn weight(&self, item: u32, prior_strength: f64) -> f64 {
        match (self.rate(item, prior_strength), self.global_rate()) {
            (Some(r), Some(g)) if g > 0.0 => r / g,
            _ => 1.0,
        }
    }
}

/// What one customer's offers learn from.
#[derive(Debug, Clone, Copy)]
pub struct Learning<'a> {
    /// Everyone's answers per item.
    pub feedback: &'a OfferFeedback,
    /// This customer's answers.
    pub answers: &'a [OfferAnswer],
    /// Cool-down and smoothing.
    pub settings: FeedbackSettings,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn beta_smoothing_towards_the_global_rate() {
        let mut f = OfferFeedback {
            offered: vec![0; 3],
            accepted: vec![0; 3],
            total_offered: 0,
            total_accepted: 0,
            unmatched: 0,
        };
        assert_eq!(f.weight(0, 20.0), 1.0, "no answers: no change");
        // Item 0: 8 of 10 accepted; item 1: 2 of 30; item 2 never offered. g = 10 / 40.
        for i in 0..10 {
            f.record(0, i < 8);
        }
        for i in 0..30 {
            f.record(1, i < 2);
        }
        let g = 0.25;
        assert_eq!(f.global_rate(), Some(g));
        let r0 = (8.0 + 20.0 * g) / 30.0;
        let r1 = (2.0 + 20.0 * g) / 50.0;
        assert!((f.rate(0, 20.0).unwrap() - r0).abs() < 1e-15);
        assert!((f.weight(0, 20.0) - r0 / g).abs() < 1e-15);
        assert!((f.weight(1, 20.0) - r1 / g).abs() < 1e-15);
        assert_eq!(f.weight(2, 20.0), 1.0, "never offered: the global rate");
        // Without a prior the raw rates speak.
        assert!((f.weight(0, 0.0) - 0.8 / g).abs() < 1e-15);
        // Nothing ever accepted: every weight is 1.
        let mut none = f.clone();
        none.accepted = vec![0; 3];
        none.total_accepted = 0;
        assert_eq!(none.weight(0, 20.0), 1.0);
    }

    #[test]
    fn declines_cool_down() {
        let answers = [
            OfferAnswer {
                item: 4,
                day: 100,
                accepted: false,
            },
            OfferAnswer {
                item: 4,
                day: 150,
                accepted: false,
            },
            OfferAnswer {
                item: 5,
                day: 190,
                accepted: true,
            },
        ];
        assert_eq!(recent_decline(&answers, 4, 200, 90), Some(150));
        assert_eq!(recent_decline(&answers, 4, 240, 90), None, "day 150 + 90");
        assert_eq!(recent_decline(&answers, 4, 239, 90), Some(150));
        assert_eq!(recent_decline(&answers, 5, 200, 90), None, "accepted");
    }
}
