//! Per-rule award bookkeeping for one customer: `repeatable = false` (first match only) and
//! `limit = { count, per }` (at most `count` awards per UTC calendar period, applied in time
//! order).

use chrono::Datelike;
use patron_core::Timestamp;
use patron_core::config::CalendarPeriod;

/// A rate limit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Limit {
    pub(crate) count: u32,
    pub(crate) per: CalendarPeriod,
}

/// The number of the calendar period (UTC) that `t` falls in; consecutive periods have
/// consecutive numbers.
pub(crate) fn period_number(per: CalendarPeriod, t: i64) -> i64 {
    let day = t.div_euclid(86_400);
    match per {
        CalendarPeriod::Hour => t.div_euclid(3_600),
        CalendarPeriod::Day => day,
        // 1970-01-01 was a Thursday; shifting by 3 days makes weeks start on Monday.
        CalendarPeriod::Week => (day + 3).div_euclid(7),
        CalendarPeriod::Month => {
            let date = Timestamp::from_secs(t).date();
            i64::from(date.year()) * 12 + i64::from(date.month0())
        }
        CalendarPeriod::Year => i64::from(Timestamp::from_secs(t).date().year()),
    }
}

/// One rule's award state for the current customer.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct AwardState {
    /// Awarded at least once.
    pub(crate) awarded: bool,
    /// The period of the last award and the awards in it.
    period: i64,
    in_period: u32,
}

impl AwardState {
    /// Whether an award at `t` is allowed, and records it if so.
    pub(crate) fn try_award(&mut self, repeatable: bool, limit: Option<Limit>, t: i64) -> bool {
        if self.awarded && !repeatable {
            return false;
        }
        if let Some(limit) = limit {
            let period = period_number(limit.per, t);
            if !self.awarded || period != self.period {
                self.period = period;
                self.in_period = 0;
            }
            if self.in_period >= limit.count {
                return false;
            }
            self.in_period += 1;
        }
        self.awarded = true;
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn calendar_periods() {
        let t = |s: &str| Timestamp::parse_flexible(s).unwrap().secs();
        let day = CalendarPeriod::Day;
        assert_eq!(
            period_number(day, t("2024-03-01 00:00:00")),
            period_number(day, t("2024-03-01 23:59:59"))
        );
        assert_ne!(
            period_number(day, t("2024-03-01 23:59:59")),
            period_number(day, t("2024-03-02 00:00:00"))
        );
        let week = CalendarPeriod::Week;
        // 2024-03-04 is a Monday.
        assert_eq!(
            period_number(week, t("2024-03-04")),
            period_number(week, t("2024-03-10 23:00:00"))
        );
        assert_ne!(
            period_number(week, t("2024-03-03")),
            period_number(week, t("2024-03-04"))
        );
        let month = CalendarPeriod::Month;
        assert_eq!(
            period_number(month, t("2024-12-31")) + 1,
            period_number(month, t("2025-01-01"))
        );
    }

    #[test]
    fn limits_and_once() {
        let mut s = AwardState::default();
        let limit = Some(Limit {
            count: 2,
            per: CalendarPeriod::Day,
        });
        let awarded: Vec<bool> = [0, 10, 20, 86_400, 86_401, 86_402]
            .iter()
            .map(|&t| s.try_award(true, limit, t))
            .collect();
        assert_eq!(awarded, [true, true, false, true, true, false]);
        let mut once = AwardState::default();
        assert!(once.try_award(false, None, 0));
        assert!(!once.try_award(false, None, 99));
    }
}
