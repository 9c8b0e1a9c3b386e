//! `patron backtest clv`: fit before a split date, predict after it, compare with what
//! happened.

use crate::cli::{BacktestClvArgs, BacktestCommand, Global};
use crate::flags::{day_of, time_unit};
use crate::output::{Table, count, print_json};
use crate::print::fit_json;
use anyhow::{Context, Result};
use patron_core::Timestamp;
use patron_core::time::DAY;
use patron_engine::clv::backtest::{by_frequency, expected_cumulative_repeats, holdout_errors};
use patron_engine::clv::{FrequencyData, ModelKind, TimingModel};
use patron_engine::repeat_summary::{holdout_purchases, repeat_days, repeat_summary};
use serde_json::{Value, json};

/// Calibration frequencies up to this value get their own bucket; higher ones share the last.
const MAX_BUCKET: u32 = 7;

/// `patron backtest …`.
pub async fn run(global: &Global, command: &BacktestCommand) -> Result<()> {
    match command {
        BacktestCommand::Clv(args) => clv(global, args).await,
    }
}

async fn clv(global: &Global, args: &BacktestClvArgs) -> Result<()> {
    let project = crate::project::load(global)?;
    let store = project.open_store().await?;
    let split = day_of(&args.split, "--split")?;
    let end = match &args.end {
        Some(t) => day_of(t, "--end")?,
        None => store
            .last_fact_time()
            .await?
            .context("the store has no facts yet")?
            .day_number(),
    };
    anyhow::ensure!(end >= split, "--end must not be before --split");
    let start = args
        .start
        .as_deref()
        .map(|s| day_of(s, "--start"))
        .transpose()?
        .unwrap_or(i64::MIN);
    let unit_days = time_unit(&args.unit).days();
    let facts = store
        .load_facts(Timestamp::from_secs((end + 1) * DAY))
        .await?;
    let calibration = repeat_summary(&facts, start, split - 1, unit_days);
    anyhow::ensure!(!calibration.is_empty(), "nobody bought before --split");
    let (actual, _) = holdout_purchases(&facts, &calibration, split, end);
    let horizon = (end - split + 1) as f64 / unit_days;
    let data = FrequencyData::unweighted(
        calibration.x.clone(),
        calibration.t_x.clone(),
        calibration.t.clone(),
    )?;
    let kinds: Vec<ModelKind> = match args.model.as_str() {
        "all" => ModelKind::ALL.to_vec(),
        name => vec![ModelKind::parse(name).with_context(|| format!("unknown model {name:?}"))?],
    };

    // The tracking plot: cumulative repeat purchases per period since the first purchase.
    let origin = calibration.first_day.iter().copied().min().unwrap_or(split);
    let periods = (((end - origin + 1) as f64) / unit_days).ceil() as usize;
    let mut actual_per_period = vec![0.0; periods];
    for d in repeat_days(&facts, &calibration, start, end) {
        let k = (((d - origin) as f64) / unit_days) as usize;
        actual_per_period[k.min(periods - 1)] += 1.0;
    }
    let times: Vec<f64> = (1..=periods).map(|k| k as f64).collect();
    let births: Vec<f64> = calibration
        .first_day
        .iter()
        .map(|&f| (f - origin) as f64 / unit_days)
        .collect();

    let mut reports = Vec::new();
    let mut predictions = Vec::new();
    for kind in kinds {
        let (model, fit) = TimingModel::fit(kind, &data.grouped())?;
        let predicted: Vec<f64> = (0..data.len())
            .map(|i| model.expected_purchases(horizon, data.x[i], data.t_x[i], data.t[i]))
            .collect();
        let expected = expected_cumulative_repeats(&model, &births, &times);
        let mut cumulative = 0.0;
        let tracking: Vec<Value> = (0..periods)
            .map(|k| {
                cumulative += actual_per_period[k];
                json!({ "period": k + 1, "actual": cumulative, "expected": expected[k] })
            })
            .collect();
        reports.push(json!({
            "fit": fit_json(&fit, data.total_weight()),
            "errors": holdout_errors(&predicted, &actual),
            "by_frequency": by_frequency(&data, &predicted, &actual, MAX_BUCKET),
            "tracking": tracking,
        }));
        predictions.push((fit.model, predicted));
    }
    let best = reports
        .iter()
        .min_by(|a, b| {
            a["errors"]["mae"]
                .as_f64()
                .unwrap_or(f64::MAX)
                .total_cmp(&b["errors"]["mae"].as_f64().unwrap_or(f64::MAX))
        })
        .map(|r| r["fit"]["model"].clone());
    let customers: Vec<Value> = (0..data.len())
        .map(|i| {
            let mut row = json!({ "customer_id": facts.customers.ids[calibration.customer[i] as usize], "x": data.x[i], "t_x": data.t_x[i], "T": data.t[i], "actual": actual[i] });
            for (name, p) in &predictions {
                row[*name] = json!(p[i]);
            }
            row
        })
        .collect();
    let date = |d: i64| Timestamp::from_secs(d * DAY).date().to_string();
    if global.json {
        return print_json(&json!({
            "calibration_end": date(split - 1), "holdout_start": date(split), "holdout_end": date(end),
            "unit": args.unit, "horizon": horizon, "customers_count": data.len(), "best": best,
            "models": reports, "customers": customers,
        }));
    }
    println!(
        "Backtest: fitted on {} customers' purchases up to {}, predicting {} – {} ({horizon:.1} {}s)",
        count(data.len() as u64),
        date(split - 1),
        date(split),
        date(end),
        args.unit
    );
    let mut t = Table::new(&["model", "MAE", "RMSE", "correlation", "predicted", "actual"]);
    for r in &reports {
        let e = &r["errors"];
        let f = |k: &str, d: usize| format!("{:.d$}", e[k].as_f64().unwrap_or(f64::NAN));
        t.row(vec![
            r["fit"]["model"].as_str().unwrap_or("").into(),
            f("mae", 3),
            f("rmse", 3),
            f("correlation", 3),
            f("total_predicted", 1),
            f("total_actual", 0),
        ]);
    }
    println!("{}", t.render());
    if let Some(best) = reports
        .iter()
        .find(|r| Some(&r["fit"]["model"]) == best.as_ref())
    {
        let mut t = Table::new(&[
            "calibration x",
            "customers",
            "actual (mean)",
            "predicted (mean)",
        ]);
        for b in best["by_frequency"].as_array().into_iter().flatten() {
            let x = format!(
                "{}{}",
                b["x"],
                if b["and_more"].as_bool() == Some(true) {
                    "+"
                } else {
                    ""
                }
            );
            t.row(vec![
                x,
                b["customers"].to_string(),
                format!("{:.3}", b["actual"].as_f64().unwrap_or(0.0)),
                format!("{:.3}", b["predicted"].as_f64().unwrap_or(0.0)),
            ]);
        }
        println!(
            "\nHoldout purchases by calibration frequency ({}):\n{}",
            best["fit"]["model"].as_str().unwrap_or(""),
            t.render()
        );
    }
    if args.customers {
        let mut t = Table::new(&["customer", "x", "actual", "predicted"]);
        for (i, c) in customers.iter().enumerate() {
            let best_name = best.as_ref().and_then(|b| b.as_str()).unwrap_or("bgnbd");
            t.row(vec![
                c["customer_id"].as_str().unwrap_or("").into(),
                format!("{}", data.x[i]),
                format!("{}", actual[i]),
                format!("{:.3}", c[best_name].as_f64().unwrap_or(0.0)),
            ]);
        }
        println!("\n{}", t.render());
    }
    Ok(())
}
