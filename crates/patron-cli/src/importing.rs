//! The import as the CLI runs it, for `patron import` and `patron bench import`: the use case,
//! with rejected rows printed or written to `--rejects` (checked before anything is read,
//! written before the import commits).

use crate::cli::ImportArgs;
use crate::error::Rejected;
use crate::output::{Stages, Table, count};
use crate::project::Project;
use anyhow::{Context, Result};
use patron_app::AppError;
use patron_app::ImportRequest;
use patron_app::import::LockRequest;
use patron_app::import::{Imported, SourceSummary};
use patron_ingest::Rejection;
use serde::Serialize;
use std::path::Path;

/// The result of an import, as printed.
#[derive(Debug, Serialize)]
pub struct ImportSummary {
    pub import_id: i64,
    pub sources: Vec<SourceSummary>,
    pub rejected: u64,
    pub rejects_file: Option<String>,
}

/// Imports the project's sources; on any failure nothing is written. Rejected rows are
/// printed (the first ten) or written to `--rejects`.
pub async fn import_project(
    project: &Project,
    args: &ImportArgs,
    quiet: bool,
    wait: bool,
) -> Result<ImportSummary> {
    if let Some(path) = &args.rejects {
        check_writable(path)?;
    }
    let store = project.create_store().await?;
    let request = ImportRequest {
        sources: args.sources.clone(),
        max_errors: args.max_errors,
        writer_lock: Some(LockRequest {
            command: "import".into(),
            wait,
        }),
        ..ImportRequest::default()
    };
    let mut stages = Stages::new(quiet);
    // The rejected rows are written before the import commits: if they cannot be, nothing is
    // imported (rather than rows imported and their rejects lost).
    let mut rejects_file = None;
    let mut keep_rejects = |rejections: &[Rejection]| -> std::result::Result<(), String> {
        if let (Some(path), false) = (&args.rejects, rejections.is_empty()) {
            write_rejects(path, rejections).map_err(|e| format!("{e:#}"))?;
            rejects_file = Some(path.display().to_string());
        }
        Ok(())
    };
    let result = patron_app::import::import_with(
        project,
        store.as_ref(),
        &request,
        &mut stages,
        &mut keep_rejects,
    )
    .await;
    stages.clear();
    let imported = match result {
        Ok(imported) => imported,
        Err(AppError::Rejected {
            allowed,
            rejections,
        }) => {
            print_rejections(&rejections, 10);
            if let Some(path) = &args.rejects {
                write_rejects(path, &rejections)?;
            }
            return Err(Rejected {
                rejected: rejections.len() as u64,
                allowed,
            }
            .into());
        }
        Err(e @ AppError::Store(_)) => {
            return Err(
                anyhow::Error::from(e).context("writing to the store failed; nothing was imported")
            );
        }
        Err(e) => return Err(e.into()),
    };
    let rejections = &imported.rejections;
    if !rejections.is_empty() && rejects_file.is_none() {
        print_rejections(rejections, 10);
    }
    Ok(ImportSummary::of(imported, rejects_file))
}

impl ImportSummary {
    /// The summary of a committed import whose rejected rows went to `rejects_file`.
    pub fn of(imported: Imported, rejects_file: Option<String>) -> Self {
        ImportSummary {
            import_id: imported.import_id,
            rejected: imported.rejections.len() as u64,
            sources: imported.sources,
            rejects_file,
        }
    }
}

fn print_rejections(rejections: &[Rejection], limit: usize) {
    for r in rejections.iter().take(limit) {
        eprintln!("rejected: {r}");
    }
    if rejections.len() > limit {
        eprintln!("… and {} more rejected row(s)", rejections.len() - limit);
    }
}

/// Fails early, before anything is read, when `path` cannot be written (leaves no file behind).
fn check_writable(path: &Path) -> Result<()> {
    let existed = path.exists();
    std::fs::OpenOptions::new()
        .append(true)
        .create(true)
        .open(path)
        .with_context(|| {
            format!(
                "--rejects: cannot write {}; nothing was imported",
                path.display()
            )
        })?;
    if !existed {
        let _ = std::fs::remove_file(path);
    }
    Ok(())
}

/// Writes rejected rows as CSV; `line` is the text line (header included) or, for Parquet
/// sources, the 1-based data row.
fn write_rejects(path: &Path, rejections: &[Rejection]) -> Result<()> {
    let mut w =
        csv::Writer::from_path(path).with_context(|| format!("cannot write {}", path.display()))?;
    w.write_record([
        "source", "file", "line", "column", "value", "reason", "record",
    ])?;
    for r in rejections {
        w.write_record([
            r.source.as_str(),
            &r.file.display().to_string(),
            &r.line.to_string(),
            r.column.as_deref().unwrap_or(""),
            r.value.as_deref().unwrap_or(""),
            &r.reason,
            &r.record,
        ])?;
    }
    w.flush()?;
    Ok(())
}

/// Prints the summary table.
pub fn print_import(summary: &ImportSummary) {
    let mut t = Table::new(&[
        "source",
        "entity",
        "read",
        "filtered",
        "rejected",
        "imported",
        "updated",
        "duplicates",
        "deleted",
        "stubs",
    ]);
    for s in &summary.sources {
        let r = &s.read;
        t.row(vec![
            r.source.clone(),
            r.entity.map_or_else(String::new, |e| e.to_string()),
            count(r.rows_read),
            count(r.rows_filtered),
            count(r.rows_rejected),
            count(s.imported),
            count(s.updated),
            count(s.duplicates),
            count(s.deleted),
            count(r.stubs_created),
        ]);
    }
    println!("{}", t.render());
    if let Some(f) = &summary.rejects_file {
        println!("{} rejected row(s) written to {f}", count(summary.rejected));
    }
}
