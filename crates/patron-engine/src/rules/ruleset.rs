//! The compiled rule set: scores with their rules, stages and triggers, checked and ready to
//! evaluate, with a version that identifies its meaning.

use super::ast::Node;
use super::check::{Checker, Context};
use super::decay::DecayFn;
use super::error::{ExprError, Place, RuleError, file_offset};
use super::expr::BoolExpr;
use super::glob::Glob;
use super::limit::Limit;
use super::parser::parse;
use super::points::Points;
use super::registry::Registry;
use super::stage::{Level, Stage, StageSource};
use super::trigger::{Trigger, TriggerOn};
use super::version::fingerprint;
use patron_core::config::{
    Decay, ORDER_EVENT, RuleConfig, RulesConfig, ScoreCategory, ScoreConfig, Spanned, StageConfig,
    TriggerConfig,
};
use std::fmt::Write;
use std::ops::Range;

/// A checked, compiled rule set. Build it with [`RuleSet::compile`]; evaluate it with
/// [`RuleSet::score_all`], [`RuleSet::score_customer`] or [`RuleSet::apply_event`].
#[derive(Debug, Clone)]
pub struct RuleSet {
    pub(crate) version: String,
    pub(crate) canonical: String,
    pub(crate) scores: Vec<Score>,
    /// All rules, score by score, in configuration order; ledger entries refer to this index.
    pub(crate) rules: Vec<Rule>,
    /// Scores in evaluation order (a score after the scores it reads).
    pub(crate) order: Vec<u32>,
    pub(crate) stages: Vec<Stage>,
    pub(crate) triggers: Vec<Trigger>,
    pub(crate) registry: Registry,
    /// Scores whose value is needed at every fact time (for stages and crossings).
    pub(crate) replay: Vec<bool>,
    /// Whether customers' orders must be indexed (order rules or distinct-order counts).
    pub(crate) index_orders: bool,
    /// The distinct half-lives (seconds) of the rules; [`Rule::half_life_slot`] indexes it.
    pub(crate) half_lives: Vec<i64>,
}

/// A compiled score.
#[derive(Debug, Clone)]
pub(crate) struct Score {
    pub(crate) name: String,
    pub(crate) category: ScoreCategory,
    pub(crate) cap: Option<Points>,
    pub(crate) floor: Option<Points>,
    pub(crate) groups: Vec<Group>,
    /// Its rules' global indices.
    pub(crate) rules: Range<u32>,
    /// Its event rules and state rules, compactly, for the inner loop of a replay.
    pub(crate) event_rules: Vec<HotRule>,
    pub(crate) state_rules: Vec<HotRule>,
}

/// What replaying needs of a rule, in one small record (the inner loop runs once per rule per
/// fact time of every customer).
#[derive(Debug, Clone)]
pub(crate) struct HotRule {
    pub(crate) rule: u32,
    pub(crate) points: f64,
    pub(crate) decay: DecayFn,
    /// Index into the per-sample decay factors ([`RuleSet::half_lives`]).
    pub(crate) slot: usize,
    /// Group index, or `u32::MAX` for none.
    pub(crate) group: u32,
    /// State rules: the condition only changes when these aggregates change, so its last
    /// outcome can be reused until then (`reusable`).
    pub(crate) inputs: Vec<u32>,
    pub(crate) reusable: bool,
}

/// A group of rules capped together.
#[derive(Debug, Clone)]
pub(crate) struct Group {
    pub(crate) name: String,
    pub(crate) cap: Option<Points>,
    pub(crate) floor: Option<Points>,
}

/// Which facts an event rule fires on.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum OnMatcher {
    Exact(String),
    Glob(Glob),
    Order,
}

impl OnMatcher {
    /// Whether an event type matches (orders are matched separately).
    pub(crate) fn matches(&self, event_type: &str) -> bool {
        match self {
            OnMatcher::Exact(t) => t == event_type,
            OnMatcher::Glob(g) => g.matches(event_type),
            OnMatcher::Order => false,
        }
    }
    fn text(&self) -> &str {
        match self {
            OnMatcher::Exact(t) => t,
            OnMatcher::Glob(g) => g.text(),
            OnMatcher::Order => ORDER_EVENT,
        }
    }
}

/// Event rule or state rule.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum RuleKind {
    State,
    Event {
        on: OnMatcher,
        repeatable: bool,
        limit: Option<Limit>,
    },
}

/// A compiled rule.
#[derive(Debug, Clone)]
pub(crate) struct Rule {
    pub(crate) name: String,
    pub(crate) score: u32,
    pub(crate) points: Points,
    pub(crate) kind: RuleKind,
    pub(crate) when: Option<BoolExpr>,
    /// The condition as written (for reasons).
    pub(crate) when_text: Option<String>,
    pub(crate) group: Option<u32>,
    pub(crate) decay: DecayFn,
    /// Index of the rule's half-life in [`RuleSet::half_lives`] (0 without one).
    pub(crate) half_life_slot: usize,
}

impl RuleSet {
    /// Checks and compiles the scoring part of a configuration. All problems found are
    /// returned, each naming its score and rule, its position and what was expected.
    pub fn compile(config: &RulesConfig) -> Result<RuleSet, Vec<RuleError>> {
        let shape = config.problems();
        if !shape.is_empty() {
            let place = Place::default();
            return Err(shape
                .into_iter()
                .map(|p| RuleError::at(&place, p.offset, p.message))
                .collect());
        }
        let mut c = Compiler::new(config);
        c.compile_scores();
        c.compile_stages();
        c.compile_triggers();
        let order = c.evaluation_order();
        if !c.errors.is_empty() {
            return Err(c.errors);
        }
        Ok(c.finish(order))
    }

    /// The version: a fingerprint of the rule set's meaning (not its layout).
    pub fn version(&self) -> &str {
        &self.version
    }

    /// The canonical description the version is a fingerprint of (useful to diff rule sets).
    pub fn canonical(&self) -> &str {
        &self.canonical
    }

    /// Score names, by score index.
    pub fn score_names(&self) -> Vec<&str> {
        self.scores.iter().map(|s| s.name.as_str()).collect()
    }

    /// The index of a score.
    pub fn score_index(&self, name: &str) -> Option<usize> {
        self.scores.iter().position(|s| s.name == name)
    }

    /// Warnings for event rules whose `on` matches none of the event types in the data (a
    /// misspelling such as `on = "shaer"` would never fire), with a suggestion.
    pub fn unknown_event_types(&self, known: &[String]) -> Vec<String> {
        let mut out = Vec::new();
        for rule in &self.rules {
            let RuleKind::Event { on, .. } = &rule.kind else {
                continue;
            };
            if matches!(on, OnMatcher::Order) || known.iter().any(|t| on.matches(t)) {
                continue;
            }
            let score = &self.scores[rule.score as usize].name;
            out.push(format!(
                "rule {:?} of score {score}: no imported event has the type `{}`, so it never fires{}",
                rule.name,
                on.text(),
                patron_core::config::did_you_mean(on.text(), known.iter().map(String::as_str))
            ));
        }
        out
    }

    /// A score's category (`[scores.NAME] category`), for grouping scores by what they measure.
    pub fn score_category(&self, score: usize) -> ScoreCategory {
        self.scores[score].category
    }

    /// Stage names, by stage index.
    pub fn stage_names(&self) -> Vec<&str> {
        self.stages.iter().map(|s| s.name.as_str()).collect()
    }

    /// The index of a stage.
    pub fn stage_index(&self, name: &str) -> Option<usize> {
        self.stages.iter().position(|s| s.name == name)
    }

    /// The name of a stage's level.
    pub fn level_name(&self, stage: usize, level: u32) -> &str {
        &self.stages[stage].levels[level as usize].name
    }

    /// A rule's name by global rule index (as in ledger entries).
    pub fn rule_name(&self, rule: u32) -> &str {
        &self.rules[rule as usize].name
    }

    /// Number of rules (global rule indices are `0..rule_count()`).
    pub fn rule_count(&self) -> usize {
        self.rules.len()
    }

    /// The names of a stage's levels, lowest first.
    pub fn level_names(&self, stage: usize) -> Vec<&str> {
        self.stages[stage]
            .levels
            .iter()
            .map(|l| l.name.as_str())
            .collect()
    }

    /// The event properties the rules read (`event.properties.NAME`, `event.url`), to load
    /// with the facts; without them those values read as missing.
    pub fn event_properties(&self) -> Vec<&str> {
        self.registry
            .event_properties
            .iter()
            .map(String::as_str)
            .collect()
    }

    /// Number of triggers.
    pub fn trigger_count(&self) -> usize {
        self.triggers.len()
    }

    /// A trigger's name.
    pub fn trigger_name(&self, trigger: u32) -> &str {
        &self.triggers[trigger as usize].name
    }

    /// A trigger's action text.
    pub fn trigger_action(&self, trigger: u32) -> &str {
        &self.triggers[trigger as usize].action
    }
}

/// A compiled expression, its syntax tree (for the canonical form) and its `score(…)`
/// references (score index, offset in `patron.toml`).
type Compiled<T> = (T, Node, Vec<(u32, usize)>);

/// The compiler's working state.
struct Compiler<'c> {
    config: &'c RulesConfig,
    names: Vec<String>,
    registry: Registry,
    scores: Vec<Score>,
    rules: Vec<Rule>,
    stages: Vec<Stage>,
    triggers: Vec<Trigger>,
    /// Per score: the scores its rules read, with the reference's place and offset.
    deps: Vec<Vec<(u32, Place, usize)>>,
    canonical: String,
    errors: Vec<RuleError>,
}

fn resolve_decay(own: Option<&Spanned<patron_core::config::DecayConfig>>) -> Option<Decay> {
    own.and_then(|d| d.get_ref().decay())
}

impl<'c> Compiler<'c> {
    fn new(config: &'c RulesConfig) -> Self {
        let names: Vec<String> = config.scores.keys().map(|k| k.get_ref().clone()).collect();
        Compiler {
            config,
            deps: vec![Vec::new(); names.len()],
            names,
            registry: Registry::default(),
            scores: Vec::new(),
            rules: Vec::new(),
            stages: Vec::new(),
            triggers: Vec::new(),
            canonical: String::new(),
            errors: Vec::new(),
        }
    }

    /// Parses and checks one expression; on error records it and returns `None`.
    fn expression<T>(
        &mut self,
        place: &Place,
        expr: &Spanned<String>,
        context: Context,
        check: impl FnOnce(&mut Checker, &Node) -> Result<T, ExprError>,
    ) -> Option<Compiled<T>> {
        let text = expr.get_ref();
        let result = parse(text).and_then(|node| {
            let mut checker = Checker {
                text,
                context,
                attributes: &self.config.attributes,
                scores: &self.names,
                registry: &mut self.registry,
                score_refs: Vec::new(),
            };
            let compiled = check(&mut checker, &node)?;
            let refs = checker
                .score_refs
                .into_iter()
                .map(|(s, at)| (s, file_offset(expr, at)))
                .collect();
            Ok((compiled, node, refs))
        });
        match result {
            Ok(done) => Some(done),
            Err(e) => {
                self.errors.push(RuleError::in_expr(place, expr, e));
                None
            }
        }
    }

    fn compile_scores(&mut self) {
        let config = self.config;
        for (index, (name, score)) in config.scores.iter().enumerate() {
            let first = self.rules.len() as u32;
            let groups: Vec<Group> = score
                .groups
                .iter()
                .map(|(g, c)| Group {
                    name: g.get_ref().clone(),
                    cap: c.cap.map(Points::from_f64),
                    floor: c.floor.map(Points::from_f64),
                })
                .collect();
            let _ = writeln!(
                self.canonical,
                "score {:?} {} cap {:?} floor {:?}",
                name.get_ref(),
                score.category.name(),
                score.cap.map(Points::from_f64),
                score.floor.map(Points::from_f64)
            );
            for g in &groups {
                let _ = writeln!(
                    self.canonical,
                    " group {:?} {:?} {:?}",
                    g.name, g.cap, g.floor
                );
            }
            for rule in &score.rules {
                self.compile_rule(index as u32, name.get_ref(), score, rule.get_ref());
            }
            self.scores.push(Score {
                name: name.get_ref().clone(),
                category: score.category,
                cap: score.cap.map(Points::from_f64),
                floor: score.floor.map(Points::from_f64),
                groups,
                rules: first..self.rules.len() as u32,
                event_rules: Vec::new(),
                state_rules: Vec::new(),
            });
        }
    }

    fn compile_rule(&mut self, score: u32, score_name: &str, config: &ScoreConfig, r: &RuleConfig) {
        let place = Place::rule(score_name, &r.name);
        let (kind, context) = match &r.on {
            None => (RuleKind::State, Context::State),
            Some(on) => {
                let on = on.get_ref();
                let matcher = if on == ORDER_EVENT {
                    OnMatcher::Order
                } else if Glob::is_wild(on) {
                    OnMatcher::Glob(Glob::new(on))
                } else {
                    OnMatcher::Exact(on.clone())
                };
                let limit = r.limit.as_ref().map(|l| Limit {
                    count: l.get_ref().count,
                    per: l.get_ref().per,
                });
                let kind = RuleKind::Event {
                    on: matcher,
                    repeatable: r.repeatable.unwrap_or(true),
                    limit,
                };
                (
                    kind,
                    Context::Event {
                        order: on == ORDER_EVENT,
                    },
                )
            }
        };
        let mut when = None;
        let mut canonical_when = String::from("-");
        if let Some(expr) = &r.when {
            let compiled = self.expression(&place, expr, context, |c, n| c.condition(n));
            if let Some((condition, node, refs)) = compiled {
                canonical_when = node.to_string();
                when = Some(condition);
                for (target, offset) in refs {
                    self.deps[score as usize].push((target, place.clone(), offset));
                }
            }
        }
        let decay = match kind {
            RuleKind::State => DecayFn::None,
            RuleKind::Event { .. } => resolve_decay(r.decay.as_ref())
                .or_else(|| resolve_decay(config.decay.as_ref()))
                .map_or(DecayFn::None, |d| DecayFn::from(&d)),
        };
        let group = r.group.as_ref().and_then(|g| {
            config
                .groups
                .keys()
                .position(|k| k.get_ref() == g.get_ref())
                .map(|i| i as u32)
        });
        let points = Points::from_f64(r.points);
        self.canonical_rule(r, &kind, &canonical_when, points, group, &decay);
        self.rules.push(Rule {
            name: r.name.clone(),
            score,
            points,
            kind,
            when,
            when_text: r.when.as_ref().map(|w| w.get_ref().trim().to_owned()),
            group,
            decay,
            half_life_slot: 0,
        });
    }

    fn canonical_rule(
        &mut self,
        r: &RuleConfig,
        kind: &RuleKind,
        when: &str,
        points: Points,
        group: Option<u32>,
        decay: &DecayFn,
    ) {
        let kind = match kind {
            RuleKind::State => "state".to_owned(),
            RuleKind::Event {
                on,
                repeatable,
                limit,
            } => format!(
                "on {:?} repeatable {repeatable} limit {:?}",
                on.text(),
                limit.map(|l| (l.count, l.per.text()))
            ),
        };
        let _ = writeln!(
            self.canonical,
            " rule {:?} {kind} when {when} points {} group {group:?} decay {}",
            r.name,
            points.micros(),
            decay.canonical()
        );
    }

    fn compile_stages(&mut self) {
        let config = self.config;
        for (name, stage) in &config.stages {
            self.compile_stage(name.get_ref(), stage);
        }
    }

    fn compile_stage(&mut self, name: &str, stage: &StageConfig) {
        let place = Place::named(format!("stage `{name}`"));
        let (source, scores, canonical) = match (&stage.score, &stage.expr) {
            (Some(score), _) => {
                let Some(i) = self.names.iter().position(|n| n == score.get_ref()) else {
                    return;
                };
                (
                    StageSource::Score(i as u32),
                    vec![i as u32],
                    format!("score {i}"),
                )
            }
            (None, Some(expr)) => {
                let Some((e, node, refs)) =
                    self.expression(&place, expr, Context::Stage, |c, n| c.number(n))
                else {
                    return;
                };
                let scores = refs.iter().map(|(s, _)| *s).collect();
                (StageSource::Expr(e), scores, format!("expr {node}"))
            }
            (None, None) => return,
        };
        let levels: Vec<Level> = stage
            .levels
            .iter()
            .map(|l| Level {
                name: l.get_ref().name.clone(),
                from: l.get_ref().from.unwrap_or(f64::NEG_INFINITY),
            })
            .collect();
        let _ = writeln!(
            self.canonical,
            "stage {name:?} {canonical} levels {:?} forward_only {} hysteresis {:?}",
            levels.iter().map(|l| (&l.name, l.from)).collect::<Vec<_>>(),
            stage.forward_only,
            stage.hysteresis
        );
        self.stages.push(Stage {
            name: name.to_owned(),
            source,
            levels,
            forward_only: stage.forward_only,
            hysteresis: stage.hysteresis,
            scores,
        });
    }

    fn compile_triggers(&mut self) {
        let config = self.config;
        for trigger in &config.triggers {
            if let Some(compiled) = self.compile_trigger(trigger.get_ref()) {
                let _ = writeln!(
                    self.canonical,
                    "trigger {:?} {:?} rearm {} action {:?}",
                    compiled.name, compiled.on, compiled.rearm, compiled.action
                );
                self.triggers.push(compiled);
            }
        }
    }

    fn compile_trigger(&self, t: &TriggerConfig) -> Option<Trigger> {
        let on = match (&t.stage, &t.enters, &t.score) {
            (Some(stage), Some(enters), _) => {
                let stage = self
                    .stages
                    .iter()
                    .position(|s| s.name == *stage.get_ref())?;
                let level = self.stages[stage]
                    .levels
                    .iter()
                    .position(|l| l.name == *enters.get_ref())?;
                TriggerOn::Enters {
                    stage: stage as u32,
                    level: level as u32,
                }
            }
            (_, _, Some(score)) => TriggerOn::Crosses {
                score: self.names.iter().position(|n| n == score.get_ref())? as u32,
                above: t.crosses_above.is_some(),
                value: t.crosses_above.or(t.crosses_below)?,
            },
            _ => return None,
        };
        Some(Trigger {
            name: t.name.clone(),
            on,
            rearm: t.rearm,
            action: t.action.clone(),
        })
    }

    /// Scores in dependency order; a cycle is an error naming it.
    fn evaluation_order(&mut self) -> Vec<u32> {
        let n = self.names.len();
        // 0 = new, 1 = on the current path, 2 = done.
        let mut mark = vec![0u8; n];
        let mut order = Vec::with_capacity(n);
        let mut path = Vec::new();
        for s in 0..n {
            if mark[s] == 0 && !self.visit(s, &mut mark, &mut path, &mut order) {
                break;
            }
        }
        order
    }

    /// Depth-first search; returns false after reporting a cycle.
    fn visit(
        &mut self,
        s: usize,
        mark: &mut [u8],
        path: &mut Vec<usize>,
        order: &mut Vec<u32>,
    ) -> bool {
        mark[s] = 1;
        path.push(s);
        let deps = self.deps[s].clone();
        for (target, place, offset) in deps {
            let t = target as usize;
            if mark[t] == 1 {
                self.report_cycle(path, t, &place, offset);
                return false;
            }
            if mark[t] == 0 && !self.visit(t, mark, path, order) {
                return false;
            }
        }
        path.pop();
        mark[s] = 2;
        order.push(s as u32);
        true
    }

    fn report_cycle(&mut self, path: &[usize], back_to: usize, place: &Place, offset: usize) {
        let start = path.iter().position(|&p| p == back_to).unwrap_or(0);
        let cycle: Vec<&str> = path[start..]
            .iter()
            .chain(std::iter::once(&back_to))
            .map(|&i| self.names[i].as_str())
            .collect();
        self.errors.push(RuleError::at(
            place,
            offset,
            format!(
                "cyclic score reference: {}; a score cannot depend on itself",
                cycle.join(" → ")
            ),
        ));
    }

    fn replay_flags(&self) -> Vec<bool> {
        let mut replay = vec![false; self.names.len()];
        for stage in &self.stages {
            for &s in &stage.scores {
                replay[s as usize] = true;
            }
        }
        for trigger in &self.triggers {
            if let TriggerOn::Crosses { score, .. } = trigger.on {
                replay[score as usize] = true;
            }
        }
        // A replayed score needs the scores it reads at every fact time too.
        let mut changed = true;
        while changed {
            changed = false;
            for s in 0..replay.len() {
                if !replay[s] {
                    continue;
                }
                for (t, _, _) in &self.deps[s] {
                    if !replay[*t as usize] {
                        replay[*t as usize] = true;
                        changed = true;
                    }
                }
            }
        }
        replay
    }

    /// Adds to each stage's scores the scores they read, transitively, so that a transition's
    /// cause can be found in any rule that moved the value.
    fn close_stage_scores(&mut self) {
        for stage in &mut self.stages {
            let mut i = 0;
            while i < stage.scores.len() {
                for (t, _, _) in &self.deps[stage.scores[i] as usize] {
                    if !stage.scores.contains(t) {
                        stage.scores.push(*t);
                    }
                }
                i += 1;
            }
        }
    }

    fn finish(mut self, order: Vec<u32>) -> RuleSet {
        self.close_stage_scores();
        for (name, ty) in &self.config.attributes {
            if self.registry.attrs.iter().any(|(n, _)| n == name) {
                let _ = writeln!(self.canonical, "attr {name:?} {ty:?}");
            }
        }
        let index_orders = self.rules.iter().any(|r| {
            matches!(
                &r.kind,
                RuleKind::Event {
                    on: OnMatcher::Order,
                    ..
                }
            )
        }) || self
            .registry
            .aggs
            .iter()
            .any(|a| matches!(a.kind, super::aggregate::AggKind::Orders(_)));
        let mut half_lives: Vec<i64> = Vec::new();
        for rule in &mut self.rules {
            if let DecayFn::HalfLife(h) = &rule.decay {
                rule.half_life_slot = half_lives
                    .iter()
                    .position(|&x| x == h.secs())
                    .unwrap_or_else(|| {
                        half_lives.push(h.secs());
                        half_lives.len() - 1
                    });
            }
        }
        for score in &mut self.scores {
            for r in score.rules.clone() {
                let rule = &self.rules[r as usize];
                let mut inputs = Vec::new();
                let reusable = rule
                    .when
                    .as_ref()
                    .is_none_or(|w| w.reusable(&self.registry.aggs, &mut inputs));
                inputs.sort_unstable();
                inputs.dedup();
                let hot = HotRule {
                    rule: r,
                    points: rule.points.to_f64(),
                    decay: rule.decay.clone(),
                    slot: rule.half_life_slot,
                    group: rule.group.unwrap_or(u32::MAX),
                    inputs,
                    reusable,
                };
                match rule.kind {
                    RuleKind::Event { .. } => score.event_rules.push(hot),
                    RuleKind::State => score.state_rules.push(hot),
                }
            }
        }
        RuleSet {
            half_lives,
            version: fingerprint(&self.canonical),
            replay: self.replay_flags(),
            canonical: self.canonical,
            scores: self.scores,
            rules: self.rules,
            order,
            stages: self.stages,
            triggers: self.triggers,
            registry: self.registry,
            index_orders,
        }
    }
}
