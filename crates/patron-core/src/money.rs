//! Exact money amounts and locale-aware number parsing.
//!
//! Money is a fixed-point integer of ten-thousandths of the project currency, so sums over
//! millions of order lines are exact and independent of summation order (and thus of threads).

use crate::ParseError;
use serde::{Deserialize, Serialize};
use std::fmt;
use std::iter::Sum;
use std::ops::{Add, AddAssign, Neg, Sub, SubAssign};

/// Number of money units per currency unit (4 decimal places).
pub const MONEY_SCALE: i64 = 10_000;

/// An amount of money in the project currency, exact to 1/10,000 of a unit. Arithmetic
/// saturates at the ends of the `i64` range instead of wrapping (input is limited to ±10¹²
/// units, see [`crate::limits`], so real sums never get there).
#[derive(
    Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize,
)]
#[serde(transparent)]
pub struct Money(i64);

impl Money {
    /// Zero.
    pub const ZERO: Money = Money(0);

    /// From raw ten-thousandths.
    pub const fn from_raw(units: i64) -> Self {
        Money(units)
    }
    /// Raw ten-thousandths.
    pub const fn raw(self) -> i64 {
        self.0
    }
    /// From a float amount, rounded half away from zero to 1/10,000 (saturating at the ends of
    /// the `i64` range; NaN is zero).
    pub fn from_f64(value: f64) -> Self {
        Money((value * MONEY_SCALE as f64).round() as i64)
    }
    /// The amount as a float (for models; never for sums that must be exact).
    pub fn to_f64(self) -> f64 {
        self.0 as f64 / MONEY_SCALE as f64
    }
    /// `self × factor`, rounded to 1/10,000 (e.g. quantity × unit price), saturating.
    pub fn times(self, factor: f64) -> Self {
        Money((self.0 as f64 * factor).round() as i64)
    }
    /// True when below zero.
    pub fn is_negative(self) -> bool {
        self.0 < 0
    }
}

impl fmt::Display for Money {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let sign = if self.0 < 0 { "-" } else { "" };
        let abs = self.0.unsigned_abs();
        let units = abs / MONEY_SCALE as u64;
        let frac = abs % MONEY_SCALE as u64;
        if frac.is_multiple_of(100) {
            write!(f, "{sign}{units}.{:02}", frac / 100)
        } else {
            write!(f, "{sign}{units}.{frac:04}")
        }
    }
}

impl Add for Money {
    type Output = Money;
    fn add(self, rhs: Money) -> Money {
        Money(self.0.saturating_add(rhs.0))
    }
}
impl AddAssign for Money {
    fn add_assign(&mut self, rhs: Money) {
        self.0 = self.0.saturating_add(rhs.0);
    }
}
impl Sub for Money {
    type Output = Money;
    fn sub(self, rhs: Money) -> Money {
        Money(self.0.saturating_sub(rhs.0))
    }
}
impl SubAssign for Money {
    fn sub_assign(&mut self, rhs: Money) {
        self.0 = self.0.saturating_sub(rhs.0);
    }
}
impl Neg for Money {
    type Output = Money;
    fn neg(self) -> Money {
        Money(self.0.saturating_neg())
    }
}
impl Sum for Money {
    fn sum<I: Iterator<Item = Money>>(iter: I) -> Money {
        // Summed in 128 bits, saturated once at the end.
        let total: i128 = iter.map(|m| i128::from(m.0)).sum();
        Money(total.clamp(i128::from(i64::MIN), i128::from(i64::MAX)) as i64)
    }
}

/// How numbers are written in a source: decimal separator and optional thousands separator.
/// `1.234,56` is `NumberFormat { decimal: ',', thousands: Some('.') }`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NumberFormat {
    /// The decimal separator, `.` or `,`.
    pub decimal: char,
    /// An optional grouping separator that is ignored, e.g. `.` in German or `,` in English.
    pub thousands: Option<char>,
}

impl Default for NumberFormat {
    fn default() -> Self {
        NumberFormat {
            decimal: '.',
            thousands: None,
        }
    }
}

impl NumberFormat {
    /// Parses an exact decimal into ten-thousandths: sign, digits, optional separator and up to
    /// four fraction digits (more are rounded half away from zero); scientific notation is
    /// accepted and rounded. A currency symbol or code around the number is not.
    pub fn parse_money(&self, raw: &str) -> Result<Money, ParseError> {
        let expected = || format!("an amount like {}", self.example());
        let text = raw.trim();
        let (negative, digits) = match text.as_bytes().first() {
            Some(b'-') => (true, &text[1..]),
            Some(b'+') => (false, &text[1..]),
            _ => (false, text),
        };
        if digits.is_empty() {
            return Err(ParseError::new(raw, expected()));
        }
        if digits.contains(['e', 'E']) {
            return self
                .parse_f64(raw)
                .map(Money::from_f64)
                .map_err(|_| ParseError::new(raw, expected()));
        }
        let mut int_part: i64 = 0;
        let mut frac_part: i64 = 0;
        let mut frac_digits = 0u32;
        let mut round_up = false;
        let mut seen_decimal = false;
        let mut seen_digit = false;
        for c in digits.chars() {
            if c.is_ascii_digit() {
                seen_digit = true;
                let d = i64::from(c as u8 - b'0');
                if !seen_decimal {
                    int_part = int_part
                        .checked_mul(10)
                        .and_then(|v| v.checked_add(d))
                        .filter(|v| *v <= i64::MAX / MONEY_SCALE)
                        .ok_or_else(|| ParseError::new(raw, crate::limits::money_range()))?;
                } else if frac_digits < 4 {
                    frac_part = frac_part * 10 + d;
                    frac_digits += 1;
                } else if frac_digits == 4 {
                    round_up = d >= 5;
                    frac_digits += 1;
                }
            } else if c == self.decimal && !seen_decimal {
                seen_decimal = true;
            } else if Some(c) == self.thousands && !seen_decimal {
                continue;
            } else {
                return Err(ParseError::new(raw, expected()));
            }
        }
        if !seen_digit {
            return Err(ParseError::new(raw, expected()));
        }
        let used = frac_digits.min(4);
        let units = int_part
            .checked_mul(MONEY_SCALE)
            .and_then(|u| u.checked_add(frac_part * 10i64.pow(4 - used)))
            .and_then(|u| u.checked_add(i64::from(round_up)))
            .ok_or_else(|| ParseError::new(raw, crate::limits::money_range()))?;
        Ok(Money(if negative { -units } else { units }))
    }

    /// Parses a number in this format (thousands separators dropped, decimal separator
    /// normalised), rejecting NaN and infinities.
    pub fn parse_f64(&self, raw: &str) -> Result<f64, ParseError> {
        let text = raw.trim();
        let normalised: std::borrow::Cow<'_, str> =
            if self.decimal == '.' && self.thousands.is_none() {
                text.into()
            } else {
                text.chars()
                    .filter(|c| Some(*c) != self.thousands)
                    .map(|c| if c == self.decimal { '.' } else { c })
                    .collect::<String>()
                    .into()
            };
        let bad = || ParseError::new(raw, format!("a number like {}", self.example()));
        // Rust accepts "inf", "nan" and "infinity"; a source value like that is an error.
        if normalised.is_empty()
            || normalised
                .bytes()
                .any(|b| b.is_ascii_alphabetic() && b != b'e' && b != b'E')
        {
            return Err(bad());
        }
        normalised
            .parse::<f64>()
            .ok()
            .filter(|v| v.is_finite())
            .ok_or_else(bad)
    }

    fn example(&self) -> String {
        match self.thousands {
            Some(t) => format!("1{t}234{}56", self.decimal),
            None => format!("1234{}56", self.decimal),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_money_exactly() {
        let en = NumberFormat::default();
        assert_eq!(en.parse_money("2.55").unwrap().raw(), 25_500);
        assert_eq!(en.parse_money("-0.001").unwrap().raw(), -10);
        assert_eq!(en.parse_money("12").unwrap().raw(), 120_000);
        assert_eq!(en.parse_money("0.00005").unwrap().raw(), 1);
        assert_eq!(en.parse_money("1e2").unwrap().raw(), 1_000_000);
        assert!(en.parse_money("12,5").is_err());
        assert!(en.parse_money("abc").is_err());
        assert!(en.parse_money("").is_err());
        assert!(en.parse_money("-").is_err());
        let de = NumberFormat {
            decimal: ',',
            thousands: Some('.'),
        };
        assert_eq!(de.parse_money("1.234,56").unwrap().raw(), 12_345_600);
        assert_eq!(de.parse_f64("1.234,5").unwrap(), 1234.5);
        assert!(de.parse_f64("nan").is_err());
    }

    #[test]
    fn the_largest_amounts_never_wrap() {
        let en = NumberFormat::default();
        // i64::MAX + 1 ten-thousandths: was stored as -922 trillion.
        assert!(en.parse_money("922337203685477.5808").is_err());
        assert!(en.parse_money("-922337203685477.5808").is_err());
        assert_eq!(
            en.parse_money("922337203685477.5807").unwrap().raw(),
            i64::MAX
        );
        let max = Money::from_raw(i64::MAX);
        assert_eq!((max + max).raw(), i64::MAX);
        assert_eq!((-max - max).raw(), i64::MIN);
        assert_eq!([max, max, -max].into_iter().sum::<Money>(), max);
        assert_eq!(Money::from_f64(1e300).raw(), i64::MAX);
    }

    #[test]
    fn displays_money() {
        assert_eq!(Money::from_raw(25_500).to_string(), "2.55");
        assert_eq!(Money::from_raw(-10).to_string(), "-0.0010");
        assert_eq!(Money::from_f64(3.0).times(2.0).to_string(), "6.00");
    }
}
