//! Derived numeric fields: a tiny arithmetic language over a row's columns.
//!
//! Grammar: `expr := term (('+'|'-') term)*`, `term := factor (('*'|'/') factor)*`,
//! `factor := number | name | '`' any '`' | '(' expr ')' | '-' factor`. Names are header names
//! made of letters, digits, `_` and `.`; anything else goes in backticks.

use std::fmt;

/// A parsed arithmetic expression.
#[derive(Debug, Clone, PartialEq)]
pub enum ArithExpr {
    /// A literal number.
    Number(f64),
    /// A column of the row, by header name.
    Column(String),
    /// Negation.
    Neg(Box<ArithExpr>),
    /// A binary operation.
    Binary(Box<ArithExpr>, char, Box<ArithExpr>),
}

/// A syntax error at a character offset of the expression.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{message} at character {position} of expression {text:?}")]
pub struct ExprError {
    /// The expression.
    pub text: String,
    /// 1-based character position.
    pub position: usize,
    /// What was expected.
    pub message: String,
}

impl ArithExpr {
    /// Parses an expression.
    pub fn parse(text: &str) -> Result<Self, ExprError> {
        let mut p = Parser {
            chars: text.chars().collect(),
            pos: 0,
            text,
            depth: 0,
            operators: 0,
        };
        let e = p.expr()?;
        p.skip_ws();
        if p.pos < p.chars.len() {
            return Err(p.error("expected an operator (+ - * /) or the end"));
        }
        Ok(e)
    }

    /// The column names the expression reads, in order of appearance.
    pub fn columns(&self) -> Vec<&str> {
        let mut out = Vec::new();
        self.collect(&mut out);
        out
    }

    fn collect<'a>(&'a self, out: &mut Vec<&'a str>) {
        match self {
            ArithExpr::Number(_) => {}
            ArithExpr::Column(c) => out.push(c),
            ArithExpr::Neg(e) => e.collect(out),
            ArithExpr::Binary(a, _, b) => {
                a.collect(out);
                b.collect(out);
            }
        }
    }

    /// Evaluates with a lookup for column values. Division by zero gives an error text.
    pub fn eval(&self, lookup: &mut dyn FnMut(&str) -> Result<f64, String>) -> Result<f64, String> {
        Ok(match self {
            ArithExpr::Number(n) => *n,
            ArithExpr::Column(c) => lookup(c)?,
            ArithExpr::Neg(e) => -e.eval(lookup)?,
            ArithExpr::Binary(a, op, b) => {
                let (x, y) = (a.eval(lookup)?, b.eval(lookup)?);
                match op {
                    '+' => x + y,
                    '-' => x - y,
                    '*' => x * y,
                    _ if y == 0.0 => return Err("division by zero".into()),
                    _ => x / y,
                }
            }
        })
    }
}

impl fmt::Display for ArithExpr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ArithExpr::Number(n) => write!(f, "{n}"),
            ArithExpr::Column(c) => write!(f, "`{c}`"),
            ArithExpr::Neg(e) => write!(f, "-({e})"),
            ArithExpr::Binary(a, op, b) => write!(f, "({a} {op} {b})"),
        }
    }
}

/// Deepest nesting of parentheses and signs accepted.
const MAX_DEPTH: usize = 64;

/// Most operators accepted. With [`MAX_DEPTH`] this bounds every recursion over the tree
/// (parsing, evaluating, printing): a `patron.toml` with 100,000 nested parentheses or a
/// 100,000-term sum overflowed the stack (found by the ingest fuzz test).
const MAX_OPERATORS: usize = 1_000;

struct Parser<'a> {
    chars: Vec<char>,
    pos: usize,
    text: &'a str,
    depth: usize,
    operators: usize,
}

impl Parser<'_> {
    fn error(&self, message: &str) -> ExprError {
        ExprError {
            text: self.text.to_owned(),
            position: self.pos + 1,
            message: message.to_owned(),
        }
    }
    /// Counts one operator (binary or sign), refusing too many.
    fn operator(&mut self) -> Result<(), ExprError> {
        self.operators += 1;
        if self.operators > MAX_OPERATORS {
            return Err(self.error(&format!(
                "the expression has more than {MAX_OPERATORS} operators"
            )));
        }
        Ok(())
    }
    /// Enters a parenthesis or a sign, refusing to nest too deep.
    fn nest(&mut self) -> Result<(), ExprError> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return Err(self.error(&format!(
                "the expression is nested more than {MAX_DEPTH} levels deep"
            )));
        }
        Ok(())
    }
    fn skip_ws(&mut self) {
        while self.chars.get(self.pos).is_some_and(|c| c.is_whitespace()) {
            self.pos += 1;
        }
    }
    fn peek(&mut self) -> Option<char> {
        self.skip_ws();
        self.chars.get(self.pos).copied()
    }
    fn expr(&mut self) -> Result<ArithExpr, ExprError> {
        let mut left = self.term()?;
        while let Some(op @ ('+' | '-')) = self.peek() {
            self.operator()?;
            self.pos += 1;
            left = ArithExpr::Binary(Box::new(left), op, Box::new(self.term()?));
        }
        Ok(left)
    }
    fn term(&mut self) -> Result<ArithExpr, ExprError> {
        let mut left = self.factor()?;
        while let Some(op @ ('*' | '/')) = self.peek() {
            self.operator()?;
            self.pos += 1;
            left = ArithExpr::Binary(Box::new(left), op, Box::new(self.factor()?));
        }
        Ok(left)
    }
    fn factor(&mut self) -> Result<ArithExpr, ExprError> {
        match self.peek() {
            Some('-') => {
                self.operator()?;
                self.nest()?;
                self.pos += 1;
                let e = ArithExpr::Neg(Box::new(self.factor()?));
                self.depth -= 1;
                Ok(e)
            }
            Some('(') => {
                self.nest()?;
                self.pos += 1;
                let e = self.expr()?;
                if self.peek() != Some(')') {
                    return Err(self.error("expected ')'"));
                }
                self.pos += 1;
                self.depth -= 1;
                Ok(e)
            }
            Some('`') => {
                let start = self.pos + 1;
                let end = self.chars[start..]
                    .iter()
                    .position(|c| *c == '`')
                    .map(|i| start + i)
                    .ok_or_else(|| self.error("unclosed backtick"))?;
                self.pos = end + 1;
                Ok(ArithExpr::Column(self.chars[start..end].iter().collect()))
            }
            Some(c) if c.is_ascii_digit() || c == '.' => {
                let start = self.pos;
                while self
                    .chars
                    .get(self.pos)
                    .is_some_and(|c| c.is_ascii_digit() || *c == '.')
                {
                    self.pos += 1;
                }
                let s: String = self.chars[start..self.pos].iter().collect();
                s.parse().map(ArithExpr::Number).map_err(|_| ExprError {
                    text: self.text.to_owned(),
                    position: start + 1,
                    message: format!("{s:?} is not a number"),
                })
            }
            Some(c) if c.is_alphabetic() || c == '_' => {
                let start = self.pos;
                while self
                    .chars
                    .get(self.pos)
                    .is_some_and(|c| c.is_alphanumeric() || *c == '_' || *c == '.')
                {
                    self.pos += 1;
                }
                Ok(ArithExpr::Column(
                    self.chars[start..self.pos].iter().collect(),
                ))
            }
            _ => Err(self.error("expected a number, a column name or '('")),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_evaluates() {
        let e = ArithExpr::parse("Quantity * UnitPrice - `Rabatt EUR` / 2").unwrap();
        assert_eq!(e.columns(), vec!["Quantity", "UnitPrice", "Rabatt EUR"]);
        let v = e
            .eval(&mut |c| {
                Ok(match c {
                    "Quantity" => 3.0,
                    "UnitPrice" => 2.5,
                    _ => 1.0,
                })
            })
            .unwrap();
        assert_eq!(v, 7.0);
        assert_eq!(
            ArithExpr::parse("-(a + 2)")
                .unwrap()
                .eval(&mut |_| Ok(1.0))
                .unwrap(),
            -3.0
        );
        let err = ArithExpr::parse("a * ").unwrap_err();
        assert_eq!(err.position, 5);
        assert!(ArithExpr::parse("a b").is_err());
        assert!(ArithExpr::parse("(a").is_err());
        assert!(
            ArithExpr::parse("a / 0")
                .unwrap()
                .eval(&mut |_| Ok(1.0))
                .is_err()
        );
    }

    /// Found by the ingest fuzz test: 100,000 nested parentheses (or signs) overflowed the
    /// stack while parsing, and a 100,000-term sum while evaluating. Both are errors now, with
    /// their position; moderate ones still parse.
    #[test]
    fn deep_or_long_expressions_are_errors_not_stack_overflows() {
        let deep = format!("{}a{}", "(".repeat(100_000), ")".repeat(100_000));
        let e = ArithExpr::parse(&deep).unwrap_err();
        assert!(e.message.contains("nested more than 64"), "{e}");
        assert_eq!(e.position, 65);
        let signs = format!("{}a", "-".repeat(100_000));
        assert!(ArithExpr::parse(&signs).is_err());
        let long = vec!["a"; 100_000].join(" + ");
        let e = ArithExpr::parse(&long).unwrap_err();
        assert!(e.message.contains("more than 1000 operators"), "{e}");
        let ok = format!("{}a{}", "(".repeat(60), ")".repeat(60));
        assert!(ArithExpr::parse(&ok).is_ok());
        let sum = ArithExpr::parse(&vec!["a"; 1000].join(" + ")).unwrap();
        assert_eq!(sum.eval(&mut |_| Ok(1.0)).unwrap(), 1000.0);
    }
}
