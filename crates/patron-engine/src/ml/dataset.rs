//! A table prepared for training: the label as 0/1, the feature schema, and the design
//! matrices the learners take.

use super::encoding::{CategoryStyle, Design, EncodingOptions, Schema, labels};
use super::error::{MlError, Position};
use super::table::Table;

/// What to learn from a table.
#[derive(Debug, Clone, PartialEq)]
pub struct TrainSpec {
    /// The label column.
    pub label: String,
    /// The label value that counts as positive.
    pub positive: String,
    /// Columns never used as features (e.g. ids, or values known only after the outcome).
    pub drop: Vec<String>,
    /// Encoding settings.
    pub encoding: EncodingOptions,
}

/// A table with its label and features.
#[derive(Debug, Clone, PartialEq)]
pub struct Dataset {
    /// The feature columns.
    pub schema: Schema,
    /// 0/1 label per row.
    pub y: Vec<f64>,
}

impl Dataset {
    /// Checks the spec against the table (label and dropped columns exist, both classes
    /// occur) and infers the features.
    pub fn new(table: &Table, spec: &TrainSpec) -> Result<Dataset, MlError> {
        let label = table.require_column(&spec.label, "label")?;
        let mut exclude = vec![label];
        for name in &spec.drop {
            let index = table.require_column(name, "dropped")?;
            exclude.push(index);
        }
        let y = labels(table, label, &spec.positive)?;
        let schema = Schema::infer(table, &exclude, spec.encoding);
        if schema.columns.is_empty() {
            return Err(MlError::table(
                Position::line(1),
                "no usable feature columns are left",
            ));
        }
        Ok(Dataset { schema, y })
    }

    /// Rows.
    pub fn rows(&self) -> usize {
        self.y.len()
    }

    /// Rows with the positive label.
    pub fn positives(&self) -> usize {
        self.y.iter().filter(|&&v| v == 1.0).count()
    }

    /// The design matrix of the table with this category style.
    pub fn design(&self, table: &Table, style: CategoryStyle) -> Result<Design, MlError> {
        self.schema.encode(table, style)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec(label: &str, drop: &[&str]) -> TrainSpec {
        TrainSpec {
            label: label.into(),
            positive: "1".into(),
            drop: drop.iter().map(|s| s.to_string()).collect(),
            encoding: EncodingOptions::default(),
        }
    }

    #[test]
    fn checks_columns() {
        let t = Table::parse(b"a;b;target\n1;x;1\n2;y;0\n3;x;0\n").unwrap();
        let d = Dataset::new(&t, &spec("target", &["a"])).unwrap();
        assert_eq!(d.positives(), 1);
        assert_eq!(d.schema.columns.len(), 1);
        let e = Dataset::new(&t, &spec("label", &[])).unwrap_err();
        assert_eq!(
            e.to_string(),
            "line 1: label column `label` is not in the header (columns: a, b, target)"
        );
        let e = Dataset::new(&t, &spec("target", &["c"])).unwrap_err();
        assert!(e.to_string().contains("dropped column `c`"), "{e}");
    }
}
