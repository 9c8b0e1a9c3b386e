//! Next best offer: the products a customer is most worth offering, from the association rules.
//!
//! A rule A → C applies to a customer who has bought every item of A. Each consequent item
//! the customer may be offered scores `confidence × margin` (the expected margin of the offer
//! if the rule's confidence is the chance of a purchase); an item reached by several rules
//! keeps its best score and the rule that gave it. Items already bought are not offered, or,
//! with `rebuy_after_days`, only those bought within that many days of `as_of`.
//! [`purchase_history`] and [`unit_margins`] read both inputs from a fact set.
//! [`next_best_offers_learned`] also learns from answers to earlier offers (see
//! [`super::feedback`]): scores are multiplied by the product's smoothed acceptance rate
//! relative to the average offer, and products the customer declined recently are left out.

use super::feedback::{FeedbackSettings, Learning, OfferFeedback, recent_decline};
use super::{Baskets, ItemLevel, Rule};
use patron_core::facts::{Facts, Interner, NONE};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// The distinct items a customer bought before `as_of`, with the day of the last purchase.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct PurchaseHistory {
    items: Vec<u32>,
    last_day: Vec<i64>,
}

impl PurchaseHistory {
    /// The history of purchases given as (item, day number) in any order.
    pub fn new(purchases: impl IntoIterator<Item = (u32, i64)>) -> Self {
        let mut all: Vec<(u32, i64)> = purchases.into_iter().collect();
        all.sort_unstable();
        let mut history = PurchaseHistory::default();
        // Sorted by (item, day): the last entry of an item is its last purchase.
        for (item, day) in all {
            match (history.items.last(), history.last_day.last_mut()) {
                (Some(&last), Some(last_day)) if last == item => *last_day = day,
                _ => {
                    history.items.push(item);
                    history.last_day.push(day);
                }
            }
        }
        history
    }

    /// The day of the last purchase of `item`, if bought.
    pub fn last_day(&self, item: u32) -> Option<i64> {
        self.items
            .binary_search(&item)
            .ok()
            .map(|i| self.last_day[i])
    }

    /// True when every item of `items` was bought.
    fn holds_all(&self, items: &[u32]) -> bool {
        items.iter().all(|i| self.items.binary_search(i).is_ok())
    }
}

/// For each code of the interner of `level`, its item number in `baskets` ([`NONE`] if absent).
fn item_of_code<'f>(
    facts: &'f Facts,
    baskets: &Baskets,
    level: ItemLevel,
) -> (Vec<u32>, &'f [u32]) {
    let o = &facts.orders;
    let (interner, codes): (&Interner, &[u32]) = match level {
        ItemLevel::Sku => (&o.skus, &o.sku),
        ItemLevel::Category => (&o.categories, &o.category),
    };
    let map = (0..interner.len() as u32)
        .map(|c| baskets.item(interner.name(c)).unwrap_or(NONE))
        .collect();
    (map, codes)
}

/// The item number of order line `line`, if it is a purchase of an item of `baskets`.
fn line_item(facts: &Facts, map: &[u32], codes: &[u32], line: usize) -> Option<u32> {
    let code = codes[line];
    (!facts.orders.is_return[line] && code != NONE)
        .then(|| map[code as usize])
        .filter(|&item| item != NONE)
}

/// Per item of `baskets`: the mean margin per unit over all purchase lines of `facts`,
/// (revenue − cost of goods) where the cost is known, else revenue; 0 for items never sold
/// with a positive quantity.
pub fn unit_margins(facts: &Facts, baskets: &Baskets, level: ItemLevel) -> Vec<f64> {
    let (map, codes) = item_of_code(facts, baskets, level);
    let o = &facts.orders;
    let mut margin = vec![0.0; baskets.n_items()];
    let mut units = vec![0.0; baskets.n_items()];
    for line in 0..codes.len() {
        if let Some(item) = line_item(facts, &map, codes, line) {
            let cost = o.cost[line].map_or(0.0, |c| c.to_f64());
            margin[item as usize] += o.amount[line].to_f64() - cost;
            units[item as usize] += o.quantity[line];
        }
    }
    margin
        .iter()
        .zip(&units)
        .map(|(&m, &u)| if u > 0.0 { m / u } else { 0.0 })
        .collect()
}

/// What customer `customer` (an index of `facts`) bought, as items of `baskets`.
pub fn purchase_history(
    facts: &Facts,
    customer: usize,
    baskets: &Baskets,
    level: ItemLevel,
) -> PurchaseHistory {
    let (map, codes) = item_of_code(facts, baskets, level);
    PurchaseHistory::new(facts.order_range(customer).filter_map(|line| {
        line_item(facts, &map, codes, line)
            .map(|item| (item, facts.orders.timestamp[line].day_number()))
    }))
}

/// How offers are chosen.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct OfferSettings {
    /// At most this many offers.
    pub top: usize,
    /// `None`: never offer an item already bought. `Some(d)`: offer again items last bought
    /// at least `d` days before `as_of` (consumables).
    pub rebuy_after_days: Option<i64>,
}

impl Default for OfferSettings {
    fn default() -> Self {
        OfferSettings {
            top: 5,
            rebuy_after_days: None,
        }
    }
}

/// One suggested product.
#[derive(Debug, Clone, PartialEq)]
pub struct Offer {
    /// Item number.
    pub item: u32,
    /// `confidence × margin × acceptance_weight`.
    pub score: f64,
    /// Confidence of the rule that suggested it.
    pub confidence: f64,
    /// The item's margin (per unit or per order line, as given).
    pub margin: f64,
    /// Index of that rule in the rule slice.
    pub rule: usize,
    /// The product's smoothed acceptance rate ÷ the average offer's (1 without learning).
    pub acceptance_weight: f64,
}

/// The best offers for a customer with `history`, as of day `as_of_day`, from `rules` (in
/// their given order, which decides between equal scores) and the margin of each item
/// (indexed by item number; missing items count as no margin). Offers with a score ≤ 0 are
/// left out; the rest are sorted by score descending, then item number.
pub fn next_best_offers(
    rules: &[Rule],
    history: &PurchaseHistory,
    as_of_day: i64,
    margin: &[f64],
    settings: &OfferSettings,
) -> Vec<Offer> {
    rank(rules, history, as_of_day, margin, settings, None)
}

/// [`next_best_offers`] that learns from answers to offers: each score is multiplied by the
/// item's [`acceptance weight`](super::feedback::OfferFeedback::weight), and items the
/// customer declined within `decline_cooldown_days` before `as_of_day` are not offered.
pub fn next_best_offers_learned(
    rules: &[Rule],
    history: &PurchaseHistory,
    as_of_day: i64,
    margin: &[f64],
    settings: &OfferSettings,
    learning: &Learning<'_>,
) -> Vec<Offer> {
    rank(rules, history, as_of_day, margin, settings, Some(learning))
}

/// What ranking needs of a rule: the items it starts from, those it suggests, its confidence.
trait RuleView {
    fn antecedents(&self) -> &[u32];
    fn consequents(&self) -> &[u32];
    fn confidence(&self) -> f64;
}

impl RuleView for Rule {
    fn antecedents(&self) -> &[u32] {
        &self.antecedents
    }
    fn consequents(&self) -> &[u32] {
        &self.consequents
    }
    fn confidence(&self) -> f64 {
        self.confidence
    }
}

impl RuleView for OfferRule {
    fn antecedents(&self) -> &[u32] {
        &self.antecedents
    }
    fn consequents(&self) -> &[u32] {
        &self.consequents
    }
    fn confidence(&self) -> f64 {
        self.confidence
    }
}

/// The ranking behind every entry point.
fn rank<R: RuleView>(
    rules: &[R],
    history: &PurchaseHistory,
    as_of_day: i64,
    margin: &[f64],
    settings: &OfferSettings,
    learning: Option<&Learning<'_>>,
) -> Vec<Offer> {
    let declined = |item: u32| {
        learning.is_some_and(|l| {
            let cooldown = l.settings.decline_cooldown_days;
            recent_decline(l.answers, item, as_of_day, cooldown).is_some()
        })
    };
    let offerable = |item: u32| {
        let bought = match (history.last_day(item), settings.rebuy_after_days) {
            (None, _) => true,
            (Some(_), None) => false,
            (Some(day), Some(after)) => as_of_day - day >= after,
        };
        bought && !declined(item)
    };
    let weight =
        |item: u32| learning.map_or(1.0, |l| l.feedback.weight(item, l.settings.prior_strength));
    let mut best: BTreeMap<u32, Offer> = BTreeMap::new();
    for (index, rule) in rules.iter().enumerate() {
        if !history.holds_all(rule.antecedents()) {
            continue;
        }
        for &item in rule.consequents().iter().filter(|&&i| offerable(i)) {
            let m = margin.get(item as usize).copied().unwrap_or(0.0);
            let w = weight(item);
            let offer = Offer {
                item,
                score: rule.confidence() * m * w,
                confidence: rule.confidence(),
                margin: m,
                rule: index,
                acceptance_weight: w,
            };
            if offer.score > 0.0 && best.get(&item).is_none_or(|b| offer.score > b.score) {
                best.insert(item, offer);
            }
        }
    }
    let mut offers: Vec<Offer> = best.into_values().collect();
    offers.sort_by(|a, b| b.score.total_cmp(&a.score).then(a.item.cmp(&b.item)));
    offers.truncate(settings.top);
    offers
}

/// The best offer of every customer of `facts` (learning from answers when `feedback` is
/// given), computed on all threads; the item maps are built once, so this is one pass over the
/// order lines plus the rules that apply to each customer.
pub fn best_offers(
    facts: &Facts,
    baskets: &Baskets,
    level: ItemLevel,
    rules: &[Rule],
    margin: &[f64],
    feedback: Option<(
        &super::feedback::OfferFeedback,
        &super::feedback::LabelMap,
        super::feedback::FeedbackSettings,
    )>,
) -> Vec<Option<Offer>> {
    use rayon::prelude::*;
    let (map, codes) = item_of_code(facts, baskets, level);
    let settings = OfferSettings {
        top: 1,
        rebuy_after_days: None,
    };
    let as_of_day = facts.as_of.day_number();
    (0..facts.customers.len())
        .into_par_iter()
        .map(|c| {
            let history = PurchaseHistory::new(facts.order_range(c).filter_map(|line| {
                line_item(facts, &map, codes, line)
                    .map(|item| (item, facts.orders.timestamp[line].day_number()))
            }));
            let offers = match feedback {
                Some((feedback, labels, learn)) => {
                    let answers = super::feedback::customer_answers(facts, c, labels);
                    let learning = Learning {
                        feedback,
                        answers: &answers,
                        settings: learn,
                    };
                    rank(
                        rules,
                        &history,
                        as_of_day,
                        margin,
                        &settings,
                        Some(&learning),
                    )
                }
                None => rank(rules, &history, as_of_day, margin, &settings, None),
            };
            offers.into_iter().next()
        })
        .collect()
}

/// A rule as an offer model keeps it: A → C and its confidence.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OfferRule {
    /// Item numbers of A, ascending.
    pub antecedents: Vec<u32>,
    /// Item numbers of C, ascending.
    pub consequents: Vec<u32>,
    /// s(A ∪ C) / s(A).
    pub confidence: f64,
}

/// The next-best-offer model of a score run, frozen: the SKUs, the association rules over them,
/// each SKU's unit margin and what customers answered to offers. [`OfferModel::best`] gives one
/// customer their offer from their own purchases and answers; a run maps it over everyone.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OfferModel {
    /// Item names (SKUs), in item-number order.
    pub items: Vec<String>,
    /// Rules by lift, best first.
    pub rules: Vec<OfferRule>,
    /// Unit margin per item.
    pub margins: Vec<f64>,
    /// Offers made and accepted per item.
    pub feedback: OfferFeedback,
    /// How answers are learnt from.
    pub learning: FeedbackSettings,
    /// Support of the itemsets behind the rules.
    pub min_support: f64,
}

impl OfferModel {
    /// Fits the model on the SKU baskets of `facts` (non-product codes left out), keeping the
    /// `max_rules` rules with the highest lift > 1; `None` with fewer than `min_baskets`
    /// baskets.
    pub fn fit(
        facts: &Facts,
        min_support: f64,
        max_rules: usize,
        min_baskets: usize,
    ) -> Result<Option<OfferModel>, super::BasketError> {
        use super::{BasketOptions, RuleSettings, association_rules, fpgrowth};
        let options = BasketOptions {
            level: ItemLevel::Sku,
            exclude: super::NON_PRODUCT_CODES
                .iter()
                .map(|c| (*c).to_owned())
                .collect(),
        };
        let baskets = Baskets::from_facts(facts, &options);
        if baskets.len() < min_baskets {
            return Ok(None);
        }
        let frequent = fpgrowth(&baskets, min_support, Some(3))?;
        let mut rules = association_rules(
            &frequent,
            &RuleSettings {
                min_lift: 1.0,
                min_confidence: 0.0,
            },
        )?;
        rules.truncate(max_rules);
        let labels = super::feedback::LabelMap::new(facts, &baskets, ItemLevel::Sku);
        Ok(Some(OfferModel {
            items: baskets.names().to_vec(),
            margins: unit_margins(facts, &baskets, ItemLevel::Sku),
            feedback: super::feedback::OfferFeedback::from_facts(facts, &labels),
            learning: FeedbackSettings::default(),
            rules: rules
                .into_iter()
                .map(|r| OfferRule {
                    antecedents: r.antecedents,
                    consequents: r.consequents,
                    confidence: r.confidence,
                })
                .collect(),
            min_support,
        }))
    }

    /// The model's items as a basket vocabulary, and the item of every SKU code of `facts`.
    pub fn matcher<'a>(&'a self, facts: &'a Facts) -> OfferMatcher<'a> {
        let vocabulary = Baskets::vocabulary(self.items.clone());
        let (item_of_code, _) = item_of_code(facts, &vocabulary, ItemLevel::Sku);
        OfferMatcher {
            model: self,
            facts,
            vocabulary,
            item_of_code,
        }
    }
}

/// An [`OfferModel`] bound to a fact set.
pub struct OfferMatcher<'a> {
    model: &'a OfferModel,
    facts: &'a Facts,
    vocabulary: Baskets,
    item_of_code: Vec<u32>,
}

impl OfferMatcher<'_> {
    /// The best offer for customer `c` of the fact set: nothing they bought, nothing they
    /// declined recently, ranked by confidence × margin × learned acceptance.
    pub fn best(&self, c: usize) -> Option<(String, Offer)> {
        let facts = self.facts;
        let codes = &facts.orders.sku;
        let history = PurchaseHistory::new(facts.order_range(c).filter_map(|line| {
            line_item(facts, &self.item_of_code, codes, line)
                .map(|item| (item, facts.orders.timestamp[line].day_number()))
        }));
        let labels = super::feedback::LabelMap::new(facts, &self.vocabulary, ItemLevel::Sku);
        let answers = super::feedback::customer_answers(facts, c, &labels);
        let learning = Learning {
            feedback: &self.model.feedback,
            answers: &answers,
            settings: self.model.learning,
        };
        let settings = OfferSettings {
            top: 1,
            rebuy_after_days: None,
        };
        let offer = rank(
            &self.model.rules,
            &history,
            facts.as_of.day_number(),
            &self.model.margins,
            &settings,
            Some(&learning),
        )
        .into_iter()
        .next()?;
        Some((self.model.items[offer.item as usize].clone(), offer))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use patron_core::{Money, Timestamp};

    /// Two customers' lines (customer, order, sku, day, quantity, amount, cost, is return).
    fn facts() -> Facts {
        type Line = (
            u32,
            &'static str,
            &'static str,
            i64,
            f64,
            f64,
            Option<f64>,
            bool,
        );
        let lines: [Line; 5] = [
            (0, "o1", "tent", 10, 1.0, 100.0, Some(60.0), false),
            (0, "o1", "pegs", 10, 10.0, 5.0, None, false),
            (0, "o2", "tent", 20, 1.0, -100.0, Some(-60.0), true),
            (1, "o3", "tent", 15, 2.0, 180.0, Some(120.0), false),
            (1, "o3", "pegs", 15, 5.0, 5.0, None, false),
        ];
        let mut f = Facts::default();
        f.customers.ids = ["A", "B"]
            .iter()
            .map(|i| patron_core::ids::CustomerId::parse(i).unwrap())
            .collect();
        let o = &mut f.orders;
        o.offsets = vec![0, 3, 5];
        for (_, order, sku, day, quantity, amount, cost, is_return) in lines {
            let order = o.order_ids.intern(order);
            o.order.push(order);
            let sku = o.skus.intern(sku);
            o.sku.push(sku);
            o.category.push(NONE);
            o.timestamp.push(Timestamp::from_secs(day * 86_400 + 3_600));
            o.quantity.push(quantity);
            o.amount.push(Money::from_f64(amount));
            o.cost.push(cost.map(Money::from_f64));
            o.is_return.push(is_return);
        }
        f
    }

    #[test]
    fn margins_and_histories_from_facts() {
        let f = facts();
        let b = Baskets::from_facts(&f, &crate::basket::BasketOptions::default());
        assert_eq!(b.names(), ["pegs", "tent"]);
        // Pegs: 10 revenue over 15 units, no cost; tents: (40 + 60) margin over 3 units.
        let m = unit_margins(&f, &b, ItemLevel::Sku);
        assert!((m[0] - 10.0 / 15.0).abs() < 1e-12);
        assert!((m[1] - 100.0 / 3.0).abs() < 1e-12);
        // Customer A's return is not a purchase: the tent was last bought on day 10.
        let h = purchase_history(&f, 0, &b, ItemLevel::Sku);
        assert_eq!((h.last_day(0), h.last_day(1)), (Some(10), Some(10)));
        let h = purchase_history(&f, 1, &b, ItemLevel::Sku);
        assert_eq!(h.last_day(1), Some(15));
    }

    fn rule(a: &[u32], c: &[u32], confidence: f64) -> Rule {
        Rule {
            antecedents: a.to_vec(),
            consequents: c.to_vec(),
            count: 1,
            antecedent_count: 1,
            consequent_count: 1,
            antecedent_support: 0.1,
            consequent_support: 0.1,
            support: 0.1,
            confidence,
            lift: 1.0,
            leverage: 0.0,
            conviction: 1.0,
        }
    }

    #[test]
    fn learns_from_answers_to_offers() {
        use crate::basket::feedback::{FeedbackSettings, Learning, OfferAnswer, OfferFeedback};
        // Items: 0 tent, 1 pegs, 2 stove, 3 mat, 4 lamp; the customer bought the tent.
        let rules = [
            rule(&[0], &[2], 0.6), // stove: 0.6 × 30 = 18
            rule(&[0], &[3], 0.5), // mat:   0.5 × 10 = 5
            rule(&[0], &[4], 0.4), // lamp:  0.4 × 8 = 3.2
            rule(&[0], &[1], 0.9), // pegs:  0.9 × 2 = 1.8
        ];
        let margin = [50.0, 2.0, 30.0, 10.0, 8.0];
        let history = PurchaseHistory::new([(0, 100)]);
        let plain = next_best_offers(&rules, &history, 200, &margin, &OfferSettings::default());
        let items: Vec<u32> = plain.iter().map(|o| o.item).collect();
        assert_eq!(items, [2, 3, 4, 1]);
        assert!(plain.iter().all(|o| o.acceptance_weight == 1.0));

        // Everyone's answers: the stove 0 of 60 accepted, the lamp 30 of 40, pegs 2 of 4.
        let mut feedback = OfferFeedback {
            offered: vec![0; 5],
            accepted: vec![0; 5],
            total_offered: 0,
            total_accepted: 0,
            unmatched: 0,
        };
        for i in 0..60 {
            feedback.record(2, false);
            if i < 40 {
                feedback.record(4, i < 30);
            }
        }
        for i in 0..4 {
            feedback.record(1, i < 2);
        }
        // This customer declined the mat 30 days ago and the pegs 200 days ago.
        let answers = [
            OfferAnswer {
                item: 3,
                day: 170,
                accepted: false,
            },
            OfferAnswer {
                item: 1,
                day: 0,
                accepted: false,
            },
        ];
        let learning = Learning {
            feedback: &feedback,
            answers: &answers,
            settings: FeedbackSettings::default(),
        };
        let learned = next_best_offers_learned(
            &rules,
            &history,
            200,
            &margin,
            &OfferSettings::default(),
            &learning,
        );
        // g = 32 / 104; weights (a + 20 g) / (n + 20) / g.
        let g = 32.0 / 104.0;
        let w = |a: f64, n: f64| (a + 20.0 * g) / (n + 20.0) / g;
        let got: Vec<(u32, f64)> = learned.iter().map(|o| (o.item, o.score)).collect();
        let expected = [
            (4, 3.2 * w(30.0, 40.0)), // the lamp: often accepted, now first
            (2, 18.0 * w(0.0, 60.0)), // the stove: never accepted
            (1, 1.8 * w(2.0, 4.0)),   // pegs: declined long ago, offered again
        ];
        assert_eq!(
            got.len(),
            3,
            "the recently declined mat is not offered: {got:?}"
        );
        for ((item, score), (want_item, want_score)) in got.iter().zip(expected) {
            assert_eq!(*item, want_item);
            assert!(
                (score - want_score).abs() < 1e-12,
                "{score} vs {want_score}"
            );
        }
        assert!((learned[0].acceptance_weight - w(30.0, 40.0)).abs() < 1e-15);
    }

    #[test]
    fn answers_and_feedback_from_facts_by_sku_and_category() {
        use crate::basket::feedback::{LabelMap, OfferFeedback, customer_answers};
        use patron_core::facts::{Grouped, OutcomeRow};
        let mut f = facts();
        // Tents are "Camping", pegs "Parts".
        let camping = f.orders.categories.intern("Camping");
        let parts = f.orders.categories.intern("Parts");
        let tent = f.orders.skus.get("tent").unwrap();
        f.orders.category = f
            .orders
            .sku
            .iter()
            .map(|&s| if s == tent { camping } else { parts })
            .collect();
        let outcome = |day: i64, kind: &str, label: Option<&str>| OutcomeRow {
            at: Timestamp::from_secs(day * 86_400),
            kind: kind.to_owned(),
            label: label.map(str::to_owned),
        };
        f.outcomes = Grouped {
            offsets: vec![0, 3, 5],
            rows: vec![
                outcome(30, "offer_declined", Some("pegs")),
                outcome(31, "churned", None),
                outcome(40, "offer_accepted", Some("tent")),
                outcome(35, "offer_accepted", Some("pegs")),
                outcome(36, "offer_declined", Some("kayak")), // unknown product
            ],
        };
        let b = Baskets::from_facts(&f, &crate::basket::BasketOptions::default());
        let labels = LabelMap::new(&f, &b, ItemLevel::Sku);
        let a = customer_answers(&f, 0, &labels);
        let got: Vec<(u32, i64, bool)> = a.iter().map(|a| (a.item, a.day, a.accepted)).collect();
        assert_eq!(got, [(0, 30, false), (1, 40, true)]); // items: 0 pegs, 1 tent
        let fb = OfferFeedback::from_facts(&f, &labels);
        assert_eq!((fb.offered, fb.accepted), (vec![2, 1], vec![1, 1]));
        assert_eq!(
            (fb.total_offered, fb.total_accepted, fb.unmatched),
            (3, 2, 1)
        );

        // By category: the SKU labels count for their category.
        let options = crate::basket::BasketOptions {
            level: ItemLevel::Category,
            ..Default::default()
        };
        let b = Baskets::from_facts(&f, &options);
        assert_eq!(b.names(), ["Camping", "Parts"]);
        let labels = LabelMap::new(&f, &b, ItemLevel::Category);
        assert_eq!(
            (labels.item("tent"), labels.item("Parts")),
            (Some(0), Some(1))
        );
        let fb = OfferFeedback::from_facts(&f, &labels);
        assert_eq!((fb.offered, fb.accepted), (vec![1, 2], vec![1, 1]));
    }

    #[test]
    fn ranks_by_confidence_times_margin_and_skips_what_was_bought() {
        // Items: 0 tent, 1 pegs, 2 stove, 3 mat, 4 lamp.
        let rules = [
            rule(&[0], &[1], 0.9),    // tent → pegs
            rule(&[0], &[2], 0.3),    // tent → stove
            rule(&[0, 3], &[4], 0.5), // tent + mat → lamp (mat not bought: ignored)
            rule(&[2], &[3], 0.9),    // stove → mat (stove not bought: ignored)
            rule(&[1], &[2], 0.6),    // pegs → stove (pegs bought: better stove score)
            rule(&[1], &[0], 0.8),    // pegs → tent (tent already bought)
        ];
        let margin = [50.0, 2.0, 30.0, 10.0, 8.0];
        let history = PurchaseHistory::new([(0, 100), (1, 140), (1, 120)]);
        assert_eq!(history.last_day(1), Some(140));
        let offers = next_best_offers(&rules, &history, 150, &margin, &OfferSettings::default());
        let got: Vec<(u32, f64, usize)> =
            offers.iter().map(|o| (o.item, o.score, o.rule)).collect();
        assert_eq!(got, [(2, 0.6 * 30.0, 4)]);

        // Offer again what was last bought ≥ 30 days ago: the tent (50 days, 0.8 × 50 = 40)
        // but not the pegs (10 days).
        let again = OfferSettings {
            top: 5,
            rebuy_after_days: Some(30),
        };
        let offers = next_best_offers(&rules, &history, 150, &margin, &again);
        let got: Vec<u32> = offers.iter().map(|o| o.item).collect();
        assert_eq!(got, [0, 2]);
    }
}
