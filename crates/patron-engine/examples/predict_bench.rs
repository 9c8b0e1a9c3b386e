//! Benchmark of propensity scoring: features and calibrated churn probabilities (with reasons)
//! for 1,000,000 synthetic customers with a model trained on 50,000 others.
//!
//! ```text
//! cargo run --release -p patron-engine --example predict_bench              # 1M customers
//! cargo run --release -p patron-engine --example predict_bench -- 200000     # fewer
//! ```

use patron_core::Timestamp;
use patron_engine::features::build_at;
use patron_engine::predict::synthetic::history;
use patron_engine::predict::{Explain, PredictOptions, Target, TrainConfig, train};
use std::time::Instant;

/// CPU seconds this process has used (user + system, from /proc; 0 elsewhere): on a shared
/// machine the honest measure next to wall time.
fn cpu() -> f64 {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    let fields: Vec<&str> = stat
        .rsplit_once(')')
        .map_or("", |(_, rest)| rest)
        .split_whitespace()
        .collect();
    let ticks = |i: usize| {
        fields
            .get(i)
            .and_then(|v| v.parse::<f64>().ok())
            .unwrap_or(0.0)
    };
    (ticks(11) + ticks(12)) / 100.0
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let n: usize = std::env::args()
        .nth(1)
        .map(|a| a.parse())
        .transpose()?
        .unwrap_or(1_000_000);
    let start = Timestamp::parse_flexible("2023-01-01")?;
    let clock = Instant::now();
    let small = history(50_000, start, 900, 1);
    let config = TrainConfig::schedule(Target::Churn, small.as_of, 180, 3, 90);
    let trained = train(&small, &config)?;
    let r = &trained.report;
    println!(
        "trained on {} rows in {:.2} s: {} trees, CV AUC {:.4}, holdout AUC {:.4} (logistic {:.4})",
        r.train.rows,
        clock.elapsed().as_secs_f64(),
        r.final_trees,
        r.cv_gbm.roc_auc_mean,
        r.holdout.gbm.roc_auc,
        r.holdout.logistic.roc_auc
    );
    let clock = Instant::now();
    let facts = history(n, start, 900, 2);
    let lines = facts.orders.timestamp.len() + facts.events.timestamp.len();
    println!(
        "generated {n} customers ({lines} order lines and events) in {:.2} s",
        clock.elapsed().as_secs_f64()
    );
    let p = &trained.predictor;
    let (clock, cpu0) = (Instant::now(), cpu());
    let table = build_at(&facts, facts.as_of, &p.spec);
    let (t_features, c_features) = (clock.elapsed().as_secs_f64(), cpu() - cpu0);
    let (clock, cpu0) = (Instant::now(), cpu());
    let probabilities = p.probabilities(&table)?;
    let (t_score, c_score) = (clock.elapsed().as_secs_f64(), cpu() - cpu0);
    println!(
        "features {t_features:.3} s wall / {c_features:.2} s CPU ({} × {}), probabilities \
         {t_score:.3} s wall / {c_score:.2} s CPU: features + scoring {:.3} s wall, {:.2} s CPU \
         on {} threads",
        table.rows(),
        table.matrix.cols(),
        t_features + t_score,
        c_features + c_score,
        rayon::current_num_threads()
    );
    let mean = probabilities.iter().sum::<f64>() / probabilities.len() as f64;
    let clock = Instant::now();
    let path = PredictOptions {
        top: 3,
        explain: Explain::Path,
    };
    let predictions = p.predict_with(&table, &path)?;
    println!(
        "probabilities + top-3 reasons (path contributions) {:.3} s (mean p {mean:.3}; {})",
        clock.elapsed().as_secs_f64(),
        predictions[0]
            .reasons
            .iter()
            .map(|r| r.text.as_str())
            .collect::<Vec<_>>()
            .join("; ")
    );
    let sample: Vec<usize> = (0..table.rows().min(20_000)).collect();
    let part = table.select(&sample);
    let clock = Instant::now();
    p.predict(&part)?;
    let per_row = clock.elapsed().as_secs_f64() / sample.len() as f64;
    println!(
        "top-3 reasons by tree SHAP: {:.1} µs a customer ({:.1} s for {n})",
        per_row * 1e6,
        per_row * n as f64
    );
    let load = std::fs::read_to_string("/proc/loadavg").unwrap_or_default();
    println!("load average: {}", load.trim());
    Ok(())
}
