//! `patron quality`: per source and field — missing and invalid values, outliers, date gaps —
//! and duplicate-customer candidates in the store.

use crate::cli::{Global, QualityArgs};
use crate::output::{Table, count, print_json};
use crate::project::Project;
use anyhow::{Context, Result};
use patron_engine::quality::duplicates::{DuplicatePair, MatchReason, duplicate_candidates};
use patron_engine::quality::gaps::{DateGap, date_gaps, typical_gap};
use patron_engine::quality::outliers::{NumericSummary, summarise};
use patron_ingest::{FieldProfile, InvalidValue, LineUnit, SourceProfile, profile_source};
use serde::Serialize;
use std::path::Path;

/// The report of one field.
#[derive(Debug, Serialize)]
pub struct FieldReport {
    pub field: String,
    pub column: String,
    pub missing: u64,
    pub missing_share: f64,
    pub invalid: u64,
    pub invalid_examples: Vec<InvalidValue>,
    /// Numeric fields: distribution and outliers (Tukey's far fences).
    pub numeric: Option<NumericSummary>,
    /// Time fields: median days between days with data, and unusually long gaps.
    pub typical_gap_days: Option<f64>,
    pub date_gaps: Vec<DateGap>,
}

/// The report of one source.
#[derive(Debug, Serialize)]
pub struct SourceReport {
    pub source: String,
    pub entity: String,
    pub path: String,
    pub rows: u64,
    pub filtered: u64,
    pub malformed: u64,
    /// What example positions count: `line` (text files, header included) or `row` (Parquet).
    pub position_unit: &'static str,
    pub fields: Vec<FieldReport>,
}

/// The whole report.
#[derive(Debug, Serialize)]
pub struct QualityReport {
    pub sources: Vec<SourceReport>,
    pub customers: u64,
    pub duplicate_pairs: u64,
    pub duplicate_candidates: Vec<DuplicatePair>,
}

/// A gap is reported when it is at least this many times the typical distance between days
/// with data, and at least 3 days.
const GAP_FACTOR: f64 = 5.0;

fn field_report(f: FieldProfile, rows: u64) -> FieldReport {
    let typical = typical_gap(&f.days);
    let min_days = typical.map_or(3, |t| (t * GAP_FACTOR).ceil().max(3.0) as i64);
    FieldReport {
        missing_share: if rows == 0 {
            0.0
        } else {
            f.missing as f64 / rows as f64
        },
        numeric: summarise(&f.numbers),
        typical_gap_days: typical,
        date_gaps: if f.days.is_empty() {
            Vec::new()
        } else {
            date_gaps(&f.days, min_days).into_iter().take(5).collect()
        },
        field: f.field,
        column: f.column,
        missing: f.missing,
        invalid: f.invalid,
        invalid_examples: f.invalid_examples,
    }
}

fn source_report(p: SourceProfile) -> SourceReport {
    let considered = p.rows - p.filtered - p.malformed;
    SourceReport {
        source: p.source,
        entity: p.entity.map_or_else(String::new, |e| e.to_string()),
        path: p.path,
        rows: p.rows,
        filtered: p.filtered,
        malformed: p.malformed,
        position_unit: match p.line_unit {
            LineUnit::Line => "line",
            LineUnit::Row => "row",
        },
        fields: p
            .fields
            .into_iter()
            .map(|f| field_report(f, considered))
            .collect(),
    }
}

/// Builds the report: profiles every source file, then looks for duplicates in the store.
pub async fn quality_report(project: &Project, limit: usize) -> Result<QualityReport> {
    let mut sources = Vec::new();
    for (name, source) in &project.config.sources {
        let path = if project.dir == Path::new(".") {
            source.path.clone()
        } else {
            project.dir.join(&source.path)
        };
        let (name, source) = (name.clone(), source.clone());
        let profile = tokio::task::spawn_blocking(move || profile_source(&name, &source, &path))
            .await
            .context("the profiling thread failed")??;
        sources.push(source_report(profile));
    }
    let store = project.open_store().await?;
    let customers = store.customers().await?;
    let pairs = tokio::task::spawn_blocking(move || {
        let pairs = duplicate_candidates(&customers);
        (customers.len(), pairs)
    })
    .await
    .context("the duplicate search failed")?;
    let (n, mut pairs) = pairs;
    let total = pairs.len() as u64;
    pairs.truncate(limit);
    Ok(QualityReport {
        sources,
        customers: n as u64,
        duplicate_pairs: total,
        duplicate_candidates: pairs,
    })
}

fn reason_text(r: &MatchReason) -> String {
    match r {
        MatchReason::SameEmail { email } => format!("same e-mail {email}"),
        MatchReason::SamePhone { phone } => format!("same phone …{phone}"),
        MatchReason::SimilarName {
            similarity,
            postcode,
        } => {
            format!("similar name ({similarity:.2}) in postcode {postcode}")
        }
    }
}

fn number(v: f64) -> String {
    if v.abs() >= 1e6 || (v != 0.0 && v.abs() < 1e-3) {
        format!("{v:.3e}")
    } else {
        format!("{}", (v * 1000.0).round() / 1000.0)
    }
}

/// Prints the report as text.
pub fn print_report(r: &QualityReport) {
    for s in &r.sources {
        println!(
            "source {} ({}, {}): {} rows, {} filtered, {} malformed",
            s.source,
            s.entity,
            s.path,
            count(s.rows),
            count(s.filtered),
            count(s.malformed)
        );
        let mut t = Table::new(&[
            "field", "column", "missing", "invalid", "outliers", "min", "median", "max",
        ]);
        for f in &s.fields {
            let (outliers, min, median, max) = match &f.numeric {
                Some(n) => (
                    count(n.outliers),
                    number(n.min),
                    number(n.median),
                    number(n.max),
                ),
                None => (String::new(), String::new(), String::new(), String::new()),
            };
            let missing = if f.missing == 0 {
                "0".into()
            } else {
                format!("{} ({:.1}%)", count(f.missing), 100.0 * f.missing_share)
            };
            t.row(vec![
                f.field.clone(),
                f.column.clone(),
                missing,
                count(f.invalid),
                outliers,
                min,
                median,
                max,
            ]);
        }
        println!("{}", t.render());
        for f in &s.fields {
            for e in &f.invalid_examples {
                println!(
                    "  invalid {} at {} {}: {:?} — {}",
                    f.field,
                    s.position_unit,
                    e.line,
                    e.value.as_deref().unwrap_or(""),
                    e.reason
                );
            }
            for g in &f.date_gaps {
                let day =
                    |d: i64| patron_core::Timestamp::from_secs(d * patron_core::time::DAY).date();
                println!(
                    "  {}: no data for {} days between {} and {}",
                    f.field,
                    g.days,
                    day(g.from_day),
                    day(g.to_day)
                );
            }
        }
        println!();
    }
    println!(
        "duplicate-customer candidates: {} pair(s) among {} customers{}",
        count(r.duplicate_pairs),
        count(r.customers),
        if r.duplicate_pairs > r.duplicate_candidates.len() as u64 {
            format!(" (top {} shown)", r.duplicate_candidates.len())
        } else {
            String::new()
        }
    );
    if !r.duplicate_candidates.is_empty() {
        let mut t = Table::new(&["customer", "duplicate?", "score", "why"]);
        for p in &r.duplicate_candidates {
            let why: Vec<String> = p.reasons.iter().map(reason_text).collect();
            t.row(vec![
                p.a.to_string(),
                p.b.to_string(),
                format!("{:.2}", p.score),
                why.join("; "),
            ]);
        }
        println!("{}", t.render());
        println!("merge a pair with `patron merge KEEP DROP`");
    }
}

/// `patron quality`.
pub async fn run(global: &Global, args: &QualityArgs) -> Result<()> {
    let project = crate::project::load(global)?;
    let report = quality_report(&project, args.limit).await?;
    if global.json {
        print_json(&report)
    } else {
        print_report(&report);
        Ok(())
    }
}
