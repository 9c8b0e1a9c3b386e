//! `patron train --table FILE`: choose and cross-validate a model on any delimited table, with
//! no project and no manual preprocessing.
//!
//! JSON (`--json`): with `--model auto` (the default) `{"table", "selection"}`, the selection
//! as [`patron_engine::ml::select::Selection`] serialises it (every candidate with its pooled
//! out-of-fold scores, the winner and why, and the nested estimate per outer fold); with
//! `--model gbm` one object for the GBM with the logistic baseline in `baseline`; with `--model logistic` one object; with `--model both` an object
//! with a `models` array (GBM, then logistic). Every model object is
//! `{"model", "cv": {"roc_auc_mean", "roc_auc_sd", "pr_auc_mean", …, "pooled"}, "folds": […],
//! "lift": […], "calibration": {…}}`, and the top level also carries `table` (rows,
//! features, dropped columns, folds). The JSON holds no timings, so it is reproducible.

use crate::cli::Global;
use crate::output::{Table, count, print_json, progress};
use anyhow::{Context, Result};
use patron_engine::ml::cv::{FoldResult, Folds};
use patron_engine::ml::dataset::{Dataset, TrainSpec};
use patron_engine::ml::encoding::{CategoryStyle, ColumnKind, Design, EncodingOptions};
use patron_engine::ml::gbm::{Gbm, GbmParams};
use patron_engine::ml::logistic::Logistic;
use patron_engine::ml::report::{ModelReport, evaluate};
use patron_engine::ml::select;
use patron_engine::ml::table::Table as DataTable;
use patron_engine::ml::{Learner, MlError};
use serde_json::{Value, json};
use std::path::{Path, PathBuf};
use std::time::Instant;

const AFTER_HELP: &str = "\
Examples:
  patron train --table churn.csv --label Churn --positive Yes
  patron train --table ../shared/data/bank_marketing.csv.gz --label y --positive yes --drop duration --model gbm
  patron train --table credit.csv --label default --positive 1 --drop ID --folds folds.csv --json
  patron train --table churn.csv --label Churn --positive Yes --model both

--model auto (the default) cross-validates seven candidates (the logistic model with C = 10, 1,
0.1, 0.01; gradient boosting at its defaults, shallow and strongly regularised, and deeper) and
a blend of the best of each family, picks the best pooled out-of-fold score (--choose-by auc or
logloss), and reports the score of that choice by nested cross-validation: each outer fold is
predicted by the candidate chosen on the other folds alone. That takes 15 fits per candidate
with five folds; --model gbm is the quick look at one model.

The table is CSV with a header (`,` or `;` detected, quotes allowed, gzip accepted). Columns whose
values are all numbers are numeric, others categorical; empty cells, `?`, `NA`, `null` … are
missing. A folds file has the columns row_index,fold (0-based data row, fold number); without one
a stratified 5-fold split is made with --seed.

JSON: --model auto (default) prints {\"table\", \"selection\"}; --model gbm prints the GBM with
the logistic baseline in `baseline`;
--model logistic prints one object; --model both prints {\"models\": [gbm, logistic]}.";

/// `patron train`.
#[derive(Debug, clap::Args)]
#[command(after_help = AFTER_HELP)]
pub struct TrainArgs {
    /// Delimited table with a header row, one example per row (plain or gzip).
    #[arg(long, value_name = "FILE")]
    pub table: PathBuf,
    /// The label column.
    #[arg(long, value_name = "COL")]
    pub label: String,
    /// The label value that counts as positive (text, or a number such as 1).
    #[arg(long, value_name = "VALUE")]
    pub positive: String,
    /// Never use this column as a feature (repeatable).
    #[arg(long = "drop", value_name = "COL")]
    pub drop: Vec<String>,
    /// CSV with columns row_index,fold fixing the cross-validation folds.
    #[arg(long, value_name = "FILE")]
    pub folds: Option<PathBuf>,
    /// Number of stratified folds when no --folds file is given.
    #[arg(long, value_name = "K", default_value_t = 5)]
    pub k_folds: usize,
    /// Seed of the fold split and of the learners.
    #[arg(long, default_value_t = 42)]
    pub seed: u64,
    /// auto (choose among candidates by nested cross-validation), gbm (with the logistic
    /// baseline), logistic, or both.
    #[arg(long, default_value = "auto", value_parser = ["auto", "gbm", "logistic", "both"])]
    pub model: String,
    /// What --model auto maximises: auc (pooled out-of-fold ROC AUC) or logloss.
    #[arg(long, value_name = "METRIC", default_value = "auc", value_parser = ["auc", "logloss"])]
    pub choose_by: String,
}

/// The table, its label and features, and the folds.
struct Prepared {
    table: DataTable,
    data: Dataset,
    folds: Folds,
    folds_source: String,
}

/// `patron train`.
pub async fn run(global: &Global, args: &TrainArgs) -> Result<()> {
    let started = Instant::now();
    let prepared = prepare(args)?;
    if args.model == "auto" {
        return choose(global, args, &prepared, started);
    }
    let models: &[&str] = match args.model.as_str() {
        "logistic" => &["logistic"],
        _ => &["gbm", "logistic"],
    };
    let bar = progress(
        (prepared.folds.k() * models.len()) as u64,
        "training",
        global.quiet || global.json,
    );
    let mut reports = Vec::with_capacity(models.len());
    for name in models {
        let style = match *name {
            "gbm" => CategoryStyle::Ordinal,
            _ => CategoryStyle::OneHot,
        };
        let design = prepared
            .data
            .design(&prepared.table, style)
            .map_err(|e| located(&args.table, e))?;
        let learner = learner(name, args.seed, &design);
        bar.set_message(format!("{name} folds"));
        let mut on_fold = |_: &FoldResult| bar.inc(1);
        let report = evaluate(
            learner.as_ref(),
            &design.matrix,
            &prepared.data.y,
            &prepared.folds,
            &mut on_fold,
        )?;
        reports.push(report);
    }
    bar.finish_and_clear();
    if global.json {
        return print_json(&train_json(args, &prepared, &reports));
    }
    print_text(args, &prepared, &reports);
    println!("\n({:.1} s)", started.elapsed().as_secs_f64());
    Ok(())
}

/// `--model auto`: every candidate cross-validated, the best chosen, the choice itself
/// estimated by nested cross-validation.
fn choose(global: &Global, args: &TrainArgs, prepared: &Prepared, started: Instant) -> Result<()> {
    let design = |style| {
        prepared
            .data
            .design(&prepared.table, style)
            .map_err(|e| located(&args.table, e))
    };
    let (ordinal, onehot) = (
        design(CategoryStyle::Ordinal)?,
        design(CategoryStyle::OneHot)?,
    );
    let candidates = select::default_candidates(args.seed);
    let criterion = select::Criterion::parse(&args.choose_by)
        .unwrap_or_else(|| unreachable!("clap allows auc and logloss only"));
    let k = prepared.folds.k();
    let bar = progress(
        (candidates.len() * (k + k * (k - 1) / 2)) as u64,
        "choosing a model",
        global.quiet || global.json,
    );
    let designs = select::Designs {
        ordinal: &ordinal.matrix,
        categorical: &ordinal.categorical,
        onehot: &onehot.matrix,
    };
    let selection = select::choose(
        &candidates,
        &designs,
        &prepared.data.y,
        &prepared.folds,
        criterion,
        &mut || bar.inc(1),
    )?;
    bar.finish_and_clear();
    if global.json {
        return print_json(&json!({
            "table": table_json(args, prepared),
            "selection": selection,
        }));
    }
    print_header(args, prepared);
    print_selection(&selection);
    println!("\n({:.1} s)", started.elapsed().as_secs_f64());
    Ok(())
}

fn print_selection(selection: &select::Selection) {
    println!("\nmodel choice — pooled out-of-fold scores of every candidate");
    let mut t = Table::new(&[
        "candidate",
        "settings",
        "ROC AUC",
        "PR AUC",
        "Brier",
        "log loss",
        "chosen in folds",
    ]);
    for c in &selection.candidates {
        let mut row = vec![
            if c.name == selection.chosen {
                format!("{} ✓", c.name)
            } else {
                c.name.clone()
            },
            c.settings.clone(),
        ];
        row.extend(metric_cells([
            c.scores.roc_auc,
            c.scores.pr_auc,
            c.scores.brier,
            c.scores.log_loss,
        ]));
        row.push(c.chosen_in_folds.to_string());
        t.row(row);
    }
    println!("{}", t.render());
    println!("chosen: {}", selection.reason);
    println!("\nnested cross-validation — each fold predicted by the candidate chosen without it");
    let mut t = Table::new(&["fold", "chosen", "ROC AUC", "PR AUC", "Brier", "log loss"]);
    for f in &selection.nested {
        let mut row = vec![(f.fold + 1).to_string(), f.chosen.clone()];
        row.extend(metric_cells([
            f.scores.roc_auc,
            f.scores.pr_auc,
            f.scores.brier,
            f.scores.log_loss,
        ]));
        t.row(row);
    }
    println!("{}", t.render());
    println!(
        "ROC AUC of the choice: {:.4} ± {:.4} (mean ± sd over folds; log loss {:.4})",
        selection.nested_roc_auc_mean, selection.nested_roc_auc_sd, selection.nested_log_loss_mean
    );
}

/// Reads the table and the folds file and checks them against the flags.
fn prepare(args: &TrainArgs) -> Result<Prepared> {
    let bytes = std::fs::read(&args.table)
        .with_context(|| format!("cannot read the table {}", args.table.display()))?;
    let table = DataTable::parse(&bytes).map_err(|e| located(&args.table, e))?;
    drop(bytes);
    let spec = TrainSpec {
        label: args.label.clone(),
        positive: args.positive.clone(),
        drop: args.drop.clone(),
        encoding: EncodingOptions::default(),
    };
    let data = Dataset::new(&table, &spec).map_err(|e| located(&args.table, e))?;
    let (folds, folds_source) = match &args.folds {
        Some(path) => {
            let bytes = std::fs::read(path)
                .with_context(|| format!("cannot read the folds file {}", path.display()))?;
            let folds = Folds::parse(&bytes, table.rows()).map_err(|e| located(path, e))?;
            (folds, path.display().to_string())
        }
        None => (
            Folds::stratified(&data.y, args.k_folds, args.seed)?,
            format!("stratified, seed {}", args.seed),
        ),
    };
    Ok(Prepared {
        table,
        data,
        folds,
        folds_source,
    })
}

/// An engine error prefixed with the file it is about.
fn located(path: &Path, e: MlError) -> anyhow::Error {
    match e {
        // Context keeps the error's type, so the exit code and JSON code stay specific.
        MlError::Table { .. } | MlError::Folds { .. } => {
            anyhow::Error::from(e).context(path.display().to_string())
        }
        other => anyhow::Error::from(other),
    }
}

/// A learner for its design: gradient boosting on level codes (ordered by positive rate in
/// each training fold), logistic regression on one-hot columns.
fn learner(name: &str, seed: u64, design: &Design) -> Box<dyn Learner> {
    match name {
        "gbm" => Box::new(Gbm {
            params: GbmParams {
                seed,
                ..GbmParams::default()
            },
            categorical: design.categorical.clone(),
        }),
        _ => Box::new(Logistic::default()),
    }
}

/// The `--json` document.
fn train_json(args: &TrainArgs, prepared: &Prepared, reports: &[ModelReport]) -> Value {
    let table = table_json(args, prepared);
    let mut objects: Vec<Value> = reports.iter().map(|r| json!(r)).collect();
    match args.model.as_str() {
        "both" => json!({ "table": table, "models": objects }),
        "logistic" => with_table(objects.remove(0), table),
        _ => {
            let baseline = objects.pop().unwrap_or(Value::Null);
            let mut main = with_table(objects.remove(0), table);
            main["baseline"] = baseline;
            main
        }
    }
}

fn with_table(mut object: Value, table: Value) -> Value {
    object["table"] = table;
    object
}

fn table_json(args: &TrainArgs, prepared: &Prepared) -> Value {
    let data = &prepared.data;
    json!({
        "file": args.table.display().to_string(),
        "delimiter": prepared.table.delimiter().to_string(),
        "rows": data.rows(),
        "label": args.label,
        "positive": args.positive,
        "positives": data.positives(),
        "positive_rate": data.positives() as f64 / data.rows() as f64,
        "features": data.schema.columns,
        "dropped": data.schema.dropped,
        "excluded": args.drop,
        "folds": prepared.folds.k(),
        "folds_source": prepared.folds_source,
        "seed": args.seed,
    })
}

/// The readable report.
fn print_text(args: &TrainArgs, prepared: &Prepared, reports: &[ModelReport]) {
    print_header(args, prepared);
    for report in reports {
        print_folds(report);
    }
    if reports.len() > 1 {
        print_comparison(reports);
    }
    let main = &reports[0];
    print_lift(main);
    print_calibration(main);
}

fn print_header(args: &TrainArgs, prepared: &Prepared) {
    let data = &prepared.data;
    let numeric = data
        .schema
        .columns
        .iter()
        .filter(|c| c.kind == ColumnKind::Numeric)
        .count();
    println!(
        "{}: {} rows, {} with {} = {} ({:.2}%)",
        args.table.display(),
        count(data.rows() as u64),
        count(data.positives() as u64),
        args.label,
        args.positive,
        100.0 * data.positives() as f64 / data.rows() as f64
    );
    println!(
        "features: {} ({numeric} numeric, {} categorical)",
        data.schema.columns.len(),
        data.schema.columns.len() - numeric
    );
    for name in &args.drop {
        println!("  dropped {name} (--drop)");
    }
    for dropped in &data.schema.dropped {
        println!("  dropped {} ({})", dropped.name, dropped.reason);
    }
    println!("folds: {} ({})", prepared.folds.k(), prepared.folds_source);
}

fn print_folds(report: &ModelReport) {
    println!("\n{} — cross-validation", report.model);
    let mut t = Table::new(&[
        "fold",
        "train",
        "test",
        "positives",
        "ROC AUC",
        "PR AUC",
        "Brier",
        "log loss",
        "size",
    ]);
    for f in &report.folds {
        let mut row = vec![
            (f.fold + 1).to_string(),
            count(f.train_rows as u64),
            count(f.test_rows as u64),
            count(f.test_positives as u64),
        ];
        row.extend(metric_cells([
            f.scores.roc_auc,
            f.scores.pr_auc,
            f.scores.brier,
            f.scores.log_loss,
        ]));
        row.push(
            f.model
                .trees
                .or(f.model.iterations)
                .unwrap_or(0)
                .to_string(),
        );
        t.row(row);
    }
    let cv = &report.cv;
    let summary = [
        (
            "mean",
            [
                cv.roc_auc_mean,
                cv.pr_auc_mean,
                cv.brier_mean,
                cv.log_loss_mean,
            ],
        ),
        (
            "sd",
            [cv.roc_auc_sd, cv.pr_auc_sd, cv.brier_sd, cv.log_loss_sd],
        ),
    ];
    for (label, values) in summary {
        let mut row = vec![
            label.to_owned(),
            String::new(),
            String::new(),
            String::new(),
        ];
        row.extend(metric_cells(values));
        row.push(String::new());
        t.row(row);
    }
    println!("{}", t.render());
    let size = if report.model == "gbm" {
        "size = trees after early stopping"
    } else {
        "size = Newton iterations"
    };
    println!("({size})");
}

/// Four metrics with four decimals.
fn metric_cells(values: [f64; 4]) -> Vec<String> {
    values.iter().map(|v| format!("{v:.4}")).collect()
}

fn print_comparison(reports: &[ModelReport]) {
    println!();
    for r in reports {
        println!(
            "{:<9} ROC AUC {:.4} ± {:.4}   PR AUC {:.4}   Brier {:.4}   log loss {:.4}",
            r.model,
            r.cv.roc_auc_mean,
            r.cv.roc_auc_sd,
            r.cv.pr_auc_mean,
            r.cv.brier_mean,
            r.cv.log_loss_mean
        );
    }
}

fn print_lift(report: &ModelReport) {
    println!(
        "\n{}: lift and gains by decile (pooled out-of-fold)",
        report.model
    );
    let mut t = Table::new(&[
        "decile",
        "rows",
        "positives",
        "rate",
        "lift",
        "gain",
        "cum. lift",
        "scores",
    ]);
    for row in &report.lift {
        t.row(vec![
            row.decile.to_string(),
            count(row.rows as u64),
            count(row.positives as u64),
            format!("{:.1}%", 100.0 * row.rate),
            format!("{:.2}", row.lift),
            format!("{:.1}%", 100.0 * row.cumulative_gain),
            format!("{:.2}", row.cumulative_lift),
            format!("{:.3}–{:.3}", row.min_score, row.max_score),
        ]);
    }
    println!("{}", t.render());
}

fn print_calibration(report: &ModelReport) {
    let c = &report.calibration;
    println!("\n{}: calibration (pooled out-of-fold)", report.model);
    let mut t = Table::new(&["predicted", "rows", "mean predicted", "observed"]);
    for bin in &c.table {
        t.row(vec![
            format!("{:.1}–{:.1}", bin.lower, bin.upper),
            count(bin.rows as u64),
            format!("{:.3}", bin.mean_predicted),
            format!("{:.3}", bin.observed_rate),
        ]);
    }
    println!("{}", t.render());
    println!(
        "uncalibrated: Brier {:.4}, log loss {:.4}",
        report.cv.pooled.brier, report.cv.pooled.log_loss
    );
    println!(
        "Platt (a = {:.3}, b = {:.3}): Brier {:.4}, log loss {:.4}",
        c.platt.a.unwrap_or(f64::NAN),
        c.platt.b.unwrap_or(f64::NAN),
        c.platt.brier,
        c.platt.log_loss
    );
    println!(
        "isotonic ({} steps): Brier {:.4}, log loss {:.4}",
        c.isotonic.knots.unwrap_or(0),
        c.isotonic.brier,
        c.isotonic.log_loss
    );
    println!(
        "(calibrators cross-fitted on the same folds; best: {:?})",
        c.best
    );
}
