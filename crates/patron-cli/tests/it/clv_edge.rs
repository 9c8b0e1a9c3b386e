//! CLV on a history too short and uniform for the BTYD models: a fit at the edge of the
//! parameter space (found by the limits tests: r and α in the millions, a ≈ 0, b ≈ 10¹⁶) predicted
//! −1.3 × 10⁹ purchases for a customer. Such a model is never chosen, and a run without a usable
//! model scores its cards without CLV, saying why.

use crate::support::{ORDERS_PROJECT, TempProject, largest_price_orders};

#[test]
fn no_card_gets_a_negative_clv_or_expected_purchases() {
    let p = TempProject::new(ORDERS_PROJECT);
    let rows = largest_price_orders();
    p.write("orders.csv", rows);
    p.run(&["import", "--quiet"]).ok();
    let run = p.run(&["score", "--quiet", "--json"]).ok().json();
    let cards = p.run(&["export", "--format", "json"]).ok().json();
    for c in cards.as_array().unwrap() {
        let clv = c["clv"].as_f64();
        assert!(clv.is_none_or(|v| v >= 0.0), "{c}");
        let alive = c["p_alive"].as_f64();
        assert!(alive.is_none_or(|a| (0.0..=1.0).contains(&a)), "{c}");
    }
    for c in cards.as_array().unwrap() {
        let id = c["customer_id"].as_str().unwrap();
        let shown = p.run(&["show", id, "--json"]).ok().json();
        let expected = shown["card"]["expected_purchases"].as_f64();
        assert!(
            expected.is_none_or(|e| e >= 0.0 && e.is_finite()),
            "{shown}"
        );
    }
    // What was fitted, or why nothing was, is in the run's report.
    let clv = &run["models"]["clv"];
    assert!(
        clv["skipped"].is_string() || clv["model"].is_string(),
        "{clv}"
    );
}
