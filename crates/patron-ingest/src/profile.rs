//! Profiling a source for the data-quality report: for every mapped field, how many values are
//! missing or invalid (with examples), and the parsed numbers and days for outlier and gap
//! analysis. Unlike an import, every field of every row is checked, and nothing stops early.

use crate::mapping::{Field, Mapping, Row, RowError};
use crate::reader::RawRecord;
use crate::run::{IngestError, LineUnit, OpenSource};
use patron_core::config::{FieldKind, SourceConfig, fields_of};
use patron_core::ids::CustomerId;
use patron_core::model::Entity;
use serde::Serialize;
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::AtomicU64;

/// Up to this many invalid examples are kept per field.
const EXAMPLES: usize = 3;

/// An invalid value and where it is.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct InvalidValue {
    /// 1-based line; for Parquet sources the 1-based row number (see
    /// [`SourceProfile::line_unit`]).
    pub line: u64,
    /// The value.
    pub value: Option<String>,
    /// What was expected.
    pub reason: String,
}

/// The profile of one mapped field.
#[derive(Debug, Clone, Default, Serialize)]
pub struct FieldProfile {
    /// Canonical field, `attributes.NAME` or `properties.NAME`.
    pub field: String,
    /// The source column (or expression).
    pub column: String,
    /// Rows with no value.
    pub missing: u64,
    /// Rows whose value does not parse.
    pub invalid: u64,
    /// First invalid values.
    pub invalid_examples: Vec<InvalidValue>,
    /// Parsed numbers (money and numeric fields), for outlier analysis.
    #[serde(skip)]
    pub numbers: Vec<f64>,
    /// Day numbers of parsed timestamps, for gap analysis.
    #[serde(skip)]
    pub days: Vec<i64>,
}

/// The profile of one source.
#[derive(Debug, Clone, Default, Serialize)]
pub struct SourceProfile {
    /// Source name.
    pub source: String,
    /// Entity.
    pub entity: Option<Entity>,
    /// File.
    pub path: String,
    /// Whether the `line` of invalid examples counts lines or Parquet rows.
    pub line_unit: LineUnit,
    /// Data rows read.
    pub rows: u64,
    /// Rows left out by skip rules.
    pub filtered: u64,
    /// Rows whose field count differs from the header's.
    pub malformed: u64,
    /// Per field.
    pub fields: Vec<FieldProfile>,
}

#[derive(Clone, Copy)]
enum Kind {
    Canonical(FieldKind),
    Attribute,
    Property,
}

/// Profiles one source file.
pub fn profile_source(
    name: &str,
    source: &SourceConfig,
    path: &Path,
) -> Result<SourceProfile, IngestError> {
    let mut open = OpenSource::open(name, source, path, Arc::new(AtomicU64::new(0)))?;
    let mut raw = RawRecord {
        record: csv::ByteRecord::new(),
        line: 0,
    };
    let plan = plan(source, &open.mapping);
    let mut profile = SourceProfile {
        source: name.into(),
        entity: Some(source.entity),
        path: path.display().to_string(),
        line_unit: open.line_unit,
        fields: plan
            .iter()
            .map(|(field, kind, i)| FieldProfile {
                field: field.clone(),
                column: label(&open.mapping, *kind, *i).to_owned(),
                ..Default::default()
            })
            .collect(),
        ..Default::default()
    };
    while open.next(name, path, &mut raw)? {
        profile.rows += 1;
        if raw.record.len() != open.width {
            profile.malformed += 1;
            continue;
        }
        let row = Row {
            fields: &raw.record,
            encoding: open.encoding,
        };
        if open.mapping.skips(&row) {
            profile.filtered += 1;
            continue;
        }
        for ((_, kind, i), out) in plan.iter().zip(profile.fields.iter_mut()) {
            match check(&mut open.mapping, *kind, *i, &row, out) {
                Ok(true) => {}
                Ok(false) => out.missing += 1,
                Err(e) => {
                    out.invalid += 1;
                    if out.invalid_examples.len() < EXAMPLES {
                        out.invalid_examples.push(InvalidValue {
                            line: raw.line,
                            value: e.value,
                            reason: e.reason,
                        });
                    }
                }
            }
        }
    }
    Ok(profile)
}

/// Every mapped field with its name in the profile, its kind and its index in the mapping.
fn plan(source: &SourceConfig, mapping: &Mapping) -> Vec<(String, Kind, usize)> {
    let kinds = fields_of(source.entity);
    let mut plan: Vec<(String, Kind, usize)> = Vec::new();
    for (i, f) in mapping.fields.iter().enumerate() {
        let kind = kinds
            .iter()
            .find(|k| k.name == f.name)
            .map_or(FieldKind::Text, |k| k.kind);
        plan.push((f.name.clone(), Kind::Canonical(kind), i));
    }
    for (i, a) in mapping.attributes.iter().enumerate() {
        plan.push((format!("attributes.{}", a.name), Kind::Attribute, i));
    }
    for (i, p) in mapping.properties.iter().enumerate() {
        plan.push((format!("properties.{}", p.name), Kind::Property, i));
    }
    plan
}

/// The source column (or expression) of a planned field.
fn label(mapping: &Mapping, kind: Kind, i: usize) -> &str {
    match kind {
        Kind::Canonical(_) => mapping.label(Some(i)),
        Kind::Attribute => mapping.attributes[i].label(),
        Kind::Property => mapping.properties[i].label(),
    }
}

/// Checks one field of a row; `Ok(false)` when missing. Records numbers and days.
fn check(
    mapping: &mut Mapping,
    kind: Kind,
    i: usize,
    row: &Row<'_>,
    out: &mut FieldProfile,
) -> Result<bool, RowError> {
    let field: Field = Some(i);
    match kind {
        Kind::Canonical(FieldKind::Id) => Ok(mapping.id(field, row, CustomerId::parse)?.is_some()),
        Kind::Canonical(FieldKind::Text) | Kind::Property => {
            let text = match kind {
                Kind::Property => mapping.properties[i].text_of(row, mapping.numbers)?,
                _ => mapping.text(field, row)?.map(|c| c.into_owned()),
            };
            Ok(text.is_some())
        }
        Kind::Canonical(FieldKind::Time) => Ok(mapping
            .time(field, row)?
            .map(|t| out.days.push(t.day_number()))
            .is_some()),
        Kind::Canonical(FieldKind::Money) => Ok(mapping
            .money(field, row)?
            .map(|m| out.numbers.push(m.to_f64()))
            .is_some()),
        Kind::Canonical(FieldKind::Number | FieldKind::Count) => Ok(mapping
            .number(field, row)?
            .map(|v| out.numbers.push(v))
            .is_some()),
        Kind::Canonical(FieldKind::Bool) => Ok(mapping.boolean(field, row)?.is_some()),
        Kind::Attribute => match mapping.attribute_value(i, row)? {
            None => Ok(false),
            Some(patron_core::model::AttrValue::Number(v)) => {
                out.numbers.push(v);
                Ok(true)
            }
            Some(_) => Ok(true),
        },
    }
}
