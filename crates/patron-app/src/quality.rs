//! Data quality: per source and field — missing and invalid values, outliers, date gaps — and
//! duplicate-customer candidates in the store.

use crate::AppError;
use crate::project::Project;
use patron_engine::quality::duplicates::{DuplicatePair, duplicate_candidates};
use patron_engine::quality::gaps::{DateGap, date_gaps, typical_gap};
use patron_engine::quality::outliers::{NumericSummary, summarise};
use patron_ingest::{FieldProfile, InvalidValue, LineUnit, SourceProfile, profile_source};
use serde::Serialize;
use std::path::Path;

/// The report of one field.
#[derive(Debug, Serialize)]
#[allow(missing_docs)] // named as in the output
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
#[allow(missing_docs)] // named as in the output
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
#[allow(missing_docs)] // named as in the output
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
pub async fn quality_report(project: &Project, limit: usize) -> Result<QualityReport, AppError> {
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
            .map_err(|e| AppError::Corrupt(format!("the profiling thread failed: {e}")))??;
        sources.push(source_report(profile));
    }
    let store = project.open_store().await?;
    let customers = store.customers().await?;
    let pairs = tokio::task::spawn_blocking(move || {
        let pairs = duplicate_candidates(&customers);
        (customers.len(), pairs)
    })
    .await
    .map_err(|e| AppError::Corrupt(format!("the duplicate search failed: {e}")))?;
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
