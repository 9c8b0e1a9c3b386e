//! One customer's scoring pass: walk the history forward once, fact time by fact time.
//!
//! At each distinct fact time `t` (events, order lines, tickets, the acquisition) before
//! `as_of`:
//! 1. every event (and order) at `t` is offered to the event rules whose `on` matches; the
//!    condition is evaluated as of `t` (facts strictly before the event, plus the event itself),
//!    then `repeatable` and `limit` decide whether it is awarded;
//! 2. if stages or crossings need it, the scores are sampled as of `t + 1 s` (so the facts at
//!    `t` count) and stage levels, transitions and triggers are updated.
//!
//! Finally the ledger is built as of `as_of`: each award decayed by its age and rounded, each
//! state rule that holds, then the cuts of caps and floors; the stages get a last sample with
//! these exact values. Aggregates slide forward with time, so the pass is O(facts + samples ×
//! rules) per customer and allocates nothing once its buffers have grown.

use super::aggregate::AggScratch;
use super::caps::{bound_exact, bound_value};
use super::decay::{Accumulator, Award, carry};
use super::eval::{Current, Cx};
use super::ledger::{EntryKind, EventRef, LedgerEntry};
use super::limit::AwardState;
use super::points::Points;
use super::ruleset::{RuleKind, RuleSet};
use super::stage::{Cause, Stage, StageSource, Transition};
use super::table::Builder;
use super::trigger::{OutboxEntry, Trigger, TriggerOn};
use super::view::View;
use patron_core::Timestamp;

/// Per-thread buffers, reused from customer to customer.
#[derive(Debug, Default)]
pub(crate) struct Scratch {
    aggs: AggScratch,
    /// Per rule: its awards so far, in time order.
    awards: Vec<Vec<Award>>,
    award_state: Vec<AwardState>,
    accumulators: Vec<Accumulator>,
    /// Per rule: whether the state rule held at the previous sample / holds now.
    held: Vec<bool>,
    holds: Vec<bool>,
    /// Per score: value at the current sample, and at the previous one.
    values: Vec<f64>,
    previous: Vec<f64>,
    group_values: Vec<f64>,
    group_points: Vec<Points>,
    exact: Vec<Points>,
    /// Per stage: current level.
    levels: Vec<Option<u32>>,
    /// Per trigger: firings so far.
    fired: Vec<u32>,
    /// Awards made at the current fact time.
    moment: Vec<(u32, EventRef)>,
    entries: Vec<LedgerEntry>,
    /// Per rule: a reusable state rule's outcome holds for times before this.
    valid_until: Vec<i64>,
    /// Time of the previous sample, and the decay factor since then per half-life.
    last_sample: i64,
    carries: Vec<f64>,
}

fn reset<T: Clone>(v: &mut Vec<T>, n: usize, value: T) {
    v.clear();
    v.resize(n, value);
}

impl Scratch {
    fn start(&mut self, rs: &RuleSet, view: &View) {
        let (rules, scores) = (rs.rules.len(), rs.scores.len());
        self.aggs.start(&rs.registry.aggs, view, rs.index_orders);
        self.awards.resize_with(rules, Vec::new);
        self.awards.iter_mut().for_each(Vec::clear);
        reset(&mut self.award_state, rules, AwardState::default());
        reset(&mut self.accumulators, rules, Accumulator::default());
        reset(&mut self.held, rules, false);
        reset(&mut self.holds, rules, false);
        reset(&mut self.values, scores, 0.0);
        reset(&mut self.previous, scores, 0.0);
        reset(&mut self.exact, scores, Points::ZERO);
        reset(&mut self.levels, rs.stages.len(), None);
        reset(&mut self.fired, rs.triggers.len(), 0);
        reset(&mut self.valid_until, rules, i64::MIN);
        self.last_sample = i64::MIN;
    }
}

/// Scores one customer as of `as_of` into `out`.
pub(crate) fn score_customer(
    rs: &RuleSet,
    view: &View,
    as_of: i64,
    s: &mut Scratch,
    out: &mut Builder,
) {
    s.start(rs, view);
    let replay = rs.replay.iter().any(|r| *r);
    let mut cursor = Cursor::default();
    while let Some(t) = cursor.next_time(view, &s.aggs.tickets, as_of) {
        s.moment.clear();
        while cursor.event < view.ev_times.len() && view.ev_times[cursor.event].secs() == t {
            on_event(rs, view, s, cursor.event, t);
            cursor.event += 1;
        }
        while cursor.line < view.ord_times.len() && view.ord_times[cursor.line].secs() == t {
            on_order_line(rs, view, s, cursor.line, t);
            cursor.line += 1;
        }
        while s.aggs.tickets.get(cursor.ticket).map(|t| t.secs()) == Some(t) {
            cursor.ticket += 1;
        }
        cursor.created |= view.created_at == t;
        if replay {
            sample(rs, view, s, t + 1);
            update_stages(rs, view, s, t + 1, t, out);
        }
    }
    s.moment.clear();
    finish(rs, view, s, as_of, out);
}

/// Positions in the customer's sorted facts.
#[derive(Debug, Default)]
struct Cursor {
    event: usize,
    line: usize,
    ticket: usize,
    created: bool,
}

impl Cursor {
    /// The earliest unprocessed fact time before `as_of`.
    fn next_time(&self, view: &View, tickets: &[Timestamp], as_of: i64) -> Option<i64> {
        let at = |times: &[Timestamp], i: usize| times.get(i).map_or(i64::MAX, |t| t.secs());
        let created = if self.created {
            i64::MAX
        } else {
            view.created_at
        };
        let next = at(view.ev_times, self.event)
            .min(at(view.ord_times, self.line))
            .min(at(tickets, self.ticket))
            .min(created);
        (next < as_of).then_some(next)
    }
}

fn on_event(rs: &RuleSet, view: &View, s: &mut Scratch, i: usize, t: i64) {
    let code = view.ev_types[i] as usize;
    let Some(rules) = view.bind.type_rules.get(code) else {
        return;
    };
    for &r in rules {
        offer(
            rs,
            view,
            s,
            r,
            t,
            Current::Event(i),
            EventRef::Event(i as u32),
        );
    }
}

fn on_order_line(rs: &RuleSet, view: &View, s: &mut Scratch, line: usize, t: i64) {
    if view.bind.order_rules.is_empty() {
        return;
    }
    let orders = &s.aggs.orders;
    let id = orders.local[line];
    // An order fires once, at its first line, if it is a purchase (not only returns).
    if orders.first[id as usize] as usize != line || !orders.purchase[id as usize] {
        return;
    }
    for &r in &view.bind.order_rules {
        offer(
            rs,
            view,
            s,
            r,
            t,
            Current::Order(id),
            EventRef::Order(line as u32),
        );
    }
}

/// Offers a fact to event rule `r`: condition, then once/limit, then the award.
fn offer(
    rs: &RuleSet,
    view: &View,
    s: &mut Scratch,
    r: u32,
    t: i64,
    current: Current,
    event: EventRef,
) {
    let rule = &rs.rules[r as usize];
    let RuleKind::Event {
        repeatable, limit, ..
    } = rule.kind
    else {
        return;
    };
    let state = &mut s.award_state[r as usize];
    if state.awarded && !repeatable {
        return;
    }
    if let Some(when) = &rule.when {
        let mut cx = Cx {
            view,
            specs: &rs.registry.aggs,
            aggs: &mut s.aggs,
            scores: &s.values,
            t,
            current: Some(current),
        };
        if !cx.holds(when) {
            return;
        }
    }
    if s.award_state[r as usize].try_award(repeatable, limit, t) {
        s.awards[r as usize].push(Award { at: t, event });
        s.moment.push((r, event));
    }
}

/// Values of the replayed scores as of `t` (unrounded).
fn sample(rs: &RuleSet, view: &View, s: &mut Scratch, t: i64) {
    let since = s.last_sample;
    s.carries.clear();
    s.carries
        .extend(rs.half_lives.iter().map(|&h| carry(h, since, t)));
    s.last_sample = t;
    for &score in &rs.order {
        if !rs.replay[score as usize] {
            continue;
        }
        let sc = &rs.scores[score as usize];
        reset(&mut s.group_values, sc.groups.len(), 0.0);
        let mut ungrouped = 0.0;
        for hot in &sc.event_rules {
            let r = hot.rule as usize;
            // Most customers never trigger most rules: nothing to decay.
            if s.awards[r].is_empty() {
                continue;
            }
            let carry = s.carries.get(hot.slot).copied().unwrap_or(0.0);
            let value = s.accumulators[r].value(&hot.decay, hot.points, &s.awards[r], t, carry);
            match s.group_values.get_mut(hot.group as usize) {
                Some(g) => *g += value,
                None => ungrouped += value,
            }
        }
        for hot in &sc.state_rules {
            let r = hot.rule as usize;
            let holds = if hot.reusable && t < s.valid_until[r] {
                s.holds[r]
            } else {
                let holds = state_holds(rs, view, s, hot.rule, t);
                if hot.reusable {
                    let aggs = &s.aggs;
                    s.valid_until[r] = hot
                        .inputs
                        .iter()
                        .map(|&a| aggs.valid_until(a))
                        .min()
                        .unwrap_or(i64::MAX);
                }
                holds
            };
            if holds {
                match s.group_values.get_mut(hot.group as usize) {
                    Some(g) => *g += hot.points,
                    None => ungrouped += hot.points,
                }
            }
        }
        s.values[score as usize] = bound_value(sc, &s.group_values, ungrouped);
    }
}

/// Whether state rule `r` holds as of `t` (recorded for finding transition causes).
fn state_holds(rs: &RuleSet, view: &View, s: &mut Scratch, r: u32, t: i64) -> bool {
    let rule = &rs.rules[r as usize];
    let holds = rule.when.as_ref().is_none_or(|when| {
        Cx {
            view,
            specs: &rs.registry.aggs,
            aggs: &mut s.aggs,
            scores: &s.values,
            t,
            current: None,
        }
        .holds(when)
    });
    s.holds[r as usize] = holds;
    holds
}

/// The ledger as of `as_of`, then the last stage sample with the exact values.
fn finish(rs: &RuleSet, view: &View, s: &mut Scratch, as_of: i64, out: &mut Builder) {
    s.entries.clear();
    for &score in &rs.order {
        let value = exact_score(rs, view, s, score, as_of);
        s.exact[score as usize] = value;
        s.values[score as usize] = value.to_f64();
    }
    // Entries were made in evaluation order; the ledger lists them by score.
    s.entries.sort_by_key(|e| e.score);
    out.ledger.extend_from_slice(&s.entries);
    out.values.extend_from_slice(&s.exact);
    update_stages(rs, view, s, as_of, as_of, out);
    out.levels.extend_from_slice(&s.levels);
    out.end_customer();
}

/// One score's ledger entries as of `t`, appended to `s.entries`; returns the score.
fn exact_score(rs: &RuleSet, view: &View, s: &mut Scratch, score: u32, t: i64) -> Points {
    let sc = &rs.scores[score as usize];
    reset(&mut s.group_points, sc.groups.len(), Points::ZERO);
    let mut ungrouped = Points::ZERO;
    let at = Timestamp::from_secs(t);
    for r in sc.rules.clone() {
        let rule = &rs.rules[r as usize];
        let before = s.entries.len();
        match rule.kind {
            RuleKind::Event { .. } => {
                let points = rule.points.to_f64();
                for award in &s.awards[r as usize] {
                    let decayed = Points::from_f64(rule.decay.apply(points, t - award.at));
                    if !decayed.is_zero() {
                        s.entries.push(LedgerEntry {
                            score,
                            kind: EntryKind::Event {
                                rule: r,
                                event: award.event,
                            },
                            points: decayed,
                            original_points: rule.points,
                            at: Timestamp::from_secs(award.at),
                        });
                    }
                }
            }
            RuleKind::State => {
                if state_holds(rs, view, s, r, t) && !rule.points.is_zero() {
                    s.entries.push(LedgerEntry {
                        score,
                        kind: EntryKind::State { rule: r },
                        points: rule.points,
                        original_points: rule.points,
                        at,
                    });
                }
            }
        }
        let added: Points = s.entries[before..].iter().map(|e| e.points).sum();
        match rule.group {
            Some(g) => s.group_points[g as usize] += added,
            None => ungrouped += added,
        }
    }
    bound_exact(sc, score, &s.group_points, ungrouped, at, &mut s.entries)
}

/// Moves stage levels to the current values, recording transitions (at `at`) and firing
/// triggers; `t` is the evaluation time for stage expressions.
fn update_stages(rs: &RuleSet, view: &View, s: &mut Scratch, t: i64, at: i64, out: &mut Builder) {
    let at = Timestamp::from_secs(at);
    for (g, stage) in rs.stages.iter().enumerate() {
        let value = stage_value(rs, view, s, stage, t);
        let before = s.levels[g];
        let level = stage.next_level(before, value);
        if before == Some(level) {
            continue;
        }
        let cause = match before {
            None => Cause::First,
            Some(b) => find_cause(rs, s, stage, level > b),
        };
        out.transitions.push(Transition {
            stage: g as u32,
            from: before,
            to: level,
            at,
            cause,
        });
        s.levels[g] = Some(level);
        for (i, trigger) in rs.triggers.iter().enumerate() {
            if trigger.on
                == (TriggerOn::Enters {
                    stage: g as u32,
                    level,
                })
            {
                fire(s, i, trigger, view.customer, at, out);
            }
        }
    }
    for (i, trigger) in rs.triggers.iter().enumerate() {
        if let TriggerOn::Crosses {
            score,
            above,
            value,
        } = trigger.on
        {
            let (before, now) = (s.previous[score as usize], s.values[score as usize]);
            if Trigger::crossed(above, value, before, now) {
                fire(s, i, trigger, view.customer, at, out);
            }
        }
    }
    s.previous.copy_from_slice(&s.values);
    s.held.copy_from_slice(&s.holds);
}

fn stage_value(rs: &RuleSet, view: &View, s: &mut Scratch, stage: &Stage, t: i64) -> f64 {
    match &stage.source {
        StageSource::Score(score) => s.values[*score as usize],
        StageSource::Expr(e) => Cx {
            view,
            specs: &rs.registry.aggs,
            aggs: &mut s.aggs,
            scores: &s.values,
            t,
            current: None,
        }
        .number(e)
        .unwrap_or(f64::NAN),
    }
}

fn fire(
    s: &mut Scratch,
    i: usize,
    trigger: &Trigger,
    customer: usize,
    at: Timestamp,
    out: &mut Builder,
) {
    if s.fired[i] > 0 && !trigger.rearm {
        return;
    }
    s.fired[i] += 1;
    out.outbox.push(OutboxEntry {
        trigger: i as u32,
        customer: customer as u32,
        at,
        occurrence: s.fired[i],
    });
}

/// The largest award at this moment in the direction of the move; else the largest state rule
/// that flipped that way; else the passing of time.
fn find_cause(rs: &RuleSet, s: &Scratch, stage: &Stage, up: bool) -> Cause {
    let relevant = |rule: u32| stage.scores.contains(&rs.rules[rule as usize].score);
    let points = |rule: u32| rs.rules[rule as usize].points.micros();
    let award = s
        .moment
        .iter()
        .filter(|(r, _)| relevant(*r) && (points(*r) > 0) == up)
        .max_by_key(|(r, _)| points(*r).abs());
    if let Some(&(rule, event)) = award {
        return Cause::Award { rule, event };
    }
    let flipped = (0..rs.rules.len() as u32)
        .filter(|&r| relevant(r) && matches!(rs.rules[r as usize].kind, RuleKind::State))
        .filter(|&r| s.held[r as usize] != s.holds[r as usize])
        .filter(|&r| (points(r) > 0) == (s.holds[r as usize] == up))
        .max_by_key(|&r| points(r).abs());
    match flipped {
        Some(rule) => Cause::State {
            rule,
            holds: s.holds[rule as usize],
        },
        None => Cause::Time,
    }
}
