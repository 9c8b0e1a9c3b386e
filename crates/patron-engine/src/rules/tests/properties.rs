//! Properties on random customers: the ledger adds up exactly, one customer equals its row of
//! the batch, and the number of threads does not matter.

use super::fixtures::{FactsBuilder, compile, ts};
use crate::rules::{Points, RuleSet, ScoreTable};
use patron_core::Timestamp;
use patron_core::facts::Facts;
use patron_core::random::Rng;

/// Rules using every feature: all decays, groups with caps and floors, score bounds, limits,
/// once-only rules, windows, a score reading a score, a stage with hysteresis and triggers.
pub(super) const RANDOM_RULES: &str = r#"
[scores.engagement]
cap = 25
floor = -12
decay = { half_life = "45d" }

[scores.engagement.groups.email]
cap = 4
floor = -6

[scores.engagement.groups.web]
cap = 5

[[scores.engagement.rules]]
name = "open"
on = "email_open"
points = 1.3
group = "email"
limit = { count = 2, per = "1d" }

[[scores.engagement.rules]]
name = "click"
on = "email_click"
points = 3.7
group = "email"
decay = { linear_per_day = 0.11 }

[[scores.engagement.rules]]
name = "bounce"
on = "bounce"
points = -7
group = "email"
repeatable = false

[[scores.engagement.rules]]
name = "visit"
on = "page_*"
points = 2.5
group = "web"
decay = { window = "30d" }

[[scores.engagement.rules]]
name = "download"
on = "download"
points = 6
when = 'events("page_view").count(last 7d) > 0'
limit = { count = 1, per = "1w" }

[[scores.engagement.rules]]
name = "order"
on = "order"
points = 9
when = 'order.revenue() > 20'
decay = { none = true }

[[scores.engagement.rules]]
name = "quiet"
when = 'events("email_open").count(last 2mo) == 0 && orders.count(last 90d) == 0'
points = -9

[[scores.engagement.rules]]
name = "fit and active"
when = 'score("fit") > 5 && days_since_last_order < 60'
points = 4

[scores.fit]
category = "fit"

[[scores.fit.rules]]
name = "spender"
when = 'revenue(last 1y) > 100'
points = 8

[[scores.fit.rules]]
name = "support heavy"
when = 'tickets.count(last 6mo) >= 2'
points = -3.3

[stages.lifecycle]
expr = 'score("engagement") + score("fit") / 2'
levels = [{ name = "cold" }, { name = "warm", from = 0 }, { name = "hot", from = 20 }]
hysteresis = 3

[[triggers]]
name = "hot"
stage = "lifecycle"
enters = "hot"
action = "webhook:sales"

[[triggers]]
name = "warm again"
stage = "lifecycle"
enters = "warm"
rearm = true
action = "email:nurture"

[[triggers]]
name = "engagement 15"
score = "engagement"
crosses_above = 15
rearm = true
action = "nats:scores"
"#;

const TYPES: &[&str] = &[
    "email_open",
    "email_open",
    "email_click",
    "page_view",
    "page_view",
    "page_pricing",
    "download",
    "bounce",
    "social_like",
];

/// `n` random customers over 2023–2024, with events (some at the same second), orders with
/// one to three lines, returns and tickets.
pub(super) fn random_facts(seed: u64, n: usize) -> Facts {
    let mut rng = Rng::seeded(seed);
    let mut f = FactsBuilder::default();
    let start = ts("2023-01-01").secs();
    let span = 2 * 365 * 86_400;
    let time = |rng: &mut Rng| Timestamp::from_secs(start + rng.below(span) as i64);
    for c in 0..n {
        let created = time(&mut rng);
        let id = f.customer_at(&format!("c{c}"), created);
        for _ in 0..rng.below(60) {
            let at = time(&mut rng);
            let kind = TYPES[rng.below(TYPES.len() as u64) as usize];
            f.event_at(id, at, kind);
            if rng.chance(0.05) {
                f.event_at(id, at, kind);
            }
        }
        for o in 0..rng.below(6) {
            let at = time(&mut rng);
            for _ in 0..=rng.below(3) {
                let category = if rng.chance(0.5) { "Shoes" } else { "Socks" };
                let amount = (rng.uniform() * 80.0 * 100.0).round() / 100.0;
                let is_return = rng.chance(0.1);
                let amount = if is_return { -amount } else { amount };
                f.order_at(id, at, &format!("o{c}-{o}"), category, amount, is_return);
            }
        }
        for _ in 0..rng.below(4) {
            let at = time(&mut rng).to_string();
            f.ticket(id, &at);
        }
    }
    f.build()
}

fn assert_ledgers_add_up(rules: &RuleSet, table: &ScoreTable) {
    let scores = rules.score_names().len();
    for c in 0..table.len() {
        for s in 0..scores {
            let sum: Points = table
                .ledger(c)
                .iter()
                .filter(|e| e.score as usize == s)
                .map(|e| e.points)
                .sum();
            assert_eq!(sum, table.value(c, s), "customer {c} score {s}");
        }
    }
}

#[test]
fn ledgers_add_up_exactly_on_random_customers() {
    let rules = compile(RANDOM_RULES);
    let facts = random_facts(7, 300);
    for as_of in [
        "2023-06-01",
        "2024-01-01",
        "2024-07-15 13:00:00",
        "2025-06-01",
    ] {
        let table = rules.score_all(&facts, ts(as_of));
        assert_ledgers_add_up(&rules, &table);
        // Caps and floors hold.
        for c in 0..table.len() {
            let e = table.value(c, 0).to_f64();
            assert!((-12.0..=25.0).contains(&e), "{e}");
        }
    }
    let table = rules.score_all(&facts, ts("2025-01-01"));
    let bounded = (0..table.len())
        .flat_map(|c| table.ledger(c))
        .filter(|e| matches!(e.kind, crate::rules::EntryKind::Bound { .. }))
        .count();
    let decayed = (0..table.len())
        .flat_map(|c| table.ledger(c))
        .filter(|e| e.points != e.original_points)
        .count();
    assert!(bounded > 10 && decayed > 100, "{bounded} {decayed}");
}

#[test]
fn one_customer_equals_its_batch_row() {
    let rules = compile(RANDOM_RULES);
    let facts = random_facts(11, 120);
    let as_of = ts("2024-09-01");
    let table = rules.score_all(&facts, as_of);
    for c in 0..facts.customers.len() {
        assert_eq!(
            rules.score_customer(&facts, c, as_of),
            table.customer(c),
            "customer {c}"
        );
    }
    let transitions: usize = (0..table.len()).map(|c| table.transitions(c).len()).sum();
    assert!(
        transitions > 200 && table.all_outbox().next().is_some(),
        "{transitions}"
    );
    for c in 0..table.len() {
        // The level as of the run is where the last transition went.
        assert_eq!(table.transitions(c).last().map(|t| t.to), table.level(c, 0));
    }
}

#[test]
fn threads_do_not_change_the_result() {
    let rules = compile(RANDOM_RULES);
    let facts = random_facts(3, 200);
    let as_of = ts("2024-12-31");
    let one = rules.score_all_threads(&facts, as_of, 1);
    for threads in [2, 3, 7] {
        assert_eq!(rules.score_all_threads(&facts, as_of, threads), one);
    }
}

#[test]
fn triggers_fire_at_most_once_unless_rearmed() {
    let rules = compile(RANDOM_RULES);
    let facts = random_facts(5, 200);
    let table = rules.score_all(&facts, ts("2025-01-01"));
    for c in 0..table.len() {
        let fired = |name: &str| {
            table
                .outbox(c)
                .iter()
                .filter(|o| rules.trigger_name(o.trigger) == name)
                .count()
        };
        assert!(fired("hot") <= 1);
        let entries_warm = table
            .transitions(c)
            .iter()
            .filter(|t| rules.level_name(0, t.to) == "warm")
            .count();
        assert_eq!(fired("warm again"), entries_warm);
    }
}

/// The distinct fact times of customer `c` before `as_of`, with the acquisition time.
fn fact_times(facts: &Facts, c: usize, as_of: Timestamp) -> Vec<i64> {
    let mut times: Vec<i64> = facts
        .event_range(c)
        .map(|i| facts.events.timestamp[i].secs())
        .chain(
            facts
                .order_range(c)
                .map(|i| facts.orders.timestamp[i].secs()),
        )
        .chain(facts.tickets.of(c).iter().map(|t| t.opened_at.secs()))
        .chain([facts.customers.created_at[c].secs()])
        .filter(|&t| t < as_of.secs())
        .collect();
    times.sort_unstable();
    times.dedup();
    times
}

#[test]
fn replayed_stages_equal_fresh_scoring_at_every_fact_time() {
    // The replay keeps running sums, sliding windows and reused conditions; recomputing the
    // scores from scratch after every fact must give the same stage history.
    let rules = compile(RANDOM_RULES);
    let facts = random_facts(23, 60);
    let as_of = ts("2024-10-01");
    let stage = &rules.stages[0];
    let fit = rules.score_index("fit").unwrap();
    let engagement = rules.score_index("engagement").unwrap();
    for c in 0..facts.customers.len() {
        let mut level = None;
        let mut expected = Vec::new();
        let samples = fact_times(&facts, c, as_of)
            .into_iter()
            .map(|t| (t, t + 1))
            .chain([(as_of.secs(), as_of.secs())]);
        for (at, t) in samples {
            let fresh = rules.score_customer(&facts, c, Timestamp::from_secs(t));
            let value = fresh.values[engagement].to_f64() + fresh.values[fit].to_f64() / 2.0;
            let next = stage.next_level(level, value);
            if level != Some(next) {
                expected.push((level, next, at));
                level = Some(next);
            }
        }
        let replayed: Vec<_> = rules
            .score_customer(&facts, c, as_of)
            .transitions
            .iter()
            .map(|t| (t.from, t.to, t.at.secs()))
            .collect();
        assert_eq!(replayed, expected, "customer {c}");
    }
}

#[test]
fn sliding_aggregates_equal_fresh_ones() {
    use crate::rules::aggregate::AggScratch;
    use crate::rules::view::{Binding, View};
    let rules = compile(&format!(
        "{RANDOM_RULES}\n[scores.extra]\n[[scores.extra.rules]]\nname = \"x\"\nwhen = '{}'\npoints = 1\n",
        "orders.count(category = \"Shoes\", last 30d) + orders.count(last 1w) + revenue(last 2w) \
         + tickets.count(last 10d) + events(\"page_view\").count(last 12h) > days_since_last_event(\"bounce\")"
    ));
    let specs = &rules.registry.aggs;
    let facts = random_facts(29, 80);
    let bind = Binding::new(&rules, &facts);
    let mut rng = Rng::seeded(1);
    for c in 0..facts.customers.len() {
        let view = View::new(&facts, &bind, c);
        let mut times: Vec<i64> = fact_times(&facts, c, ts("2030-01-01"))
            .into_iter()
            .flat_map(|t| [t, t + 1, t + rng.below(40 * 86_400) as i64])
            .collect();
        times.sort_unstable();
        let mut sliding = AggScratch::default();
        sliding.start(specs, &view, true);
        for &t in &times {
            for id in 0..specs.len() as u32 {
                let mut fresh = AggScratch::default();
                fresh.start(specs, &view, true);
                assert_eq!(
                    sliding.value(specs, id, &view, t),
                    fresh.value(specs, id, &view, t),
                    "customer {c}, aggregate {:?}, t {t}",
                    specs[id as usize]
                );
            }
        }
    }
}
