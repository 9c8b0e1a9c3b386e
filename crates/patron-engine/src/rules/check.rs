//! The static checker: resolves names against the customer view, proves types and compiles the
//! syntax tree into typed expressions. Every error says what was expected and, for a
//! misspelling, what was probably meant.

use super::aggregate::{AggKind, AggSpec};
use super::ast::{Arg, BinOp, Node, NodeKind, Segment};
use super::error::ExprError;
use super::expr::{
    AnyExpr, ArithOp, BoolExpr, CmpOp, ConsentKind, DateExpr, NumExpr, OrderFilter, StrExpr,
};
use super::glob::Glob;
use super::registry::Registry;
use patron_core::config::{Duration, did_you_mean};
use patron_core::model::{AttrType, normalise_event_type};
use std::collections::BTreeMap;

/// Where an expression is used; decides which names it may read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Context {
    /// A state rule's condition.
    State,
    /// An event rule's condition; `order` for rules with `on = "order"`.
    Event { order: bool },
    /// A stage's expression.
    Stage,
}

/// The names a condition can start with (for suggestions and messages).
pub(crate) const TOP_LEVEL: &[&str] = &[
    "attr",
    "customer",
    "orders",
    "revenue",
    "events",
    "tickets",
    "days_since_last_order",
    "days_since_last_event",
    "score",
    "has",
    "lower",
    "starts_with",
    "days_since",
    "event",
    "order",
    "true",
    "false",
];

const CUSTOMER_FIELDS: &[&str] = &["age_days", "consent_marketing", "consent_profiling"];

/// A checked expression of some type.
#[derive(Debug, Clone)]
pub(crate) enum Typed {
    Bool(BoolExpr),
    Num(NumExpr),
    Str(StrExpr),
    Date(DateExpr),
    /// Only meaningful after `last`; anywhere else it is reported as misplaced.
    Duration(Duration),
}

impl Typed {
    fn name(&self) -> &'static str {
        match self {
            Typed::Bool(_) => "true/false",
            Typed::Num(_) => "a number",
            Typed::Str(_) => "text",
            Typed::Date(_) => "a date",
            Typed::Duration(_) => "a duration",
        }
    }
}

/// A checked expression and whether it can be missing.
#[derive(Debug, Clone)]
pub(crate) struct Checked {
    pub(crate) expr: Typed,
    pub(crate) nullable: bool,
}

fn sure(expr: Typed) -> Result<Checked, ExprError> {
    Ok(Checked {
        expr,
        nullable: false,
    })
}

fn maybe(expr: Typed) -> Result<Checked, ExprError> {
    Ok(Checked {
        expr,
        nullable: true,
    })
}

/// Checks and compiles expressions of one context.
pub(crate) struct Checker<'a> {
    /// The expression text (for quoting it in messages).
    pub(crate) text: &'a str,
    pub(crate) context: Context,
    /// Declared customer attributes.
    pub(crate) attributes: &'a BTreeMap<String, AttrType>,
    /// Declared scores, by index.
    pub(crate) scores: &'a [String],
    pub(crate) registry: &'a mut Registry,
    /// `score("…")` references: score index and offset in the expression.
    pub(crate) score_refs: Vec<(u32, usize)>,
}

impl Checker<'_> {
    /// A condition: must be true/false.
    pub(crate) fn condition(&mut self, node: &Node) -> Result<BoolExpr, ExprError> {
        let checked = self.check(node)?;
        match checked.expr {
            Typed::Bool(b) => Ok(b),
            other => Err(self.mismatch(node, "a condition", "true or false", &other)),
        }
    }

    /// A numeric expression (stages).
    pub(crate) fn number(&mut self, node: &Node) -> Result<NumExpr, ExprError> {
        let checked = self.check(node)?;
        match checked.expr {
            Typed::Num(n) => Ok(n),
            other => Err(self.mismatch(node, "a stage expression", "a number", &other)),
        }
    }

    fn snippet(&self, node: &Node) -> &str {
        self.text.get(node.start..node.end).unwrap_or("?")
    }

    fn mismatch(&self, node: &Node, what: &str, expected: &str, found: &Typed) -> ExprError {
        let hint = match found {
            Typed::Duration(d) if expected == "a number" => format!(
                " (durations only go after `last`, as in `last {d}`; day counts such as days_since_last_order are plain numbers: write {})",
                d.days()
            ),
            Typed::Duration(d) => format!(" (durations only go after `last`, as in `last {d}`)"),
            Typed::Date(_) => " (use days_since(…) to turn a date into a number of days)".into(),
            _ => String::new(),
        };
        ExprError::new(
            node.start,
            format!(
                "{what} must be {expected}, but `{}` is {}{hint}",
                self.snippet(node),
                found.name()
            ),
        )
    }

    fn check(&mut self, node: &Node) -> Result<Checked, ExprError> {
        match &node.kind {
            NodeKind::Number(n) => sure(Typed::Num(NumExpr::Const(*n))),
            NodeKind::Duration(d) => sure(Typed::Duration(d.clone())),
            NodeKind::Str(s) => sure(Typed::Str(StrExpr::Const(s.clone()))),
            NodeKind::Chain(segments) => self.chain(segments),
            NodeKind::Not(inner) => {
                let b = self.boolean(inner, "the operand of `!`")?;
                sure(Typed::Bool(BoolExpr::Not(Box::new(b))))
            }
            NodeKind::Neg(inner) => {
                let (n, nullable) = self.numeric(inner, "the operand of `-`")?;
                let negated = match n {
                    NumExpr::Const(c) => NumExpr::Const(-c),
                    other => NumExpr::Neg(Box::new(other)),
                };
                Ok(Checked {
                    expr: Typed::Num(negated),
                    nullable,
                })
            }
            NodeKind::Binary(op, a, b) => self.binary(*op, a, b),
            NodeKind::In(a, items) => self.in_list(a, items),
            NodeKind::Match(a, pattern) => self.glob(a, pattern),
        }
    }

    fn boolean(&mut self, node: &Node, what: &str) -> Result<BoolExpr, ExprError> {
        match self.check(node)?.expr {
            Typed::Bool(b) => Ok(b),
            other => Err(self.mismatch(node, what, "true or false", &other)),
        }
    }

    fn numeric(&mut self, node: &Node, what: &str) -> Result<(NumExpr, bool), ExprError> {
        let checked = self.check(node)?;
        match checked.expr {
            Typed::Num(n) => Ok((n, checked.nullable)),
            other => Err(self.mismatch(node, what, "a number", &other)),
        }
    }

    fn text(&mut self, node: &Node, what: &str) -> Result<StrExpr, ExprError> {
        match self.check(node)?.expr {
            Typed::Str(s) => Ok(s),
            other => Err(self.mismatch(node, what, "text", &other)),
        }
    }

    fn binary(&mut self, op: BinOp, a: &Node, b: &Node) -> Result<Checked, ExprError> {
        let sides = |s: &str| format!("the {s} side of `{}`", op.symbol());
        match op {
            BinOp::And | BinOp::Or => {
                let left = Box::new(self.boolean(a, &sides("left"))?);
                let right = Box::new(self.boolean(b, &sides("right"))?);
                let expr = if op == BinOp::And {
                    BoolExpr::And(left, right)
                } else {
                    BoolExpr::Or(left, right)
                };
                sure(Typed::Bool(expr))
            }
            BinOp::Eq | BinOp::Ne => self.equality(op, a, b),
            BinOp::Lt | BinOp::Le | BinOp::Gt | BinOp::Ge => {
                let (left, _) = self.numeric(a, &sides("left"))?;
                let (right, _) = self.numeric(b, &sides("right"))?;
                let cmp = match op {
                    BinOp::Lt => CmpOp::Lt,
                    BinOp::Le => CmpOp::Le,
                    BinOp::Gt => CmpOp::Gt,
                    _ => CmpOp::Ge,
                };
                sure(Typed::Bool(compare(cmp, left, right)))
            }
            BinOp::Add | BinOp::Sub | BinOp::Mul | BinOp::Div => {
                let (left, ln) = self.numeric(a, &sides("left"))?;
                let (right, rn) = self.numeric(b, &sides("right"))?;
                let arith = match op {
                    BinOp::Add => ArithOp::Add,
                    BinOp::Sub => ArithOp::Sub,
                    BinOp::Mul => ArithOp::Mul,
                    _ => ArithOp::Div,
                };
                Ok(Checked {
                    expr: Typed::Num(NumExpr::Arith(arith, Box::new(left), Box::new(right))),
                    // Division by zero gives a missing value rather than infinity.
                    nullable: ln || rn || arith == ArithOp::Div,
                })
            }
        }
    }

    fn equality(&mut self, op: BinOp, a: &Node, b: &Node) -> Result<Checked, ExprError> {
        let eq = op == BinOp::Eq;
        let left = self.check(a)?.expr;
        let right = self.check(b)?.expr;
        let expr = match (left, right) {
            (Typed::Num(x), Typed::Num(y)) => compare(if eq { CmpOp::Eq } else { CmpOp::Ne }, x, y),
            (Typed::Str(x), Typed::Str(y)) => BoolExpr::StrEq(eq, Box::new(x), Box::new(y)),
            (Typed::Bool(x), Typed::Bool(y)) => BoolExpr::BoolEq(eq, Box::new(x), Box::new(y)),
            (x @ (Typed::Duration(_) | Typed::Date(_)), _) => {
                return Err(self.mismatch(
                    a,
                    "a compared value",
                    "a number, text or true/false",
                    &x,
                ));
            }
            (_, y @ (Typed::Duration(_) | Typed::Date(_))) => {
                return Err(self.mismatch(
                    b,
                    "a compared value",
                    "a number, text or true/false",
                    &y,
                ));
            }
            (x, y) => {
                return Err(ExprError::new(
                    b.start,
                    format!(
                        "`{}` compares values of one type, but `{}` is {} and `{}` is {}",
                        op.symbol(),
                        self.snippet(a),
                        x.name(),
                        self.snippet(b),
                        y.name()
                    ),
                ));
            }
        };
        sure(Typed::Bool(expr))
    }

    fn in_list(&mut self, a: &Node, items: &[Node]) -> Result<Checked, ExprError> {
        let left = self.check(a)?.expr;
        let expr = match left {
            Typed::Str(s) => {
                let values = items
                    .iter()
                    .map(|item| match &item.kind {
                        NodeKind::Str(v) => Ok(v.clone()),
                        _ => Err(self.literal_error(item, "\"text\"")),
                    })
                    .collect::<Result<_, _>>()?;
                BoolExpr::StrIn(Box::new(s), values)
            }
            Typed::Num(n) => {
                let values = items
                    .iter()
                    .map(|item| match &item.kind {
                        NodeKind::Number(v) => Ok(*v),
                        NodeKind::Neg(inner) => match inner.kind {
                            NodeKind::Number(v) => Ok(-v),
                            _ => Err(self.literal_error(item, "number")),
                        },
                        _ => Err(self.literal_error(item, "number")),
                    })
                    .collect::<Result<_, _>>()?;
                BoolExpr::NumIn(Box::new(n), values)
            }
            other => {
                return Err(self.mismatch(a, "the left side of `in`", "text or a number", &other));
            }
        };
        sure(Typed::Bool(expr))
    }

    fn literal_error(&self, item: &Node, kind: &str) -> ExprError {
        ExprError::new(
            item.start,
            format!(
                "list items must be {kind} literals of the same type as the left side; `{}` is not",
                self.snippet(item)
            ),
        )
    }

    fn glob(&mut self, a: &Node, pattern: &Node) -> Result<Checked, ExprError> {
        let left = self.text(a, "the left side of `=~`")?;
        let NodeKind::Str(p) = &pattern.kind else {
            return Err(ExprError::new(
                pattern.start,
                "the right side of `=~` must be a \"glob*\" text literal (`*` any text, `?` one character)",
            ));
        };
        sure(Typed::Bool(BoolExpr::Glob(Box::new(left), Glob::new(p))))
    }

    fn chain(&mut self, segments: &[Segment]) -> Result<Checked, ExprError> {
        let head = &segments[0];
        match head.name.as_str() {
            "true" | "false" => {
                self.plain(segments, 1)?;
                sure(Typed::Bool(BoolExpr::Const(head.name == "true")))
            }
            "attr" => self.attribute(segments),
            "customer" => self.customer(segments),
            "orders" => self.orders(segments),
            "revenue" => {
                self.length(segments, 1)?;
                let (filter, window) = self.order_args(head, true)?;
                self.aggregate(AggKind::Revenue(filter), window, false)
            }
            "events" => self.events(segments),
            "tickets" => self.tickets(segments),
            "days_since_last_order" => {
                self.plain(segments, 1)?;
                self.aggregate(AggKind::LastOrder, None, true)
            }
            "days_since_last_event" => {
                self.length(segments, 1)?;
                let code = self.event_type_arg(head)?;
                self.aggregate(AggKind::LastEvent(code), None, true)
            }
            "score" => self.score(segments),
            "has" | "lower" | "starts_with" | "days_since" => self.function(segments),
            "event" => self.event(segments),
            "order" => self.order(segments),
            other => Err(ExprError::new(
                head.start,
                format!(
                    "unknown name `{other}`{}; a condition can use: {}",
                    did_you_mean(other, TOP_LEVEL.iter().copied()),
                    TOP_LEVEL.join(", ")
                ),
            )),
        }
    }

    fn aggregate(
        &mut self,
        kind: AggKind,
        window: Option<i64>,
        nullable: bool,
    ) -> Result<Checked, ExprError> {
        let id = self.registry.agg(AggSpec { kind, window });
        Ok(Checked {
            expr: Typed::Num(NumExpr::Agg(id)),
            nullable,
        })
    }

    /// `n` segments, none called.
    fn plain(&self, segments: &[Segment], n: usize) -> Result<(), ExprError> {
        self.length(segments, n)?;
        match segments.iter().find(|s| s.args.is_some()) {
            Some(s) => Err(ExprError::new(
                s.start,
                format!("`{}` is a value, not a function: remove the `(…)`", s.name),
            )),
            None => Ok(()),
        }
    }

    fn length(&self, segments: &[Segment], n: usize) -> Result<(), ExprError> {
        if segments.len() > n {
            let extra = &segments[n];
            let base = &segments[n - 1];
            return Err(ExprError::new(
                extra.start,
                format!("`{}` has no field `{}`", base.name, extra.name),
            ));
        }
        if segments.len() < n {
            let last = &segments[segments.len() - 1];
            return Err(ExprError::new(
                last.start,
                format!("`{}` needs a field after it", last.name),
            ));
        }
        Ok(())
    }

    fn args<'s>(&self, segment: &'s Segment) -> Result<&'s [Arg], ExprError> {
        segment.args.as_deref().ok_or_else(|| {
            ExprError::new(
                segment.end,
                format!(
                    "`{}` is a function: write `{}(…)`",
                    segment.name, segment.name
                ),
            )
        })
    }

    fn member<'s>(
        &self,
        segments: &'s [Segment],
        owner: &str,
        known: &[&str],
    ) -> Result<&'s Segment, ExprError> {
        let Some(field) = segments.get(1) else {
            return Err(ExprError::new(
                segments[0].start,
                format!("`{owner}` needs a field: {}", dotted(owner, known)),
            ));
        };
        if !known.contains(&field.name.as_str()) {
            return Err(ExprError::new(
                field.start,
                format!(
                    "`{owner}` has no field `{}`{}; fields: {}",
                    field.name,
                    did_you_mean(&field.name, known.iter().copied()),
                    dotted(owner, known)
                ),
            ));
        }
        Ok(field)
    }

    fn attribute(&mut self, segments: &[Segment]) -> Result<Checked, ExprError> {
        let names: Vec<&str> = self.attributes.keys().map(String::as_str).collect();
        let Some(field) = segments.get(1) else {
            return Err(ExprError::new(
                segments[0].start,
                "`attr` needs an attribute name, as in `attr.industry`",
            ));
        };
        let Some(ty) = self.attributes.get(&field.name) else {
            let declared = if names.is_empty() {
                "no attributes are declared; declare them under [sources.NAME.attributes] of a customer source".to_owned()
            } else {
                format!("declared attributes: {}", names.join(", "))
            };
            return Err(ExprError::new(
                field.start,
                format!(
                    "unknown attribute `{}`{}; {declared}",
                    field.name,
                    did_you_mean(&field.name, names.iter().copied())
                ),
            ));
        };
        self.plain(segments, 2)?;
        let slot = self.registry.attr(&field.name, *ty);
        maybe(match ty {
            AttrType::String => Typed::Str(StrExpr::Attr(slot)),
            AttrType::Number => Typed::Num(NumExpr::Attr(slot)),
            AttrType::Bool => Typed::Bool(BoolExpr::Attr(slot)),
            AttrType::Date => Typed::Date(DateExpr::Attr(slot)),
        })
    }

    fn customer(&mut self, segments: &[Segment]) -> Result<Checked, ExprError> {
        let field = self.member(segments, "customer", CUSTOMER_FIELDS)?;
        self.plain(segments, 2)?;
        match field.name.as_str() {
            "age_days" => sure(Typed::Num(NumExpr::AgeDays)),
            "consent_marketing" => maybe(Typed::Bool(BoolExpr::Consent(ConsentKind::Marketing))),
            _ => maybe(Typed::Bool(BoolExpr::Consent(ConsentKind::Profiling))),
        }
    }

    fn orders(&mut self, segments: &[Segment]) -> Result<Checked, ExprError> {
        let field = self.member(segments, "orders", &["count"])?;
        self.length(segments, 2)?;
        let (filter, window) = self.order_args(field, true)?;
        self.aggregate(AggKind::Orders(filter), window, false)
    }

    fn tickets(&mut self, segments: &[Segment]) -> Result<Checked, ExprError> {
        let field = self.member(segments, "tickets", &["count"])?;
        self.length(segments, 2)?;
        let window = self.window_only(field)?;
        self.aggregate(AggKind::Tickets, window, false)
    }

    fn events(&mut self, segments: &[Segment]) -> Result<Checked, ExprError> {
        let code = self.event_type_arg(&segments[0])?;
        if segments.len() == 1 {
            return Err(ExprError::new(
                segments[0].end,
                "`events(\"…\")` needs `.count(…)`, as in `events(\"email_open\").count(last 90d)`",
            ));
        }
        let field = self.member(segments, "events(…)", &["count"])?;
        self.length(segments, 2)?;
        let window = self.window_only(field)?;
        self.aggregate(AggKind::Events(code), window, false)
    }

    /// The single `"event_type"` argument of `events(…)` / `days_since_last_event(…)`.
    fn event_type_arg(&mut self, segment: &Segment) -> Result<u32, ExprError> {
        let args = self.args(segment)?;
        let usage = format!(
            "`{}` takes one event type, as in `{}(\"email_open\")`",
            segment.name, segment.name
        );
        let [Arg::Value(node)] = args else {
            let at = args.get(1).or(args.first()).map_or(segment.end, Arg::start);
            let why = if args.iter().any(|a| matches!(a, Arg::Named { .. })) {
                "; aggregates cannot filter by URL or properties yet: an event rule can test `event.url =~ \"/pricing*\"`"
            } else {
                ""
            };
            return Err(ExprError::new(at, format!("{usage}{why}")));
        };
        let NodeKind::Str(name) = &node.kind else {
            return Err(ExprError::new(node.start, usage));
        };
        let normal = normalise_event_type(name);
        if normal != *name {
            return Err(ExprError::new(
                node.start,
                format!("event types are lower snake case: write \"{normal}\""),
            ));
        }
        Ok(self.registry.event_type(name))
    }

    fn window_only(&self, segment: &Segment) -> Result<Option<i64>, ExprError> {
        let mut window = None;
        for arg in self.args(segment)? {
            match arg {
                Arg::Window { duration, start } => {
                    if window.replace(duration.secs()).is_some() {
                        return Err(ExprError::new(
                            *start,
                            "only one `last …` window is allowed",
                        ));
                    }
                }
                other => {
                    return Err(ExprError::new(
                        other.start(),
                        format!(
                            "`{}(…)` takes only a window like `last 90d` (or nothing for all history)",
                            segment.name
                        ),
                    ));
                }
            }
        }
        Ok(window)
    }

    /// `category = "…"`, `sku = "…"` and (if allowed) `last …`.
    fn order_args(
        &mut self,
        segment: &Segment,
        window_allowed: bool,
    ) -> Result<(OrderFilter, Option<i64>), ExprError> {
        let mut filter = OrderFilter::default();
        let mut window = None;
        let usage = if window_allowed {
            "takes `category = \"…\"`, `sku = \"…\"` and a window like `last 365d`"
        } else {
            "takes `category = \"…\"` and `sku = \"…\"`"
        };
        for arg in self.args(segment)? {
            match arg {
                Arg::Window { duration, start } if window_allowed => {
                    if window.replace(duration.secs()).is_some() {
                        return Err(ExprError::new(
                            *start,
                            "only one `last …` window is allowed",
                        ));
                    }
                }
                Arg::Named { name, start, value } if name == "category" || name == "sku" => {
                    let NodeKind::Str(text) = &value.kind else {
                        return Err(ExprError::new(
                            value.start,
                            format!("`{name} = …` needs a \"text\" literal"),
                        ));
                    };
                    let (slot, id) = if name == "category" {
                        (&mut filter.category, self.registry.category(text))
                    } else {
                        (&mut filter.sku, self.registry.sku(text))
                    };
                    if slot.replace(id).is_some() {
                        return Err(ExprError::new(*start, format!("`{name}` is given twice")));
                    }
                }
                Arg::Named { name, start, .. } => {
                    return Err(ExprError::new(
                        *start,
                        format!(
                            "unknown filter `{name}`{}; `{}` {usage}",
                            did_you_mean(name, ["category", "sku"]),
                            segment.name
                        ),
                    ));
                }
                other => {
                    return Err(ExprError::new(
                        other.start(),
                        format!("`{}` {usage}", segment.name),
                    ));
                }
            }
        }
        Ok((filter, window))
    }

    fn score(&mut self, segments: &[Segment]) -> Result<Checked, ExprError> {
        let head = &segments[0];
        self.length(segments, 1)?;
        if let Context::Event { .. } = self.context {
            return Err(ExprError::new(
                head.start,
                "score(…) cannot be used in an event rule's condition (event rules are decided when the event happens); use it in a state rule or a stage",
            ));
        }
        let args = self.args(head)?;
        let name = match args {
            [
                Arg::Value(Node {
                    kind: NodeKind::Str(name),
                    ..
                }),
            ] => name,
            _ => {
                return Err(ExprError::new(
                    head.start,
                    "`score` takes one score name, as in `score(\"fit\")`",
                ));
            }
        };
        let Some(index) = self.scores.iter().position(|s| s == name) else {
            return Err(ExprError::new(
                args[0].start(),
                format!(
                    "unknown score `{name}`{}; declared scores: {}",
                    did_you_mean(name, self.scores.iter().map(String::as_str)),
                    self.scores.join(", ")
                ),
            ));
        };
        self.score_refs.push((index as u32, head.start));
        sure(Typed::Num(NumExpr::Score(index as u32)))
    }

    fn function(&mut self, segments: &[Segment]) -> Result<Checked, ExprError> {
        let head = &segments[0];
        self.length(segments, 1)?;
        let args = self.args(head)?;
        let arity = if head.name == "starts_with" { 2 } else { 1 };
        let values: Vec<&Node> = args
            .iter()
            .filter_map(|a| match a {
                Arg::Value(n) => Some(n),
                _ => None,
            })
            .collect();
        if values.len() != arity || args.len() != arity {
            let usage = match head.name.as_str() {
                "has" => "has(attr.industry)",
                "lower" => "lower(attr.industry)",
                "starts_with" => "starts_with(attr.website, \"https\")",
                _ => "days_since(attr.signup_date)",
            };
            return Err(ExprError::new(
                head.start,
                format!(
                    "`{}` takes {arity} argument{}, as in `{usage}`; found {}",
                    head.name,
                    if arity == 1 { "" } else { "s" },
                    args.len()
                ),
            ));
        }
        match head.name.as_str() {
            "has" => self.has(values[0]),
            "lower" => {
                let checked = self.check(values[0])?;
                match checked.expr {
                    Typed::Str(s) => Ok(Checked {
                        expr: Typed::Str(StrExpr::Lower(Box::new(s))),
                        nullable: checked.nullable,
                    }),
                    other => {
                        Err(self.mismatch(values[0], "the argument of `lower`", "text", &other))
                    }
                }
            }
            "starts_with" => {
                let s = self.text(values[0], "the first argument of `starts_with`")?;
                let p = self.text(values[1], "the second argument of `starts_with`")?;
                sure(Typed::Bool(BoolExpr::StartsWith(Box::new(s), Box::new(p))))
            }
            _ => match self.check(values[0])?.expr {
                Typed::Date(d) => maybe(Typed::Num(NumExpr::DaysSince(Box::new(d)))),
                other => {
                    Err(self.mismatch(values[0], "the argument of `days_since`", "a date", &other))
                }
            },
        }
    }

    fn has(&mut self, node: &Node) -> Result<Checked, ExprError> {
        let checked = self.check(node)?;
        let any = match checked.expr {
            _ if !checked.nullable => {
                return Err(ExprError::new(
                    node.start,
                    format!(
                        "`has(…)` is for values that can be missing (attributes, consent, days_since_last_…); `{}` is always present",
                        self.snippet(node)
                    ),
                ));
            }
            Typed::Bool(b) => AnyExpr::Bool(b),
            Typed::Num(n) => AnyExpr::Num(n),
            Typed::Str(s) => AnyExpr::Str(s),
            Typed::Date(d) => AnyExpr::Date(d),
            other @ Typed::Duration(_) => {
                return Err(self.mismatch(node, "the argument of `has`", "a value", &other));
            }
        };
        sure(Typed::Bool(BoolExpr::Has(Box::new(any))))
    }

    fn event(&mut self, segments: &[Segment]) -> Result<Checked, ExprError> {
        let head = &segments[0];
        if !matches!(self.context, Context::Event { .. }) {
            return Err(ExprError::new(
                head.start,
                "`event` is only available in event rules (rules with `on = \"…\"`)",
            ));
        }
        let field = self.member(segments, "event", &["type", "properties", "url"])?;
        match field.name.as_str() {
            "type" => {
                self.plain(segments, 2)?;
                sure(Typed::Str(StrExpr::EventType))
            }
            "url" => {
                self.plain(segments, 2)?;
                let slot = self.registry.event_property("url");
                maybe(Typed::Str(StrExpr::EventProperty(slot)))
            }
            _ => {
                self.plain(segments, 3)?;
                let slot = self.registry.event_property(&segments[2].name);
                maybe(Typed::Str(StrExpr::EventProperty(slot)))
            }
        }
    }

    fn order(&mut self, segments: &[Segment]) -> Result<Checked, ExprError> {
        let head = &segments[0];
        if self.context != (Context::Event { order: true }) {
            return Err(ExprError::new(
                head.start,
                "`order` is only available in rules with on = \"order\"",
            ));
        }
        let field = self.member(segments, "order", &["contains", "revenue"])?;
        self.length(segments, 2)?;
        let (filter, _) = self.order_args(field, false)?;
        if field.name == "contains" {
            sure(Typed::Bool(BoolExpr::OrderContains(filter)))
        } else {
            sure(Typed::Num(NumExpr::OrderRevenue(filter)))
        }
    }
}

/// A numeric comparison, with `aggregate <op> constant` in its fast form.
fn compare(op: CmpOp, left: NumExpr, right: NumExpr) -> BoolExpr {
    match (left, right) {
        (NumExpr::Agg(id), NumExpr::Const(c)) => BoolExpr::AggCmp(op, id, c),
        (left, right) => BoolExpr::Num(op, Box::new(left), Box::new(right)),
    }
}

fn dotted(owner: &str, fields: &[&str]) -> String {
    fields
        .iter()
        .map(|f| format!("{owner}.{f}"))
        .collect::<Vec<_>>()
        .join(", ")
}
