//! Evaluation of compiled expressions for one customer at one time.

use super::aggregate::{AggScratch, AggSpec};
use super::expr::{
    AnyExpr, ArithOp, BoolExpr, ConsentKind, DateExpr, NumExpr, OrderFilter, StrExpr,
};
use super::view::View;
use patron_core::Timestamp;
use patron_core::model::AttrValue;
use patron_core::money::MONEY_SCALE;
use patron_core::time::DAY;
use std::borrow::Cow;

/// The fact that triggered an event rule.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Current {
    /// The customer's `i`-th event.
    Event(usize),
    /// The customer's order with this local id.
    Order(u32),
}

/// Everything an expression can read.
pub(crate) struct Cx<'c, 'a> {
    pub(crate) view: &'c View<'a>,
    pub(crate) specs: &'c [AggSpec],
    pub(crate) aggs: &'c mut AggScratch,
    /// Current values of the scores (by index).
    pub(crate) scores: &'c [f64],
    /// The as-of time, seconds.
    pub(crate) t: i64,
    pub(crate) current: Option<Current>,
}

impl Cx<'_, '_> {
    /// A condition's outcome: missing counts as false.
    pub(crate) fn holds(&mut self, e: &BoolExpr) -> bool {
        self.boolean(e).unwrap_or(false)
    }

    fn boolean(&mut self, e: &BoolExpr) -> Option<bool> {
        Some(match e {
            BoolExpr::Const(b) => *b,
            BoolExpr::Attr(slot) => match self.view.attr(*slot)? {
                AttrValue::Bool(b) => *b,
                _ => return None,
            },
            BoolExpr::Consent(ConsentKind::Marketing) => self.view.consent.marketing?,
            BoolExpr::Consent(ConsentKind::Profiling) => self.view.consent.profiling?,
            BoolExpr::Not(a) => !self.holds(a),
            BoolExpr::And(a, b) => self.holds(a) && self.holds(b),
            BoolExpr::Or(a, b) => self.holds(a) || self.holds(b),
            BoolExpr::Num(op, a, b) => match (self.number(a), self.number(b)) {
                (Some(x), Some(y)) => op.holds(x, y),
                _ => false,
            },
            BoolExpr::AggCmp(op, id, c) => self
                .aggs
                .value(self.specs, *id, self.view, self.t)
                .is_some_and(|x| op.holds(x, *c)),
            BoolExpr::StrEq(eq, a, b) => match (self.text(a), self.text(b)) {
                (Some(x), Some(y)) => (x == y) == *eq,
                _ => false,
            },
            BoolExpr::BoolEq(eq, a, b) => match (self.boolean(a), self.boolean(b)) {
                (Some(x), Some(y)) => (x == y) == *eq,
                _ => false,
            },
            BoolExpr::StrIn(a, list) => self.text(a).is_some_and(|x| list.iter().any(|v| *v == *x)),
            BoolExpr::NumIn(a, list) => self.number(a).is_some_and(|x| list.contains(&x)),
            BoolExpr::Glob(a, glob) => self.text(a).is_some_and(|x| glob.matches(&x)),
            BoolExpr::StartsWith(a, b) => match (self.text(a), self.text(b)) {
                (Some(x), Some(p)) => x.starts_with(&*p),
                _ => false,
            },
            BoolExpr::Has(any) => self.present(any),
            BoolExpr::OrderContains(filter) => self.order_contains(filter),
        })
    }

    fn present(&mut self, any: &AnyExpr) -> bool {
        match any {
            AnyExpr::Bool(b) => self.boolean(b).is_some(),
            AnyExpr::Num(n) => self.number(n).is_some(),
            AnyExpr::Str(s) => self.text(s).is_some(),
            AnyExpr::Date(d) => self.date(d).is_some(),
        }
    }

    /// A number; `None` when missing.
    pub(crate) fn number(&mut self, e: &NumExpr) -> Option<f64> {
        match e {
            NumExpr::Const(c) => Some(*c),
            NumExpr::Attr(slot) => match self.view.attr(*slot)? {
                AttrValue::Number(x) => Some(*x),
                _ => None,
            },
            NumExpr::AgeDays => Some((self.t - self.view.created_at) as f64 / DAY as f64),
            NumExpr::Agg(id) => self.aggs.value(self.specs, *id, self.view, self.t),
            NumExpr::Score(s) => self.scores.get(*s as usize).copied(),
            NumExpr::Neg(a) => self.number(a).map(|x| -x),
            NumExpr::Arith(op, a, b) => {
                let (x, y) = (self.number(a)?, self.number(b)?);
                match op {
                    ArithOp::Add => Some(x + y),
                    ArithOp::Sub => Some(x - y),
                    ArithOp::Mul => Some(x * y),
                    ArithOp::Div => (y != 0.0).then(|| x / y),
                }
            }
            NumExpr::DaysSince(d) => {
                let day = Timestamp::from_date(self.date(d)?).secs();
                Some((self.t - day) as f64 / DAY as f64)
            }
            NumExpr::OrderRevenue(filter) => Some(self.order_revenue(filter)),
        }
    }

    fn text<'e>(&'e self, e: &'e StrExpr) -> Option<Cow<'e, str>> {
        match e {
            StrExpr::Const(s) => Some(Cow::Borrowed(s.as_str())),
            StrExpr::Attr(slot) => match self.view.attr(*slot)? {
                AttrValue::Text(s) => Some(Cow::Borrowed(s.as_str())),
                _ => None,
            },
            StrExpr::EventType => Some(Cow::Borrowed(match self.current? {
                Current::Event(i) => self.view.facts.events.types.name(self.view.ev_types[i]),
                Current::Order(_) => patron_core::config::ORDER_EVENT,
            })),
            StrExpr::EventProperty(slot) => match self.current? {
                Current::Event(i) => self.view.event_property(*slot, i).map(Cow::Borrowed),
                Current::Order(_) => None,
            },
            StrExpr::Lower(a) => Some(Cow::Owned(self.text(a)?.to_lowercase())),
        }
    }

    fn date(&self, e: &DateExpr) -> Option<chrono::NaiveDate> {
        let DateExpr::Attr(slot) = e;
        match self.view.attr(*slot)? {
            AttrValue::Date(d) => Some(*d),
            _ => None,
        }
    }

    fn order_lines(&self) -> impl Iterator<Item = usize> + '_ {
        let id = match self.current {
            Some(Current::Order(id)) => Some(id),
            _ => None,
        };
        id.into_iter().flat_map(|id| self.aggs.orders.lines(id))
    }

    fn order_contains(&self, filter: &OrderFilter) -> bool {
        self.order_lines()
            .any(|i| !self.view.ord_returns[i] && self.view.line_matches(filter, i))
    }

    fn order_revenue(&self, filter: &OrderFilter) -> f64 {
        let raw: i128 = self
            .order_lines()
            .filter(|&i| self.view.line_matches(filter, i))
            .map(|i| i128::from(self.view.ord_amounts[i].raw()))
            .sum();
        raw as f64 / MONEY_SCALE as f64
    }
}
