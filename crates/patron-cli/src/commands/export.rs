//! `patron export`: the card fields of every customer matching a condition, as CSV, JSON or
//! Parquet, from a stored score run.

use crate::cli::{ExportArgs, ExportFormat, Global};
use crate::error::BadFilter;
use crate::project::Project;
use anyhow::{Context, Result};
use patron_engine::scorecard::{Card, CardFilter};
use serde_json::{Value, json};
use std::io::Write;

/// The exported columns, in order.
pub const COLUMNS: &[&str] = &[
    "customer_id",
    "tier",
    "status",
    "value_score",
    "churn_risk",
    "clv",
    "stage",
    "action",
    "action_rule",
    "portfolio",
    "p_alive",
    "potential",
    "revenue",
    "margin",
    "orders",
    "days_since_last_order",
    "rfm_segment",
    "abc",
    "payment_risk",
    "payment_band",
    "alarms",
    "offer",
    "next_purchase",
    "lead",
    "profiling",
];

fn row(c: &Card) -> Value {
    json!({
        "customer_id": c.customer_id, "tier": c.tier, "status": c.status, "value_score": c.value_score,
        "churn_risk": c.churn_risk, "clv": c.clv, "stage": c.stage, "action": c.action,
        "action_rule": c.action_rule, "portfolio": c.portfolio, "p_alive": c.p_alive, "potential": c.potential,
        "revenue": c.revenue, "margin": c.margin, "orders": c.orders,
        "days_since_last_order": c.days_since_last_order, "rfm_segment": c.rfm_segment, "abc": c.abc,
        "payment_risk": c.payment_risk, "payment_band": c.payment_band,
        "alarms": c.alarms.iter().map(|a| a.kind.as_str()).collect::<Vec<_>>().join("|"),
        "offer": c.offer, "next_purchase": c.next_purchase.map(|t| t.date().to_string()),
        "lead": c.lead, "profiling": c.profiling,
    })
}

/// The condition of `--where` and `--segment`, compiled.
pub fn filter(
    project: &Project,
    condition: Option<&str>,
    segment: Option<&str>,
) -> Result<Option<CardFilter>> {
    let text = match (condition, segment) {
        (Some(c), None) => c.to_owned(),
        (None, Some(name)) => project
            .config
            .segments
            .get(name)
            .map(|s| s.condition.clone())
            .with_context(|| {
                let names: Vec<&str> = project.config.segments.keys().map(String::as_str).collect();
                format!(
                    "no segment {name:?} in patron.toml{}",
                    patron_core::config::did_you_mean(name, names.iter().copied())
                )
            })?,
        (Some(_), Some(_)) => anyhow::bail!(BadFilter("use --where or --segment, not both".into())),
        (None, None) => return Ok(None),
    };
    CardFilter::compile(&text).map(Some).map_err(|e| {
        BadFilter(format!(
            "{text:?}: {e}; fields: {}",
            patron_engine::scorecard::field_names().join(", ")
        ))
        .into()
    })
}

/// The matching cards of a run (default: the latest).
pub async fn matching_cards(
    project: &Project,
    run: Option<i64>,
    filter: Option<&CardFilter>,
) -> Result<(i64, Vec<Card>)> {
    let store = project.open_store().await?;
    let run = store
        .score_run(run)
        .await?
        .context("no score run yet: run `patron score` first")?;
    // Chunk by chunk: only the matching cards are kept, and each chunk is parsed on all threads.
    let mut out = Vec::new();
    let mut chunks = store.card_chunks(run.id).await?;
    while let Some(chunk) = chunks.recv().await {
        let cards: Vec<Card> = {
            use rayon::prelude::*;
            chunk?
                .par_iter()
                .map(|record| serde_json::from_str(&record.card))
                .collect::<Result<_, _>>()?
        };
        out.extend(
            cards
                .into_iter()
                .filter(|card| filter.is_none_or(|f| f.matches(card))),
        );
    }
    Ok((run.id, out))
}

/// `patron export`.
pub async fn run(global: &Global, args: &ExportArgs) -> Result<()> {
    let project = crate::project::load(global)?;
    let filter = filter(&project, args.condition.as_deref(), args.segment.as_deref())?;
    let (run_id, cards) = matching_cards(&project, args.run, filter.as_ref()).await?;
    let rows: Vec<Value> = cards.iter().map(row).collect();
    let mut out: Box<dyn Write> = match &args.output {
        Some(path) => Box::new(std::io::BufWriter::new(
            std::fs::File::create(path)
                .with_context(|| format!("cannot create {}", path.display()))?,
        )),
        None => Box::new(std::io::BufWriter::new(std::io::stdout().lock())),
    };
    match args.format {
        ExportFormat::Json => {
            serde_json::to_writer_pretty(&mut out, &rows)?;
            writeln!(out)?;
        }
        ExportFormat::Csv => write_csv(&mut out, &rows, args.german)?,
        ExportFormat::Parquet => {
            let path = args
                .output
                .as_ref()
                .context("--format parquet needs --output FILE")?;
            drop(out);
            crate::commands::export_parquet::write(path, &rows)?;
            out = Box::new(std::io::sink());
        }
    }
    out.flush()?;
    if args.output.is_some() && !global.quiet {
        eprintln!("{} customers exported from score run {run_id}", rows.len());
    }
    Ok(())
}

fn cell(v: &Value, german: bool) -> String {
    match v {
        Value::Null => String::new(),
        Value::String(s) => s.clone(),
        Value::Number(n) => {
            let text = n.to_string();
            if german { text.replace('.', ",") } else { text }
        }
        Value::Bool(b) => b.to_string(),
        other => other.to_string(),
    }
}

/// CSV with a header; `german`: `;`, decimal comma, Windows-1252 (what Excel in Germany opens).
fn write_csv(out: &mut dyn Write, rows: &[Value], german: bool) -> Result<()> {
    let mut buffer = Vec::new();
    {
        let mut w = csv::WriterBuilder::new()
            .delimiter(if german { b';' } else { b',' })
            .from_writer(&mut buffer);
        w.write_record(COLUMNS)?;
        for r in rows {
            w.write_record(COLUMNS.iter().map(|c| cell(&r[*c], german)))?;
        }
        w.flush()?;
    }
    if german {
        let text = String::from_utf8(buffer)?;
        let (bytes, _, _) = encoding_rs::WINDOWS_1252.encode(&text);
        out.write_all(&bytes)?;
    } else {
        out.write_all(&buffer)?;
    }
    Ok(())
}
