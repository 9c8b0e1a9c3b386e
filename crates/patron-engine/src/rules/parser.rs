//! Recursive-descent parser of the condition language.
//!
//! ```text
//! expr       := or
//! or         := and ("||" and)*
//! and        := comparison ("&&" comparison)*
//! comparison := sum [ ("==" | "!=" | "<" | "<=" | ">" | ">=") sum
//!                   | "in" "[" literal ("," literal)* "]"
//!                   | "=~" string ]
//! sum        := product (("+" | "-") product)*
//! product    := unary (("*" | "/") unary)*
//! unary      := ("!" | "-") unary | primary
//! primary    := number | duration | string | "(" expr ")" | chain
//! chain      := segment ("." segment)*
//! segment    := name [ "(" [arg ("," arg)*] ")" ]
//! arg        := "last" duration | name "=" expr | expr
//! ```
//!
//! Comparisons do not chain (`a < b < c` is an error), so every condition reads one way.

use super::ast::{Arg, BinOp, Node, NodeKind, Segment};
use super::error::ExprError;
use super::lexer::{Tok, Token, tokenize};

/// Parses a whole expression.
pub(crate) fn parse(text: &str) -> Result<Node, ExprError> {
    let tokens = tokenize(text)?;
    if tokens.len() > MAX_TOKENS {
        return Err(ExprError::new(
            tokens[MAX_TOKENS].start,
            format!(
                "the expression is longer than {MAX_TOKENS} tokens; split it into several rules"
            ),
        ));
    }
    let mut parser = Parser {
        tokens,
        pos: 0,
        depth: 0,
    };
    let node = parser.or()?;
    let next = parser.peek();
    if next.tok != Tok::End {
        return Err(parser.trailing(next));
    }
    if let Some(at) = too_deep(&node, 1) {
        return Err(ExprError::new(
            at,
            format!(
                "the expression has more than {MAX_TREE_DEPTH} operators in a row; write `x in [\"a\", \"b\"]` for many alternatives, or split it into several rules"
            ),
        ));
    }
    Ok(node)
}

/// Deepest syntax tree accepted. Parentheses and calls are limited by [`MAX_DEPTH`], but a
/// chain of operators (`a || b || c …`) nests its tree one level per operator without nesting
/// the text; the checker and the evaluator recurse over the tree, and 400 levels overflowed a
/// 2 MiB thread stack (found by the filter-language fuzz test).
const MAX_TREE_DEPTH: usize = 128;

/// The start of a node deeper than [`MAX_TREE_DEPTH`], if any (`depth` is `node`'s own). The
/// recursion is bounded by the token count and each frame is small.
fn too_deep(node: &Node, depth: usize) -> Option<usize> {
    if depth > MAX_TREE_DEPTH {
        return Some(node.start);
    }
    let next = depth + 1;
    match &node.kind {
        NodeKind::Number(_) | NodeKind::Duration(_) | NodeKind::Str(_) => None,
        NodeKind::Not(a) | NodeKind::Neg(a) => too_deep(a, next),
        NodeKind::Binary(_, a, b) | NodeKind::Match(a, b) => {
            too_deep(a, next).or_else(|| too_deep(b, next))
        }
        NodeKind::In(a, items) => {
            too_deep(a, next).or_else(|| items.iter().find_map(|i| too_deep(i, next)))
        }
        NodeKind::Chain(segments) => segments
            .iter()
            .flat_map(|s| s.args.iter().flatten())
            .find_map(|arg| match arg {
                Arg::Value(n) | Arg::Named { value: n, .. } => too_deep(n, next),
                Arg::Window { .. } => None,
            }),
    }
}

struct Parser {
    tokens: Vec<Token>,
    pos: usize,
    /// Current nesting, limited so that a pathological expression is an error, not a stack
    /// overflow.
    depth: usize,
}

/// Deepest nesting of parentheses, calls and unary operators accepted.
const MAX_DEPTH: usize = 64;

/// Longest expression accepted; with [`MAX_DEPTH`] this bounds every recursion over the tree.
const MAX_TOKENS: usize = 1_000;

fn node(kind: NodeKind, start: usize, end: usize) -> Node {
    Node { kind, start, end }
}

fn binary(op: BinOp, a: Node, b: Node) -> Node {
    let (start, end) = (a.start, b.end);
    node(NodeKind::Binary(op, Box::new(a), Box::new(b)), start, end)
}

impl Parser {
    fn peek(&self) -> Token {
        self.tokens[self.pos.min(self.tokens.len() - 1)].clone()
    }

    fn bump(&mut self) -> Token {
        let t = self.peek();
        if self.pos < self.tokens.len() - 1 {
            self.pos += 1;
        }
        t
    }

    fn eat(&mut self, tok: &Tok) -> bool {
        if &self.peek().tok == tok {
            self.bump();
            true
        } else {
            false
        }
    }

    fn expect(&mut self, tok: &Tok, what: &str) -> Result<Token, ExprError> {
        let t = self.peek();
        if &t.tok == tok {
            Ok(self.bump())
        } else {
            Err(ExprError::new(
                t.start,
                format!("expected {what}, found {}", t.tok.describe()),
            ))
        }
    }

    /// A helpful message for a token after a complete expression.
    fn trailing(&self, t: Token) -> ExprError {
        let hint = match &t.tok {
            Tok::Ident(w) if w == "and" => "; write `&&` for and".to_owned(),
            Tok::Ident(w) if w == "or" => "; write `||` for or".to_owned(),
            Tok::Assign => "; write `==` to compare".to_owned(),
            Tok::RParen => "; there is no `(` to close".to_owned(),
            _ => String::new(),
        };
        ExprError::new(
            t.start,
            format!(
                "unexpected {} after a complete expression; expected an operator such as && or || or the end{hint}",
                t.tok.describe()
            ),
        )
    }

    fn nest(&mut self) -> Result<(), ExprError> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return Err(ExprError::new(
                self.peek().start,
                format!("the expression is nested more than {MAX_DEPTH} levels deep"),
            ));
        }
        Ok(())
    }

    fn or(&mut self) -> Result<Node, ExprError> {
        self.nest()?;
        let mut left = self.and()?;
        while self.eat(&Tok::Or) {
            let right = self.and()?;
            left = binary(BinOp::Or, left, right);
        }
        self.depth -= 1;
        Ok(left)
    }

    fn and(&mut self) -> Result<Node, ExprError> {
        let mut left = self.comparison()?;
        while self.eat(&Tok::And) {
            let right = self.comparison()?;
            left = binary(BinOp::And, left, right);
        }
        Ok(left)
    }

    fn comparison_op(tok: &Tok) -> Option<BinOp> {
        Some(match tok {
            Tok::Eq => BinOp::Eq,
            Tok::Ne => BinOp::Ne,
            Tok::Lt => BinOp::Lt,
            Tok::Le => BinOp::Le,
            Tok::Gt => BinOp::Gt,
            Tok::Ge => BinOp::Ge,
            _ => return None,
        })
    }

    fn comparison(&mut self) -> Result<Node, ExprError> {
        let left = self.sum()?;
        let t = self.peek();
        let result = if let Some(op) = Self::comparison_op(&t.tok) {
            self.bump();
            let right = self.sum()?;
            binary(op, left, right)
        } else if t.tok == Tok::Ident("in".into()) {
            self.bump();
            self.in_list(left)?
        } else if t.tok == Tok::Match {
            self.bump();
            let pattern = self.sum()?;
            let (start, end) = (left.start, pattern.end);
            node(
                NodeKind::Match(Box::new(left), Box::new(pattern)),
                start,
                end,
            )
        } else {
            return Ok(left);
        };
        let next = self.peek();
        if Self::comparison_op(&next.tok).is_some() || next.tok == Tok::Match {
            return Err(ExprError::new(
                next.start,
                "comparisons cannot be chained; write `a < b && b < c`",
            ));
        }
        Ok(result)
    }

    fn in_list(&mut self, left: Node) -> Result<Node, ExprError> {
        self.expect(
            &Tok::LBracket,
            "`[` to start a list like [\"a\", \"b\"] after `in`",
        )?;
        let mut items = Vec::new();
        if !self.eat(&Tok::RBracket) {
            loop {
                items.push(self.unary()?);
                if self.eat(&Tok::RBracket) {
                    break;
                }
                self.expect(&Tok::Comma, "`,` or `]` in the list")?;
            }
        }
        let end = self.tokens[self.pos.saturating_sub(1)].end;
        let start = left.start;
        Ok(node(NodeKind::In(Box::new(left), items), start, end))
    }

    fn sum(&mut self) -> Result<Node, ExprError> {
        let mut left = self.product()?;
        loop {
            let op = match self.peek().tok {
                Tok::Plus => BinOp::Add,
                Tok::Minus => BinOp::Sub,
                _ => return Ok(left),
            };
            self.bump();
            let right = self.product()?;
            left = binary(op, left, right);
        }
    }

    fn product(&mut self) -> Result<Node, ExprError> {
        let mut left = self.unary()?;
        loop {
            let op = match self.peek().tok {
                Tok::Star => BinOp::Mul,
                Tok::Slash => BinOp::Div,
                _ => return Ok(left),
            };
            self.bump();
            let right = self.unary()?;
            left = binary(op, left, right);
        }
    }

    fn unary(&mut self) -> Result<Node, ExprError> {
        let t = self.peek();
        let wrap: fn(Box<Node>) -> NodeKind = match t.tok {
            Tok::Not => NodeKind::Not,
            Tok::Minus => NodeKind::Neg,
            _ => return self.primary(),
        };
        self.bump();
        self.nest()?;
        let inner = self.unary()?;
        self.depth -= 1;
        let end = inner.end;
        Ok(node(wrap(Box::new(inner)), t.start, end))
    }

    fn primary(&mut self) -> Result<Node, ExprError> {
        let t = self.bump();
        let kind = match t.tok {
            Tok::Number(n) => NodeKind::Number(n),
            Tok::Duration(d) => NodeKind::Duration(d),
            Tok::Str(s) => NodeKind::Str(s),
            Tok::LParen => {
                let inner = self.or()?;
                let close = self.peek();
                if close.tok != Tok::RParen {
                    return Err(ExprError::new(
                        close.start,
                        format!(
                            "expected `)` to close the `(` at column {}, found {}",
                            t.start + 1,
                            close.tok.describe()
                        ),
                    ));
                }
                self.bump();
                return Ok(node(inner.kind, t.start, close.end));
            }
            Tok::Ident(name) => return self.chain(name, t.start, t.end),
            other => {
                return Err(ExprError::new(
                    t.start,
                    format!(
                        "expected a value (a number, \"text\", a name or `(`), found {}",
                        other.describe()
                    ),
                ));
            }
        };
        Ok(node(kind, t.start, t.end))
    }

    fn chain(&mut self, first: String, start: usize, end: usize) -> Result<Node, ExprError> {
        let mut segments = vec![self.segment(first, start, end)?];
        while self.eat(&Tok::Dot) {
            let t = self.bump();
            let Tok::Ident(name) = t.tok else {
                return Err(ExprError::new(
                    t.start,
                    format!("expected a name after `.`, found {}", t.tok.describe()),
                ));
            };
            segments.push(self.segment(name, t.start, t.end)?);
        }
        let end = segments.last().map_or(end, |s| s.end);
        Ok(node(NodeKind::Chain(segments), start, end))
    }

    fn segment(&mut self, name: String, start: usize, end: usize) -> Result<Segment, ExprError> {
        if !self.eat(&Tok::LParen) {
            return Ok(Segment {
                name,
                start,
                end,
                args: None,
            });
        }
        let mut args = Vec::new();
        if !self.eat(&Tok::RParen) {
            loop {
                args.push(self.arg()?);
                if self.eat(&Tok::RParen) {
                    break;
                }
                self.expect(&Tok::Comma, "`,` or `)` in the argument list")?;
            }
        }
        let end = self.tokens[self.pos - 1].end;
        Ok(Segment {
            name,
            start,
            end,
            args: Some(args),
        })
    }

    fn arg(&mut self) -> Result<Arg, ExprError> {
        let t = self.peek();
        let next = self.tokens.get(self.pos + 1).map(|n| n.tok.clone());
        match (&t.tok, next) {
            (Tok::Ident(w), Some(Tok::Duration(duration))) if w == "last" => {
                self.bump();
                self.bump();
                Ok(Arg::Window {
                    duration,
                    start: t.start,
                })
            }
            (Tok::Ident(w), Some(other))
                if w == "last" && other != Tok::Dot && other != Tok::LParen =>
            {
                let at = self.tokens[self.pos + 1].start;
                let hint = match other {
                    Tok::Number(n) => format!("; write `last {n}d` for days"),
                    _ => String::new(),
                };
                Err(ExprError::new(
                    at,
                    format!(
                        "expected a duration like 90d after `last`, found {}{hint}",
                        other.describe()
                    ),
                ))
            }
            (Tok::Ident(name), Some(Tok::Assign)) => {
                let name = name.clone();
                self.bump();
                self.bump();
                let value = self.or()?;
                Ok(Arg::Named {
                    name,
                    start: t.start,
                    value,
                })
            }
            _ => Ok(Arg::Value(self.or()?)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn canonical(text: &str) -> String {
        parse(text).unwrap().to_string()
    }

    #[test]
    fn precedence_and_canonical_form() {
        assert_eq!(canonical("a || b && c"), r#"("a" || ("b" && "c"))"#);
        assert_eq!(canonical("1 + 2 * 3 > 6"), "((1.0 + (2.0 * 3.0)) > 6.0)");
        assert_eq!(
            canonical("!has(x) && -y < 0"),
            r#"(!("has"("x")) && (-("y") < 0.0))"#
        );
        assert_eq!(
            canonical(r#"events("email_open").count(last 90d) == 0"#),
            r#"("events"("email_open")."count"(last 7776000s) == 0.0)"#
        );
        assert_eq!(
            canonical(r#"orders.count(category = "Shoes", last 1y)"#),
            r#""orders"."count"("category" = "Shoes", last 31557600s)"#
        );
        assert_eq!(canonical("x in ['a', \"b\"]"), r#"("x" in ["a", "b"])"#);
        assert_eq!(canonical("(a)"), canonical("  a "));
    }

    #[test]
    fn syntax_errors_say_what_was_expected() {
        let e = parse("a &&").unwrap_err();
        assert_eq!(e.offset, 4);
        assert!(e.message.contains("expected a value"), "{}", e.message);
        let e = parse("(a || b").unwrap_err();
        assert!(e.message.contains("expected `)`"), "{}", e.message);
        let e = parse("a < b < c").unwrap_err();
        assert!(e.message.contains("cannot be chained"), "{}", e.message);
        let e = parse("a and b").unwrap_err();
        assert!(e.message.contains("`&&`"), "{}", e.message);
        let e = parse("orders.count(last 90)").unwrap_err();
        assert!(e.message.contains("`last 90d`"), "{}", e.message);
        let e = parse("x = 1").unwrap_err();
        assert!(e.message.contains("`==`"), "{}", e.message);
        let deep = format!("{}1{}", "(".repeat(300), ")".repeat(300));
        assert!(parse(&deep).unwrap_err().message.contains("nested"));
        assert!(
            parse(&"!".repeat(500))
                .unwrap_err()
                .message
                .contains("nested")
        );
        let long = vec!["1"; 100_000].join(" + ");
        assert!(parse(&long).unwrap_err().message.contains("longer than"));
    }
}
