//! `patron export`: the card fields of every customer matching a condition, as CSV, JSON or
//! Parquet, from a stored score run.

use crate::cli::{ExportArgs, ExportFormat, Global};
use anyhow::{Context, Result};
use patron_app::cards::{card_filter, matching_cards};
use patron_engine::scorecard::ExportRow;
use std::io::Write;

/// `patron export`.
pub async fn run(global: &Global, args: &ExportArgs) -> Result<()> {
    let project = crate::project::load(global)?;
    let filter = card_filter(&project, args.condition.as_deref(), args.segment.as_deref())?;
    let store = project.open_store().await?;
    let (run, cards) = matching_cards(store.as_ref(), args.run, filter.as_ref()).await?;
    let run_id = run.id;
    let mut rows: Vec<ExportRow> = cards.iter().map(ExportRow::of).collect();
    if args.pseudonymise {
        patron_app::pseudonyms::of_store(store.as_ref())
            .await?
            .rows(&mut rows);
    }
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
            crate::parquet::write(path, &rows)?;
            out = Box::new(std::io::sink());
        }
    }
    out.flush()?;
    if args.output.is_some() && !global.quiet {
        eprintln!("{} customers exported from score run {run_id}", rows.len());
    }
    Ok(())
}

/// CSV with a header; `german`: `;`, decimal comma, Windows-1252 (what Excel in Germany opens).
fn write_csv(out: &mut dyn Write, rows: &[ExportRow], german: bool) -> Result<()> {
    out.write_all(&patron_app::export::csv_rows(rows, true, german)?)?;
    Ok(())
}
