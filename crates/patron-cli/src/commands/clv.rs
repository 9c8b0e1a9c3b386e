//! `patron clv …`: buy-till-you-die summaries, model fits and predictions.

use crate::cli::{ClvCommand, ClvInputArgs, ClvPredictArgs, ClvWindowArgs, Global};
use crate::flags::{day_of, time_unit};
use crate::output::{Table, count, print_json};
use crate::print::fit_json;
use crate::project::Project;
use anyhow::{Context, Result, bail};
use patron_core::Timestamp;
use patron_core::facts::Facts;
use patron_core::time::DAY;
use patron_engine::clv::policy::{
    ClvInput, Predictions, choose_timing_model, input_from_facts, predict_all, spend_model,
};
use patron_engine::clv::{FrequencyData, ModelKind, TimingModel};
use patron_engine::margin::line_gross_margins;
use patron_engine::repeat_summary::{LineValue, RepeatSummary, repeat_summary_valued};
use serde_json::{Value, json};
use std::path::Path;

/// Loads the facts of a window and summarises them: `(facts, summary, end_day)`.
pub async fn summary_from_store(
    project: &Project,
    window: &ClvWindowArgs,
) -> Result<(Facts, RepeatSummary, i64)> {
    let store = project.open_store().await?;
    let end_day = match &window.end {
        Some(text) => day_of(text, "--end")?,
        None => store
            .last_fact_time()
            .await?
            .context("the store has no facts yet: run `patron import`")?
            .day_number(),
    };
    let start_day = window
        .start
        .as_deref()
        .map(|s| day_of(s, "--start"))
        .transpose()?
        .unwrap_or(i64::MIN);
    let facts = store
        .load_facts(Timestamp::from_secs((end_day + 1) * DAY))
        .await?;
    let margins =
        (window.value == "margin").then(|| line_gross_margins(&facts, &project.config.margin));
    let value = margins
        .as_deref()
        .map_or(LineValue::Revenue, LineValue::PerLine);
    let summary = repeat_summary_valued(
        &facts,
        start_day,
        end_day,
        time_unit(&window.unit).days(),
        value,
    );
    Ok((facts, summary, end_day))
}

/// Reads a summary file: a CSV with `x`, `t_x`, `T` and optionally `zbar`, `weight` and an id
/// column (`ID`, `id` or `customer_id`).
pub fn read_summary_file(path: &Path) -> Result<(Vec<String>, FrequencyData, Option<Vec<f64>>)> {
    let mut reader =
        csv::Reader::from_path(path).with_context(|| format!("cannot read {}", path.display()))?;
    let headers = reader.headers()?.clone();
    let find = |name: &str| headers.iter().position(|h| h.trim() == name);
    let column = |name: &str| {
        find(name).with_context(|| {
            format!(
                "{}: no column {name:?} (have: {})",
                path.display(),
                headers.iter().collect::<Vec<_>>().join(", ")
            )
        })
    };
    let (cx, ctx, ct) = (column("x")?, column("t_x")?, column("T")?);
    let (czbar, cweight) = (find("zbar"), find("weight"));
    let cid = ["ID", "id", "customer_id"].iter().find_map(|n| find(n));
    let (mut ids, mut x, mut t_x, mut t, mut zbar, mut weight) =
        (vec![], vec![], vec![], vec![], vec![], vec![]);
    for (i, record) in reader.records().enumerate() {
        let record = record?;
        let line = i + 2;
        let number = |c: usize| -> Result<f64> {
            let text = record.get(c).unwrap_or("").trim();
            text.parse::<f64>()
                .ok()
                .filter(|v| v.is_finite())
                .with_context(|| {
                    format!(
                        "{}:{line}: column {:?}: value {text:?} is not a number",
                        path.display(),
                        &headers[c]
                    )
                })
        };
        ids.push(cid.map_or_else(
            || (i + 1).to_string(),
            |c| record.get(c).unwrap_or("").trim().to_owned(),
        ));
        x.push(number(cx)?);
        t_x.push(number(ctx)?);
        t.push(number(ct)?);
        weight.push(cweight.map(&number).transpose()?.unwrap_or(1.0));
        if let Some(c) = czbar {
            zbar.push(number(c)?);
        }
    }
    let data = FrequencyData::new(x, t_x, t, weight)
        .map_err(|e| anyhow::anyhow!("{}: {e} (row 1 is line 2)", path.display()))?;
    Ok((ids, data, czbar.map(|_| zbar)))
}

/// Builds the input from a summary file or the store.
pub async fn load_input(
    project: Option<&Project>,
    args: &ClvInputArgs,
    model_name: &str,
) -> Result<ClvInput> {
    let unit = time_unit(&args.window.unit);
    if let Some(path) = &args.summary {
        let (ids, data, zbar) = read_summary_file(path)?;
        return Ok(ClvInput {
            ids,
            data,
            zbar,
            value: None,
            unit,
            holdout: None,
            origin: path.display().to_string(),
        });
    }
    let project = project.context("a project (patron.toml) or --summary FILE is needed")?;
    let (facts, s, end_day) = summary_from_store(project, &args.window).await?;
    let start_day = args
        .window
        .start
        .as_deref()
        .map(|s| day_of(s, "--start"))
        .transpose()?
        .unwrap_or(i64::MIN);
    Ok(input_from_facts(
        &facts,
        &s,
        start_day,
        end_day,
        unit,
        args.holdout_days,
        model_name == "auto",
    )?)
}

async fn fit(global: &Global, project: Option<&Project>, args: &ClvInputArgs) -> Result<()> {
    let name = args.model.as_deref().unwrap_or("all");
    let input = load_input(project, args, name).await?;
    let n = input.data.total_weight();
    let mut results = Vec::new();
    if name == "all" {
        for kind in ModelKind::ALL {
            results.push(fit_json(
                &TimingModel::fit(kind, &input.data.grouped())?.1,
                n,
            ));
        }
    } else if name != "gammagamma" {
        let (_, fit, report) = choose_timing_model(&input, name)?;
        let mut v = fit_json(&fit, n);
        if !report.is_null() {
            v["selection"] = report;
        }
        results.push(v);
    }
    if name == "all" || name == "gammagamma" {
        match spend_model(&input)? {
            Some((_, fit)) => results.push(fit_json(
                &fit,
                input.data.x.iter().filter(|x| **x > 0.0).count() as f64,
            )),
            None if name == "gammagamma" => {
                bail!("Gamma-Gamma needs mean repeat spend (a zbar column, or store data)")
            }
            None => {}
        }
    }
    if global.json {
        return print_json(&if results.len() == 1 {
            results.remove(0)
        } else {
            json!(results)
        });
    }
    println!(
        "Fitted on {} customers from {} (time unit: {:?})",
        count(n as u64),
        input.origin,
        input.unit
    );
    let mut t = Table::new(&["model", "parameters", "log-likelihood", "BIC", "converged"]);
    for r in &results {
        let params = r["params"]
            .as_object()
            .map(|o| {
                o.iter()
                    .map(|(k, v)| format!("{k}={:.4}", v.as_f64().unwrap_or(f64::NAN)))
                    .collect::<Vec<_>>()
                    .join(" ")
            })
            .unwrap_or_default();
        t.row(vec![
            r["model"].as_str().unwrap_or("").to_owned(),
            params,
            format!("{:.2}", r["log_likelihood"].as_f64().unwrap_or(f64::NAN)),
            format!("{:.1}", r["bic"].as_f64().unwrap_or(f64::NAN)),
            r["converged"].to_string(),
        ]);
    }
    println!("{}", t.render());
    Ok(())
}

async fn predict(global: &Global, project: Option<&Project>, args: &ClvPredictArgs) -> Result<()> {
    let model_name = args.input.model.as_deref().unwrap_or("auto");
    let input = load_input(project, &args.input, model_name).await?;
    let p = predict_all(
        &input,
        model_name,
        args.horizon,
        args.months,
        args.discount_rate,
    )?;
    let d = &input.data;
    let total_clv = p.clv.as_ref().map(|c| c.iter().sum::<f64>());
    let rows = PredictionRows {
        input: &input,
        p: &p,
        potential_gap: args.potential_gap,
    };
    if global.json {
        let spend_customers = d.x.iter().filter(|x| **x > 0.0).count() as f64;
        let document = json!({
            "model": fit_json(&p.fit, d.total_weight()),
            "selection": p.selection,
            "spend_model": p.spend_fit.as_ref().map(|f| fit_json(f, spend_customers)),
            "unit": format!("{:?}", input.unit).to_lowercase(),
            "horizon": p.horizon,
            "clv_months": args.months,
            "annual_discount_rate": args.discount_rate,
            "totals": { "expected_purchases": p.expected.iter().sum::<f64>(), "clv": total_clv },
        });
        return print_streamed(document, "customers", &rows);
    }
    print_predictions(&rows, total_clv, args);
    Ok(())
}

/// Every customer's prediction, serialised row by row straight from the columns (a million
/// customers are never a million JSON maps).
struct PredictionRows<'a> {
    input: &'a ClvInput,
    p: &'a Predictions,
    potential_gap: f64,
}

/// One customer's prediction.
#[derive(serde::Serialize)]
struct PredictionRow<'a> {
    id: &'a str,
    x: f64,
    t_x: f64,
    #[serde(rename = "T")]
    t: f64,
    expected_purchases: f64,
    p_alive: f64,
    #[serde(skip_serializing_if = "Option::is_none")]
    expected_spend: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    clv: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    value: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    potential_gap: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    potential: Option<bool>,
}

impl PredictionRows<'_> {
    fn len(&self) -> usize {
        self.input.data.len()
    }

    fn row(&self, i: usize) -> PredictionRow<'_> {
        let (d, p) = (&self.input.data, self.p);
        let spend = p.expected_spend.as_ref().zip(p.clv.as_ref());
        let potential = self.input.value.as_ref().zip(p.potential.as_ref());
        PredictionRow {
            id: &self.input.ids[i],
            x: d.x[i],
            t_x: d.t_x[i],
            t: d.t[i],
            expected_purchases: p.expected[i],
            p_alive: p.p_alive[i],
            expected_spend: spend.map(|(s, _)| s[i]),
            clv: spend.map(|(_, c)| c[i]),
            value: potential.map(|(v, _)| v[i]),
            potential_gap: potential.map(|(_, g)| g[i]),
            potential: potential.map(|(_, g)| g[i] >= self.potential_gap),
        }
    }

    /// The `limit` rows with the largest `key`, largest first (ties by row order): a partial
    /// sort, not a sort of everyone.
    fn top(&self, key: &dyn Fn(usize) -> f64, limit: usize) -> Vec<usize> {
        let order = |a: &usize, b: &usize| key(*b).total_cmp(&key(*a)).then(a.cmp(b));
        let mut rows: Vec<usize> = (0..self.len()).collect();
        if limit < rows.len() {
            rows.select_nth_unstable_by(limit, order);
            rows.truncate(limit);
        }
        rows.sort_unstable_by(order);
        rows
    }
}

impl serde::Serialize for PredictionRows<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeSeq;
        let mut seq = s.serialize_seq(Some(self.len()))?;
        for i in 0..self.len() {
            seq.serialize_element(&self.row(i))?;
        }
        seq.end()
    }
}

/// Prints `document` with `field` set to `rows`, written to stdout as it is serialised.
fn print_streamed<T: serde::Serialize>(mut document: Value, field: &str, rows: &T) -> Result<()> {
    use std::io::Write;
    #[derive(serde::Serialize)]
    struct With<'a, T> {
        #[serde(flatten)]
        document: &'a serde_json::Map<String, Value>,
        #[serde(flatten)]
        rows: Field<'a, T>,
    }
    struct Field<'a, T> {
        name: &'a str,
        rows: &'a T,
    }
    impl<T: serde::Serialize> serde::Serialize for Field<'_, T> {
        fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
            use serde::ser::SerializeMap;
            let mut map = s.serialize_map(Some(1))?;
            map.serialize_entry(self.name, self.rows)?;
            map.end()
        }
    }
    let document = document
        .as_object_mut()
        .map(std::mem::take)
        .unwrap_or_default();
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::with_capacity(1 << 20, stdout.lock());
    serde_json::to_writer_pretty(
        &mut out,
        &With {
            document: &document,
            rows: Field { name: field, rows },
        },
    )?;
    writeln!(out)?;
    out.flush()?;
    Ok(())
}

fn print_predictions(rows: &PredictionRows<'_>, total_clv: Option<f64>, args: &ClvPredictArgs) {
    let (input, p) = (rows.input, rows.p);
    let params: Vec<String> = p
        .fit
        .params
        .iter()
        .map(|(n, v)| format!("{n}={v:.4}"))
        .collect();
    println!(
        "{} ({}) on {} customers from {}",
        p.fit.model,
        params.join(" "),
        count(rows.len() as u64),
        input.origin
    );
    println!(
        "expected purchases in the next {:.1} {:?}s: {:.1}",
        p.horizon,
        input.unit,
        p.expected.iter().sum::<f64>()
    );
    if let Some(total) = total_clv {
        println!(
            "discounted CLV over {} months at {:.1} % a year: {total:.0} in total",
            args.months,
            100.0 * args.discount_rate
        );
    }
    let (key, by): (Box<dyn Fn(usize) -> f64>, &str) = match &p.clv {
        Some(clv) => (Box::new(move |i| clv[i]), "clv"),
        None => (Box::new(|i| p.expected[i]), "expected_purchases"),
    };
    let mut t = Table::new(&[
        "customer",
        "x",
        "expected",
        "P(alive)",
        "spend",
        "CLV",
        "potential",
    ]);
    let top = rows.top(&key, args.limit);
    let fmt = |v: Option<f64>, digits: usize| v.map_or(String::new(), |v| format!("{v:.digits$}"));
    for &i in &top {
        let r = rows.row(i);
        let potential = match (r.potential, r.potential_gap) {
            (Some(true), Some(gap)) => format!("+{:.0} pct", 100.0 * gap),
            _ => String::new(),
        };
        t.row(vec![
            r.id.to_owned(),
            fmt(Some(r.x), 0),
            fmt(Some(r.expected_purchases), 2),
            fmt(Some(r.p_alive), 3),
            fmt(r.expected_spend, 2),
            fmt(r.clv, 2),
            potential,
        ]);
    }
    println!("\nTop {} by {by}:\n{}", top.len(), t.render());
    let with_potential = (0..rows.len())
        .filter(|&i| rows.row(i).potential == Some(true))
        .count();
    if with_potential > 0 {
        println!(
            "\n{} customers have CLV far above their value so far (≥ {:.0} percentile points): see --json, field potential",
            count(with_potential as u64),
            100.0 * args.potential_gap
        );
    }
}

fn print_summary(
    facts: &Facts,
    s: &RepeatSummary,
    end_day: i64,
    unit: &str,
    json_output: bool,
) -> Result<()> {
    let end = Timestamp::from_secs(end_day * DAY).date();
    let ids = &facts.customers.ids;
    if json_output {
        let customers: Vec<_> = (0..s.len())
            .map(|i| json!({ "customer_id": ids[s.customer[i] as usize], "x": s.x[i], "t_x": s.t_x[i], "T": s.t[i], "zbar": s.mean_repeat_spend[i] }))
            .collect();
        return print_json(&json!({ "end": end, "unit": unit, "customers": customers }));
    }
    let mut t = Table::new(&["customer", "x", "t_x", "T", "zbar"]);
    for i in 0..s.len() {
        t.row(vec![
            ids[s.customer[i] as usize].to_string(),
            format!("{}", s.x[i]),
            format!("{:.2}", s.t_x[i]),
            format!("{:.2}", s.t[i]),
            format!("{:.2}", s.mean_repeat_spend[i]),
        ]);
    }
    println!("BTYD summary up to {end} in {unit}s\n{}", t.render());
    Ok(())
}

/// `patron clv …`. A `--summary FILE` works without a project.
pub async fn run(global: &Global, command: &ClvCommand) -> Result<()> {
    let needs_project = match command {
        ClvCommand::Summary(_) => true,
        ClvCommand::Fit(a) => {
            a.input.summary.is_none()
                && a.survival.is_none()
                && !matches!(a.input.model.as_deref(), Some("sbg" | "bgbb"))
        }
        ClvCommand::Predict(a) => a.input.summary.is_none(),
    };
    let project = if needs_project {
        Some(crate::project::load(global)?)
    } else {
        None
    };
    match command {
        ClvCommand::Summary(window) => {
            let (facts, s, end_day) =
                summary_from_store(project.as_ref().context("no project")?, window).await?;
            print_summary(&facts, &s, end_day, &window.unit, global.json)
        }
        ClvCommand::Fit(args) => match args.input.model.as_deref() {
            Some("sbg") => super::clv_discrete::fit_sbg(global, args),
            Some("bgbb") => super::clv_discrete::fit_bgbb(global, args),
            _ if args.survival.is_some() => {
                bail!("--survival is for --model sbg (cohort survivor counts)")
            }
            _ => fit(global, project.as_ref(), &args.input).await,
        },
        ClvCommand::Predict(args) => predict(global, project.as_ref(), args).await,
    }
}
