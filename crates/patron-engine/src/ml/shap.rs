//! Exact tree SHAP values (Lundberg et al.'s path-dependent algorithm) for forust-ml trees,
//! without allocation per node.
//!
//! The arithmetic is forust-ml's own (`f32` path weights, the same child order, a separate
//! branch for missing values where a split has one), so the values equal forust-ml's
//! `ContributionsMethod::Shapley` up to rounding; but the unique path lives in one buffer per
//! thread instead of a vector cloned at every node, and each tree's expected value is computed
//! once instead of for every row — an order of magnitude faster.

use super::matrix::Matrix;
use super::model::Contributions;
use forust_ml::tree::Tree;
use rayon::prelude::*;

/// Rows per parallel block.
const BLOCK: usize = 256;

#[derive(Debug, Clone, Copy, Default)]
struct PathElement {
    feature: usize,
    zero: f32,
    one: f32,
    pweight: f32,
}

#[derive(Debug, Clone, Copy, PartialEq)]
struct ShapNode {
    leaf: bool,
    feature: usize,
    threshold: f64,
    left: usize,
    right: usize,
    missing: usize,
    has_missing: bool,
    cover: f32,
    value: f32,
}

/// The trees of a model prepared for SHAP values.
#[derive(Debug, Clone, PartialEq)]
pub struct TreeShap {
    nodes: Vec<ShapNode>,
    roots: Vec<usize>,
    /// Each tree's expected value (cover-weighted mean leaf value).
    expected: Vec<f64>,
    /// The model's base score (log-odds before any tree).
    base: f64,
    /// Length of one level's path segment.
    segment: usize,
}

impl TreeShap {
    /// Prepares `trees` of a model whose log-odds start at `base`.
    pub fn new(trees: &[Tree], base: f64) -> TreeShap {
        let mut nodes = Vec::new();
        let mut roots = Vec::with_capacity(trees.len());
        let mut depth = 0;
        for tree in trees {
            let offset = nodes.len();
            roots.push(offset);
            for n in &tree.nodes {
                depth = depth.max(n.depth);
                nodes.push(ShapNode {
                    leaf: n.is_leaf,
                    feature: n.split_feature,
                    threshold: n.split_value,
                    left: offset + n.left_child,
                    right: offset + n.right_child,
                    missing: offset + n.missing_node,
                    has_missing: n.has_missing_branch(),
                    cover: n.hessian_sum,
                    value: n.weight_value,
                });
            }
        }
        let expected = trees
            .iter()
            .map(|t| {
                if t.nodes.is_empty() {
                    0.0
                } else {
                    t.get_average_leaf_weights(0)
                }
            })
            .collect();
        TreeShap {
            nodes,
            roots,
            expected,
            base,
            segment: depth + 3,
        }
    }

    /// The SHAP values of every row of `x` (already recoded as the trees expect).
    pub fn contributions(&self, x: &Matrix, parallel: bool) -> Contributions {
        let cols = x.cols();
        let width = cols + 1;
        let mut out = vec![0.0; x.rows() * width];
        let run = |(b, chunk): (usize, &mut [f64])| {
            let mut scratch = vec![PathElement::default(); self.segment * self.segment];
            let mut row = vec![0.0; cols];
            for (k, c) in chunk.chunks_exact_mut(width).enumerate() {
                let r = b * BLOCK + k;
                for (j, v) in row.iter_mut().enumerate() {
                    *v = x.get(r, j);
                }
                self.add_row(&row, c, &mut scratch);
            }
        };
        if parallel {
            out.par_chunks_mut(BLOCK * width).enumerate().for_each(run);
        } else {
            out.chunks_mut(BLOCK * width).enumerate().for_each(run);
        }
        let mut values = Vec::with_capacity(x.rows() * cols);
        let mut bias = Vec::with_capacity(x.rows());
        for c in out.chunks_exact(width) {
            values.extend_from_slice(&c[..cols]);
            bias.push(c[cols]);
        }
        Contributions {
            values,
            bias,
            n_features: cols,
        }
    }

    /// Adds the SHAP values of `row` to `out` (`row.len()` features, then the bias).
    fn add_row(&self, row: &[f64], out: &mut [f64], scratch: &mut [PathElement]) {
        let bias = out.len() - 1;
        out[bias] += self.base;
        for (t, &root) in self.roots.iter().enumerate() {
            out[bias] += self.expected[t];
            self.recurse(row, out, scratch, 0, root, 0, 1.0, 1.0, row.len() + 100);
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn recurse(
        &self,
        row: &[f64],
        out: &mut [f64],
        buf: &mut [PathElement],
        level: usize,
        node_index: usize,
        mut depth: usize,
        parent_zero: f32,
        parent_one: f32,
        parent_feature: usize,
    ) {
        let seg = self.segment;
        let node = self.nodes[node_index];
        {
            let path = &mut buf[level * seg..(level + 1) * seg];
            extend(path, depth, parent_zero, parent_one, parent_feature);
        }
        if node.leaf {
            let path = &buf[level * seg..(level + 1) * seg];
            for i in 1..=depth {
                let w = unwound_sum(path, depth, i);
                let el = path[i];
                out[el.feature] += f64::from(w * (el.one - el.zero) * node.value);
            }
            return;
        }
        let v = row[node.feature];
        let next = if v.is_nan() {
            node.missing
        } else if v < node.threshold {
            node.left
        } else {
            node.right
        };
        let (mut incoming_zero, mut incoming_one) = (1.0f32, 1.0f32);
        {
            let path = &mut buf[level * seg..(level + 1) * seg];
            if let Some(k) = (0..=depth).find(|&k| path[k].feature == node.feature) {
                incoming_zero = path[k].zero;
                incoming_one = path[k].one;
                unwind(path, depth, k);
                depth -= 1;
            }
        }
        let children: [usize; 3];
        let n_children = if node.has_missing {
            children = if next == node.right {
                [node.right, node.left, node.missing]
            } else if next == node.left {
                [node.left, node.right, node.missing]
            } else {
                [node.missing, node.left, node.right]
            };
            3
        } else {
            children = if next == node.right {
                [node.right, node.left, 0]
            } else {
                [node.left, node.right, 0]
            };
            2
        };
        for (i, &child) in children[..n_children].iter().enumerate() {
            let (parent, rest) = buf.split_at_mut((level + 1) * seg);
            rest[..=depth].copy_from_slice(&parent[level * seg..level * seg + depth + 1]);
            let zero = (self.nodes[child].cover / node.cover) * incoming_zero;
            let one = if i == 0 { incoming_one } else { 0.0 };
            self.recurse(
                row,
                out,
                buf,
                level + 1,
                child,
                depth + 1,
                zero,
                one,
                node.feature,
            );
        }
    }
}

fn extend(path: &mut [PathElement], depth: usize, zero: f32, one: f32, feature: usize) {
    path[depth] = PathElement {
        feature,
        zero,
        one,
        pweight: if depth == 0 { 1.0 } else { 0.0 },
    };
    for i in (0..depth).rev() {
        path[i + 1].pweight += (one * path[i].pweight * (i + 1) as f32) / (depth + 1) as f32;
        path[i].pweight = (zero * path[i].pweight * (depth - i) as f32) / (depth + 1) as f32;
    }
}

fn unwind(path: &mut [PathElement], depth: usize, index: usize) {
    let one = path[index].one;
    let zero = path[index].zero;
    let mut next_one = path[depth].pweight;
    for i in (0..depth).rev() {
        if one != 0.0 {
            let tmp = path[i].pweight;
            path[i].pweight = (next_one * (depth + 1) as f32) / ((i + 1) as f32 * one);
            next_one = tmp - (path[i].pweight * zero * (depth - i) as f32) / (depth + 1) as f32;
        } else {
            path[i].pweight = (path[i].pweight * (depth + 1) as f32) / (zero * (depth - i) as f32);
        }
    }
    for i in index..depth {
        path[i].feature = path[i + 1].feature;
        path[i].zero = path[i + 1].zero;
        path[i].one = path[i + 1].one;
    }
}

fn unwound_sum(path: &[PathElement], depth: usize, index: usize) -> f32 {
    let one = path[index].one;
    let zero = path[index].zero;
    let mut next_one = path[depth].pweight;
    let mut total = 0.0;
    for i in (0..depth).rev() {
        if one != 0.0 {
            let tmp = (next_one * (depth + 1) as f32) / ((i + 1) as f32 * one);
            total += tmp;
            next_one = path[i].pweight - tmp * zero * ((depth - i) as f32 / (depth + 1) as f32);
        } else if zero != 0.0 {
            total += (path[i].pweight / zero) / ((depth - i) as f32 / (depth + 1) as f32);
        }
    }
    total
}
