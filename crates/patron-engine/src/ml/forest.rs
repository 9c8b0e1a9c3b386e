//! A flat copy of a boosted tree ensemble for fast batch scoring: rows are scored in
//! cache-sized blocks (every tree for one block before the next) on all cores. The sums are
//! taken in the same order as forust-ml's, so predictions are bit-identical to its own.

use super::level_order::LevelOrder;
use super::matrix::Matrix;
use super::model::Contributions;
use forust_ml::tree::Tree;
use rayon::prelude::*;

/// Rows per block: a block's values stay in cache while every tree visits them.
const BLOCK: usize = 256;

/// Marks a leaf in [`FlatNode::feature`].
const LEAF: u32 = u32::MAX;

/// One node: a split (`feature`, `threshold`, children) or a leaf; `value` is the node's
/// weight (the leaf's output, or an internal node's weight for path contributions).
#[derive(Debug, Clone, Copy, PartialEq)]
struct FlatNode {
    feature: u32,
    left: u32,
    right: u32,
    missing: u32,
    threshold: f64,
    value: f64,
}

/// The trees of a fitted booster, flattened.
#[derive(Debug, Clone, PartialEq)]
pub struct Forest {
    nodes: Vec<FlatNode>,
    roots: Vec<u32>,
    base: f64,
    parallel: bool,
}

impl Forest {
    /// Flattens `trees` (predicting `base + Σ leaf values`).
    pub fn new(trees: &[Tree], base: f64, parallel: bool) -> Forest {
        let mut nodes = Vec::new();
        let mut roots = Vec::with_capacity(trees.len());
        for tree in trees {
            let offset = nodes.len() as u32;
            roots.push(offset);
            nodes.extend(tree.nodes.iter().map(|n| FlatNode {
                feature: if n.is_leaf {
                    LEAF
                } else {
                    n.split_feature as u32
                },
                left: offset + n.left_child as u32,
                right: offset + n.right_child as u32,
                missing: offset + n.missing_node as u32,
                threshold: n.split_value,
                value: f64::from(n.weight_value),
            }));
        }
        Forest {
            nodes,
            roots,
            base,
            parallel,
        }
    }

    /// The child of split `node` that `row` goes to.
    fn child(&self, node: &FlatNode, row: &[f64]) -> u32 {
        let v = row[node.feature as usize];
        if v.is_nan() {
            node.missing
        } else if v < node.threshold {
            node.left
        } else {
            node.right
        }
    }

    /// The leaf value of one tree for one row.
    fn leaf(&self, root: u32, row: &[f64]) -> f64 {
        let mut node = &self.nodes[root as usize];
        while node.feature != LEAF {
            node = &self.nodes[self.child(node, row) as usize];
        }
        node.value
    }

    /// Log-odds of every row of `x` (recoded by `levels`).
    pub fn predict(&self, x: &Matrix, levels: &LevelOrder) -> Vec<f64> {
        let mut out = vec![0.0; x.rows()];
        self.for_blocks(&mut out, 1, x, levels, |rows, out| {
            let cols = x.cols();
            // Tree by tree over the block, so one tree's nodes stay in cache; each row still
            // adds the trees in order (the same sum as tree-inner).
            out.fill(self.base);
            for &t in &self.roots {
                for (r, o) in out.iter_mut().enumerate() {
                    *o += self.leaf(t, &rows[r * cols..(r + 1) * cols]);
                }
            }
        });
        out
    }

    /// Path contributions (Saabas): along each tree's path, the change of the node weight
    /// is credited to the split feature; the root weights and the base score form the bias.
    /// Each row's contributions and bias add up to its log-odds (up to rounding).
    pub fn path_contributions(&self, x: &Matrix, levels: &LevelOrder) -> Contributions {
        let width = x.cols() + 1;
        let mut out = vec![0.0; x.rows() * width];
        self.for_blocks(&mut out, width, x, levels, |rows, out| {
            let cols = x.cols();
            for (r, c) in out.chunks_exact_mut(width).enumerate() {
                let row = &rows[r * cols..(r + 1) * cols];
                c[cols] = self.base;
                for &root in &self.roots {
                    self.add_path(root, row, c);
                }
            }
        });
        let mut values = Vec::with_capacity(x.rows() * x.cols());
        let mut bias = Vec::with_capacity(x.rows());
        for c in out.chunks_exact(width) {
            values.extend_from_slice(&c[..x.cols()]);
            bias.push(c[x.cols()]);
        }
        Contributions {
            values,
            bias,
            n_features: x.cols(),
        }
    }

    /// Adds one tree's path contributions for `row` to `c` (bias last).
    fn add_path(&self, root: u32, row: &[f64], c: &mut [f64]) {
        let mut node = &self.nodes[root as usize];
        let bias = c.len() - 1;
        c[bias] += node.value;
        while node.feature != LEAF {
            let child = &self.nodes[self.child(node, row) as usize];
            c[node.feature as usize] += child.value - node.value;
            node = child;
        }
    }

    /// Runs `score` on blocks of rows: it gets the block's rows row-major (recoded) and the
    /// block's slice of `out` (`per_row` values a row).
    fn for_blocks<F>(
        &self,
        out: &mut [f64],
        per_row: usize,
        x: &Matrix,
        levels: &LevelOrder,
        score: F,
    ) where
        F: Fn(&[f64], &mut [f64]) + Sync,
    {
        let maps = levels.maps(x.cols());
        let run = |(b, out): (usize, &mut [f64])| {
            let start = b * BLOCK;
            let n = out.len() / per_row;
            let mut rows = vec![0.0; n * x.cols()];
            for (c, map) in maps.iter().enumerate() {
                let column = &x.col(c)[start..start + n];
                for (r, &v) in column.iter().enumerate() {
                    rows[r * x.cols() + c] = map.map_or(v, |m| LevelOrder::recode(v, m));
                }
            }
            score(&rows, out);
        };
        if self.parallel {
            out.par_chunks_mut(BLOCK * per_row)
                .enumerate()
                .for_each(run);
        } else {
            out.chunks_mut(BLOCK * per_row).enumerate().for_each(run);
        }
    }
}
