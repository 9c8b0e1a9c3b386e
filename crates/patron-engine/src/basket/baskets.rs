//! Baskets: the distinct items of each order, built from the order lines of a fact set.

use patron_core::facts::{Facts, Interner, NONE};

/// The codes of the Online Retail lines that are not products: postage (`POST`, `DOT`),
/// manual adjustments (`M`), carriage (`C2`), bank charges, Amazon fees, pads, CRUK
/// commission, discounts (`D`), samples (`S`) and bad-debt adjustments (`B`).
pub const NON_PRODUCT_CODES: &[&str] = &[
    "POST",
    "DOT",
    "M",
    "C2",
    "BANK CHARGES",
    "AMAZONFEE",
    "PADS",
    "CRUK",
    "D",
    "S",
    "B",
];

/// What the items of a basket are.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ItemLevel {
    /// One item per SKU.
    #[default]
    Sku,
    /// One item per product category.
    Category,
}

/// How baskets are built from order lines.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct BasketOptions {
    /// SKUs or categories.
    pub level: ItemLevel,
    /// Item names to leave out (exact, case-sensitive match), e.g. [`NON_PRODUCT_CODES`].
    pub exclude: Vec<String>,
}

/// Baskets in compressed-row form. Items are numbered `0..n_items()` in ascending name order,
/// and each basket lists its distinct items in ascending order.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Baskets {
    offsets: Vec<usize>,
    members: Vec<u32>,
    names: Vec<String>,
}

impl Baskets {
    /// Baskets from lists of item names (duplicates within a list count once; empty lists are
    /// dropped).
    pub fn from_lists<L, S>(lists: &[L]) -> Self
    where
        L: AsRef<[S]>,
        S: AsRef<str>,
    {
        let mut interner = Interner::default();
        let mut pairs = Vec::new();
        for (basket, list) in lists.iter().enumerate() {
            for name in list.as_ref() {
                pairs.push((basket as u32, interner.intern(name.as_ref())));
            }
        }
        Self::from_pairs(pairs, &interner)
    }

    /// Baskets of the purchase lines in `facts` (returns are skipped), one per order, with
    /// the lines whose item is unknown or excluded left out. Orders left without an item are
    /// not baskets.
    pub fn from_facts(facts: &Facts, options: &BasketOptions) -> Self {
        let o = &facts.orders;
        let (codes, interner) = match options.level {
            ItemLevel::Sku => (&o.sku, &o.skus),
            ItemLevel::Category => (&o.category, &o.categories),
        };
        let excluded = excluded_codes(interner, &options.exclude);
        let pairs = (0..o.order.len())
            .filter(|&i| !o.is_return[i] && codes[i] != NONE && !excluded[codes[i] as usize])
            .map(|i| (o.order[i], codes[i]))
            .collect();
        Self::from_pairs(pairs, interner)
    }

    /// Builds the baskets from (basket key, item code) pairs of any order.
    fn from_pairs(mut pairs: Vec<(u32, u32)>, interner: &Interner) -> Self {
        pairs.sort_unstable();
        pairs.dedup();
        let remap = name_order(interner, pairs.iter().map(|&(_, code)| code));
        let names: Vec<String> = remap
            .order
            .iter()
            .map(|&c| interner.name(c).to_owned())
            .collect();
        let mut offsets = vec![0];
        let mut members = Vec::with_capacity(pairs.len());
        for (i, &(basket, code)) in pairs.iter().enumerate() {
            if i > 0 && pairs[i - 1].0 != basket {
                offsets.push(members.len());
            }
            members.push(remap.item_of[code as usize]);
        }
        if !members.is_empty() {
            offsets.push(members.len());
        }
        // `pairs` is in code order, not name order: sort each basket's item numbers.
        for w in offsets.windows(2) {
            members[w[0]..w[1]].sort_unstable();
        }
        Baskets {
            offsets,
            members,
            names,
        }
    }

    /// No baskets, only item names (sorted, distinct): a vocabulary in which
    /// [`Baskets::item`] finds items by name, as a frozen model keeps it.
    pub fn vocabulary(names: Vec<String>) -> Self {
        debug_assert!(names.windows(2).all(|w| w[0] < w[1]));
        Baskets {
            offsets: Vec::new(),
            members: Vec::new(),
            names,
        }
    }

    /// Number of baskets.
    pub fn len(&self) -> usize {
        self.offsets.len().saturating_sub(1)
    }

    /// True when there is no basket.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Number of distinct items.
    pub fn n_items(&self) -> usize {
        self.names.len()
    }

    /// The items of basket `i`, ascending.
    pub fn basket(&self, i: usize) -> &[u32] {
        &self.members[self.offsets[i]..self.offsets[i + 1]]
    }

    /// Every basket in turn.
    pub fn iter(&self) -> impl Iterator<Item = &[u32]> {
        self.offsets.windows(2).map(|w| &self.members[w[0]..w[1]])
    }

    /// The name of item `item`.
    pub fn name(&self, item: u32) -> &str {
        &self.names[item as usize]
    }

    /// Item names by item number (ascending).
    pub fn names(&self) -> &[String] {
        &self.names
    }

    /// The number of the item called `name`, if some basket holds it.
    pub fn item(&self, name: &str) -> Option<u32> {
        self.names
            .binary_search_by(|n| n.as_str().cmp(name))
            .ok()
            .map(|i| i as u32)
    }
}

/// For each interner code, whether its name is in `exclude`.
fn excluded_codes(interner: &Interner, exclude: &[String]) -> Vec<bool> {
    let mut excluded = vec![false; interner.len()];
    for name in exclude {
        if let Some(code) = interner.get(name) {
            excluded[code as usize] = true;
        }
    }
    excluded
}

/// The used codes in name order, and the item number of every code.
struct NameOrder {
    order: Vec<u32>,
    item_of: Vec<u32>,
}

/// Numbers the codes that occur in `used` by ascending name.
fn name_order(interner: &Interner, used: impl Iterator<Item = u32>) -> NameOrder {
    let mut seen = vec![false; interner.len()];
    for code in used {
        seen[code as usize] = true;
    }
    let mut order: Vec<u32> = (0..interner.len() as u32)
        .filter(|&c| seen[c as usize])
        .collect();
    order.sort_unstable_by(|&a, &b| interner.name(a).cmp(interner.name(b)));
    let mut item_of = vec![NONE; interner.len()];
    for (item, &code) in order.iter().enumerate() {
        item_of[code as usize] = item as u32;
    }
    NameOrder { order, item_of }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lists_become_sorted_distinct_items_in_name_order() {
        let b = Baskets::from_lists(&[vec!["milk", "bread", "milk"], vec![], vec!["apple"]]);
        assert_eq!(b.len(), 2);
        assert_eq!(b.names(), ["apple", "bread", "milk"]);
        assert_eq!(b.basket(0), [1, 2]);
        assert_eq!(b.basket(1), [0]);
        assert_eq!(b.item("milk"), Some(2));
        assert_eq!(b.item("tea"), None);
    }

    /// Order lines (order, sku, category, is return).
    fn facts(lines: &[(&str, &str, Option<&str>, bool)]) -> Facts {
        let mut facts = Facts::default();
        let o = &mut facts.orders;
        for &(order, sku, category, is_return) in lines {
            let order = o.order_ids.intern(order);
            o.order.push(order);
            let sku = o.skus.intern(sku);
            o.sku.push(sku);
            let category = category.map_or(NONE, |c| o.categories.intern(c));
            o.category.push(category);
            o.is_return.push(is_return);
        }
        facts
    }

    #[test]
    fn facts_give_one_basket_per_order_without_returns_and_exclusions() {
        let f = facts(&[
            ("o1", "B2", Some("toys"), false),
            ("o1", "A1", Some("toys"), false),
            ("o2", "POST", None, false),
            ("o3", "A1", Some("toys"), true),
            ("o3", "C3", Some("cards"), false),
            ("o1", "A1", Some("toys"), false),
        ]);
        let options = BasketOptions {
            level: ItemLevel::Sku,
            exclude: NON_PRODUCT_CODES.iter().map(|c| (*c).to_owned()).collect(),
        };
        let b = Baskets::from_facts(&f, &options);
        assert_eq!(b.names(), ["A1", "B2", "C3"]);
        let baskets: Vec<&[u32]> = b.iter().collect();
        assert_eq!(baskets, [&[0, 1][..], &[2][..]]);
        let by_category = BasketOptions {
            level: ItemLevel::Category,
            exclude: Vec::new(),
        };
        let b = Baskets::from_facts(&f, &by_category);
        assert_eq!(b.names(), ["cards", "toys"]);
        assert_eq!(b.iter().collect::<Vec<_>>(), [&[1][..], &[0][..]]);
    }

    #[test]
    fn no_lists_no_baskets() {
        let b = Baskets::from_lists::<Vec<&str>, &str>(&[]);
        assert!(b.is_empty());
        assert_eq!(b.n_items(), 0);
        assert_eq!(b.iter().count(), 0);
    }
}
