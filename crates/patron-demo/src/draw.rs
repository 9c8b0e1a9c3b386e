//! Small sampling helpers on top of [`Rng`]: weighted and uniform choice, ranges, log-normal
//! values and realistic times of day.

use patron_core::Timestamp;
use patron_core::random::Rng;
use patron_core::time::DAY;

/// One of `items`, with probability proportional to its weight.
pub fn weighted<T: Copy>(rng: &mut Rng, items: &[(T, f64)]) -> T {
    let total: f64 = items.iter().map(|(_, w)| w).sum();
    let mut x = rng.uniform() * total;
    for (item, w) in items {
        if x < *w {
            return *item;
        }
        x -= w;
    }
    items[items.len() - 1].0
}

/// One of `items`, with probability proportional to `weight(item)`.
pub fn weighted_by<'a, T>(rng: &mut Rng, items: &'a [T], weight: impl Fn(&T) -> f64) -> &'a T {
    let total: f64 = items.iter().map(&weight).sum();
    let mut x = rng.uniform() * total;
    for item in items {
        let w = weight(item);
        if x < w {
            return item;
        }
        x -= w;
    }
    &items[items.len() - 1]
}

/// One of `items`, uniformly.
pub fn one_of<T: Copy>(rng: &mut Rng, items: &[T]) -> T {
    items[rng.below(items.len() as u64) as usize]
}

/// Uniform in `[low, high)`.
pub fn between(rng: &mut Rng, low: f64, high: f64) -> f64 {
    low + (high - low) * rng.uniform()
}

/// Uniform integer in `low..=high`.
pub fn int_between(rng: &mut Rng, low: i64, high: i64) -> i64 {
    low + rng.below((high - low + 1) as u64) as i64
}

/// Log-normal with the given median and spread (standard deviation of the logarithm).
pub fn log_normal(rng: &mut Rng, median: f64, sigma: f64) -> f64 {
    median * (sigma * rng.normal()).exp()
}

/// A uniformly random instant in `[from, to)` (`from` when the interval is empty).
pub fn instant_between(rng: &mut Rng, from: Timestamp, to: Timestamp) -> Timestamp {
    let span = (to.secs() - from.secs()).max(0) as u64;
    if span == 0 {
        return from;
    }
    Timestamp::from_secs(from.secs() + rng.below(span) as i64)
}

/// `t` plus a number of seconds.
pub fn plus_secs(t: Timestamp, secs: f64) -> Timestamp {
    Timestamp::from_secs(t.secs() + secs.round() as i64)
}

/// Relative activity per hour of the day (UTC): quiet at night, peaks at noon and evening.
const HOURLY_ACTIVITY: [f64; 24] = [
    0.6, 0.3, 0.2, 0.15, 0.15, 0.3, 0.8, 1.6, 2.6, 3.4, 3.8, 4.0, //
    4.3, 4.1, 3.9, 3.8, 3.9, 4.2, 4.6, 5.0, 5.2, 4.6, 3.2, 1.6,
];

/// The same day as `t` at a realistic time of day; `t` itself if that would reach `end`.
pub fn at_daytime(rng: &mut Rng, t: Timestamp, end: Timestamp) -> Timestamp {
    let weights: [(i64, f64); 24] = std::array::from_fn(|h| (h as i64, HOURLY_ACTIVITY[h]));
    let hour = weighted(rng, &weights);
    let second = hour * 3600 + rng.below(3600) as i64;
    let moved = Timestamp::from_secs(t.day_number() * DAY + second);
    if moved < end { moved } else { t }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn helpers_stay_in_range() {
        let mut rng = Rng::seeded(1);
        for _ in 0..1000 {
            let x = int_between(&mut rng, 3, 5);
            assert!((3..=5).contains(&x));
            let t = at_daytime(
                &mut rng,
                Timestamp::from_secs(10 * DAY + 5),
                Timestamp::from_secs(11 * DAY),
            );
            assert_eq!(t.day_number(), 10);
        }
        assert_eq!(weighted(&mut rng, &[("a", 0.0), ("b", 1.0)]), "b");
    }
}
