//! Importing the project's sources into the store, in one transaction: everything or nothing.
//!
//! The sources are read and validated on a blocking thread (patron-ingest); a rejected row is
//! kept with its file, line, column and value. The parsed records are held in memory, without
//! touching the store's write lock, until the sources are read or `buffer_rows` records are
//! waiting: only then is the writer lock taken and the transaction begun, so other writers wait
//! for the writing, not for the parsing. Larger imports then stream the rest. If more rows are
//! rejected than allowed, or reading or writing fails, the transaction is rolled back.

use crate::project::Project;
use crate::{AppError, Progress};
use patron_ingest::{Chunk, CustomerSet, ReadOptions, Rejection, Sink, SourceReport, read_sources};
use patron_store::{ImportWriter, LockHolder, SourceRecord, Store, WriteCounts, WriterLock};
use serde::Serialize;
use std::collections::BTreeMap;
use std::ops::ControlFlow;
use tokio::sync::mpsc;

/// What to import.
#[derive(Debug, Clone)]
pub struct ImportRequest {
    /// Only these sources (default: all of `patron.toml`).
    pub sources: Vec<String>,
    /// Rows that may be rejected before the whole import is refused.
    pub max_errors: u64,
    /// Parsed records held in memory before the store is written (see the module docs).
    pub buffer_rows: usize,
    /// Take the store's writer lock (one writer at a time) just before writing.
    pub writer_lock: Option<LockRequest>,
}

/// How an import takes the store's writer lock.
#[derive(Debug, Clone)]
pub struct LockRequest {
    /// The command named to other writers that wait ("import").
    pub command: String,
    /// Wait for another writer (telling [`Progress::waiting`]) rather than fail at once.
    pub wait: bool,
}

/// Parsed records held before writing by default: about 300 MB of memory at most, more than
/// most imports have, so most never hold the lock while parsing.
pub const DEFAULT_BUFFER_ROWS: usize = 1_000_000;

impl Default for ImportRequest {
    fn default() -> Self {
        ImportRequest {
            sources: Vec::new(),
            max_errors: 0,
            buffer_rows: DEFAULT_BUFFER_ROWS,
            writer_lock: None,
        }
    }
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

    let mut pending: Vec<Chunk> = Vec::new();
    let mut pending_rows = 0usize;
    let mut open: Option<OpenImport> = None;
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
            Message::Chunk(chunk) => {
                pending_rows += chunk.rows();
                pending.push(chunk);
                if pending_rows < request.buffer_rows {
                    continue;
                }
                let result = match &mut open {
                    Some(import) => Ok(import),
                    None => OpenImport::begin(project, store, request, progress)
                        .await
                        .map(|import| open.insert(import)),
                };
                let written_now = match result {
                    Ok(import) => write_chunks(import, &mut pending, &mut written).await,
                    Err(e) => Err(e),
                };
                pending_rows = 0;
                if let Err(e) = written_now {
                    write_error = Some(e);
                    break;
                }
            }
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
            if let Some(import) = open {
                import.writer.rollback().await?;
            }
            if let Some(e) = write_error {
                return Err(e);
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
    // Everything is read and valid: now the store is written (if it was not already).
    let mut txn = match open {
        Some(txn) => txn,
        None => OpenImport::begin(project, store, request, progress).await?,
    };
    if let Err(e) = write_chunks(&mut txn, &mut pending, &mut written).await {
        txn.writer.rollback().await?;
        return Err(e);
    }
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
        txn.writer.rollback().await?;
        return Err(AppError::RejectsNotKept(why));
    }
    let import_id = txn.writer.commit(&records, stored_summary).await?;
    drop(txn.lock);
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

/// An import whose writing has begun: the writer lock (when asked for) and the transaction.
struct OpenImport {
    lock: Option<WriterLock>,
    writer: Box<dyn ImportWriter>,
}

impl OpenImport {
    /// Takes the writer lock (when the request asks for it), then begins the transaction.
    async fn begin(
        project: &Project,
        store: &dyn Store,
        request: &ImportRequest,
        progress: &mut dyn Progress,
    ) -> Result<OpenImport, AppError> {
        let lock = match &request.writer_lock {
            Some(want) => {
                let db = patron_store::store_file(&project.store_url, &project.dir)?;
                let on_wait = |holder: &LockHolder| {
                    progress.waiting(&format!(
                        "{}; waiting… (--no-wait to refuse at once)",
                        holder.describe()
                    ))
                };
                Some(WriterLock::acquire(&db, &want.command, want.wait, on_wait).await?)
            }
            None => None,
        };
        progress.stage("writing", None);
        let writer = store.begin_import().await?;
        Ok(OpenImport { lock, writer })
    }
}

/// Writes the buffered chunks (emptying the buffer) and counts what they changed.
async fn write_chunks(
    import: &mut OpenImport,
    pending: &mut Vec<Chunk>,
    written: &mut BTreeMap<String, WriteCounts>,
) -> Result<(), AppError> {
    for chunk in pending.drain(..) {
        let counts = write_chunk(import.writer.as_mut(), &chunk).await?;
        *written.entry(chunk.source.clone()).or_default() += counts;
    }
    Ok(())
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
    counts += writer.write_contracts(&chunk.contracts).await?;
    counts += writer.delete_facts(&chunk.deletions).await?;
    Ok(counts)
}
