//! Presentation shared by several commands: how an import, RFM segments, a CLV fit, a data
//! quality report and a score run are printed or turned into JSON. Commands call these rather
//! than each other.

use crate::output::{Table, amount, count};
use patron_app::ScoreRun;
use patron_app::quality::QualityReport;
use patron_core::ids::CustomerId;
use patron_engine::clv::FitResult;
use patron_engine::quality::duplicates::MatchReason;
use patron_engine::rfm::RfmResult;
use serde_json::{Value, json};

pub use crate::importing::{ImportSummary, print_import};

/// The JSON of one fit: parameters and standard errors by name.
pub fn fit_json(r: &FitResult, customers: f64) -> Value {
    let by_name = |pairs: &[(&str, f64)]| {
        pairs
            .iter()
            .map(|(n, v)| ((*n).to_owned(), json!(v)))
            .collect::<serde_json::Map<_, _>>()
    };
    let k = r.params.len() as f64;
    json!({
        "model": r.model,
        "params": by_name(&r.params),
        "log_likelihood": r.log_likelihood,
        "std_errors": by_name(&r.std_errors),
        "converged": r.converged,
        "iterations": r.iterations,
        "gradient_norm": r.gradient_norm,
        "bic": -2.0 * r.log_likelihood + k * customers.ln(),
    })
}

/// The JSON document `patron rfm --json` prints.
pub fn rfm_json(result: &RfmResult, ids: Option<&[CustomerId]>) -> serde_json::Value {
    let customers: Vec<_> = result
        .rows
        .iter()
        .map(|row| {
            json!({
                "customer_id": ids.map(|ids| ids[row.customer as usize].as_str()),
                "recency_days": row.recency_days,
                "frequency": row.frequency,
                "monetary": row.monetary.to_f64(),
                "r": row.r,
                "f": row.f,
                "m": row.m,
                "segment": row.segment.map(|s| result.segments[s].segment.as_str()),
            })
        })
        .collect();
    let segments: Vec<_> = result
        .segments
        .iter()
        .map(|s| {
            json!({
                "segment": s.segment,
                "customers": s.customers,
                "customer_share": s.customer_share,
                "revenue": s.revenue.to_f64(),
                "revenue_share": s.revenue_share,
            })
        })
        .collect();
    json!({ "as_of": result.as_of, "segments": segments, "unsegmented": result.unsegmented, "customers": customers })
}

/// Prints the segment table.
pub fn print_segments(result: &RfmResult, currency: &str) {
    println!(
        "RFM as of {} — {} customers with purchases",
        result.as_of.date(),
        count(result.rows.len() as u64)
    );
    let mut t = Table::new(&["segment", "customers", "share", "revenue", "revenue share"]);
    for s in &result.segments {
        t.row(vec![
            s.segment.clone(),
            count(s.customers),
            format!("{:.1}%", 100.0 * s.customer_share),
            format!("{} {currency}", amount(s.revenue.to_f64())),
            format!("{:.1}%", 100.0 * s.revenue_share),
        ]);
    }
    if result.unsegmented > 0 {
        t.row(vec![
            "(no segment)".into(),
            count(result.unsegmented),
            String::new(),
            String::new(),
            String::new(),
        ]);
    }
    println!("{}", t.render());
}

fn reason_text(r: &MatchReason) -> String {
    match r {
        MatchReason::SameEmail { email } => format!("same e-mail {email}"),
        MatchReason::SamePhone { phone } => format!("same phone …{phone}"),
        MatchReason::SimilarName {
            similarity,
            postcode,
        } => {
            format!("similar name ({similarity:.2}) in postcode {postcode}")
        }
    }
}

fn number(v: f64) -> String {
    if v.abs() >= 1e6 || (v != 0.0 && v.abs() < 1e-3) {
        format!("{v:.3e}")
    } else {
        format!("{}", (v * 1000.0).round() / 1000.0)
    }
}

/// Prints the report as text.
pub fn print_quality(r: &QualityReport) {
    for s in &r.sources {
        println!(
            "source {} ({}, {}): {} rows, {} filtered, {} malformed",
            s.source,
            s.entity,
            s.path,
            count(s.rows),
            count(s.filtered),
            count(s.malformed)
        );
        let mut t = Table::new(&[
            "field", "column", "missing", "invalid", "outliers", "min", "median", "max",
        ]);
        for f in &s.fields {
            let (outliers, min, median, max) = match &f.numeric {
                Some(n) => (
                    count(n.outliers),
                    number(n.min),
                    number(n.median),
                    number(n.max),
                ),
                None => (String::new(), String::new(), String::new(), String::new()),
            };
            let missing = if f.missing == 0 {
                "0".into()
            } else {
                format!("{} ({:.1}%)", count(f.missing), 100.0 * f.missing_share)
            };
            t.row(vec![
                f.field.clone(),
                f.column.clone(),
                missing,
                count(f.invalid),
                outliers,
                min,
                median,
                max,
            ]);
        }
        println!("{}", t.render());
        for f in &s.fields {
            for e in &f.invalid_examples {
                println!(
                    "  invalid {} at {} {}: {:?} — {}",
                    f.field,
                    s.position_unit,
                    e.line,
                    e.value.as_deref().unwrap_or(""),
                    e.reason
                );
            }
            for g in &f.date_gaps {
                let day =
                    |d: i64| patron_core::Timestamp::from_secs(d * patron_core::time::DAY).date();
                println!(
                    "  {}: no data for {} days between {} and {}",
                    f.field,
                    g.days,
                    day(g.from_day),
                    day(g.to_day)
                );
            }
        }
        println!();
    }
    println!(
        "duplicate-customer candidates: {} pair(s) among {} customers{}",
        count(r.duplicate_pairs),
        count(r.customers),
        if r.duplicate_pairs > r.duplicate_candidates.len() as u64 {
            format!(" (top {} shown)", r.duplicate_candidates.len())
        } else {
            String::new()
        }
    );
    if !r.duplicate_candidates.is_empty() {
        let mut t = Table::new(&["customer", "duplicate?", "score", "why"]);
        for p in &r.duplicate_candidates {
            let why: Vec<String> = p.reasons.iter().map(reason_text).collect();
            t.row(vec![
                p.a.to_string(),
                p.b.to_string(),
                format!("{:.2}", p.score),
                why.join("; "),
            ]);
        }
        println!("{}", t.render());
        println!("merge a pair with `patron merge KEEP DROP`");
    }
}

/// Prints a run's summary for people.
pub fn print_run(run: &ScoreRun, currency: &str) {
    let (id, summary) = (run.id, &run.summary);
    println!(
        "Score run {id} as of {}: {} customers ({} leads), {:.1} s",
        run.context.scoring.as_of.date(),
        count(summary.customers),
        count(summary.leads),
        run.seconds.get("total").copied().unwrap_or(0.0)
    );
    let mut t = Table::new(&[
        "tier",
        "customers",
        "share of profiled buyers",
        &format!("CLV 12 mo ({currency})"),
    ]);
    for tier in &summary.tiers {
        t.row(vec![
            tier.tier.clone(),
            count(tier.customers),
            format!("{:.1} %", tier.share_of_profiled_buyers * 100.0),
            amount(tier.clv),
        ]);
    }
    println!("{}", t.render().trim_end());
    let list = |counts: &std::collections::BTreeMap<String, u64>| -> String {
        if counts.is_empty() {
            return "none".into();
        }
        let items: Vec<String> = counts.iter().map(|(k, n)| format!("{k} {n}")).collect();
        items.join(", ")
    };
    println!(
        "status: {}; CLV at risk {} {currency}",
        list(&summary.status),
        amount(summary.at_risk_clv)
    );
    let alarms = &summary.alarms;
    println!(
        "alarms raised: {}; cleared: {}; still open: {}",
        list(&alarms.raised),
        list(&alarms.cleared),
        alarms.continuing
    );
    if let Some(why) = &alarms.back_dated {
        println!("  ({why})");
    }
    println!("actions: {}", list(&summary.actions));
    if summary.no_profiling_consent > 0 {
        println!(
            "{} customers without profiling consent got only the scores allowed without it",
            count(summary.no_profiling_consent)
        );
    }
    println!(
        "Explore: patron show CUSTOMER | patron export --where 'tier == \"VIP\" && churn_risk > 0.3' --format csv"
    );
}
