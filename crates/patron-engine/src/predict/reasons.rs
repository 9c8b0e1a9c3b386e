//! Reasons in words a sales rep understands, with the customer's own values: "orders in the
//! last 90 days fell from 6 to 1", "no purchase for 210 days (usually every 40)".

use crate::features::{FeatureKind, FeatureTable};

/// The sentence for a feature group of one row of a table.
pub fn phrase(group: &str, table: &FeatureTable, row: usize) -> String {
    let v = |name: &str| table.value(row, name);
    match group {
        "orders_trend" => trend("orders", v("orders_prev_90d"), v("orders_90d"), false),
        "revenue_trend" => trend("revenue", v("revenue_prev_90d"), v("revenue_90d"), true),
        "recency" => recency(v("recency_days"), v("gap_mean_days")),
        "frequency" => plural(v("frequency"), "purchase", "purchases") + " so far",
        "monetary" => format!("net revenue so far {}", money(v("monetary"))),
        "order_value" => known(v("avg_order_value"), "no purchase yet", |x| {
            format!("average purchase {}", money(x))
        }),
        "regularity" => known(
            v("gap_sd_days"),
            "too few purchases to tell regularity",
            |x| {
                format!(
                    "days between purchases vary by ±{} (mean {})",
                    num(x),
                    num(v("gap_mean_days"))
                )
            },
        ),
        "tenure" => format!("customer for {} days", num(v("tenure_days"))),
        "breadth" => format!(
            "bought {} in {}",
            plural(v("distinct_products"), "product", "products"),
            plural(v("distinct_categories"), "category", "categories")
        ),
        "returns" => known(v("return_share"), "no purchase yet", |x| {
            format!("{} of revenue returned", percent(x))
        }),
        "margin" => known(v("margin_rate"), "margin unknown", |x| {
            format!("gross margin {}", percent(x))
        }),
        "engagement" => {
            let since = v("days_since_event");
            if since.is_nan() {
                "no interaction (web, e-mail) yet".into()
            } else if v("events_90d") == 0.0 {
                format!("no interaction for {} days", num(since))
            } else {
                format!(
                    "{} in the last 90 days ({} in the last 30)",
                    plural(v("events_90d"), "interaction", "interactions"),
                    num(v("events_30d"))
                )
            }
        }
        "tickets" => {
            let (n90, n365, open) = (v("tickets_90d"), v("tickets_365d"), v("open_tickets"));
            let mut text = if n90 > 0.0 || n365 == 0.0 {
                format!("{} in the last 90 days", plural(n90, "ticket", "tickets"))
            } else {
                format!("{} in the last year", plural(n365, "ticket", "tickets"))
            };
            if open > 0.0 {
                text += &format!(", {} open", num(open));
            }
            text
        }
        "escalations" => format!(
            "{} in the last year",
            plural(
                v("escalations_365d"),
                "escalated ticket",
                "escalated tickets"
            )
        ),
        "sentiment" => match (v("sentiment_90d"), v("sentiment_365d")) {
            (s, _) if !s.is_nan() => format!("ticket sentiment {s:+.2} in the last 90 days"),
            (_, s) if !s.is_nan() => format!("ticket sentiment {s:+.2} in the last year"),
            _ => "no rated ticket in the last year".into(),
        },
        "handling" => known(
            v("handling_minutes_365d"),
            "no ticket in the last year",
            |x| format!("tickets took {} minutes on average", num(x)),
        ),
        "payment" => {
            let overdue = v("invoices_overdue");
            match v("payment_delay_days") {
                d if d.is_nan() => format!("{} overdue", plural(overdue, "invoice", "invoices")),
                d => format!(
                    "{} overdue; last year's invoices paid {} days late on average",
                    plural(overdue, "invoice", "invoices"),
                    num(d)
                ),
            }
        }
        "consent" => {
            let x = v("consent_marketing");
            if x == 1.0 {
                "agreed to marketing".into()
            } else if x == 0.0 {
                "no marketing consent".into()
            } else {
                "marketing consent unknown".into()
            }
        }
        "acquisition" => known(v("acquisition_cost"), "acquisition cost unknown", |x| {
            format!("acquisition cost {}", money(x))
        }),
        "contract" => format!(
            "{} running, {} ended",
            plural(v("contracts_running"), "contract", "contracts"),
            num(v("contracts_ended"))
        ),
        "contract_tenure" => known(v("contract_tenure_months"), "no running contract", |x| {
            format!("contract running for {} months", num(x))
        }),
        "contract_notice" => known(v("days_to_notice"), "no running contract", |x| {
            format!("notice date in {} days", num(x))
        }),
        "contract_price" => match v("price_change_180d") {
            x if x > 0.0 => format!("price raised by {} in the last 180 days", percent(x)),
            x if x < 0.0 => format!("price lowered by {} in the last 180 days", percent(-x)),
            _ => "no price change in the last 180 days".into(),
        },
        "contract_value" => format!(
            "contracts worth {} a month",
            money(v("contract_monthly_value"))
        ),
        g => {
            if let Some(kind) = g.strip_prefix("event_") {
                let n90 = v(&format!("event_{kind}_90d"));
                let n30 = v(&format!("event_{kind}_30d"));
                if n90 == 0.0 {
                    return format!("no `{kind}` in the last 90 days");
                }
                return format!(
                    "{} `{kind}` in the last 90 days ({} in the last 30)",
                    num(n90),
                    num(n30)
                );
            }
            if let Some(attr) = g.strip_prefix("attr_") {
                return attribute(table, row, g, attr);
            }
            g.to_owned()
        }
    }
}

fn attribute(table: &FeatureTable, row: usize, column: &str, attr: &str) -> String {
    let Some(c) = table.column(column) else {
        return attr.to_owned();
    };
    let value = table.matrix.get(row, c);
    if value.is_nan() {
        return format!("{attr} unknown");
    }
    match &table.features[c].kind {
        FeatureKind::Categorical { levels } => match levels.get(value as usize) {
            Some(level) => format!("{attr} is {level}"),
            None => format!("{attr} unknown"),
        },
        FeatureKind::Numeric => format!("{attr} is {}", num(value)),
    }
}

fn trend(what: &str, before: f64, last: f64, is_money: bool) -> String {
    let show = |x: f64| if is_money { money(x) } else { num(x) };
    if last < before {
        format!(
            "{what} in the last 90 days fell from {} to {}",
            show(before),
            show(last)
        )
    } else if last > before {
        format!(
            "{what} in the last 90 days rose from {} to {}",
            show(before),
            show(last)
        )
    } else {
        format!("{what} in the last 90 days unchanged at {}", show(last))
    }
}

fn recency(days: f64, gap: f64) -> String {
    if days.is_nan() {
        return "no purchase yet".into();
    }
    let usual = if gap.is_nan() {
        "only one purchase so far".to_owned()
    } else {
        format!("usually every {}", num(gap))
    };
    if !gap.is_nan() && days <= gap {
        format!("last purchase {} days ago ({usual})", num(days))
    } else {
        format!("no purchase for {} days ({usual})", num(days))
    }
}

fn known(x: f64, missing: &str, f: impl Fn(f64) -> String) -> String {
    if x.is_nan() { missing.to_owned() } else { f(x) }
}

fn plural(n: f64, one: &str, many: &str) -> String {
    if n == 1.0 {
        format!("1 {one}")
    } else {
        format!("{} {many}", num(n))
    }
}

/// A count or a number of days: whole numbers as such, others rounded to whole days/units.
fn num(x: f64) -> String {
    if x.is_nan() {
        "?".into()
    } else if (x - x.round()).abs() < 1e-9 || x.abs() >= 10.0 {
        format!("{}", x.round() as i64)
    } else {
        format!("{x:.1}")
    }
}

fn money(x: f64) -> String {
    if x.is_nan() {
        return "?".into();
    }
    let whole = x.round().abs() as u64;
    let s = whole.to_string();
    let mut out = String::new();
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    if x < -0.5 { format!("-{out}") } else { out }
}

fn percent(x: f64) -> String {
    format!("{:.0}%", 100.0 * x)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::features::tests::{day, fixture};
    use crate::features::{FeatureSpec, build_at};

    #[test]
    fn phrases_use_the_customers_values() {
        let facts = fixture().facts(500);
        let table = build_at(&facts, day(240), &FeatureSpec::infer(&facts));
        assert_eq!(
            phrase("orders_trend", &table, 0),
            "orders in the last 90 days fell from 2 to 0"
        );
        assert_eq!(
            phrase("recency", &table, 0),
            "no purchase for 140 days (usually every 40)"
        );
        assert_eq!(
            phrase("tickets", &table, 0),
            "2 tickets in the last 90 days"
        );
        assert_eq!(phrase("attr_industry", &table, 0), "industry is retail");
        assert_eq!(phrase("attr_industry", &table, 1), "industry unknown");
        assert_eq!(
            phrase("breadth", &table, 1),
            "bought 1 product in 1 category"
        );
        assert_eq!(money(1234.4), "1,234");
    }
}
