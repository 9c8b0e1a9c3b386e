//! Opening a source file as a stream of records: gzip detection, text decoding, delimiters for
//! CSV; typed columns written as text for Parquet (see [`crate::parquet_file`]).

use crate::parquet_file::ParquetRows;
use patron_core::config::{Delimiter, Encoding, SourceConfig, SourceFormat};
use std::borrow::Cow;
use std::fs::File;
use std::io::{self, BufRead, BufReader, Read};
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

/// Counts bytes read from the underlying file (compressed bytes for `.gz`), for progress.
pub(crate) struct CountingReader<R> {
    inner: R,
    count: Arc<AtomicU64>,
}

impl<R: Read> Read for CountingReader<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.count.fetch_add(n as u64, Ordering::Relaxed);
        Ok(n)
    }
}

/// Opens `path`, transparently decompressing gzip (detected by its magic bytes), with CRLF
/// line ends turned into LF.
fn open(path: &Path, count: Arc<AtomicU64>) -> io::Result<Box<dyn Read + Send>> {
    let mut file = BufReader::with_capacity(
        1 << 16,
        CountingReader {
            inner: File::open(path)?,
            count,
        },
    );
    let magic = file.fill_buf()?;
    if magic.starts_with(&[0x1f, 0x8b]) {
        let gz = BufReader::with_capacity(1 << 16, flate2::bufread::MultiGzDecoder::new(file));
        Ok(Box::new(CrlfToLf::new(gz)))
    } else {
        Ok(Box::new(CrlfToLf::new(file)))
    }
}

/// Drops the `\r` of every `\r\n`. The csv crate counts a CRLF's line only once it reads the
/// `\n`, which is after it noted where the next record starts, so line numbers in messages
/// would be one too small for Windows files; with LF they are exact.
pub(crate) struct CrlfToLf<R> {
    inner: R,
    /// Transformed bytes not yet handed out.
    buf: Vec<u8>,
    pos: usize,
    /// A `\r` ended the previous raw read; whether it belongs to a CRLF is still open.
    pending_cr: bool,
    raw: Box<[u8]>,
}

impl<R: Read> CrlfToLf<R> {
    pub fn new(inner: R) -> Self {
        CrlfToLf {
            inner,
            buf: Vec::with_capacity(1 << 16),
            pos: 0,
            pending_cr: false,
            raw: vec![0; 1 << 16].into(),
        }
    }

    /// Refills `buf`; leaves it empty only at the end of the input.
    fn refill(&mut self) -> io::Result<()> {
        self.buf.clear();
        self.pos = 0;
        while self.buf.is_empty() {
            let n = self.inner.read(&mut self.raw)?;
            if n == 0 {
                if std::mem::take(&mut self.pending_cr) {
                    self.buf.push(b'\r');
                }
                return Ok(());
            }
            let raw = &self.raw[..n];
            if std::mem::take(&mut self.pending_cr) && raw[0] != b'\n' {
                self.buf.push(b'\r');
            }
            for (i, &b) in raw.iter().enumerate() {
                if b != b'\r' {
                    self.buf.push(b);
                } else if i + 1 == n {
                    self.pending_cr = true;
                } else if raw[i + 1] != b'\n' {
                    self.buf.push(b);
                }
            }
        }
        Ok(())
    }
}

impl<R: Read> Read for CrlfToLf<R> {
    fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
        if self.pos == self.buf.len() {
            self.refill()?;
        }
        let n = out.len().min(self.buf.len() - self.pos);
        out[..n].copy_from_slice(&self.buf[self.pos..self.pos + n]);
        self.pos += n;
        Ok(n)
    }
}

/// A record's fields as raw bytes, with the line it starts on (for Parquet: its 1-based row
/// number).
pub(crate) struct RawRecord {
    pub record: csv::ByteRecord,
    pub line: u64,
}

/// Why reading stopped.
#[derive(Debug)]
pub(crate) enum ReadError {
    /// The file ended inside a quoted field or the stream broke (e.g. truncated gzip).
    Io { line: u64, error: io::Error },
    /// CSV structure error.
    Csv { line: u64, message: String },
    /// A Parquet batch starting at row `line` cannot be decoded.
    Parquet { line: u64, message: String },
}

/// The columns of a source: names, and how their values are written.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Header {
    /// Column names, in file order.
    pub names: Vec<String>,
    /// One per name.
    pub kinds: Vec<ColumnKind>,
}

impl Header {
    /// A header of text columns (CSV).
    fn text(names: Vec<String>) -> Self {
        let kinds = vec![ColumnKind::Text; names.len()];
        Header { names, kinds }
    }
}

/// How a column's values are written.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum ColumnKind {
    /// Text, as in the file or from a typed Parquet value (numbers with a `.`).
    Text,
    /// A typed Parquet date or timestamp, written as ISO 8601 text: it is parsed with the
    /// default formats, never with the source's `date_formats`.
    IsoTime,
    /// A Parquet type that is not read (nested, time of day, …), named for messages.
    Unsupported(String),
}

/// Why a source cannot be opened.
pub(crate) enum OpenError {
    /// The file cannot be opened (or is not Parquet).
    Io(io::Error),
    /// The header line cannot be read.
    Read(ReadError),
    /// There is no header.
    Header(String),
}

/// Opens `source`'s file at `path`: its records after the header, and the header. `count`
/// receives the bytes read so far (estimated from rows for Parquet), for progress.
pub(crate) fn open_records(
    source: &SourceConfig,
    path: &Path,
    count: Arc<AtomicU64>,
) -> Result<(Records, Header), OpenError> {
    if source.resolved_format() == SourceFormat::Parquet {
        let file = File::open(path).map_err(OpenError::Io)?;
        let (rows, header) =
            ParquetRows::open(file, count, source.encoding).map_err(OpenError::Io)?;
        return Ok((Records::Parquet(Box::new(rows)), header));
    }
    let input = open(path, count).map_err(OpenError::Io)?;
    let mut records = Records::new(input, source.delimiter);
    let mut raw = RawRecord {
        record: csv::ByteRecord::new(),
        line: 0,
    };
    let has_first = source.header && records.next(&mut raw).map_err(OpenError::Read)?;
    let names = header_names(source, has_first.then_some(&raw)).map_err(OpenError::Header)?;
    Ok((records, Header::text(names)))
}

/// Yields records from delimited text, or rows of a Parquet file.
pub(crate) enum Records {
    Csv(csv::Reader<Box<dyn Read + Send>>),
    Whitespace {
        lines: io::Split<BufReader<Box<dyn Read + Send>>>,
        line: u64,
    },
    Parquet(Box<ParquetRows>),
}

impl Records {
    pub fn new(input: Box<dyn Read + Send>, delimiter: Delimiter) -> Self {
        match delimiter.byte() {
            Some(byte) => Records::Csv(
                csv::ReaderBuilder::new()
                    .delimiter(byte)
                    .has_headers(false)
                    .flexible(true)
                    .buffer_capacity(1 << 16)
                    .from_reader(input),
            ),
            None => Records::Whitespace {
                lines: BufReader::new(input).split(b'\n'),
                line: 0,
            },
        }
    }

    /// Reads the next record into `out`; `Ok(false)` at the end.
    pub fn next(&mut self, out: &mut RawRecord) -> Result<bool, ReadError> {
        match self {
            Records::Parquet(rows) => rows.next(out),
            Records::Csv(reader) => match reader.read_byte_record(&mut out.record) {
                Ok(more) => {
                    out.line = out.record.position().map_or(0, |p| p.line());
                    Ok(more)
                }
                Err(e) => {
                    let line = e.position().map_or(0, |p| p.line());
                    match e.into_kind() {
                        csv::ErrorKind::Io(error) => Err(ReadError::Io { line, error }),
                        other => Err(ReadError::Csv {
                            line,
                            message: format!("{other:?}"),
                        }),
                    }
                }
            },
            Records::Whitespace { lines, line } => loop {
                let Some(bytes) = lines.next() else {
                    return Ok(false);
                };
                *line += 1;
                let bytes = bytes.map_err(|error| ReadError::Io { line: *line, error })?;
                out.record.clear();
                for field in bytes
                    .split(|b| b.is_ascii_whitespace())
                    .filter(|f| !f.is_empty())
                {
                    out.record.push_field(field);
                }
                if out.record.is_empty() {
                    continue; // blank line
                }
                out.line = *line;
                return Ok(true);
            },
        }
    }
}

/// Decodes a field. UTF-8 errors name the byte offset; Windows-1252 cannot fail.
pub(crate) fn decode(bytes: &[u8], encoding: Encoding) -> Result<Cow<'_, str>, String> {
    match encoding {
        Encoding::Utf8 => std::str::from_utf8(bytes).map(Cow::Borrowed).map_err(|e| {
            format!(
                "invalid UTF-8 at byte {} of the field; if the file is a Windows/Excel export set encoding = \"latin-1\"",
                e.valid_up_to()
            )
        }),
        Encoding::Windows1252 => Ok(encoding_rs::WINDOWS_1252.decode_without_bom_handling(bytes).0),
    }
}

/// The configured CSV source's header: from the first record or from `names`.
fn header_names(source: &SourceConfig, first: Option<&RawRecord>) -> Result<Vec<String>, String> {
    if !source.header {
        return Ok(source.names.clone());
    }
    let Some(first) = first else {
        return Err("the file is empty (no header line)".into());
    };
    first
        .record
        .iter()
        .enumerate()
        .map(|(i, bytes)| {
            let bytes = if i == 0 {
                bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes)
            } else {
                bytes
            };
            decode(bytes, source.encoding).map(|s| s.trim().to_owned())
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn through(chunks: &[&[u8]]) -> Vec<u8> {
        struct Chunks(Vec<Vec<u8>>);
        impl Read for Chunks {
            fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
                if self.0.is_empty() {
                    return Ok(0);
                }
                let c = self.0.remove(0);
                buf[..c.len()].copy_from_slice(&c);
                Ok(c.len())
            }
        }
        let mut r = CrlfToLf::new(Chunks(chunks.iter().map(|c| c.to_vec()).collect()));
        let mut out = Vec::new();
        r.read_to_end(&mut out).unwrap();
        out
    }

    #[test]
    fn crlf_becomes_lf_across_reads() {
        assert_eq!(through(&[b"a;b\r\n1;2\r\n"]), b"a;b\n1;2\n");
        assert_eq!(through(&[b"a;b\r", b"\n1\r", b"x\r"]), b"a;b\n1\rx\r");
        assert_eq!(through(&[b"\r", b"\r", b"\n"]), b"\r\n");
    }

    #[test]
    fn csv_lines_are_exact_for_windows_files() {
        let data: &[u8] = b"h1;h2\r\n1;2\r\n\"x\r\ny\";3\r\n4;5\r\n";
        let input: Box<dyn Read + Send> = Box::new(CrlfToLf::new(data));
        let mut records = Records::new(input, patron_core::config::Delimiter::Byte(b';'));
        let mut raw = RawRecord {
            record: csv::ByteRecord::new(),
            line: 0,
        };
        let mut lines = Vec::new();
        while records.next(&mut raw).unwrap() {
            lines.push(raw.line);
        }
        assert_eq!(lines, vec![1, 2, 3, 5]);
    }
}
