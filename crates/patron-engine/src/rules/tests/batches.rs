//! Scoring in batches of customers (what `patron rules publish` does) gives every customer the
//! row of the whole batch, and the ledger summary adds up to the score.

use super::fixtures::{compile, ts};
use super::properties::{RANDOM_RULES, random_facts};
use crate::rules::{Points, summarise_ledger};

#[test]
fn batches_of_customers_equal_the_whole_run() {
    let rules = compile(RANDOM_RULES);
    let facts = random_facts(5, 230);
    let as_of = ts("2024-11-01");
    let all = rules.score_all_threads(&facts, as_of, 3);
    for (size, threads) in [(1, 1), (17, 2), (100, 3), (229, 4), (1000, 2)] {
        let mut start = 0;
        while start < facts.customers.len() {
            let end = (start + size).min(facts.customers.len());
            let part = rules.score_customers(&facts, start..end, as_of, threads);
            assert_eq!(part.len(), end - start);
            for c in 0..part.len() {
                assert_eq!(
                    part.customer(c),
                    all.customer(start + c),
                    "size {size}, customer {}",
                    start + c
                );
            }
            start = end;
        }
    }
    // Beyond the end: empty, not a panic.
    assert!(rules.score_customers(&facts, 500..600, as_of, 2).is_empty());
}

#[test]
fn ledger_summaries_add_up_to_the_scores() {
    let rules = compile(RANDOM_RULES);
    let facts = random_facts(9, 150);
    let table = rules.score_all(&facts, ts("2024-08-01"));
    let mut lines = 0;
    for c in 0..table.len() {
        let summary = summarise_ledger(table.ledger(c));
        lines += summary.len();
        for s in 0..rules.score_names().len() {
            let sum: Points = summary
                .iter()
                .filter(|l| l.score as usize == s)
                .map(|l| l.points)
                .sum();
            assert_eq!(sum, table.value(c, s), "customer {c} score {s}");
        }
        let entries: u32 = summary.iter().map(|l| l.entries).sum();
        assert_eq!(entries as usize, table.ledger(c).len());
    }
    assert!(lines < table.ledger_len(), "{lines} {}", table.ledger_len());
}
