//! Compiled, typed expressions: what a condition becomes after the checker resolved its names
//! and proved its types. Each type has its own tree, so evaluation never inspects a runtime type
//! tag and a type error cannot happen after load time.
//!
//! Missing data is `None` ("null"): a comparison with a missing side is false, arithmetic with a
//! missing side is missing, and `&&`, `||`, `!` read a missing truth value as false.

use super::aggregate::{AggKind, AggSpec};
use super::glob::Glob;

/// Index into the rule set's list of constants (event types, categories, SKUs).
pub(crate) type ConstId = u32;

/// Order-line filter of `orders.count(…)`, `revenue(…)` and `order.contains(…)`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct OrderFilter {
    /// Category constant.
    pub(crate) category: Option<ConstId>,
    /// SKU constant.
    pub(crate) sku: Option<ConstId>,
}

/// Numeric comparison.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum CmpOp {
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
}

impl CmpOp {
    pub(crate) fn holds<T: PartialOrd>(self, a: T, b: T) -> bool {
        match self {
            CmpOp::Eq => a == b,
            CmpOp::Ne => a != b,
            CmpOp::Lt => a < b,
            CmpOp::Le => a <= b,
            CmpOp::Gt => a > b,
            CmpOp::Ge => a >= b,
        }
    }
}

/// Arithmetic.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ArithOp {
    Add,
    Sub,
    Mul,
    Div,
}

/// Consent flags of the customer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ConsentKind {
    Marketing,
    Profiling,
}

/// A truth value.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum BoolExpr {
    Const(bool),
    /// A bool attribute slot.
    Attr(u32),
    Consent(ConsentKind),
    Not(Box<BoolExpr>),
    And(Box<BoolExpr>, Box<BoolExpr>),
    Or(Box<BoolExpr>, Box<BoolExpr>),
    Num(CmpOp, Box<NumExpr>, Box<NumExpr>),
    /// `aggregate <op> constant`, the most common condition, evaluated without recursion.
    AggCmp(CmpOp, u32, f64),
    /// `==` (true) or `!=` (false) on text.
    StrEq(bool, Box<StrExpr>, Box<StrExpr>),
    /// `==` (true) or `!=` (false) on truth values.
    BoolEq(bool, Box<BoolExpr>, Box<BoolExpr>),
    StrIn(Box<StrExpr>, Vec<String>),
    NumIn(Box<NumExpr>, Vec<f64>),
    Glob(Box<StrExpr>, Glob),
    StartsWith(Box<StrExpr>, Box<StrExpr>),
    Has(Box<AnyExpr>),
    /// The triggering order has a non-return line passing the filter.
    OrderContains(OrderFilter),
}

/// A number.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum NumExpr {
    Const(f64),
    /// A number attribute slot.
    Attr(u32),
    /// Days since the customer was acquired.
    AgeDays,
    /// An aggregate by id.
    Agg(u32),
    /// Another score's value.
    Score(u32),
    Neg(Box<NumExpr>),
    Arith(ArithOp, Box<NumExpr>, Box<NumExpr>),
    /// Days since a date.
    DaysSince(Box<DateExpr>),
    /// Revenue of the triggering order's lines passing the filter.
    OrderRevenue(OrderFilter),
}

/// Text.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum StrExpr {
    Const(String),
    /// A text attribute slot.
    Attr(u32),
    /// The triggering event's type.
    EventType,
    /// A property of the triggering event (registry slot).
    EventProperty(ConstId),
    Lower(Box<StrExpr>),
}

/// A calendar date.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum DateExpr {
    /// A date attribute slot.
    Attr(u32),
}

/// Any typed expression (the argument of `has`).
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum AnyExpr {
    Bool(BoolExpr),
    Num(NumExpr),
    Str(StrExpr),
    Date(DateExpr),
}

impl BoolExpr {
    /// Collects the aggregates the value depends on, and tells whether that is its only
    /// dependence on time (not ages, "days since", other scores or the triggering event): then
    /// the value stays the same until one of the aggregates changes.
    pub(crate) fn reusable(&self, specs: &[AggSpec], aggs: &mut Vec<u32>) -> bool {
        match self {
            BoolExpr::Const(_) | BoolExpr::Attr(_) | BoolExpr::Consent(_) => true,
            BoolExpr::Not(a) => a.reusable(specs, aggs),
            BoolExpr::And(a, b) | BoolExpr::Or(a, b) | BoolExpr::BoolEq(_, a, b) => {
                a.reusable(specs, aggs) & b.reusable(specs, aggs)
            }
            BoolExpr::Num(_, a, b) => a.reusable(specs, aggs) & b.reusable(specs, aggs),
            BoolExpr::AggCmp(_, id, _) => agg_reusable(specs, *id, aggs),
            BoolExpr::StrEq(_, a, b) | BoolExpr::StartsWith(a, b) => a.reusable() && b.reusable(),
            BoolExpr::StrIn(a, _) | BoolExpr::Glob(a, _) => a.reusable(),
            BoolExpr::NumIn(a, _) => a.reusable(specs, aggs),
            BoolExpr::Has(any) => match &**any {
                AnyExpr::Bool(b) => b.reusable(specs, aggs),
                AnyExpr::Num(n) => n.reusable(specs, aggs),
                AnyExpr::Str(s) => s.reusable(),
                AnyExpr::Date(_) => true,
            },
            BoolExpr::OrderContains(_) => false,
        }
    }
}

fn agg_reusable(specs: &[AggSpec], id: u32, aggs: &mut Vec<u32>) -> bool {
    aggs.push(id);
    !matches!(
        specs[id as usize].kind,
        AggKind::LastOrder | AggKind::LastEvent(_)
    )
}

impl NumExpr {
    fn reusable(&self, specs: &[AggSpec], aggs: &mut Vec<u32>) -> bool {
        match self {
            NumExpr::Const(_) | NumExpr::Attr(_) => true,
            NumExpr::Agg(id) => agg_reusable(specs, *id, aggs),
            NumExpr::Neg(a) => a.reusable(specs, aggs),
            NumExpr::Arith(_, a, b) => a.reusable(specs, aggs) & b.reusable(specs, aggs),
            NumExpr::AgeDays
            | NumExpr::Score(_)
            | NumExpr::DaysSince(_)
            | NumExpr::OrderRevenue(_) => false,
        }
    }
}

impl StrExpr {
    fn reusable(&self) -> bool {
        match self {
            StrExpr::Const(_) | StrExpr::Attr(_) => true,
            StrExpr::Lower(a) => a.reusable(),
            StrExpr::EventType | StrExpr::EventProperty(_) => false,
        }
    }
}
