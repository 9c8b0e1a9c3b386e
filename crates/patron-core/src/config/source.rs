//! `[sources.NAME]`: one input file, its format and its mapping onto an entity.

use super::{ArithExpr, ColumnSpec, FieldKind, SpannedProblem, fields_of};
use crate::model::{AttrType, Entity};
use serde::Deserialize;
use std::collections::BTreeMap;
use std::path::PathBuf;
use toml::Spanned;

/// A mapping table: canonical (or attribute/property) name → where its value comes from.
pub type ColumnMap = BTreeMap<Spanned<String>, Spanned<ColumnSpec>>;

/// One source file.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SourceConfig {
    /// The file, relative to the project directory. `.gz` files are decompressed.
    pub path: PathBuf,
    /// Which entity its rows are.
    pub entity: Entity,
    /// `csv` or `parquet`; by default from the file name.
    pub format: Option<SourceFormat>,
    /// Field delimiter: `","`, `";"`, `"\t"`/`"tab"`, `"|"`, or `"whitespace"` (runs of blanks).
    #[serde(default)]
    pub delimiter: Delimiter,
    /// Decimal separator of numbers and amounts: `"."` or `","`.
    #[serde(default = "default_decimal")]
    pub decimal: char,
    /// Thousands separator to ignore, if the source writes one.
    pub thousands: Option<char>,
    /// Text encoding: `utf-8` (default) or `latin-1` / `windows-1252`.
    #[serde(default)]
    pub encoding: Encoding,
    /// Whether the first line names the columns.
    #[serde(default = "default_true")]
    pub header: bool,
    /// Column names for a file without a header line.
    #[serde(default)]
    pub names: Vec<String>,
    /// `strftime` date formats tried in order (default ISO 8601).
    #[serde(default)]
    pub date_formats: Vec<String>,
    /// Overrides `[import] unknown_customer` for this source.
    pub unknown_customer: Option<UnknownCustomer>,
    /// Rows to leave out (counted as filtered, not rejected).
    #[serde(default)]
    pub skip: Vec<Spanned<SkipRule>>,
    /// Canonical field → source column.
    pub columns: ColumnMap,
    /// Customer attributes (customers only): name → column with a `type`.
    #[serde(default)]
    pub attributes: ColumnMap,
    /// Event properties (events only): name → column.
    #[serde(default)]
    pub properties: ColumnMap,
}

fn default_decimal() -> char {
    '.'
}
fn default_true() -> bool {
    true
}

/// File format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SourceFormat {
    /// Delimited text.
    Csv,
    /// Apache Parquet.
    Parquet,
}

/// Field delimiter.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(try_from = "String")]
pub enum Delimiter {
    /// One byte, e.g. `,` or `;`.
    Byte(u8),
    /// One or more spaces or tabs (fixed-width-ish logs like CDNOW's).
    Whitespace,
    /// `,` (the default).
    #[default]
    Comma,
}

impl Delimiter {
    /// The byte for a byte delimiter.
    pub fn byte(self) -> Option<u8> {
        match self {
            Delimiter::Byte(b) => Some(b),
            Delimiter::Comma => Some(b','),
            Delimiter::Whitespace => None,
        }
    }
}

impl TryFrom<String> for Delimiter {
    type Error = String;
    fn try_from(s: String) -> Result<Self, String> {
        match s.as_str() {
            "," => Ok(Delimiter::Comma),
            "tab" | "\t" => Ok(Delimiter::Byte(b'\t')),
            "whitespace" => Ok(Delimiter::Whitespace),
            one if one.len() == 1 && one.is_ascii() => Ok(Delimiter::Byte(one.as_bytes()[0])),
            other => Err(format!(
                "delimiter {other:?} is not one ASCII character, \"tab\" or \"whitespace\""
            )),
        }
    }
}

/// Text encoding of a source.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(try_from = "String")]
pub enum Encoding {
    /// UTF-8 (a byte-order mark is skipped).
    #[default]
    Utf8,
    /// Windows-1252, the superset of ISO-8859-1 (Latin-1) that Excel writes in Western Europe.
    Windows1252,
}

impl TryFrom<String> for Encoding {
    type Error = String;
    fn try_from(s: String) -> Result<Self, String> {
        match s.to_ascii_lowercase().replace('_', "-").as_str() {
            "utf-8" | "utf8" => Ok(Encoding::Utf8),
            "latin-1" | "latin1" | "iso-8859-1" | "windows-1252" | "cp1252" => {
                Ok(Encoding::Windows1252)
            }
            other => Err(format!(
                "encoding {other:?} is not supported; use \"utf-8\" or \"latin-1\""
            )),
        }
    }
}

/// What to do with a fact for a customer id the store does not know.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum UnknownCustomer {
    /// Create a stub customer (first seen at the fact's time).
    #[default]
    Create,
    /// Reject the row.
    Reject,
}

/// A row filter: the row is skipped when the condition holds for the column's raw text.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SkipRule {
    /// The source column.
    pub column: String,
    /// Text starts with this.
    pub starts_with: Option<String>,
    /// Text equals this.
    pub equals: Option<String>,
    /// Text is one of these.
    pub one_of: Option<Vec<String>>,
    /// Text is empty (or only white space) when `true`; non-empty when `false`.
    pub empty: Option<bool>,
    /// Number ≤ this.
    pub at_most: Option<f64>,
    /// Number < this.
    pub below: Option<f64>,
    /// Number ≥ this.
    pub at_least: Option<f64>,
    /// Number > this.
    pub above: Option<f64>,
}

impl SkipRule {
    fn condition_count(&self) -> usize {
        [
            self.starts_with.is_some(),
            self.equals.is_some(),
            self.one_of.is_some(),
            self.empty.is_some(),
            self.at_most.is_some(),
            self.below.is_some(),
            self.at_least.is_some(),
            self.above.is_some(),
        ]
        .into_iter()
        .filter(|b| *b)
        .count()
    }

    /// True when the rule compares numbers.
    pub fn is_numeric(&self) -> bool {
        self.at_most.is_some()
            || self.below.is_some()
            || self.at_least.is_some()
            || self.above.is_some()
    }
}

impl SourceConfig {
    /// The format, from `format` or the file name.
    pub fn resolved_format(&self) -> SourceFormat {
        self.format.unwrap_or_else(|| {
            let name = self.path.to_string_lossy().to_ascii_lowercase();
            if name.ends_with(".parquet") || name.ends_with(".pq") {
                SourceFormat::Parquet
            } else {
                SourceFormat::Csv
            }
        })
    }

    /// Looks up a mapped canonical field.
    pub fn column(&self, field: &str) -> Option<&ColumnSpec> {
        self.columns
            .iter()
            .find(|(k, _)| k.get_ref() == field)
            .map(|(_, v)| v.get_ref())
    }

    pub(super) fn check(&self, name: &str, problems: &mut Vec<SpannedProblem>) {
        let mut problem =
            |offset: usize, message: String| problems.push(SpannedProblem { offset, message });
        let known = fields_of(self.entity);
        let table = format!("[sources.{name}.columns]");
        for (key, spec) in &self.columns {
            if !known.iter().any(|f| f.name == key.get_ref()) {
                let names: Vec<_> = known.iter().map(|f| f.name).collect();
                problem(
                    key.span().start,
                    format!(
                        "unknown field `{}` in {table} for entity {}; expected one of: {}",
                        key.get_ref(),
                        self.entity,
                        names.join(", ")
                    ),
                );
            }
            check_spec(&table, key, spec, &mut problem);
        }
        for (table_name, map, allowed) in [
            (
                "attributes",
                &self.attributes,
                self.entity == Entity::Customers,
            ),
            (
                "properties",
                &self.properties,
                self.entity == Entity::Events,
            ),
        ] {
            let table = format!("[sources.{name}.{table_name}]");
            for (key, spec) in map {
                if !allowed {
                    problem(
                        key.span().start,
                        format!("{table} is not allowed for entity {}", self.entity),
                    );
                }
                check_spec(&table, key, spec, &mut problem);
                if table_name == "properties" && spec.get_ref().detail.attr_type != AttrType::String
                {
                    problem(
                        spec.span().start,
                        format!("{table}: properties are text; remove `type`"),
                    );
                }
            }
        }
        let mapped = |f: &str| self.columns.keys().any(|k| k.get_ref() == f);
        let table_start = self.columns.keys().next().map_or(0, |k| k.span().start);
        for field in known.iter().filter(|f| f.required) {
            if !mapped(field.name) {
                problem(
                    table_start,
                    format!("{table} must map `{}` ({})", field.name, field.doc),
                );
            }
        }
        match self.entity {
            Entity::OrderLines if !mapped("amount") && !mapped("unit_price") => problem(
                table_start,
                format!("{table} must map `amount` or `unit_price`"),
            ),
            Entity::OrderLines if mapped("cost") && mapped("unit_cost") => problem(
                table_start,
                format!("{table} maps both `cost` and `unit_cost`; choose one"),
            ),
            Entity::Events if !mapped("customer_id") && !mapped("anonymous_id") => problem(
                table_start,
                format!("{table} must map `customer_id` or `anonymous_id`"),
            ),
            _ => {}
        }
        if !self.header && self.names.is_empty() {
            problem(
                0,
                format!(
                    "[sources.{name}] has header = false but no `names = [...]` for its columns"
                ),
            );
        }
        if self.decimal != '.' && self.decimal != ',' {
            problem(
                0,
                format!(
                    "[sources.{name}] decimal must be \".\" or \",\", not {:?}",
                    self.decimal
                ),
            );
        }
        let column_formats = self
            .columns
            .values()
            .flat_map(|spec| spec.get_ref().detail.formats.iter())
            .chain(
                self.attributes
                    .values()
                    .flat_map(|spec| spec.get_ref().detail.formats.iter()),
            );
        for format in self.date_formats.iter().chain(column_formats) {
            if !crate::time::is_valid_format(format) {
                problem(
                    0,
                    format!(
                        "[sources.{name}] date format {format:?} is not a valid strftime format (e.g. \"%d.%m.%Y\" or \"%Y-%m-%d %H:%M:%S\")"
                    ),
                );
            }
        }
        if self.thousands == Some(self.decimal) {
            problem(
                0,
                format!("[sources.{name}] thousands separator equals the decimal separator"),
            );
        }
        for rule in &self.skip {
            let n = rule.get_ref().condition_count();
            if n != 1 {
                problem(
                    rule.span().start,
                    format!(
                        "[sources.{name}] skip rule on `{}` must have exactly one condition (starts_with, equals, one_of, empty, at_most, below, at_least, above); it has {n}",
                        rule.get_ref().column
                    ),
                );
            }
        }
    }
}

fn check_spec(
    table: &str,
    key: &Spanned<String>,
    spec: &Spanned<ColumnSpec>,
    problem: &mut impl FnMut(usize, String),
) {
    let inner = spec.get_ref();
    if inner.sources_set() != 1 {
        problem(
            spec.span().start,
            format!(
                "{table}: `{}` needs exactly one of `column`, `expr` or `value`",
                key.get_ref()
            ),
        );
    }
    if let Some(expr) = &inner.detail.expr {
        if let Err(e) = ArithExpr::parse(expr) {
            problem(
                spec.span().start,
                format!("{table}: `{}`: {e}", key.get_ref()),
            );
        }
        let numeric = crate::model::Entity::ALL
            .iter()
            .flat_map(|e| fields_of(*e))
            .filter(|f| f.name == key.get_ref())
            .all(|f| {
                matches!(
                    f.kind,
                    FieldKind::Money | FieldKind::Number | FieldKind::Count
                )
            });
        if !numeric {
            problem(
                spec.span().start,
                format!(
                    "{table}: `{}` is not numeric and cannot be an expr",
                    key.get_ref()
                ),
            );
        }
    }
}
