//! `patron clv fit --model sbg | bgbb`: the contractual (sBG) and discrete-opportunity (BG/BB)
//! models, fitted on files: cohort survivor counts and frequency/recency/opportunity tables.

use crate::cli::{ClvFitArgs, Global};
use crate::error::BadFile;
use crate::output::{Table, count, print_json};
use crate::print::fit_json;
use anyhow::{Context, Result};
use patron_engine::clv::bgbb::{BgBb, BgBbData};
use patron_engine::clv::sbg::Sbg;
use serde_json::{Value, json};
use std::path::Path;

/// Fails with a [`BadFile`] error (exit code 4, `bad_table`).
macro_rules! bad {
    ($($arg:tt)*) => {
        return Err(BadFile(format!($($arg)*)).into())
    };
}

/// One cohort's survivor counts: `alive[t]` customers still active after `t` periods.
#[derive(Debug)]
struct Cohort {
    name: String,
    alive: Vec<f64>,
}

/// A CSV with named columns, each value located by line and column in errors.
struct CsvTable {
    path: String,
    headers: Vec<String>,
    rows: Vec<(usize, csv::StringRecord)>,
}

impl CsvTable {
    fn read(path: &Path) -> Result<Self> {
        let mut reader = csv::ReaderBuilder::new()
            .trim(csv::Trim::All)
            .from_path(path)
            .with_context(|| format!("cannot read {}", path.display()))?;
        let headers = reader.headers()?.iter().map(str::to_owned).collect();
        let mut rows = Vec::new();
        for (i, record) in reader.records().enumerate() {
            let record = record.with_context(|| format!("{}: line {}", path.display(), i + 2))?;
            rows.push((i + 2, record));
        }
        Ok(CsvTable {
            path: path.display().to_string(),
            headers,
            rows,
        })
    }

    /// The first of `names` among the headers.
    fn column(&self, names: &[&str]) -> Result<usize> {
        names
            .iter()
            .find_map(|n| self.headers.iter().position(|h| h.eq_ignore_ascii_case(n)))
            .ok_or_else(|| {
                BadFile(format!(
                    "{}: no column {} (have: {})",
                    self.path,
                    names.join(" or "),
                    self.headers.join(", ")
                ))
                .into()
            })
    }

    fn number(&self, line: usize, record: &csv::StringRecord, c: usize, what: &str) -> Result<f64> {
        let text = record.get(c).unwrap_or("");
        text.parse::<f64>()
            .ok()
            .filter(|v| v.is_finite() && *v >= 0.0)
            .ok_or_else(|| {
                BadFile(format!(
                    "{}:{line}: column {:?} (column {}): value {text:?} is not {what}",
                    self.path,
                    self.headers[c],
                    c + 1
                ))
                .into()
            })
    }

    fn whole(&self, line: usize, record: &csv::StringRecord, c: usize) -> Result<u32> {
        let v = self.number(line, record, c, "a whole number ≥ 0")?;
        if v.fract() != 0.0 || v > f64::from(u32::MAX) {
            bad!(
                "{}:{line}: column {:?} (column {}): value {v} is not a whole number ≥ 0",
                self.path,
                self.headers[c],
                c + 1
            );
        }
        Ok(v as u32)
    }
}

/// Reads cohort survivor counts (`cohort, period, alive`), cohorts in order of appearance.
fn read_survival(path: &Path) -> Result<Vec<Cohort>> {
    let table = CsvTable::read(path)?;
    let cohort_column = table.column(&["cohort"]).ok();
    let (cp, ca) = (
        table.column(&["period", "t"])?,
        table.column(&["alive", "survivors", "active"])?,
    );
    // Per cohort: (period, alive, line) as read.
    type Rows = Vec<(u32, f64, usize)>;
    let mut cohorts: Vec<(String, Rows)> = Vec::new();
    for (line, record) in &table.rows {
        let name = cohort_column.map_or("all", |c| record.get(c).unwrap_or(""));
        let period = table.whole(*line, record, cp)?;
        let alive = table.number(*line, record, ca, "a count ≥ 0")?;
        match cohorts.iter_mut().find(|(n, _)| n == name) {
            Some((_, rows)) => rows.push((period, alive, *line)),
            None => cohorts.push((name.to_owned(), vec![(period, alive, *line)])),
        }
    }
    if cohorts.is_empty() {
        bad!("{}: no rows", table.path);
    }
    cohorts
        .into_iter()
        .map(|(name, mut rows)| {
            rows.sort_by_key(|r| r.0);
            for (t, (period, alive, line)) in rows.iter().enumerate() {
                if *period as usize != t {
                    bad!(
                        "{}:{line}: cohort {name:?}: period {period}, expected {t} (periods start at 0, the cohort's size, and follow each other)",
                        table.path
                    );
                }
                if t > 0 && *alive > rows[t - 1].1 {
                    bad!(
                        "{}:{line}: cohort {name:?}: {alive} alive after period {period}, more than the {} of the period before",
                        table.path,
                        rows[t - 1].1
                    );
                }
            }
            if rows.len() < 2 || rows[0].1 <= 0.0 {
                bad!(
                    "{}: cohort {name:?} needs its size (period 0, > 0) and at least one more period",
                    table.path
                );
            }
            Ok(Cohort {
                name,
                alive: rows.iter().map(|r| r.1).collect(),
            })
        })
        .collect()
}

/// `patron clv fit --model sbg --survival FILE`.
pub fn fit_sbg(global: &Global, args: &ClvFitArgs) -> Result<()> {
    let path = args
        .survival
        .as_deref()
        .context("--model sbg needs --survival FILE (columns cohort, period, alive)")?;
    if !(args.discount_rate > 0.0 && args.discount_rate.is_finite()) {
        return Err(crate::error::Usage(format!(
            "--discount-rate {}: expected a rate > 0, e.g. 0.1",
            args.discount_rate
        ))
        .into());
    }
    let cohorts = read_survival(path)?;
    let mut fitted = Vec::new();
    for cohort in &cohorts {
        let (model, fit) =
            Sbg::fit(&cohort.alive).with_context(|| format!("cohort {:?}", cohort.name))?;
        fitted.push(sbg_json(cohort, &model, &fit, args));
    }
    if global.json {
        return print_json(
            &json!({ "model": "sbg", "source": path.display().to_string(), "cohorts": fitted }),
        );
    }
    for cohort in &fitted {
        print_sbg(cohort);
    }
    Ok(())
}

fn sbg_json(
    cohort: &Cohort,
    model: &Sbg,
    fit: &patron_engine::clv::FitResult,
    args: &ClvFitArgs,
) -> Value {
    let observed = cohort.alive.len() as u32 - 1;
    let size = cohort.alive[0];
    let curve = model.survival_curve(observed + args.ahead);
    let periods: Vec<Value> = curve
        .iter()
        .enumerate()
        .map(|(t, s)| {
            json!({
                "period": t,
                "alive": cohort.alive.get(t),
                "projected": size * s,
                "survival": s,
                "retention_rate": (t > 0).then(|| model.retention_rate(t as u32)),
            })
        })
        .collect();
    let survivors = cohort.alive[observed as usize];
    let derl = model.derl(args.discount_rate, observed);
    json!({
        "cohort": cohort.name,
        "size": size,
        "observed_periods": observed,
        "fit": fit_json(fit, size),
        "discount_rate": args.discount_rate,
        "del": model.del(args.discount_rate),
        "derl": derl,
        "residual_payments": survivors * derl,
        "periods": periods,
    })
}

fn print_sbg(c: &Value) {
    let p = &c["fit"]["params"];
    let f = |v: &Value, d: usize| v.as_f64().map_or(String::new(), |x| format!("{x:.d$}"));
    println!(
        "Cohort {}: {} customers, {} periods observed — sBG alpha={} beta={} (log-likelihood {}, converged {})",
        c["cohort"].as_str().unwrap_or(""),
        f(&c["size"], 0),
        c["observed_periods"],
        f(&p["alpha"], 4),
        f(&p["beta"], 4),
        f(&c["fit"]["log_likelihood"], 2),
        c["fit"]["converged"]
    );
    println!(
        "  discounted expected lifetime of a new customer (DEL): {} periods' payments; residual (DERL) of a survivor: {}; the {} survivors together: {} payments (at {} % a period)",
        f(&c["del"], 3),
        f(&c["derl"], 3),
        f(
            &c["periods"][c["observed_periods"].as_u64().unwrap_or(0) as usize]["alive"],
            0
        ),
        f(&c["residual_payments"], 1),
        f(
            &json!(100.0 * c["discount_rate"].as_f64().unwrap_or(0.0)),
            1
        ),
    );
    let mut t = Table::new(&["period", "alive", "projected", "survival %", "retention %"]);
    for row in c["periods"].as_array().into_iter().flatten() {
        t.row(vec![
            row["period"].to_string(),
            f(&row["alive"], 0),
            f(&row["projected"], 1),
            f(&json!(100.0 * row["survival"].as_f64().unwrap_or(0.0)), 1),
            row["retention_rate"]
                .as_f64()
                .map_or(String::new(), |r| format!("{:.1}", 100.0 * r)),
        ]);
    }
    println!("{}\n", t.render());
}

/// Reads a BG/BB table: `x` (or `frequency`), `t_x` (`recency`), `n` (`periods`,
/// `opportunities`) and optionally `weight` (`weights`, `count`).
fn read_bgbb(path: &Path) -> Result<BgBbData> {
    let table = CsvTable::read(path)?;
    let cx = table.column(&["x", "frequency"])?;
    let ct = table.column(&["t_x", "recency"])?;
    let cn = table.column(&["n", "periods", "opportunities"])?;
    let cw = table.column(&["weight", "weights", "count"]).ok();
    let (mut x, mut t_x, mut n, mut weight) = (vec![], vec![], vec![], vec![]);
    for (line, record) in &table.rows {
        x.push(table.whole(*line, record, cx)?);
        t_x.push(table.whole(*line, record, ct)?);
        n.push(table.whole(*line, record, cn)?);
        weight.push(match cw {
            Some(c) => table.number(*line, record, c, "a weight > 0")?,
            None => 1.0,
        });
    }
    BgBbData::new(x, t_x, n, weight).map_err(|e| {
        anyhow::Error::from(BadFile(format!(
            "{}: {e} (row 0 is line 2, row i is line i + 2)",
            table.path
        )))
    })
}

/// `patron clv fit --model bgbb --summary FILE`.
pub fn fit_bgbb(global: &Global, args: &ClvFitArgs) -> Result<()> {
    let path =
        args.input.summary.as_deref().context(
            "--model bgbb needs --summary FILE (columns x, t_x, n and optionally weight)",
        )?;
    let data = read_bgbb(path)?;
    let (model, fit) = BgBb::fit(&data)?;
    let customers: f64 = data.weight.iter().sum();
    let expected: f64 = (0..data.len())
        .map(|i| {
            data.weight[i]
                * model.expected_transactions(args.ahead, data.x[i], data.t_x[i], data.n[i])
        })
        .sum();
    let rows: Vec<Value> = (0..data.len())
        .map(|i| {
            let (x, t_x, n) = (data.x[i], data.t_x[i], data.n[i]);
            json!({
                "x": x, "t_x": t_x, "n": n, "weight": data.weight[i],
                "p_alive": model.p_alive(x, t_x, n),
                "expected_transactions": model.expected_transactions(args.ahead, x, t_x, n),
            })
        })
        .collect();
    if global.json {
        return print_json(&json!({
            "model": "bgbb",
            "source": path.display().to_string(),
            "customers": customers,
            "fit": fit_json(&fit, customers),
            "future_opportunities": args.ahead,
            "expected_transactions": expected,
            "rows": rows,
        }));
    }
    let p = |name: &str| {
        fit.params
            .iter()
            .find(|(n, _)| *n == name)
            .map_or(f64::NAN, |p| p.1)
    };
    println!(
        "BG/BB on {} customers from {}: alpha={:.4} beta={:.4} gamma={:.4} delta={:.4} (log-likelihood {:.2}, converged {})",
        count(customers as u64),
        path.display(),
        p("alpha"),
        p("beta"),
        p("gamma"),
        p("delta"),
        fit.log_likelihood,
        fit.converged
    );
    println!(
        "expected transactions in the next {} opportunities: {expected:.1}",
        args.ahead
    );
    let mut t = Table::new(&["x", "t_x", "n", "customers", "P(alive)", "expected"]);
    for r in &rows {
        let f = |k: &str, d: usize| r[k].as_f64().map_or(String::new(), |v| format!("{v:.d$}"));
        t.row(vec![
            f("x", 0),
            f("t_x", 0),
            f("n", 0),
            f("weight", 0),
            f("p_alive", 3),
            f("expected_transactions", 3),
        ]);
    }
    println!("{}", t.render());
    Ok(())
}
