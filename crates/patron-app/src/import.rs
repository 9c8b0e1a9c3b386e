//! Importing the project's sources into the store, in one transaction: everything or nothing.
//!
//! The sources are read and validated on a blocking thread (patron-ingest) while this task
//! writes their records; a rejected row is kept with its file, line, column and value. If more
//! rows are rejected than allowed, or reading or writing fails, the transaction is rolled back.

use crate::project::Project;
use crate::{AppError, Progress};
use patron_ingest::{Chunk, CustomerSet, ReadOptions, Rejection, Sink, SourceReport, read_sources};
use patron_store::{ImportWriter, SourceRecord, Store, WriteCounts};
use serde::Serialize;
use std::collections::BTreeMap;
use std::ops::ControlFlow;
use tokio::sync::mpsc;

/// What to import.
#[derive(Debug, Clone, Default)]
pub struct ImportRequest {
    /// Only these sources (default: all of `patron.toml`).
    pub sources: Vec<String>,
    /// Rows that may be rejected before the whole import is refused.
    pub max_errors: u64,
}

/// One source's line in the summary.
#[derive(Debug, Serialize)]
pub struct SourceSummary {
    /// What the reader saw.
    #[serde(flatten)]
    pub read: SourceReport,
    /// New records written.
    pub imported: u64,
    /// Existing records changed (corrections; the old versions are in the fact history).
    pub updated: u64,
    /// Records already in the store.
    pub duplicates: u64,
    /// Stored facts deleted by rows with `deleted = true`.
    pub deleted: u64,
}

/// A committed import.
#[derive(Debug)]
pub struct Imported {
    /// The import's id in the store.
    pub import_id: i64,
    /// Per source.
    pub sources: Vec<SourceSummary>,
    /// Rows rejected (within `max_errors`), not imported.
    pub rejections: Vec<Rejection>,
}

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

/// Forwards records from the blocking reader to the async writer; stops when the writer hangs
/// up.
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

/// Imports the project's sources into `store`; on any failure nothing is written.
pub async fn import(
    project: &Project,
    store: &dyn Store,
    request: &ImportRequest,
    progress: &mut dyn Progress,
) -> Result<Imported, AppError> {
    import_with(project, store, request, progress, &mut |_| Ok(())).await
}

/// [`import`], calling `before_commit` with the rejected rows (within `max_errors`) just
/// before the import commits: where the caller keeps them (a rejects file). If it fails, the
/// import is rolled back.
pub async fn import_with(
    project: &Project,
    store: &dyn Store,
    request: &ImportRequest,
    progress: &mut dyn Progress,
    before_commit: &mut dyn FnMut(&[Rejection]) -> Result<(), String>,
) -> Result<Imported, AppError> {
    let mut config = project.config.clone();
    if !request.sources.is_empty() {
        if let Some(name) = request
            .sources
            .iter()
            .find(|n| !config.sources.contains_key(*n))
        {
            return Err(AppError::UnknownSource(name.clone()));
        }
        config
            .sources
            .retain(|name, _| request.sources.contains(name));
    }
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
    let mut write_error = None;
    progress.stage("reading", Some(0));
    while let Some(message) = receiver.recv().await {
        match message {
            Message::Progress {
                source,
                done,
                total,
            } => {
                progress.message(&source);
                progress.position(done, total);
            }
            Message::Reject(r) => {
                rejections.push(r);
                if rejections.len() as u64 > request.max_errors {
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
    let read_result = reader
        .await
        .map_err(|e| AppError::Corrupt(format!("the reader thread failed: {e}")))?;
    let too_many = rejections.len() as u64 > request.max_errors;
    let reports = match (read_result, write_error, too_many) {
        (Ok(reports), None, false) => reports,
        (read_result, write_error, _) => {
            writer.rollback().await?;
            if let Some(e) = write_error {
                return Err(AppError::Store(e));
            }
            if too_many {
                return Err(AppError::Rejected {
                    allowed: request.max_errors,
                    rejections,
                });
            }
            return Err(match read_result {
                Err(e) => AppError::Ingest(e),
                Ok(_) => AppError::Corrupt("the import stopped without a reason".into()),
            });
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
    let stored_summary =
        serde_json::to_value(&summary).map_err(|e| AppError::Corrupt(e.to_string()))?;
    if let Err(why) = before_commit(&rejections) {
        writer.rollback().await?;
        return Err(AppError::RejectsNotKept(why));
    }
    let import_id = writer.commit(&records, stored_summary).await?;
    Ok(Imported {
        import_id,
        sources: summary,
        rejections,
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
                deleted: w.deleted,
            }
        })
        .collect()
}

async fn write_chunk(
    writer: &mut dyn ImportWriter,
    chunk: &Chunk,
) -> Result<WriteCounts, patron_store::StoreError> {
    // Stubs are written first (facts refer to them) but not counted: the reader counts them.
    let mut counts = writer.write_customers(&chunk.customers).await?;
    counts += writer.write_order_lines(&chunk.order_lines).await?;
    counts += writer.write_events(&chunk.events).await?;
    counts += writer.write_tickets(&chunk.tickets).await?;
    counts += writer.write_invoices(&chunk.invoices).await?;
    counts += writer.write_outcomes(&chunk.outcomes).await?;
    counts += writer.delete_facts(&chunk.deletions).await?;
    Ok(counts)
}
