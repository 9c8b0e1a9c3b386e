//! Reading source files into Patron's canonical records.
//!
//! A source (one `[sources.NAME]` of `patron.toml`) is read as a stream of records: the file is
//! decompressed and decoded, each row is filtered, mapped and parsed into a typed record, and the
//! records are handed to a sink in chunks. A row that cannot be parsed becomes a [`Rejection`]
//! naming file, line, column, value and reason; what happens next (abort, or keep going up to a
//! limit) is the caller's decision, made in the sink.
//!
//! Sources are CSV (or other delimited text, optionally gzip-compressed) or Parquet
//! (`format = "parquet"`, or a `.parquet`/`.pq` file name; snappy, gzip, LZ4 and zstd
//! compression). A Parquet file's header is its schema's top-level column names, and its values
//! are turned into text that the usual parsers read, so mapping, skip rules, parsing and
//! profiling are the same for both. For Parquet sources:
//!
//! - numbers are typed, so `decimal` and `thousands` are ignored; so are `delimiter`, `header`
//!   and `names` (`encoding` applies only to binary columns without a string annotation);
//! - typed date and timestamp columns are always read as such (timestamps in UTC, whole
//!   seconds): `date_formats` and a column's `formats` apply to text columns only;
//! - nested columns (lists, structs, maps) and times of day, durations and intervals cannot be
//!   mapped (a header error naming the column and its type); unmapped, they are ignored;
//! - rejections name the 1-based data row (`orders.parquet: row 3`, [`LineUnit::Row`]) instead of
//!   a line.

mod entities;
mod mapping;
mod parquet_file;
mod profile;
mod reader;
mod run;

pub use profile::{FieldProfile, InvalidValue, SourceProfile, profile_source};
pub use run::{
    Chunk, CustomerSet, IngestError, LineUnit, ReadOptions, Rejection, Sink, SourceReport,
    read_sources,
};

/// Rows per chunk handed to the sink.
pub const CHUNK_ROWS: usize = 20_000;
