//! Gaps in a date series: stretches of days without any data (a missing export, a broken feed).
//!
//! Days are day numbers: days since 1970-01-01 (negative before it).

use super::outliers::quantile_sorted;
use serde::Serialize;

/// A stretch of consecutive days without data.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DateGap {
    /// The last day with data before the gap.
    pub from_day: i64,
    /// The next day with data after the gap.
    pub to_day: i64,
    /// Number of missing days: `to_day − from_day − 1` (at least 1).
    pub days: i64,
}

/// The gaps between the days that have data, with at least `min_days` missing days (and always
/// at least one), longest first, ties by `from_day`.
///
/// `days_with_data` may be in any order and contain repeats. Days before the first and after
/// the last day with data are not gaps: the series has no known start or end.
pub fn date_gaps(days_with_data: &[i64], min_days: i64) -> Vec<DateGap> {
    let min_days = min_days.max(1);
    let days = distinct_sorted(days_with_data);
    let mut gaps: Vec<DateGap> = days
        .windows(2)
        .filter_map(|w| {
            let missing = w[1] - w[0] - 1;
            (missing >= min_days).then_some(DateGap {
                from_day: w[0],
                to_day: w[1],
                days: missing,
            })
        })
        .collect();
    gaps.sort_unstable_by(|a, b| b.days.cmp(&a.days).then(a.from_day.cmp(&b.from_day)));
    gaps
}

/// The median distance in days between consecutive distinct days with data (1.0 for a daily
/// series, 7.0 for a weekly one); `None` with fewer than two distinct days. An even number of
/// distances gives the mean of the two middle ones.
pub fn typical_gap(days_with_data: &[i64]) -> Option<f64> {
    let days = distinct_sorted(days_with_data);
    if days.len() < 2 {
        return None;
    }
    let mut distances: Vec<f64> = days.windows(2).map(|w| (w[1] - w[0]) as f64).collect();
    distances.sort_unstable_by(f64::total_cmp);
    Some(quantile_sorted(&distances, 0.5))
}

fn distinct_sorted(days: &[i64]) -> Vec<i64> {
    let mut days = days.to_vec();
    days.sort_unstable();
    days.dedup();
    days
}

#[cfg(test)]
mod tests {
    use super::*;

    fn gap(from_day: i64, to_day: i64, days: i64) -> DateGap {
        DateGap {
            from_day,
            to_day,
            days,
        }
    }

    #[test]
    fn no_data_no_gaps() {
        assert!(date_gaps(&[], 1).is_empty());
        assert!(date_gaps(&[5], 1).is_empty());
        assert!(date_gaps(&[5, 5, 5], 1).is_empty());
    }

    #[test]
    fn consecutive_days_have_no_gap() {
        assert!(date_gaps(&[3, 1, 2, 4, 2], 1).is_empty());
    }

    #[test]
    fn gaps_are_sorted_longest_first_then_by_start() {
        // days 0..=2, then 6 (gap 3..=5: 3 days), 7, then 11 (gap 8..=10: 3 days),
        // then 13 (gap 12: 1 day), then 30 (gap 14..=29: 16 days)
        let days = [30, 0, 1, 2, 2, 6, 7, 11, 13, 1];
        assert_eq!(
            date_gaps(&days, 1),
            vec![gap(13, 30, 16), gap(2, 6, 3), gap(7, 11, 3), gap(11, 13, 1)]
        );
    }

    #[test]
    fn min_days_filters_short_gaps() {
        let days = [0, 2, 10, 13];
        assert_eq!(date_gaps(&days, 2), vec![gap(2, 10, 7), gap(10, 13, 2)]);
        assert_eq!(date_gaps(&days, 3), vec![gap(2, 10, 7)]);
        assert!(date_gaps(&days, 8).is_empty());
        // min_days ≤ 0 behaves like 1: adjacent days are never a gap.
        assert_eq!(date_gaps(&[0, 1, 3], 0), vec![gap(1, 3, 1)]);
    }

    #[test]
    fn negative_day_numbers() {
        assert_eq!(date_gaps(&[-10, 0], 1), vec![gap(-10, 0, 9)]);
    }

    #[test]
    fn typical_gap_is_the_median_distance() {
        assert_eq!(typical_gap(&[]), None);
        assert_eq!(typical_gap(&[4, 4]), None);
        assert_eq!(typical_gap(&[0, 1, 2, 3, 10]), Some(1.0));
        // weekly with repeats and one missed week: distances 7 7 14 7
        assert_eq!(typical_gap(&[0, 7, 7, 14, 28, 35, 0]), Some(7.0));
        // distances 1 and 4 → mean of the middle two
        assert_eq!(typical_gap(&[0, 1, 5]), Some(2.5));
    }
}
