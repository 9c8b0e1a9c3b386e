//! Group caps, then the score's cap and floor. A cut is itself a ledger entry (the correction),
//! so the entries still add up exactly to the score.

use super::ledger::{Bound, EntryKind, LedgerEntry};
use super::points::Points;
use super::ruleset::Score;
use patron_core::Timestamp;

/// Applies group bounds to `groups` (sums per group) and the score's bounds to the total,
/// appending an entry for every cut; returns the score.
pub(crate) fn bound_exact(
    score: &Score,
    index: u32,
    groups: &[Points],
    ungrouped: Points,
    at: Timestamp,
    out: &mut Vec<LedgerEntry>,
) -> Points {
    let mut total = ungrouped;
    for (g, (group, &sum)) in score.groups.iter().zip(groups).enumerate() {
        total += clamp(sum, group.cap, group.floor, |bound, limit| {
            out.push(entry(index, Some(g as u32), bound, sum, limit, at));
        });
    }
    clamp(total, score.cap, score.floor, |bound, limit| {
        out.push(entry(index, None, bound, total, limit, at));
    })
}

fn entry(
    score: u32,
    group: Option<u32>,
    bound: Bound,
    sum: Points,
    limit: Points,
    at: Timestamp,
) -> LedgerEntry {
    LedgerEntry {
        score,
        kind: EntryKind::Bound { group, bound },
        points: limit - sum,
        original_points: sum,
        at,
    }
}

/// `sum` within `[floor, cap]`, reporting a cut.
fn clamp(
    sum: Points,
    cap: Option<Points>,
    floor: Option<Points>,
    mut cut: impl FnMut(Bound, Points),
) -> Points {
    if let Some(c) = cap.filter(|c| sum > *c) {
        cut(Bound::Cap, c);
        return c;
    }
    if let Some(f) = floor.filter(|f| sum < *f) {
        cut(Bound::Floor, f);
        return f;
    }
    sum
}

/// The same bounds on unrounded values (for replaying a history between facts).
pub(crate) fn bound_value(score: &Score, groups: &[f64], ungrouped: f64) -> f64 {
    let limit = |v: f64, cap: Option<Points>, floor: Option<Points>| {
        let v = cap.map_or(v, |c| v.min(c.to_f64()));
        floor.map_or(v, |f| v.max(f.to_f64()))
    };
    let total = ungrouped
        + score
            .groups
            .iter()
            .zip(groups)
            .map(|(g, &sum)| limit(sum, g.cap, g.floor))
            .sum::<f64>();
    limit(total, score.cap, score.floor)
}
