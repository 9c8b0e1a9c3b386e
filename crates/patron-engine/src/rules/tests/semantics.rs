//! Decay, caps and floors, limits: each explained in the ledger, which still adds up.

use super::fixtures::{FactsBuilder, compile, ts};
use crate::rules::{Bound, CustomerScores, EntryKind, Points};

const DECAYING: &str = r#"
[scores.engagement]
decay = { half_life = "30d" }

[scores.engagement.groups.email]
cap = 20

[[scores.engagement.rules]]
name = "newsletter open"
on = "email_open"
points = 1
group = "email"
decay = { none = true }

[[scores.engagement.rules]]
name = "link click"
on = "email_click"
points = 10
group = "email"

[[scores.engagement.rules]]
name = "page view"
on = "page_view"
points = 4
decay = { linear_per_day = 0.5 }

[[scores.engagement.rules]]
name = "download"
on = "download"
points = 8
decay = { window = "7d" }

[scores.loyalty]
cap = 25
floor = -10

[[scores.loyalty.rules]]
name = "click"
on = "email_click"
points = 10

[[scores.loyalty.rules]]
name = "bounce"
on = "bounce"
points = -30
"#;

fn sum(scores: &CustomerScores, score: u32) -> Points {
    scores
        .ledger
        .iter()
        .filter(|e| e.score == score)
        .map(|e| e.points)
        .sum()
}

#[test]
fn decay_by_half_life_linear_and_window() {
    let rules = compile(DECAYING);
    let mut f = FactsBuilder::default();
    let c = f.customer("c", "2024-01-01");
    f.event(c, "2024-03-01", "email_click");
    f.event(c, "2024-03-01", "page_view");
    f.event(c, "2024-03-01", "download");
    let facts = f.build();
    let engagement = |as_of: &str| {
        let scores = rules.score_customer(&facts, c, ts(as_of));
        assert_eq!(sum(&scores, 0), scores.values[0]);
        scores.values[0]
    };
    let p = Points::from_f64;
    // Click 10 → 5 after one half-life; page view 4 − 0.5 × 4 days; download within 7 days.
    assert_eq!(
        engagement("2024-03-05"),
        p(10.0 * 0.5f64.powf(4.0 / 30.0) + 2.0 + 8.0)
    );
    assert_eq!(engagement("2024-03-31"), p(5.0));
    assert_eq!(engagement("2024-04-30"), p(2.5));
    // Exactly 7 days old still counts; the page view reached zero after 8 days.
    assert_eq!(
        engagement("2024-03-08"),
        p(10.0 * 0.5f64.powf(7.0 / 30.0) + 0.5 + 8.0)
    );
    let scores = rules.score_customer(&facts, c, ts("2024-03-31"));
    let reasons: Vec<String> = rules
        .explain(&facts, c, &scores.ledger)
        .into_iter()
        .map(|e| e.reason)
        .collect();
    assert!(
        reasons.contains(
            &"email_click on 2024-03-01 (+10, decayed to 5 with half-life 30d)".to_owned()
        ),
        "{reasons:?}"
    );
    // Fully decayed awards leave the ledger.
    assert_eq!(scores.ledger.iter().filter(|e| e.score == 0).count(), 1);
}

#[test]
fn group_cap_is_a_ledger_entry() {
    let rules = compile(DECAYING);
    let mut f = FactsBuilder::default();
    let c = f.customer("c", "2024-01-01");
    for day in 1..=27 {
        f.event(c, &format!("2024-02-{day:02}"), "email_open");
    }
    let facts = f.build();
    let scores = rules.score_customer(&facts, c, ts("2024-03-01"));
    assert_eq!(scores.values[0], Points::from_f64(20.0));
    assert_eq!(sum(&scores, 0), scores.values[0]);
    let cap = scores
        .ledger
        .iter()
        .find(|e| matches!(e.kind, EntryKind::Bound { .. }))
        .unwrap();
    assert_eq!(
        cap.kind,
        EntryKind::Bound {
            group: Some(0),
            bound: Bound::Cap
        }
    );
    assert_eq!(cap.points, Points::from_f64(-7.0));
    let explained = rules.explain(&facts, c, std::slice::from_ref(cap));
    assert_eq!(
        explained[0].reason,
        "cap: engagement.email capped at 20 (-7)"
    );
}

#[test]
fn score_cap_and_floor() {
    let rules = compile(DECAYING);
    let mut f = FactsBuilder::default();
    let clicker = f.customer("clicker", "2024-01-01");
    for day in 1..=3 {
        f.event(clicker, &format!("2024-02-{day:02}"), "email_click");
    }
    let bouncer = f.customer("bouncer", "2024-01-01");
    f.event(bouncer, "2024-02-01", "bounce");
    let facts = f.build();
    let table = rules.score_all(&facts, ts("2024-03-01"));
    assert_eq!(table.value(clicker, 1), Points::from_f64(25.0));
    assert_eq!(table.value(bouncer, 1), Points::from_f64(-10.0));
    let floor = table.ledger(bouncer).last().unwrap();
    assert_eq!(floor.points, Points::from_f64(20.0));
    assert_eq!(
        rules.explain(&facts, bouncer, std::slice::from_ref(floor))[0].reason,
        "floor: loyalty floored at -10 (+20)"
    );
    for c in [clicker, bouncer] {
        assert_eq!(sum(&table.customer(c), 1), table.value(c, 1));
    }
}

#[test]
fn limits_count_calendar_periods_and_once_means_first() {
    let rules = compile(
        r#"
[scores.s]
[[scores.s.rules]]
name = "weekly visit"
on = "page_view"
points = 1
limit = { count = 2, per = "1w" }
[[scores.s.rules]]
name = "first download"
on = "download"
points = 5
repeatable = false
when = 'events("page_view").count() >= 1'
"#,
    );
    let mut f = FactsBuilder::default();
    let c = f.customer("c", "2024-01-01");
    // Mon 4 Mar … Sun 10 Mar is one ISO week; Mon 11 Mar starts the next.
    for day in ["2024-03-04", "2024-03-06", "2024-03-10", "2024-03-11"] {
        f.event(c, day, "page_view");
    }
    // The first download comes before any page view, so it does not match; the second does,
    // and the third is not awarded because the rule is not repeatable.
    f.event(c, "2024-03-01", "download");
    f.event(c, "2024-03-05", "download");
    f.event(c, "2024-03-07", "download");
    let facts = f.build();
    let scores = rules.score_customer(&facts, c, ts("2024-04-01"));
    let awards: Vec<(String, String)> = rules
        .explain(&facts, c, &scores.ledger)
        .into_iter()
        .map(|e| (e.rule, e.at.date().to_string()))
        .collect();
    assert_eq!(
        awards,
        [
            ("weekly visit", "2024-03-04"),
            ("weekly visit", "2024-03-06"),
            ("weekly visit", "2024-03-11"),
            ("first download", "2024-03-05"),
        ]
        .map(|(a, b)| (a.to_owned(), b.to_owned()))
    );
    assert_eq!(scores.values[0], Points::from_f64(8.0));
}

#[test]
fn facts_at_or_after_as_of_do_not_count() {
    let rules = compile(DECAYING);
    let mut f = FactsBuilder::default();
    let c = f.customer("c", "2024-01-01");
    f.event(c, "2024-03-01 12:00:00", "email_open");
    let facts = f.build();
    let at = |t: &str| rules.score_customer(&facts, c, ts(t)).values[0];
    assert_eq!(at("2024-03-01 12:00:00"), Points::ZERO);
    assert_eq!(at("2024-03-01 12:00:01"), Points::from_f64(1.0));
}
