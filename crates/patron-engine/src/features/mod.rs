//! Leakage-safe per-customer features as of a date, computed from the columnar [`Facts`].
//!
//! [`build`] computes every feature of every customer of a fact set as of its `as_of`;
//! [`build_at`] computes them as of an earlier cutoff from a fact set loaded later, for the
//! customers acquired before the cutoff and from the facts strictly before it only — which is
//! exactly what loading the store as of the cutoff would give, so training rows at several
//! cutoffs come from one load. (Ticket closing and invoice payment times at or after the cutoff
//! count as "not yet".)
//!
//! The columns ([`spec::FeatureSpec`]): recency, frequency, monetary, average order value,
//! orders and revenue in the last 90 days and the 90 before, inter-purchase gap mean and
//! standard deviation, recency ÷ mean gap, tenure, product and category breadth, returned
//! share, gross margin rate, interactions in 30/90 days (all, and per event type), days since
//! the last interaction, tickets (90/365 days, escalations, mean sentiment, handling minutes,
//! still open), overdue invoices and payment delays, marketing consent, acquisition cost, and
//! the customer attributes (numbers as numbers, dates as days, text as level codes).
//!
//! Rows are computed in parallel blocks with no per-row allocation; the result does not
//! depend on the number of threads.

mod compute;
mod sentiment;
pub mod spec;

use crate::ml::Matrix;
use patron_core::Timestamp;
use patron_core::facts::Facts;
use patron_core::ids::CustomerId;
pub use spec::{FeatureInfo, FeatureKind, FeatureSpec};

/// Features of a set of customers as of one time.
#[derive(Debug, Clone, PartialEq)]
pub struct FeatureTable {
    /// The cutoff: only facts strictly before it were used.
    pub as_of: Timestamp,
    /// Customer ids, one per row.
    pub ids: Vec<CustomerId>,
    /// Each row's customer index in the fact set it was built from.
    pub customers: Vec<u32>,
    /// Rows × features, column-major, `NaN` where unknown.
    pub matrix: Matrix,
    /// The columns.
    pub features: Vec<FeatureInfo>,
    /// The layout the columns came from.
    pub spec: FeatureSpec,
}

impl FeatureTable {
    /// Number of rows.
    pub fn rows(&self) -> usize {
        self.ids.len()
    }

    /// Column index of a feature.
    pub fn column(&self, name: &str) -> Option<usize> {
        self.features.iter().position(|f| f.name == name)
    }

    /// A feature's value in a row (`NaN` when unknown or the feature does not exist).
    pub fn value(&self, row: usize, name: &str) -> f64 {
        self.column(name)
            .map_or(f64::NAN, |c| self.matrix.get(row, c))
    }

    /// Columns holding categorical level codes.
    pub fn categorical(&self) -> Vec<usize> {
        self.features
            .iter()
            .enumerate()
            .filter(|(_, f)| matches!(f.kind, FeatureKind::Categorical { .. }))
            .map(|(i, _)| i)
            .collect()
    }

    /// The rows at these positions (in this order).
    pub fn select(&self, rows: &[usize]) -> FeatureTable {
        FeatureTable {
            as_of: self.as_of,
            ids: rows.iter().map(|&r| self.ids[r].clone()).collect(),
            customers: rows.iter().map(|&r| self.customers[r]).collect(),
            matrix: self.matrix.select_rows(rows),
            features: self.features.clone(),
            spec: self.spec.clone(),
        }
    }
}

/// Every customer's features as of the fact set's own `as_of`, with the layout inferred from
/// the fact set.
pub fn build(facts: &Facts) -> FeatureTable {
    build_at(facts, facts.as_of, &FeatureSpec::infer(facts))
}

/// The features as of `as_of` (at most the fact set's own) of the customers acquired before
/// it, from the facts strictly before it, in the columns of `spec`.
pub fn build_at(facts: &Facts, as_of: Timestamp, spec: &FeatureSpec) -> FeatureTable {
    let t = as_of.secs().min(facts.as_of.secs());
    let customers: Vec<u32> = (0..facts.customers.len() as u32)
        .filter(|&i| facts.customers.created_at[i as usize].secs() < t)
        .collect();
    let width = spec.width();
    let mut data = vec![f64::NAN; customers.len() * width];
    compute::fill(facts, spec, t, &customers, &mut data);
    let rows = customers.len();
    let matrix = Matrix::from_columns_data(data, rows, width)
        .unwrap_or_else(|_| unreachable!("the data has rows × width cells"));
    FeatureTable {
        as_of: Timestamp::from_secs(t),
        ids: customers
            .iter()
            .map(|&i| facts.customers.ids[i as usize].clone())
            .collect(),
        customers,
        matrix,
        features: spec.features(),
        spec: spec.clone(),
    }
}

#[cfg(test)]
pub(crate) mod tests;
