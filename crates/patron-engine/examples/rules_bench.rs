//! Benchmark of rule scoring: 1,000,000 customers with 50,000,000 events (plus orders and
//! tickets) built in memory from a seeded generator, 20 rules with decay, limits, windows, a
//! stage and triggers; times a full recompute and single-event application.
//!
//! Run with `cargo run --release -p patron-engine --example rules_bench [customers] [events]`.

use patron_core::config::ProjectConfig;
use patron_core::facts::{Facts, Grouped, Interner, NONE, TicketRow};
use patron_core::ids::EventId;
use patron_core::model::{Actor, Consent, Event};
use patron_core::random::Rng;
use patron_core::{CustomerId, Money, Timestamp};
use patron_engine::rules::{CustomerScoreState, RuleSet, default_threads};
use std::path::Path;
use std::time::Instant;

const RULES: &str = r#"
[scores.engagement]
decay = { half_life = "180d" }

[scores.engagement.groups.email]
cap = 40

[[scores.engagement.rules]]
name = "purchase of shoes"
on = "order"
when = 'order.contains(category = "Shoes")'
points = 20
decay = { none = true }

[[scores.engagement.rules]]
name = "purchase of accessories"
on = "order"
when = 'order.contains(category = "Accessories")'
points = 5
decay = { none = true }

[[scores.engagement.rules]]
name = "revenue last year above 250"
when = 'revenue(last 1y) > 250'
points = 30

[[scores.engagement.rules]]
name = "revenue last year below 25"
when = 'revenue(last 1y) < 25'
points = -20

[[scores.engagement.rules]]
name = "no purchase in 6 months"
when = 'orders.count(last 6mo) == 0'
points = -15

[[scores.engagement.rules]]
name = "account created"
when = 'customer.age_days >= 0'
points = 10

[[scores.engagement.rules]]
name = "facebook like"
on = "social_like"
points = 5

[[scores.engagement.rules]]
name = "website visit"
on = "page_view"
limit = { count = 1, per = "1d" }
points = 10
decay = { window = "90d" }

[[scores.engagement.rules]]
name = "newsletter open"
on = "email_open"
points = 1
group = "email"

[[scores.engagement.rules]]
name = "link click"
on = "email_click"
points = 10
group = "email"

[[scores.engagement.rules]]
name = "share"
on = "share"
points = 15

[[scores.engagement.rules]]
name = "unsubscribe"
on = "unsubscribe"
repeatable = false
points = -25
decay = { none = true }

[[scores.engagement.rules]]
name = "bounce"
on = "bounce"
points = -30
group = "email"

[[scores.engagement.rules]]
name = "no opened e-mail in 3 months"
when = 'events("email_open").count(last 3mo) == 0'
points = -10

[[scores.engagement.rules]]
name = "no click in 6 months"
when = 'events("email_click").count(last 6mo) == 0'
points = -15

[[scores.engagement.rules]]
name = "download"
on = "download"
limit = { count = 1, per = "1w" }
points = 8

[[scores.engagement.rules]]
name = "webinar"
on = "webinar"
points = 20
decay = { linear_per_day = 0.2 }

[[scores.engagement.rules]]
name = "cart"
on = "cart_add"
when = 'days_since_last_order > 30 || !has(days_since_last_order)'
points = 3

[[scores.engagement.rules]]
name = "review"
on = "review"
points = 12

[[scores.engagement.rules]]
name = "support heavy"
when = 'tickets.count(last 90d) >= 2'
points = -5

[stages.lifecycle]
score = "engagement"
levels = [{ name = "inactive" }, { name = "active", from = 0 }, { name = "ambassador", from = 45 }]
hysteresis = 5

[[triggers]]
name = "ambassador welcome"
stage = "lifecycle"
enters = "ambassador"
action = "webhook:crm"

[[triggers]]
name = "welcome back"
stage = "lifecycle"
enters = "active"
rearm = true
action = "email:welcome-back"
"#;

/// Event types and their weights.
const TYPES: &[(&str, f64)] = &[
    ("email_open", 30.0),
    ("page_view", 28.0),
    ("email_click", 10.0),
    ("cart_add", 8.0),
    ("social_like", 5.0),
    ("download", 5.0),
    ("login", 7.0),
    ("share", 2.0),
    ("review", 2.0),
    ("bounce", 1.0),
    ("webinar", 1.5),
    ("unsubscribe", 0.5),
];

const START: i64 = 1_672_531_200; // 2023-01-01
const SPAN: i64 = 2 * 365 * 86_400;

/// Event counts per customer (25…75, mean 50) adjusted to add up to exactly `events`.
fn event_counts(rng: &mut Rng, customers: usize, events: usize) -> Vec<u32> {
    let mut counts: Vec<u32> = (0..customers).map(|_| 25 + rng.below(51) as u32).collect();
    let mut total: usize = counts.iter().map(|&c| c as usize).sum();
    let mut i = 0;
    while total != events && customers > 0 {
        let c = &mut counts[i % customers];
        if total < events {
            *c += 1;
            total += 1;
        } else if *c > 0 {
            *c -= 1;
            total -= 1;
        }
        i += 1;
    }
    counts
}

fn build_facts(customers: usize, events: usize) -> Facts {
    let mut rng = Rng::seeded(2026);
    let counts = event_counts(&mut rng, customers, events);
    let weights: Vec<f64> = TYPES.iter().map(|t| t.1).collect();
    let mut facts = Facts {
        as_of: Timestamp::from_secs(START + SPAN),
        ..Facts::default()
    };
    let mut types = Interner::default();
    for (name, _) in TYPES {
        types.intern(name);
    }
    facts.events.types = types;
    facts.events.timestamp.reserve(events);
    facts.events.event_type.reserve(events);
    facts.events.offsets.push(0);
    facts.orders.offsets.push(0);
    let mut tickets = Grouped::<TicketRow>::default();
    let mut times = Vec::new();
    for (c, &n) in counts.iter().enumerate() {
        let created = START + rng.below(SPAN as u64 / 2) as i64;
        add_customer(&mut facts, c, created);
        times.clear();
        times.extend((0..n).map(|_| created + rng.below((START + SPAN - created) as u64) as i64));
        times.sort_unstable();
        for &t in &times {
            facts.events.timestamp.push(Timestamp::from_secs(t));
            facts.events.event_type.push(rng.weighted(&weights) as u32);
        }
        facts.events.offsets.push(facts.events.timestamp.len());
        add_orders(&mut facts, &mut rng, c, created);
        for _ in 0..rng.below(3) {
            tickets.rows.push(ticket(
                created + rng.below((START + SPAN - created) as u64) as i64,
            ));
        }
        tickets.offsets.push(tickets.rows.len());
    }
    facts.tickets = tickets;
    facts.invoices.offsets = vec![0; customers + 1];
    facts.outcomes.offsets = vec![0; customers + 1];
    facts
}

fn add_customer(facts: &mut Facts, c: usize, created: i64) {
    let customers = &mut facts.customers;
    customers
        .ids
        .push(CustomerId::parse(&format!("c{c}")).expect("a valid id"));
    customers.created_at.push(Timestamp::from_secs(created));
    customers.consent.push(Consent::default());
    customers.is_stub.push(false);
    customers.acquisition_cost.push(None);
}

fn add_orders(facts: &mut Facts, rng: &mut Rng, c: usize, created: i64) {
    let o = &mut facts.orders;
    let shoes = o.categories.intern("Shoes");
    let accessories = o.categories.intern("Accessories");
    let mut at = created;
    for k in 0..rng.below(5) {
        at += rng.below(120 * 86_400) as i64;
        if at >= START + SPAN {
            break;
        }
        let code = o.order_ids.intern(&format!("o{c}-{k}"));
        for _ in 0..=rng.below(2) {
            o.timestamp.push(Timestamp::from_secs(at));
            o.order.push(code);
            o.sku.push(NONE);
            o.category
                .push(if rng.chance(0.6) { shoes } else { accessories });
            o.channel.push(NONE);
            o.quantity.push(1.0);
            o.amount.push(Money::from_f64(10.0 + rng.uniform() * 140.0));
            o.cost.push(None);
            o.is_return.push(false);
        }
    }
    o.offsets.push(o.timestamp.len());
}

fn ticket(at: i64) -> TicketRow {
    TicketRow {
        opened_at: Timestamp::from_secs(at),
        closed_at: None,
        escalated: false,
        sentiment: None,
        handling_minutes: None,
        text: None,
    }
}

fn main() {
    let mut args = std::env::args().skip(1).map(|a| a.parse::<usize>());
    let customers = args.next().and_then(Result::ok).unwrap_or(1_000_000);
    let events = args.next().and_then(Result::ok).unwrap_or(50_000_000);

    let started = Instant::now();
    let config = ProjectConfig::parse(RULES, Path::new("rules_bench.toml")).expect("valid config");
    let rules = RuleSet::compile(&config.rules()).expect("valid rules");
    let compile = started.elapsed();
    let started = Instant::now();
    let facts = build_facts(customers, events);
    println!(
        "built {} customers, {} events, {} order lines, {} tickets in {:.1} s; compiled {} rules in {:.2} ms (version {})",
        facts.customers.len(),
        facts.events.timestamp.len(),
        facts.orders.timestamp.len(),
        facts.tickets.rows.len(),
        started.elapsed().as_secs_f64(),
        rules
            .canonical()
            .lines()
            .filter(|l| l.starts_with(" rule"))
            .count(),
        compile.as_secs_f64() * 1e3,
        &rules.version()[..12],
    );
    let as_of = facts.as_of;
    let threads = default_threads();
    // The first run in a fresh process also pays for first touching the ~2 GB of ledger memory
    // (in a VM that is the hypervisor's fault too); the runs after it show the computation.
    for (label, t) in [("first run", threads), ("warm", threads), ("warm", 1)] {
        let started = Instant::now();
        let table = rules.score_all_threads(&facts, as_of, t);
        let elapsed = started.elapsed().as_secs_f64();
        println!(
            "full recompute ({label}) on {t} thread(s): {elapsed:.2} s ({:.0} ns per event); {} ledger entries, {} transitions, {} outbox entries",
            elapsed * 1e9 / facts.events.timestamp.len().max(1) as f64,
            table.ledger_len(),
            table.transitions_len(),
            table.all_outbox().count(),
        );
    }
    realtime(&rules, &facts, as_of);
}

/// Applies one new event to each of 10,000 customers' real-time states and reports the time
/// per application.
fn realtime(rules: &RuleSet, facts: &Facts, as_of: Timestamp) {
    let n = facts.customers.len().min(10_000);
    let mut states: Vec<CustomerScoreState> = (0..n)
        .map(|c| CustomerScoreState::new(rules, facts, c * (facts.customers.len() / n), as_of))
        .collect();
    let mut times = Vec::with_capacity(n);
    for (i, state) in states.iter_mut().enumerate() {
        let event = Event {
            event_id: EventId::parse(&format!("live-{i}")).expect("a valid id"),
            actor: Actor::Customer(state.facts().customers.ids[0].clone()),
            timestamp: as_of,
            event_type: "email_click".into(),
            properties: Default::default(),
        };
        let later = Timestamp::from_secs(as_of.secs() + 1);
        let started = Instant::now();
        let applied = rules.apply_event(state, &event, later);
        times.push(started.elapsed().as_secs_f64() * 1e6);
        assert_eq!(applied.entries.len(), 1);
    }
    times.sort_by(f64::total_cmp);
    let mean = times.iter().sum::<f64>() / times.len().max(1) as f64;
    let history = facts.events.timestamp.len() as f64 / facts.customers.len().max(1) as f64;
    println!(
        "apply one event to one customer (history ≈ {history:.0} events): mean {mean:.1} µs, median {:.1} µs, p99 {:.1} µs over {} customers",
        times[times.len() / 2],
        times[times.len() * 99 / 100],
        times.len()
    );
}
