//! `[scores.NAME]`, `[stages.NAME]` and `[[triggers]]`: rule-based scoring as marketing and sales
//! configure it.
//!
//! ```toml
//! [scores.engagement]
//! category = "behaviour"              # or "fit"
//! cap = 100                           # optional; floor = -50 optional
//! decay = { half_life = "90d" }       # or { linear_per_day = 0.5 }, { window = "365d" }, { none = true }
//! [scores.engagement.groups.email]
//! cap = 20                            # points of the group's rules are capped together
//! [[scores.engagement.rules]]
//! name = "newsletter open"
//! on = "email_open"                   # event rule; without `on` it is a state rule
//! when = 'events("email_open").count(last 1d) < 10'   # optional for event rules
//! points = 1
//! repeatable = true                   # false: only the first matching event ever
//! limit = { count = 3, per = "1d" }   # at most 3 awards per UTC calendar day
//! group = "email"
//! decay = { half_life = "30d" }       # overrides the score's decay
//!
//! [stages.lifecycle]
//! score = "engagement"                # or expr = 'score("fit") + score("engagement")'
//! levels = [{ name = "inactive" }, { name = "active", from = 0 }, { name = "ambassador", from = 45 }]
//! forward_only = false
//! hysteresis = 5
//!
//! [[triggers]]
//! name = "ambassador welcome"
//! stage = "lifecycle"
//! enters = "ambassador"               # or: score = "engagement", crosses_above = 80
//! rearm = false
//! action = "webhook:crm"
//! ```
//!
//! This module checks the shape of these sections (durations, level order, names that refer to
//! each other). The conditions themselves are parsed and type-checked by the engine's rule
//! compiler (`patron_engine::rules`), which reports positions through the spans kept here.

use super::{ProjectConfig, SpannedProblem};
use crate::model::{AttrType, Entity, normalise_event_type};
use crate::time::DAY;
use serde::Deserialize;
use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
pub use toml::Spanned;

/// The reserved `on` value for rules that fire once per order (instead of per event).
pub const ORDER_EVENT: &str = "order";

/// Duration units: suffix, seconds, and the word used in messages. A month is 1/12 of a Julian
/// year (365.25 days), so `12mo` equals `1y` and both are whole seconds.
pub const DURATION_UNITS: &[(&str, i64, &str)] = &[
    ("h", 3_600, "hours"),
    ("d", DAY, "days"),
    ("w", 7 * DAY, "weeks"),
    ("mo", 2_629_800, "months"),
    ("y", 31_557_600, "years"),
];

/// Seconds in one unit (`h`, `d`, `w`, `mo`, `y`).
pub fn duration_unit_secs(unit: &str) -> Option<i64> {
    DURATION_UNITS
        .iter()
        .find(|(u, _, _)| *u == unit)
        .map(|(_, s, _)| *s)
}

/// Longest duration accepted (a thousand years), so arithmetic on timestamps cannot overflow.
const MAX_DURATION_SECS: i64 = 1_000 * 31_557_600;

/// A positive length of time written as a number and a unit: `12h`, `30d`, `2w`, `6mo`, `1.5y`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Deserialize)]
#[serde(try_from = "String")]
pub struct Duration {
    secs: i64,
    text: String,
}

impl Duration {
    /// Parses `NUMBER UNIT` (no space); the message of an error says what was expected.
    pub fn parse(raw: &str) -> Result<Self, String> {
        let text = raw.trim();
        let split = text
            .find(|c: char| !(c.is_ascii_digit() || c == '.'))
            .unwrap_or(text.len());
        let (number, unit) = text.split_at(split);
        let expected = "a duration like 12h, 30d, 2w, 6mo or 1y";
        let value: f64 = number
            .parse()
            .map_err(|_| format!("{text:?} is not {expected}"))?;
        let unit_secs = duration_unit_secs(unit).ok_or_else(|| {
            format!("{text:?} is not {expected} (unknown unit {unit:?}; units are h, d, w, mo, y)")
        })?;
        let secs = (value * unit_secs as f64).round();
        if !(secs >= 1.0 && secs <= MAX_DURATION_SECS as f64) {
            return Err(format!(
                "{text:?} is not {expected}: it must be positive and at most 1000y"
            ));
        }
        Ok(Duration {
            secs: secs as i64,
            text: text.to_owned(),
        })
    }
    /// Length in seconds.
    pub fn secs(&self) -> i64 {
        self.secs
    }
    /// Length in days (fractional).
    pub fn days(&self) -> f64 {
        self.secs as f64 / DAY as f64
    }
    /// The text as written (trimmed), e.g. `6mo`.
    pub fn text(&self) -> &str {
        &self.text
    }
}

impl TryFrom<String> for Duration {
    type Error = String;
    fn try_from(s: String) -> Result<Self, String> {
        Duration::parse(&s)
    }
}

impl fmt::Display for Duration {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

/// A calendar period in UTC for rate limits: awards are counted per clock hour, calendar day,
/// ISO week (Monday to Sunday), calendar month or calendar year. Calendar periods are easier to
/// predict than rolling windows ("three times a day" resets at midnight UTC).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Deserialize)]
#[serde(try_from = "String")]
pub enum CalendarPeriod {
    /// A clock hour.
    Hour,
    /// A calendar day.
    Day,
    /// An ISO week, Monday to Sunday.
    Week,
    /// A calendar month.
    Month,
    /// A calendar year.
    Year,
}

impl CalendarPeriod {
    /// The canonical spelling (`1d`, …).
    pub fn text(self) -> &'static str {
        match self {
            CalendarPeriod::Hour => "1h",
            CalendarPeriod::Day => "1d",
            CalendarPeriod::Week => "1w",
            CalendarPeriod::Month => "1mo",
            CalendarPeriod::Year => "1y",
        }
    }
}

impl TryFrom<String> for CalendarPeriod {
    type Error = String;
    fn try_from(s: String) -> Result<Self, String> {
        Ok(match s.trim() {
            "1h" | "hour" => CalendarPeriod::Hour,
            "1d" | "day" => CalendarPeriod::Day,
            "1w" | "week" => CalendarPeriod::Week,
            "1mo" | "month" => CalendarPeriod::Month,
            "1y" | "year" => CalendarPeriod::Year,
            other => {
                return Err(format!(
                    "limit period {other:?} is not one calendar period: use \"1h\", \"1d\", \"1w\", \"1mo\" or \"1y\""
                ));
            }
        })
    }
}

impl fmt::Display for CalendarPeriod {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.text())
    }
}

/// What a score measures.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ScoreCategory {
    /// Behaviour: orders, e-mail, web and social interactions (engagement).
    #[default]
    #[serde(alias = "behavior")]
    Behaviour,
    /// Fit: attributes such as industry, company size, position.
    Fit,
}

impl ScoreCategory {
    /// The name used in `patron.toml`.
    pub fn name(self) -> &'static str {
        match self {
            ScoreCategory::Behaviour => "behaviour",
            ScoreCategory::Fit => "fit",
        }
    }
}

/// `decay = { … }`: exactly one of the fields.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DecayConfig {
    /// Exponential: points halve every `half_life`.
    pub half_life: Option<Duration>,
    /// Linear: points shrink by this much per day, never past zero.
    pub linear_per_day: Option<f64>,
    /// A time frame: points count in full while younger than this, then drop out.
    pub window: Option<Duration>,
    /// `none = true`: no decay (to override a score's default on one rule).
    pub none: Option<bool>,
}

/// A resolved decay.
#[derive(Debug, Clone, PartialEq)]
pub enum Decay {
    /// No decay.
    None,
    /// Exponential with this half-life.
    HalfLife(Duration),
    /// Linear, points per day.
    Linear(f64),
    /// Points drop out after this long.
    Window(Duration),
}

impl DecayConfig {
    /// The decay, or `None` when not exactly one valid field is set.
    pub fn decay(&self) -> Option<Decay> {
        let set = [
            self.half_life.is_some(),
            self.linear_per_day.is_some(),
            self.window.is_some(),
            self.none.is_some(),
        ];
        if set.iter().filter(|b| **b).count() != 1 {
            return None;
        }
        if let Some(h) = &self.half_life {
            return Some(Decay::HalfLife(h.clone()));
        }
        if let Some(w) = &self.window {
            return Some(Decay::Window(w.clone()));
        }
        match (self.linear_per_day, self.none) {
            (Some(r), _) if r > 0.0 && r.is_finite() => Some(Decay::Linear(r)),
            (_, Some(true)) => Some(Decay::None),
            _ => None,
        }
    }
}

/// `limit = { count = 3, per = "1d" }`.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LimitConfig {
    /// At most this many awards …
    pub count: u32,
    /// … per calendar period (UTC).
    pub per: CalendarPeriod,
}

/// `[scores.NAME.groups.GROUP]`: rules whose points are capped together.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GroupConfig {
    /// Most points the group's rules may add together.
    pub cap: Option<f64>,
    /// Fewest points (most negative) the group's rules may add together.
    pub floor: Option<f64>,
}

/// `[[scores.NAME.rules]]`: one rule.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RuleConfig {
    /// Unique within the score; appears in the ledger.
    pub name: String,
    /// Event type (lower snake case, `*`/`?` globs allowed) or `"order"`: an event rule that
    /// fires per matching event. Absent: a state rule that holds or not as of a time.
    pub on: Option<Spanned<String>>,
    /// Condition (required for state rules).
    pub when: Option<Spanned<String>>,
    /// Points awarded (negative to subtract).
    pub points: f64,
    /// Event rules: award every matching event (default) or only the first.
    pub repeatable: Option<bool>,
    /// Event rules: at most `count` awards per calendar period.
    pub limit: Option<Spanned<LimitConfig>>,
    /// A group declared under `[scores.NAME.groups]`.
    pub group: Option<Spanned<String>>,
    /// Event rules: overrides the score's decay.
    pub decay: Option<Spanned<DecayConfig>>,
}

/// `[scores.NAME]`: a named score.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ScoreConfig {
    /// `behaviour` (default) or `fit`.
    #[serde(default)]
    pub category: ScoreCategory,
    /// What the score means, for people.
    pub description: Option<String>,
    /// Highest total.
    pub cap: Option<f64>,
    /// Lowest total.
    pub floor: Option<f64>,
    /// Default decay of the score's event rules (default: none).
    pub decay: Option<Spanned<DecayConfig>>,
    /// Groups capped together.
    #[serde(default)]
    pub groups: BTreeMap<Spanned<String>, GroupConfig>,
    /// The rules, in order (the ledger lists them in this order).
    #[serde(default)]
    pub rules: Vec<Spanned<RuleConfig>>,
}

/// One level of a stage: `{ name = "active", from = 0 }`. The first level has no `from`.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LevelConfig {
    /// Level name.
    pub name: String,
    /// Lowest value of the level (inclusive).
    pub from: Option<f64>,
}

/// `[stages.NAME]`: ordered levels over a score or an expression of scores.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StageConfig {
    /// The score the levels are thresholds of.
    pub score: Option<Spanned<String>>,
    /// Or a numeric expression, e.g. `score("fit") + score("engagement")`.
    pub expr: Option<Spanned<String>>,
    /// Levels from lowest to highest.
    pub levels: Vec<Spanned<LevelConfig>>,
    /// Never move down.
    #[serde(default)]
    pub forward_only: bool,
    /// To move down, the value must fall this far below the level's `from`.
    #[serde(default)]
    pub hysteresis: f64,
}

/// `[[triggers]]`: an outbox entry on a stage entry or a score crossing.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TriggerConfig {
    /// Unique name.
    pub name: String,
    /// A stage …
    pub stage: Option<Spanned<String>>,
    /// … and the level whose entry fires the trigger.
    pub enters: Option<Spanned<String>>,
    /// Or a score …
    pub score: Option<Spanned<String>>,
    /// … rising to at least this value …
    pub crosses_above: Option<f64>,
    /// … or falling below this value.
    pub crosses_below: Option<f64>,
    /// `false` (default): fires once per customer ever; `true`: again on every new entry or
    /// crossing.
    #[serde(default)]
    pub rearm: bool,
    /// Opaque text for the delivery (e.g. `webhook:crm`).
    pub action: String,
}

/// `[scores.*]` by name.
pub type ScoreMap = BTreeMap<Spanned<String>, ScoreConfig>;
/// `[stages.*]` by name.
pub type StageMap = BTreeMap<Spanned<String>, StageConfig>;

/// Everything the rule compiler needs: scores, stages, triggers and the declared customer
/// attributes with their types (from the customer sources' `[attributes]`).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct RulesConfig {
    /// `[scores.*]`.
    pub scores: ScoreMap,
    /// `[stages.*]`.
    pub stages: StageMap,
    /// `[[triggers]]`.
    pub triggers: Vec<Spanned<TriggerConfig>>,
    /// Attribute name → type, as declared by customer sources.
    pub attributes: BTreeMap<String, AttrType>,
}

impl ProjectConfig {
    /// The rule-scoring part of the configuration, with the attribute types declared by the
    /// customer sources (the first source declaring a name wins).
    pub fn rules(&self) -> RulesConfig {
        let mut attributes = BTreeMap::new();
        for source in self.sources.values() {
            if source.entity != Entity::Customers {
                continue;
            }
            for (name, spec) in &source.attributes {
                attributes
                    .entry(name.get_ref().clone())
                    .or_insert(spec.get_ref().detail.attr_type);
            }
        }
        RulesConfig {
            scores: self.scores.clone(),
            stages: self.stages.clone(),
            triggers: self.triggers.clone(),
            attributes,
        }
    }
}

impl RulesConfig {
    /// True when no score is declared.
    pub fn is_empty(&self) -> bool {
        self.scores.is_empty()
    }
    /// Shape problems (see [`problems`]).
    pub fn problems(&self) -> Vec<SpannedProblem> {
        problems(&self.scores, &self.stages, &self.triggers)
    }
}

/// Edit distance between two strings by characters: insertions, deletions, substitutions and
/// transpositions of neighbours (`emial` → `email` is one edit) each cost one.
pub fn edit_distance(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    // Three rows of the optimal-string-alignment table: two back, one back, current.
    let mut before: Vec<usize> = vec![0; b.len() + 1];
    let mut previous: Vec<usize> = (0..=b.len()).collect();
    let mut current: Vec<usize> = vec![0; b.len() + 1];
    for i in 1..=a.len() {
        current[0] = i;
        for j in 1..=b.len() {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            let mut best = (previous[j] + 1)
                .min(current[j - 1] + 1)
                .min(previous[j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                best = best.min(before[j - 2] + 1);
            }
            current[j] = best;
        }
        std::mem::swap(&mut before, &mut previous);
        std::mem::swap(&mut previous, &mut current);
    }
    previous[b.len()]
}

/// The candidate closest to `word` if it is close enough to be a likely misspelling (at most a
/// third of the word's length, at least one edit; ties go to the first candidate), or else the
/// first candidate that the word begins (`age` → `age_days`).
pub fn closest<'a>(word: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    let candidates: Vec<&str> = candidates.into_iter().collect();
    let limit = (word.chars().count() / 3).max(1);
    let near = candidates
        .iter()
        .map(|c| (edit_distance(word, c), *c))
        .filter(|(d, _)| *d <= limit)
        .min_by_key(|(d, _)| *d)
        .map(|(_, c)| c);
    near.or_else(|| {
        candidates
            .into_iter()
            .find(|c| word.chars().count() >= 3 && c.starts_with(word))
    })
}

/// `; did you mean `x`?` or nothing.
pub fn did_you_mean<'a>(word: &str, candidates: impl IntoIterator<Item = &'a str>) -> String {
    closest(word, candidates).map_or_else(String::new, |c| format!("; did you mean `{c}`?"))
}

/// Shape problems of the scoring sections, each at the span of the offending item.
pub fn problems(
    scores: &ScoreMap,
    stages: &StageMap,
    triggers: &[Spanned<TriggerConfig>],
) -> Vec<SpannedProblem> {
    let mut out = Problems(Vec::new());
    for (name, score) in scores {
        check_score(name, score, &mut out);
    }
    for (name, stage) in stages {
        check_stage(name, stage, scores, &mut out);
    }
    let mut seen = BTreeSet::new();
    for trigger in triggers {
        if !seen.insert(trigger.get_ref().name.as_str()) {
            out.push(
                trigger.span().start,
                format!(
                    "[[triggers]] name {:?} is used twice; trigger names must be unique",
                    trigger.get_ref().name
                ),
            );
        }
        check_trigger(trigger, scores, stages, &mut out);
    }
    out.0
}

struct Problems(Vec<SpannedProblem>);

impl Problems {
    fn push(&mut self, offset: usize, message: String) {
        self.0.push(SpannedProblem { offset, message });
    }
}

fn finite(value: Option<f64>) -> bool {
    value.is_none_or(f64::is_finite)
}

fn check_bounds(
    table: &str,
    offset: usize,
    cap: Option<f64>,
    floor: Option<f64>,
    out: &mut Problems,
) {
    if !finite(cap) || !finite(floor) {
        out.push(
            offset,
            format!("{table} cap and floor must be finite numbers"),
        );
    }
    for (what, value) in [("cap", cap), ("floor", floor)] {
        if let Some(v) = value.filter(|v| v.abs() > crate::limits::MAX_SCORE_BOUND) {
            out.push(
                offset,
                format!("{table} {what} = {v} is out of range: expected between -1000000000 and 1000000000"),
            );
        }
    }
    if let (Some(c), Some(f)) = (cap, floor)
        && f >= c
    {
        out.push(
            offset,
            format!("{table} floor = {f} must be below cap = {c}"),
        );
    }
}

fn check_decay(table: &str, decay: &Spanned<DecayConfig>, out: &mut Problems) {
    if decay.get_ref().decay().is_none() {
        out.push(
            decay.span().start,
            format!(
                "{table} decay needs exactly one of half_life = \"30d\", linear_per_day = 0.5 (> 0), window = \"365d\" or none = true"
            ),
        );
    }
}

fn check_score(name: &Spanned<String>, score: &ScoreConfig, out: &mut Problems) {
    let table = format!("[scores.{}]", name.get_ref());
    let offset = name.span().start;
    if !is_name(name.get_ref()) {
        out.push(
            offset,
            format!("{table}: score names use letters, digits, `_` and `-`"),
        );
    }
    check_bounds(&table, offset, score.cap, score.floor, out);
    if let Some(decay) = &score.decay {
        check_decay(&table, decay, out);
    }
    for (group, config) in &score.groups {
        let table = format!("[scores.{}.groups.{}]", name.get_ref(), group.get_ref());
        check_bounds(&table, group.span().start, config.cap, config.floor, out);
    }
    let mut seen = BTreeSet::new();
    for rule in &score.rules {
        let r = rule.get_ref();
        if !seen.insert(r.name.as_str()) {
            out.push(
                rule.span().start,
                format!("{table} rule name {:?} is used twice", r.name),
            );
        }
        check_rule(&table, rule, score, out);
    }
}

fn is_name(name: &str) -> bool {
    !name.is_empty()
        && name
            .chars()
            .all(|c| c.is_alphanumeric() || c == '_' || c == '-')
}

fn check_rule(table: &str, rule: &Spanned<RuleConfig>, score: &ScoreConfig, out: &mut Problems) {
    let r = rule.get_ref();
    let at = rule.span().start;
    let this = format!("{table} rule {:?}:", r.name);
    if r.name.trim().is_empty() {
        out.push(at, format!("{table} a rule needs a non-empty `name`"));
    }
    if !r.points.is_finite() {
        out.push(at, format!("{this} points must be a finite number"));
    } else if r.points.abs() > crate::limits::MAX_RULE_POINTS {
        out.push(
            at,
            format!(
                "{this} points = {} is out of range: expected between -1000000 and 1000000",
                r.points
            ),
        );
    }
    match &r.on {
        Some(on) => check_on(&this, on, out),
        None => check_state_rule(&this, at, r, out),
    }
    if let Some(limit) = &r.limit
        && limit.get_ref().count == 0
    {
        out.push(
            limit.span().start,
            format!("{this} limit count must be at least 1"),
        );
    }
    if let Some(decay) = &r.decay {
        check_decay(&this, decay, out);
    }
    if let Some(group) = &r.group
        && !score.groups.contains_key(group.get_ref().as_str())
    {
        let names = score.groups.keys().map(|k| k.get_ref().as_str());
        out.push(
            group.span().start,
            format!(
                "{this} group `{}` is not declared{}; declare it as {}.groups.{}]",
                group.get_ref(),
                did_you_mean(group.get_ref(), names),
                table.trim_end_matches(']'),
                group.get_ref()
            ),
        );
    }
}

fn check_on(this: &str, on: &Spanned<String>, out: &mut Problems) {
    let text = on.get_ref();
    let normal = normalise_event_type(text);
    let valid_chars = text.chars().all(|c| {
        c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, '_' | '*' | '?' | '.')
    });
    if text.is_empty() || normal != *text || !valid_chars {
        out.push(
            on.span().start,
            format!(
                "{this} on = {text:?} is not an event type; event types are lower snake case like \"email_open\" (`*` and `?` match any text), or \"order\""
            ),
        );
    }
}

fn check_state_rule(this: &str, at: usize, r: &RuleConfig, out: &mut Problems) {
    if r.when.is_none() {
        out.push(
            at,
            format!("{this} a state rule (no `on`) needs a `when` condition"),
        );
    }
    for (key, set) in [
        ("repeatable", r.repeatable.is_some()),
        ("limit", r.limit.is_some()),
        ("decay", r.decay.is_some()),
    ] {
        if set {
            out.push(
                at,
                format!(
                    "{this} `{key}` applies to event rules (with `on`); a state rule holds as of a time or not"
                ),
            );
        }
    }
}

fn check_stage(name: &Spanned<String>, stage: &StageConfig, scores: &ScoreMap, out: &mut Problems) {
    let table = format!("[stages.{}]", name.get_ref());
    let at = name.span().start;
    match (&stage.score, &stage.expr) {
        (Some(score), None) => check_score_ref(&table, score, scores, out),
        (None, Some(_)) => {}
        _ => out.push(
            at,
            format!("{table} needs exactly one of `score = \"…\"` or `expr = '…'`"),
        ),
    }
    if !(stage.hysteresis >= 0.0 && stage.hysteresis.is_finite()) {
        out.push(at, format!("{table} hysteresis must be ≥ 0"));
    }
    if stage.levels.is_empty() {
        out.push(at, format!("{table} needs at least one level"));
    }
    let mut seen = BTreeSet::new();
    let mut previous: Option<f64> = None;
    for (i, level) in stage.levels.iter().enumerate() {
        let l = level.get_ref();
        let at = level.span().start;
        if l.name.trim().is_empty() || !seen.insert(l.name.as_str()) {
            out.push(
                at,
                format!(
                    "{table} level names must be non-empty and unique ({:?})",
                    l.name
                ),
            );
        }
        match (i, l.from) {
            (0, Some(_)) => out.push(
                at,
                format!(
                    "{table} the first level {:?} is the bottom and has no `from`",
                    l.name
                ),
            ),
            (0, None) => {}
            (_, None) => out.push(
                at,
                format!("{table} level {:?} needs `from` (its lowest value)", l.name),
            ),
            (_, Some(from)) => {
                if !from.is_finite() || previous.is_some_and(|p| from <= p) {
                    out.push(
                        at,
                        format!(
                            "{table} levels must ascend: level {:?} from = {from} is not above the previous level's {}",
                            l.name,
                            previous.map_or("value".into(), |p| format!("from = {p}"))
                        ),
                    );
                }
                previous = Some(from);
            }
        }
    }
}

fn check_score_ref(what: &str, score: &Spanned<String>, scores: &ScoreMap, out: &mut Problems) {
    if !scores.contains_key(score.get_ref().as_str()) {
        let names = scores.keys().map(|k| k.get_ref().as_str());
        out.push(
            score.span().start,
            format!(
                "{what} score `{}` is not declared{}",
                score.get_ref(),
                did_you_mean(score.get_ref(), names)
            ),
        );
    }
}

fn check_trigger(
    trigger: &Spanned<TriggerConfig>,
    scores: &ScoreMap,
    stages: &StageMap,
    out: &mut Problems,
) {
    let t = trigger.get_ref();
    let at = trigger.span().start;
    let this = format!("[[triggers]] {:?}:", t.name);
    if t.name.trim().is_empty() {
        out.push(at, "[[triggers]] a trigger needs a non-empty `name`".into());
    }
    if t.action.trim().is_empty() {
        out.push(at, format!("{this} `action` must not be empty"));
    }
    let crossings = usize::from(t.crosses_above.is_some()) + usize::from(t.crosses_below.is_some());
    match (&t.stage, &t.enters, &t.score) {
        (Some(stage), Some(enters), None) if crossings == 0 => {
            check_stage_ref(&this, stage, enters, stages, out)
        }
        (None, None, Some(score)) if crossings == 1 => {
            check_score_ref(&this, score, scores, out);
            if !finite(t.crosses_above) || !finite(t.crosses_below) {
                out.push(at, format!("{this} the crossing value must be finite"));
            }
        }
        _ => out.push(
            at,
            format!(
                "{this} needs either `stage` and `enters`, or `score` and one of `crosses_above` / `crosses_below`"
            ),
        ),
    }
}

fn check_stage_ref(
    this: &str,
    stage: &Spanned<String>,
    enters: &Spanned<String>,
    stages: &StageMap,
    out: &mut Problems,
) {
    let Some(config) = stages.get(stage.get_ref().as_str()) else {
        let names = stages.keys().map(|k| k.get_ref().as_str());
        out.push(
            stage.span().start,
            format!(
                "{this} stage `{}` is not declared{}",
                stage.get_ref(),
                did_you_mean(stage.get_ref(), names)
            ),
        );
        return;
    };
    let levels = config.levels.iter().map(|l| l.get_ref().name.as_str());
    if !levels.clone().any(|l| l == enters.get_ref()) {
        out.push(
            enters.span().start,
            format!(
                "{this} stage `{}` has no level `{}`{}; levels: {}",
                stage.get_ref(),
                enters.get_ref(),
                did_you_mean(enters.get_ref(), levels.clone()),
                levels.collect::<Vec<_>>().join(", ")
            ),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_parse_in_whole_seconds() {
        assert_eq!(Duration::parse("30d").unwrap().secs(), 30 * DAY);
        assert_eq!(Duration::parse("12h").unwrap().secs(), 12 * 3600);
        assert_eq!(Duration::parse("2w").unwrap().secs(), 14 * DAY);
        assert_eq!(Duration::parse("6mo").unwrap().days(), 182.625);
        assert_eq!(Duration::parse("1y").unwrap().days(), 365.25);
        assert_eq!(
            Duration::parse("12mo").unwrap().secs(),
            Duration::parse("1y").unwrap().secs()
        );
        assert_eq!(Duration::parse("1.5d").unwrap().secs(), 36 * 3600);
        for bad in ["", "30", "d", "30 d", "30dd", "0d", "-1d", "1x"] {
            let e = Duration::parse(bad).unwrap_err();
            assert!(e.contains("duration like"), "{bad}: {e}");
        }
    }

    #[test]
    fn periods_are_calendar_units() {
        assert_eq!(
            CalendarPeriod::try_from("1d".to_owned()).unwrap(),
            CalendarPeriod::Day
        );
        assert!(CalendarPeriod::try_from("2d".to_owned()).is_err());
    }

    #[test]
    fn suggestions() {
        assert_eq!(edit_distance("kitten", "sitting"), 3);
        assert_eq!(closest("emial", ["email", "social"]), Some("email"));
        assert_eq!(closest("xyz", ["email", "social"]), None);
        assert_eq!(did_you_mean("fitt", ["fit"]), "; did you mean `fit`?");
    }

    const RULES: &str = r#"
[sources.people]
path = "people.csv"
entity = "customers"

[sources.people.columns]
customer_id = "id"

[sources.people.attributes]
employees = { column = "Employees", type = "number" }

[scores.engagement]
cap = 100
decay = { half_life = "90d" }

[scores.engagement.groups.email]
cap = 20

[[scores.engagement.rules]]
name = "newsletter open"
on = "email_open"
points = 1
limit = { count = 3, per = "1d" }
group = "email"

[[scores.engagement.rules]]
name = "quiet"
when = 'orders.count(last 6mo) == 0'
points = -15

[stages.lifecycle]
score = "engagement"
levels = [{ name = "inactive" }, { name = "active", from = 0 }]
hysteresis = 5

[[triggers]]
name = "welcome"
stage = "lifecycle"
enters = "active"
action = "webhook:crm"
"#;

    fn parse(text: &str) -> Result<ProjectConfig, super::super::ConfigError> {
        ProjectConfig::parse(text, std::path::Path::new("patron.toml"))
    }

    fn problem(text: &str) -> (usize, String) {
        match parse(text) {
            Err(super::super::ConfigError::Invalid { line, message, .. }) => (line, message),
            other => panic!("expected an error, got {other:?}"),
        }
    }

    fn line_of(text: &str, needle: &str) -> usize {
        text[..text.find(needle).unwrap()].matches('\n').count() + 1
    }

    #[test]
    fn parses_scores_stages_and_triggers() {
        let config = parse(RULES).unwrap();
        let rules = config.rules();
        let engagement = &rules.scores["engagement"];
        assert_eq!(engagement.rules.len(), 2);
        let open = engagement.rules[0].get_ref();
        assert_eq!(
            open.limit.as_ref().unwrap().get_ref().per,
            CalendarPeriod::Day
        );
        assert_eq!(rules.attributes["employees"], AttrType::Number);
        assert_eq!(rules.stages["lifecycle"].levels.len(), 2);
        assert_eq!(rules.triggers[0].get_ref().action, "webhook:crm");
        assert!(rules.problems().is_empty());
    }

    #[test]
    fn shape_problems_name_the_item_and_line() {
        let text = RULES.replace("half_life = \"90d\"", "half_life = \"90days\"");
        let (line, msg) = problem(&text);
        assert_eq!(line, line_of(&text, "90days"), "{msg}");
        assert!(msg.contains("unknown unit"), "{msg}");
        let text = RULES.replace("{ name = \"active\", from = 0 }", "{ name = \"active\" }");
        let (line, msg) = problem(&text);
        assert_eq!(line, line_of(&text, "{ name = \"active\" }"), "{msg}");
        assert!(msg.contains("needs `from`"), "{msg}");
        let text = RULES.replace("enters = \"active\"", "enters = \"actve\"");
        let (_, msg) = problem(&text);
        assert!(msg.contains("did you mean `active`?"), "{msg}");
        let text = RULES.replace("when = 'orders.count(last 6mo) == 0'\n", "");
        let (line, msg) = problem(&text);
        assert!(msg.contains("needs a `when`"), "{msg}");
        assert_eq!(
            line,
            line_of(&text, "[[scores.engagement.rules]]\nname = \"quiet\"")
        );
        let text = RULES.replace("group = \"email\"", "group = \"mail\"");
        let (_, msg) = problem(&text);
        assert!(msg.contains("did you mean `email`?"), "{msg}");
        let text = RULES.replace("on = \"email_open\"", "on = \"Email Open\"");
        let (_, msg) = problem(&text);
        assert!(msg.contains("lower snake case"), "{msg}");
        let text = RULES.replace(
            "score = \"engagement\"",
            "score = \"engagement\"\nexpr = '1'",
        );
        let (_, msg) = problem(&text);
        assert!(msg.contains("exactly one of"), "{msg}");
        let text = RULES.replace("cap = 100", "cap = 100\nfloor = 200");
        let (_, msg) = problem(&text);
        assert!(msg.contains("must be below cap"), "{msg}");
    }

    #[test]
    fn points_and_bounds_outside_the_documented_range_are_rejected() {
        // Issue 11, defect 4: `points = 1e300` passed `rules check`, 1e12 wrapped a score.
        for points in ["1e300", "1e12", "-1000001"] {
            let text = RULES.replace("points = -15", &format!("points = {points}"));
            let (line, msg) = problem(&text);
            assert!(msg.contains("out of range"), "{msg}");
            assert!(msg.contains("between -1000000 and 1000000"), "{msg}");
            assert!(msg.contains("rule \"quiet\""), "{msg}");
            assert_eq!(
                line,
                line_of(&text, "[[scores.engagement.rules]]\nname = \"quiet\"")
            );
        }
        let text = RULES.replace("points = -15", "points = 1000000");
        assert!(parse(&text).is_ok());
        let text = RULES.replace("cap = 100", "cap = 1e10");
        let (_, msg) = problem(&text);
        assert!(msg.contains("cap = 10000000000 is out of range"), "{msg}");
    }

    #[test]
    fn decay_needs_exactly_one_kind() {
        let d = DecayConfig {
            half_life: Some(Duration::parse("30d").unwrap()),
            ..Default::default()
        };
        assert!(matches!(d.decay(), Some(Decay::HalfLife(_))));
        assert_eq!(DecayConfig::default().decay(), None);
        let neg = DecayConfig {
            linear_per_day: Some(-1.0),
            ..Default::default()
        };
        assert_eq!(neg.decay(), None);
    }
}
