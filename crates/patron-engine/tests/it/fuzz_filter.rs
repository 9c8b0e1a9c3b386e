//! Property tests of the card-filter language (`--where`, `[segments]`, `[[actions]]`) on
//! generated input (issue 11, fuzz targets): arbitrary text is compiled, and every condition
//! that compiles is evaluated on real cards. Nothing may panic, and every error names a column
//! inside the text.
//!
//! `PATRON_FUZZ_CASES=1000000 cargo test -p patron-engine --test it fuzz` for a long run (see
//! the README); `PATRON_FUZZ_SEED` changes the stream.

use patron_core::Timestamp;
use patron_core::config::ProjectConfig;
use patron_core::fuzz::{Gen, cases, run};
use patron_engine::scorecard::{
    Card, CardFilter, ChurnInput, CustomerInputs, Settings, build_context, cards,
};
use std::path::Path;

/// Pieces of the filter language, valid and almost valid.
const WORDS: &[&str] = &[
    "tier",
    "status",
    "portfolio",
    "value_score",
    "churn_risk",
    "clv",
    "p_alive",
    "potential",
    "revenue",
    "margin",
    "orders",
    "days_since_last_order",
    "rfm_segment",
    "abc",
    "payment_risk",
    "offer",
    "lead",
    "profiling",
    "alarms",
    "customer_id",
    "action",
    "stage.life",
    "score.fit",
    "score.",
    "stage.",
    "alarm.valuable_at_risk",
    "alarm.sleeper",
    "alarm.",
    "level(\"SQL\")",
    "level(",
    "level(1)",
    "has(",
    "has(clv)",
    "(",
    ")",
    "[",
    "]",
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
    "in",
    "\"VIP\"",
    "'Standard'",
    "\"*\"",
    "\"",
    "'",
    "`",
    "0",
    "0.3",
    "1e308",
    "-1e308",
    "30d",
    "true",
    "false",
];

/// Valid conditions to mutate.
const CONDITIONS: &[&str] = &[
    "tier == \"VIP\" && churn_risk > 0.3",
    "alarm.sleeper && clv > 100",
    "tier in [\"VIP\", \"Premium\"] || value_score >= 90",
    "has(clv) && !lead",
    "customer_id =~ \"C00*\"",
    "(revenue - margin) / orders > 2.5",
    "stage.life == \"SQL\" || level(\"MQL\")",
    "score.fit >= 30 && -p_alive < -0.5",
];

fn day(d: i64) -> Timestamp {
    Timestamp::from_secs(d * 86_400)
}

/// Cards of a small population: buyers, a lead, a customer without profiling consent, and
/// one with missing values.
fn sample_cards() -> Vec<Card> {
    let config = ProjectConfig::parse("", Path::new("patron.toml")).unwrap();
    let settings = Settings::compile(&config).unwrap();
    let mut all: Vec<CustomerInputs> = (0..40)
        .map(|i| {
            let x = i as f64;
            let id = patron_core::ids::CustomerId::parse(&format!("C{i:05}")).unwrap();
            CustomerInputs {
                customer_id: id.clone(),
                profiling_allowed: i != 3,
                marketing_allowed: true,
                revenue: 100.0 + 10.0 * x,
                margin: 30.0 + 3.0 * x,
                orders: (i % 5) as u32,
                last_order: Some(day(1000 - i)),
                days_since_last_order: Some(i as f64),
                tenure_days: 100.0 + x,
                clv: (i % 7 != 0).then_some(50.0 + 7.0 * x),
                p_alive: Some(0.5),
                churn: Some(ChurnInput {
                    risk: (i % 10) as f64 / 10.0,
                    source: "test".into(),
                    reasons: vec![],
                }),
                ..CustomerInputs::new(id)
            }
        })
        .collect();
    let lead = patron_core::ids::CustomerId::parse("L0").unwrap();
    all.push(CustomerInputs {
        is_lead: true,
        profiling_allowed: true,
        ..CustomerInputs::new(lead)
    });
    let ctx = build_context(&all, &settings, day(1001), &[]);
    cards(&all, &ctx, &settings)
}

/// A condition: random text, random tokens, a mutated valid one, a valid one, or a deeply
/// nested or very long one.
fn condition(g: &mut Gen) -> String {
    match g.below(8) {
        0 => g.text(50),
        1 | 2 => g.tokens(WORDS, 12),
        3 | 4 => {
            let base = g.pick(CONDITIONS);
            g.mutate(base, WORDS)
        }
        5 => g.pick(CONDITIONS).to_owned(),
        6 => {
            let depth = g.below(300);
            let (open, close) = *g.pick(&[
                &("(", ")"),
                &("!", ""),
                &("-", ""),
                &("has(", ")"),
                &("level(", ")"),
            ]);
            g.nested(open, "lead", close, depth)
        }
        _ => {
            let n = g.below(1_500);
            vec!["lead"; n + 1].join(if g.chance(0.5) { " || " } else { " && " })
        }
    }
}

fn check(text: &str, cards: &[Card]) -> bool {
    match CardFilter::compile(text) {
        Err(e) => {
            let chars = text.chars().count();
            assert!(
                (1..=chars + 1).contains(&e.column),
                "column {} outside a text of {chars} characters",
                e.column
            );
            assert!(!e.message.is_empty());
            false
        }
        Ok(filter) => {
            assert_eq!(filter.text(), text);
            let _matching = cards.iter().filter(|c| filter.matches(c)).count();
            true
        }
    }
}

#[test]
fn arbitrary_filter_text_never_panics_and_errors_name_a_column() {
    let cards = sample_cards();
    let mut compiled = 0u64;
    let n = run("card filters", cases(30_000), |g| {
        let text = condition(g);
        g.note(text.clone());
        compiled += u64::from(check(&text, &cards));
    });
    eprintln!("{n} cases, {compiled} compiled and evaluated");
    assert!(
        compiled > n / 20,
        "too few valid conditions: {compiled} of {n}"
    );
}

/// Found by the rule-language fuzz test (the filter shares its lexer): an unknown escape before
/// a multi-byte character put the error inside that character, and computing its column
/// panicked.
#[test]
fn an_unknown_escape_before_a_multibyte_character_is_an_error() {
    let e = CardFilter::compile("tier == 'a\\é'").unwrap_err();
    assert_eq!(e.column, 11, "{e}");
    assert!(e.message.contains("unknown escape"), "{e}");
}

/// Found by this fuzz test: `lead || lead || …` 400 times (within the token limit) nests the
/// syntax tree 400 deep, and checking it overflowed the test thread's 2 MiB stack (an abort,
/// not even a panic). Such chains are now an error; 100 terms still work.
#[test]
fn a_long_chain_of_operators_is_an_error_not_a_stack_overflow() {
    let e = CardFilter::compile(&vec!["lead"; 400].join(" || ")).unwrap_err();
    assert!(e.message.contains("operators in a row"), "{e}");
    let filter = CardFilter::compile(&vec!["lead"; 100].join(" || ")).unwrap();
    let cards = sample_cards();
    assert_eq!(cards.iter().filter(|c| filter.matches(c)).count(), 1);
}
