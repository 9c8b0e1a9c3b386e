//! A minimal streaming CSV writer: comma-separated, `\n` line ends, and RFC 4180 quoting of
//! fields that contain a comma, a quote, a line break or leading/trailing spaces.

use std::fmt::{self, Write as _};
use std::fs::File;
use std::io::{self, BufWriter, Write};
use std::path::Path;

/// Output buffer size per file.
const BUFFER_BYTES: usize = 1 << 20;

/// Writes one CSV file row by row.
pub struct CsvWriter {
    out: BufWriter<File>,
    line: String,
    fields: usize,
    rows: u64,
}

impl CsvWriter {
    /// Creates (or truncates) `path` and writes the header line.
    pub fn create(path: &Path, header: &[&str]) -> io::Result<Self> {
        let file = File::create(path)?;
        let mut writer = CsvWriter {
            out: BufWriter::with_capacity(BUFFER_BYTES, file),
            line: String::new(),
            fields: 0,
            rows: 0,
        };
        for name in header {
            writer.field(name);
        }
        writer.end_row()?;
        writer.rows = 0;
        Ok(writer)
    }

    /// Appends a field, quoted if needed.
    pub fn field(&mut self, value: impl fmt::Display) -> &mut Self {
        if self.fields > 0 {
            self.line.push(',');
        }
        self.fields += 1;
        let start = self.line.len();
        // Writing to a String cannot fail.
        let _ = write!(self.line, "{value}");
        if needs_quotes(&self.line[start..]) {
            let raw = self.line.split_off(start);
            self.line.push('"');
            self.line.push_str(&raw.replace('"', "\"\""));
            self.line.push('"');
        }
        self
    }

    /// Appends a field that is empty when `value` is `None`.
    pub fn optional(&mut self, value: Option<impl fmt::Display>) -> &mut Self {
        match value {
            Some(v) => self.field(v),
            None => self.field(""),
        }
    }

    /// Ends the row and hands it to the buffered file.
    pub fn end_row(&mut self) -> io::Result<()> {
        self.line.push('\n');
        self.out.write_all(self.line.as_bytes())?;
        self.line.clear();
        self.fields = 0;
        self.rows += 1;
        Ok(())
    }

    /// Flushes the file and returns the number of data rows written.
    pub fn finish(mut self) -> io::Result<u64> {
        self.out.flush()?;
        Ok(self.rows)
    }
}

fn needs_quotes(field: &str) -> bool {
    field
        .bytes()
        .any(|b| matches!(b, b',' | b'"' | b'\n' | b'\r'))
        || field.starts_with(' ')
        || field.ends_with(' ')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quotes_only_when_needed() {
        assert!(!needs_quotes("Müller GmbH"));
        assert!(needs_quotes("Becker, Hahn & Partner"));
        assert!(needs_quotes("\"Zum Adler\" Logistik"));
        assert!(needs_quotes(" a@b.de "));
    }

    #[test]
    fn writes_rfc4180() {
        let dir = std::env::temp_dir().join(format!("patron-demo-csv-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("t.csv");
        let mut w = CsvWriter::create(&path, &["a", "b"]).unwrap();
        w.field("x, y").field("say \"hi\"");
        w.end_row().unwrap();
        w.field(1.5).optional(None::<&str>);
        w.end_row().unwrap();
        assert_eq!(w.finish().unwrap(), 2);
        let text = std::fs::read_to_string(&path).unwrap();
        assert_eq!(text, "a,b\n\"x, y\",\"say \"\"hi\"\"\"\n1.5,\n");
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
