//! `patron import`: every source into the store, in one transaction.

use crate::cli::{Global, ImportArgs};
use crate::error::Rejected;
use crate::output::{Table, count, print_json, progress};
use crate::project::Project;
use anyhow::{Context, Result};
use patron_ingest::{Chunk, CustomerSet, ReadOptions, Rejection, Sink, SourceReport, read_sources};
use patron_store::{ImportWriter, SourceRecord, WriteCounts};
use serde::Serialize;
use std::collections::BTreeMap;
use std::ops::ControlFlow;
use std::path::Path;
use tokio::sync::mpsc;

/// What the reader thread sends to the writer.
enum Message {
    Chunk(Chunk),
    Reject(Rejection),
    Progress {
        source: String,
        done: u64,
        total: u64,
    },
}

/// Forwards records from the blocking reader to the async writer; stops when the writer hangs up.
struct ChannelSink(mpsc::Sender<Message>);

impl ChannelSink {
    fn send(&self, m: Message) -> ControlFlow<()> {
        if self.0.blocking_send(m).is_ok() {
            ControlFlow::Continue(())
        } else {
            ControlFlow::Break(())
        }
    }
}

impl Sink for ChannelSink {
    fn chunk(&mut self, chunk: Chunk) -> ControlFlow<()> {
        self.send(Message::Chunk(chunk))
    }
    fn reject(&mut self, rejection: Rejection) -> ControlFlow<()> {
        self.send(Message::Reject(rejection))
    }
    fn progress(&mut self, source: &str, done: u64, total: u64) {
        let _ = self.send(Message::Progress {
            source: source.to_owned(),
            done,
            total,
        });
    }
}

/// One source's line in the summary.
#[derive(Debug, Serialize)]
pub struct SourceSummary {
    #[serde(flatten)]
    pub read: SourceReport,
    /// New records written.
    pub imported: u64,
    /// Existing records changed (customers).
    pub updated: u64,
    /// Records already in the store.
    pub duplicates: u64,
}

/// The result of an import.
#[derive(Debug, Serialize)]
pub struct ImportSummary {
    pub import_id: i64,
    pub sources: Vec<SourceSummary>,
    pub rejected: u64,
    pub rejects_file: Option<String>,
}

/// Imports the project's sources; on any failure nothing is written.
pub async fn import_project(
    project: &Project,
    args: &ImportArgs,
    quiet: bool,
) -> Result<ImportSummary> {
    let mut config = project.config.clone();
    if !args.sources.is_empty() {
        for name in &args.sources {
            anyhow::ensure!(
                config.sources.contains_key(name),
                "there is no [sources.{name}] in patron.toml"
            );
        }
        config.sources.retain(|name, _| args.sources.contains(name));
    }
    if let Some(path) = &args.rejects {
        check_writable(path)?;
    }
    let store = project.create_store().await?;
    let known: CustomerSet = store.customer_ids().await?.into_iter().collect();
    let (sender, mut receiver) = mpsc::channel::<Message>(4);
    let options = ReadOptions {
        project_dir: project.dir.clone(),
        known_customers: known,
    };
    let reader = tokio::task::spawn_blocking(move || {
        read_sources(&config, options, &mut ChannelSink(sender))
    });

    let mut writer = store.begin_import().await?;
    let mut written: BTreeMap<String, WriteCounts> = BTreeMap::new();
    let mut rejections: Vec<Rejection> = Vec::new();
    let bar = progress(0, "reading", quiet);
    let mut write_error = None;
    while let Some(message) = receiver.recv().await {
        match message {
            Message::Progress {
                source,
                done,
                total,
            } => {
                bar.set_length(total);
                bar.set_position(done);
                bar.set_message(source);
            }
            Message::Reject(r) => {
                rejections.push(r);
                if rejections.len() as u64 > args.max_errors {
                    break;
                }
            }
            Message::Chunk(chunk) => match write_chunk(writer.as_mut(), &chunk).await {
                Ok(counts) => *written.entry(chunk.source.clone()).or_default() += counts,
                Err(e) => {
                    write_error = Some(e);
                    break;
                }
            },
        }
    }
    drop(receiver);
    bar.finish_and_clear();
    let read_result = reader.await.context("the reader thread failed")?;
    let too_many = rejections.len() as u64 > args.max_errors;
    let reports = match (read_result, write_error, too_many) {
        (Ok(reports), None, false) => reports,
        (read_result, write_error, _) => {
            writer.rollback().await?;
            if let Some(e) = write_error {
                return Err(e.context("writing to the store failed; nothing was imported"));
            }
            if too_many {
                print_rejections(&rejections, 10);
                if let Some(path) = &args.rejects {
                    write_rejects(path, &rejections)?;
                }
                return Err(Rejected {
                    rejected: rejections.len() as u64,
                    allowed: args.max_errors,
                }
                .into());
            }
            return Err(read_result
                .err()
                .map_or_else(|| anyhow::anyhow!("import failed"), anyhow::Error::from));
        }
    };
    let summary = summarise(reports, written);
    let records: Vec<SourceRecord> = summary
        .iter()
        .map(|s| SourceRecord {
            name: s.read.source.clone(),
            entity: s.read.entity.map_or_else(String::new, |e| e.to_string()),
            path: s.read.path.display().to_string(),
            rows_new: s.imported,
        })
        .collect();
    // The rejected rows are written before the import commits: if they cannot be, nothing is
    // imported (rather than rows imported and their rejects lost).
    let rejects_file = match (&args.rejects, rejections.is_empty()) {
        (Some(path), false) => {
            if let Err(e) = write_rejects(path, &rejections) {
                writer.rollback().await?;
                return Err(e.context("nothing was imported"));
            }
            Some(path.display().to_string())
        }
        _ => None,
    };
    let import_id = writer
        .commit(&records, serde_json::to_value(&summary)?)
        .await?;
    if !rejections.is_empty() && rejects_file.is_none() {
        print_rejections(&rejections, 10);
    }
    Ok(ImportSummary {
        import_id,
        sources: summary,
        rejected: rejections.len() as u64,
        rejects_file,
    })
}

fn summarise(
    reports: Vec<SourceReport>,
    mut written: BTreeMap<String, WriteCounts>,
) -> Vec<SourceSummary> {
    reports
        .into_iter()
        .map(|read| {
            let w = written.remove(&read.source).unwrap_or_default();
            SourceSummary {
                read,
                imported: w.inserted,
                updated: w.updated,
                duplicates: w.duplicates,
            }
        })
        .collect()
}

async fn write_chunk(writer: &mut dyn ImportWriter, chunk: &Chunk) -> Result<WriteCounts> {
    // Stubs are written first (facts refer to them) but not counted: the reader counts them.
    let mut counts = writer.write_customers(&chunk.customers).await?;
    counts += writer.write_order_lines(&chunk.order_lines).await?;
    counts += writer.write_events(&chunk.events).await?;
    counts += writer.write_tickets(&chunk.tickets).await?;
    counts += writer.write_invoices(&chunk.invoices).await?;
    counts += writer.write_outcomes(&chunk.outcomes).await?;
    Ok(counts)
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
pub fn print_summary(summary: &ImportSummary) {
    let mut t = Table::new(&[
        "source",
        "entity",
        "read",
        "filtered",
        "rejected",
        "imported",
        "updated",
        "duplicates",
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
            count(r.stubs_created),
        ]);
    }
    println!("{}", t.render());
    if let Some(f) = &summary.rejects_file {
        println!("{} rejected row(s) written to {f}", count(summary.rejected));
    }
}

/// `patron import`.
pub async fn run(global: &Global, args: &ImportArgs) -> Result<()> {
    let project = Project::load(global)?;
    let summary = import_project(&project, args, global.quiet || global.json).await?;
    if global.json {
        print_json(&summary)
    } else {
        print_summary(&summary);
        Ok(())
    }
}
