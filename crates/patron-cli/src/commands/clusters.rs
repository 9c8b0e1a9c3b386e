//! `patron clusters`: k-means segments of the purchasing customers, described in words.

use crate::cli::Global;
use crate::commands::load_facts_as_of;
use crate::output::{Table, count, print_json};
use anyhow::{Context, Result};
use clap::Args;
use patron_engine::cluster::{ClusterSettings, CustomerClusters, FEATURES, KChoice};
use serde_json::{Map, Value, json};

/// Flags of `patron clusters`.
#[derive(Debug, Args)]
pub struct ClustersArgs {
    /// Make exactly K clusters (default: choose k by silhouette over --k-range).
    #[arg(long, value_name = "K", conflicts_with = "k_range")]
    pub k: Option<usize>,
    /// Range of k to choose from by silhouette, both ends included.
    #[arg(long, value_name = "FROM..TO", default_value = "2..8", value_parser = parse_range)]
    pub k_range: (usize, usize),
    /// Compute as of this date (facts before it count); default: the day after the last fact.
    #[arg(long, value_name = "DATE")]
    pub as_of: Option<String>,
    /// k-means++ starts per fit (the lowest inertia wins).
    #[arg(long, value_name = "N", default_value_t = 8)]
    pub restarts: usize,
    /// Random seed of the starts and samples.
    #[arg(long, default_value_t = 42)]
    pub seed: u64,
    /// Also list every customer's cluster (always included with --json).
    #[arg(long)]
    pub customers: bool,
}

/// `FROM..TO` or `FROM..=TO`, both ends included, 2 ≤ FROM ≤ TO.
fn parse_range(text: &str) -> Result<(usize, usize), String> {
    let bad = || format!("expected FROM..TO with 2 ≤ FROM ≤ TO (e.g. 2..8), got {text:?}");
    let (from, to) = text.split_once("..").ok_or_else(bad)?;
    let to = to.strip_prefix('=').unwrap_or(to);
    let (from, to): (usize, usize) = (
        from.trim().parse().map_err(|_| bad())?,
        to.trim().parse().map_err(|_| bad())?,
    );
    if from < 2 || to < from {
        return Err(bad());
    }
    Ok((from, to))
}

impl ClustersArgs {
    /// The engine settings these flags ask for.
    fn settings(&self) -> ClusterSettings {
        let k = match self.k {
            Some(k) => KChoice::Fixed(k),
            None => KChoice::Range {
                from: self.k_range.0,
                to: self.k_range.1,
            },
        };
        ClusterSettings {
            k,
            restarts: self.restarts.max(1),
            seed: self.seed,
            ..Default::default()
        }
    }
}

/// `patron clusters`.
pub async fn run(global: &Global, args: &ClustersArgs) -> Result<()> {
    let project = crate::project::load(global)?;
    let facts = load_facts_as_of(&project, args.as_of.as_deref()).await?;
    let result = patron_engine::cluster::cluster_customers(&facts, &args.settings())
        .context("clustering the customers")?;
    if global.json {
        return print_json(&clusters_json(&facts, &result));
    }
    print_text(&facts, &result, args.customers);
    Ok(())
}

/// Per-feature values as a JSON object keyed by feature name.
fn by_feature(values: &[f64]) -> Value {
    let map: Map<String, Value> = FEATURES
        .iter()
        .zip(values)
        .map(|(f, v)| (f.name.to_owned(), json!(v)))
        .collect();
    Value::Object(map)
}

/// The JSON document `patron clusters --json` prints.
fn clusters_json(facts: &patron_core::facts::Facts, r: &CustomerClusters) -> Value {
    let c = &r.clustering;
    let features: Vec<Value> = FEATURES
        .iter()
        .enumerate()
        .map(|(j, f)| {
            json!({
                "name": f.name,
                "unit": f.unit,
                "transform": f.transform,
                "mean": r.standardiser.mean[j],
                "sd": r.standardiser.sd[j],
            })
        })
        .collect();
    let clusters: Vec<Value> = r
        .clusters
        .iter()
        .map(|s| {
            json!({
                "id": s.id,
                "size": s.size,
                "share": s.share,
                "description": s.description,
                "traits": s.traits,
                "centroid": by_feature(&s.centroid),
                "mean": by_feature(&s.mean),
                "z": by_feature(&s.z),
            })
        })
        .collect();
    let customers: Vec<Value> = r
        .features
        .customers
        .iter()
        .zip(&c.kmeans.labels)
        .map(|(&i, &label)| {
            json!({ "customer_id": facts.customers.ids[i as usize], "cluster": label })
        })
        .collect();
    json!({
        "as_of": facts.as_of,
        "customers_clustered": r.features.customers.len(),
        "without_purchase": r.features.without_purchase,
        "k": c.k,
        "chosen_by": c.chosen_by,
        "silhouette": c.silhouette,
        "inertia": c.kmeans.inertia,
        "candidates": c.candidates,
        "features": features,
        "clusters": clusters,
        "customers": customers,
    })
}

/// The text report: how k was chosen, then one row per cluster.
fn print_text(facts: &patron_core::facts::Facts, r: &CustomerClusters, customers: bool) {
    let c = &r.clustering;
    println!(
        "Clusters as of {}: {} customers with a purchase ({} without are left out)",
        facts.as_of.date(),
        count(r.features.customers.len() as u64),
        count(r.features.without_purchase as u64),
    );
    let silhouette = c
        .silhouette
        .map_or_else(|| "–".to_owned(), |s| format!("{s:.3}"));
    println!(
        "k = {} ({}), silhouette {silhouette}, inertia {:.1}",
        c.k,
        if c.chosen_by == "given" {
            "given"
        } else {
            "best silhouette"
        },
        c.kmeans.inertia
    );
    if !c.candidates.is_empty() {
        let mut t = Table::new(&["k", "silhouette", "inertia"]);
        for cand in &c.candidates {
            t.row(vec![
                cand.k.to_string(),
                cand.silhouette
                    .map_or_else(|| "–".to_owned(), |s| format!("{s:.4}")),
                format!("{:.1}", cand.inertia),
            ]);
        }
        let sampled = c.candidates.iter().any(|x| x.on_sample);
        println!(
            "\nCandidates{}:\n{}",
            if sampled { " (fitted on a sample)" } else { "" },
            t.render()
        );
    }
    let mut header = vec!["cluster", "customers", "share", "description"];
    header.extend(FEATURES.iter().map(|f| f.name));
    let mut t = Table::new(&header);
    for s in &r.clusters {
        let mut row = vec![
            s.id.to_string(),
            count(s.size as u64),
            format!("{:.1}%", 100.0 * s.share),
            s.description.clone(),
        ];
        row.extend(s.mean.iter().map(|v| format!("{v:.1}")));
        t.row(row);
    }
    println!(
        "\nClusters (feature columns: members' means):\n{}",
        t.render()
    );
    if customers {
        let mut t = Table::new(&["customer", "cluster"]);
        for (&i, &label) in r.features.customers.iter().zip(&c.kmeans.labels) {
            t.row(vec![
                facts.customers.ids[i as usize].to_string(),
                label.to_string(),
            ]);
        }
        println!("\n{}", t.render());
    }
}

#[cfg(test)]
mod tests {
    use super::parse_range;

    #[test]
    fn ranges() {
        assert_eq!(parse_range("2..8"), Ok((2, 8)));
        assert_eq!(parse_range("3..=5"), Ok((3, 5)));
        assert!(parse_range("1..4").is_err());
        assert!(parse_range("5..4").is_err());
        assert!(parse_range("2-8").is_err());
    }
}
