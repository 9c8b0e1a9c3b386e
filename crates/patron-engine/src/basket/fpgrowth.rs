//! Frequent itemsets by FP-growth (Han, Pei & Yin 2000).
//!
//! The baskets are compressed into an FP-tree: a prefix tree of each basket's frequent items in
//! descending frequency order, with a header table listing every item's nodes. The itemsets
//! ending in an item are mined from that item's conditional pattern base (the prefix paths of
//! its nodes, weighted by the node counts), which is itself built into a smaller FP-tree, and so
//! on recursively. Trees are built from sorted transactions, so each new path shares nodes only
//! with the path inserted just before it and no child look-up is needed.

use super::{BasketError, Baskets};
use patron_core::facts::NONE;

/// An itemset bought together in at least the minimum number of baskets.
#[derive(Debug, Clone, PartialEq)]
pub struct Itemset {
    /// Item numbers (see [`Baskets::name`]), ascending.
    pub items: Vec<u32>,
    /// Baskets holding every item of the set.
    pub count: u64,
    /// `count / n_baskets`.
    pub support: f64,
}

/// The frequent itemsets of a set of baskets.
#[derive(Debug, Clone, PartialEq)]
pub struct FrequentItemsets {
    /// Number of baskets mined.
    pub n_baskets: usize,
    /// The smallest basket count of a frequent itemset.
    pub min_count: u64,
    /// Itemsets by size, then count descending, then items ascending.
    pub itemsets: Vec<Itemset>,
}

impl FrequentItemsets {
    /// Number of itemsets of each size: element `k - 1` counts the itemsets of `k` items.
    pub fn count_by_size(&self) -> Vec<usize> {
        let mut sizes = Vec::new();
        for set in &self.itemsets {
            if sizes.len() < set.items.len() {
                sizes.resize(set.items.len(), 0);
            }
            sizes[set.items.len() - 1] += 1;
        }
        sizes
    }
}

/// The smallest basket count `c ≥ 1` with `c / n_baskets ≥ min_support` (division in `f64`,
/// as mlxtend and pandas compute support), for `min_support` in (0, 1].
pub fn min_count(min_support: f64, n_baskets: usize) -> Result<u64, BasketError> {
    if !(min_support > 0.0 && min_support <= 1.0) {
        return Err(BasketError::MinSupport(min_support));
    }
    let n = n_baskets as f64;
    let mut c = ((min_support * n).ceil() as u64).max(1);
    while c > 1 && (c - 1) as f64 / n >= min_support {
        c -= 1;
    }
    while (c as f64) / n < min_support && c < n_baskets as u64 {
        c += 1;
    }
    Ok(c)
}

/// Every itemset of at most `max_len` items (no limit when `None`) whose support is at least
/// `min_support`, a fraction of the baskets in (0, 1].
pub fn fpgrowth(
    baskets: &Baskets,
    min_support: f64,
    max_len: Option<usize>,
) -> Result<FrequentItemsets, BasketError> {
    let min_count = min_count(min_support, baskets.len())?;
    let ranking = Ranking::new(baskets, min_count);
    let tree = FpTree::build(&ranking.transactions(baskets), ranking.item_of_rank.len());
    let mut found = Vec::new();
    let mut miner = Miner {
        min_count,
        max_len: max_len.unwrap_or(usize::MAX),
        suffix: Vec::new(),
        found: &mut found,
    };
    miner.mine(&tree);
    let n = baskets.len() as f64;
    let mut itemsets: Vec<Itemset> = found
        .into_iter()
        .map(|(ranks, count)| {
            let mut items: Vec<u32> = ranks
                .iter()
                .map(|&r| ranking.item_of_rank[r as usize])
                .collect();
            items.sort_unstable();
            Itemset {
                items,
                count,
                support: count as f64 / n,
            }
        })
        .collect();
    itemsets.sort_unstable_by(|a, b| {
        (a.items.len(), b.count, &a.items).cmp(&(b.items.len(), a.count, &b.items))
    });
    Ok(FrequentItemsets {
        n_baskets: baskets.len(),
        min_count,
        itemsets,
    })
}

/// The frequent items numbered by rank: 0 is the most frequent, ties by item number.
struct Ranking {
    item_of_rank: Vec<u32>,
    rank_of_item: Vec<u32>,
}

impl Ranking {
    /// Ranks the items held by at least `min_count` baskets.
    fn new(baskets: &Baskets, min_count: u64) -> Self {
        let mut counts = vec![0u64; baskets.n_items()];
        for basket in baskets.iter() {
            for &item in basket {
                counts[item as usize] += 1;
            }
        }
        let mut item_of_rank: Vec<u32> = (0..counts.len() as u32)
            .filter(|&i| counts[i as usize] >= min_count)
            .collect();
        item_of_rank.sort_unstable_by_key(|&i| (std::cmp::Reverse(counts[i as usize]), i));
        let mut rank_of_item = vec![NONE; counts.len()];
        for (rank, &item) in item_of_rank.iter().enumerate() {
            rank_of_item[item as usize] = rank as u32;
        }
        Ranking {
            item_of_rank,
            rank_of_item,
        }
    }

    /// Each basket's frequent items as ascending ranks, weight 1.
    fn transactions(&self, baskets: &Baskets) -> Transactions {
        let mut tx = Transactions::default();
        let mut ranks = Vec::new();
        for basket in baskets.iter() {
            ranks.clear();
            ranks.extend(
                basket
                    .iter()
                    .map(|&i| self.rank_of_item[i as usize])
                    .filter(|&r| r != NONE),
            );
            ranks.sort_unstable();
            tx.push(&ranks, 1);
        }
        tx
    }
}

/// Weighted transactions of ascending ranks, in compressed-row form.
#[derive(Default)]
struct Transactions {
    offsets: Vec<usize>,
    ranks: Vec<u32>,
    weights: Vec<u64>,
}

impl Transactions {
    /// Adds a transaction unless it is empty.
    fn push(&mut self, ranks: &[u32], weight: u64) {
        if ranks.is_empty() {
            return;
        }
        if self.offsets.is_empty() {
            self.offsets.push(0);
        }
        self.ranks.extend_from_slice(ranks);
        self.offsets.push(self.ranks.len());
        self.weights.push(weight);
    }

    /// Number of transactions.
    fn len(&self) -> usize {
        self.weights.len()
    }

    /// Transaction `i`'s ranks.
    fn get(&self, i: usize) -> &[u32] {
        &self.ranks[self.offsets[i]..self.offsets[i + 1]]
    }
}

/// The parent of a node hanging from the (implicit) root.
const ROOT: u32 = u32::MAX;

/// An FP-tree over ranks `0..header.len()`, nodes in an arena.
struct FpTree {
    rank: Vec<u32>,
    count: Vec<u64>,
    parent: Vec<u32>,
    /// The nodes of each rank.
    header: Vec<Vec<u32>>,
    /// The summed count of each rank's nodes.
    total: Vec<u64>,
}

impl FpTree {
    /// The tree of `tx` over `n_ranks` ranks.
    fn build(tx: &Transactions, n_ranks: usize) -> Self {
        let mut tree = FpTree {
            rank: Vec::new(),
            count: Vec::new(),
            parent: Vec::new(),
            header: vec![Vec::new(); n_ranks],
            total: vec![0; n_ranks],
        };
        let mut order: Vec<usize> = (0..tx.len()).collect();
        order.sort_unstable_by(|&a, &b| tx.get(a).cmp(tx.get(b)));
        let mut path: Vec<u32> = Vec::new();
        let mut previous: &[u32] = &[];
        for t in order {
            let (ranks, weight) = (tx.get(t), tx.weights[t]);
            let shared = common_prefix(previous, ranks);
            path.truncate(shared);
            for &node in &path {
                tree.count[node as usize] += weight;
            }
            for &rank in &ranks[shared..] {
                let parent = path.last().copied().unwrap_or(ROOT);
                path.push(tree.add(rank, weight, parent));
            }
            for &rank in ranks {
                tree.total[rank as usize] += weight;
            }
            previous = ranks;
        }
        tree
    }

    /// Adds a node; returns its index.
    fn add(&mut self, rank: u32, count: u64, parent: u32) -> u32 {
        let node = self.rank.len() as u32;
        self.rank.push(rank);
        self.count.push(count);
        self.parent.push(parent);
        self.header[rank as usize].push(node);
        node
    }

    /// Calls `visit(rank)` for each ancestor of `node`, from its parent up.
    fn ancestors(&self, node: u32, mut visit: impl FnMut(u32)) {
        let mut p = self.parent[node as usize];
        while p != ROOT {
            visit(self.rank[p as usize]);
            p = self.parent[p as usize];
        }
    }

    /// The FP-tree of `rank`'s conditional pattern base, keeping the ranks frequent in it;
    /// `None` when none is.
    fn conditional(&self, rank: usize, min_count: u64) -> Option<FpTree> {
        let mut counts = vec![0u64; rank];
        for &node in &self.header[rank] {
            let weight = self.count[node as usize];
            self.ancestors(node, |r| counts[r as usize] += weight);
        }
        if counts.iter().all(|&c| c < min_count) {
            return None;
        }
        let mut tx = Transactions::default();
        let mut path = Vec::new();
        for &node in &self.header[rank] {
            path.clear();
            self.ancestors(node, |r| {
                if counts[r as usize] >= min_count {
                    path.push(r);
                }
            });
            path.reverse();
            tx.push(&path, self.count[node as usize]);
        }
        Some(FpTree::build(&tx, rank))
    }
}

/// Length of the common prefix of two slices.
fn common_prefix(a: &[u32], b: &[u32]) -> usize {
    a.iter().zip(b).take_while(|(x, y)| x == y).count()
}

/// The recursive mining state.
struct Miner<'a> {
    min_count: u64,
    max_len: usize,
    /// The ranks of the conditioning suffix.
    suffix: Vec<u32>,
    /// (ranks, count) of every itemset found.
    found: &'a mut Vec<(Vec<u32>, u64)>,
}

impl Miner<'_> {
    /// Emits every frequent itemset of `tree` extended by the current suffix.
    fn mine(&mut self, tree: &FpTree) {
        for rank in (0..tree.header.len()).rev() {
            let total = tree.total[rank];
            if total < self.min_count {
                continue;
            }
            self.suffix.push(rank as u32);
            self.found.push((self.suffix.clone(), total));
            if self.suffix.len() < self.max_len
                && let Some(conditional) = tree.conditional(rank, self.min_count)
            {
                self.mine(&conditional);
            }
            self.suffix.pop();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The classic example of Han et al.: 9 transactions over I1..I5.
    fn han() -> Baskets {
        Baskets::from_lists(&[
            vec!["I1", "I2", "I5"],
            vec!["I2", "I4"],
            vec!["I2", "I3"],
            vec!["I1", "I2", "I4"],
            vec!["I1", "I3"],
            vec!["I2", "I3"],
            vec!["I1", "I3"],
            vec!["I1", "I2", "I3", "I5"],
            vec!["I1", "I2", "I3"],
        ])
    }

    fn named(b: &Baskets, f: &FrequentItemsets) -> Vec<(String, u64)> {
        f.itemsets
            .iter()
            .map(|s| {
                let names: Vec<&str> = s.items.iter().map(|&i| b.name(i)).collect();
                (names.join(","), s.count)
            })
            .collect()
    }

    #[test]
    fn han_example_at_support_two() {
        let b = han();
        let f = fpgrowth(&b, 2.0 / 9.0, None).unwrap();
        assert_eq!(f.min_count, 2);
        let expected = [
            ("I2", 7),
            ("I1", 6),
            ("I3", 6),
            ("I4", 2),
            ("I5", 2),
            ("I1,I2", 4),
            ("I1,I3", 4),
            ("I2,I3", 4),
            ("I1,I5", 2),
            ("I2,I4", 2),
            ("I2,I5", 2),
            ("I1,I2,I3", 2),
            ("I1,I2,I5", 2),
        ];
        let expected: Vec<(String, u64)> =
            expected.iter().map(|&(s, c)| (s.to_owned(), c)).collect();
        assert_eq!(named(&b, &f), expected);
        assert_eq!(f.count_by_size(), [5, 6, 2]);
        assert!((f.itemsets[0].support - 7.0 / 9.0).abs() < 1e-15);
    }

    #[test]
    fn max_len_limits_the_size() {
        let f = fpgrowth(&han(), 0.2, Some(2)).unwrap();
        assert_eq!(f.count_by_size(), [5, 6]);
    }

    #[test]
    fn matches_brute_force_on_overlapping_baskets() {
        let lists: Vec<Vec<String>> = (0..60u32)
            .map(|i| {
                (0..8u32)
                    .filter(|j| (i * 7 + j * 3) % (j + 2) < 2 || (i + j) % 5 == 0)
                    .map(|j| format!("x{j}"))
                    .collect()
            })
            .collect();
        let b = Baskets::from_lists(&lists);
        let f = fpgrowth(&b, 0.1, None).unwrap();
        let mut brute = Vec::new();
        for mask in 1u32..(1 << b.n_items()) {
            let items: Vec<u32> = (0..b.n_items() as u32)
                .filter(|i| mask & (1 << i) != 0)
                .collect();
            let count = b
                .iter()
                .filter(|basket| items.iter().all(|i| basket.contains(i)))
                .count() as u64;
            if count >= f.min_count {
                brute.push((items, count));
            }
        }
        brute.sort_by(|a, b| (a.0.len(), b.1, &a.0).cmp(&(b.0.len(), a.1, &b.0)));
        let mine: Vec<(Vec<u32>, u64)> = f
            .itemsets
            .iter()
            .map(|s| (s.items.clone(), s.count))
            .collect();
        assert_eq!(mine, brute);
        assert!(mine.iter().any(|s| s.0.len() >= 3));
    }

    #[test]
    fn min_count_is_the_smallest_count_reaching_the_support() {
        assert_eq!(min_count(0.01, 18_402), Ok(185));
        assert_eq!(min_count(0.5, 4), Ok(2));
        assert_eq!(min_count(1.0, 3), Ok(3));
        assert_eq!(min_count(0.01, 0), Ok(1));
        assert_eq!(min_count(0.0, 10), Err(BasketError::MinSupport(0.0)));
        assert!(min_count(f64::NAN, 10).is_err());
        assert!(min_count(1.5, 10).is_err());
    }

    #[test]
    fn no_baskets_no_itemsets() {
        let b = Baskets::from_lists::<Vec<&str>, &str>(&[]);
        let f = fpgrowth(&b, 0.5, None).unwrap();
        assert!(f.itemsets.is_empty());
        assert_eq!(f.n_baskets, 0);
    }
}
