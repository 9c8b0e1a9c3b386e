//! `GET /worklists/contested`: the worklist of customers contesting an automated decision
//! (GDPR Art. 22 (3)), oldest first, with their card beside what they say; a key with the
//! admin scope resolves them here (`POST /worklists/contested/resolve`, CSRF-protected).

use super::{Chrome, PageResult, failed, message_page, render};
use crate::state::AppState;
use crate::web::format::{decimal, percent};
use crate::web::{Viewer, local_path};
use askama::Template;
use axum::Form;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect};
use patron_app::AppError;
use patron_store::{ContestResolution, Scope};
use serde::Deserialize;
use std::sync::Arc;

/// Open contests shown at most (they are meant to be few: each waits for a person).
const SHOWN: u32 = 500;

#[derive(Template)]
#[template(path = "contests.html")]
struct ContestsPage {
    chrome: Chrome,
    rows: Vec<Row>,
    can_resolve: bool,
    done: Option<String>,
    back: String,
}

struct Row {
    contest: i64,
    customer: String,
    href: String,
    decision: String,
    statement: String,
    channel: String,
    received: String,
    tier: String,
    status: String,
    value_score: String,
    churn: String,
    action: String,
}

/// What the page is asked for.
#[derive(Debug, Default, Deserialize)]
pub struct PageQuery {
    /// The contest just resolved.
    done: Option<String>,
}

/// The open contests, oldest first (the longest waiting at the top).
pub async fn page(
    State(state): State<Arc<AppState>>,
    viewer: Viewer,
    Query(query): Query<PageQuery>,
) -> PageResult {
    let lang = viewer.lang;
    let t = viewer.text();
    let mut contests = patron_app::contests::list(state.store.as_ref(), None, true, SHOWN)
        .await
        .map_err(failed(lang))?;
    contests.reverse();
    let run = state.store.latest_run_id().await.ok().flatten();
    let mut rows = Vec::with_capacity(contests.len());
    for c in contests {
        let card = match run {
            Some(run) => patron_app::cards::card_in_run(state.store.as_ref(), run, &c.customer_id)
                .await
                .ok(),
            None => None,
        };
        let dash = || "–".to_owned();
        rows.push(Row {
            contest: c.id,
            href: super::customer::customer_href(c.customer_id.as_str()),
            customer: c.customer_id.to_string(),
            decision: decision_name(&c.decision, lang).to_owned(),
            statement: c.statement,
            channel: c.channel,
            received: minutes(&c.received_at),
            tier: card.as_ref().map_or_else(dash, |c| c.tier.clone()),
            status: card
                .as_ref()
                .map_or_else(dash, |c| t.status_name(&c.status)),
            value_score: card
                .as_ref()
                .and_then(|c| c.value_score)
                .map_or_else(dash, |v| decimal(v, 0, lang)),
            churn: card
                .as_ref()
                .and_then(|c| c.churn_risk)
                .map_or_else(dash, |v| percent(v, 0, lang)),
            action: card
                .as_ref()
                .and_then(|c| c.action.clone())
                .unwrap_or_else(dash),
        });
    }
    Ok(render(&ContestsPage {
        chrome: Chrome::of(&viewer, t.contested_title),
        rows,
        can_resolve: viewer.key.scope.allows(Scope::Admin) && viewer.csrf.is_some(),
        done: query.done,
        back: viewer.path.clone(),
    }))
}

/// A wall-clock time as `YYYY-MM-DD HH:MM` (UTC).
fn minutes(iso: &str) -> String {
    iso.replacen('T', " ", 1).chars().take(16).collect()
}

/// What is contested, in the reader's language.
fn decision_name(decision: &str, lang: crate::web::i18n::Lang) -> &str {
    use crate::web::i18n::Lang;
    let (en, de) = match decision {
        "tier" => ("Tier", "Stufe"),
        "status" => ("Status", "Status"),
        "action" => ("Next action", "Nächste Aktion"),
        "value_score" => ("Value score", "Wertpunktzahl"),
        "churn_risk" => ("Churn risk", "Abwanderungsrisiko"),
        "offer" => ("Offer", "Angebot"),
        "payment_risk" => ("Payment risk", "Zahlungsrisiko"),
        "other" => ("Other", "Sonstiges"),
        other => return other,
    };
    match lang {
        Lang::En => en,
        Lang::De => de,
    }
}

/// The form of a "resolve" button.
#[derive(Debug, Deserialize)]
pub struct ResolveForm {
    csrf: String,
    contest: i64,
    outcome: String,
    resolution: String,
    back: Option<String>,
}

/// Resolves a contest through the same use case as `patron contest resolve`.
pub async fn resolve(
    State(state): State<Arc<AppState>>,
    viewer: Viewer,
    Form(form): Form<ResolveForm>,
) -> PageResult {
    let lang = viewer.lang;
    viewer.check_csrf(&form.csrf)?;
    if !viewer.key.scope.allows(Scope::Admin) {
        return Err(message_page(
            lang,
            StatusCode::FORBIDDEN,
            &format!("{}: {} ≠ admin", viewer.key.name, viewer.key.scope.as_str()),
        ));
    }
    let resolution = ContestResolution {
        outcome: form.outcome,
        resolution: form.resolution,
        resolved_by: viewer.key.name.clone(),
    };
    let record = patron_app::contests::resolve(state.store.as_ref(), form.contest, resolution)
        .await
        .map_err(|e: AppError| failed(lang)(e))?;
    let back = local_path(form.back.as_deref());
    let back = back.split('?').next().unwrap_or("/worklists/contested");
    Ok(Redirect::to(&format!("{back}?done={}", record.id)).into_response())
}
