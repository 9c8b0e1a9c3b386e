//! Stages: ordered levels over a score (or an expression of scores), with hysteresis and
//! forward-only movement, and the transitions a customer's history goes through.

use super::expr::NumExpr;
use super::ledger::EventRef;
use patron_core::Timestamp;

/// What a stage's value is.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum StageSource {
    Score(u32),
    Expr(NumExpr),
}

/// A level and its lowest value (the first level starts at −∞).
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Level {
    pub(crate) name: String,
    pub(crate) from: f64,
}

/// A compiled stage.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Stage {
    pub(crate) name: String,
    pub(crate) source: StageSource,
    pub(crate) levels: Vec<Level>,
    pub(crate) forward_only: bool,
    pub(crate) hysteresis: f64,
    /// Scores the value depends on (for finding a transition's cause).
    pub(crate) scores: Vec<u32>,
}

impl Stage {
    /// The level for `value` given the current level: up as soon as a threshold is reached;
    /// down only when the value falls `hysteresis` below the current level's threshold (and
    /// never with `forward_only`).
    pub(crate) fn next_level(&self, current: Option<u32>, value: f64) -> u32 {
        let reached = self
            .levels
            .iter()
            .rposition(|l| value >= l.from)
            .unwrap_or(0) as u32;
        let Some(current) = current else {
            return reached;
        };
        if reached >= current || self.forward_only {
            return reached.max(current);
        }
        let mut level = current;
        while level > reached && value < self.levels[level as usize].from - self.hysteresis {
            level -= 1;
        }
        level
    }
}

/// Why a customer moved to another level.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cause {
    /// The first level the customer was seen in.
    First,
    /// An event rule's award (the largest one in the direction of the move).
    Award {
        /// Global rule index.
        rule: u32,
        /// The fact.
        event: EventRef,
    },
    /// A state rule started or stopped holding.
    State {
        /// Global rule index.
        rule: u32,
        /// Whether it holds now.
        holds: bool,
    },
    /// Only time passed: decay, or an award leaving its window.
    Time,
}

/// A move between levels.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Transition {
    /// Stage index.
    pub stage: u32,
    /// Previous level (`None` for the first).
    pub from: Option<u32>,
    /// New level.
    pub to: u32,
    /// When: the time of the facts that caused it, or the as-of time of the run for changes
    /// caused by time alone (they are noticed when something looks).
    pub at: Timestamp,
    /// Why.
    pub cause: Cause,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lifecycle(hysteresis: f64, forward_only: bool) -> Stage {
        let level = |name: &str, from: f64| Level {
            name: name.into(),
            from,
        };
        Stage {
            name: "lifecycle".into(),
            source: StageSource::Score(0),
            levels: vec![
                level("inactive", f64::NEG_INFINITY),
                level("active", 0.0),
                level("ambassador", 45.0),
            ],
            forward_only,
            hysteresis,
            scores: vec![0],
        }
    }

    #[test]
    fn thresholds_and_hysteresis() {
        let s = lifecycle(5.0, false);
        assert_eq!(s.next_level(None, -1.0), 0);
        assert_eq!(s.next_level(None, 0.0), 1);
        assert_eq!(s.next_level(None, 45.0), 2);
        assert_eq!(s.next_level(Some(2), 41.0), 2);
        assert_eq!(s.next_level(Some(2), 39.9), 1);
        assert_eq!(s.next_level(Some(2), -5.0), 1);
        assert_eq!(s.next_level(Some(2), -5.1), 0);
        assert_eq!(s.next_level(Some(0), 50.0), 2);
        let f = lifecycle(0.0, true);
        assert_eq!(f.next_level(Some(2), -100.0), 2);
        assert_eq!(f.next_level(Some(0), 1.0), 1);
    }
}
