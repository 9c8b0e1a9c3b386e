//! A source's column mapping, compiled against the file's header: every canonical field knows
//! the column index (or expression, or constant) it comes from, and how to parse it.

use crate::reader::{ColumnKind, Header, decode};
use patron_core::config::{ArithExpr, ColumnMap, Encoding, SkipRule, SourceConfig, SourceFormat};
use patron_core::model::{AttrType, AttrValue};
use patron_core::money::NumberFormat;
use patron_core::time::TimestampParser;
use patron_core::{Money, ParseError, Timestamp, limits};
use std::borrow::Cow;

/// Why one row was rejected (the caller adds file and line).
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct RowError {
    pub column: Option<String>,
    pub value: Option<String>,
    pub reason: String,
}

impl RowError {
    pub fn new(column: &str, value: Option<&str>, reason: impl Into<String>) -> Self {
        RowError {
            column: Some(column.to_owned()),
            value: value.map(str::to_owned),
            reason: reason.into(),
        }
    }
    fn from_parse(column: &str, e: ParseError) -> Self {
        RowError {
            column: Some(column.to_owned()),
            value: Some(e.value.clone()),
            reason: format!("expected {}", e.expected),
        }
    }
}

/// Rejects money outside ±10¹² currency units (see [`patron_core::limits`]).
pub(crate) fn check_money(label: &str, money: Money, shown: &str) -> Result<(), RowError> {
    if limits::money_in_range(money) {
        return Ok(());
    }
    Err(RowError::new(
        label,
        Some(shown),
        format!("expected {}", limits::money_range()),
    ))
}

enum ValueSource {
    Column(usize),
    Expr(ArithExpr, Vec<(String, usize)>),
    Const(String),
}

/// One mapped field.
pub(crate) struct Compiled {
    /// The canonical field, attribute or property name.
    pub name: String,
    /// What messages call it: the header name, or the expression.
    label: String,
    source: ValueSource,
    integer: bool,
    default: Option<String>,
    dates: TimestampParser,
    pub attr_type: AttrType,
}

/// A handle to a mapped field (index into [`Mapping::fields`]).
pub(crate) type Field = Option<usize>;

/// A row: its raw fields and how to decode them.
pub(crate) struct Row<'a> {
    pub fields: &'a csv::ByteRecord,
    pub encoding: Encoding,
}

/// The compiled mapping of a source.
pub(crate) struct Mapping {
    pub fields: Vec<Compiled>,
    pub attributes: Vec<Compiled>,
    pub properties: Vec<Compiled>,
    pub skip: Vec<CompiledSkip>,
    pub numbers: NumberFormat,
}

/// Finds a header: exact match first, then a unique case-insensitive match.
fn find_column(headers: &[String], name: &str) -> Option<usize> {
    headers.iter().position(|h| h == name).or_else(|| {
        let mut matches = headers
            .iter()
            .enumerate()
            .filter(|(_, h)| h.eq_ignore_ascii_case(name.trim()));
        match (matches.next(), matches.next()) {
            (Some((i, _)), None) => Some(i),
            _ => None,
        }
    })
}

/// The message for a column the header lacks, with a hint when the delimiter looks wrong.
pub(crate) fn missing_column(name: &str, field: &str, headers: &[String]) -> String {
    let mut message = format!(
        "column {name:?} (mapped to `{field}`) is not in the header; the header has {} column(s): {}",
        headers.len(),
        headers
            .iter()
            .map(|h| format!("{h:?}"))
            .collect::<Vec<_>>()
            .join(", ")
    );
    if headers.len() == 1
        && let Some(d) = [';', ',', '\t', '|']
            .into_iter()
            .find(|d| headers[0].contains(*d))
    {
        message.push_str(&format!(
            " — the header contains {d:?}: is the delimiter wrong?"
        ));
    }
    message
}

/// The index of the column `name` (mapped to `field`), if it exists and can be read.
fn resolve(header: &Header, name: &str, field: &str) -> Result<usize, String> {
    let index = find_column(&header.names, name)
        .ok_or_else(|| missing_column(name, field, &header.names))?;
    match &header.kinds[index] {
        ColumnKind::Unsupported(data_type) => Err(format!(
            "column {:?} (mapped to `{field}`) has the Parquet type {data_type}, which Patron cannot read; map only flat columns (text, numbers, decimals, booleans, dates, timestamps)",
            header.names[index]
        )),
        _ => Ok(index),
    }
}

fn compile_map(
    map: &ColumnMap,
    header: &Header,
    default_dates: &[String],
) -> Result<Vec<Compiled>, String> {
    let mut out = Vec::with_capacity(map.len());
    for (key, spec) in map {
        let d = &spec.get_ref().detail;
        let name = key.get_ref().clone();
        let (source, label) = if let Some(column) = &d.column {
            let index = resolve(header, column, &name)?;
            (ValueSource::Column(index), header.names[index].clone())
        } else if let Some(text) = &d.expr {
            let expr = ArithExpr::parse(text).map_err(|e| e.to_string())?;
            let mut columns = Vec::new();
            for c in expr.columns() {
                columns.push((c.to_owned(), resolve(header, c, &name)?));
            }
            (ValueSource::Expr(expr, columns), text.clone())
        } else {
            let value = d.value.clone().unwrap_or_default();
            (ValueSource::Const(value), format!("(constant for {name})"))
        };
        let iso_time =
            matches!(source, ValueSource::Column(i) if header.kinds[i] == ColumnKind::IsoTime);
        let formats = if iso_time {
            Vec::new() // typed dates and timestamps are written as ISO text
        } else if d.formats.is_empty() {
            default_dates.to_vec()
        } else {
            d.formats.clone()
        };
        out.push(Compiled {
            name,
            label,
            source,
            integer: d.integer,
            default: d.default.clone(),
            dates: TimestampParser::new(formats),
            attr_type: d.attr_type,
        });
    }
    Ok(out)
}

impl Mapping {
    /// Compiles `source`'s mapping against `header`. For Parquet sources numbers are typed, so
    /// `decimal` and `thousands` are ignored; typed dates and timestamps ignore `date_formats`
    /// and `formats`, which apply to text columns only.
    pub fn compile(source: &SourceConfig, header: &Header) -> Result<Self, String> {
        let skip = source
            .skip
            .iter()
            .map(|rule| {
                let rule = rule.get_ref().clone();
                let column = resolve(header, &rule.column, "a skip rule")?;
                Ok(CompiledSkip { column, rule })
            })
            .collect::<Result<_, String>>()?;
        let numbers = match source.resolved_format() {
            SourceFormat::Parquet => NumberFormat::default(),
            SourceFormat::Csv => NumberFormat {
                decimal: source.decimal,
                thousands: source.thousands,
            },
        };
        Ok(Mapping {
            fields: compile_map(&source.columns, header, &source.date_formats)?,
            attributes: compile_map(&source.attributes, header, &source.date_formats)?,
            properties: compile_map(&source.properties, header, &source.date_formats)?,
            skip,
            numbers,
        })
    }

    /// The handle of a canonical field, if mapped.
    pub fn field(&self, name: &str) -> Field {
        self.fields.iter().position(|f| f.name == name)
    }

    /// True when a skip rule matches the row.
    pub fn skips(&self, row: &Row<'_>) -> bool {
        self.skip.iter().any(|s| s.matches(row, &self.numbers))
    }

    /// The trimmed text of a field; `None` when unmapped or empty (after the default).
    pub fn text<'r>(
        &self,
        field: Field,
        row: &'r Row<'_>,
    ) -> Result<Option<Cow<'r, str>>, RowError> {
        let Some(f) = field.map(|i| &self.fields[i]) else {
            return Ok(None);
        };
        f.text(row, self.numbers)
    }

    /// The label of a mapped field for messages.
    pub fn label(&self, field: Field) -> &str {
        field.map_or("", |i| &self.fields[i].label)
    }

    /// A required text field.
    pub fn required_text<'r>(
        &self,
        field: Field,
        row: &'r Row<'_>,
    ) -> Result<Cow<'r, str>, RowError> {
        let label = self.label(field);
        self.text(field, row)?.ok_or_else(|| {
            RowError::new(
                label,
                Some(""),
                format!("`{}` is required", self.name(field)),
            )
        })
    }

    fn name(&self, field: Field) -> &str {
        field.map_or("", |i| &self.fields[i].name)
    }

    /// Parses an id-like field with `parse`.
    pub fn id<T>(
        &self,
        field: Field,
        row: &Row<'_>,
        parse: fn(&str) -> Result<T, ParseError>,
    ) -> Result<Option<T>, RowError> {
        let label = self.label(field);
        match self.text(field, row)? {
            None => Ok(None),
            Some(text) => parse(&text)
                .map(Some)
                .map_err(|e| RowError::from_parse(label, e)),
        }
    }

    /// A timestamp field.
    pub fn time(&mut self, field: Field, row: &Row<'_>) -> Result<Option<Timestamp>, RowError> {
        let Some(i) = field else { return Ok(None) };
        let numbers = self.numbers;
        let f = &mut self.fields[i];
        match f.text(row, numbers)? {
            None => Ok(None),
            Some(text) => {
                let text = text.into_owned();
                let t = f
                    .dates
                    .parse(&text)
                    .map_err(|e| RowError::from_parse(&f.label, e))?;
                if !limits::time_in_range(t) {
                    return Err(RowError::new(
                        &f.label,
                        Some(&text),
                        format!("expected {}", limits::time_range()),
                    ));
                }
                Ok(Some(t))
            }
        }
    }

    /// A money field (expressions are evaluated in floating point and rounded to 1/10,000).
    pub fn money(&self, field: Field, row: &Row<'_>) -> Result<Option<Money>, RowError> {
        let Some(f) = field.map(|i| &self.fields[i]) else {
            return Ok(None);
        };
        let (money, shown) = if let ValueSource::Expr(..) = f.source {
            let v = f.eval(row, self.numbers)?;
            (Money::from_f64(v), v.to_string())
        } else {
            match f.text(row, self.numbers)? {
                None => return Ok(None),
                Some(text) => (
                    self.numbers
                        .parse_money(&text)
                        .map_err(|e| RowError::from_parse(&f.label, e))?,
                    text.into_owned(),
                ),
            }
        };
        check_money(&f.label, money, &shown)?;
        Ok(Some(money))
    }

    /// A numeric field.
    pub fn number(&self, field: Field, row: &Row<'_>) -> Result<Option<f64>, RowError> {
        let Some(f) = field.map(|i| &self.fields[i]) else {
            return Ok(None);
        };
        if let ValueSource::Expr(..) = f.source {
            return f.eval(row, self.numbers).map(Some);
        }
        match f.text(row, self.numbers)? {
            None => Ok(None),
            Some(text) => self
                .numbers
                .parse_f64(&text)
                .map(Some)
                .map_err(|e| RowError::from_parse(&f.label, e)),
        }
    }

    /// A boolean field.
    pub fn boolean(&self, field: Field, row: &Row<'_>) -> Result<Option<bool>, RowError> {
        let Some(f) = field.map(|i| &self.fields[i]) else {
            return Ok(None);
        };
        match f.text(row, self.numbers)? {
            None => Ok(None),
            Some(text) => parse_bool(&text).map(Some).ok_or_else(|| {
                RowError::new(
                    &f.label,
                    Some(&text),
                    "expected a yes/no value (true/false, yes/no, ja/nein, 1/0)",
                )
            }),
        }
    }

    /// Typed attribute values of the row.
    pub fn attribute_values(
        &mut self,
        row: &Row<'_>,
    ) -> Result<Vec<(String, AttrValue)>, RowError> {
        let mut out = Vec::with_capacity(self.attributes.len());
        for i in 0..self.attributes.len() {
            if let Some(value) = self.attribute_value(i, row)? {
                out.push((self.attributes[i].name.clone(), value));
            }
        }
        Ok(out)
    }

    /// Attribute `i` of the row, parsed by its type; `None` when empty.
    pub fn attribute_value(
        &mut self,
        i: usize,
        row: &Row<'_>,
    ) -> Result<Option<AttrValue>, RowError> {
        let numbers = self.numbers;
        let a = &mut self.attributes[i];
        let Some(text) = a.text(row, numbers)? else {
            return Ok(None);
        };
        let bad_bool = || {
            RowError::new(
                &a.label,
                Some(&text),
                "expected a yes/no value (true/false, yes/no, ja/nein, 1/0)",
            )
        };
        let value = match a.attr_type {
            AttrType::String => AttrValue::Text(text.to_string()),
            AttrType::Number => AttrValue::Number(
                numbers
                    .parse_f64(&text)
                    .map_err(|e| RowError::from_parse(&a.label, e))?,
            ),
            AttrType::Bool => AttrValue::Bool(parse_bool(&text).ok_or_else(bad_bool)?),
            AttrType::Date => {
                let text = text.into_owned();
                AttrValue::Date(
                    a.dates
                        .parse(&text)
                        .map_err(|e| RowError::from_parse(&a.label, e))?
                        .date(),
                )
            }
        };
        Ok(Some(value))
    }

    /// Event properties of the row (text).
    pub fn property_values(&self, row: &Row<'_>) -> Result<Vec<(String, String)>, RowError> {
        let mut out = Vec::with_capacity(self.properties.len());
        for p in &self.properties {
            if let Some(text) = p.text(row, self.numbers)? {
                out.push((p.name.clone(), text.into_owned()));
            }
        }
        Ok(out)
    }
}

impl Compiled {
    /// The header name or expression this field comes from.
    pub fn label(&self) -> &str {
        &self.label
    }

    /// The field's text as an owned string, `None` when empty.
    pub fn text_of(
        &self,
        row: &Row<'_>,
        numbers: NumberFormat,
    ) -> Result<Option<String>, RowError> {
        Ok(self.text(row, numbers)?.map(|c| c.into_owned()))
    }

    fn raw<'r>(&self, index: usize, row: &'r Row<'_>) -> Result<Cow<'r, str>, RowError> {
        let bytes = row.fields.get(index).unwrap_or_default();
        let text = decode(bytes, row.encoding)
            .map_err(|reason| RowError::new(&self.label, None, reason))?;
        Ok(match text {
            Cow::Borrowed(s) => Cow::Borrowed(s.trim()),
            Cow::Owned(s) => Cow::Owned(s.trim().to_owned()),
        })
    }

    fn text<'r>(
        &self,
        row: &'r Row<'_>,
        numbers: NumberFormat,
    ) -> Result<Option<Cow<'r, str>>, RowError> {
        let text = match &self.source {
            ValueSource::Column(i) => self.raw(*i, row)?,
            ValueSource::Const(v) => Cow::Owned(v.clone()),
            ValueSource::Expr(..) => Cow::Owned(format_number(self.eval(row, numbers)?)),
        };
        let text = if text.is_empty() {
            match &self.default {
                Some(d) => Cow::Owned(d.clone()),
                None => return Ok(None),
            }
        } else {
            text
        };
        if self.integer {
            return whole_number(&text, numbers)
                .map(|n| Some(Cow::Owned(n)))
                .ok_or_else(|| {
                    RowError::new(
                        &self.label,
                        Some(&text),
                        "expected a whole number (integer = true)",
                    )
                });
        }
        Ok(Some(text))
    }

    fn eval(&self, row: &Row<'_>, numbers: NumberFormat) -> Result<f64, RowError> {
        let ValueSource::Expr(expr, columns) = &self.source else {
            unreachable!("eval on a non-expression")
        };
        let mut failure = None;
        let result = expr.eval(&mut |name| {
            let index = columns
                .iter()
                .find(|(c, _)| c == name)
                .map(|(_, i)| *i)
                .unwrap_or(usize::MAX);
            let bytes = row.fields.get(index).unwrap_or_default();
            let text = decode(bytes, row.encoding)?;
            numbers.parse_f64(&text).map_err(|e| {
                failure = Some(RowError::new(
                    name,
                    Some(&e.value),
                    format!("expected {} (used in {:?})", e.expected, self.label),
                ));
                String::new()
            })
        });
        match (result, failure) {
            (_, Some(f)) => Err(f),
            (Ok(v), None) => Ok(v),
            (Err(reason), None) => Err(RowError::new(&self.label, None, reason)),
        }
    }
}

fn format_number(v: f64) -> String {
    if v.fract() == 0.0 && v.abs() < 1e15 {
        format!("{}", v as i64)
    } else {
        format!("{v}")
    }
}

/// `17850.0` → `17850`; `17850` stays; `17850.5` is not whole.
fn whole_number(text: &str, numbers: NumberFormat) -> Option<String> {
    if text.bytes().all(|b| b.is_ascii_digit()) {
        return Some(text.trim_start_matches('0').to_owned())
            .map(|s| if s.is_empty() { "0".into() } else { s });
    }
    let v = numbers.parse_f64(text).ok()?;
    (v.fract() == 0.0 && v.abs() < 9.0e15).then(|| format!("{}", v as i64))
}

/// Parses common spellings of yes/no in English and German.
pub(crate) fn parse_bool(text: &str) -> Option<bool> {
    match text.trim().to_lowercase().as_str() {
        "true" | "t" | "yes" | "y" | "1" | "ja" | "j" | "x" | "wahr" => Some(true),
        "false" | "f" | "no" | "n" | "0" | "nein" | "falsch" => Some(false),
        _ => None,
    }
}

/// A compiled row filter.
pub(crate) struct CompiledSkip {
    column: usize,
    rule: SkipRule,
}

impl CompiledSkip {
    fn matches(&self, row: &Row<'_>, numbers: &NumberFormat) -> bool {
        let bytes = row.fields.get(self.column).unwrap_or_default();
        let Ok(text) = decode(bytes, row.encoding) else {
            return false;
        };
        let text = text.trim();
        let r = &self.rule;
        if let Some(p) = &r.starts_with {
            return text.starts_with(p.as_str());
        }
        if let Some(v) = &r.equals {
            return text == v;
        }
        if let Some(vs) = &r.one_of {
            return vs.iter().any(|v| v == text);
        }
        if let Some(e) = r.empty {
            return text.is_empty() == e;
        }
        // Numeric rules never match text that is not a number: that row is left to validation.
        let Ok(x) = numbers.parse_f64(text) else {
            return false;
        };
        r.at_most.is_some_and(|t| x <= t)
            || r.below.is_some_and(|t| x < t)
            || r.at_least.is_some_and(|t| x >= t)
            || r.above.is_some_and(|t| x > t)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn whole_numbers_and_bools() {
        let n = NumberFormat::default();
        assert_eq!(whole_number("17850.0", n).as_deref(), Some("17850"));
        assert_eq!(whole_number("007", n).as_deref(), Some("7"));
        assert_eq!(whole_number("17850.5", n), None);
        assert_eq!(parse_bool("Ja"), Some(true));
        assert_eq!(parse_bool("maybe"), None);
    }
}
