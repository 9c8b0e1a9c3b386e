//! Association rules "who buys A also buys C" from frequent itemsets, with the metrics of
//! mlxtend's `association_rules`.
//!
//! Every frequent itemset of two or more items is split in every way into a non-empty
//! antecedent A and consequent C (all subsets of a frequent itemset are frequent, so their
//! supports are known). With supports s(X) = count(X) / n:
//!
//! - support = s(A ∪ C), confidence = s(A ∪ C) / s(A), lift = confidence / s(C),
//! - leverage = s(A ∪ C) − s(A)·s(C), conviction = (1 − s(C)) / (1 − confidence), which is
//!   `f64::INFINITY` when the confidence is 1 (the JSON output writes it as `null`).
//!
//! The metrics are computed in `f64` in exactly that order, as mlxtend does, so filters
//! (`lift ≥ min_lift`) keep the same rules. Rules are sorted by lift descending, compared
//! exactly on the counts (so the two directions of a pair, whose lifts are equal, tie
//! regardless of rounding), then by support descending, antecedent items and consequent items
//! ascending.

use super::{BasketError, FrequentItemsets};
use std::cmp::Ordering;
use std::collections::HashMap;

/// Itemsets larger than this are not split (2^20 rules from one itemset).
const MAX_SPLIT: usize = 20;

/// One association rule A → C.
#[derive(Debug, Clone, PartialEq)]
pub struct Rule {
    /// Item numbers of A, ascending.
    pub antecedents: Vec<u32>,
    /// Item numbers of C, ascending.
    pub consequents: Vec<u32>,
    /// Baskets holding A ∪ C.
    pub count: u64,
    /// Baskets holding A.
    pub antecedent_count: u64,
    /// Baskets holding C.
    pub consequent_count: u64,
    /// s(A).
    pub antecedent_support: f64,
    /// s(C).
    pub consequent_support: f64,
    /// s(A ∪ C).
    pub support: f64,
    /// s(A ∪ C) / s(A): how often C is bought when A is.
    pub confidence: f64,
    /// confidence / s(C): how much A raises the chance of C.
    pub lift: f64,
    /// s(A ∪ C) − s(A)·s(C).
    pub leverage: f64,
    /// (1 − s(C)) / (1 − confidence); infinite when the confidence is 1.
    pub conviction: f64,
}

/// Which rules to keep.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RuleSettings {
    /// Keep rules with lift ≥ this (mlxtend's `metric="lift", min_threshold`).
    pub min_lift: f64,
    /// Keep rules with confidence ≥ this.
    pub min_confidence: f64,
}

impl Default for RuleSettings {
    fn default() -> Self {
        RuleSettings {
            min_lift: 1.0,
            min_confidence: 0.0,
        }
    }
}

/// The rules of every split of every frequent itemset that pass `settings`, in the order
/// described in the module documentation.
pub fn association_rules(
    frequent: &FrequentItemsets,
    settings: &RuleSettings,
) -> Result<Vec<Rule>, BasketError> {
    let counts: HashMap<&[u32], u64> = frequent
        .itemsets
        .iter()
        .map(|s| (s.items.as_slice(), s.count))
        .collect();
    let n = frequent.n_baskets as f64;
    let mut rules = Vec::new();
    for set in frequent.itemsets.iter().filter(|s| s.items.len() >= 2) {
        let k = set.items.len();
        if k > MAX_SPLIT {
            return Err(BasketError::ItemsetTooLarge(k));
        }
        for mask in 1..(1u32 << k) - 1 {
            let (a, c) = split(&set.items, mask);
            let rule = Rule::new(a, c, set.count, &counts, n);
            if rule.lift >= settings.min_lift && rule.confidence >= settings.min_confidence {
                rules.push(rule);
            }
        }
    }
    rules.sort_unstable_by(rule_order);
    Ok(rules)
}

/// The items selected by `mask` and the others.
fn split(items: &[u32], mask: u32) -> (Vec<u32>, Vec<u32>) {
    let mut a = Vec::new();
    let mut c = Vec::new();
    for (i, &item) in items.iter().enumerate() {
        if mask & (1 << i) != 0 {
            a.push(item);
        } else {
            c.push(item);
        }
    }
    (a, c)
}

impl Rule {
    /// The rule A → C of an itemset held by `count` of `n` baskets.
    fn new(a: Vec<u32>, c: Vec<u32>, count: u64, counts: &HashMap<&[u32], u64>, n: f64) -> Rule {
        // Subsets of a frequent itemset are frequent: both are present.
        let count_a = counts.get(a.as_slice()).copied().unwrap_or(count);
        let count_c = counts.get(c.as_slice()).copied().unwrap_or(count);
        let (s_ac, s_a, s_c) = (count as f64 / n, count_a as f64 / n, count_c as f64 / n);
        let confidence = s_ac / s_a;
        let conviction = if confidence < 1.0 {
            (1.0 - s_c) / (1.0 - confidence)
        } else {
            f64::INFINITY
        };
        Rule {
            antecedents: a,
            consequents: c,
            count,
            antecedent_count: count_a,
            consequent_count: count_c,
            antecedent_support: s_a,
            consequent_support: s_c,
            support: s_ac,
            confidence,
            lift: confidence / s_c,
            leverage: s_ac - s_a * s_c,
            conviction,
        }
    }
}

/// Lift descending (exact, on counts), support descending, antecedents then consequents
/// ascending.
fn rule_order(x: &Rule, y: &Rule) -> Ordering {
    // lift = count·n / (count_a·count_c): compare the cross products, n cancels.
    let lift_x =
        u128::from(x.count) * u128::from(y.antecedent_count) * u128::from(y.consequent_count);
    let lift_y =
        u128::from(y.count) * u128::from(x.antecedent_count) * u128::from(x.consequent_count);
    lift_y
        .cmp(&lift_x)
        .then(y.count.cmp(&x.count))
        .then_with(|| x.antecedents.cmp(&y.antecedents))
        .then_with(|| x.consequents.cmp(&y.consequents))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::basket::{Baskets, fpgrowth};

    /// 10 baskets: bread in 6, milk in 5, both in 4, butter in 2 (always with bread).
    fn shop() -> Baskets {
        let mut lists = vec![
            vec!["bread", "milk"],
            vec!["bread", "milk"],
            vec!["bread", "milk", "butter"],
            vec!["bread", "milk"],
            vec!["bread", "butter"],
            vec!["bread"],
            vec!["milk"],
        ];
        lists.extend([vec!["tea"], vec!["tea"], vec!["coffee"]]);
        Baskets::from_lists(&lists)
    }

    fn close(a: f64, b: f64) -> bool {
        (a - b).abs() < 1e-12
    }

    fn find<'a>(b: &Baskets, rules: &'a [Rule], a: &[&str], c: &[&str]) -> &'a Rule {
        let ids =
            |names: &[&str]| -> Vec<u32> { names.iter().map(|n| b.item(n).unwrap()).collect() };
        let (a, c) = (ids(a), ids(c));
        rules
            .iter()
            .find(|r| r.antecedents == a && r.consequents == c)
            .unwrap()
    }

    #[test]
    fn metrics_of_a_pair() {
        let b = shop();
        let f = fpgrowth(&b, 0.2, None).unwrap();
        let all = RuleSettings {
            min_lift: 0.0,
            min_confidence: 0.0,
        };
        let rules = association_rules(&f, &all).unwrap();
        // bread → milk: s(AC) 0.4, s(A) 0.6, s(C) 0.5.
        let r = find(&b, &rules, &["bread"], &["milk"]);
        assert!(close(r.support, 0.4));
        assert!(close(r.confidence, 0.4 / 0.6));
        assert!(close(r.lift, 0.4 / 0.6 / 0.5));
        assert!(close(r.leverage, 0.4 - 0.6 * 0.5));
        assert!(close(r.conviction, 0.5 / (1.0 - 0.4 / 0.6)));
        assert_eq!((r.count, r.antecedent_count, r.consequent_count), (4, 6, 5));
        // butter → bread: confidence 1, conviction infinite.
        let r = find(&b, &rules, &["butter"], &["bread"]);
        assert!(close(r.confidence, 1.0));
        assert!(close(r.lift, 1.0 / 0.6));
        assert_eq!(r.conviction, f64::INFINITY);
        // Pairs with count ≥ 2: bread-milk, bread-butter → 4 rules.
        assert_eq!(rules.len(), 4);
    }

    #[test]
    fn sorted_by_lift_then_support_then_items_and_filtered() {
        let b = shop();
        let f = fpgrowth(&b, 0.2, None).unwrap();
        let rules = association_rules(&f, &RuleSettings::default()).unwrap();
        let names = |items: &[u32]| -> Vec<&str> { items.iter().map(|&i| b.name(i)).collect() };
        let listed: Vec<(Vec<&str>, Vec<&str>)> = rules
            .iter()
            .map(|r| (names(&r.antecedents), names(&r.consequents)))
            .collect();
        // Lift bread/butter = 0.2/(0.6·0.2) = 1.667 (both directions tie: bread first);
        // bread/milk = 0.4/(0.6·0.5) = 1.333.
        assert_eq!(
            listed,
            [
                (vec!["bread"], vec!["butter"]),
                (vec!["butter"], vec!["bread"]),
                (vec!["bread"], vec!["milk"]),
                (vec!["milk"], vec!["bread"]),
            ]
        );
        let strict = RuleSettings {
            min_lift: 1.5,
            min_confidence: 0.5,
        };
        let kept = association_rules(&f, &strict).unwrap();
        assert_eq!(kept.len(), 1);
        assert_eq!(names(&kept[0].antecedents), ["butter"]);
    }

    #[test]
    fn every_split_of_a_triple() {
        let b = Baskets::from_lists(&[vec!["a", "b", "c"], vec!["a", "b", "c"], vec!["a"]]);
        let f = fpgrowth(&b, 0.5, None).unwrap();
        assert_eq!(f.count_by_size(), [3, 3, 1]);
        let all = RuleSettings {
            min_lift: 0.0,
            min_confidence: 0.0,
        };
        let rules = association_rules(&f, &all).unwrap();
        assert_eq!(rules.len(), 3 * 2 + 6);
        let r = find(&b, &rules, &["a"], &["b", "c"]);
        assert!(close(r.confidence, 2.0 / 3.0));
        assert!(close(r.lift, 1.0));
        let r = find(&b, &rules, &["b", "c"], &["a"]);
        assert_eq!((r.antecedent_count, r.consequent_count), (2, 3));
    }
}
