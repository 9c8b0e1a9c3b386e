//! Event properties and URL globs in event-rule conditions: `event.url =~ "/pricing*"`,
//! `event.properties.campaign == "spring"`; missing when not loaded or absent.

use super::fixtures::{FactsBuilder, compile, ts};
use crate::rules::CustomerScoreState;
use patron_core::facts::{Facts, NONE};
use patron_core::ids::EventId;
use patron_core::model::{Actor, Event};

const RULES: &str = r#"
[scores.engagement]

[[scores.engagement.rules]]
name = "pricing visit"
on = "page_view"
when = 'event.url =~ "/pricing*"'
points = 10

[[scores.engagement.rules]]
name = "spring campaign click"
on = "email_click"
when = 'event.properties.campaign == "spring"'
points = 5

[[scores.engagement.rules]]
name = "visit without URL"
on = "page_view"
when = '!has(event.url)'
points = 1
"#;

/// One customer: four page views and two clicks, with (url, campaign) per event in time order.
fn facts(with_properties: bool) -> Facts {
    let mut b = FactsBuilder::default();
    let c = b.customer("c0", "2024-01-01");
    b.event(c, "2024-02-01", "page_view");
    b.event(c, "2024-02-02", "page_view");
    b.event(c, "2024-02-03", "page_view");
    b.event(c, "2024-02-04", "page_view");
    b.event(c, "2024-02-05", "email_click");
    b.event(c, "2024-02-06", "email_click");
    let mut facts = b.build();
    if with_properties {
        let e = &mut facts.events;
        let mut column = |values: [Option<&str>; 6]| -> Vec<u32> {
            values
                .iter()
                .map(|v| v.map_or(NONE, |v| e.property_values.intern(v)))
                .collect()
        };
        let url = column([
            Some("/pricing"),
            Some("/pricing/enterprise"),
            Some("/blog/pricing"),
            None,
            Some("/newsletter"),
            Some("/newsletter"),
        ]);
        let campaign = column([None, None, None, None, Some("spring"), Some("autumn")]);
        e.properties.insert("url".into(), url);
        e.properties.insert("campaign".into(), campaign);
    }
    facts
}

#[test]
fn conditions_read_the_triggering_events_properties() {
    let rules = compile(RULES);
    assert_eq!(rules.event_properties(), ["url", "campaign"]);
    let as_of = ts("2024-03-01");
    // /pricing +10, /pricing/enterprise +10, /blog/pricing 0, no URL +1, spring +5, autumn 0.
    let table = rules.score_all(&facts(true), as_of);
    assert_eq!(table.value(0, 0).to_f64(), 26.0);
    // Not loaded: every property is missing, so only "visit without URL" holds (4 × 1).
    let table = rules.score_all(&facts(false), as_of);
    assert_eq!(table.value(0, 0).to_f64(), 4.0);
}

#[test]
fn real_time_events_carry_their_properties() {
    let rules = compile(RULES);
    let facts = facts(true);
    let mut state = CustomerScoreState::new(&rules, &facts, 0, ts("2024-03-01"));
    assert_eq!(state.scores().values[0].to_f64(), 26.0);
    let event = Event {
        event_id: EventId::parse("rt1").unwrap(),
        actor: Actor::Customer(patron_core::CustomerId::parse("c0").unwrap()),
        timestamp: ts("2024-03-02"),
        event_type: "page_view".into(),
        properties: [("url".to_owned(), "/pricing?plan=team".to_owned())].into(),
    };
    let applied = rules.apply_event(&mut state, &event, ts("2024-03-03"));
    assert_eq!(applied.entries.len(), 1);
    assert_eq!(state.scores().values[0].to_f64(), 36.0);
}
