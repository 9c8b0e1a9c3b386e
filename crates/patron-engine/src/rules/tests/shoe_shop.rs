//! The shoe-shop example from the issue, computed exactly for hand-built customers.

use super::fixtures::{FactsBuilder, SHOE_SHOP, compile, ts};
use crate::rules::{Cause, CustomerScores, EntryKind, Points, RuleSet};
use patron_core::facts::Facts;

/// Anna buys and engages (ambassador); Ben unsubscribes and bounces; Cleo rises, lapses and
/// comes back.
fn shop() -> Facts {
    let mut f = FactsBuilder::default();
    let anna = f.customer("anna", "2024-01-01");
    f.order(anna, "2024-02-01 10:00:00", "A1", "Shoes", 120.0);
    f.order(anna, "2024-02-01 10:00:00", "A1", "Accessories", 30.0);
    f.order(anna, "2024-05-10 12:00:00", "A2", "Shoes", 150.0);
    f.event(anna, "2024-05-01 09:00:00", "email_open");
    f.event(anna, "2024-05-02 09:00:00", "email_open");
    f.event(anna, "2024-05-02 09:05:00", "email_click");
    f.event(anna, "2024-05-03 10:00:00", "page_view");
    f.event(anna, "2024-05-03 11:00:00", "page_view");
    f.event(anna, "2024-05-04 10:00:00", "page_view");
    f.event(anna, "2024-05-20 08:00:00", "share");
    f.event(anna, "2024-05-21 08:00:00", "social_like");

    let ben = f.customer("ben", "2024-01-01");
    f.order(ben, "2024-01-15 10:00:00", "B1", "Accessories", 20.0);
    f.event(ben, "2024-01-20 10:00:00", "email_open");
    f.event(ben, "2024-01-21 10:00:00", "unsubscribe");
    f.event(ben, "2024-02-01 10:00:00", "unsubscribe");
    f.event(ben, "2024-03-01 10:00:00", "bounce");

    let cleo = f.customer("cleo", "2024-01-01");
    f.order(cleo, "2024-01-10 10:00:00", "C1", "Shoes", 300.0);
    f.event(cleo, "2024-01-11 10:00:00", "email_click");
    f.event(cleo, "2024-08-01 10:00:00", "page_view");
    f.event(cleo, "2025-02-01 10:00:00", "page_view");
    f.event(cleo, "2025-02-02 10:00:00", "bounce");
    f.order(cleo, "2025-03-01 10:00:00", "C2", "Shoes", 400.0);
    f.build()
}

const ANNA: usize = 0;
const BEN: usize = 1;
const CLEO: usize = 2;

fn value(scores: &CustomerScores) -> f64 {
    scores.values[0].to_f64()
}

fn level<'r>(rules: &'r RuleSet, scores: &CustomerScores) -> &'r str {
    rules.level_name(0, scores.levels[0].unwrap())
}

/// Points per rule name in a customer's ledger.
fn by_rule(rules: &RuleSet, scores: &CustomerScores) -> Vec<(String, f64)> {
    let mut out: Vec<(String, f64)> = Vec::new();
    for e in &scores.ledger {
        let name = match e.kind {
            EntryKind::Event { rule, .. } | EntryKind::State { rule } => rules.rule_name(rule),
            EntryKind::Bound { .. } => "bound",
        };
        match out.iter_mut().find(|(n, _)| n == name) {
            Some((_, p)) => *p += e.points.to_f64(),
            None => out.push((name.to_owned(), e.points.to_f64())),
        }
    }
    out
}

fn assert_adds_up(scores: &CustomerScores) {
    let sum: Points = scores.ledger.iter().map(|e| e.points).sum();
    assert_eq!(sum, scores.values[0], "{:?}", scores.ledger);
}

#[test]
fn scores_and_stages_in_june() {
    let rules = compile(SHOE_SHOP);
    let facts = shop();
    let table = rules.score_all(&facts, ts("2024-06-01"));
    let anna = table.customer(ANNA);
    assert_eq!(value(&anna), 137.0);
    assert_eq!(level(&rules, &anna), "ambassador");
    assert_eq!(
        by_rule(&rules, &anna),
        [
            ("purchase of shoes", 40.0),
            ("purchase of accessories", 5.0),
            ("revenue last year above 250", 30.0),
            ("account created", 10.0),
            ("facebook like", 5.0),
            // Two page views on 3 May count once (limit 1 per day).
            ("website visit", 20.0),
            ("newsletter open", 2.0),
            ("link click", 10.0),
            ("share", 15.0),
        ]
        .map(|(n, p)| (n.to_owned(), p))
    );
    let ben = table.customer(BEN);
    // +5 accessories −20 revenue < 25 +10 account +1 open −25 unsubscribe (once) −30 bounce
    // −10 no open in 3 months −15 no click in 6 months.
    assert_eq!(value(&ben), -84.0);
    assert_eq!(level(&rules, &ben), "inactive");
    for c in [ANNA, BEN, CLEO] {
        assert_adds_up(&table.customer(c));
    }
}

#[test]
fn windows_expire_as_as_of_moves() {
    let rules = compile(SHOE_SHOP);
    let facts = shop();
    let later = rules.score_customer(&facts, ANNA, ts("2025-03-01"));
    // The awards stay (no decay): 40 + 5 + 5 + 20 + 2 + 10 + 15 = 97. Revenue of the last year
    // is 150 now (February's order left the window), there was no order, open or click for
    // months: 97 + 10 − 15 − 10 − 15 = 67.
    assert_eq!(value(&later), 67.0);
    assert_eq!(
        by_rule(&rules, &later)
            .iter()
            .filter(|(_, p)| *p < 0.0)
            .map(|(n, _)| n.as_str())
            .collect::<Vec<_>>(),
        [
            "no purchase in 6 months",
            "no opened e-mail in 3 months",
            "no click in 6 months"
        ]
    );
    assert_eq!(level(&rules, &later), "ambassador");
    assert_adds_up(&later);
    // Before anything happened, only the state rules count.
    let first_day = rules.score_customer(&facts, ANNA, ts("2024-01-02"));
    assert_eq!(value(&first_day), 10.0 - 20.0 - 15.0 - 10.0 - 15.0);
    // Exactly at a window's edge: Ben's only open (20 Jan, 10:00) is still "in the last
    // 3 months" as of 20 Jan + 3 months, and gone one second later.
    let edge = ts("2024-01-20 10:00:00").secs() + 3 * 2_629_800;
    let at = patron_core::Timestamp::from_secs;
    let at_edge = rules.score_customer(&facts, BEN, at(edge));
    let after = rules.score_customer(&facts, BEN, at(edge + 1));
    assert_eq!(value(&at_edge) - value(&after), 10.0);
}

#[test]
fn transitions_have_times_and_causes() {
    let rules = compile(SHOE_SHOP);
    let facts = shop();
    let anna = rules.score_customer(&facts, ANNA, ts("2024-06-01"));
    let moves: Vec<(Option<&str>, &str, String)> = anna
        .transitions
        .iter()
        .map(|t| {
            (
                t.from.map(|l| rules.level_name(0, l)),
                rules.level_name(0, t.to),
                t.at.to_string(),
            )
        })
        .collect();
    assert_eq!(
        moves,
        [
            (None, "inactive", "2024-01-01T00:00:00Z".to_owned()),
            (
                Some("inactive"),
                "active",
                "2024-02-01T10:00:00Z".to_owned()
            ),
            (
                Some("active"),
                "ambassador",
                "2024-05-02T09:05:00Z".to_owned()
            ),
        ]
    );
    assert_eq!(anna.transitions[0].cause, Cause::First);
    let Cause::Award { rule, .. } = anna.transitions[1].cause else {
        panic!("{:?}", anna.transitions[1].cause)
    };
    assert_eq!(rules.rule_name(rule), "purchase of shoes");
    let Cause::Award { rule, .. } = anna.transitions[2].cause else {
        panic!("{:?}", anna.transitions[2].cause)
    };
    assert_eq!(rules.rule_name(rule), "link click");
    assert_eq!(
        rules.describe_transition(&facts, ANNA, &anna.transitions[2]),
        "lifecycle: active → ambassador on 2024-05-02 (email_click on 2024-05-02: link click +10)"
    );
}

#[test]
fn triggers_fire_once_and_rearm_only_where_configured() {
    let rules = compile(SHOE_SHOP);
    let facts = shop();
    let cleo = rules.score_customer(&facts, CLEO, ts("2025-06-01"));
    let moves: Vec<(&str, String)> = cleo
        .transitions
        .iter()
        .map(|t| (rules.level_name(0, t.to), t.at.date().to_string()))
        .collect();
    assert_eq!(
        moves,
        [
            ("inactive", "2024-01-01"),
            ("active", "2024-01-10"),
            ("ambassador", "2024-01-11"),
            ("active", "2024-08-01"),
            ("inactive", "2025-02-02"),
            ("ambassador", "2025-03-01"),
        ]
        .map(|(l, d)| (l, d.to_owned()))
    );
    let fired: Vec<(&str, String, u32)> = cleo
        .outbox
        .iter()
        .map(|o| {
            (
                rules.trigger_name(o.trigger),
                o.at.date().to_string(),
                o.occurrence,
            )
        })
        .collect();
    // "ambassador welcome" fires once although Cleo becomes an ambassador twice; "welcome back"
    // (rearm = true) fires on each entry into "active".
    assert_eq!(
        fired,
        [
            ("welcome back", "2024-01-10", 1),
            ("ambassador welcome", "2024-01-11", 1),
            ("welcome back", "2024-08-01", 2),
        ]
        .map(|(t, d, n)| (t, d.to_owned(), n))
    );
    let message = rules.outbox_message(&facts, &cleo.outbox[1]);
    assert_eq!(message.customer, "cleo");
    assert_eq!(message.action, "webhook:crm");
    // The drop on 1 Aug 2024 is explained by a state rule that started to hold.
    assert!(matches!(
        cleo.transitions[3].cause,
        Cause::State { holds: true, .. }
    ));
    assert_eq!(
        rules.describe_transition(&facts, CLEO, &cleo.transitions[3]),
        "lifecycle: ambassador → active on 2024-08-01 (no click in 6 months now holds (-15))"
    );
}

#[test]
fn ledger_explains_every_point() {
    let rules = compile(SHOE_SHOP);
    let facts = shop();
    let anna = rules.score_customer(&facts, ANNA, ts("2024-06-01"));
    let explained = rules.explain(&facts, ANNA, &anna.ledger);
    let reasons: Vec<&str> = explained.iter().map(|e| e.reason.as_str()).collect();
    assert!(
        reasons.contains(&"order A1 on 2024-02-01 (+20)"),
        "{reasons:#?}"
    );
    assert!(
        reasons.contains(&"email_click on 2024-05-02 (+10)"),
        "{reasons:#?}"
    );
    assert!(
        reasons.contains(&"condition holds on 2024-06-01: revenue(last 1y) > 250 (+30)"),
        "{reasons:#?}"
    );
    assert!(
        explained
            .iter()
            .all(|e| e.ruleset_version == rules.version())
    );
    let visits: Vec<_> = explained
        .iter()
        .filter(|e| e.rule == "website visit")
        .map(|e| e.event.clone().unwrap())
        .collect();
    assert_eq!(
        visits,
        [
            "page_view at 2024-05-03T10:00:00Z",
            "page_view at 2024-05-04T10:00:00Z"
        ]
    );
    let total: f64 = explained.iter().map(|e| e.points.to_f64()).sum();
    assert_eq!(total, 137.0);
}

#[test]
fn version_is_stable_under_layout_and_changes_with_meaning() {
    let a = compile(SHOE_SHOP);
    let relaid = SHOE_SHOP.replace(
        "when = 'revenue(last 1y) > 250'",
        "when = '''\n  revenue( last 1y )  >  250\n'''",
    );
    assert_eq!(compile(&relaid).version(), a.version());
    let changed = SHOE_SHOP.replace("revenue(last 1y) > 250", "revenue(last 1y) > 260");
    assert_ne!(compile(&changed).version(), a.version());
    assert_eq!(a.version().len(), 32);
}
