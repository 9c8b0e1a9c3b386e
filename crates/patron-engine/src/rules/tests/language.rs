//! The condition language evaluated on hand-built customers.

use super::fixtures::{FactsBuilder, compile, ts};
use chrono::NaiveDate;
use patron_core::facts::Facts;
use patron_core::model::AttrValue;

const ATTRIBUTES: &str = r#"
[sources.customers]
path = "customers.csv"
entity = "customers"

[sources.customers.columns]
customer_id = "id"

[sources.customers.attributes]
industry = "Industry"
employees = { column = "Employees", type = "number" }
vip = { column = "VIP", type = "bool" }
signup = { column = "Signup", type = "date" }
"#;

/// Whether a state rule with this condition holds for customer `c` as of `as_of`.
fn holds(condition: &str, facts: &Facts, c: usize, as_of: &str) -> bool {
    let toml = format!(
        "{ATTRIBUTES}\n[scores.s]\n[[scores.s.rules]]\nname = \"r\"\nwhen = '{condition}'\npoints = 1\n"
    );
    let rules = compile(&toml);
    rules.score_customer(facts, c, ts(as_of)).values[0].to_f64() == 1.0
}

/// Two customers: 0 with attributes, 1 without.
fn people() -> Facts {
    let mut f = FactsBuilder::default();
    let full = f.customer("full", "2024-01-01");
    f.attr(full, "industry", AttrValue::Text("Software".into()));
    f.attr(full, "employees", AttrValue::Number(50.0));
    f.attr(full, "vip", AttrValue::Bool(true));
    f.attr(
        full,
        "signup",
        AttrValue::Date(NaiveDate::from_ymd_opt(2024, 1, 11).unwrap()),
    );
    f.consent(full, Some(true));
    f.ticket(full, "2024-02-20");
    f.event(full, "2024-02-25 12:00:00", "email_open");
    f.order(full, "2024-02-01", "O1", "Shoes", 100.0);
    f.order(full, "2024-02-01", "O1", "Socks", 10.0);
    f.order(full, "2024-02-10", "O2", "Socks", 5.0);
    f.order_at(full, ts("2024-02-15"), "R1", "Shoes", -100.0, true);
    f.customer("empty", "2024-01-01");
    f.build()
}

#[test]
fn attributes_and_missing_values() {
    let facts = people();
    let at = "2024-03-01";
    let both = |c: &str| (holds(c, &facts, 0, at), holds(c, &facts, 1, at));
    assert_eq!(both(r#"attr.industry == "Software""#), (true, false));
    // A comparison with a missing side is false, `!=` included.
    assert_eq!(both(r#"attr.industry != "Retail""#), (true, false));
    assert_eq!(both(r#"!(attr.industry == "Retail")"#), (true, true));
    assert_eq!(both("has(attr.industry)"), (true, false));
    assert_eq!(both("!has(attr.employees)"), (false, true));
    assert_eq!(
        both(r#"attr.industry in ["Finance", "Software"]"#),
        (true, false)
    );
    assert_eq!(both(r#"lower(attr.industry) == "software""#), (true, false));
    assert_eq!(both(r#"starts_with(attr.industry, "Soft")"#), (true, false));
    assert_eq!(both(r#"attr.industry =~ "So?t*""#), (true, false));
    assert_eq!(both("attr.employees * 2 + 1 == 101"), (true, false));
    assert_eq!(both("attr.employees in [10, 50, -1]"), (true, false));
    assert_eq!(both("attr.vip"), (true, false));
    assert_eq!(both("!attr.vip"), (false, true));
    assert_eq!(both("attr.vip == true"), (true, false));
    // Division by zero is missing, not infinite.
    assert_eq!(both("attr.employees / 0 > 1"), (false, false));
    assert_eq!(both("!has(attr.employees / 0)"), (true, true));
    assert_eq!(both("days_since(attr.signup) == 50"), (true, false));
    assert_eq!(both("customer.consent_marketing"), (true, false));
    assert_eq!(both("has(customer.consent_profiling)"), (false, false));
    assert_eq!(both("customer.age_days == 60"), (true, true));
    assert_eq!(
        both("1 + 2 * 3 == 7 && (1 + 2) * 3 == 9 && -2 < 0"),
        (true, true)
    );
    assert_eq!(both("false || !false"), (true, true));
}

#[test]
fn aggregates_over_windows() {
    let facts = people();
    let check = |c: &str, at: &str| holds(c, &facts, 0, at);
    // O1 has two lines but is one order; the return R1 is not an order.
    assert!(check("orders.count() == 2", "2024-03-01"));
    assert!(check(
        r#"orders.count(category = "Socks") == 2"#,
        "2024-03-01"
    ));
    assert!(check(
        r#"orders.count(category = "Shoes", last 20d) == 0"#,
        "2024-03-01"
    ));
    assert!(check(
        r#"orders.count(category = "Hats") == 0"#,
        "2024-03-01"
    ));
    // Revenue is net of returns.
    assert!(check("revenue() == 15", "2024-03-01"));
    assert!(check(r#"revenue(category = "Shoes") == 0"#, "2024-03-01"));
    assert!(check("revenue(last 20d) == -95", "2024-03-01"));
    // Facts at or after as-of are not seen.
    assert!(check("revenue() == 110", "2024-02-10"));
    assert!(check("days_since_last_order == 20", "2024-03-01"));
    assert!(check(
        r#"days_since_last_event("email_open") == 4.5"#,
        "2024-03-01"
    ));
    assert!(check(
        r#"!has(days_since_last_event("email_click"))"#,
        "2024-03-01"
    ));
    assert!(check(
        r#"events("email_open").count(last 5d) == 1"#,
        "2024-03-01"
    ));
    assert!(check(
        r#"events("email_open").count(last 4d) == 0"#,
        "2024-03-01"
    ));
    assert!(check("tickets.count(last 10d) == 1", "2024-03-01"));
    assert!(check("tickets.count(last 9d) == 0", "2024-03-01"));
    assert!(holds(
        "!has(days_since_last_order)",
        &facts,
        1,
        "2024-03-01"
    ));
}

#[test]
fn event_rules_see_the_event_and_the_past() {
    let rules = compile(
        r#"
[scores.s]
[[scores.s.rules]]
name = "mail except bounces"
on = "email_*"
when = 'event.type != "email_bounce"'
points = 1
[[scores.s.rules]]
name = "at most two opens in a rolling day"
on = "email_open"
when = 'events("email_open").count(last 1d) < 2'
points = 10
[[scores.s.rules]]
name = "big order"
on = "order"
when = 'order.revenue() > 100 && order.contains(category = "Shoes")'
points = 100
"#,
    );
    let mut f = FactsBuilder::default();
    let c = f.customer("c", "2024-01-01");
    for at in [
        "2024-03-01 10:00:00",
        "2024-03-01 11:00:00",
        "2024-03-01 12:00:00",
        "2024-03-02 11:30:00",
    ] {
        f.event(c, at, "email_open");
    }
    f.event(c, "2024-03-03", "email_bounce");
    f.event(c, "2024-03-03", "email_click");
    f.order(c, "2024-03-04", "O1", "Shoes", 90.0);
    f.order(c, "2024-03-04", "O1", "Socks", 20.0);
    f.order(c, "2024-03-05", "O2", "Shoes", 100.0);
    let facts = f.build();
    let scores = rules.score_customer(&facts, c, ts("2024-04-01"));
    // 5 mail events (not the bounce) × 1; opens at 10:00, 11:00 and, on 2 March, 11:30 (of the
    // day before only the 12:00 open is within 24 hours) × 10; order O1 (110) × 100.
    assert_eq!(scores.values[0].to_f64(), 5.0 + 30.0 + 100.0);
}

#[test]
fn scores_read_scores_and_stages_combine_them() {
    let toml = format!(
        r#"{ATTRIBUTES}
[scores.fit]
category = "fit"
[[scores.fit.rules]]
name = "software"
when = 'attr.industry == "Software"'
points = 30

[scores.engagement]
[[scores.engagement.rules]]
name = "open"
on = "email_open"
points = 5
[[scores.engagement.rules]]
name = "engaged fit"
when = 'score("fit") >= 30 && events("email_open").count() > 0'
points = 10

[stages.lead]
expr = 'score("fit") + score("engagement")'
levels = [{{ name = "lead" }}, {{ name = "mql", from = 40 }}, {{ name = "sql", from = 60 }}]
"#
    );
    let rules = compile(&toml);
    let facts = people();
    let table = rules.score_all(&facts, ts("2024-03-01"));
    assert_eq!(
        table
            .value(0, rules.score_index("engagement").unwrap())
            .to_f64(),
        15.0
    );
    assert_eq!(
        table.value(0, rules.score_index("fit").unwrap()).to_f64(),
        30.0
    );
    let stage = rules.stage_index("lead").unwrap();
    assert_eq!(
        rules.level_name(stage, table.level(0, stage).unwrap()),
        "mql"
    );
    assert_eq!(
        rules.level_name(stage, table.level(1, stage).unwrap()),
        "lead"
    );
    // Fit was 30 from the start; the open on 25 Feb made her an MQL.
    let t = table.transitions(0);
    assert_eq!(t.len(), 2);
    assert_eq!(t[1].at, ts("2024-02-25 12:00:00"));
}
