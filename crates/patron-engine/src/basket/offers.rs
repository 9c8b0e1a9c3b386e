//! Next best offer: the products a customer is most worth offering, from the association rules.
//!
//! A rule A → C applies to a customer who has bought every item of A. Each consequent item
//! the customer may be offered scores `confidence × margin` (the expected margin of the offer
//! if the rule's confidence is the chance of a purchase); an item reached by several rules
//! keeps its best score and the rule that gave it. Items already bought are not offered, or,
//! with `rebuy_after_days`, only those bought within that many days of `as_of`.
//! [`purchase_history`] and [`unit_margins`] read both inputs from a fact set.

use super::{Baskets, ItemLevel, Rule};
use patron_core::facts::{Facts, Interner, NONE};
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
    /// `confidence × margin`.
    pub score: f64,
    /// Confidence of the rule that suggested it.
    pub confidence: f64,
    /// The item's margin (per unit or per order line, as given).
    pub margin: f64,
    /// Index of that rule in the rule slice.
    pub rule: usize,
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
    let offerable = |item: u32| match (history.last_day(item), settings.rebuy_after_days) {
        (None, _) => true,
        (Some(_), None) => false,
        (Some(day), Some(after)) => as_of_day - day >= after,
    };
    let mut best: BTreeMap<u32, Offer> = BTreeMap::new();
    for (index, rule) in rules.iter().enumerate() {
        if !history.holds_all(&rule.antecedents) {
            continue;
        }
        for &item in rule.consequents.iter().filter(|&&i| offerable(i)) {
            let m = margin.get(item as usize).copied().unwrap_or(0.0);
            let offer = Offer {
                item,
                score: rule.confidence * m,
                confidence: rule.confidence,
                margin: m,
                rule: index,
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
