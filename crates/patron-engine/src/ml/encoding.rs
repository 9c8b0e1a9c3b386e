//! From text cells to model inputs without manual preprocessing: column types are inferred,
//! categoricals one-hot (or ordinal) encoded, missing values kept as `NaN`, the label turned
//! into 0/1.
//!
//! Rules:
//! - a cell is *missing* if it is empty or one of [`MISSING_TOKENS`] (`?`, `NA`, `null`, …);
//!   `unknown` and other words are ordinary categories, as a one-hot encoder treats them;
//! - a column is *numeric* if every non-missing cell parses as a finite number (`.` decimals,
//!   optional sign and exponent); otherwise it is *categorical*, with its levels in sorted
//!   order;
//! - a categorical column keeps its [`EncodingOptions::max_levels`] most frequent levels and
//!   lumps the rest into `(other)`; one whose values are nearly all distinct (an identifier)
//!   is dropped, as are columns with a single value and no missing cells, and empty columns.
//!   Every dropped column is reported with its reason.

use super::error::{MlError, Position};
use super::matrix::Matrix;
use super::table::Table;
use serde::Serialize;
use std::collections::HashMap;

/// Cell values read as missing (besides the empty cell).
pub const MISSING_TOKENS: &[&str] = &[
    "?", "NA", "N/A", "n/a", "NaN", "nan", "null", "NULL", "None", "#N/A", "<NA>",
];

/// The level that stands for rare levels beyond [`EncodingOptions::max_levels`].
pub const OTHER_LEVEL: &str = "(other)";

/// Whether a (trimmed) cell is missing.
pub fn is_missing(cell: &str) -> bool {
    cell.is_empty() || MISSING_TOKENS.contains(&cell)
}

/// A cell as a finite number (`.` decimal point), if it is one.
pub fn parse_number(cell: &str) -> Option<f64> {
    let looks_numeric = cell
        .bytes()
        .all(|b| b.is_ascii_digit() || matches!(b, b'.' | b'-' | b'+' | b'e' | b'E'));
    if !looks_numeric {
        return None;
    }
    cell.parse::<f64>().ok().filter(|v| v.is_finite())
}

/// Settings of the encoding.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct EncodingOptions {
    /// Most levels a categorical column keeps; rarer ones become `(other)`.
    pub max_levels: usize,
}

impl Default for EncodingOptions {
    fn default() -> Self {
        EncodingOptions { max_levels: 64 }
    }
}

/// How categoricals become numbers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum CategoryStyle {
    /// One 0/1 column per level; a missing or unseen value is all zeros.
    OneHot,
    /// One column holding the level's index; missing or unseen is `NaN`.
    Ordinal,
}

/// What a feature column holds.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ColumnKind {
    /// Numbers.
    Numeric,
    /// Text levels (sorted; [`OTHER_LEVEL`] last if rare levels were lumped).
    Categorical {
        /// The levels kept.
        levels: Vec<String>,
    },
}

/// A table column used as a feature.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FeatureColumn {
    /// Header name.
    pub name: String,
    /// Index of the column in the table.
    #[serde(skip)]
    pub source: usize,
    /// Numeric or categorical.
    #[serde(flatten)]
    pub kind: ColumnKind,
    /// Missing cells.
    pub missing: usize,
}

/// A table column left out, and why.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DroppedColumn {
    /// Header name.
    pub name: String,
    /// Why it was dropped.
    pub reason: String,
}

/// The feature columns of a table, as inferred from its cells (no label is looked at).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Schema {
    /// Features, in table order.
    pub columns: Vec<FeatureColumn>,
    /// Columns not used.
    pub dropped: Vec<DroppedColumn>,
}

/// An encoded table: the matrix and, for each matrix column, its name and feature column.
#[derive(Debug, Clone, PartialEq)]
pub struct Design {
    /// Rows × encoded columns, `NaN` for missing.
    pub matrix: Matrix,
    /// Name of each matrix column (`job=admin.` for a one-hot level).
    pub names: Vec<String>,
    /// For each matrix column, the index into [`Schema::columns`] it came from.
    pub source: Vec<usize>,
    /// Matrix columns holding level codes of a categorical ([`CategoryStyle::Ordinal`]).
    pub categorical: Vec<usize>,
}

impl Schema {
    /// Infers the feature columns of `table`, leaving out the columns in `exclude` (the label
    /// and dropped columns).
    pub fn infer(table: &Table, exclude: &[usize], options: EncodingOptions) -> Schema {
        let mut schema = Schema {
            columns: Vec::new(),
            dropped: Vec::new(),
        };
        for (index, name) in table.header().iter().enumerate() {
            if exclude.contains(&index) {
                continue;
            }
            match infer_column(table.column(index), options) {
                Ok((kind, missing)) => schema.columns.push(FeatureColumn {
                    name: name.clone(),
                    source: index,
                    kind,
                    missing,
                }),
                Err(reason) => schema.dropped.push(DroppedColumn {
                    name: name.clone(),
                    reason,
                }),
            }
        }
        schema
    }

    /// Encodes the rows of `table` (which must have this schema's columns at the same
    /// positions, e.g. the table it was inferred from).
    pub fn encode(&self, table: &Table, style: CategoryStyle) -> Result<Design, MlError> {
        let mut columns = Vec::new();
        let mut names = Vec::new();
        let mut source = Vec::new();
        let mut categorical = Vec::new();
        for (feature, column) in self.columns.iter().enumerate() {
            let cells = table.column(column.source);
            let encoded = match &column.kind {
                ColumnKind::Numeric => vec![numeric_values(table, column, cells)?],
                ColumnKind::Categorical { levels } => {
                    if style == CategoryStyle::Ordinal {
                        categorical.push(columns.len());
                    }
                    categorical_values(cells, levels, style)
                }
            };
            for (i, values) in encoded.into_iter().enumerate() {
                names.push(encoded_name(column, style, i));
                source.push(feature);
                columns.push(values);
            }
        }
        let matrix = if columns.is_empty() {
            Matrix::from_columns_data(Vec::new(), table.rows(), 0)?
        } else {
            Matrix::from_columns(&columns)?
        };
        Ok(Design {
            matrix,
            names,
            source,
            categorical,
        })
    }
}

/// The kind of a column and its missing count, or why it is dropped.
fn infer_column(cells: &[String], options: EncodingOptions) -> Result<(ColumnKind, usize), String> {
    let missing = cells.iter().filter(|c| is_missing(c)).count();
    let present = cells.len() - missing;
    if present == 0 {
        return Err("no values".into());
    }
    let mut counts: HashMap<&str, usize> = HashMap::new();
    for cell in cells.iter().filter(|c| !is_missing(c)) {
        *counts.entry(cell.as_str()).or_default() += 1;
    }
    if counts.len() == 1 && missing == 0 {
        return Err(format!("a single value (`{}`)", cells[0]));
    }
    if counts.keys().all(|c| parse_number(c).is_some()) {
        return Ok((ColumnKind::Numeric, missing));
    }
    if counts.len() > options.max_levels && counts.len() * 2 > present {
        return Err(format!(
            "identifier-like: {} distinct values in {present} rows",
            counts.len()
        ));
    }
    Ok((
        ColumnKind::Categorical {
            levels: kept_levels(counts, options.max_levels),
        },
        missing,
    ))
}

/// The `max_levels` most frequent levels, sorted, plus [`OTHER_LEVEL`] if any were left out.
fn kept_levels(counts: HashMap<&str, usize>, max_levels: usize) -> Vec<String> {
    let mut by_count: Vec<(&str, usize)> = counts.into_iter().collect();
    by_count.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(b.0)));
    let lumped = by_count.len() > max_levels;
    by_count.truncate(max_levels);
    let mut levels: Vec<String> = by_count.into_iter().map(|(l, _)| l.to_owned()).collect();
    levels.sort();
    if lumped {
        levels.push(OTHER_LEVEL.to_owned());
    }
    levels
}

fn numeric_values(
    table: &Table,
    column: &FeatureColumn,
    cells: &[String],
) -> Result<Vec<f64>, MlError> {
    let mut values = Vec::with_capacity(cells.len());
    for (row, cell) in cells.iter().enumerate() {
        if is_missing(cell) {
            values.push(f64::NAN);
            continue;
        }
        let value = parse_number(cell).ok_or_else(|| {
            MlError::table(
                Position::field(table.line_of(row), column.source, &column.name),
                format!("`{cell}` is not a number"),
            )
        })?;
        values.push(value);
    }
    Ok(values)
}

/// The encoded columns of a categorical: one per level (one-hot) or one with level indices.
fn categorical_values(cells: &[String], levels: &[String], style: CategoryStyle) -> Vec<Vec<f64>> {
    let index: HashMap<&str, usize> = levels
        .iter()
        .enumerate()
        .map(|(i, l)| (l.as_str(), i))
        .collect();
    let other = index.get(OTHER_LEVEL).copied();
    let code = |cell: &String| -> Option<usize> {
        if is_missing(cell) {
            return None;
        }
        index.get(cell.as_str()).copied().or(other)
    };
    match style {
        CategoryStyle::Ordinal => vec![
            cells
                .iter()
                .map(|c| code(c).map_or(f64::NAN, |i| i as f64))
                .collect(),
        ],
        CategoryStyle::OneHot => {
            let mut columns = vec![vec![0.0; cells.len()]; levels.len()];
            for (row, cell) in cells.iter().enumerate() {
                if let Some(i) = code(cell) {
                    columns[i][row] = 1.0;
                }
            }
            columns
        }
    }
}

fn encoded_name(column: &FeatureColumn, style: CategoryStyle, i: usize) -> String {
    match (&column.kind, style) {
        (ColumnKind::Categorical { levels }, CategoryStyle::OneHot) => {
            format!("{}={}", column.name, levels[i])
        }
        _ => column.name.clone(),
    }
}

/// The 0/1 label of every row: 1 where the label cell equals `positive` (as text, or as a
/// number when both are numbers).
pub fn labels(table: &Table, label: usize, positive: &str) -> Result<Vec<f64>, MlError> {
    let name = &table.header()[label];
    let positive_number = parse_number(positive);
    let mut y = Vec::with_capacity(table.rows());
    for (row, cell) in table.column(label).iter().enumerate() {
        if is_missing(cell) {
            return Err(MlError::table(
                Position::field(table.line_of(row), label, name),
                format!("the label is missing (`{cell}`)"),
            ));
        }
        let is_positive =
            cell == positive || positive_number.is_some_and(|p| parse_number(cell) == Some(p));
        y.push(if is_positive { 1.0 } else { 0.0 });
    }
    // A binary model needs exactly two label values: with three or more, "positive against
    // all the others" is a modelling decision the user must make, not a silent default
    // (issue 11, defect 9). Numbers that are equal (`1`, `1.0`) are one value.
    let mut distinct: Vec<&str> = Vec::new();
    for cell in table.column(label) {
        let same = |v: &&str| {
            *v == cell
                || parse_number(v).is_some_and(|a| parse_number(cell).is_some_and(|b| a == b))
        };
        if !distinct.iter().any(same) {
            distinct.push(cell);
            if distinct.len() > 2 {
                break;
            }
        }
    }
    if distinct.len() > 2 {
        return Err(MlError::table(
            Position::column(label, name),
            format!(
                "the label column has more than two values (values: {}); a binary model needs two: keep only the rows of two values, or recode the column so that every row is either `{positive}` or one other value",
                value_counts(table.column(label))
            ),
        ));
    }
    let positives = y.iter().filter(|&&v| v == 1.0).count();
    if positives == 0 || positives == y.len() {
        let what = if positives == 0 {
            format!("the positive value `{positive}` never occurs")
        } else {
            format!("every row has the positive value `{positive}`")
        };
        return Err(MlError::table(
            Position::column(label, name),
            format!(
                "{what} in the label column (values: {})",
                value_counts(table.column(label))
            ),
        ));
    }
    Ok(y)
}

/// The most frequent values of a column with their counts, for messages.
fn value_counts(cells: &[String]) -> String {
    let mut counts: HashMap<&str, usize> = HashMap::new();
    for cell in cells {
        *counts.entry(cell.as_str()).or_default() += 1;
    }
    let mut counts: Vec<_> = counts.into_iter().collect();
    counts.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(b.0)));
    let shown: Vec<String> = counts
        .iter()
        .take(10)
        .map(|(v, n)| format!("`{v}` ×{n}"))
        .collect();
    let more = counts.len().saturating_sub(10);
    if more > 0 {
        format!("{} and {more} more", shown.join(", "))
    } else {
        shown.join(", ")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn table() -> Table {
        Table::parse(
            b"id,age,job,income,y\n\
              a1,30,admin,1.5,yes\n\
              a2,?,unknown,,no\n\
              a3,41,admin,2.5e1,no\n\
              a4,25,,3,yes\n",
        )
        .unwrap()
    }

    #[test]
    fn infers_numeric_and_categorical_columns() {
        let t = table();
        let schema = Schema::infer(&t, &[4], EncodingOptions { max_levels: 2 });
        let kinds: Vec<_> = schema
            .columns
            .iter()
            .map(|c| (&c.name[..], c.missing))
            .collect();
        assert_eq!(kinds, [("age", 1), ("job", 1), ("income", 1)]);
        assert_eq!(schema.dropped[0].name, "id");
        assert_eq!(
            schema.columns[1].kind,
            ColumnKind::Categorical {
                levels: vec!["admin".into(), "unknown".into()]
            }
        );
        let d = schema.encode(&t, CategoryStyle::OneHot).unwrap();
        assert_eq!(d.names, ["age", "job=admin", "job=unknown", "income"]);
        assert_eq!(d.source, [0, 1, 1, 2]);
        assert!(d.matrix.get(1, 0).is_nan());
        assert_eq!(d.matrix.col(1), &[1.0, 0.0, 1.0, 0.0]);
        assert_eq!(d.matrix.col(3)[2], 25.0);
        assert!(d.matrix.col(3)[1].is_nan());
        let d = schema.encode(&t, CategoryStyle::Ordinal).unwrap();
        assert_eq!(d.matrix.col(1)[..3], [0.0, 1.0, 0.0]);
        assert_eq!(d.categorical, [1]);
        assert!(d.matrix.col(1)[3].is_nan());
    }

    #[test]
    fn lumps_rare_levels() {
        let t = Table::parse(b"c,n\na,1\na,2\na,3\nb,3\nb,4\nb,5\nc,5\nd,6\n").unwrap();
        let schema = Schema::infer(&t, &[], EncodingOptions { max_levels: 2 });
        let ColumnKind::Categorical { levels } = &schema.columns[0].kind else {
            panic!()
        };
        assert_eq!(levels, &["a", "b", OTHER_LEVEL]);
        let d = schema.encode(&t, CategoryStyle::OneHot).unwrap();
        assert_eq!(d.names[2], "c=(other)");
        assert_eq!(d.matrix.col(2), &[0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 1.0, 1.0]);
    }

    #[test]
    fn drops_identifiers_and_constants() {
        let mut text = String::from("id,c,x\n");
        for i in 0..100 {
            text.push_str(&format!("k{i},1,{}\n", i % 3));
        }
        let t = Table::parse(text.as_bytes()).unwrap();
        let schema = Schema::infer(&t, &[], EncodingOptions::default());
        assert_eq!(schema.columns.len(), 1);
        let reasons: Vec<_> = schema.dropped.iter().map(|d| &d.reason[..]).collect();
        assert_eq!(
            reasons,
            [
                "identifier-like: 100 distinct values in 100 rows",
                "a single value (`1`)"
            ]
        );
    }

    #[test]
    fn labels_match_text_or_number() {
        let t = table();
        assert_eq!(labels(&t, 4, "yes").unwrap(), [1.0, 0.0, 0.0, 1.0]);
        assert_eq!(
            labels(&t, 1, "30.0").unwrap_err().to_string(),
            "line 3, column 2 (age): the label is missing (`?`)"
        );
        let e = labels(&t, 4, "Yes").unwrap_err().to_string();
        assert_eq!(
            e,
            "line 1, column 5 (y): the positive value `Yes` never occurs in the label column (values: `no` ×2, `yes` ×2)"
        );
    }

    /// Issue 11, defect 9: a three-valued label was silently read as `positive` against the
    /// rest.
    #[test]
    fn a_label_with_three_values_is_an_error_listing_them() {
        let t = Table::parse(b"x,y\n1,yes\n2,no\n3,maybe\n4,yes\n").unwrap();
        let e = labels(&t, 1, "yes").unwrap_err().to_string();
        assert!(
            e.contains("more than two values (values: `yes` ×2, `maybe` ×1, `no` ×1)"),
            "{e}"
        );
        assert!(e.contains("recode"), "{e}");
        // Two values written as equal numbers are one value.
        let t = Table::parse(b"x,y\n1,1\n2,1.0\n3,0\n").unwrap();
        assert_eq!(labels(&t, 1, "1").unwrap(), [1.0, 1.0, 0.0]);
    }
}
