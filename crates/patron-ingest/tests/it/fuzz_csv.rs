//! Property tests of CSV reading and column mapping on generated input (issue 11, fuzz
//! targets): a source of a random entity with a random (mostly almost valid) mapping — header
//! names, derived expressions, constants, defaults, skip rules, number and date formats,
//! delimiters, encodings — reads a file of arbitrary bytes or of almost valid rows. Nothing may
//! panic; a configuration error names a line of `patron.toml`, a read error a line of the file,
//! and every rejection a line of the file.
//!
//! `PATRON_FUZZ_CASES=1000000 cargo test -p patron-ingest --test it fuzz` for a long run (see
//! the README); `PATRON_FUZZ_SEED` changes the stream.

use super::Collect;
use patron_core::config::{ConfigError, ProjectConfig, fields_of};
use patron_core::fuzz::{Gen, cases, run};
use patron_core::model::Entity;
use patron_ingest::{IngestError, ReadOptions, read_sources};
use std::path::Path;

const ENTITIES: &[(&str, Entity)] = &[
    ("customers", Entity::Customers),
    ("order_lines", Entity::OrderLines),
    ("events", Entity::Events),
    ("tickets", Entity::Tickets),
    ("invoices", Entity::Invoices),
    ("outcomes", Entity::Outcomes),
];

const HEADERS: &[&str] = &[
    "id",
    "Kunde",
    "Datum",
    "Menge",
    "Preis",
    "Rabatt",
    "typ",
    "email",
    "Name mit Leerzeichen",
    "amount",
    "ts",
    "x",
    "",
];

/// Cell values, valid for some field kind or almost.
const CELLS: &[&str] = &[
    "C1",
    "17850.0",
    "2024-03-01",
    "2024-03-01 10:00:00",
    "31.02.2024",
    "9999-12-31",
    "0001-01-01",
    "12,50",
    "1.234,56",
    "-3",
    "0",
    "1e20",
    "922337203685477.5808",
    "ja",
    "nein",
    "true",
    "2",
    "page_view",
    "",
    " ",
    "\"quoted, with comma\"",
    "\"unclosed",
    "NaN",
    "inf",
    "€",
    "é",
];

fn toml_string(text: &str) -> String {
    let mut out = String::from("\"");
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if c.is_control() => out.push_str(&format!("\\u{:04X}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// An arithmetic expression over the headers: valid, mutated, or deeply nested.
fn expr(g: &mut Gen, headers: &[String]) -> String {
    let h = |g: &mut Gen| {
        let name = headers[g.below(headers.len())].clone();
        if name.chars().all(|c| c.is_alphanumeric() || c == '_') && !name.is_empty() {
            name
        } else {
            format!("`{name}`")
        }
    };
    match g.below(5) {
        0 => format!("{} * {} - {}", h(g), h(g), g.number()),
        1 => {
            let base = format!("({} + {}) / {}", h(g), h(g), h(g));
            g.mutate(&base, &["(", ")", "`", "*", "/", "-", "1e400", "0"])
        }
        2 => {
            let depth = g.below(100_000);
            let (open, close) = *g.pick(&[&("(", ")"), &("-", ""), &("-(", ")")]);
            let inner = h(g);
            g.nested(open, &inner, close, depth)
        }
        3 => g.tokens(&["+", "-", "*", "/", "(", ")", "`", "Menge", "1", "."], 10),
        _ => g.text(20),
    }
}

/// A `patron.toml` with one source of a random entity, and the headers of its file.
fn config(g: &mut Gen) -> (String, Vec<String>, u8) {
    let (entity_name, entity) = *g.pick(&ENTITIES.iter().collect::<Vec<_>>());
    let delimiter = *g.pick(&[&(",", b','), &(";", b';'), &("tab", b'\t'), &("|", b'|')]);
    let n_headers = 1 + g.below(6);
    let mut headers: Vec<String> = (0..n_headers)
        .map(|_| {
            if g.chance(0.85) {
                g.pick(HEADERS).to_owned()
            } else {
                g.text(6)
                    .replace(['\n', '\r', '"', delimiter.1 as char], "")
            }
        })
        .collect();
    headers.dedup();
    let mut t = format!(
        "[import]\nunknown_customer = {}\n\n[sources.s]\npath = \"data.csv\"\nentity = \"{entity_name}\"\ndelimiter = \"{}\"\n",
        if g.chance(0.7) {
            "\"create\""
        } else {
            "\"reject\""
        },
        delimiter.0
    );
    if g.chance(0.3) {
        t.push_str("decimal = \",\"\nthousands = \".\"\n");
    }
    if g.chance(0.2) {
        t.push_str("encoding = \"latin-1\"\n");
    }
    if g.chance(0.3) {
        let f = g.pick(&["%d.%m.%Y", "%Y-%m-%d %H:%M:%S", "%s", "%Q", "%d.%m.%Y %H"]);
        t.push_str(&format!("date_formats = [{}]\n", toml_string(f)));
    }
    if g.chance(0.3) {
        let column = toml_string(&headers[g.below(headers.len())]);
        let condition = match g.below(4) {
            0 => format!("starts_with = {}", toml_string(g.pick(CELLS))),
            1 => format!("at_most = {}", g.below(10)),
            2 => "empty = true".to_owned(),
            _ => format!("equals = {}", toml_string(g.pick(CELLS))),
        };
        t.push_str(&format!("skip = [{{ column = {column}, {condition} }}]\n"));
    }
    t.push_str("\n[sources.s.columns]\n");
    for field in fields_of(entity) {
        if !field.required && g.chance(0.5) {
            continue;
        }
        let header = toml_string(&headers[g.below(headers.len())]);
        let spec = match g.below(10) {
            0 => format!("{{ expr = {} }}", toml_string(&expr(g, &headers))),
            1 => format!("{{ value = {} }}", toml_string(g.pick(CELLS))),
            2 => format!("{{ column = {header}, integer = true }}"),
            3 => format!(
                "{{ column = {header}, default = {} }}",
                toml_string(g.pick(CELLS))
            ),
            4 => format!("{{ column = {header}, formats = [\"%d.%m.%Y\"] }}"),
            _ => header,
        };
        t.push_str(&format!("{} = {spec}\n", field.name));
    }
    if entity == Entity::Customers && g.chance(0.4) {
        let ty = g.pick(&["string", "number", "bool", "date", "money"]);
        let column = toml_string(&headers[g.below(headers.len())]);
        t.push_str(&format!(
            "\n[sources.s.attributes]\nattr = {{ column = {column}, type = \"{ty}\" }}\n"
        ));
    }
    if g.chance(0.05) {
        t = g.mutate(&t, &["\n", "\"", "=", "[", "]"]);
    }
    (t, headers, delimiter.1)
}

/// The file: a header and rows of almost valid cells, or arbitrary bytes after a header.
fn file(g: &mut Gen, headers: &[String], delimiter: u8) -> Vec<u8> {
    let d = delimiter as char;
    let mut out = headers.join(&d.to_string()).into_bytes();
    out.push(b'\n');
    match g.below(4) {
        0 => out.extend(g.bytes(300)),
        _ => {
            for _ in 0..g.below(8) {
                let width = if g.chance(0.9) {
                    headers.len()
                } else {
                    g.below(8)
                };
                let row: Vec<String> = (0..width)
                    .map(|_| match g.below(8) {
                        0 => g.text(8).replace(['\n', '\r', d], ""),
                        1 => g.number(),
                        _ => g.pick(CELLS).to_owned(),
                    })
                    .collect();
                out.extend(row.join(&d.to_string()).into_bytes());
                out.extend(if g.chance(0.9) {
                    &b"\n"[..]
                } else {
                    &b"\r\n"[..]
                });
            }
            if g.chance(0.1) {
                out.truncate(g.below(out.len() + 1));
            }
        }
    }
    if g.chance(0.05) {
        out.splice(0..0, [0xEF, 0xBB, 0xBF]);
    }
    out
}

/// Checks one case; returns (rows parsed, rows rejected) when the file was read.
fn check(dir: &Path, text: &str, data: &[u8]) -> Option<(usize, usize)> {
    let toml_lines = text.split('\n').count();
    let config = match ProjectConfig::parse(text, Path::new("patron.toml")) {
        Ok(config) => config,
        Err(ConfigError::Invalid { line, column, .. }) => {
            assert!(
                (1..=toml_lines).contains(&line) && column >= 1,
                "{line}:{column}"
            );
            return None;
        }
        Err(other) => panic!("unexpected {other}"),
    };
    std::fs::write(dir.join("data.csv"), data).unwrap();
    let file_lines = data.split(|b| *b == b'\n').count() as u64 + 1;
    let mut sink = Collect::default();
    let options = ReadOptions {
        project_dir: dir.to_path_buf(),
        known_customers: Default::default(),
    };
    let read = match read_sources(&config, options, &mut sink) {
        Ok(reports) => Some(reports.iter().map(|r| r.rows_parsed as usize).sum()),
        // A mutation of the configuration may name another file: it cannot be opened.
        Err(IngestError::Header { .. } | IngestError::Stopped | IngestError::Open { .. }) => None,
        Err(IngestError::Read { line, .. }) => {
            assert!(
                (1..=file_lines).contains(&line),
                "read error at line {line}"
            );
            None
        }
        Err(other) => panic!("unexpected {other}"),
    };
    for r in &sink.rejections {
        assert!(
            (1..=file_lines).contains(&r.line),
            "rejection at line {} of {file_lines}: {r}",
            r.line
        );
        assert!(!r.reason.is_empty());
    }
    read.map(|parsed| (parsed, sink.rejections.len()))
}

#[test]
fn arbitrary_sources_and_mappings_never_panic() {
    let dir = tempfile::tempdir().unwrap();
    let (mut read, mut parsed, mut rejected) = (0, 0, 0);
    let n = run("csv mapping", cases(3_000), |g| {
        let (text, headers, delimiter) = config(g);
        let data = file(g, &headers, delimiter);
        g.note(format!(
            "patron.toml:\n{text}\ndata.csv: {:?}",
            String::from_utf8_lossy(&data)
        ));
        if let Some((p, r)) = check(dir.path(), &text, &data) {
            read += 1;
            parsed += p;
            rejected += r;
        }
    });
    eprintln!("{n} cases: {read} files read, {parsed} rows parsed, {rejected} rejected");
    assert!(read > n / 10 && parsed > 0 && rejected > 0);
}
