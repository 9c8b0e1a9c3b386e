//! `[abc]` and `[margin]`: customer value classes and the costs that turn revenue into
//! contribution margin.

use serde::Deserialize;
use std::collections::BTreeMap;

/// What ABC classes rank by.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AbcBasis {
    /// Net revenue.
    #[default]
    Revenue,
    /// Contribution margin after cost of goods and cost-to-serve.
    Margin,
}

/// `[abc]`.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AbcSection {
    /// `revenue` (default) or `margin`.
    #[serde(default)]
    pub basis: AbcBasis,
    /// Cumulative value share covered by class A (default 0.80).
    #[serde(default = "default_a")]
    pub a: f64,
    /// Cumulative value share covered by classes A and B (default 0.95).
    #[serde(default = "default_b")]
    pub b: f64,
}

fn default_a() -> f64 {
    0.80
}
fn default_b() -> f64 {
    0.95
}

impl Default for AbcSection {
    fn default() -> Self {
        AbcSection {
            basis: AbcBasis::default(),
            a: default_a(),
            b: default_b(),
        }
    }
}

/// `[margin]`: how cost of goods is known and what serving a customer costs. All amounts are in
/// the project currency.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MarginSection {
    /// Gross margin rate for lines without a cost (cost = revenue × (1 − rate)); `None`: such
    /// lines count with no cost of goods and the report says how much revenue that concerns.
    pub default_margin_rate: Option<f64>,
    /// Margin rates per product category (override the default).
    #[serde(default)]
    pub category_margin_rates: BTreeMap<String, f64>,
    /// Margin rates per SKU (override category and default).
    #[serde(default)]
    pub sku_margin_rates: BTreeMap<String, f64>,
    /// Handling cost per order.
    #[serde(default)]
    pub cost_per_order: f64,
    /// Extra cost per order by channel (e.g. `{ store = 3.0, web = 1.2 }`).
    #[serde(default)]
    pub channel_cost_per_order: BTreeMap<String, f64>,
    /// Cost per returned line (logistics, inspection), on top of the refunded revenue.
    #[serde(default)]
    pub cost_per_return: f64,
    /// Cost per support ticket.
    #[serde(default)]
    pub cost_per_ticket: f64,
    /// Cost per minute of ticket handling.
    #[serde(default)]
    pub cost_per_ticket_minute: f64,
}

impl AbcSection {
    /// Semantic problems.
    pub fn problems(&self) -> Vec<String> {
        if 0.0 < self.a && self.a < self.b && self.b < 1.0 {
            Vec::new()
        } else {
            vec![format!(
                "[abc] needs 0 < a < b < 1 (cumulative value shares); got a = {}, b = {}",
                self.a, self.b
            )]
        }
    }
}

impl MarginSection {
    /// Semantic problems.
    pub fn problems(&self) -> Vec<String> {
        let mut out = Vec::new();
        let rates = self
            .default_margin_rate
            .iter()
            .map(|r| ("default_margin_rate".to_owned(), *r))
            .chain(
                self.category_margin_rates
                    .iter()
                    .map(|(k, r)| (format!("category_margin_rates.{k}"), *r)),
            )
            .chain(
                self.sku_margin_rates
                    .iter()
                    .map(|(k, r)| (format!("sku_margin_rates.{k}"), *r)),
            );
        for (name, rate) in rates {
            if !(-1.0..=1.0).contains(&rate) {
                out.push(format!(
                    "[margin] {name} = {rate} must be a rate between -1 and 1 (0.35 = 35 %)"
                ));
            }
        }
        let costs = [
            ("cost_per_order", self.cost_per_order),
            ("cost_per_return", self.cost_per_return),
            ("cost_per_ticket", self.cost_per_ticket),
            ("cost_per_ticket_minute", self.cost_per_ticket_minute),
        ];
        let channel_costs = self
            .channel_cost_per_order
            .values()
            .map(|v| ("channel_cost_per_order", *v));
        for (name, cost) in costs.into_iter().chain(channel_costs) {
            if !(cost >= 0.0 && cost.is_finite()) {
                out.push(format!("[margin] {name} = {cost} must be ≥ 0"));
            }
        }
        out
    }
}
