//! The errors of tabular training: where in a table something is wrong, and why.

use std::fmt;

/// A place in a delimited text file: 1-based line and column, and the column's name.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Position {
    /// 1-based line of the file (the header is line 1).
    pub line: Option<u64>,
    /// 1-based column (field) number.
    pub column: Option<usize>,
    /// The column's header name.
    pub name: Option<String>,
}

impl Position {
    /// A whole line.
    pub fn line(line: u64) -> Self {
        Position {
            line: Some(line),
            ..Position::default()
        }
    }

    /// A field: line, 0-based column index and the column's name.
    pub fn field(line: u64, column: usize, name: &str) -> Self {
        Position {
            line: Some(line),
            column: Some(column + 1),
            name: Some(name.to_owned()),
        }
    }

    /// A whole column: 0-based column index and name, at the header line.
    pub fn column(column: usize, name: &str) -> Self {
        Position::field(1, column, name)
    }
}

impl fmt::Display for Position {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut parts = Vec::new();
        if let Some(line) = self.line {
            parts.push(format!("line {line}"));
        }
        if let Some(column) = self.column {
            parts.push(format!("column {column}"));
        }
        let mut text = parts.join(", ");
        if let Some(name) = &self.name {
            if !text.is_empty() {
                text.push(' ');
            }
            text.push_str(&format!("({name})"));
        }
        f.write_str(&text)
    }
}

/// Why a table could not be read or a model could not be trained.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum MlError {
    /// The data table is malformed or does not fit the request (missing label column, a
    /// positive value that never occurs, ragged rows, …).
    #[error("{}{message}", prefix(at))]
    Table {
        /// Where.
        at: Position,
        /// What is wrong.
        message: String,
    },
    /// The folds file is malformed or does not match the table.
    #[error("{}{message}", prefix(at))]
    Folds {
        /// Where, in the folds file.
        at: Position,
        /// What is wrong.
        message: String,
    },
    /// Inconsistent arguments (matrix shapes, parameters).
    #[error("{0}")]
    Invalid(String),
    /// The learner failed.
    #[error("model fit failed: {0}")]
    Fit(String),
}

impl MlError {
    /// A table error at a position.
    pub fn table(at: Position, message: impl Into<String>) -> Self {
        MlError::Table {
            at,
            message: message.into(),
        }
    }

    /// A folds-file error at a position.
    pub fn folds(at: Position, message: impl Into<String>) -> Self {
        MlError::Folds {
            at,
            message: message.into(),
        }
    }

    /// A stable machine-readable code.
    pub fn code(&self) -> patron_core::code::Code {
        use patron_core::code::Code;
        match self {
            MlError::Table { .. } => Code::BadTable,
            MlError::Folds { .. } => Code::BadFolds,
            MlError::Invalid(_) => Code::InvalidArgument,
            MlError::Fit(_) => Code::FitFailed,
        }
    }
}

fn prefix(at: &Position) -> String {
    let text = at.to_string();
    if text.is_empty() {
        text
    } else {
        format!("{text}: ")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_name_line_column_and_name() {
        let e = MlError::table(Position::field(7, 2, "age"), "not a number: `x`");
        assert_eq!(e.to_string(), "line 7, column 3 (age): not a number: `x`");
        let e = MlError::table(Position::default(), "empty");
        assert_eq!(e.to_string(), "empty");
    }
}
