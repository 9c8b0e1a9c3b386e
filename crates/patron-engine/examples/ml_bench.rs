//! Benchmark of tabular training: 5-fold cross-validation of gradient boosting and logistic
//! regression on the UCI Bank Marketing and Taiwan credit default tables (the reference folds
//! of the CLI tests), and the time to score 1,000,000 rows.
//!
//! ```text
//! cargo run --release -p patron-engine --example ml_bench            # both tables + scoring
//! cargo run --release -p patron-engine --example ml_bench -- bank    # one table
//! GBM_PARALLEL=false cargo run --release -p patron-engine --example ml_bench   # one thread
//! ```
//!
//! The data are read from `../shared/data/` beside the checkout. Environment variables override
//! the GBM settings for experiments: `GBM_LR`, `GBM_TREES`, `GBM_DEPTH`, `GBM_MINLEAF`,
//! `GBM_L2`, `GBM_BINS`, `GBM_ES` (early-stopping rounds, 0 = off), `GBM_VALID`,
//! `GBM_PARALLEL`, `GBM_SEED`, and `GBM_STYLE` (`ordered`, the default: level codes ordered by
//! positive rate; `ordinal`: codes in sorted level order; `onehot`).

use patron_engine::ml::cv::Folds;
use patron_engine::ml::dataset::{Dataset, TrainSpec};
use patron_engine::ml::encoding::{CategoryStyle, EncodingOptions};
use patron_engine::ml::gbm::{Gbm, GbmModel, GbmParams};
use patron_engine::ml::logistic::Logistic;
use patron_engine::ml::report::evaluate;
use patron_engine::ml::table::Table;
use patron_engine::ml::{Learner, Matrix, Model};
use std::path::PathBuf;
use std::time::Instant;

/// One benchmark table.
struct Case {
    name: &'static str,
    file: &'static str,
    folds: &'static str,
    label: &'static str,
    positive: &'static str,
    drop: &'static [&'static str],
    reference_gbm: f64,
    reference_logistic: f64,
}

const CASES: [Case; 2] = [
    Case {
        name: "bank",
        file: "bank_marketing.csv.gz",
        folds: "bank_marketing_folds.csv",
        label: "y",
        positive: "yes",
        drop: &["duration"],
        reference_gbm: 0.8038,
        reference_logistic: 0.7916,
    },
    Case {
        name: "taiwan",
        file: "taiwan_credit_default.csv.gz",
        folds: "taiwan_credit_default_folds.csv",
        label: "default.payment.next.month",
        positive: "1",
        drop: &["ID"],
        reference_gbm: 0.7805,
        reference_logistic: 0.7227,
    },
];

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn env_or<T: std::str::FromStr>(name: &str, default: T) -> T {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn gbm_params() -> GbmParams {
    let d = GbmParams::default();
    GbmParams {
        learning_rate: env_or("GBM_LR", d.learning_rate),
        max_trees: env_or("GBM_TREES", d.max_trees),
        max_depth: env_or("GBM_DEPTH", d.max_depth),
        min_leaf_weight: env_or("GBM_MINLEAF", d.min_leaf_weight),
        l2: env_or("GBM_L2", d.l2),
        bins: env_or("GBM_BINS", d.bins),
        early_stopping_rounds: match env_or("GBM_ES", 20usize) {
            0 => None,
            n => Some(n),
        },
        validation_fraction: env_or("GBM_VALID", d.validation_fraction),
        parallel: env_or("GBM_PARALLEL", d.parallel),
        seed: env_or("GBM_SEED", d.seed),
    }
}

fn style() -> (CategoryStyle, bool) {
    match std::env::var("GBM_STYLE").as_deref() {
        Ok("ordinal") => (CategoryStyle::Ordinal, false),
        Ok("onehot") => (CategoryStyle::OneHot, false),
        _ => (CategoryStyle::Ordinal, true),
    }
}

fn run_case(case: &Case) {
    let data_dir = root().join("../shared/data");
    let fixtures = root().join("crates/patron-cli/tests/fixtures");
    let t0 = Instant::now();
    let bytes = std::fs::read(data_dir.join(case.file)).expect("data file");
    let table = Table::parse(&bytes).expect("table");
    let spec = TrainSpec {
        label: case.label.into(),
        positive: case.positive.into(),
        drop: case.drop.iter().map(|s| s.to_string()).collect(),
        encoding: EncodingOptions::default(),
    };
    let data = Dataset::new(&table, &spec).expect("dataset");
    let folds_bytes = std::fs::read(fixtures.join(case.folds)).expect("folds file");
    let folds = Folds::parse(&folds_bytes, table.rows()).expect("folds");
    let one_hot = data.design(&table, CategoryStyle::OneHot).expect("design");
    let (style, ordered) = style();
    let gbm_design = data.design(&table, style).expect("design");
    println!(
        "{}: {} rows × {} features ({} one-hot columns), read and encoded in {:.2} s",
        case.name,
        data.rows(),
        data.schema.columns.len(),
        one_hot.matrix.cols(),
        t0.elapsed().as_secs_f64()
    );
    let gbm = Gbm {
        params: gbm_params(),
        categorical: if ordered {
            gbm_design.categorical.clone()
        } else {
            Vec::new()
        },
    };
    let learners: [(&dyn Learner, &Matrix, f64); 2] = [
        (&gbm, &gbm_design.matrix, case.reference_gbm),
        (
            &Logistic::default(),
            &one_hot.matrix,
            case.reference_logistic,
        ),
    ];
    for (learner, x, reference) in learners {
        let t = Instant::now();
        let mut fold_times = Vec::new();
        let mut last = Instant::now();
        let report = evaluate(learner, x, &data.y, &folds, &mut |_| {
            fold_times.push(last.elapsed().as_secs_f64());
            last = Instant::now();
        })
        .expect("cv");
        let sizes: Vec<String> = report
            .folds
            .iter()
            .map(|f| {
                f.model
                    .trees
                    .or(f.model.iterations)
                    .unwrap_or(0)
                    .to_string()
            })
            .collect();
        println!(
            "  {:<8} ROC AUC {:.4} ± {:.4} (reference {reference:.4}, {:+.4})  PR AUC {:.4}  Brier {:.4}  \
             log loss {:.4}  {:.2} s ({:.2} s/fold)  sizes {}",
            learner.name(),
            report.cv.roc_auc_mean,
            report.cv.roc_auc_sd,
            report.cv.roc_auc_mean - reference,
            report.cv.pr_auc_mean,
            report.cv.brier_mean,
            report.cv.log_loss_mean,
            t.elapsed().as_secs_f64(),
            t.elapsed().as_secs_f64() / folds.k() as f64,
            sizes.join(",")
        );
    }
    let t = Instant::now();
    let model = gbm.fit_model(&gbm_design.matrix, &data.y).expect("fit");
    println!(
        "  gbm fit on all {} rows: {:.2} s, {:?}",
        data.rows(),
        t.elapsed().as_secs_f64(),
        model.summary()
    );
    score_million(&model, &gbm_design.matrix);
}

/// Scores 1,000,000 rows made by repeating the table's rows.
fn score_million(model: &GbmModel, x: &Matrix) {
    let rows: Vec<usize> = (0..1_000_000).map(|i| (i * 7919) % x.rows()).collect();
    let big = x.select_rows(&rows);
    let t = Instant::now();
    let p = model.predict_proba(&big);
    let secs = t.elapsed().as_secs_f64();
    let mean = p.iter().sum::<f64>() / p.len() as f64;
    println!(
        "  scored {} rows × {} columns in {secs:.2} s (mean probability {mean:.4})",
        big.rows(),
        big.cols()
    );
    let t = Instant::now();
    let c = model.path_contributions(&big);
    println!(
        "  path contributions for {} rows in {:.2} s ({} values)",
        big.rows(),
        t.elapsed().as_secs_f64(),
        c.values.len()
    );
    let t = Instant::now();
    let c = model.contributions(&big.select_rows(&(0..10_000).collect::<Vec<_>>()));
    println!(
        "  SHAP contributions for 10,000 rows in {:.2} s ({} values)",
        t.elapsed().as_secs_f64(),
        c.values.len()
    );
}

fn main() {
    let only: Vec<String> = std::env::args().skip(1).collect();
    for case in &CASES {
        if only.is_empty() || only.iter().any(|o| o == case.name) {
            run_case(case);
        }
    }
}
