//! Points as exact fixed-point numbers: millionths of a point in an `i64`.
//!
//! Every ledger entry is rounded to a millionth once, and a score is the integer sum of its
//! entries, so "the entries add up to the score" holds exactly, in any order and on any number
//! of threads. Floats are only used inside one entry's computation (decay).

use serde::{Serialize, Serializer};
use std::fmt;
use std::iter::Sum;
use std::ops::{Add, AddAssign, Neg, Sub};

/// Millionths per point.
pub const POINTS_SCALE: i64 = 1_000_000;

/// Largest magnitude accepted from a float (far beyond any sensible score, and small enough that
/// sums of millions of entries cannot overflow).
const LIMIT: f64 = 1e12;

/// A number of points, exact to a millionth. Arithmetic saturates instead of wrapping (rule
/// points are limited to ±10⁶ by the configuration check, so real scores never get near it).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Points(i64);

impl Points {
    /// Zero points.
    pub const ZERO: Points = Points(0);

    /// From millionths.
    pub const fn from_micros(micros: i64) -> Self {
        Points(micros)
    }
    /// Millionths.
    pub const fn micros(self) -> i64 {
        self.0
    }
    /// Rounds a float to the nearest millionth (half away from zero); NaN counts as zero and
    /// magnitudes are limited to 10¹² points.
    pub fn from_f64(value: f64) -> Self {
        if value.is_nan() {
            return Points(0);
        }
        Points((value.clamp(-LIMIT, LIMIT) * POINTS_SCALE as f64).round() as i64)
    }
    /// As a float (for thresholds and display).
    pub fn to_f64(self) -> f64 {
        self.0 as f64 / POINTS_SCALE as f64
    }
    /// True when zero.
    pub fn is_zero(self) -> bool {
        self.0 == 0
    }
}

impl fmt::Display for Points {
    /// Shortest exact decimal: `20`, `-7`, `0.82`, `0.000001`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let sign = if self.0 < 0 { "-" } else { "" };
        let abs = self.0.unsigned_abs();
        let whole = abs / POINTS_SCALE as u64;
        let frac = abs % POINTS_SCALE as u64;
        if frac == 0 {
            return write!(f, "{sign}{whole}");
        }
        let digits = format!("{frac:06}");
        write!(f, "{sign}{whole}.{}", digits.trim_end_matches('0'))
    }
}

impl Serialize for Points {
    /// As a JSON number (the nearest double of the exact value).
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_f64(self.to_f64())
    }
}

impl Add for Points {
    type Output = Points;
    fn add(self, rhs: Points) -> Points {
        Points(self.0.saturating_add(rhs.0))
    }
}
impl AddAssign for Points {
    fn add_assign(&mut self, rhs: Points) {
        self.0 = self.0.saturating_add(rhs.0);
    }
}
impl Sub for Points {
    type Output = Points;
    fn sub(self, rhs: Points) -> Points {
        Points(self.0.saturating_sub(rhs.0))
    }
}
impl Neg for Points {
    type Output = Points;
    fn neg(self) -> Points {
        Points(self.0.saturating_neg())
    }
}
impl Sum for Points {
    fn sum<I: Iterator<Item = Points>>(iter: I) -> Points {
        let total: i128 = iter.map(|p| i128::from(p.0)).sum();
        Points(total.clamp(i128::from(i64::MIN), i128::from(i64::MAX)) as i64)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rounds_and_displays() {
        assert_eq!(Points::from_f64(0.8203125).micros(), 820_313);
        assert_eq!(Points::from_f64(-0.0000005).micros(), -1);
        assert_eq!(Points::from_f64(f64::NAN), Points::ZERO);
        assert_eq!(Points::from_f64(20.0).to_string(), "20");
        assert_eq!(Points::from_f64(-7.5).to_string(), "-7.5");
        assert_eq!(Points::from_micros(1).to_string(), "0.000001");
        assert_eq!(Points::from_micros(-820_313).to_string(), "-0.820313");
    }
}
