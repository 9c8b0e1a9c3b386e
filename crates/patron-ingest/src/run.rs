//! Reading every source of a project, in dependency order, into chunks of records.

use crate::CHUNK_ROWS;
use crate::entities::{EntityBuilder, Record};
use crate::mapping::{Mapping, Row, RowError};
use crate::reader::{OpenError, RawRecord, ReadError, Records, decode, open_records};
use patron_core::config::{Encoding, ProjectConfig, SourceConfig, SourceFormat, UnknownCustomer};
use patron_core::ids::CustomerId;
use patron_core::model::{
    Contract, Customer, Entity, Event, FactKey, Invoice, OrderLine, Outcome, Ticket,
};
use serde::Serialize;
use std::fmt;
use std::ops::ControlFlow;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

/// Records of one source, ready to be written. Stub customers (for facts naming an unknown
/// customer in `create` mode) come in `customers` with `is_stub` set and must be written
/// before the facts.
#[derive(Debug, Default)]
pub struct Chunk {
    /// The source name.
    pub source: String,
    /// Customers (and stubs).
    pub customers: Vec<Customer>,
    /// Order lines.
    pub order_lines: Vec<OrderLine>,
    /// Events.
    pub events: Vec<Event>,
    /// Tickets.
    pub tickets: Vec<Ticket>,
    /// Invoices.
    pub invoices: Vec<Invoice>,
    /// Outcomes.
    pub outcomes: Vec<Outcome>,
    /// Contracts.
    pub contracts: Vec<Contract>,
    /// Facts to delete (rows with `deleted = true`), applied after the chunk's other records.
    pub deletions: Vec<FactKey>,
}

impl Chunk {
    fn new(source: &str) -> Self {
        Chunk {
            source: source.to_owned(),
            order_lines: Vec::with_capacity(CHUNK_ROWS),
            ..Default::default()
        }
    }
    /// The records in the chunk, of every kind.
    pub fn rows(&self) -> usize {
        self.customers.len()
            + self.order_lines.len()
            + self.events.len()
            + self.tickets.len()
            + self.invoices.len()
            + self.outcomes.len()
            + self.contracts.len()
            + self.deletions.len()
    }
    fn push(&mut self, record: Record) {
        match record {
            Record::Customer(c) => self.customers.push(c),
            Record::OrderLine(l) => self.order_lines.push(l),
            Record::Event(e) => self.events.push(e),
            Record::Ticket(t) => self.tickets.push(t),
            Record::Invoice(i) => self.invoices.push(i),
            Record::Outcome(o) => self.outcomes.push(o),
            Record::Contract(c) => self.contracts.push(c),
            Record::Deleted(k) => self.deletions.push(k),
        }
    }
}

/// What the `line` of a [`Rejection`] (or an [`InvalidValue`](crate::InvalidValue)) counts.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum LineUnit {
    /// Lines of a text file, the header line included: `orders.csv:12`.
    #[default]
    Line,
    /// Data rows of a Parquet file, from 1: `orders.parquet: row 11`.
    Row,
}

impl LineUnit {
    /// The unit of a source's records.
    pub fn of(source: &SourceConfig) -> Self {
        match source.resolved_format() {
            SourceFormat::Csv => LineUnit::Line,
            SourceFormat::Parquet => LineUnit::Row,
        }
    }
}

/// A rejected row: where it is, what is wrong, and the row itself.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Rejection {
    /// The source name.
    pub source: String,
    /// The file.
    pub file: PathBuf,
    /// 1-based line in the (decompressed) file; for Parquet, the 1-based row number (see
    /// `line_unit`).
    pub line: u64,
    /// Whether `line` counts lines or Parquet rows.
    pub line_unit: LineUnit,
    /// The source column (header name), when one is to blame.
    pub column: Option<String>,
    /// The offending value.
    pub value: Option<String>,
    /// What was expected.
    pub reason: String,
    /// The raw row, fields joined by the delimiter (by commas for Parquet, whose nested and
    /// other unread columns are empty).
    pub record: String,
}

impl fmt::Display for Rejection {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.line_unit {
            LineUnit::Line => write!(f, "{}:{}", self.file.display(), self.line)?,
            LineUnit::Row => write!(f, "{}: row {}", self.file.display(), self.line)?,
        }
        if let Some(c) = &self.column {
            write!(f, ": column {c:?}")?;
        }
        if let Some(v) = &self.value {
            write!(f, ": value {v:?}")?;
        }
        write!(f, ": {}", self.reason)
    }
}

/// Per-source counts.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct SourceReport {
    /// The source name.
    pub source: String,
    /// Its entity.
    pub entity: Option<Entity>,
    /// The file.
    pub path: PathBuf,
    /// Data rows read (header excluded).
    pub rows_read: u64,
    /// Rows left out by `skip` rules.
    pub rows_filtered: u64,
    /// Rows rejected.
    pub rows_rejected: u64,
    /// Rows parsed into records.
    pub rows_parsed: u64,
    /// Stub customers created for unknown ids.
    pub stubs_created: u64,
}

/// A failure that stops the whole import.
#[derive(Debug, thiserror::Error)]
pub enum IngestError {
    /// The file cannot be opened.
    #[error("[sources.{source_name}] cannot open {path}: {error}")]
    Open {
        /// Source name.
        source_name: String,
        /// File.
        path: PathBuf,
        /// Why.
        error: std::io::Error,
    },
    /// The header does not fit the mapping.
    #[error("[sources.{source_name}] {path}: {message}")]
    Header {
        /// Source name.
        source_name: String,
        /// File.
        path: PathBuf,
        /// What is wrong.
        message: String,
    },
    /// The file cannot be read to its end.
    #[error("{path}:{line}: {message}")]
    Read {
        /// Source name.
        source_name: String,
        /// File.
        path: PathBuf,
        /// Line where reading failed (for Parquet: the first row of the batch that failed).
        line: u64,
        /// What is wrong.
        message: String,
    },
    /// A format Patron does not read (no longer raised: CSV and Parquet are both read).
    #[error("[sources.{source_name}] {path}: {message}")]
    Unsupported {
        /// Source name.
        source_name: String,
        /// File.
        path: PathBuf,
        /// What is unsupported.
        message: String,
    },
    /// The sink asked to stop (too many rejections, or the writer failed).
    #[error("import stopped")]
    Stopped,
}

impl IngestError {
    fn open(name: &str, path: &Path, error: std::io::Error) -> Self {
        IngestError::Open {
            source_name: name.into(),
            path: path.into(),
            error,
        }
    }

    fn header(name: &str, path: &Path, message: String) -> Self {
        IngestError::Header {
            source_name: name.into(),
            path: path.into(),
            message,
        }
    }

    fn read(name: &str, path: &Path, e: ReadError) -> Self {
        let (line, message) = match e {
            ReadError::Io { line, error } => (
                line,
                format!("cannot read past this line: {error} (is the file truncated?)"),
            ),
            ReadError::Csv { line, message } => (line, message),
            ReadError::Parquet { line, message } => (
                line,
                format!(
                    "cannot decode the Parquet rows from row {line} on: {message} (is the file truncated or corrupt?)"
                ),
            ),
        };
        IngestError::Read {
            source_name: name.into(),
            path: path.into(),
            line,
            message,
        }
    }

    /// A stable machine-readable code.
    pub fn code(&self) -> patron_core::code::Code {
        use patron_core::code::Code;
        match self {
            IngestError::Open { .. } => Code::SourceUnreadable,
            IngestError::Header { .. } => Code::SourceHeaderMismatch,
            IngestError::Read { .. } => Code::SourceTruncated,
            IngestError::Unsupported { .. } => Code::SourceFormatUnsupported,
            IngestError::Stopped => Code::ImportStopped,
        }
    }
}

/// Where the records and rejections go. Returning `ControlFlow::Break` stops reading.
pub trait Sink {
    /// A chunk of records.
    fn chunk(&mut self, chunk: Chunk) -> ControlFlow<()>;
    /// A rejected row.
    fn reject(&mut self, rejection: Rejection) -> ControlFlow<()>;
    /// Progress: `done` of `total` bytes of the current source's file.
    fn progress(&mut self, _source: &str, _done: u64, _total: u64) {}
}

/// A set of customer ids (fast hashing: it is probed once per fact row).
pub type CustomerSet = rustc_hash::FxHashSet<CustomerId>;

/// Inputs besides the configuration.
pub struct ReadOptions {
    /// Paths in the configuration are relative to this directory.
    pub project_dir: PathBuf,
    /// Customer ids already in the store.
    pub known_customers: CustomerSet,
}

/// Reads every source (customers first) into `sink`. Returns per-source counts.
pub fn read_sources(
    config: &ProjectConfig,
    options: ReadOptions,
    sink: &mut dyn Sink,
) -> Result<Vec<SourceReport>, IngestError> {
    let mut order: Vec<(&String, &SourceConfig)> = config.sources.iter().collect();
    order.sort_by_key(|(name, s)| (s.entity, (*name).clone()));
    let mut known = options.known_customers;
    let mut reports = Vec::with_capacity(order.len());
    for (name, source) in order {
        let policy = source
            .unknown_customer
            .unwrap_or(config.import.unknown_customer);
        // "./x" reads worse than "x" in every message that names the file.
        let path = if options.project_dir == Path::new(".") {
            source.path.clone()
        } else {
            options.project_dir.join(&source.path)
        };
        reports.push(read_source(name, source, &path, policy, &mut known, sink)?);
    }
    Ok(reports)
}

/// A source opened for reading: its records after the header, and its compiled mapping.
pub(crate) struct OpenSource {
    pub records: Records,
    /// Columns in the header.
    pub width: usize,
    pub mapping: Mapping,
    /// How fields are decoded (Parquet text is always UTF-8).
    pub encoding: Encoding,
    /// What joins the fields of a rejected row.
    pub separator: String,
    pub line_unit: LineUnit,
}

impl OpenSource {
    /// Opens source `name` at `path` and compiles its mapping against the header.
    pub fn open(
        name: &str,
        source: &SourceConfig,
        path: &Path,
        count: Arc<AtomicU64>,
    ) -> Result<Self, IngestError> {
        let (records, header) = open_records(source, path, count).map_err(|e| match e {
            OpenError::Io(error) => IngestError::open(name, path, error),
            OpenError::Read(e) => IngestError::read(name, path, e),
            OpenError::Header(message) => IngestError::header(name, path, message),
        })?;
        let mapping = Mapping::compile(source, &header)
            .map_err(|message| IngestError::header(name, path, message))?;
        let line_unit = LineUnit::of(source);
        let (encoding, separator) = match line_unit {
            LineUnit::Row => (Encoding::Utf8, ",".to_owned()),
            LineUnit::Line => (
                source.encoding,
                source
                    .delimiter
                    .byte()
                    .map_or(" ".to_string(), |b| (b as char).to_string()),
            ),
        };
        Ok(OpenSource {
            records,
            width: header.names.len(),
            mapping,
            encoding,
            separator,
            line_unit,
        })
    }

    /// Reads the next record into `raw`; `Ok(false)` at the end.
    pub fn next(
        &mut self,
        name: &str,
        path: &Path,
        raw: &mut RawRecord,
    ) -> Result<bool, IngestError> {
        self.records
            .next(raw)
            .map_err(|e| IngestError::read(name, path, e))
    }

    /// The rejection of the row in `raw`.
    fn rejection(&self, name: &str, path: &Path, raw: &RawRecord, e: RowError) -> Rejection {
        let record = raw
            .record
            .iter()
            .map(|f| {
                decode(f, self.encoding)
                    .map(|s| s.into_owned())
                    .unwrap_or_else(|_| String::from_utf8_lossy(f).into_owned())
            })
            .collect::<Vec<_>>()
            .join(&self.separator);
        Rejection {
            source: name.into(),
            file: path.into(),
            line: raw.line,
            line_unit: self.line_unit,
            column: e.column,
            value: e.value,
            reason: e.reason,
            record,
        }
    }
}

fn read_source(
    name: &str,
    source: &SourceConfig,
    path: &Path,
    policy: UnknownCustomer,
    known: &mut CustomerSet,
    sink: &mut dyn Sink,
) -> Result<SourceReport, IngestError> {
    let total = std::fs::metadata(path)
        .map_err(|error| IngestError::open(name, path, error))?
        .len();
    let counter = Arc::new(AtomicU64::new(0));
    let mut open = OpenSource::open(name, source, path, counter.clone())?;
    let mut raw = RawRecord {
        record: csv::ByteRecord::new(),
        line: 0,
    };
    let mut builder = EntityBuilder::new(source.entity, &open.mapping);
    let mut report = SourceReport {
        source: name.into(),
        entity: Some(source.entity),
        path: path.into(),
        ..Default::default()
    };
    let mut chunk = Chunk::new(name);
    while open.next(name, path, &mut raw)? {
        report.rows_read += 1;
        if report.rows_read.is_multiple_of(8192) {
            sink.progress(name, counter.load(Ordering::Relaxed), total);
        }
        let row = Row {
            fields: &raw.record,
            encoding: open.encoding,
        };
        let result = if raw.record.len() != open.width {
            Err(field_count_error(raw.record.len(), open.width))
        } else if open.mapping.skips(&row) {
            report.rows_filtered += 1;
            continue;
        } else {
            builder.build(&mut open.mapping, &row).and_then(|record| {
                check_reference(
                    &record,
                    policy,
                    known,
                    &mut chunk,
                    &mut report,
                    &open.mapping,
                )
                .map(|()| record)
            })
        };
        let flow = match result {
            Ok(record) => accept(record, name, known, &mut chunk, &mut report, sink),
            Err(e) => {
                report.rows_rejected += 1;
                sink.reject(open.rejection(name, path, &raw, e))
            }
        };
        if flow.is_break() {
            return Err(IngestError::Stopped);
        }
    }
    sink.progress(name, total, total);
    if chunk.rows() > 0 && sink.chunk(chunk).is_break() {
        return Err(IngestError::Stopped);
    }
    Ok(report)
}

fn field_count_error(fields: usize, columns: usize) -> RowError {
    RowError {
        column: None,
        value: None,
        reason: format!(
            "the line has {fields} field(s) but the header has {columns} (a truncated line, a wrong delimiter, or an unquoted delimiter inside a value)"
        ),
    }
}

/// Adds a parsed record to the chunk, handing the chunk to the sink when it is full.
fn accept(
    record: Record,
    name: &str,
    known: &mut CustomerSet,
    chunk: &mut Chunk,
    report: &mut SourceReport,
    sink: &mut dyn Sink,
) -> ControlFlow<()> {
    if let Record::Customer(c) = &record {
        known.insert(c.id.clone());
    }
    report.rows_parsed += 1;
    chunk.push(record);
    if chunk.rows() < CHUNK_ROWS {
        return ControlFlow::Continue(());
    }
    sink.chunk(std::mem::replace(chunk, Chunk::new(name)))
}

/// Referential integrity: a fact's customer must exist, or becomes a stub in `create` mode.
fn check_reference(
    record: &Record,
    policy: UnknownCustomer,
    known: &mut CustomerSet,
    chunk: &mut Chunk,
    report: &mut SourceReport,
    mapping: &Mapping,
) -> Result<(), RowError> {
    let Some(id) = record.referenced_customer() else {
        return Ok(());
    };
    if known.contains(id) {
        return Ok(());
    }
    match policy {
        UnknownCustomer::Create => {
            known.insert(id.clone());
            chunk.customers.push(Customer::stub(id.clone()));
            report.stubs_created += 1;
            Ok(())
        }
        UnknownCustomer::Reject => Err(RowError::new(
            mapping.label(mapping.field("customer_id")),
            Some(id.as_str()),
            "unknown customer (unknown_customer = \"reject\"): import the customer first, or set unknown_customer = \"create\"",
        )),
    }
}
