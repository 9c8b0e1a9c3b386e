//! Issue 11, defects 4 and 5: numbers and dates outside the documented ranges are rejected at
//! import with file, line, column, value and range; the largest values allowed are stored,
//! summed and scored without overflow.

use crate::support::{ORDERS_HEADER, ORDERS_PROJECT, TempProject, largest_price_orders, status};

#[test]
fn out_of_range_values_are_rejected_with_file_line_column_value_and_range() {
    let p = TempProject::new(ORDERS_PROJECT);
    p.write(
        "orders.csv",
        format!("{ORDERS_HEADER}O1,C1,2024-01-02,A,1,10\n"),
    );
    p.run(&["import"]).ok();
    let before = status(p.path());
    let cases = [
        // A unit price one ten-thousandth above i64::MAX was stored as −922 trillion.
        (
            "O2,C1,2024-02-02,A,1,922337203685477.5808",
            "orders.csv:2: column \"price\": value \"922337203685477.5808\": expected an amount between -1000000000000 and 1000000000000",
        ),
        (
            "O2,C1,2024-02-02,A,1,1000000000000.0001",
            "value \"1000000000000.0001\": expected an amount between",
        ),
        // A quantity of 1e20 gave an amount of i64::MAX.
        (
            "O3,C2,2024-03-02,B,1e20,1",
            "orders.csv:2: column \"qty\": value \"100000000000000000000\": expected a quantity between -1000000000 and 1000000000",
        ),
        // Both within range, their product is not.
        (
            "O3,C2,2024-03-02,B,1000000,10000000",
            "column \"price\": value \"10000000.00 × 1000000\": expected an amount between",
        ),
        // A fact dated 9999-12-31 made the default as_of +10000-01-01.
        (
            "O4,C2,9999-12-31,B,1,1",
            "orders.csv:2: column \"date\": value \"9999-12-31\": expected a date from 1900-01-01 to before 2200-01-01",
        ),
        (
            "O4,C2,1899-12-31,B,1,1",
            "value \"1899-12-31\": expected a date from 1900-01-01",
        ),
    ];
    for (row, needle) in cases {
        p.write("orders.csv", format!("{ORDERS_HEADER}{row}\n"));
        let run = p.run(&["import"]);
        assert_eq!(run.code, 4, "{row}: {}", run.stderr);
        assert!(
            run.stderr.contains(needle),
            "{row}: stderr lacks {needle:?}:\n{}",
            run.stderr
        );
        assert_eq!(before, status(p.path()), "{row}: the store changed");
    }
    let run = p.run(&["status", "--json"]).ok().json();
    assert_eq!(run["ranges"]["order_lines"]["last"], "2024-01-02T00:00:00Z");
}

#[test]
fn the_largest_values_allowed_sum_and_score_without_overflow() {
    let p = TempProject::new(ORDERS_PROJECT);
    let rows = largest_price_orders();
    p.write("orders.csv", rows);
    p.run(&["import", "--quiet"]).ok();
    let s = p.run(&["status", "--json"]).ok().json();
    // Six lines at 10^12: 6 × 10^12 and the small ones, where `status` failed with "integer
    // overflow" after the wrapped values.
    let revenue = s["revenue"].as_f64().expect("revenue");
    assert!((6e12..6.0001e12).contains(&revenue), "{s}");
    let score = p.run(&["score", "--quiet", "--json"]);
    assert_eq!(score.code, 0, "{}", score.stderr);
    assert!(!score.stderr.contains("inf"), "{}", score.stderr);
    let show = p.run(&["show", "C001"]).ok();
    assert!(show.stdout.contains("2,000,000,000,000"), "{}", show.stdout);
}
