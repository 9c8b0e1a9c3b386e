//! `GET /customers?q=…` (find a customer by id, e-mail address or name) and
//! `GET /customers/{id}`: the card for service and sales, its figures over time, the points
//! ledger and the latest orders, events and tickets. The card is the customer's current one,
//! live when facts arrived since the run: reloading the page after an event shows it.

use super::{Chrome, PageResult, failed, render};
use crate::state::AppState;
use crate::web::Viewer;
use crate::web::charts;
use crate::web::format::{decimal, int, money, percent};
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect};
use patron_app::AppError;
use patron_core::ids::CustomerId;
use patron_engine::scorecard::Card;
use patron_store::CustomerMatch;
use serde::Deserialize;
use std::sync::Arc;

/// The most customers a search lists.
const SEARCH_LIMIT: u32 = 50;

/// The most orders, events and tickets the page lists, each.
const RECENT: usize = 10;

/// The most ledger entries the page lists (the newest).
const LEDGER: usize = 30;

#[derive(Template)]
#[template(path = "search.html")]
struct SearchPage {
    chrome: Chrome,
    asked: bool,
    found: Vec<(CustomerMatch, String)>,
}

/// The search box's text.
#[derive(Debug, Deserialize)]
pub struct SearchQuery {
    q: Option<String>,
}

/// Customers matching the search box; one match opens its page.
pub async fn search(
    State(state): State<Arc<AppState>>,
    viewer: Viewer,
    Query(query): Query<SearchQuery>,
) -> PageResult {
    let lang = viewer.lang;
    let q = query.q.unwrap_or_default().trim().to_owned();
    let found = if q.is_empty() {
        Vec::new()
    } else {
        state
            .store
            .search_customers(&q, SEARCH_LIMIT)
            .await
            .map_err(|e| failed(lang)(e.into()))?
    };
    if let [one] = found.as_slice() {
        return Ok(Redirect::to(&customer_href(one.id.as_str())).into_response());
    }
    let mut chrome = Chrome::of(&viewer, viewer.text().search_results);
    chrome.query = q.clone();
    Ok(render(&SearchPage {
        chrome,
        asked: !q.is_empty(),
        found: found
            .into_iter()
            .map(|m| {
                let href = customer_href(m.id.as_str());
                (m, href)
            })
            .collect(),
    }))
}

/// A time to the minute, as people read it (`2026-06-30 14:05`, UTC).
fn minute(at: patron_core::Timestamp) -> String {
    let text = at.to_string();
    text.get(..16)
        .map_or_else(|| text.clone(), |t| t.replacen('T', " ", 1))
}

/// The page of customer `id`.
pub fn customer_href(id: &str) -> String {
    format!(
        "/customers/{}",
        url::form_urlencoded::byte_serialize(id.as_bytes()).collect::<String>()
    )
}

#[derive(Template)]
#[template(path = "customer.html")]
struct CustomerPage {
    chrome: Chrome,
    id: String,
    name: Option<String>,
    email: Option<String>,
    company: Option<String>,
    live: bool,
    run_id: i64,
    as_of: String,
    figures: Vec<(&'static str, String)>,
    tier: String,
    status: String,
    service: Option<String>,
    value_score: String,
    churn: String,
    churn_reasons: Vec<String>,
    payment: String,
    payment_evidence: Vec<String>,
    /// The contract section: a summary line and the explanation, line by line.
    contract: Option<(String, Vec<String>)>,
    action: Option<String>,
    offer: Option<String>,
    next_purchase: Option<String>,
    stages: Vec<(String, String)>,
    scores: Vec<(String, String)>,
    alarms: Vec<(String, String)>,
    consent_note: Option<String>,
    sparklines: Vec<(&'static str, String, String)>,
    ledger: Vec<LedgerRow>,
    orders: Vec<[String; 4]>,
    events: Vec<[String; 2]>,
    tickets: Vec<[String; 4]>,
}

struct LedgerRow {
    at: String,
    score: String,
    rule: String,
    points: String,
    reason: String,
}

/// The customer's page.
pub async fn page(
    State(state): State<Arc<AppState>>,
    viewer: Viewer,
    Path(raw): Path<String>,
) -> PageResult {
    let lang = viewer.lang;
    let fail = failed(lang);
    let id = CustomerId::parse(&raw)
        .map_err(|e| fail(AppError::Invalid(format!("customer id {raw:?}: {e}"))))?;
    let store = state.store.as_ref();
    let current = store
        .current_card(&id)
        .await
        .map_err(|e| fail(e.into()))?
        .ok_or_else(|| {
            fail(AppError::NoRun(
                "no score run yet: run `patron score` first".into(),
            ))
        })?;
    let text = current.card.ok_or_else(|| {
        fail(AppError::UnknownCustomer(format!(
            "customer {id} has no card in score run {}",
            current.run_id
        )))
    })?;
    let card: Card = serde_json::from_str(&text)
        .map_err(|e| fail(AppError::Corrupt(format!("the card of {id}: {e}"))))?;
    let record = store.customer(&id).await.map_err(|e| fail(e.into()))?;
    let timeline = patron_app::activity::timeline(store, &id, 200)
        .await
        .map_err(&fail)?;
    let activity = patron_app::activity::recent(store, &id, RECENT)
        .await
        .map_err(&fail)?;
    let ledger = match patron_app::explain::explain(&state.project, store, &id, None).await {
        Ok(explained) => {
            let mut entries: Vec<_> = explained.ledger.iter().collect();
            entries.sort_by_key(|e| std::cmp::Reverse(e.at));
            entries
                .into_iter()
                .take(LEDGER)
                .map(|e| LedgerRow {
                    at: e.at.date().to_string(),
                    score: e.score.clone(),
                    rule: e.rule.clone(),
                    points: decimal(e.points.to_f64(), 2, lang),
                    reason: e.reason.clone(),
                })
                .collect()
        }
        // A project without rules has no ledger; a customer acquired later has none yet.
        Err(AppError::Stale(_) | AppError::UnknownCustomer(_)) => Vec::new(),
        Err(e) => return Err(fail(e)),
    };
    let currency = &state.project.config.project.currency;
    let t = viewer.text();
    let series = |field: &str| -> Vec<f64> {
        timeline
            .iter()
            .filter_map(|c| c.card.get(field).and_then(serde_json::Value::as_f64))
            .collect()
    };
    let sparkline = |label: &'static str, field: &str, show: &dyn Fn(f64) -> String| {
        let values = series(field);
        let first_last = match (values.first(), values.last()) {
            (Some(a), Some(b)) => format!("{label}: {} → {}", show(*a), show(*b)),
            _ => format!("{label}: –"),
        };
        (label, charts::sparkline(&first_last, &values), first_last)
    };
    let sparklines = vec![
        sparkline(t.value_score, "value_score", &|v| decimal(v, 0, lang)),
        sparkline(t.churn_risk, "churn_risk", &|v| percent(v, 0, lang)),
        sparkline(t.clv, "clv", &|v| money(v, currency, lang)),
    ];
    let opt = |v: Option<f64>, show: &dyn Fn(f64) -> String| v.map_or_else(|| "–".into(), show);
    let mut figures: Vec<(&'static str, String)> = vec![
        (t.clv, opt(card.clv, &|v| money(v, currency, lang))),
        (t.p_alive, opt(card.p_alive, &|v| percent(v, 0, lang))),
        (
            t.expected_purchases,
            opt(card.expected_purchases, &|v| decimal(v, 1, lang)),
        ),
        (t.revenue, opt(card.revenue, &|v| money(v, currency, lang))),
        (t.orders, int(u64::from(card.orders), lang)),
        (
            t.days_since_last_order,
            opt(card.days_since_last_order, &|v| decimal(v, 0, lang)),
        ),
    ];
    if let Some(segment) = &card.rfm_segment {
        figures.push((t.rfm_segment, segment.clone()));
    }
    if let Some(abc) = &card.abc {
        figures.push((t.abc_class, abc.clone()));
    }
    let page = CustomerPage {
        chrome: Chrome::of(&viewer, &format!("{} {}", t.customer, id)),
        id: id.as_str().to_owned(),
        name: record.as_ref().and_then(|c| c.name.clone()),
        email: record.as_ref().and_then(|c| c.email.clone()),
        company: record.as_ref().and_then(|c| c.company.clone()),
        live: current.live,
        run_id: current.run_id,
        as_of: card.as_of.date().to_string(),
        tier: card.tier.clone(),
        status: t.status_name(&card.status),
        service: card.service.as_ref().map(|s| {
            format!(
                "{} · {} h · {}",
                s.queue,
                decimal(s.response_hours, 0, lang),
                s.escalation
            )
        }),
        value_score: card
            .value_score
            .map_or_else(|| "–".into(), |v| format!("{} / 100", decimal(v, 0, lang))),
        churn: opt(card.churn_risk, &|v| percent(v, 0, lang)),
        churn_reasons: card.churn_reasons.clone(),
        payment: match (card.payment_risk, &card.payment_band) {
            (Some(p), Some(band)) => format!("{} ({band})", percent(p, 0, lang)),
            (Some(p), None) => percent(p, 0, lang),
            _ => "–".into(),
        },
        payment_evidence: card.payment_evidence.clone(),
        contract: card.contract.as_ref().map(|c| {
            let mut summary = format!(
                "{} · {}/{}",
                c.running.len(),
                decimal(c.monthly_value, 2, lang),
                if matches!(lang, crate::web::Lang::De) {
                    "Monat"
                } else {
                    "month"
                }
            );
            if let Some(risk) = c.cancellation_risk {
                summary.push_str(&format!(" · {}", percent(risk, 0, lang)));
            }
            (summary, c.explanation.clone())
        }),
        action: card.action.clone(),
        offer: card.offer.clone(),
        next_purchase: card.next_purchase.map(|d| d.date().to_string()),
        stages: card
            .stages
            .iter()
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect(),
        scores: card
            .scores
            .iter()
            .map(|(k, v)| (k.clone(), decimal(*v, 0, lang)))
            .collect(),
        alarms: card
            .alarms
            .iter()
            .map(|a| (t.alarm_name(&a.kind), a.evidence.clone()))
            .collect(),
        consent_note: card.consent_note.clone(),
        figures,
        sparklines,
        ledger,
        orders: activity
            .orders
            .iter()
            .map(|o| {
                [
                    o.at.date().to_string(),
                    o.order_id.clone(),
                    money(o.amount, currency, lang),
                    o.lines.to_string(),
                ]
            })
            .collect(),
        events: activity
            .events
            .iter()
            .map(|e| [minute(e.at), e.event_type.clone()])
            .collect(),
        tickets: activity
            .tickets
            .iter()
            .map(|k| {
                [
                    k.opened_at.date().to_string(),
                    k.closed_at
                        .map_or_else(|| "–".into(), |c| c.date().to_string()),
                    if k.escalated { t.yes } else { t.no }.to_owned(),
                    k.sentiment
                        .map_or_else(|| "–".into(), |s| decimal(s, 2, lang)),
                ]
            })
            .collect(),
    };
    Ok(render(&page))
}
