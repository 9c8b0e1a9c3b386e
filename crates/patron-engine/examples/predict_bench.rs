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
    let clock = Instant::now();
    let table = build_at(&facts, facts.as_of, &p.spec);
    let t_features = clock.elapsed().as_secs_f64();
    let clock = Instant::now();
    let probabilities = p.probabilities(&table)?;
    let t_score = clock.elapsed().as_secs_f64();
    println!(
        "features {t_features:.3} s ({} × {}), probabilities {t_score:.3} s: \
         features + scoring {:.3} s",
        table.rows(),
        table.matrix.cols(),
        t_features + t_score
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
    Ok(())
}
