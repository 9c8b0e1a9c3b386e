//! `GET /`: the overview for management — the portfolio by tier, value × churn risk, the
//! Pareto curve, the trend across runs and the biggest open alarms, all read from what the
//! score runs stored with themselves.

use super::{Chrome, PageResult, failed, render};
use crate::state::AppState;
use crate::web::Viewer;
use crate::web::charts::{self, HeatCell, Series};
use crate::web::format::{compact, int, money, percent};
use askama::Template;
use axum::extract::State;
use patron_app::score::{PORTFOLIO_BANDS, RunSummary, TopAlarm};
use std::sync::Arc;

#[derive(Template)]
#[template(path = "overview.html")]
struct OverviewPage {
    chrome: Chrome,
    run: Option<RunFacts>,
}

/// What the overview shows of the latest run.
struct RunFacts {
    id: i64,
    as_of: String,
    customers: String,
    clv: String,
    at_risk: String,
    leads: String,
    tiers_customers: String,
    tiers_clv: String,
    portfolio: String,
    unplaced: String,
    quadrants: Vec<(String, String, String)>,
    pareto: String,
    pareto_top20: Option<String>,
    trend: String,
    risk_trend: String,
    alarms: Vec<AlarmRow>,
}

struct AlarmRow {
    customer: String,
    href: String,
    kind: String,
    evidence: String,
    clv: String,
    churn: String,
}

/// The overview.
pub async fn page(State(state): State<Arc<AppState>>, viewer: Viewer) -> PageResult {
    let t = viewer.text();
    let lang = viewer.lang;
    let mut runs = state
        .store
        .score_runs()
        .await
        .map_err(|e| failed(lang)(e.into()))?;
    runs.sort_by_key(|r| (r.as_of, r.id));
    // The latest run as `run_or_latest` picks it: the latest `as_of`, the latest created
    // (highest id) among equals — the last after this sort.
    let latest = runs.last().cloned();
    let currency = &state.project.config.project.currency;
    let run = match latest {
        None => None,
        Some(run) => {
            let mut summary = RunSummary::of(&run).map_err(failed(lang))?;
            let rank = tier_rank(&state.project);
            summary.tiers.sort_by_key(|x| rank(&x.tier));
            let mut history = Vec::new();
            for r in &runs {
                let mut s = RunSummary::of(r).map_err(failed(lang))?;
                s.tiers.sort_by_key(|x| rank(&x.tier));
                history.push((r.as_of.date().to_string(), s));
            }
            Some(facts(
                &viewer,
                run.id,
                run.as_of.date().to_string(),
                &summary,
                &history,
                currency,
            ))
        }
    };
    Ok(render(&OverviewPage {
        chrome: Chrome::of(&viewer, t.overview_title),
        run,
    }))
}

fn facts(
    viewer: &Viewer,
    id: i64,
    as_of: String,
    summary: &RunSummary,
    history: &[(String, RunSummary)],
    currency: &str,
) -> RunFacts {
    let t = viewer.text();
    let lang = viewer.lang;
    let clv_total: f64 = summary.tiers.iter().map(|x| x.clv).sum();
    let clv_unit = format!("{} ({currency})", t.clv);
    let tiers_customers = charts::bars(
        t.tiers_customers,
        t.customers,
        &summary
            .tiers
            .iter()
            .map(|x| (x.tier.clone(), x.customers as f64))
            .collect::<Vec<_>>(),
        &|v| compact(v, lang),
    );
    let tiers_clv = charts::bars(
        t.tiers_clv,
        &clv_unit,
        &summary
            .tiers
            .iter()
            .map(|x| (x.tier.clone(), x.clv))
            .collect::<Vec<_>>(),
        &|v| compact(v, lang),
    );
    RunFacts {
        id,
        as_of,
        customers: int(summary.customers, lang),
        clv: money(clv_total, currency, lang),
        at_risk: money(summary.at_risk_clv, currency, lang),
        leads: int(summary.leads, lang),
        tiers_customers,
        tiers_clv,
        portfolio: portfolio_chart(viewer, summary),
        unplaced: format!(
            "{}: {} · {}",
            t.unplaced,
            int(summary.portfolio.unplaced.customers, lang),
            money(summary.portfolio.unplaced.clv, currency, lang)
        ),
        quadrants: summary
            .portfolio
            .quadrants
            .iter()
            .map(|(q, cell)| {
                (
                    t.quadrant_name(q),
                    int(cell.customers, lang),
                    money(cell.clv, currency, lang),
                )
            })
            .collect(),
        pareto: charts::pareto(
            t.pareto_title,
            &summary.pareto,
            t.pareto_x,
            t.pareto_y,
            &|v| percent(v, 0, lang),
        ),
        pareto_top20: summary
            .pareto
            .get(20)
            .map(|share| t.pareto_note(&percent(*share, 1, lang))),
        trend: tier_trend(viewer, history),
        risk_trend: charts::lines(
            t.risk_trend_title,
            &clv_unit,
            &history.iter().map(|(d, _)| d.clone()).collect::<Vec<_>>(),
            &[Series {
                name: t.value_at_risk.into(),
                values: history.iter().map(|(_, s)| Some(s.at_risk_clv)).collect(),
            }],
            &|v| compact(v, lang),
        ),
        alarms: summary
            .top_alarms
            .iter()
            .map(|a| alarm_row(viewer, a, currency))
            .collect(),
    }
}

fn alarm_row(viewer: &Viewer, a: &TopAlarm, currency: &str) -> AlarmRow {
    let lang = viewer.lang;
    AlarmRow {
        href: format!(
            "/customers/{}",
            url::form_urlencoded::byte_serialize(a.customer_id.as_bytes()).collect::<String>()
        ),
        customer: a.customer_id.clone(),
        kind: viewer.text().alarm_name(&a.kind),
        evidence: a.evidence.clone(),
        clv: money(a.clv, currency, lang),
        churn: a
            .churn_risk
            .map_or_else(|| "–".into(), |r| percent(r, 0, lang)),
    }
}

/// The value × churn-risk grid, the most valuable band on top.
fn portfolio_chart(viewer: &Viewer, summary: &RunSummary) -> String {
    let t = viewer.text();
    let lang = viewer.lang;
    let grid = &summary.portfolio.grid;
    let most = grid
        .iter()
        .flatten()
        .map(|c| c.customers)
        .max()
        .unwrap_or(0)
        .max(1) as f64;
    let step = 100 / PORTFOLIO_BANDS;
    let band = |i: usize| format!("{}–{}", i * step, (i + 1) * step);
    let rows: Vec<Vec<HeatCell>> = grid
        .iter()
        .enumerate()
        .rev()
        .map(|(v, row)| {
            row.iter()
                .enumerate()
                .map(|(c, cell)| HeatCell {
                    main: compact(cell.customers as f64, lang),
                    sub: format!("{} {}", t.clv, compact(cell.clv, lang)),
                    weight: cell.customers as f64 / most,
                    title: format!(
                        "{} {}, {} {} %: {} {}, {} {}",
                        t.value_score,
                        band(v),
                        t.churn_risk,
                        band(c),
                        int(cell.customers, lang),
                        t.customers,
                        t.clv,
                        compact(cell.clv, lang)
                    ),
                })
                .collect()
        })
        .collect();
    let row_labels: Vec<String> = (0..grid.len()).rev().map(band).collect();
    let column_labels: Vec<String> = (0..PORTFOLIO_BANDS)
        .map(|i| match lang {
            crate::web::i18n::Lang::De => format!("{} %", band(i)),
            crate::web::i18n::Lang::En => format!("{}%", band(i)),
        })
        .collect();
    charts::heat(
        t.portfolio_title,
        &rows,
        &row_labels,
        &column_labels,
        t.value_score,
        t.churn_risk,
    )
}

/// Where a tier goes in charts and tables: the project's tiers from the best down, then the
/// lead tier, then any other (a tier of an earlier configuration) by name.
fn tier_rank(project: &patron_app::Project) -> impl Fn(&str) -> (usize, String) + '_ {
    let tiers = &project.config.tiers;
    move |name: &str| {
        let position = tiers
            .levels
            .iter()
            .position(|l| l.name == name)
            .or_else(|| (name == tiers.lead_tier).then_some(tiers.levels.len()))
            .unwrap_or(usize::MAX);
        (position, name.to_owned())
    }
}

/// Customers per tier across the runs, a line per tier (the latest run's order first).
fn tier_trend(viewer: &Viewer, history: &[(String, RunSummary)]) -> String {
    let t = viewer.text();
    let mut tiers: Vec<String> = Vec::new();
    for (_, s) in history.iter().rev() {
        for x in &s.tiers {
            if !tiers.contains(&x.tier) {
                tiers.push(x.tier.clone());
            }
        }
    }
    let series: Vec<Series> = tiers
        .iter()
        .map(|tier| Series {
            name: tier.clone(),
            values: history
                .iter()
                .map(|(_, s)| {
                    s.tiers
                        .iter()
                        .find(|x| &x.tier == tier)
                        .map(|x| x.customers as f64)
                })
                .collect(),
        })
        .collect();
    charts::lines(
        t.trend_title,
        t.customers,
        &history.iter().map(|(d, _)| d.clone()).collect::<Vec<_>>(),
        &series,
        &|v| compact(v, viewer.lang),
    )
}
