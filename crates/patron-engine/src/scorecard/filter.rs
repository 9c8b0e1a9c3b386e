//! Conditions over card fields — `tier == "VIP" && churn_risk > 0.3` — for `patron export
//! --where`, named segments and the next-best-action table. Same syntax as the rule language;
//! names and types are checked when the condition is compiled.

use super::card::Card;
use crate::rules::{BinOp, ExprError, Glob, Node, NodeKind, parse_expr};
use patron_core::config::did_you_mean;

/// A condition that did not compile, with its 1-based column.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("column {column}: {message}")]
pub struct FilterError {
    /// 1-based column in the condition.
    pub column: usize,
    /// What is wrong.
    pub message: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Type {
    Num,
    Str,
    Bool,
}

impl Type {
    fn name(self) -> &'static str {
        match self {
            Type::Num => "a number",
            Type::Str => "text",
            Type::Bool => "true/false",
        }
    }
}

/// A card field a condition can read.
#[derive(Debug, Clone)]
enum Field {
    Num(fn(&Card) -> Option<f64>),
    Str(fn(&Card) -> Option<&str>),
    Bool(fn(&Card) -> bool),
    Stage(String),
    Score(String),
    Alarm(String),
    Level(String),
}

type NumGetter = fn(&Card) -> Option<f64>;
type StrGetter = fn(&Card) -> Option<&str>;
type BoolGetter = fn(&Card) -> bool;

const NUMBERS: &[(&str, NumGetter)] = &[
    ("value_score", |c| c.value_score),
    ("churn_risk", |c| c.churn_risk),
    ("clv", |c| c.clv),
    ("p_alive", |c| c.p_alive),
    ("expected_purchases", |c| c.expected_purchases),
    ("potential", |c| c.potential),
    ("revenue", |c| c.revenue),
    ("margin", |c| c.margin),
    ("orders", |c| Some(f64::from(c.orders))),
    ("days_since_last_order", |c| c.days_since_last_order),
    ("payment_risk", |c| c.payment_risk),
    ("alarms", |c| Some(c.alarms.len() as f64)),
    ("cancellation_risk", |c| {
        c.contract.as_ref().and_then(|k| k.cancellation_risk)
    }),
    ("days_to_notice", |c| {
        c.contract
            .as_ref()
            .and_then(|k| k.days_to_notice)
            .map(|d| d as f64)
    }),
    ("contract_value", |c| {
        c.contract.as_ref().map(|k| k.monthly_value)
    }),
];

const TEXTS: &[(&str, StrGetter)] = &[
    ("customer_id", |c| Some(c.customer_id.as_str())),
    ("tier", |c| Some(c.tier.as_str())),
    ("status", |c| Some(c.status.as_str())),
    ("portfolio", |c| c.portfolio.as_deref()),
    ("stage", |c| c.stage.as_deref()),
    ("rfm_segment", |c| c.rfm_segment.as_deref()),
    ("abc", |c| c.abc.as_deref()),
    ("payment_band", |c| c.payment_band.as_deref()),
    ("offer", |c| c.offer.as_deref()),
    ("action", |c| c.action.as_deref()),
];

const FLAGS: &[(&str, BoolGetter)] = &[
    ("lead", |c| c.lead),
    ("profiling", |c| c.profiling),
    ("marketing", |c| c.marketing),
    ("renewal_due", |c| {
        c.contract.as_ref().is_some_and(|k| k.renewal_due)
    }),
];

/// Every plain field name, for help texts and suggestions.
pub fn field_names() -> Vec<&'static str> {
    NUMBERS
        .iter()
        .map(|(n, _)| *n)
        .chain(TEXTS.iter().map(|(n, _)| *n))
        .chain(FLAGS.iter().map(|(n, _)| *n))
        .chain(["stage.NAME", "score.NAME", "alarm.KIND", "level(\"NAME\")"])
        .collect()
}

#[derive(Debug, Clone)]
enum Expr {
    Num(f64),
    Str(String),
    Bool(bool),
    Field(Field),
    Has(Field),
    Not(Box<Expr>),
    Neg(Box<Expr>),
    Binary(BinOp, Box<Expr>, Box<Expr>),
    In(Box<Expr>, Vec<Expr>),
    Match(Box<Expr>, Glob),
}

/// A compiled condition over cards.
#[derive(Debug, Clone)]
pub struct CardFilter {
    expr: Expr,
    text: String,
    /// The project names it uses, with their columns (byte offsets while compiling).
    references: Vec<Reference>,
}

/// Which kind of project name a condition refers to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Group {
    Score,
    Stage,
    Level,
    Alarm,
}

/// A project name a condition refers to.
#[derive(Debug, Clone)]
struct Reference {
    group: Group,
    name: String,
    offset: usize,
}

/// The names a project's conditions may refer to.
#[derive(Debug, Clone, Default)]
pub struct Vocabulary {
    /// Rule score names.
    pub scores: Vec<String>,
    /// Stage names.
    pub stages: Vec<String>,
    /// Level names of every stage.
    pub levels: Vec<String>,
    /// Alarm kinds.
    pub alarms: Vec<String>,
}

impl Vocabulary {
    /// The names of a project's configuration.
    pub fn of(config: &patron_core::config::ProjectConfig) -> Vocabulary {
        Vocabulary {
            scores: config.scores.keys().map(|k| k.get_ref().clone()).collect(),
            stages: config.stages.keys().map(|k| k.get_ref().clone()).collect(),
            levels: config
                .stages
                .values()
                .flat_map(|s| s.levels.iter().map(|l| l.get_ref().name.clone()))
                .collect(),
            alarms: super::alarms::ALARM_KINDS
                .iter()
                .map(|k| (*k).to_owned())
                .collect(),
        }
    }
}

impl CardFilter {
    /// Parses and type-checks a condition; it must be true/false.
    pub fn compile(text: &str) -> Result<CardFilter, FilterError> {
        let error = |e: ExprError| FilterError {
            column: text[..e.offset.min(text.len())].chars().count() + 1,
            message: e.message,
        };
        let node = parse_expr(text).map_err(error)?;
        let mut references = Vec::new();
        let (expr, ty) = check(&node, &mut references).map_err(error)?;
        if ty != Type::Bool {
            return Err(error(ExprError::new(
                node.start,
                format!("the condition is {}, expected true/false", ty.name()),
            )));
        }
        let references = references
            .into_iter()
            .map(|r| Reference {
                offset: text[..r.offset.min(text.len())].chars().count() + 1,
                ..r
            })
            .collect();
        Ok(CardFilter {
            expr,
            text: text.to_owned(),
            references,
        })
    }

    /// Checks the names the condition uses — `score.NAME`, `stage.NAME`, `level("NAME")`,
    /// `alarm.KIND` — against the project's: a misspelt name is an error with a suggestion,
    /// not a condition that silently matches nobody.
    pub fn check_names(&self, names: &Vocabulary) -> Result<(), FilterError> {
        for r in &self.references {
            let (known, what): (&[String], &str) = match r.group {
                Group::Score => (&names.scores, "rule score"),
                Group::Stage => (&names.stages, "stage"),
                Group::Level => (&names.levels, "stage level"),
                Group::Alarm => (&names.alarms, "alarm kind"),
            };
            if !known.iter().any(|k| k == &r.name) {
                let list = if known.is_empty() {
                    " (the project has none)".to_owned()
                } else {
                    did_you_mean(&r.name, known.iter().map(String::as_str))
                };
                return Err(FilterError {
                    column: r.offset,
                    message: format!("unknown {what} `{}`{list}", r.name),
                });
            }
        }
        Ok(())
    }

    /// The condition as written.
    pub fn text(&self) -> &str {
        &self.text
    }

    /// Whether the card matches.
    pub fn matches(&self, card: &Card) -> bool {
        truth(&eval(&self.expr, card))
    }
}

fn field(node: &Node, refs: &mut Vec<Reference>) -> Result<Option<(Field, Type)>, ExprError> {
    let NodeKind::Chain(segments) = &node.kind else {
        return Ok(None);
    };
    let unknown = |name: &str, at: usize| {
        let names = field_names();
        ExprError::new(
            at,
            format!(
                "unknown card field `{name}`{}",
                did_you_mean(name, names.iter().copied())
            ),
        )
    };
    let first = &segments[0];
    let plain_arg = |s: &crate::rules::Segment| -> Result<String, ExprError> {
        match s.args.as_deref() {
            Some(
                [
                    crate::rules::Arg::Value(Node {
                        kind: NodeKind::Str(v),
                        ..
                    }),
                ],
            ) => Ok(v.clone()),
            _ => Err(ExprError::new(
                s.start,
                format!(
                    "`{}` takes one text argument, e.g. {}(\"SQL\")",
                    s.name, s.name
                ),
            )),
        }
    };
    match (segments.len(), first.name.as_str(), first.args.is_some()) {
        (1, "level", true) => {
            let name = plain_arg(first)?;
            refs.push(Reference {
                group: Group::Level,
                name: name.clone(),
                offset: first.start,
            });
            Ok(Some((Field::Level(name), Type::Bool)))
        }
        (1, name, false) => {
            if let Some((_, f)) = NUMBERS.iter().find(|(n, _)| *n == name) {
                return Ok(Some((Field::Num(*f), Type::Num)));
            }
            if let Some((_, f)) = TEXTS.iter().find(|(n, _)| *n == name) {
                return Ok(Some((Field::Str(*f), Type::Str)));
            }
            if let Some((_, f)) = FLAGS.iter().find(|(n, _)| *n == name) {
                return Ok(Some((Field::Bool(*f), Type::Bool)));
            }
            if name == "true" || name == "false" {
                return Ok(None);
            }
            Err(unknown(name, first.start))
        }
        (2, group @ ("stage" | "score" | "alarm"), false) if segments[1].args.is_none() => {
            let name = segments[1].name.clone();
            refs.push(Reference {
                group: match group {
                    "stage" => Group::Stage,
                    "score" => Group::Score,
                    _ => Group::Alarm,
                },
                name: name.clone(),
                offset: segments[1].start,
            });
            Ok(Some(match group {
                "stage" => (Field::Stage(name), Type::Str),
                "score" => (Field::Score(name), Type::Num),
                _ => (Field::Alarm(name), Type::Bool),
            }))
        }
        _ => Err(unknown(&node_text(segments), first.start)),
    }
}

fn node_text(segments: &[crate::rules::Segment]) -> String {
    segments
        .iter()
        .map(|s| s.name.as_str())
        .collect::<Vec<_>>()
        .join(".")
}

fn check(node: &Node, refs: &mut Vec<Reference>) -> Result<(Expr, Type), ExprError> {
    let expect = |n: &Node, got: Type, want: Type, what: &str| {
        if got == want {
            Ok(())
        } else {
            Err(ExprError::new(
                n.start,
                format!("{what} needs {}, found {}", want.name(), got.name()),
            ))
        }
    };
    Ok(match &node.kind {
        NodeKind::Number(n) => (Expr::Num(*n), Type::Num),
        NodeKind::Str(s) => (Expr::Str(s.clone()), Type::Str),
        NodeKind::Duration(_) => {
            return Err(ExprError::new(node.start, "durations are not card fields"));
        }
        NodeKind::Chain(segments) => {
            let first = &segments[0];
            if segments.len() == 1 && first.name == "has" {
                let arg = match first.args.as_deref() {
                    Some([crate::rules::Arg::Value(n)]) => n,
                    _ => return Err(ExprError::new(first.start, "`has` takes one field")),
                };
                let Some((f, _)) = field(arg, refs)? else {
                    return Err(ExprError::new(arg.start, "`has` takes a field"));
                };
                return Ok((Expr::Has(f), Type::Bool));
            }
            if segments.len() == 1
                && first.args.is_none()
                && (first.name == "true" || first.name == "false")
            {
                return Ok((Expr::Bool(first.name == "true"), Type::Bool));
            }
            let (f, ty) = field(node, refs)?.expect("a chain is a field");
            (Expr::Field(f), ty)
        }
        NodeKind::Not(a) => {
            let (e, t) = check(a, refs)?;
            expect(a, t, Type::Bool, "`!`")?;
            (Expr::Not(Box::new(e)), Type::Bool)
        }
        NodeKind::Neg(a) => {
            let (e, t) = check(a, refs)?;
            expect(a, t, Type::Num, "`-`")?;
            (Expr::Neg(Box::new(e)), Type::Num)
        }
        NodeKind::Binary(op, a, b) => {
            let (ea, ta) = check(a, refs)?;
            let (eb, tb) = check(b, refs)?;
            let what = format!("`{}`", op.symbol());
            let ty = match op {
                BinOp::Or | BinOp::And => {
                    expect(a, ta, Type::Bool, &what)?;
                    expect(b, tb, Type::Bool, &what)?;
                    Type::Bool
                }
                BinOp::Eq | BinOp::Ne => {
                    expect(b, tb, ta, &what)?;
                    Type::Bool
                }
                BinOp::Lt | BinOp::Le | BinOp::Gt | BinOp::Ge => {
                    expect(a, ta, Type::Num, &what)?;
                    expect(b, tb, Type::Num, &what)?;
                    Type::Bool
                }
                BinOp::Add | BinOp::Sub | BinOp::Mul | BinOp::Div => {
                    expect(a, ta, Type::Num, &what)?;
                    expect(b, tb, Type::Num, &what)?;
                    Type::Num
                }
            };
            (Expr::Binary(*op, Box::new(ea), Box::new(eb)), ty)
        }
        NodeKind::In(a, list) => {
            let (ea, ta) = check(a, refs)?;
            let mut items = Vec::new();
            for item in list {
                let (e, t) = check(item, refs)?;
                expect(item, t, ta, "`in`")?;
                items.push(e);
            }
            (Expr::In(Box::new(ea), items), Type::Bool)
        }
        NodeKind::Match(a, g) => {
            let (ea, ta) = check(a, refs)?;
            expect(a, ta, Type::Str, "`=~`")?;
            let NodeKind::Str(pattern) = &g.kind else {
                return Err(ExprError::new(g.start, "`=~` needs a text pattern"));
            };
            (Expr::Match(Box::new(ea), Glob::new(pattern)), Type::Bool)
        }
    })
}

/// A value while evaluating; `None` is missing.
#[derive(Debug, Clone, PartialEq)]
enum Val<'a> {
    Num(Option<f64>),
    Str(Option<&'a str>),
    Bool(bool),
}

fn truth(v: &Val<'_>) -> bool {
    matches!(v, Val::Bool(true))
}

fn read<'a>(f: &Field, card: &'a Card) -> Val<'a> {
    match f {
        Field::Num(get) => Val::Num(get(card).filter(|v| v.is_finite())),
        Field::Str(get) => Val::Str(get(card)),
        Field::Bool(get) => Val::Bool(get(card)),
        Field::Stage(s) => Val::Str(card.stages.get(s).map(String::as_str)),
        Field::Score(s) => Val::Num(card.scores.get(s).copied()),
        Field::Alarm(kind) => Val::Bool(card.alarms.iter().any(|a| &a.kind == kind)),
        Field::Level(level) => Val::Bool(card.stages.values().any(|l| l == level)),
    }
}

fn present(v: &Val<'_>) -> bool {
    match v {
        Val::Num(n) => n.is_some(),
        Val::Str(s) => s.is_some(),
        Val::Bool(_) => true,
    }
}

fn eval<'a>(e: &'a Expr, card: &'a Card) -> Val<'a> {
    match e {
        Expr::Num(n) => Val::Num(Some(*n)),
        Expr::Str(s) => Val::Str(Some(s)),
        Expr::Bool(b) => Val::Bool(*b),
        Expr::Field(f) => read(f, card),
        Expr::Has(f) => Val::Bool(present(&read(f, card))),
        Expr::Not(a) => Val::Bool(!truth(&eval(a, card))),
        Expr::Neg(a) => match eval(a, card) {
            Val::Num(n) => Val::Num(n.map(|v| -v)),
            _ => Val::Num(None),
        },
        Expr::Binary(op, a, b) => binary(*op, eval(a, card), || eval(b, card)),
        Expr::In(a, items) => {
            let v = eval(a, card);
            Val::Bool(present(&v) && items.iter().any(|i| eval(i, card) == v))
        }
        Expr::Match(a, glob) => match eval(a, card) {
            Val::Str(Some(s)) => Val::Bool(glob.matches(s)),
            _ => Val::Bool(false),
        },
    }
}

fn binary<'a>(op: BinOp, a: Val<'a>, b: impl FnOnce() -> Val<'a>) -> Val<'a> {
    match op {
        BinOp::And => Val::Bool(truth(&a) && truth(&b())),
        BinOp::Or => Val::Bool(truth(&a) || truth(&b())),
        _ => {
            let b = b();
            if !present(&a) || !present(&b) {
                return match op {
                    BinOp::Add | BinOp::Sub | BinOp::Mul | BinOp::Div => Val::Num(None),
                    _ => Val::Bool(false),
                };
            }
            match (op, &a, &b) {
                (BinOp::Eq, _, _) => Val::Bool(a == b),
                (BinOp::Ne, _, _) => Val::Bool(a != b),
                (_, Val::Num(Some(x)), Val::Num(Some(y))) => {
                    let (x, y) = (*x, *y);
                    match op {
                        BinOp::Lt => Val::Bool(x < y),
                        BinOp::Le => Val::Bool(x <= y),
                        BinOp::Gt => Val::Bool(x > y),
                        BinOp::Ge => Val::Bool(x >= y),
                        BinOp::Add => Val::Num(Some(x + y)),
                        BinOp::Sub => Val::Num(Some(x - y)),
                        BinOp::Mul => Val::Num(Some(x * y)),
                        BinOp::Div => Val::Num((y != 0.0).then(|| x / y)),
                        _ => Val::Bool(false),
                    }
                }
                _ => Val::Bool(false),
            }
        }
    }
}
