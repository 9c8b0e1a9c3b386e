//! Property tests of the rule language on generated input (issue 11, fuzz targets): arbitrary
//! condition text, and arbitrary (mostly almost valid) rule configurations, are parsed,
//! type-checked and — when they compile — scored on a few customers. Nothing may panic, and
//! every error must point into the text it was found in.
//!
//! `PATRON_FUZZ_CASES=1000000 cargo test -p patron-engine --lib fuzz` for a long run (see the
//! README); `PATRON_FUZZ_SEED` changes the stream.

use super::fixtures::{FactsBuilder, SHOE_SHOP, ts};
use crate::rules::{RuleSet, parse_expr};
use patron_core::config::{ConfigError, ProjectConfig};
use patron_core::facts::Facts;
use patron_core::fuzz::{Gen, cases, run};
use patron_core::model::AttrValue;
use std::path::Path;

/// Pieces of the condition language, valid and almost valid.
const CONDITION_WORDS: &[&str] = &[
    "orders.count(",
    "orders.count(last 90d)",
    "revenue(last 365d)",
    "revenue(category = \"Shoes\")",
    "events(\"email_open\").count(last 3mo)",
    "events(",
    "tickets.count(last 90d)",
    "days_since_last_order",
    "days_since_last_event(\"page_view\")",
    "score(\"engagement\")",
    "score(\"x\")",
    "attr.country",
    "attr.`annual revenue`",
    "attr.employees",
    "customer.age_days",
    "customer.consent_marketing",
    "event.type",
    "event.url",
    "event.properties.campaign",
    "order.contains(category = \"Shoes\")",
    "order.revenue()",
    "has(",
    "lower(",
    "starts_with(",
    "days_since(",
    "last",
    "in",
    "[",
    "]",
    "(",
    ")",
    ",",
    ".",
    "&&",
    "||",
    "!",
    "==",
    "!=",
    "<",
    "<=",
    ">",
    ">=",
    "=~",
    "=",
    "+",
    "-",
    "*",
    "/",
    "0",
    "2.5",
    "1e308",
    "-1e308",
    "30d",
    "6mo",
    "1y",
    "12h",
    "2w",
    "0d",
    "99999999999999999999d",
    "\"Shoes\"",
    "'x'",
    "\"/pricing*\"",
    "\"",
    "'",
    "`",
    "true",
    "false",
];

/// Valid conditions to mutate.
const CONDITIONS: &[&str] = &[
    "orders.count(last 6mo) == 0",
    "revenue(last 1y) > 250 && attr.country == \"DE\"",
    "events(\"email_open\").count(last 3mo) == 0 || !customer.consent_marketing",
    "order.contains(category = \"Shoes\")",
    "event.url =~ \"/pricing*\"",
    "attr.country in [\"DE\", \"AT\"]",
    "score(\"engagement\") >= 30",
    "days_since_last_order > 180",
    "(revenue(last 90d) - revenue(last 30d)) / 2 > -1.5",
    "has(attr.country) && lower(attr.country) == \"de\"",
    "starts_with(attr.country, \"D\")",
    "days_since(attr.signup) < 30",
];

/// Facts for the compiled rule sets: customers with orders, events of the common types, tickets
/// and attributes (one without anything).
fn facts() -> Facts {
    let mut f = FactsBuilder::default();
    let a = f.customer("a", "2024-01-01");
    f.attr(a, "country", AttrValue::Text("DE".into()));
    f.attr(a, "employees", AttrValue::Number(12.0));
    f.order(a, "2024-02-01 10:00:00", "A1", "Shoes", 120.0);
    f.order(a, "2024-02-01 10:00:00", "A1", "Accessories", -30.0);
    f.order(a, "2024-06-01 10:00:00", "A2", "Shoes", 1e12);
    for (i, t) in ["page_view", "email_open", "share", "order", "shaer", "x"]
        .iter()
        .enumerate()
    {
        f.event(a, &format!("2024-0{}-02 09:00:00", i + 1), t);
        f.event(a, &format!("2024-0{}-02 09:00:00", i + 1), t);
    }
    f.ticket(a, "2024-03-01");
    let b = f.customer("b", "2023-06-01");
    f.attr(b, "country", AttrValue::Text("AT".into()));
    f.event(b, "2023-07-01 00:00:00", "page_view");
    f.customer("c", "2024-12-31");
    f.build()
}

/// TOML basic-string escaping, so any text becomes one valid string value.
fn toml_string(text: &str) -> String {
    let mut out = String::from("\"");
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if c.is_control() => out.push_str(&format!("\\u{:04X}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// A condition: random text, random tokens, a mutated valid one, or a deeply nested one.
fn condition(g: &mut Gen) -> String {
    match g.below(9) {
        6..=8 => g.pick(CONDITIONS).to_owned(),
        0 => g.text(60),
        1 | 2 => g.tokens(CONDITION_WORDS, 14),
        3 | 4 => {
            let base = g.pick(CONDITIONS);
            g.mutate(base, CONDITION_WORDS)
        }
        _ => {
            let depth = g.below(200);
            let (open, close) = *g.pick(&[
                &("(", ")"),
                &("!", ""),
                &("-", ""),
                &("has(", ")"),
                &("lower(", ")"),
                &("[", "]"),
            ]);
            g.nested(open, "attr.country", close, depth)
        }
    }
}

/// A string value as written in `patron.toml`: usually a literal string (so expression
/// positions map into the file exactly), otherwise an escaped basic one.
fn value(g: &mut Gen, text: &str) -> String {
    let literal = !text.contains('\'') && !text.chars().any(|c| c.is_control() && c != '\t');
    if literal && g.chance(0.7) {
        format!("'{text}'")
    } else {
        toml_string(text)
    }
}

/// A number for `patron.toml`: mostly a valid TOML number (sometimes a huge one), now and then
/// arbitrary text.
fn toml_number(g: &mut Gen) -> String {
    match g.below(10) {
        0..=5 => format!("{}", g.below(200) as i64 - 50),
        6 => format!("{:.3}", (g.below(1_000_000) as f64 - 5e5) / 7.0),
        7 => g
            .pick(&[
                "1e12",
                "1e300",
                "-1e300",
                "9223372036854775807",
                "0.000001",
                "inf",
                "nan",
            ])
            .to_owned(),
        _ => g.number(),
    }
}

fn pick_word(g: &mut Gen, words: &[&str]) -> String {
    if g.chance(0.05) {
        g.text(8)
    } else {
        g.pick(words).to_owned()
    }
}

/// A rule configuration with one to three scores, a stage and a trigger, each part valid,
/// almost valid or arbitrary.
fn rules_toml(g: &mut Gen) -> String {
    let scores = ["engagement", "fit", "x"];
    let events = ["page_view", "email_open", "order", "share", "shaer", ""];
    let durations = [
        "1d", "1h", "1w", "1mo", "1y", "1d", "1h", "1w", "1mo", "1y", "180d", "30d", "0d", "7x",
    ];
    let mut t = String::from(
        "[project]\nname = \"fuzz\"\n\n[sources.c]\npath = \"c.csv\"\nentity = \"customers\"\n\n[sources.c.columns]\ncustomer_id = \"id\"\n\n[sources.c.attributes]\ncountry = \"country\"\nemployees = { column = \"employees\", type = \"number\" }\nsignup = { column = \"signup\", type = \"date\" }\n\n",
    );
    let n_scores = 1 + g.below(3);
    for s in scores.iter().take(n_scores) {
        t.push_str(&format!("[scores.{s}]\ncategory = \"behaviour\"\n"));
        if g.chance(0.3) {
            let cap = toml_number(g);
            t.push_str(&format!("cap = {cap}\n"));
        }
        if g.chance(0.3) {
            let d = pick_word(g, &durations);
            let decay = match g.below(3) {
                0 => format!("{{ half_life = {} }}", toml_string(&d)),
                1 => format!("{{ linear_per_day = {} }}", toml_number(g)),
                _ => format!("{{ window = {} }}", toml_string(&d)),
            };
            t.push_str(&format!("decay = {decay}\n"));
        }
        for r in 0..1 + g.below(3) {
            t.push_str(&format!(
                "\n[[scores.{s}.rules]]\nname = {}\n",
                toml_string(&format!("rule {r}"))
            ));
            if g.chance(0.5) {
                let on = pick_word(g, &events);
                t.push_str(&format!("on = {}\n", toml_string(&on)));
            }
            let has_on =
                t.ends_with("\"\n") && t.lines().last().is_some_and(|l| l.starts_with("on ="));
            if !has_on || g.chance(0.6) {
                let c = condition(g);
                t.push_str(&format!("when = {}\n", value(g, &c)));
            }
            if g.chance(0.1) {
                let per = pick_word(g, &durations);
                t.push_str(&format!(
                    "limit = {{ count = {}, per = {} }}\n",
                    g.below(3),
                    toml_string(&per)
                ));
            }
            let points = toml_number(g);
            t.push_str(&format!("points = {points}\n"));
        }
        t.push('\n');
    }
    if g.chance(0.6) {
        let score = pick_word(g, &scores);
        t.push_str(&format!(
            "[stages.life]\nscore = {}\nlevels = [ {{ name = \"lead\" }}, {{ name = \"mql\", from = {} }}, {{ name = \"sql\", from = {} }} ]\n",
            toml_string(&score),
            if g.chance(0.8) { g.below(30).to_string() } else { toml_number(g) },
            30 + g.below(100)
        ));
        if g.chance(0.3) {
            t.push_str("forward_only = true\n");
        }
        if g.chance(0.6) {
            let level = pick_word(g, &["mql", "sql", "lead", "SQLL"]);
            t.push_str(&format!(
                "\n[[triggers]]\nname = \"t\"\nstage = \"life\"\nenters = {}\naction = \"webhook:crm\"\n",
                toml_string(&level)
            ));
        }
    }
    t
}

/// How many configurations ended where: not parsed, not compiled, compiled and scored.
#[derive(Debug, Default)]
struct Outcomes {
    invalid: u64,
    rejected: u64,
    scored: u64,
}

/// Checks one configuration: a parse error names a line and column inside the text; compile
/// errors point into the text and render; a rule set that compiles scores the customers.
fn check_config(text: &str, facts: &Facts, seen: &mut Outcomes) {
    let lines = text.split('\n').count();
    let config = match ProjectConfig::parse(text, Path::new("patron.toml")) {
        Ok(config) => config,
        Err(ConfigError::Invalid { line, column, .. }) => {
            assert!(
                (1..=lines).contains(&line) && column >= 1,
                "error at {line}:{column} outside the text"
            );
            seen.invalid += 1;
            return;
        }
        Err(other) => panic!("unexpected error {other}"),
    };
    match RuleSet::compile(&config.rules()) {
        Err(errors) => {
            assert!(!errors.is_empty(), "an error without a message");
            for e in &errors {
                assert!(e.offset <= text.len(), "offset {} past the text", e.offset);
                let rendered = e.render("patron.toml", text);
                let (line, column) = e.line_col(text);
                assert!((1..=lines).contains(&line) && column >= 1, "{rendered}");
                assert!(!e.message.is_empty());
            }
            seen.rejected += 1;
        }
        Ok(rules) => {
            seen.scored += 1;
            for as_of in ["2024-06-15", "2100-01-01", "1970-01-02"] {
                let table = rules.score_all_threads(facts, ts(as_of), 1);
                for c in 0..facts.customers.len() {
                    let row = table.customer(c);
                    assert_eq!(row.values.len(), rules.score_names().len());
                }
            }
        }
    }
}

#[test]
fn arbitrary_condition_text_never_panics_and_errors_point_into_it() {
    let n = run("rule conditions", cases(20_000), |g| {
        let text = condition(g);
        g.note(text.clone());
        if let Err(e) = parse_expr(&text) {
            assert!(e.offset <= text.len(), "offset {} past the text", e.offset);
            assert!(
                text.is_char_boundary(e.offset),
                "offset {} inside a character",
                e.offset
            );
            assert!(!e.message.is_empty());
        }
    });
    assert!(n > 0);
}

#[test]
fn arbitrary_rule_configurations_never_panic() {
    let facts = facts();
    let mut seen = Outcomes::default();
    let n = run("rule configurations", cases(1_500), |g| {
        let mut text = rules_toml(g);
        if g.chance(0.1) {
            text = g.mutate(&text, &["\n[scores.x]\n", "'", "\"", "[[", "]]", "="]);
        }
        g.note(text.clone());
        check_config(&text, &facts, &mut seen);
    });
    // Every path is exercised: some inputs do not parse, some do not compile, some score.
    eprintln!("{n} cases: {seen:?}");
    assert!(
        seen.invalid > 0 && seen.rejected > 0 && seen.scored > 0,
        "{seen:?}"
    );
}

#[test]
fn mutated_shoe_shop_rules_never_panic() {
    let facts = facts();
    let mut seen = Outcomes::default();
    let n = run("shoe shop mutations", cases(1_000), |g| {
        let mut text = SHOE_SHOP.to_owned();
        for _ in 0..1 + g.below(3) {
            // Mutate a condition rather than TOML structure most of the time.
            let at = text
                .match_indices("when = '")
                .map(|(i, _)| i)
                .collect::<Vec<_>>();
            if !at.is_empty() && g.chance(0.7) {
                let start = at[g.below(at.len())] + "when = '".len();
                let end = start + text[start..].find('\'').unwrap_or(0);
                let cond = g.mutate(&text[start..end], CONDITION_WORDS);
                let cond = cond.replace(['\'', '\n', '\r'], " ");
                text.replace_range(start..end, &cond);
            } else {
                text = g.mutate(&text, &["\n", "'", "\"", "[[", "]]", "= -1e400"]);
            }
        }
        g.note(text.clone());
        check_config(&text, &facts, &mut seen);
    });
    // Every path is exercised: some inputs do not parse, some do not compile, some score.
    eprintln!("{n} cases: {seen:?}");
    assert!(
        seen.invalid > 0 && seen.rejected > 0 && seen.scored > 0,
        "{seen:?}"
    );
}

/// Found by [`arbitrary_rule_configurations_never_panic`]: an escaped condition whose escapes
/// make it exactly as much longer in the file as a multi-line string's quotes, so its error was
/// mapped into the middle of a character of the file, and placing it there panicked.
#[test]
fn an_error_mapped_inside_a_character_of_the_file_still_renders() {
    let text = "[scores.s]\ncategory = \"behaviour\"\n\n[[scores.s.rules]]\nname = \"r\"\nwhen = \"\u{19371} 2.5\\u000D1 \"\npoints = 1\n";
    let config = ProjectConfig::parse(text, Path::new("patron.toml")).unwrap();
    let errors = RuleSet::compile(&config.rules()).unwrap_err();
    let rendered = errors[0].render("patron.toml", text);
    assert!(rendered.starts_with("patron.toml:6:"), "{rendered}");
}

/// The tree-depth limit that the filter language needed (a chain of 400 operators overflowed
/// its checker's stack, see the engine's integration tests) holds for rules too, since they
/// share the parser: 450 chained operators (900 tokens, within the token limit) are an error.
#[test]
fn a_rule_with_a_long_chain_of_operators_is_an_error() {
    let chain = vec!["true"; 450].join(" || ");
    let text = format!(
        "[scores.s]\ncategory = \"behaviour\"\n\n[[scores.s.rules]]\nname = \"r\"\nwhen = '{chain}'\npoints = 1\n"
    );
    let config = ProjectConfig::parse(&text, Path::new("patron.toml")).unwrap();
    let errors = RuleSet::compile(&config.rules()).unwrap_err();
    assert!(
        errors[0].message.contains("operators in a row"),
        "{}",
        errors[0]
    );
}
