//! The syntax tree of a condition, before names and types are resolved.
//!
//! Names and calls are kept as a generic chain (`events("email_open").count(last 90d)` is the
//! segments `events(…)` and `count(…)`), so the checker, not the grammar, decides which names
//! exist; that is what lets it suggest the right spelling.

use patron_core::config::Duration;
use std::fmt;

/// A node with its byte range in the expression.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Node {
    pub(crate) kind: NodeKind,
    pub(crate) start: usize,
    pub(crate) end: usize,
}

/// Binary operators.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum BinOp {
    Or,
    And,
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
    Add,
    Sub,
    Mul,
    Div,
}

impl BinOp {
    pub(crate) fn symbol(self) -> &'static str {
        match self {
            BinOp::Or => "||",
            BinOp::And => "&&",
            BinOp::Eq => "==",
            BinOp::Ne => "!=",
            BinOp::Lt => "<",
            BinOp::Le => "<=",
            BinOp::Gt => ">",
            BinOp::Ge => ">=",
            BinOp::Add => "+",
            BinOp::Sub => "-",
            BinOp::Mul => "*",
            BinOp::Div => "/",
        }
    }
}

/// What a node is.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum NodeKind {
    Number(f64),
    Duration(Duration),
    Str(String),
    /// `a.b(args).c`: names and calls.
    Chain(Vec<Segment>),
    Not(Box<Node>),
    Neg(Box<Node>),
    Binary(BinOp, Box<Node>, Box<Node>),
    /// `x in [literals]`.
    In(Box<Node>, Vec<Node>),
    /// `x =~ "glob"`.
    Match(Box<Node>, Box<Node>),
}

/// One name of a chain, with its arguments if it is called.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Segment {
    pub(crate) name: String,
    pub(crate) start: usize,
    pub(crate) end: usize,
    pub(crate) args: Option<Vec<Arg>>,
}

/// A call argument.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Arg {
    /// A plain value.
    Value(Node),
    /// `name = value`, e.g. `category = "Shoes"`.
    Named {
        name: String,
        start: usize,
        value: Node,
    },
    /// `last 90d`.
    Window { duration: Duration, start: usize },
}

impl Arg {
    pub(crate) fn start(&self) -> usize {
        match self {
            Arg::Value(n) => n.start,
            Arg::Named { start, .. } | Arg::Window { start, .. } => *start,
        }
    }
}

/// Canonical text: fully parenthesised, normalised spacing. Two expressions that differ only in
/// layout print the same, which keeps the rule-set version stable under reformatting.
impl fmt::Display for Node {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.kind {
            NodeKind::Number(n) => write!(f, "{n:?}"),
            NodeKind::Duration(d) => write!(f, "{}s", d.secs()),
            NodeKind::Str(s) => write!(f, "{s:?}"),
            NodeKind::Chain(segments) => {
                for (i, s) in segments.iter().enumerate() {
                    if i > 0 {
                        f.write_str(".")?;
                    }
                    write!(f, "{s}")?;
                }
                Ok(())
            }
            NodeKind::Not(n) => write!(f, "!({n})"),
            NodeKind::Neg(n) => write!(f, "-({n})"),
            NodeKind::Binary(op, a, b) => write!(f, "({a} {} {b})", op.symbol()),
            NodeKind::In(a, list) => {
                write!(f, "({a} in [")?;
                for (i, item) in list.iter().enumerate() {
                    if i > 0 {
                        f.write_str(", ")?;
                    }
                    write!(f, "{item}")?;
                }
                f.write_str("])")
            }
            NodeKind::Match(a, g) => write!(f, "({a} =~ {g})"),
        }
    }
}

impl fmt::Display for Segment {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:?}", self.name)?;
        if let Some(args) = &self.args {
            f.write_str("(")?;
            for (i, arg) in args.iter().enumerate() {
                if i > 0 {
                    f.write_str(", ")?;
                }
                match arg {
                    Arg::Value(n) => write!(f, "{n}")?,
                    Arg::Named { name, value, .. } => write!(f, "{name:?} = {value}")?,
                    Arg::Window { duration, .. } => write!(f, "last {}s", duration.secs())?,
                }
            }
            f.write_str(")")?;
        }
        Ok(())
    }
}
