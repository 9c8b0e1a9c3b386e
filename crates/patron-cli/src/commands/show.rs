//! `patron show CUSTOMER`: the score card of a customer from a stored run, with its history;
//! `--live` scores the customer again alone — their own facts against the run's snapshot, the
//! same function the run used — and compares.

use crate::cli::{Global, ShowArgs};
use crate::output::{amount, print_json};
use anyhow::{Result, bail};
use patron_core::ids::CustomerId;
use patron_engine::scorecard::Card;
use serde_json::{Value, json};

/// `patron show`.
pub async fn run(global: &Global, args: &ShowArgs) -> Result<()> {
    let project = crate::project::load(global)?;
    let store = project.open_store().await?;
    let id = CustomerId::parse(&args.customer)?;
    let view = patron_app::cards::customer(store.as_ref(), args.run, &id).await?;
    let (run_id, stored) = (view.run.id, view.card);
    let history: Vec<Value> = view
        .history
        .into_iter()
        .map(|(run, as_of, c)| json!({ "run": run, "as_of": as_of, "tier": c.tier, "status": c.status, "value_score": c.value_score, "churn_risk": c.churn_risk, "clv": c.clv, "action": c.action }))
        .collect();
    let alarms: Vec<Value> = view.alarms.into_iter().map(|a| json!(a)).collect();
    let live = if args.live {
        Some(
            patron_app::live_card(&project, store.as_ref(), Some(run_id), &id)
                .await?
                .1,
        )
    } else {
        None
    };
    if global.json {
        let mut out =
            json!({ "run": run_id, "card": stored, "history": history, "alarm_episodes": alarms });
        if let Some(live) = &live {
            out["live"] = json!({ "equal": live == &stored, "card": live });
        }
        return print_json(&out);
    }
    print_card(&stored, run_id, &project.config.project.currency);
    if history.len() > 1 {
        println!("\nHistory:");
        for h in &history {
            println!(
                "  run {} ({}): {} / {}, value {}, churn risk {}",
                h["run"],
                h["as_of"].as_str().unwrap_or("").get(..10).unwrap_or(""),
                h["tier"].as_str().unwrap_or(""),
                h["status"].as_str().unwrap_or(""),
                h["value_score"]
                    .as_f64()
                    .map_or("—".into(), |v| format!("{v:.1}")),
                h["churn_risk"]
                    .as_f64()
                    .map_or("—".into(), |v| format!("{:.0} %", v * 100.0)),
            );
        }
    }
    if let Some(live) = live {
        if live == stored {
            println!("\nScored again alone against run {run_id}'s context: identical.");
        } else {
            bail!(
                "scored again alone against run {run_id}'s context, the card differs from the stored one"
            );
        }
    }
    Ok(())
}

fn pct(v: Option<f64>) -> String {
    v.map_or("—".into(), |v| format!("{:.0} %", v * 100.0))
}

fn money(v: Option<f64>, currency: &str) -> String {
    v.map_or("—".into(), |v| format!("{} {currency}", amount(v)))
}

/// Prints a card for people.
pub fn print_card(c: &Card, run: i64, currency: &str) {
    println!(
        "Customer {} — score run {run}, as of {}",
        c.customer_id,
        c.as_of.date()
    );
    if let Some(note) = &c.consent_note {
        println!("  ⚠ {note}");
    }
    match c.value_score {
        Some(v) => println!(
            "  Value score     {v:.1} / 100 (better than {:.0} % of customers)",
            v.floor()
        ),
        None => println!("  Value score     —"),
    }
    println!("  Tier            {} ({})", c.tier, c.tier_reason);
    println!("  Status          {} ({})", c.status, c.status_reason);
    if let Some(p) = &c.portfolio {
        println!("  Portfolio       {p}");
    }
    if let Some(s) = &c.service {
        let extras = if s.extras.is_empty() {
            String::new()
        } else {
            format!("; {}", s.extras.join(", "))
        };
        println!(
            "  Service         queue {}, response within {} h, escalation: {}{extras}",
            s.queue, s.response_hours, s.escalation
        );
    }
    println!(
        "  Churn risk      {}{}",
        pct(c.churn_risk),
        c.churn_source
            .as_ref()
            .map_or(String::new(), |s| format!(" ({s})"))
    );
    for r in &c.churn_reasons {
        println!("                  · {r}");
    }
    println!(
        "  CLV (12 mo)     {}   P(alive) {}   potential {}",
        money(c.clv, currency),
        pct(c.p_alive),
        c.potential.map_or("—".into(), |p| format!("{p:+.2}"))
    );
    if let Some(note) = &c.clv_note {
        println!("                  · {note}");
    }
    println!(
        "  So far          {} revenue, {} margin, {} orders, last {}",
        money(c.revenue, currency),
        money(c.margin, currency),
        c.orders,
        c.days_since_last_order
            .map_or("never".into(), |d| format!("{d:.0} days ago"))
    );
    if c.rfm_segment.is_some() || c.abc.is_some() {
        println!(
            "  Segments        RFM {}, ABC {}",
            c.rfm_segment.as_deref().unwrap_or("—"),
            c.abc.as_deref().unwrap_or("—")
        );
    }
    if !c.scores.is_empty() || !c.stages.is_empty() {
        let scores: Vec<String> = c
            .scores
            .iter()
            .map(|(k, v)| format!("{k} {v:.1}"))
            .collect();
        let stages: Vec<String> = c.stages.iter().map(|(k, v)| format!("{k}: {v}")).collect();
        println!(
            "  Points          {}   stages {}",
            scores.join(", "),
            stages.join(", ")
        );
    }
    if c.payment_risk.is_some() {
        println!(
            "  Payment risk    {} ({})",
            pct(c.payment_risk),
            c.payment_band.as_deref().unwrap_or("")
        );
        for e in &c.payment_evidence {
            println!("                  · {e}");
        }
    }
    if let Some(k) = &c.contract {
        let risk = match (&k.cancellation_risk, &k.risk_source) {
            (Some(r), Some(source)) => format!(", cancellation risk {} ({source})", pct(Some(*r))),
            _ => String::new(),
        };
        println!(
            "  Contracts       {} running ({:.2} a month), {} ended{risk}",
            k.running.len(),
            k.monthly_value,
            k.ended
        );
        for e in &k.explanation {
            println!("                  · {e}");
        }
    }
    if let Some(next) = c.next_purchase {
        if next < c.as_of {
            println!("  Next purchase   overdue: expected around {}", next.date());
        } else {
            println!("  Next purchase   expected around {}", next.date());
        }
    }
    for (due, what) in &c.reminders {
        let when = if *due < c.as_of {
            "overdue since"
        } else {
            "due"
        };
        println!("  Reminder        {what}: {when} {}", due.date());
    }
    for a in &c.alarms {
        println!("  ALARM           {}: {}", a.kind, a.evidence);
    }
    if let Some(action) = &c.action {
        println!(
            "  Next action     {action} (rule \"{}\")",
            c.action_rule.as_deref().unwrap_or("")
        );
    }
    for o in &c.overrides {
        println!(
            "  OVERRIDE        {} = {} (automated: {}) by {} on {}: {}{}",
            o.field,
            o.value,
            o.automated.as_deref().unwrap_or("none"),
            o.by,
            o.at,
            o.reason,
            o.expires
                .map(|t| format!(", until {}", t.date()))
                .unwrap_or_default()
        );
    }
    if let Some(v) = &c.value {
        println!("  Value explained composite {:.1} =", v.composite);
        let mut parts = v.contributions.clone();
        parts.sort_by(|a, b| b.points.total_cmp(&a.points));
        for p in parts.iter().take(6) {
            println!(
                "                  {:>5.1} pts {} / {} = {:.2} (p{:.0})",
                p.points,
                p.dimension,
                p.input,
                p.value,
                p.percentile * 100.0
            );
        }
    }
}
