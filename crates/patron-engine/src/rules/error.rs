//! Errors of the rule compiler: where (score, rule, line and column) and what was expected.

use patron_core::config::Spanned;
use patron_core::config::line_col;
use std::fmt;

/// A problem inside one expression, at a byte offset of the expression text.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct ExprError {
    /// Byte offset in the expression.
    pub(crate) offset: usize,
    /// What is wrong and what was expected.
    pub(crate) message: String,
}

impl ExprError {
    pub(crate) fn new(offset: usize, message: impl Into<String>) -> Self {
        ExprError {
            offset,
            message: message.into(),
        }
    }
}

/// A rule-set problem found at load time.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RuleError {
    /// The score the problem is in, if any.
    pub score: Option<String>,
    /// The rule (or stage or trigger) name, if any.
    pub rule: Option<String>,
    /// Byte offset in `patron.toml` of the problem: exact inside expressions written without
    /// escape sequences (literal strings `'…'` are the recommended form), otherwise the start of
    /// the expression's string.
    pub offset: usize,
    /// 1-based line and column inside the expression, when the problem is in one.
    pub expr_position: Option<(usize, usize)>,
    /// What is wrong, with what was expected and a suggestion where one exists.
    pub message: String,
}

impl RuleError {
    /// A problem of a whole item (not inside an expression).
    pub(crate) fn at(place: &Place, offset: usize, message: impl Into<String>) -> Self {
        RuleError {
            score: place.score.clone(),
            rule: place.rule.clone(),
            offset,
            expr_position: None,
            message: message.into(),
        }
    }

    /// A problem inside the expression `expr` (as spanned in `patron.toml`).
    pub(crate) fn in_expr(place: &Place, expr: &Spanned<String>, error: ExprError) -> Self {
        RuleError {
            score: place.score.clone(),
            rule: place.rule.clone(),
            offset: file_offset(expr, error.offset),
            expr_position: Some(line_col(expr.get_ref(), error.offset)),
            message: error.message,
        }
    }

    /// 1-based line and column in `patron.toml` (the text the configuration was parsed from).
    pub fn line_col(&self, toml_text: &str) -> (usize, usize) {
        line_col(toml_text, self.offset)
    }

    /// `path:line:column: message`, like the other configuration errors.
    pub fn render(&self, path: &str, toml_text: &str) -> String {
        let (line, column) = self.line_col(toml_text);
        format!("{path}:{line}:{column}: {self}")
    }
}

impl fmt::Display for RuleError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (&self.score, &self.rule) {
            (Some(s), Some(r)) => write!(f, "score `{s}`, rule {r:?}")?,
            (Some(s), None) => write!(f, "score `{s}`")?,
            (None, Some(r)) => write!(f, "{r}")?,
            (None, None) => return f.write_str(&self.message),
        }
        if let Some((line, column)) = self.expr_position {
            write!(f, ", expression line {line} column {column}")?;
        }
        write!(f, ": {}", self.message)
    }
}

impl std::error::Error for RuleError {}

/// Which item an error belongs to.
#[derive(Debug, Clone, Default)]
pub(crate) struct Place {
    pub(crate) score: Option<String>,
    pub(crate) rule: Option<String>,
}

impl Place {
    pub(crate) fn rule(score: &str, rule: &str) -> Self {
        Place {
            score: Some(score.to_owned()),
            rule: Some(rule.to_owned()),
        }
    }
    pub(crate) fn named(what: String) -> Self {
        Place {
            score: None,
            rule: Some(what),
        }
    }
}

/// Maps a byte offset inside a TOML string value to its byte offset in the file. The span covers
/// the quotes; when the content was copied verbatim (no escapes) its length tells how many
/// quote characters precede it: 1 (`'…'`, `"…"`), 3 (`'''…'''`) or 4 (a multi-line string whose
/// first newline TOML drops). Otherwise the start of the string is the best we know.
pub(crate) fn file_offset(expr: &Spanned<String>, offset: usize) -> usize {
    let span = expr.span();
    let content = expr.get_ref().len();
    let prefix = match span.len().checked_sub(content) {
        Some(2) => 1,
        Some(6) => 3,
        Some(7) => 4,
        _ => return span.start,
    };
    span.start + prefix + offset.min(content)
}
