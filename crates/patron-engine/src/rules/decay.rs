//! Decay of event-rule points with their age: exponential (half-life), linear (points per day,
//! never past zero) or a time frame (full points while younger than the window, then nothing).
//! State rules do not decay: they hold as of a time or not.

use super::points::Points;
use patron_core::config::{Decay, Duration};
use patron_core::time::DAY;

/// A resolved decay.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum DecayFn {
    None,
    HalfLife(Duration),
    Linear(f64),
    Window(Duration),
}

impl From<&Decay> for DecayFn {
    fn from(d: &Decay) -> Self {
        match d {
            Decay::None => DecayFn::None,
            Decay::HalfLife(h) => DecayFn::HalfLife(h.clone()),
            Decay::Linear(r) => DecayFn::Linear(*r),
            Decay::Window(w) => DecayFn::Window(w.clone()),
        }
    }
}

impl DecayFn {
    /// `points` after `age` seconds.
    pub(crate) fn apply(&self, points: f64, age: i64) -> f64 {
        match self {
            DecayFn::None => points,
            DecayFn::HalfLife(h) => points * (-(age as f64) / h.secs() as f64).exp2(),
            DecayFn::Linear(per_day) => {
                let left = points.abs() - per_day * age as f64 / DAY as f64;
                if left > 0.0 {
                    points.signum() * left
                } else {
                    0.0
                }
            }
            DecayFn::Window(w) => {
                if age <= w.secs() {
                    points
                } else {
                    0.0
                }
            }
        }
    }

    /// For reasons: `half-life 30d`, `0.5 per day`, `window 365d`.
    pub(crate) fn describe(&self) -> String {
        match self {
            DecayFn::None => "no decay".into(),
            DecayFn::HalfLife(h) => format!("half-life {h}"),
            DecayFn::Linear(r) => format!("{} per day", Points::from_f64(*r)),
            DecayFn::Window(w) => format!("window {w}"),
        }
    }

    /// Canonical text for the rule-set version.
    pub(crate) fn canonical(&self) -> String {
        match self {
            DecayFn::None => "none".into(),
            DecayFn::HalfLife(h) => format!("half_life {}s", h.secs()),
            DecayFn::Linear(r) => format!("linear {r:?}"),
            DecayFn::Window(w) => format!("window {}s", w.secs()),
        }
    }
}

/// One award of an event rule: when, and which fact.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Award {
    pub(crate) at: i64,
    pub(crate) event: super::ledger::EventRef,
}

/// The decayed sum of one rule's awards, kept up to date as time moves forward so that replaying
/// a customer's history costs O(awards), not O(awards²). All awards of a rule carry the same
/// points, so awards leave a window or reach zero in the order they were made.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Accumulator {
    /// Awards folded into the running state.
    next: usize,
    /// First award still contributing (window and linear decay).
    lo: usize,
    /// Exponential: the decayed sum as of the previous call.
    sum: f64,
    /// Linear: sum of award times of the contributing awards.
    sum_at: f64,
}

impl Accumulator {
    /// The decayed total as of `t` of `awards` (all before `t`), each worth `points`. For a
    /// half-life, `carry` is the decay factor since the previous call (`0.5^(Δt / h)`); the
    /// caller computes it once per half-life for all rules, which saves most of the cost.
    #[inline]
    pub(crate) fn value(
        &mut self,
        decay: &DecayFn,
        points: f64,
        awards: &[Award],
        t: i64,
        carry: f64,
    ) -> f64 {
        let fresh = &awards[self.next.min(awards.len())..];
        self.next = awards.len();
        match decay {
            DecayFn::None => awards.len() as f64 * points,
            DecayFn::HalfLife(h) => {
                if self.sum != 0.0 {
                    self.sum *= carry;
                }
                let h = h.secs() as f64;
                for a in fresh {
                    self.sum += points * (-((t - a.at) as f64) / h).exp2();
                }
                self.sum
            }
            DecayFn::Window(w) => {
                while self.lo < awards.len() && t - awards[self.lo].at > w.secs() {
                    self.lo += 1;
                }
                (awards.len() - self.lo) as f64 * points
            }
            DecayFn::Linear(per_day) => {
                self.sum_at += fresh.iter().map(|a| a.at as f64).sum::<f64>();
                let life = points.abs() / per_day * DAY as f64;
                while self.lo < awards.len() && (t - awards[self.lo].at) as f64 >= life {
                    self.sum_at -= awards[self.lo].at as f64;
                    self.lo += 1;
                }
                let n = (awards.len() - self.lo) as f64;
                n * points - points.signum() * per_day * (n * t as f64 - self.sum_at) / DAY as f64
            }
        }
    }
}

/// `0.5^((t − since) / half_life)`: the factor a half-life decay applies over that interval.
pub(crate) fn carry(half_life: i64, since: i64, t: i64) -> f64 {
    (-(t.saturating_sub(since) as f64) / half_life as f64).exp2()
}

#[cfg(test)]
mod tests {
    use super::super::ledger::EventRef;
    use super::*;

    fn awards(times: &[i64]) -> Vec<Award> {
        times
            .iter()
            .map(|&at| Award {
                at,
                event: EventRef::Event(0),
            })
            .collect()
    }

    #[test]
    fn per_entry_decay() {
        let h = DecayFn::HalfLife(Duration::parse("30d").unwrap());
        assert_eq!(h.apply(8.0, 30 * DAY), 4.0);
        assert_eq!(h.apply(8.0, 60 * DAY), 2.0);
        let l = DecayFn::Linear(0.5);
        assert_eq!(l.apply(10.0, 4 * DAY), 8.0);
        assert_eq!(l.apply(-10.0, 4 * DAY), -8.0);
        assert_eq!(l.apply(10.0, 40 * DAY), 0.0);
        let w = DecayFn::Window(Duration::parse("7d").unwrap());
        assert_eq!(w.apply(3.0, 7 * DAY), 3.0);
        assert_eq!(w.apply(3.0, 7 * DAY + 1), 0.0);
    }

    #[test]
    fn accumulator_equals_sum_of_entries() {
        let decays = [
            DecayFn::None,
            DecayFn::HalfLife(Duration::parse("10d").unwrap()),
            DecayFn::Linear(0.7),
            DecayFn::Window(Duration::parse("5d").unwrap()),
        ];
        let times: Vec<i64> = (0..40).map(|i| i * 86_400 / 3 + i * i * 977).collect();
        for decay in &decays {
            for points in [5.0, -3.0] {
                let mut acc = Accumulator::default();
                let mut previous = 0;
                for k in 1..=times.len() {
                    let t = times[k - 1] + 3_600;
                    let list = awards(&times[..k]);
                    let direct: f64 = list.iter().map(|a| decay.apply(points, t - a.at)).sum();
                    let factor = carry(10 * DAY, previous, t);
                    previous = t;
                    let running = acc.value(decay, points, &list, t, factor);
                    assert!(
                        (direct - running).abs() < 1e-9,
                        "{decay:?} {k}: {direct} vs {running}"
                    );
                }
            }
        }
    }
}
