//! `patron report`: the portfolio over score runs (tier counts, value at risk, alarms) and the
//! KPIs of a run per segment, with what happened after it once the churn horizon has passed.

use crate::cli::{Global, ReportArgs};
use crate::output::{Table, count, print_json};
use anyhow::{Context, Result};
use patron_app::cards::matching_cards;
use patron_app::score::RunSummary;
use patron_engine::scorecard::{Rate, SegmentKpi, observe, segment_kpis};
use serde_json::{Value, json};

/// `patron report`.
pub async fn run(global: &Global, args: &ReportArgs) -> Result<()> {
    let project = crate::project::load(global)?;
    let settings = project.settings()?;
    let store = project.open_store().await?;
    let runs = store.score_runs().await?;
    anyhow::ensure!(
        !runs.is_empty(),
        "no score run yet: run `patron score` first"
    );
    let trend: Vec<Value> = runs
        .iter()
        .map(|r| {
            let s = RunSummary::of(r)?;
            Ok(json!({ "run": r.id, "as_of": r.as_of, "customers": r.customers, "tiers": s.tiers, "status": s.status, "at_risk_clv": s.at_risk_clv, "alarms_raised": s.alarms.raised }))
        })
        .collect::<Result<_>>()?;
    let (run, cards) = matching_cards(store.as_ref(), args.run, None).await?;
    let run = &run;
    let horizon = project.config.churn.horizon_days;
    let last = store
        .last_fact_time()
        .await?
        .context("the store has no facts")?;
    let later = store.load_facts(last.plus_days(1)).await?;
    let after = observe(&later, run.as_of, horizon);
    drop(later);
    let mut groups = settings.segments.clone();
    for tier in project.config.tiers.levels.iter().map(|t| t.name.clone()) {
        let filter = patron_engine::scorecard::CardFilter::compile(&format!("tier == {tier:?}"))?;
        groups.push((format!("tier {tier}"), filter));
    }
    let kpis = segment_kpis(&cards, after.as_ref(), &groups);
    if global.json {
        return print_json(
            &json!({ "runs": trend, "run": run.id, "as_of": run.as_of, "horizon_days": horizon, "observed": after.is_some(), "segments": kpis }),
        );
    }
    let mut t = Table::new(&["run", "as of", "customers", "VIP", "At Risk", "CLV at risk"]);
    for r in &trend {
        let vip = r["tiers"]
            .as_array()
            .into_iter()
            .flatten()
            .find(|t| t["tier"] == "VIP")
            .and_then(|t| t["customers"].as_u64())
            .unwrap_or(0);
        t.row(vec![
            r["run"].to_string(),
            r["as_of"]
                .as_str()
                .unwrap_or("")
                .get(..10)
                .unwrap_or("")
                .to_owned(),
            count(r["customers"].as_u64().unwrap_or(0)),
            count(vip),
            count(r["status"]["At Risk"].as_u64().unwrap_or(0)),
            crate::output::amount(r["at_risk_clv"].as_f64().unwrap_or(0.0)),
        ]);
    }
    println!("{}", t.render().trim_end());
    println!();
    if after.is_none() {
        println!(
            "Run {} as of {}: the {horizon}-day horizon after it is not observed yet, so outcomes are not shown.",
            run.id,
            run.as_of.date()
        );
    } else {
        println!(
            "Run {} as of {}, outcomes over the {horizon} days after it:",
            run.id,
            run.as_of.date()
        );
    }
    print_kpis(&kpis);
    Ok(())
}

fn rate(r: &Option<Rate>) -> String {
    match r {
        Some(Rate {
            rate: Some(x), of, ..
        }) => format!("{:.1} % of {}", x * 100.0, count(*of)),
        _ => "—".into(),
    }
}

fn print_kpis(kpis: &[SegmentKpi]) {
    let mut t = Table::new(&[
        "segment",
        "customers",
        "at risk",
        "retention",
        "churn alarmed",
        "churn not alarmed",
        "win-back",
        "offers accepted",
    ]);
    for k in kpis {
        t.row(vec![
            k.segment.clone(),
            count(k.customers),
            count(k.at_risk),
            rate(&k.retention),
            rate(&k.churn_alarmed),
            rate(&k.churn_not_alarmed),
            rate(&k.win_back),
            rate(&k.offer_acceptance),
        ]);
    }
    println!("{}", t.render().trim_end());
}
