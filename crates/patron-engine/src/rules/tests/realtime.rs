//! Real time: applying events one by one equals batch scoring, and a replayed event changes
//! nothing.

use super::fixtures::{FactsBuilder, SHOE_SHOP, compile, ts};
use super::properties::{RANDOM_RULES, random_facts};
use crate::rules::{CustomerScoreState, RuleSet};
use patron_core::Timestamp;
use patron_core::facts::Facts;
use patron_core::ids::EventId;
use patron_core::model::{Actor, Event};

fn event(customer: &str, id: &str, at: Timestamp, event_type: &str) -> Event {
    Event {
        event_id: EventId::parse(id).unwrap(),
        actor: Actor::Customer(patron_core::CustomerId::parse(customer).unwrap()),
        timestamp: at,
        event_type: event_type.to_owned(),
        properties: Default::default(),
    }
}

/// The customer's events in time order, as (time, type).
fn events_of(facts: &Facts, c: usize) -> Vec<(Timestamp, String)> {
    facts
        .event_range(c)
        .map(|i| {
            let e = &facts.events;
            (e.timestamp[i], e.types.name(e.event_type[i]).to_owned())
        })
        .collect()
}

/// Starts a state from the customer's facts without their events after `cut`, applies those
/// events (each twice), and compares with batch scoring of the full facts.
fn replay_and_compare(rules: &RuleSet, facts: &Facts, c: usize, cut: Timestamp) {
    let all = events_of(facts, c);
    let mut prefix = facts.clone();
    let keep: Vec<usize> = facts
        .event_range(c)
        .filter(|&i| facts.events.timestamp[i] < cut)
        .collect();
    let range = facts.event_range(c);
    let dropped = range.len() - keep.len();
    let e = &mut prefix.events;
    let tail = range.start + keep.len()..range.end;
    e.timestamp.drain(tail.clone());
    e.event_type.drain(tail);
    for o in &mut e.offsets[c + 1..] {
        *o -= dropped;
    }
    let id = facts.customers.ids[c].to_string();
    let mut state = CustomerScoreState::new(rules, &prefix, c, cut);
    let mut as_of = cut;
    for (k, (at, event_type)) in all.iter().enumerate().filter(|(_, (t, _))| *t >= cut) {
        as_of = Timestamp::from_secs(at.secs() + 1);
        let e = event(&id, &format!("e{k}"), *at, event_type);
        let applied = rules.apply_event(&mut state, &e, as_of);
        assert!(!applied.duplicate);
        let before = state.scores().clone();
        let again = rules.apply_event(&mut state, &e, as_of);
        assert!(again.duplicate && again.entries.is_empty());
        assert_eq!(
            state.scores(),
            &before,
            "a replayed event changed the scores"
        );
    }
    assert_eq!(
        state.scores(),
        &rules.score_customer(facts, c, as_of),
        "customer {c}"
    );
}

#[test]
fn applying_events_equals_batch_scoring() {
    let rules = compile(RANDOM_RULES);
    let facts = random_facts(19, 40);
    for c in 0..facts.customers.len() {
        replay_and_compare(&rules, &facts, c, ts("2024-01-01"));
    }
}

#[test]
fn a_replayed_event_counts_once() {
    let rules = compile(SHOE_SHOP);
    let mut f = FactsBuilder::default();
    let c = f.customer("dora", "2024-01-01");
    f.event(c, "2024-03-01", "email_open");
    let facts = f.build();
    let mut state = CustomerScoreState::new(&rules, &facts, c, ts("2024-03-02"));
    state.remember_event_ids([EventId::parse("open-1").unwrap()]);
    let before = state.scores().clone();
    // The stored open comes back from the queue: nothing changes.
    let replayed = event("dora", "open-1", ts("2024-03-01"), "email_open");
    assert!(
        rules
            .apply_event(&mut state, &replayed, ts("2024-03-02"))
            .duplicate
    );
    assert_eq!(state.scores(), &before);
    // A new click is awarded once, however often it is delivered.
    let click = event("dora", "click-1", ts("2024-03-05 10:00:00"), "email_click");
    let as_of = ts("2024-03-06");
    let applied = rules.apply_event(&mut state, &click, as_of);
    assert_eq!(applied.entries.len(), 1);
    assert_eq!(applied.entries[0].points.to_f64(), 10.0);
    for _ in 0..3 {
        assert!(rules.apply_event(&mut state, &click, as_of).duplicate);
    }
    let mut g = FactsBuilder::default();
    let d = g.customer("dora", "2024-01-01");
    g.event(d, "2024-03-01", "email_open");
    g.event(d, "2024-03-05 10:00:00", "email_click");
    assert_eq!(state.scores(), &rules.score_customer(&g.build(), d, as_of));
    // −50 at sign-up, +1 open and no more "no open" (−10), +10 click and no more "no click"
    // (−15): −14, still inactive, so applying the click recorded no transition.
    assert_eq!(state.scores().values[0].to_f64(), -14.0);
    assert!(applied.transitions.is_empty());
}
