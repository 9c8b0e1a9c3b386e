//! The company's e-mail calendar: a monthly newsletter and seasonal campaigns (Black Friday,
//! Christmas, summer sale, …), each sent to every subscribed customer.

use crate::calendar::Civil;
use patron_core::Timestamp;

/// One e-mail send.
#[derive(Debug, Clone)]
pub struct Campaign {
    /// When it was sent.
    pub at: Timestamp,
    /// Its name, e.g. `2025-11-black-friday`.
    pub name: String,
    /// The theme, e.g. `black-friday` (also the landing page).
    pub theme: &'static str,
    /// True for the sales peaks (November, December), which get more clicks.
    pub peak: bool,
}

/// Seasonal campaigns other than November's: (month, day, theme).
const SEASONAL: &[(u32, u32, &str)] = &[
    (1, 10, "winter-sale"),
    (2, 7, "valentines-day"),
    (3, 14, "spring-sale"),
    (4, 2, "easter"),
    (5, 6, "mothers-day"),
    (6, 18, "summer-sale"),
    (7, 9, "summer-final-sale"),
    (8, 20, "back-to-school"),
    (9, 12, "autumn-collection"),
    (10, 24, "halloween"),
    (12, 4, "christmas"),
    (12, 15, "last-minute-gifts"),
];

/// Hour of day (UTC) at which campaigns go out.
const SEND_HOUR: i64 = 8;

/// All campaigns sent in `[start, end)`, in time order.
pub fn schedule(start: Timestamp, end: Timestamp) -> Vec<Campaign> {
    let first = Civil::of(start);
    let last = Civil::of(end);
    let mut campaigns = Vec::new();
    let (mut year, mut month) = (first.year, first.month);
    while (year, month) <= (last.year, last.month) {
        for (day, theme) in month_plan(year, month) {
            let midnight = Civil::new(year, month, day).midnight();
            let at = Timestamp::from_secs(midnight.secs() + SEND_HOUR * 3600);
            if at >= start && at < end {
                let name = format!("{year:04}-{month:02}-{theme}");
                campaigns.push(Campaign {
                    at,
                    name,
                    theme,
                    peak: month >= 11,
                });
            }
        }
        (year, month) = if month == 12 {
            (year + 1, 1)
        } else {
            (year, month + 1)
        };
    }
    campaigns
}

/// (day, theme) of the month's sends, in day order.
fn month_plan(year: i64, month: u32) -> Vec<(u32, &'static str)> {
    let mut plan = vec![(3, "newsletter")];
    if month == 11 {
        let friday = black_friday(year);
        plan.push((friday, "black-friday"));
        if friday + 3 <= 30 {
            plan.push((friday + 3, "cyber-monday"));
        }
    }
    plan.extend(
        SEASONAL
            .iter()
            .filter(|(m, _, _)| *m == month)
            .map(|(_, d, t)| (*d, *t)),
    );
    plan.sort_unstable();
    plan
}

/// The day after the fourth Thursday of November.
fn black_friday(year: i64) -> u32 {
    let first_weekday = Civil::new(year, 11, 1).weekday();
    let first_thursday = 1 + (4 + 7 - first_weekday) % 7;
    first_thursday + 21 + 1
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn black_friday_dates() {
        assert_eq!(black_friday(2024), 29);
        assert_eq!(black_friday(2025), 28);
        assert_eq!(black_friday(2023), 24);
    }

    #[test]
    fn schedule_is_ordered_and_named() {
        let start = Civil::new(2023, 6, 30).midnight();
        let end = Civil::new(2026, 6, 30).midnight();
        let all = schedule(start, end);
        assert!(all.windows(2).all(|w| w[0].at <= w[1].at));
        assert!(all.iter().any(|c| c.name == "2025-11-black-friday"));
        assert!((70..=90).contains(&all.len()), "{}", all.len());
    }
}
