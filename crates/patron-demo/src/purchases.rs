//! When a customer buys: a BG/NBD process with heterogeneity. Each customer has a purchase rate
//! λ ~ Gamma(0.8, ·) and a dropout probability p ~ Beta(0.8, 6); after every purchase they
//! leave for good with probability p. Seasonality thins the process: November and December
//! run at 1.6 × λ, summer at 0.8 × λ.

use crate::calendar::month_of;
use crate::draw::at_daytime;
use crate::person::Segment;
use patron_core::Timestamp;
use patron_core::random::Rng;

/// Seconds in an average year.
pub const YEAR_SECS: f64 = 365.25 * 86_400.0;

/// The largest seasonal factor (the thinning envelope).
const PEAK_FACTOR: f64 = 1.6;

/// Gamma shape of the purchase rate.
const RATE_SHAPE: f64 = 0.8;

/// A customer's latent buying behaviour.
#[derive(Debug, Clone, Copy)]
pub struct Propensity {
    /// Purchases per year while active (λ).
    pub rate: f64,
    /// Probability of dropping out after each purchase (p).
    pub dropout: f64,
}

impl Propensity {
    /// A regular customer: about 5 orders a year for consumers, 8 for businesses.
    pub fn draw(rng: &mut Rng, segment: Segment) -> Self {
        let mean = match segment {
            Segment::B2c => 5.0,
            Segment::B2b => 8.0,
        };
        Propensity {
            rate: rng.gamma(RATE_SHAPE, mean / RATE_SHAPE),
            dropout: rng.beta(0.8, 6.0),
        }
    }

    /// A second account of someone who already is a customer: rarely used.
    pub fn hesitant(rng: &mut Rng) -> Self {
        Propensity {
            rate: rng.gamma(RATE_SHAPE, 0.6 / RATE_SHAPE),
            dropout: rng.beta(2.0, 3.0),
        }
    }
}

/// The seasonal factor of the purchase rate in a month.
pub fn seasonality(month: u32) -> f64 {
    match month {
        11 | 12 => PEAK_FACTOR,
        6..=8 => 0.8,
        _ => 1.0,
    }
}

/// Fills `times` with the purchases (sorted; the first at `first`) before `end`, and returns
/// the dropout time (the last purchase) if the customer dropped out before `end`.
pub fn simulate(
    rng: &mut Rng,
    propensity: Propensity,
    first: Timestamp,
    end: Timestamp,
    times: &mut Vec<Timestamp>,
) -> Option<Timestamp> {
    times.clear();
    if first >= end {
        return None;
    }
    times.push(first);
    let envelope = propensity.rate * PEAK_FACTOR / YEAR_SECS;
    let mut t = first.secs() as f64;
    let dropped = loop {
        if rng.chance(propensity.dropout) {
            break true;
        }
        match next_purchase(rng, envelope, t, end) {
            Some(next) => {
                t = next;
                let at = at_daytime(rng, Timestamp::from_secs(t as i64), end);
                times.push(at.max(first));
            }
            None => break false,
        }
    };
    times.sort_unstable();
    dropped.then(|| times[times.len() - 1])
}

/// The next accepted candidate of the thinned process after `t`, if before `end`.
fn next_purchase(rng: &mut Rng, envelope: f64, mut t: f64, end: Timestamp) -> Option<f64> {
    loop {
        t += rng.exponential(envelope);
        if !t.is_finite() || t >= end.secs() as f64 {
            return None;
        }
        let month = month_of(Timestamp::from_secs(t as i64));
        if rng.chance(seasonality(month) / PEAK_FACTOR) {
            return Some(t);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn purchases_are_sorted_and_bounded() {
        let mut rng = Rng::seeded(5);
        let mut times = Vec::new();
        let (first, end) = (
            Timestamp::from_secs(0),
            Timestamp::from_secs(3 * YEAR_SECS as i64),
        );
        let mut total = 0;
        for _ in 0..2000 {
            let p = Propensity {
                rate: 6.0,
                dropout: 0.0,
            };
            assert!(simulate(&mut rng, p, first, end, &mut times).is_none());
            assert!(times.windows(2).all(|w| w[0] <= w[1]) && times[times.len() - 1] < end);
            total += times.len();
        }
        let mean = total as f64 / 2000.0;
        assert!((17.0..21.0).contains(&mean), "{mean}");
        let p = Propensity {
            rate: 6.0,
            dropout: 1.0,
        };
        assert_eq!(simulate(&mut rng, p, first, end, &mut times), Some(first));
    }
}
