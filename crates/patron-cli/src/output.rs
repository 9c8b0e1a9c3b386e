//! Plain-text tables and JSON output.

use indicatif::{ProgressBar, ProgressStyle};
use serde::Serialize;

/// Prints a value as pretty JSON on stdout.
pub fn print_json<T: Serialize>(value: &T) -> anyhow::Result<()> {
    println!("{}", serde_json::to_string_pretty(value)?);
    Ok(())
}

/// Per-customer rows as JSON objects, each with its `customer_id` (rows name customers by
/// their index in the fact set).
pub fn with_customer_ids<T: Serialize>(
    rows: &[T],
    customer: impl Fn(&T) -> u32,
    ids: &[patron_core::ids::CustomerId],
) -> Vec<serde_json::Value> {
    rows.iter()
        .map(|r| {
            let mut v = serde_json::to_value(r).unwrap_or_default();
            v["customer_id"] = serde_json::json!(ids[customer(r) as usize]);
            v
        })
        .collect()
}

/// A simple aligned text table; numeric-looking cells are right-aligned.
pub struct Table {
    header: Vec<String>,
    rows: Vec<Vec<String>>,
}

impl Table {
    /// A table with these column titles.
    pub fn new(header: &[&str]) -> Self {
        Table {
            header: header.iter().map(|s| s.to_string()).collect(),
            rows: Vec::new(),
        }
    }
    /// Adds a row.
    pub fn row(&mut self, cells: Vec<String>) {
        self.rows.push(cells);
    }
    /// Renders the table.
    pub fn render(&self) -> String {
        let widths: Vec<usize> = (0..self.header.len())
            .map(|i| {
                self.rows
                    .iter()
                    .map(|r| r.get(i).map_or(0, |c| c.chars().count()))
                    .chain([self.header[i].chars().count()])
                    .max()
                    .unwrap_or(0)
            })
            .collect();
        let numeric =
            |s: &str| !s.is_empty() && s.chars().all(|c| c.is_ascii_digit() || ",.-%+".contains(c));
        let line = |cells: &[String]| {
            cells
                .iter()
                .enumerate()
                .map(|(i, c)| {
                    let pad = widths[i].saturating_sub(c.chars().count());
                    if numeric(c) {
                        format!("{}{c}", " ".repeat(pad))
                    } else {
                        format!("{c}{}", " ".repeat(pad))
                    }
                })
                .collect::<Vec<_>>()
                .join("  ")
                .trim_end()
                .to_owned()
        };
        let mut out = line(&self.header);
        out.push('\n');
        out.push_str(
            &widths
                .iter()
                .map(|w| "─".repeat(*w))
                .collect::<Vec<_>>()
                .join("  "),
        );
        for r in &self.rows {
            out.push('\n');
            out.push_str(&line(r));
        }
        out
    }
}

/// Thousands-separated integer.
pub fn count(n: u64) -> String {
    let s = n.to_string();
    let mut out = String::new();
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// A whole amount with thousands separators (`-1,234,567`).
pub fn amount(value: f64) -> String {
    let rounded = value.round();
    let sign = if rounded < 0.0 { "-" } else { "" };
    format!("{sign}{}", count(rounded.abs() as u64))
}

/// A progress bar on stderr (hidden when quiet or when stderr is not a terminal).
pub fn progress(len: u64, message: &str, quiet: bool) -> ProgressBar {
    if quiet {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::new(len);
    bar.set_style(
        ProgressStyle::with_template(
            "{msg:>12} [{bar:30}] {percent:>3}% {elapsed_precise} eta {eta}",
        )
        .unwrap_or_else(|_| ProgressStyle::default_bar())
        .progress_chars("=> "),
    );
    bar.set_message(message.to_owned());
    bar
}

/// One progress line per stage of a long command on stderr: a spinner for work of unknown
/// length, a bar for counted work; each stage stays on screen with its time when the next
/// starts. Hidden when quiet (and by indicatif when stderr is not a terminal).
pub struct Stages {
    quiet: bool,
    current: Option<ProgressBar>,
}

impl Stages {
    /// No stage started yet.
    pub fn new(quiet: bool) -> Self {
        Stages {
            quiet,
            current: None,
        }
    }

    /// Ends the current stage and starts `name` with `len` steps (a spinner when `None`).
    pub fn start(&mut self, name: &str, len: Option<u64>) -> ProgressBar {
        self.finish();
        let bar = if self.quiet {
            ProgressBar::hidden()
        } else {
            let (bar, template) = match len {
                Some(len) => (
                    ProgressBar::new(len),
                    "{prefix:>8} [{bar:30}] {human_pos}/{human_len} {msg} {elapsed_precise}",
                ),
                None => (
                    ProgressBar::new_spinner(),
                    "{prefix:>8} {spinner} {msg} {elapsed_precise}",
                ),
            };
            bar.set_style(
                ProgressStyle::with_template(template)
                    .unwrap_or_else(|_| ProgressStyle::default_bar())
                    .progress_chars("=> "),
            );
            bar.enable_steady_tick(std::time::Duration::from_millis(200));
            bar
        };
        bar.set_prefix(name.to_owned());
        self.current = Some(bar.clone());
        bar
    }

    /// Ends the current stage and removes its line.
    pub fn clear(&mut self) {
        if let Some(bar) = self.current.take() {
            bar.finish_and_clear();
        }
    }

    /// Ends the current stage, leaving its line with the time it took.
    pub fn finish(&mut self) {
        if let Some(bar) = self.current.take() {
            bar.set_style(
                ProgressStyle::with_template("{prefix:>8} done in {elapsed}")
                    .unwrap_or_else(|_| ProgressStyle::default_bar()),
            );
            bar.finish();
        }
    }
}

/// The application layer's progress, shown as one line per stage.
impl patron_app::Progress for Stages {
    fn stage(&mut self, name: &str, len: Option<u64>) {
        self.start(name, len);
    }
    fn message(&mut self, text: &str) {
        if let Some(bar) = &self.current {
            bar.set_message(text.to_owned());
        }
    }
    fn advance(&mut self, n: u64) {
        if let Some(bar) = &self.current {
            bar.inc(n);
        }
    }
    fn position(&mut self, done: u64, total: u64) {
        if let Some(bar) = &self.current {
            bar.set_length(total);
            bar.set_position(done);
        }
    }
    /// Said even with `--quiet`: a command that waits must say for whom.
    fn waiting(&mut self, why: &str) {
        match &self.current {
            Some(bar) => bar.suspend(|| eprintln!("{why}")),
            None => eprintln!("{why}"),
        }
    }
}
