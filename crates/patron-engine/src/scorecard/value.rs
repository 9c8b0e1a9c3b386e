//! The composite value score: three dimensions (monetary, strategic, behavioural), each a
//! weighted mean of percentiles of its inputs, combined by the dimension weights; the value
//! score is the composite's own percentile, so 87 means "better than 87 % of customers".

use super::distribution::Distribution;
use super::inputs::CustomerInputs;
use patron_core::config::{ValueSection, WeightedInput};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// The three dimensions, in card order.
pub const DIMENSIONS: [&str; 3] = ["monetary", "strategic", "behavioural"];

/// One resolved input of a dimension.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ValueInput {
    /// The dimension it belongs to.
    pub dimension: String,
    /// Input name (`clv`, `score.engagement`, …).
    pub name: String,
    /// Weight within the dimension.
    pub weight: f64,
}

/// The inputs' names as the configuration resolves them (`score.*` expands to every rule score).
pub fn resolve_inputs(config: &ValueSection, score_names: &[String]) -> Vec<ValueInput> {
    let mut out = Vec::new();
    let lists: [&Vec<WeightedInput>; 3] =
        [&config.monetary, &config.strategic, &config.behavioural];
    for (dimension, list) in DIMENSIONS.iter().zip(lists) {
        for input in list {
            if input.input == "score.*" {
                let each = input.weight / score_names.len().max(1) as f64;
                for s in score_names {
                    out.push(ValueInput {
                        dimension: (*dimension).into(),
                        name: format!("score.{s}"),
                        weight: each,
                    });
                }
            } else {
                out.push(ValueInput {
                    dimension: (*dimension).into(),
                    name: input.input.clone(),
                    weight: input.weight,
                });
            }
        }
    }
    out
}

/// Names an input may have (besides `score.NAME`).
pub const INPUT_NAMES: &[&str] = &[
    "clv",
    "margin",
    "revenue",
    "advocacy",
    "nps",
    "flags",
    "tenure",
    "frequency",
    "regularity",
    "p_alive",
    "score.*",
];

/// The raw value of an input for one customer, if known.
pub fn raw(name: &str, c: &CustomerInputs) -> Option<f64> {
    match name {
        "clv" => c.clv,
        "margin" => Some(c.margin),
        "revenue" => Some(c.revenue),
        "advocacy" => Some(c.advocacy),
        "nps" => c.nps,
        "flags" => Some(c.flags.len() as f64),
        "tenure" => Some(c.tenure_days),
        "frequency" => Some(f64::from(c.orders)),
        "regularity" => c.regularity(),
        "p_alive" => c.p_alive,
        other => other
            .strip_prefix("score.")
            .and_then(|s| c.scores.get(s).copied()),
    }
}

/// One input's part of a customer's composite.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Contribution {
    /// Dimension.
    pub dimension: String,
    /// Input.
    pub input: String,
    /// The customer's raw value.
    #[serde(serialize_with = "super::round::f4")]
    pub value: f64,
    /// Its percentile in the population, 0–1.
    #[serde(serialize_with = "super::round::f4")]
    pub percentile: f64,
    /// Points of the composite (0–100) it contributes.
    #[serde(serialize_with = "super::round::f4")]
    pub points: f64,
}

/// A customer's composite and its explanation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Composite {
    /// Composite 0–100: the weighted percentiles.
    #[serde(serialize_with = "super::round::f4")]
    pub composite: f64,
    /// Per dimension, 0–100 (a dimension without known inputs is left out and its weight
    /// shared by the others).
    pub dimensions: BTreeMap<String, f64>,
    /// The contributions; their points add up to `composite`.
    pub contributions: Vec<Contribution>,
}

/// The composite of one customer, from frozen distributions.
pub fn composite(
    c: &CustomerInputs,
    inputs: &[ValueInput],
    distributions: &BTreeMap<String, Distribution>,
    config: &ValueSection,
) -> Composite {
    let weights = [
        config.monetary_weight,
        config.strategic_weight,
        config.behavioural_weight,
    ];
    // Per dimension: the inputs known for this customer, as (input, value, percentile).
    let mut known: Vec<Vec<(&ValueInput, f64, f64)>> = vec![Vec::new(); 3];
    for input in inputs {
        let Some(d) = distributions.get(&input.name) else {
            continue;
        };
        let Some(value) = raw(&input.name, c).filter(|v| v.is_finite()) else {
            continue;
        };
        if input.weight <= 0.0 {
            continue;
        }
        let k = DIMENSIONS
            .iter()
            .position(|x| *x == input.dimension)
            .unwrap_or(0);
        known[k].push((input, value, d.percentile(value)));
    }
    let total_weight: f64 = (0..3)
        .filter(|&k| !known[k].is_empty())
        .map(|k| weights[k])
        .sum();
    let mut out = Composite {
        composite: 0.0,
        dimensions: BTreeMap::new(),
        contributions: Vec::new(),
    };
    if total_weight <= 0.0 {
        return out;
    }
    for k in 0..3 {
        if known[k].is_empty() {
            continue;
        }
        let within: f64 = known[k].iter().map(|(i, _, _)| i.weight).sum();
        let mut dimension = 0.0;
        for (input, value, percentile) in &known[k] {
            let share = input.weight / within;
            dimension += share * percentile * 100.0;
            let points = weights[k] / total_weight * share * percentile * 100.0;
            out.composite += points;
            out.contributions.push(Contribution {
                dimension: input.dimension.clone(),
                input: input.name.clone(),
                value: *value,
                percentile: *percentile,
                points,
            });
        }
        out.dimensions.insert(DIMENSIONS[k].to_owned(), dimension);
    }
    out
}
