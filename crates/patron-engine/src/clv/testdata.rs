//! Test-only access to the CDNOW cohort in `shared/data` beside the checkout (never copied into
//! the repository).

use super::data::{FrequencyData, SpendData};

/// Path of `cdnow_summary.csv` (columns `ID,x,t_x,T,zbar`, weeks).
pub const CDNOW_SUMMARY: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../../shared/data/cdnow_summary.csv"
);

/// The rows `(x, t_x, T, zbar)` of the CDNOW summary.
pub fn cdnow_rows() -> Vec<[f64; 4]> {
    let text = std::fs::read_to_string(CDNOW_SUMMARY)
        .expect("shared/data/cdnow_summary.csv beside the checkout");
    let mut rows = Vec::new();
    for line in text.lines().skip(1).filter(|l| !l.trim().is_empty()) {
        let fields: Vec<f64> = line
            .split(',')
            .skip(1)
            .map(|f| f.trim().parse().expect("number"))
            .collect();
        rows.push([fields[0], fields[1], fields[2], fields[3]]);
    }
    assert_eq!(rows.len(), 2357, "CDNOW cohort size");
    rows
}

/// CDNOW as frequency data (weights 1).
pub fn cdnow_frequency() -> FrequencyData {
    let rows = cdnow_rows();
    FrequencyData::unweighted(
        rows.iter().map(|r| r[0]).collect(),
        rows.iter().map(|r| r[1]).collect(),
        rows.iter().map(|r| r[2]).collect(),
    )
    .expect("valid CDNOW data")
}

/// The 946 CDNOW customers with repeat purchases, with `zbar` as mean spend.
pub fn cdnow_spend() -> SpendData {
    let rows = cdnow_rows();
    let x: Vec<f64> = rows.iter().map(|r| r[0]).collect();
    let m: Vec<f64> = rows.iter().map(|r| r[3]).collect();
    let spend = SpendData::repeat_customers(&x, &m).expect("valid CDNOW spend");
    assert_eq!(spend.len(), 946);
    spend
}

/// True when `value` rounds to `published` at the published number of decimals.
pub fn rounds_to(value: f64, published: f64, decimals: i32) -> bool {
    let scale = 10f64.powi(decimals);
    ((value * scale).round() - (published * scale).round()).abs() < 0.5
}
