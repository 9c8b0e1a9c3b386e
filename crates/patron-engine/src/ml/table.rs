//! A delimited text table read into memory: header, text cells by column, and the line each
//! row starts on (for error messages).
//!
//! The delimiter is detected from the header line (`,` or `;`, whichever occurs more often
//! outside quotes; `\t` if neither does); fields may be quoted (`"a;b"`, `""` for a quote) and
//! are trimmed. Gzip-compressed input is decompressed. Bytes that are not UTF-8 are replaced.

use super::error::{MlError, Position};
use std::io::Read;

/// A table of text cells, stored column by column.
#[derive(Debug, Clone, PartialEq)]
pub struct Table {
    header: Vec<String>,
    columns: Vec<Vec<String>>,
    lines: Vec<u64>,
    delimiter: u8,
}

impl Table {
    /// Parses delimited text (optionally gzip-compressed) with a header line.
    pub fn parse(bytes: &[u8]) -> Result<Table, MlError> {
        let text = decompress(bytes)?;
        let text = text.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(&text);
        let delimiter = detect_delimiter(text);
        let mut reader = csv::ReaderBuilder::new()
            .delimiter(delimiter)
            .has_headers(false)
            .flexible(true)
            .trim(csv::Trim::All)
            .from_reader(text);
        let mut records = reader.byte_records();
        let header = match records.next() {
            Some(record) => header_names(&record.map_err(csv_error)?)?,
            None => return Err(MlError::table(Position::default(), "the table is empty")),
        };
        let mut table = Table {
            columns: vec![Vec::new(); header.len()],
            header,
            lines: Vec::new(),
            delimiter,
        };
        let mut lines = LineCounter::default();
        for record in records {
            let record = record.map_err(csv_error)?;
            let line = lines.line_at(text, record.position().map_or(0, |p| p.byte()));
            table.push(&record, line)?;
        }
        if table.lines.is_empty() {
            return Err(MlError::table(
                Position::line(2),
                "the table has a header but no data rows",
            ));
        }
        Ok(table)
    }

    fn push(&mut self, record: &csv::ByteRecord, line: u64) -> Result<(), MlError> {
        if record.len() == 1 && record[0].is_empty() {
            return Ok(()); // a blank line
        }
        if record.len() != self.header.len() {
            return Err(MlError::table(
                Position::line(line),
                format!(
                    "expected {} fields (as in the header), found {}",
                    self.header.len(),
                    record.len()
                ),
            ));
        }
        for (column, field) in self.columns.iter_mut().zip(record) {
            column.push(String::from_utf8_lossy(field).into_owned());
        }
        self.lines.push(line);
        Ok(())
    }

    /// The column names.
    pub fn header(&self) -> &[String] {
        &self.header
    }

    /// Number of data rows.
    pub fn rows(&self) -> usize {
        self.lines.len()
    }

    /// The cells of column `index`.
    pub fn column(&self, index: usize) -> &[String] {
        &self.columns[index]
    }

    /// The index of the column with this name.
    pub fn column_index(&self, name: &str) -> Option<usize> {
        self.header.iter().position(|h| h == name)
    }

    /// The index of the column with this name, or an error naming the columns there are.
    pub fn require_column(&self, name: &str, role: &str) -> Result<usize, MlError> {
        self.column_index(name).ok_or_else(|| {
            MlError::table(
                Position::line(1),
                format!(
                    "{role} column `{name}` is not in the header (columns: {})",
                    self.header.join(", ")
                ),
            )
        })
    }

    /// The 1-based line on which data row `row` (0-based) starts.
    pub fn line_of(&self, row: usize) -> u64 {
        self.lines[row]
    }

    /// The detected delimiter.
    pub fn delimiter(&self) -> char {
        char::from(self.delimiter)
    }
}

/// 1-based line numbers of increasing byte offsets, counted incrementally.
#[derive(Debug, Default)]
struct LineCounter {
    byte: usize,
    newlines: u64,
}

impl LineCounter {
    fn line_at(&mut self, text: &[u8], byte: u64) -> u64 {
        let mut byte = (byte as usize).min(text.len());
        // A record's position may include the blank lines skipped before it.
        while byte < text.len() && matches!(text[byte], b'\n' | b'\r') {
            byte += 1;
        }
        if byte > self.byte {
            self.newlines += text[self.byte..byte]
                .iter()
                .filter(|&&b| b == b'\n')
                .count() as u64;
            self.byte = byte;
        }
        self.newlines + 1
    }
}

/// Gunzips `bytes` if they start with the gzip magic number.
fn decompress(bytes: &[u8]) -> Result<std::borrow::Cow<'_, [u8]>, MlError> {
    if !bytes.starts_with(&[0x1f, 0x8b]) {
        return Ok(std::borrow::Cow::Borrowed(bytes));
    }
    let mut out = Vec::new();
    flate2::read::MultiGzDecoder::new(bytes)
        .read_to_end(&mut out)
        .map_err(|e| MlError::table(Position::default(), format!("bad gzip data: {e}")))?;
    Ok(std::borrow::Cow::Owned(out))
}

/// `,` or `;`, whichever occurs more often outside quotes on the first line (`,` on a tie);
/// a tab if neither occurs but a tab does.
pub fn detect_delimiter(text: &[u8]) -> u8 {
    let (mut commas, mut semicolons, mut tabs, mut quoted) = (0, 0, 0, false);
    for &b in text {
        match b {
            b'"' => quoted = !quoted,
            b'\n' | b'\r' if !quoted => break,
            b',' if !quoted => commas += 1,
            b';' if !quoted => semicolons += 1,
            b'\t' if !quoted => tabs += 1,
            _ => {}
        }
    }
    if semicolons > commas {
        b';'
    } else if commas == 0 && tabs > 0 {
        b'\t'
    } else {
        b','
    }
}

fn header_names(record: &csv::ByteRecord) -> Result<Vec<String>, MlError> {
    let mut names: Vec<String> = Vec::with_capacity(record.len());
    for (i, field) in record.iter().enumerate() {
        let mut name = String::from_utf8_lossy(field).into_owned();
        if name.is_empty() {
            name = format!("column_{}", i + 1);
        }
        if names.contains(&name) {
            return Err(MlError::table(
                Position::field(1, i, &name),
                "duplicate column name",
            ));
        }
        names.push(name);
    }
    Ok(names)
}

fn csv_error(e: csv::Error) -> MlError {
    let line = e.position().map(|p| p.line());
    let at = Position {
        line,
        ..Position::default()
    };
    MlError::table(at, format!("unreadable CSV: {e}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn detects_semicolons_and_reads_quoted_fields() {
        let t = Table::parse(b"\"a\";\"b,c\"\n1;\"x;y\"\n2; z \n").unwrap();
        assert_eq!(t.delimiter(), ';');
        assert_eq!(t.header(), &["a", "b,c"]);
        assert_eq!(t.column(1), &["x;y", "z"]);
        assert_eq!(t.line_of(1), 3);
    }

    #[test]
    fn detects_commas_and_skips_blank_lines() {
        let t = Table::parse(b"a,b\n1,2\n\n3,4\n").unwrap();
        assert_eq!(t.delimiter(), ',');
        assert_eq!(t.rows(), 2);
        assert_eq!(t.line_of(1), 4);
    }

    #[test]
    fn ragged_rows_name_their_line() {
        let e = Table::parse(b"a,b\n1,2\n3\n").unwrap_err();
        assert_eq!(
            e.to_string(),
            "line 3: expected 2 fields (as in the header), found 1"
        );
        let e = Table::parse(b"a,a\n1,2\n").unwrap_err();
        assert!(e.to_string().starts_with("line 1, column 2 (a)"), "{e}");
        assert!(Table::parse(b"a,b\n").is_err());
    }

    #[test]
    fn reads_gzip() {
        use std::io::Write;
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        gz.write_all(b"x;y\n1;2\n").unwrap();
        let t = Table::parse(&gz.finish().unwrap()).unwrap();
        assert_eq!(t.column(1), &["2"]);
    }
}
