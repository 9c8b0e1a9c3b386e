//! Reading source files into Patron's canonical records.
//!
//! A source (one `[sources.NAME]` of `patron.toml`) is read as a stream of records: the file is
//! decompressed and decoded, each row is filtered, mapped and parsed into a typed record, and the
//! records are handed to a sink in chunks. A row that cannot be parsed becomes a [`Rejection`]
//! naming file, line, column, value and reason; what happens next (abort, or keep going up to a
//! limit) is the caller's decision, made in the sink.

mod entities;
mod mapping;
mod profile;
mod reader;
mod run;

pub use profile::{FieldProfile, InvalidValue, SourceProfile, profile_source};
pub use run::{Chunk, IngestError, ReadOptions, Rejection, Sink, SourceReport, read_sources};

/// Rows per chunk handed to the sink.
pub const CHUNK_ROWS: usize = 20_000;
