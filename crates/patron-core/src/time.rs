//! Points in time. Patron stores every timestamp as whole seconds since 1970-01-01 UTC. Source
//! values without an offset are read as UTC wall-clock time; values with an offset are converted.

use crate::ParseError;
use chrono::{DateTime, NaiveDate, NaiveDateTime, NaiveTime};
use serde::{Deserialize, Serialize};
use std::fmt;

/// Seconds in a day.
pub const DAY: i64 = 86_400;

/// A point in time, whole seconds since the Unix epoch, UTC. Serialised as ISO 8601 text
/// (`2011-12-09T12:50:00Z`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Timestamp(i64);

impl Serialize for Timestamp {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Timestamp {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = String::deserialize(d)?;
        Timestamp::parse_flexible(&text).map_err(serde::de::Error::custom)
    }
}

impl Timestamp {
    /// From seconds since the epoch.
    pub const fn from_secs(secs: i64) -> Self {
        Timestamp(secs)
    }
    /// Seconds since the epoch.
    pub const fn secs(self) -> i64 {
        self.0
    }
    /// Midnight UTC of a calendar date.
    pub fn from_date(date: NaiveDate) -> Self {
        Timestamp(date.and_time(NaiveTime::MIN).and_utc().timestamp())
    }
    /// The UTC calendar date this instant falls on.
    pub fn date(self) -> NaiveDate {
        self.to_datetime().date()
    }
    /// Days since the epoch (floor), i.e. the calendar day number.
    pub fn day_number(self) -> i64 {
        self.0.div_euclid(DAY)
    }
    /// This instant plus `days` days.
    pub fn plus_days(self, days: i64) -> Self {
        Timestamp(self.0 + days * DAY)
    }
    fn to_datetime(self) -> NaiveDateTime {
        DateTime::from_timestamp(self.0, 0)
            .map(|d| d.naive_utc())
            .unwrap_or(NaiveDateTime::MIN)
    }
    /// Parses a user-given instant: `YYYY-MM-DD` (midnight UTC), `YYYY-MM-DD HH:MM:SS`,
    /// `YYYY-MM-DDTHH:MM:SS` or RFC 3339 with an offset.
    pub fn parse_flexible(raw: &str) -> Result<Self, ParseError> {
        if let Some(t) = Self::parse_canonical(raw) {
            return Ok(t);
        }
        TimestampParser::new(Vec::new()).parse(raw)
    }

    /// `YYYY-MM-DDTHH:MM:SSZ`, the form [`Timestamp`] displays (and stored cards hold by the
    /// million), read without going through the format list.
    fn parse_canonical(raw: &str) -> Option<Self> {
        let b = raw.as_bytes();
        if b.len() != 20 || b[4] != b'-' || b[7] != b'-' || b[10] != b'T' || b[19] != b'Z' {
            return None;
        }
        if b[13] != b':' || b[16] != b':' {
            return None;
        }
        let digits = [0..4, 5..7, 8..10, 11..13, 14..16, 17..19];
        if !digits
            .iter()
            .all(|r| b[r.clone()].iter().all(u8::is_ascii_digit))
        {
            return None;
        }
        let num = |from: usize, to: usize| -> Option<u32> { raw.get(from..to)?.parse().ok() };
        let date = chrono::NaiveDate::from_ymd_opt(num(0, 4)? as i32, num(5, 7)?, num(8, 10)?)?;
        let time = chrono::NaiveTime::from_hms_opt(num(11, 13)?, num(14, 16)?, num(17, 19)?)?;
        Some(Timestamp(date.and_time(time).and_utc().timestamp()))
    }
}

impl fmt::Display for Timestamp {
    /// ISO 8601 in UTC: `2011-12-09T12:50:00Z`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        use chrono::{Datelike, Timelike};
        let t = self.to_datetime();
        // The fields directly (a run writes millions of these); chrono's `%Y` for years
        // outside 0–9999.
        if !(0..=9999).contains(&t.year()) {
            return write!(f, "{}", t.format("%Y-%m-%dT%H:%M:%SZ"));
        }
        write!(
            f,
            "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}Z",
            t.year(),
            t.month(),
            t.day(),
            t.hour(),
            t.minute(),
            t.second()
        )
    }
}

/// The formats tried when a source names none.
pub const DEFAULT_DATE_FORMATS: &[&str] = &[
    "%Y-%m-%d %H:%M:%S",
    "%Y-%m-%dT%H:%M:%S",
    "%Y-%m-%d %H:%M",
    "%Y-%m-%d",
];

/// Whether `format` is a strftime format chrono understands (`%Q` is not).
pub fn is_valid_format(format: &str) -> bool {
    !chrono::format::StrftimeItems::new(format)
        .any(|item| matches!(item, chrono::format::Item::Error))
}

/// Parses timestamps with a list of `strftime` formats (tried in order; a date-only format means
/// midnight) and RFC 3339 as a last resort. Remembers the last value, because exports repeat the
/// same timestamp on every line of an order.
#[derive(Debug, Clone)]
pub struct TimestampParser {
    formats: Vec<String>,
    last: Option<(String, Timestamp)>,
}

impl TimestampParser {
    /// A parser for these formats; an empty list means [`DEFAULT_DATE_FORMATS`].
    pub fn new(formats: Vec<String>) -> Self {
        let formats = if formats.is_empty() {
            DEFAULT_DATE_FORMATS.iter().map(|s| s.to_string()).collect()
        } else {
            formats
        };
        TimestampParser {
            formats,
            last: None,
        }
    }

    /// The formats this parser tries.
    pub fn formats(&self) -> &[String] {
        &self.formats
    }

    /// Parses one value.
    pub fn parse(&mut self, raw: &str) -> Result<Timestamp, ParseError> {
        let text = raw.trim();
        if let Some((last_raw, ts)) = &self.last
            && last_raw == text
        {
            return Ok(*ts);
        }
        let ts = self.parse_uncached(text).ok_or_else(|| {
            // `write!`, not `to_string()`: an invalid format makes chrono's Display fail, and
            // `to_string()` panics then (found by the ingest fuzz test).
            let mut example = String::new();
            if let Some(d) = NaiveDate::from_ymd_opt(2024, 3, 31) {
                use std::fmt::Write;
                let formatted = d.and_time(NaiveTime::MIN).format(&self.formats[0]);
                if write!(example, "{formatted}").is_err() {
                    example.clear();
                }
            }
            ParseError::new(
                raw,
                format!(
                    "a date in format {} (e.g. {example})",
                    self.formats.join(" or ")
                ),
            )
        })?;
        match &mut self.last {
            Some((s, t)) => {
                s.clear();
                s.push_str(text);
                *t = ts;
            }
            None => self.last = Some((text.to_owned(), ts)),
        }
        Ok(ts)
    }

    fn parse_uncached(&self, text: &str) -> Option<Timestamp> {
        for format in &self.formats {
            if let Ok(dt) = NaiveDateTime::parse_from_str(text, format) {
                return Some(Timestamp(dt.and_utc().timestamp()));
            }
            if let Ok(d) = NaiveDate::parse_from_str(text, format) {
                return Some(Timestamp::from_date(d));
            }
        }
        DateTime::parse_from_rfc3339(text)
            .ok()
            .map(|d| Timestamp(d.timestamp()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Found by the ingest fuzz test: a value that does not parse with an invalid format
    /// (`%Q`) panicked while the error's example date was formatted.
    #[test]
    fn an_invalid_format_gives_an_error_not_a_panic() {
        assert!(!is_valid_format("%Q") && is_valid_format("%d.%m.%Y"));
        let e = TimestampParser::new(vec!["%Q".into()])
            .parse("31.02.2024")
            .unwrap_err();
        assert!(e.to_string().contains("%Q"), "{e}");
    }

    #[test]
    fn canonical_timestamps_read_as_the_general_parser_reads_them() {
        for text in [
            "2011-12-09T12:50:00Z",
            "2024-02-29T23:59:59Z",
            "1999-01-01T00:00:00Z",
        ] {
            let fast = Timestamp::parse_canonical(text).unwrap();
            assert_eq!(
                Some(fast),
                TimestampParser::new(Vec::new()).parse(text).ok(),
                "{text}"
            );
            assert_eq!(fast.to_string(), text);
        }
        for text in [
            "2023-02-29T10:00:00Z",
            "2024-13-01T10:00:00Z",
            "2024-+1-01T10:00:00Z",
            "2024-01-01T24:00:00Z",
            "2024-01-01 10:00:00",
        ] {
            assert_eq!(Timestamp::parse_canonical(text), None, "{text}");
        }
        assert!(Timestamp::parse_flexible("2023-02-29T10:00:00Z").is_err());
    }

    #[test]
    fn parses_formats() {
        let mut p = TimestampParser::new(vec!["%d.%m.%Y".into()]);
        let t = p.parse("31.03.2024").unwrap();
        assert_eq!(t.to_string(), "2024-03-31T00:00:00Z");
        assert!(p.parse("2024-03-31x").is_err());
        assert!(p.parse("31.02.2024").is_err());
        let mut d = TimestampParser::new(vec![]);
        assert_eq!(
            d.parse("2011-12-09 12:50:00").unwrap().to_string(),
            "2011-12-09T12:50:00Z"
        );
        assert_eq!(
            d.parse("2011-12-09").unwrap().to_string(),
            "2011-12-09T00:00:00Z"
        );
        assert_eq!(
            d.parse("2011-12-09T12:50:00+01:00").unwrap().to_string(),
            "2011-12-09T11:50:00Z"
        );
        let mut c = TimestampParser::new(vec!["%Y%m%d".into()]);
        assert_eq!(
            c.parse("19970101").unwrap().to_string(),
            "1997-01-01T00:00:00Z"
        );
        let e = c.parse("1997-13-01").unwrap_err();
        assert!(e.expected.contains("%Y%m%d"), "{e}");
    }
}
