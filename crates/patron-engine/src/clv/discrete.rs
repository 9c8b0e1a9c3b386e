//! BG/BB on a store's purchases: for businesses whose customers can only buy at discrete
//! opportunities — a yearly donation drive, seasonal renewals, events held at fixed times.
//!
//! Each buying customer's time is cut into opportunities of `length` days from their first
//! purchase (opportunity 0, the acquisition): opportunity `k` is the days
//! `[first + k·length, first + (k+1)·length)`. A customer has made a transaction at an
//! opportunity when they bought on any of its days; `n` counts the opportunities completed by
//! the end of the window, `x` those with a transaction and `t_x` the last of them — the
//! `(x, t_x, n)` of Fader, Hardie & Shang (2010).

use super::bgbb::{BgBb, BgBbData};
use super::{ClvError, FitResult};

/// A customer's opportunities: `x` transactions in `n` opportunities, the last at `t_x`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Opportunities {
    /// Opportunities with a purchase (after the first purchase's).
    pub x: u32,
    /// The last of them (0 when `x = 0`).
    pub t_x: u32,
    /// Opportunities completed by the end of the window.
    pub n: u32,
}

/// The opportunities of a customer from their purchase days (sorted, the first being the
/// first purchase; as [`crate::repeat_summary::summary_of`] leaves them), up to `end_day`
/// inclusive. `None` without a purchase.
pub fn opportunities(days: &[(i64, f64)], end_day: i64, length: u32) -> Option<Opportunities> {
    let first = days.first()?.0;
    let length = i64::from(length.max(1));
    let n = ((end_day - first + 1) / length - 1).max(0);
    let (mut x, mut t_x, mut last) = (0u32, 0u32, 0i64);
    for &(day, _) in &days[1..] {
        let k = (day - first) / length;
        if k >= 1 && k <= n && k != last {
            x += 1;
            t_x = k as u32;
            last = k;
        }
    }
    Some(Opportunities {
        x,
        t_x,
        n: n as u32,
    })
}

/// Fits BG/BB on the customers' opportunities.
pub fn fit(rows: &[Opportunities]) -> Result<(BgBb, FitResult), ClvError> {
    let data = BgBbData::new(
        rows.iter().map(|r| r.x).collect(),
        rows.iter().map(|r| r.t_x).collect(),
        rows.iter().map(|r| r.n).collect(),
        vec![1.0; rows.len()],
    )?;
    BgBb::fit(&data.grouped())
}

/// One customer's value under BG/BB.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct DiscreteValue {
    /// P(alive) at the next opportunity.
    pub p_alive: f64,
    /// Expected transactions in the opportunities of the next year.
    pub expected_year: f64,
    /// Expected transactions in the opportunities of the CLV horizon, each discounted to now
    /// at `annual_discount` per year (multiply by the expected spend for the CLV).
    pub discounted: f64,
}

/// The value of a customer with opportunities `o` over the next `months` months, discounted
/// at `annual_discount`, with opportunities of `length` days.
pub fn value(
    m: &BgBb,
    o: Opportunities,
    length: u32,
    months: u32,
    annual_discount: f64,
) -> DiscreteValue {
    let length = f64::from(length.max(1));
    // Opportunities starting within `days`: a year of 365.25 days holds one of 365 days, not two.
    let count = |days: f64| (days / length - 0.01).ceil().max(1.0) as u32;
    let expected = |k: u32| m.expected_transactions(k, o.x, o.t_x, o.n);
    let mut discounted = 0.0;
    let mut before = 0.0;
    for k in 1..=count(f64::from(months) * 365.25 / 12.0) {
        let upto = expected(k);
        let years = f64::from(k) * length / 365.25;
        discounted += (upto - before) / (1.0 + annual_discount).powf(years);
        before = upto;
    }
    DiscreteValue {
        p_alive: m.p_alive(o.x, o.t_x, o.n),
        expected_year: expected(count(365.25)),
        discounted,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn purchases_count_once_per_opportunity_after_the_first() {
        // First purchase on day 100; yearly opportunities: [465, 830), [830, 1195), ….
        let days = [(100, 5.0), (120, 1.0), (500, 2.0), (510, 3.0), (1300, 1.0)];
        let o = opportunities(&days, 1600, 365).unwrap();
        // Completed by day 1600: opportunities 1–3 (the 4th, from day 1560, is not over).
        assert_eq!(o, Opportunities { x: 2, t_x: 3, n: 3 });
        // Too new for a whole opportunity after the first.
        assert_eq!(
            opportunities(&[(100, 1.0)], 400, 365).unwrap(),
            Opportunities { x: 0, t_x: 0, n: 0 }
        );
        assert!(opportunities(&[], 400, 365).is_none());
    }

    #[test]
    fn the_donation_model_values_a_loyal_donor_above_a_lapsed_one() {
        let m = BgBb::new(1.204, 0.750, 0.657, 2.783).unwrap();
        let loyal = Opportunities { x: 6, t_x: 6, n: 6 };
        let lapsed = Opportunities { x: 1, t_x: 1, n: 6 };
        let v = value(&m, loyal, 365, 12, 0.1);
        let w = value(&m, lapsed, 365, 12, 0.1);
        assert!((v.p_alive - m.p_alive(6, 6, 6)).abs() < 1e-12);
        // One yearly opportunity in 12 months: the expected transaction discounted one year.
        let year = 365.0 / 365.25;
        let expected = m.expected_transactions(1, 6, 6, 6);
        assert!((v.discounted - expected / 1.1f64.powf(year)).abs() < 1e-12);
        assert_eq!(v.expected_year, expected);
        assert!(v.expected_year > w.expected_year && v.discounted > w.discounted);
    }
}
