//! Values of flags that several commands share, parsed: dates and time units.

use anyhow::Result;
use patron_core::Timestamp;
use patron_engine::clv::TimeUnit;

/// The time unit named on the command line. A month is a twelfth of a Julian year
/// (365.25 / 12 = 30.4375 days), never "30 days".
pub fn time_unit(name: &str) -> TimeUnit {
    match name {
        "day" => TimeUnit::Day,
        "month" => TimeUnit::Month,
        _ => TimeUnit::Week,
    }
}

/// Day number of a date argument (`flag` names it in the error).
pub fn day_of(text: &str, flag: &str) -> Result<i64> {
    Ok(Timestamp::parse_flexible(text)
        .map_err(|e| crate::error::Usage(format!("{flag}: {e}")))?
        .day_number())
}

/// `--as-of`, parsed (a usage error, exit 2, when it does not parse).
pub fn as_of(text: Option<&str>) -> Result<Option<Timestamp>> {
    Ok(text
        .map(|t| {
            Timestamp::parse_flexible(t).map_err(|e| crate::error::Usage(format!("--as-of: {e}")))
        })
        .transpose()?)
}
