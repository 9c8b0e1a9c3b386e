//! The documented ranges of stored values. Input outside them is rejected at the edge (import,
//! feedback, `rules check`) with the value and the range, so nothing downstream has to cope with
//! a price of 922 trillion or a fact dated in the year 9999.
//!
//! | value | range |
//! |---|---|
//! | money (amount, unit price, cost, unit cost, invoice amount, acquisition cost) | ±10¹² currency units |
//! | quantity | ±10⁹ |
//! | fact times (every date and timestamp of a fact) | 1900-01-01 ≤ t < 2200-01-01 UTC |
//! | rule points | ±10⁶ per rule |
//! | score and group caps and floors | ±10⁹ |
//!
//! Sums of money over a customer or a store are kept in [`Money`]'s `i64` of ten-thousandths
//! (±9.2 × 10¹⁴ currency units); the arithmetic saturates instead of wrapping, and the store's
//! totals are summed in 128 bits.

use crate::{Money, Timestamp, money::MONEY_SCALE};

/// Largest magnitude of one money value, in currency units.
pub const MAX_MONEY_UNITS: i64 = 1_000_000_000_000;
/// Largest magnitude of one money value, in ten-thousandths.
pub const MAX_MONEY_RAW: i64 = MAX_MONEY_UNITS * MONEY_SCALE;
/// Largest magnitude of a quantity.
pub const MAX_QUANTITY: f64 = 1e9;
/// Largest magnitude of a rule's points.
pub const MAX_RULE_POINTS: f64 = 1e6;
/// Largest magnitude of a score's or group's cap or floor.
pub const MAX_SCORE_BOUND: f64 = 1e9;
/// The earliest fact time: 1900-01-01T00:00:00Z.
pub const FIRST_FACT_TIME: Timestamp = Timestamp::from_secs(-2_208_988_800);
/// The first time after the last allowed fact time: 2200-01-01T00:00:00Z.
pub const END_FACT_TIME: Timestamp = Timestamp::from_secs(7_258_118_400);

/// The money range in words, for messages.
pub fn money_range() -> String {
    "an amount between -1000000000000 and 1000000000000".into()
}

/// The quantity range in words.
pub fn quantity_range() -> String {
    "a quantity between -1000000000 and 1000000000".into()
}

/// The time range in words.
pub fn time_range() -> String {
    "a date from 1900-01-01 to before 2200-01-01".into()
}

/// True when `m` is within ±[`MAX_MONEY_UNITS`].
pub fn money_in_range(m: Money) -> bool {
    m.raw().unsigned_abs() <= MAX_MONEY_RAW as u64
}

/// True when `q` is finite and within ±[`MAX_QUANTITY`].
pub fn quantity_in_range(q: f64) -> bool {
    q.is_finite() && q.abs() <= MAX_QUANTITY
}

/// True when `t` is within [`FIRST_FACT_TIME`] ≤ t < [`END_FACT_TIME`].
pub fn time_in_range(t: Timestamp) -> bool {
    (FIRST_FACT_TIME..END_FACT_TIME).contains(&t)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bounds_are_the_documented_dates() {
        assert_eq!(FIRST_FACT_TIME.to_string(), "1900-01-01T00:00:00Z");
        assert_eq!(END_FACT_TIME.to_string(), "2200-01-01T00:00:00Z");
        assert!(time_in_range(FIRST_FACT_TIME));
        assert!(!time_in_range(END_FACT_TIME));
        assert!(!time_in_range(
            Timestamp::parse_flexible("9999-12-31").unwrap()
        ));
    }

    #[test]
    fn money_and_quantity_limits() {
        assert!(money_in_range(Money::from_raw(MAX_MONEY_RAW)));
        assert!(money_in_range(Money::from_raw(-MAX_MONEY_RAW)));
        assert!(!money_in_range(Money::from_raw(MAX_MONEY_RAW + 1)));
        assert!(!money_in_range(Money::from_raw(i64::MIN)));
        assert!(quantity_in_range(-1e9));
        assert!(!quantity_in_range(1e20));
        assert!(!quantity_in_range(f64::NAN));
    }
}
