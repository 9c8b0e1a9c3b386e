//! `patron feedback import FILE`: observed outcomes (churned, converted, offer answers, …)
//! appended to the store, so the next `patron models train` and `patron models report` learn
//! from them.
//!
//! The file is CSV with a header holding `customer_id`, `kind` and `at` and optionally
//! `label`. All or nothing: every row is checked first (known customer, kind in lower snake
//! case, a date), every rejection is printed with its line and column, and one bad row leaves
//! the store unchanged. Outcomes deduplicate by (customer, kind, time), so importing a file
//! twice changes nothing.

use crate::cli::Global;
use crate::error::Rejected;
use crate::output::print_json;
use anyhow::{Context, Result};
use clap::{Args, Subcommand};
use patron_core::Timestamp;
use patron_core::ids::CustomerId;
use patron_core::model::Outcome;
use serde_json::json;
use std::collections::HashSet;
use std::path::PathBuf;

/// `patron feedback …`.
#[derive(Debug, Subcommand)]
pub enum FeedbackCommand {
    /// Append outcomes from a CSV file (customer_id,kind,at[,label]) to the store.
    #[command(
        after_help = "Example:\n  patron feedback import answers.csv --json\n\nThe file:\n  customer_id,kind,at,label\n  C000042,offer_accepted,2026-07-02,SKU-1234\n  C000107,churned,2026-07-03,"
    )]
    Import(ImportArgs),
}

/// `patron feedback import`.
#[derive(Debug, Args)]
pub struct ImportArgs {
    /// The CSV file.
    pub file: PathBuf,
}

/// Most rejections printed.
const SHOWN: usize = 20;

/// `patron feedback …`.
pub async fn run(global: &Global, command: &FeedbackCommand) -> Result<()> {
    match command {
        FeedbackCommand::Import(args) => import(global, args).await,
    }
}

async fn import(global: &Global, args: &ImportArgs) -> Result<()> {
    let project = crate::project::load(global)?;
    let store = project.open_store().await?;
    let known: HashSet<CustomerId> = store.customer_ids().await?.into_iter().collect();
    let name = args.file.display().to_string();
    let (outcomes, rejections) = read(&args.file, &name, &known)?;
    if !rejections.is_empty() {
        for r in rejections.iter().take(SHOWN) {
            eprintln!("{r}");
        }
        if rejections.len() > SHOWN {
            eprintln!("… and {} more", rejections.len() - SHOWN);
        }
        return Err(Rejected {
            rejected: rejections.len() as u64,
            allowed: 0,
        }
        .into());
    }
    let recorded = patron_app::feedback::record_outcomes(store.as_ref(), &outcomes, &name).await?;
    let (counts, import_id) = (recorded.counts, recorded.import_id);
    if global.json {
        return print_json(&json!({
            "file": name,
            "rows": outcomes.len(),
            "inserted": counts.inserted,
            "duplicates": counts.duplicates,
            "import_id": import_id,
        }));
    }
    println!(
        "{name}: {} outcomes, {} new, {} already known (import {import_id})",
        outcomes.len(),
        counts.inserted,
        counts.duplicates
    );
    Ok(())
}

/// The outcomes of the file, and a message for every bad cell.
fn read(
    path: &std::path::Path,
    name: &str,
    known: &HashSet<CustomerId>,
) -> Result<(Vec<Outcome>, Vec<String>)> {
    let mut reader = csv::ReaderBuilder::new()
        .trim(csv::Trim::All)
        .flexible(false)
        .from_path(path)
        .with_context(|| format!("cannot read {name}"))?;
    let header = reader
        .headers()
        .with_context(|| format!("{name}: unreadable header"))?
        .clone();
    let column = |c: &str| header.iter().position(|h| h == c);
    let mut rejections = Vec::new();
    let (Some(who), Some(kind), Some(at)) = (column("customer_id"), column("kind"), column("at"))
    else {
        rejections.push(format!(
            "{name}:1: the header needs the columns customer_id, kind and at (found: {})",
            header.iter().collect::<Vec<_>>().join(", ")
        ));
        return Ok((Vec::new(), rejections));
    };
    let label = column("label");
    let mut outcomes = Vec::new();
    for record in reader.records() {
        let record = match record {
            Ok(r) => r,
            Err(e) => {
                let line = e.position().map_or(0, |p| p.line());
                rejections.push(format!("{name}:{line}: unreadable row: {e}"));
                continue;
            }
        };
        let line = record.position().map_or(0, |p| p.line());
        let cell = |i: usize| record.get(i).unwrap_or("");
        let bad = |col: usize, what: &str| {
            format!(
                "{name}:{line}: column \"{}\": value \"{}\": {what}",
                &header[col],
                cell(col)
            )
        };
        let customer = match CustomerId::parse(cell(who)) {
            Ok(id) if known.contains(&id) => Some(id),
            Ok(_) => {
                rejections.push(bad(who, "unknown customer"));
                None
            }
            Err(e) => {
                rejections.push(bad(who, &e.to_string()));
                None
            }
        };
        let k = cell(kind);
        let kind_ok = !k.is_empty()
            && k.bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_');
        if !kind_ok {
            rejections.push(bad(
                kind,
                "expected a kind in lower snake case (churned, converted, offer_accepted, …)",
            ));
        }
        let time = match Timestamp::parse_flexible(cell(at)) {
            Ok(t) if patron_core::limits::time_in_range(t) => Some(t),
            Ok(_) => {
                let range = patron_core::limits::time_range();
                rejections.push(bad(at, &format!("expected {range}")));
                None
            }
            Err(_) => {
                rejections.push(bad(at, "expected a date or time (YYYY-MM-DD[ HH:MM:SS])"));
                None
            }
        };
        if let (Some(customer_id), Some(at), true) = (customer, time, kind_ok) {
            outcomes.push(Outcome {
                customer_id,
                kind: k.to_owned(),
                at,
                label: label.map(cell).filter(|l| !l.is_empty()).map(str::to_owned),
            });
        }
    }
    Ok((outcomes, rejections))
}
