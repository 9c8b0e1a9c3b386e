//! The error a parser of a domain value returns.

use std::fmt;

/// Why a raw text value could not become a domain value. The caller adds where it came from
/// (file, line, column); this type says what was wrong with the value itself.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub struct ParseError {
    /// The offending text, shortened to at most 80 characters.
    pub value: String,
    /// What was expected instead, e.g. "a date like 2024-03-31".
    pub expected: String,
}

impl ParseError {
    /// A parse error for `value`, which should have been `expected`.
    pub fn new(value: &str, expected: impl Into<String>) -> Self {
        let mut shown: String = value.chars().take(80).collect();
        if shown.len() < value.len() {
            shown.push('…');
        }
        Self {
            value: shown,
            expected: expected.into(),
        }
    }
}

impl fmt::Display for ParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:?} is not {}", self.value, self.expected)
    }
}
