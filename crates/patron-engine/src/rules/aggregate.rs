//! Aggregates over a customer's history as of a time: `orders.count(…)`, `revenue(…)`,
//! `events("…").count(…)`, `tickets.count(…)`, `days_since_last_order`,
//! `days_since_last_event("…")`.
//!
//! A window `last D` as of `t` covers `t − D ≤ time < t`. Within one customer the engine asks
//! for aggregates at non-decreasing times (it walks the history forward), so each aggregate keeps
//! a sliding window over the customer's rows that match it (listed once per customer): every row
//! enters and leaves once, and a whole replay costs O(rows) per aggregate instead of O(rows²).
//! Each aggregate also knows until when its value cannot change (the next matching row entering
//! or leaving the window), so asking again before then costs one comparison, and conditions
//! built only from such aggregates can be reused until then. Asking for an earlier time starts
//! the window over, which is correct, only slower.

use super::expr::{ConstId, OrderFilter};
use super::view::View;
use patron_core::Timestamp;
use patron_core::money::MONEY_SCALE;
use patron_core::time::DAY;

/// What is aggregated.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum AggKind {
    /// Distinct orders with at least one non-return line passing the filter.
    Orders(OrderFilter),
    /// Sum of the amounts of lines passing the filter (returns are negative lines).
    Revenue(OrderFilter),
    /// Events of a type.
    Events(ConstId),
    /// Tickets opened.
    Tickets,
    /// Days since the latest non-return order line (missing if none).
    LastOrder,
    /// Days since the latest event of a type (missing if none).
    LastEvent(ConstId),
}

/// An aggregate and its window (seconds; `None`: all history).
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct AggSpec {
    pub(crate) kind: AggKind,
    pub(crate) window: Option<i64>,
}

/// The sliding state of one aggregate for the current customer.
#[derive(Debug, Clone, Default)]
struct AggState {
    /// `rows` is filled for the current customer.
    built: bool,
    /// Matching rows (customer-relative), in time order.
    rows: Vec<u32>,
    /// Time of the last evaluation (`i64::MIN`: none yet).
    t: i64,
    /// The state holds for evaluation times before this.
    valid_until: i64,
    /// First row (index into `rows`) inside the window.
    lo: usize,
    /// First row not yet admitted.
    hi: usize,
    /// Count of rows (or distinct orders) in the window.
    count: i64,
    /// Sum of amounts in ten-thousandths.
    sum: i128,
    /// Time of the latest row admitted.
    last: i64,
    /// Distinct-order counts: lines in the window per local order.
    in_window: Vec<u32>,
}

impl AggState {
    fn reset(&mut self) {
        self.t = i64::MIN;
        self.valid_until = i64::MIN;
        self.lo = 0;
        self.hi = 0;
        self.count = 0;
        self.sum = 0;
        self.last = i64::MIN;
        self.in_window.iter_mut().for_each(|c| *c = 0);
    }
}

/// The orders of the current customer: a dense local id per order and the lines of each.
#[derive(Debug, Default)]
pub(crate) struct OrderIndex {
    /// (order code, line) sorted, so each order's lines are contiguous and in time order.
    pairs: Vec<(u32, u32)>,
    /// Line → local order id.
    pub(crate) local: Vec<u32>,
    /// Local order id → its range in `pairs`.
    spans: Vec<(u32, u32)>,
    /// Local order id → whether it has a non-return line (a purchase).
    pub(crate) purchase: Vec<bool>,
    /// Local order id → its first line.
    pub(crate) first: Vec<u32>,
}

impl OrderIndex {
    /// Indexes the lines of `view` (reusing the buffers).
    pub(crate) fn build(&mut self, view: &View) {
        let n = view.ord_codes.len();
        self.pairs.clear();
        self.pairs.extend(
            view.ord_codes
                .iter()
                .enumerate()
                .map(|(i, &c)| (c, i as u32)),
        );
        self.pairs.sort_unstable();
        self.local.clear();
        self.local.resize(n, 0);
        self.spans.clear();
        self.purchase.clear();
        self.first.clear();
        let mut start = 0;
        while start < n {
            let code = self.pairs[start].0;
            let end = start + self.pairs[start..].partition_point(|p| p.0 == code);
            let id = self.spans.len() as u32;
            let lines = &self.pairs[start..end];
            for &(_, line) in lines {
                self.local[line as usize] = id;
            }
            self.purchase
                .push(lines.iter().any(|&(_, l)| !view.ord_returns[l as usize]));
            self.first.push(lines[0].1);
            self.spans.push((start as u32, end as u32));
            start = end;
        }
    }

    /// Number of orders.
    pub(crate) fn len(&self) -> usize {
        self.spans.len()
    }

    /// The lines of local order `id`.
    pub(crate) fn lines(&self, id: u32) -> impl Iterator<Item = usize> + '_ {
        let (s, e) = self.spans[id as usize];
        self.pairs[s as usize..e as usize]
            .iter()
            .map(|&(_, l)| l as usize)
    }
}

/// Per-thread buffers for aggregates, reused across customers.
#[derive(Debug, Default)]
pub(crate) struct AggScratch {
    states: Vec<AggState>,
    /// The current customer's orders.
    pub(crate) orders: OrderIndex,
    /// The current customer's ticket opening times, sorted.
    pub(crate) tickets: Vec<Timestamp>,
}

impl AggScratch {
    /// Resets for a new customer.
    pub(crate) fn start(&mut self, specs: &[AggSpec], view: &View, index_orders: bool) {
        self.states.resize_with(specs.len(), AggState::default);
        if index_orders {
            self.orders.build(view);
        }
        self.tickets.clear();
        self.tickets
            .extend(view.tickets.iter().map(|t| t.opened_at));
        self.tickets.sort_unstable();
        for (spec, state) in specs.iter().zip(&mut self.states) {
            state.built = false;
            if matches!(spec.kind, AggKind::Orders(_)) {
                state.in_window.clear();
                state.in_window.resize(self.orders.len(), 0);
            }
            state.reset();
        }
    }

    /// Until when (exclusive) aggregate `id` keeps the value of its last evaluation;
    /// `i64::MIN` if it was not evaluated for this customer.
    pub(crate) fn valid_until(&self, id: u32) -> i64 {
        self.states[id as usize].valid_until
    }

    /// The value of aggregate `id` as of `t` (missing only for "days since" without a row).
    pub(crate) fn value(&mut self, specs: &[AggSpec], id: u32, view: &View, t: i64) -> Option<f64> {
        let spec = &specs[id as usize];
        let state = &mut self.states[id as usize];
        if !state.built {
            state.rows.clear();
            collect_rows(spec, view, &self.tickets, &mut state.rows);
            state.built = true;
        }
        if t < state.t {
            state.reset();
        }
        if t >= state.valid_until {
            let times = times_of(spec, view, &self.tickets);
            advance(spec, state, &self.orders, view, times, t);
        }
        state.t = t;
        result(spec, state, t)
    }
}

/// The rows an aggregate looks at.
fn times_of<'a>(spec: &AggSpec, view: &View<'a>, tickets: &'a [Timestamp]) -> &'a [Timestamp] {
    match spec.kind {
        AggKind::Events(_) | AggKind::LastEvent(_) => view.ev_times,
        AggKind::Tickets => tickets,
        _ => view.ord_times,
    }
}

/// Lists the customer's rows that can change the aggregate.
fn collect_rows(spec: &AggSpec, view: &View, tickets: &[Timestamp], rows: &mut Vec<u32>) {
    let mut keep = |n: usize, matches: &dyn Fn(usize) -> bool| {
        rows.extend((0..n).filter(|&i| matches(i)).map(|i| i as u32));
    };
    match &spec.kind {
        AggKind::Events(c) | AggKind::LastEvent(c) => {
            let code = view.bind.event_types[*c as usize];
            keep(view.ev_types.len(), &|i| Some(view.ev_types[i]) == code);
        }
        AggKind::Tickets => keep(tickets.len(), &|_| true),
        AggKind::Revenue(filter) => keep(view.ord_times.len(), &|i| view.line_matches(filter, i)),
        AggKind::Orders(filter) => keep(view.ord_times.len(), &|i| {
            !view.ord_returns[i] && view.line_matches(filter, i)
        }),
        AggKind::LastOrder => keep(view.ord_times.len(), &|i| !view.ord_returns[i]),
    }
}

/// Admits matching rows before `t`, evicts those before `t − window`, and records until when
/// nothing can change.
fn advance(
    spec: &AggSpec,
    state: &mut AggState,
    orders: &OrderIndex,
    view: &View,
    times: &[Timestamp],
    t: i64,
) {
    let time = |state: &AggState, k: usize| times[state.rows[k] as usize].secs();
    while state.hi < state.rows.len() && time(state, state.hi) < t {
        let row = state.rows[state.hi] as usize;
        apply(spec, state, orders, view, row, 1);
        state.last = times[row].secs();
        state.hi += 1;
    }
    let mut until = state
        .rows
        .get(state.hi)
        .map_or(i64::MAX, |&r| times[r as usize].secs() + 1);
    if let Some(w) = spec.window {
        while state.lo < state.hi && time(state, state.lo) < t - w {
            let row = state.rows[state.lo] as usize;
            apply(spec, state, orders, view, row, -1);
            state.lo += 1;
        }
        if state.lo < state.hi {
            until = until.min(time(state, state.lo) + w + 1);
        }
    }
    state.valid_until = until;
}

/// Adds (`sign` = 1) or removes (−1) one matching row.
fn apply(
    spec: &AggSpec,
    state: &mut AggState,
    orders: &OrderIndex,
    view: &View,
    row: usize,
    sign: i64,
) {
    match spec.kind {
        AggKind::Revenue(_) => {
            state.sum += i128::from(sign) * i128::from(view.ord_amounts[row].raw());
        }
        AggKind::Orders(_) => {
            // Count an order while at least one of its matching lines is in the window.
            let lines = &mut state.in_window[orders.local[row] as usize];
            if sign > 0 {
                *lines += 1;
                state.count += i64::from(*lines == 1);
            } else {
                *lines -= 1;
                state.count -= i64::from(*lines == 0);
            }
        }
        _ => state.count += sign,
    }
}

fn result(spec: &AggSpec, state: &AggState, t: i64) -> Option<f64> {
    match spec.kind {
        AggKind::Revenue(_) => Some(state.sum as f64 / MONEY_SCALE as f64),
        AggKind::LastOrder | AggKind::LastEvent(_) => {
            (state.last != i64::MIN).then(|| (t - state.last) as f64 / DAY as f64)
        }
        _ => Some(state.count as f64),
    }
}
