//! The ledger summarised per source: one line per (score, rule) — or per cap/floor — with the
//! number of entries, their points and their first and last time.
//!
//! A full ledger has about one entry per fact (50 million for 50 million events), which is too
//! much to keep for every published run; it is reproducible from the facts and the rule-set
//! version, so the store keeps this summary instead. Like the ledger, a customer's summary lines
//! of a score add up exactly to the score.

use super::ledger::{Bound, EntryKind, LedgerEntry};
use super::points::Points;
use patron_core::Timestamp;

/// What a summary line is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SummarySource {
    /// An event rule (global rule index): its awards for every matching fact.
    EventRule(u32),
    /// A state rule (global rule index) that holds as of the run.
    StateRule(u32),
    /// A cap or floor of a group (`Some(group index)`) or of the score (`None`).
    Bound(Option<u32>, Bound),
}

/// The entries of one score from one source, added up.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LedgerSummary {
    /// Score index.
    pub score: u32,
    /// The rule or bound.
    pub source: SummarySource,
    /// Number of ledger entries.
    pub entries: u32,
    /// Sum of their points (exact).
    pub points: Points,
    /// Sum of their points before decay (for bounds: the sum that was cut).
    pub original_points: Points,
    /// Earliest entry time.
    pub first_at: Timestamp,
    /// Latest entry time.
    pub last_at: Timestamp,
}

impl SummarySource {
    fn of(kind: EntryKind) -> Self {
        match kind {
            EntryKind::Event { rule, .. } => SummarySource::EventRule(rule),
            EntryKind::State { rule } => SummarySource::StateRule(rule),
            EntryKind::Bound { group, bound } => SummarySource::Bound(group, bound),
        }
    }
}

/// Summarises a customer's ledger: one line per (score, source), in order of first appearance
/// (the ledger is ordered by score, then rule, so that is score, then rule order).
pub fn summarise_ledger(entries: &[LedgerEntry]) -> Vec<LedgerSummary> {
    let mut out: Vec<LedgerSummary> = Vec::new();
    for e in entries {
        let source = SummarySource::of(e.kind);
        // Entries of one (score, source) are adjacent in a ledger; search back only if not.
        let line = match out.last_mut() {
            Some(l) if l.score == e.score && l.source == source => Some(l),
            _ => None,
        };
        let line = match line {
            Some(l) => l,
            None => match out
                .iter()
                .position(|l| l.score == e.score && l.source == source)
            {
                Some(i) => &mut out[i],
                None => {
                    out.push(LedgerSummary {
                        score: e.score,
                        source,
                        entries: 0,
                        points: Points::ZERO,
                        original_points: Points::ZERO,
                        first_at: e.at,
                        last_at: e.at,
                    });
                    out.last_mut().expect("just pushed")
                }
            },
        };
        line.entries += 1;
        line.points += e.points;
        line.original_points += e.original_points;
        line.first_at = line.first_at.min(e.at);
        line.last_at = line.last_at.max(e.at);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::EventRef;

    fn entry(score: u32, kind: EntryKind, micros: i64, at: i64) -> LedgerEntry {
        LedgerEntry {
            score,
            kind,
            points: Points::from_micros(micros),
            original_points: Points::from_micros(micros * 2),
            at: Timestamp::from_secs(at),
        }
    }

    #[test]
    fn lines_add_up_per_score_and_source() {
        let award = |rule, i| EntryKind::Event {
            rule,
            event: EventRef::Event(i),
        };
        let ledger = [
            entry(0, award(0, 0), 10, 100),
            entry(0, award(0, 1), 5, 50),
            entry(0, EntryKind::State { rule: 1 }, -3, 200),
            entry(0, award(0, 2), 1, 300),
            entry(
                0,
                EntryKind::Bound {
                    group: None,
                    bound: Bound::Cap,
                },
                -2,
                200,
            ),
            entry(1, award(2, 0), 7, 10),
        ];
        let s = summarise_ledger(&ledger);
        assert_eq!(s.len(), 4);
        assert_eq!(
            s[0],
            LedgerSummary {
                score: 0,
                source: SummarySource::EventRule(0),
                entries: 3,
                points: Points::from_micros(16),
                original_points: Points::from_micros(32),
                first_at: Timestamp::from_secs(50),
                last_at: Timestamp::from_secs(300),
            }
        );
        assert_eq!(s[1].source, SummarySource::StateRule(1));
        assert_eq!(s[2].source, SummarySource::Bound(None, Bound::Cap));
        assert_eq!((s[3].score, s[3].entries), (1, 1));
        let total = |score| -> Points {
            s.iter()
                .filter(|l| l.score == score)
                .map(|l| l.points)
                .sum()
        };
        assert_eq!(total(0), Points::from_micros(11));
        assert_eq!(total(1), Points::from_micros(7));
    }
}
