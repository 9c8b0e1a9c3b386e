//! Civil (proleptic Gregorian, UTC) dates from day numbers and back, after Howard Hinnant's
//! `days_from_civil` / `civil_from_days`, and the two text formats the demo files use.

use patron_core::Timestamp;
use patron_core::time::DAY;
use std::fmt;

/// A calendar date.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Civil {
    /// The year, e.g. 2026.
    pub year: i64,
    /// 1–12.
    pub month: u32,
    /// 1–31.
    pub day: u32,
}

impl Civil {
    /// A date from its parts (not checked).
    pub const fn new(year: i64, month: u32, day: u32) -> Self {
        Civil { year, month, day }
    }

    /// Days since 1970-01-01 (negative before).
    pub fn day_number(self) -> i64 {
        let y = if self.month <= 2 {
            self.year - 1
        } else {
            self.year
        };
        let era = y.div_euclid(400);
        let year_of_era = y - era * 400;
        let m = i64::from(self.month);
        let shifted_month = if m > 2 { m - 3 } else { m + 9 };
        let day_of_year = (153 * shifted_month + 2) / 5 + i64::from(self.day) - 1;
        let day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
        era * 146_097 + day_of_era - 719_468
    }

    /// The date of a day number (days since 1970-01-01).
    pub fn from_day_number(days: i64) -> Self {
        let z = days + 719_468;
        let era = z.div_euclid(146_097);
        let day_of_era = z - era * 146_097;
        let year_of_era =
            (day_of_era - day_of_era / 1460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
        let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
        let shifted_month = (5 * day_of_year + 2) / 153;
        let day = (day_of_year - (153 * shifted_month + 2) / 5 + 1) as u32;
        let month = if shifted_month < 10 {
            shifted_month + 3
        } else {
            shifted_month - 9
        } as u32;
        let year = year_of_era + era * 400 + i64::from(month <= 2);
        Civil { year, month, day }
    }

    /// The date an instant falls on (UTC).
    pub fn of(t: Timestamp) -> Self {
        Civil::from_day_number(t.day_number())
    }

    /// Midnight UTC at the start of this date.
    pub fn midnight(self) -> Timestamp {
        Timestamp::from_secs(self.day_number() * DAY)
    }

    /// Day of the week, 0 = Sunday … 6 = Saturday.
    pub fn weekday(self) -> u32 {
        (self.day_number() + 4).rem_euclid(7) as u32
    }
}

/// The month (1–12) an instant falls in.
pub fn month_of(t: Timestamp) -> u32 {
    Civil::of(t).month
}

/// The same wall-clock time `years` calendar years earlier (29 February becomes 28 February).
pub fn years_before(t: Timestamp, years: u32) -> Timestamp {
    let date = Civil::of(t);
    let year = date.year - i64::from(years);
    let leap = year % 4 == 0 && (year % 100 != 0 || year % 400 == 0);
    let day = if date.month == 2 && date.day == 29 && !leap {
        28
    } else {
        date.day
    };
    let time_of_day = t.secs().rem_euclid(DAY);
    Timestamp::from_secs(Civil::new(year, date.month, day).midnight().secs() + time_of_day)
}

/// Displays an instant as `YYYY-MM-DD HH:MM:SS` (UTC).
#[derive(Debug, Clone, Copy)]
pub struct DateTime(pub Timestamp);

impl fmt::Display for DateTime {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let secs = self.0.secs().rem_euclid(DAY);
        let mut text = *b"0000-00-00 00:00:00";
        date_digits(Civil::of(self.0), &mut text);
        two_digits(&mut text[11..13], secs / 3600);
        two_digits(&mut text[14..16], secs / 60 % 60);
        two_digits(&mut text[17..19], secs % 60);
        f.write_str(std::str::from_utf8(&text).map_err(|_| fmt::Error)?)
    }
}

/// Displays the date of an instant as `YYYY-MM-DD` (UTC).
#[derive(Debug, Clone, Copy)]
pub struct Date(pub Timestamp);

impl fmt::Display for Date {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut text = *b"0000-00-00";
        date_digits(Civil::of(self.0), &mut text);
        f.write_str(std::str::from_utf8(&text).map_err(|_| fmt::Error)?)
    }
}

/// Writes `YYYY-MM-DD` into the first ten bytes (years 0–9999; these are hot paths, millions of
/// timestamps per file, so no formatting machinery).
fn date_digits(date: Civil, out: &mut [u8]) {
    let year = date.year.clamp(0, 9999);
    two_digits(&mut out[0..2], year / 100);
    two_digits(&mut out[2..4], year % 100);
    two_digits(&mut out[5..7], i64::from(date.month));
    two_digits(&mut out[8..10], i64::from(date.day));
}

fn two_digits(out: &mut [u8], value: i64) {
    out[0] = b'0' + (value / 10) as u8;
    out[1] = b'0' + (value % 10) as u8;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_dates() {
        assert_eq!(Civil::new(1970, 1, 1).day_number(), 0);
        assert_eq!(Civil::new(2000, 3, 1).day_number(), 11_017);
        assert_eq!(Civil::new(1969, 12, 31).day_number(), -1);
        assert_eq!(Civil::from_day_number(11_016), Civil::new(2000, 2, 29));
        assert_eq!(Civil::new(2026, 6, 30).weekday(), 2);
    }

    #[test]
    fn round_trips_and_agrees_with_core() {
        for days in (-800_000..800_000).step_by(97) {
            assert_eq!(Civil::from_day_number(days).day_number(), days);
        }
        for secs in (-2_000_000_000_i64..4_000_000_000).step_by(7_777_777) {
            let t = Timestamp::from_secs(secs);
            let core = t.to_string().replace('T', " ").replace('Z', "");
            assert_eq!(DateTime(t).to_string(), core);
            assert_eq!(Date(t).to_string(), core[..10]);
        }
    }

    #[test]
    fn years_before_handles_leap_days() {
        let t = Civil::new(2024, 2, 29).midnight();
        assert_eq!(Date(years_before(t, 1)).to_string(), "2023-02-28");
        let end = Timestamp::from_secs(Civil::new(2026, 6, 30).midnight().secs() + 3_600);
        assert_eq!(
            DateTime(years_before(end, 3)).to_string(),
            "2023-06-30 01:00:00"
        );
    }
}
