//! ABC classes by share of value, and the Pareto table behind them.
//!
//! Customers are ranked by value (ties by customer index, so the result is deterministic). A
//! customer is in class A while the value of everyone ranked above them is below the A share of
//! the total (so the customer who crosses the line still counts as A), likewise B; the rest are
//! C. Customers with zero or negative value (an unprofitable customer on a margin basis) are
//! always C, and shares are of the positive total. Customers tied in value with the last A (or
//! B) customer share that class: a class is a value range ([`AbcCuts`]), so a customer scored
//! alone against the cuts of a run gets the class the run gave them.

use patron_core::config::AbcBasis;
use serde::Serialize;

/// A class.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, serde::Deserialize)]
pub enum AbcClass {
    /// The few customers who make most of the value.
    A,
    /// The middle.
    B,
    /// The long tail.
    C,
}

/// One customer's class.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AbcRow {
    /// Customer index.
    #[serde(skip)]
    pub customer: u32,
    /// The value ranked.
    pub value: f64,
    /// 1-based rank by value.
    pub rank: u32,
    /// Share of the positive total.
    pub share: f64,
    /// Cumulative share including this customer.
    pub cumulative_share: f64,
    /// The class.
    pub class: AbcClass,
}

/// Size and value of a class.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ClassSummary {
    /// The class.
    pub class: AbcClass,
    /// Customers.
    pub customers: u64,
    /// Share of customers.
    pub customer_share: f64,
    /// Their value.
    pub value: f64,
    /// Share of the positive total.
    pub value_share: f64,
}

/// A point of the Pareto (concentration) curve.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ParetoPoint {
    /// The top share of customers.
    pub customer_share: f64,
    /// The share of value they hold.
    pub value_share: f64,
}

/// The classes of all customers.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AbcResult {
    /// Per customer, ranked by value (best first).
    pub rows: Vec<AbcRow>,
    /// A, B and C.
    pub classes: Vec<ClassSummary>,
    /// Value share of the top 1, 5, 10, 20, …, 100 % of customers.
    pub pareto: Vec<ParetoPoint>,
    /// The cut values behind the classes.
    pub cuts: AbcCuts,
}

/// Customer shares at which the Pareto table is reported.
pub const PARETO_POINTS: [f64; 13] = [
    0.01, 0.05, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 0.95, 1.0,
];

/// The value from which a customer is class A and class B: frozen by a score run, so that a
/// customer scored alone gets the class the population run gave them.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, serde::Deserialize)]
pub struct AbcCuts {
    /// Class A from this value on (`None`: nobody is A).
    pub a_from: Option<f64>,
    /// Class B from this value on.
    pub b_from: Option<f64>,
}

impl AbcCuts {
    /// The class of a value: A or B from their cut on (ties at a cut go up), C otherwise and
    /// for anything ≤ 0.
    pub fn class(&self, value: f64) -> AbcClass {
        let reaches = |cut: Option<f64>| cut.is_some_and(|c| value >= c);
        if value <= 0.0 {
            AbcClass::C
        } else if reaches(self.a_from) {
            AbcClass::A
        } else if reaches(self.b_from) {
            AbcClass::B
        } else {
            AbcClass::C
        }
    }
}

/// The customers classified and their value: buyers (an order or a return), valued by revenue
/// or contribution margin. `patron abc`, the score card and the demo all classify this set.
pub fn population(margins: &crate::margin::MarginResult, basis: AbcBasis) -> Vec<(u32, f64)> {
    margins
        .rows
        .iter()
        .filter(|r| r.orders > 0 || r.returns > 0)
        .map(|r| (r.customer, basis_value(r, basis)))
        .collect()
}

/// One customer's value on the ABC basis.
pub fn basis_value(row: &crate::margin::MarginRow, basis: AbcBasis) -> f64 {
    match basis {
        AbcBasis::Margin => row.margin.to_f64(),
        _ => row.revenue.to_f64(),
    }
}

/// Classifies `(customer, value)` pairs with cumulative shares `a` < `b`: ranked by value,
/// the customers who make the first `a` of the positive value are A, up to `b` B. Customers
/// tied with the last A (or B) customer share their class, so the classes are those of
/// [`AbcResult::cuts`].
pub fn abc(values: &[(u32, f64)], a: f64, b: f64) -> AbcResult {
    let mut ranked: Vec<(u32, f64)> = values.to_vec();
    ranked.sort_by(|x, y| y.1.total_cmp(&x.1).then(x.0.cmp(&y.0)));
    let positive: f64 = ranked.iter().map(|(_, v)| v.max(0.0)).sum();
    // The cuts: the value of the last customer who starts within each share.
    let mut before = 0.0;
    let mut cuts = AbcCuts {
        a_from: None,
        b_from: None,
    };
    for &(_, value) in &ranked {
        if value <= 0.0 || positive <= 0.0 {
            break;
        }
        if before < a {
            cuts.a_from = Some(value);
        } else if before < b {
            cuts.b_from = Some(value);
        }
        before += value / positive;
    }
    let mut before = 0.0;
    let rows: Vec<AbcRow> = ranked
        .iter()
        .enumerate()
        .map(|(i, &(customer, value))| {
            let share = if positive > 0.0 {
                value.max(0.0) / positive
            } else {
                0.0
            };
            before += share;
            AbcRow {
                customer,
                value,
                rank: i as u32 + 1,
                share,
                cumulative_share: before,
                class: cuts.class(value),
            }
        })
        .collect();
    let n = rows.len();
    let classes = [AbcClass::A, AbcClass::B, AbcClass::C]
        .into_iter()
        .map(|class| {
            let members = rows.iter().filter(|r| r.class == class);
            let (customers, value, share) = members.fold((0u64, 0.0, 0.0), |(c, v, s), r| {
                (c + 1, v + r.value, s + r.share)
            });
            ClassSummary {
                class,
                customers,
                customer_share: if n == 0 {
                    0.0
                } else {
                    customers as f64 / n as f64
                },
                value,
                value_share: share,
            }
        })
        .collect();
    let pareto = PARETO_POINTS
        .iter()
        .map(|&p| {
            let top = ((p * n as f64).ceil() as usize).min(n);
            ParetoPoint {
                customer_share: p,
                value_share: if top == 0 {
                    0.0
                } else {
                    rows[top - 1].cumulative_share
                },
            }
        })
        .collect();
    AbcResult {
        rows,
        classes,
        pareto,
        cuts,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classes_by_cumulative_share() {
        // Total 100: 50 (A, before 0), 30 (A, before 0.5), 10 (B, before 0.8), 5 (B, before 0.9),
        // 3 (C, before 0.95), 2 (C), -4 (C, unprofitable).
        let values = [
            (0, 10.0),
            (1, 50.0),
            (2, 3.0),
            (3, 30.0),
            (4, 5.0),
            (5, 2.0),
            (6, -4.0),
        ];
        let r = abc(&values, 0.8, 0.95);
        let classes: Vec<(u32, AbcClass)> = r.rows.iter().map(|x| (x.customer, x.class)).collect();
        use AbcClass::*;
        assert_eq!(
            classes,
            [(1, A), (3, A), (0, B), (4, B), (2, C), (5, C), (6, C)]
        );
        assert_eq!(r.classes[0].customers, 2);
        assert!((r.classes[0].value_share - 0.8).abs() < 1e-12);
        assert!((r.rows[3].cumulative_share - 0.95).abs() < 1e-12);
        // Top 20 % of 7 customers = 2 customers = 80 % of value.
        let p20 = r.pareto.iter().find(|p| p.customer_share == 0.2).unwrap();
        assert!((p20.value_share - 0.8).abs() < 1e-12);
        assert_eq!(
            r.pareto.last().unwrap().value_share,
            r.rows.last().unwrap().cumulative_share
        );
    }

    #[test]
    fn ties_are_deterministic_and_empty_is_fine() {
        let r = abc(&[(2, 1.0), (0, 1.0), (1, 1.0)], 0.5, 0.9);
        assert_eq!(
            r.rows.iter().map(|x| x.customer).collect::<Vec<_>>(),
            [0, 1, 2]
        );
        // Ties with the last A customer are A too: a class is a range of values.
        assert!(r.rows.iter().all(|x| x.class == AbcClass::A));
        assert_eq!(r.cuts.class(1.0), AbcClass::A);
        assert_eq!(r.cuts.class(0.5), AbcClass::C);
        let empty = abc(&[], 0.8, 0.95);
        assert!(empty.rows.is_empty() && empty.pareto.iter().all(|p| p.value_share == 0.0));
    }
}
