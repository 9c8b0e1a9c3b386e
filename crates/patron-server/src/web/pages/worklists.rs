//! `GET /worklists` and `GET /worklists/{list}`: the customers someone should act on —
//! valuable customers at risk, sleepers to win back, qualified leads, upsell candidates,
//! payment risks, and every segment of the project — a page at a time, filtered further in
//! the condition language, exported as CSV, and marked handled (an outcome recording who
//! and when).

use super::{Chrome, PageResult, api_error_page, failed, message_page, render};
use crate::state::AppState;
use crate::web::format::{decimal, int, money, percent};
use crate::web::i18n::Lang;
use crate::web::{Viewer, local_path};
use askama::Template;
use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use patron_app::AppError;
use patron_app::worklists::Member;
use patron_core::ids::CustomerId;
use patron_engine::scorecard::Card;
use patron_store::Scope;
use serde::Deserialize;
use std::sync::Arc;

/// Rows per page.
const PAGE: usize = 50;

/// A list every project has: a name for its address, titles, and its condition.
struct BuiltIn {
    slug: &'static str,
    en: &'static str,
    de: &'static str,
    condition: &'static str,
}

/// The lists of the seeds' roles, in conditions every project's cards answer.
const BUILT_IN: &[BuiltIn] = &[
    BuiltIn {
        slug: "rescue",
        en: "Valuable customers at risk",
        de: "Wertvolle Kunden in Gefahr",
        condition: r#"portfolio == "rescue""#,
    },
    BuiltIn {
        slug: "win-back",
        en: "Sleepers to win back",
        de: "Schläfer zurückgewinnen",
        condition: "alarm.sleeper",
    },
    BuiltIn {
        slug: "leads",
        en: "Qualified leads (MQL/SQL)",
        de: "Qualifizierte Interessenten (MQL/SQL)",
        condition: "alarm.lead_qualified",
    },
    BuiltIn {
        slug: "upsell",
        en: "Upsell candidates",
        de: "Kandidaten für Upselling",
        condition: "potential >= 0.2 && churn_risk < 0.5",
    },
    BuiltIn {
        slug: "payment",
        en: "Payment risks",
        de: "Zahlungsrisiken",
        condition: r#"payment_band in ["medium", "high"]"#,
    },
];

/// A worklist: its address, title and condition.
pub struct Worklist {
    /// `rescue`, …, or `segment-NAME`.
    pub slug: String,
    /// Its title in the reader's language.
    pub title: String,
    /// The condition its cards meet.
    pub condition: String,
}

/// The lists of `project` in `lang`: the built-in ones, then its configured segments, then the
/// segments saved from the dashboard.
pub fn worklists(
    project: &patron_app::Project,
    saved: &[patron_store::SavedSegment],
    lang: Lang,
) -> Vec<Worklist> {
    let mut lists: Vec<Worklist> = BUILT_IN
        .iter()
        .map(|b| Worklist {
            slug: b.slug.into(),
            title: match lang {
                Lang::De => b.de,
                Lang::En => b.en,
            }
            .into(),
            condition: b.condition.into(),
        })
        .collect();
    // Fixed-term contracts whose notice date falls within the renewal lead time of `[contracts]`.
    let lead = project.config.contracts.renewal_lead_days;
    lists.push(Worklist {
        slug: "renewals".into(),
        title: match lang {
            Lang::De => format!("Fällige Verlängerungen (Kündigungsfrist in ≤ {lead} Tagen)"),
            Lang::En => format!("Renewals due (notice date in ≤ {lead} days)"),
        },
        condition: "renewal_due".into(),
    });
    for (name, segment) in &project.config.segments {
        lists.push(Worklist {
            slug: format!("segment-{name}"),
            title: if segment.description.is_empty() {
                name.clone()
            } else {
                format!("{name}: {}", segment.description)
            },
            condition: segment.condition.clone(),
        });
    }
    for segment in saved {
        lists.push(Worklist {
            slug: format!("saved-{}", segment.name),
            title: if segment.description.is_empty() {
                segment.name.clone()
            } else {
                format!("{}: {}", segment.name, segment.description)
            },
            condition: segment.condition.clone(),
        });
    }
    lists
}

/// Every list of the server's project and store.
async fn all(state: &AppState, lang: Lang) -> Result<Vec<Worklist>, Response> {
    let saved = state
        .store
        .saved_segments()
        .await
        .map_err(|e| failed(lang)(e.into()))?;
    Ok(worklists(&state.project, &saved, lang))
}

/// The members of the built-in lists and the project's segments in the latest run, computed
/// once per run in the background (one pass over its cards) and kept: until they are ready, and
/// for saved segments and further conditions, pages read the run's cards in id order.
#[derive(Default)]
pub struct ListCache {
    state: tokio::sync::Mutex<CacheState>,
}

#[derive(Default)]
struct CacheState {
    ready: Option<Arc<patron_app::worklists::Memberships>>,
    building: Option<i64>,
}

impl ListCache {
    /// The memberships of the latest run if they are ready; otherwise starts computing them
    /// (once) and answers `None`.
    pub async fn get(
        &self,
        state: &Arc<AppState>,
    ) -> Option<Arc<patron_app::worklists::Memberships>> {
        let latest = state.store.latest_run_id().await.ok().flatten()?;
        let mut cache = self.state.lock().await;
        if let Some(ready) = &cache.ready
            && ready.run_id == latest
        {
            return Some(ready.clone());
        }
        if cache.building != Some(latest) {
            cache.building = Some(latest);
            let state = state.clone();
            tokio::spawn(async move {
                let lists: Vec<(String, String)> = worklists(&state.project, &[], Lang::En)
                    .into_iter()
                    .map(|w| (w.slug, w.condition))
                    .collect();
                let started = std::time::Instant::now();
                let computed = patron_app::worklists::memberships(
                    &state.project,
                    state.store.as_ref(),
                    &lists,
                )
                .await;
                let mut cache = state.lists.state.lock().await;
                cache.building = None;
                match computed {
                    Ok(m) => {
                        tracing::info!(
                            run = m.run_id,
                            seconds = started.elapsed().as_secs_f64(),
                            "worklists prepared"
                        );
                        cache.ready = Some(Arc::new(m));
                    }
                    Err(e) => tracing::error!(error = %e, "worklists not prepared"),
                }
            });
        }
        None
    }
}

/// The list `slug`, or the page saying there is none.
async fn find(state: &AppState, lang: Lang, slug: &str) -> Result<Worklist, Response> {
    all(state, lang)
        .await?
        .into_iter()
        .find(|w| w.slug == slug)
        .ok_or_else(|| {
            message_page(
                lang,
                StatusCode::NOT_FOUND,
                &format!("{}: {slug}", lang.text().not_found),
            )
        })
}

#[derive(Template)]
#[template(path = "worklists.html")]
struct IndexPage {
    chrome: Chrome,
    lists: Vec<Worklist>,
    /// Contests waiting on the contested-decisions list.
    open_contests: usize,
}

/// The lists (and the run's lists prepared in the background, if they are not yet).
pub async fn index(State(state): State<Arc<AppState>>, viewer: Viewer) -> PageResult {
    let _ready = state.lists.get(&state).await;
    let open_contests = patron_app::contests::list(state.store.as_ref(), None, true, 10_000)
        .await
        .map_err(failed(viewer.lang))?
        .len();
    Ok(render(&IndexPage {
        chrome: Chrome::of(&viewer, viewer.text().nav_worklists),
        lists: all(&state, viewer.lang).await?,
        open_contests,
    }))
}

/// What a worklist page is asked for.
#[derive(Debug, Default, Deserialize)]
pub struct ListQuery {
    /// A further condition.
    #[serde(rename = "where")]
    condition: Option<String>,
    /// The page begins after this customer.
    after: Option<String>,
    /// `value_score`, `churn_risk` or `clv` (descending), else customer id.
    sort: Option<String>,
    /// The customer just marked handled.
    done: Option<String>,
}

#[derive(Template)]
#[template(path = "worklist.html")]
struct ListPage {
    chrome: Chrome,
    list: Worklist,
    extra: String,
    problem: Option<String>,
    rows: Vec<Row>,
    next: Option<String>,
    sort: String,
    sort_links: Vec<(&'static str, String, bool)>,
    export_csv: String,
    export_csv_de: String,
    can_mark: bool,
    back: String,
    done: Option<String>,
    /// Customers on the list, when the run's lists are prepared.
    total: Option<String>,
    /// Sorting orders the whole list (else the page).
    whole_list_sorted: bool,
}

struct Row {
    id: String,
    href: String,
    tier: String,
    status: String,
    value_score: String,
    churn: String,
    clv: String,
    action: String,
    alarms: String,
}

/// The condition of `list` with the reader's further condition, if any.
fn condition(list: &Worklist, extra: &str) -> String {
    if extra.trim().is_empty() {
        list.condition.clone()
    } else {
        format!("({}) && ({})", list.condition, extra.trim())
    }
}

fn query_string(pairs: &[(&str, &str)]) -> String {
    let mut q = url::form_urlencoded::Serializer::new(String::new());
    for (k, v) in pairs {
        if !v.is_empty() {
            q.append_pair(k, v);
        }
    }
    q.finish()
}

/// A page of a worklist.
pub async fn page(
    State(state): State<Arc<AppState>>,
    viewer: Viewer,
    Path(slug): Path<String>,
    Query(query): Query<ListQuery>,
) -> PageResult {
    let lang = viewer.lang;
    let t = viewer.text();
    let list = find(&state, lang, &slug).await?;
    let extra = query.condition.clone().unwrap_or_default();
    let sort = query.sort.clone().unwrap_or_default();
    let currency = &state.project.config.project.currency;
    let after = match query.after.as_deref().map(CustomerId::parse) {
        Some(Ok(id)) => Some(id),
        Some(Err(e)) => return Err(failed(lang)(AppError::Invalid(e.to_string()))),
        None => None,
    };
    let mut problem = None;
    let mut cards = Vec::new();
    let mut more = false;
    let mut total = None;
    let prepared = if extra.trim().is_empty() {
        state.lists.get(&state).await
    } else {
        None
    };
    match prepared
        .as_ref()
        .and_then(|m| m.lists.get(&slug).map(|l| (m.run_id, l)))
    {
        // The run's members of the list, kept by the server: any order, any page, no scan.
        Some((run_id, members)) => {
            let ordered = patron_app::worklists::sorted(members, &sort);
            let start = after.as_ref().map_or(0, |id| {
                ordered
                    .iter()
                    .position(|m| &m.customer_id == id)
                    .map_or(ordered.len(), |i| i + 1)
            });
            let page = ordered.get(start..).unwrap_or_default();
            more = page.len() > PAGE;
            for member in page.iter().take(PAGE) {
                let card = patron_app::cards::card_in_run(
                    state.store.as_ref(),
                    run_id,
                    &member.customer_id,
                )
                .await
                .map_err(failed(lang))?;
                cards.push(card);
            }
            total = Some(ordered.len());
        }
        // A further condition, or lists not prepared yet: the run's cards in id order.
        None => match patron_app::cards::card_filter(
            &state.project,
            Some(&condition(&list, &extra)),
            None,
        ) {
            Err(e) => problem = Some(e.to_string()),
            Ok(filter) => {
                let (_, page, page_more) = patron_app::cards::page_by_id(
                    state.store.as_ref(),
                    None,
                    filter.as_ref(),
                    after.as_ref(),
                    PAGE,
                )
                .await
                .map_err(failed(lang))?;
                cards = sort_page(page, &sort);
                more = page_more;
            }
        },
    }
    let next = match (more, total.is_some()) {
        // In the prepared order the last row is where the next page begins; in id order it
        // is the highest id of the page, before the page was sorted.
        (true, true) => cards.last().map(|c| c.customer_id.clone()),
        (true, false) => cards.iter().map(|c| c.customer_id.clone()).max(),
        (false, _) => None,
    }
    .map(|last| {
        format!(
            "/worklists/{slug}?{}",
            query_string(&[("where", &extra), ("sort", &sort), ("after", last.as_str())])
        )
    });
    let rows = cards
        .iter()
        .map(|c| Row {
            id: c.customer_id.as_str().to_owned(),
            href: super::customer::customer_href(c.customer_id.as_str()),
            tier: c.tier.clone(),
            status: t.status_name(&c.status),
            value_score: c
                .value_score
                .map_or_else(|| "–".into(), |v| decimal(v, 0, lang)),
            churn: c
                .churn_risk
                .map_or_else(|| "–".into(), |v| percent(v, 0, lang)),
            clv: c
                .clv
                .map_or_else(|| "–".into(), |v| money(v, currency, lang)),
            action: c.action.clone().unwrap_or_default(),
            alarms: c
                .alarms
                .iter()
                .map(|a| t.alarm_name(&a.kind))
                .collect::<Vec<_>>()
                .join(", "),
        })
        .collect();
    let whole_list_sorted = total.is_some();
    let total = total.map(|n| int(n as u64, lang));
    let here = |sort: &str| {
        format!(
            "/worklists/{slug}?{}",
            query_string(&[
                ("where", &extra),
                ("sort", sort),
                ("after", query.after.as_deref().unwrap_or_default())
            ])
        )
    };
    let sort_links = [
        ("customer_id", t.customer),
        ("value_score", t.value_score),
        ("churn_risk", t.churn_risk),
        ("clv", t.clv),
    ]
    .into_iter()
    .map(|(key, label)| {
        let current = sort == key || (sort.is_empty() && key == "customer_id");
        (label, here(key), current)
    })
    .collect();
    let export = |format: &str| {
        format!(
            "/worklists/{slug}/export?{}",
            query_string(&[("format", format), ("where", &extra)])
        )
    };
    let status = if problem.is_some() {
        StatusCode::BAD_REQUEST
    } else {
        StatusCode::OK
    };
    let page = ListPage {
        chrome: Chrome::of(&viewer, &list.title),
        export_csv: export("csv"),
        export_csv_de: export("csv-de"),
        can_mark: viewer.key.scope.allows(Scope::Ingest) && viewer.csrf.is_some(),
        back: viewer.path.clone(),
        done: query.done.clone(),
        list,
        extra,
        problem,
        rows,
        next,
        sort,
        sort_links,
        total,
        whole_list_sorted,
    };
    Ok((status, render(&page)).into_response())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_built_in_list_is_a_valid_condition() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("patron.toml"), "").unwrap();
        let project = patron_app::Project::load(dir.path().to_owned(), None).unwrap();
        for list in worklists(&project, &[], Lang::En) {
            let compiled =
                patron_app::cards::card_filter(&project, Some(&condition(&list, "clv > 0")), None);
            assert!(compiled.is_ok(), "{}: {:?}", list.slug, compiled.err());
        }
    }
}

/// Sorts a page's cards as a prepared list is sorted.
fn sort_page(cards: Vec<Card>, sort: &str) -> Vec<Card> {
    let mut pairs: Vec<(Member, Card)> = cards.into_iter().map(|c| (Member::of(&c), c)).collect();
    pairs.sort_by(|a, b| patron_app::worklists::compare(sort, &a.0, &b.0));
    pairs.into_iter().map(|(_, card)| card).collect()
}

/// The export's format and further condition.
#[derive(Debug, Deserialize)]
pub struct ExportQuery {
    format: Option<String>,
    #[serde(rename = "where")]
    condition: Option<String>,
}

/// The whole worklist (every page) as CSV: the API's export, with the list's condition.
pub async fn export(
    State(state): State<Arc<AppState>>,
    viewer: Viewer,
    Path(slug): Path<String>,
    Query(query): Query<ExportQuery>,
) -> PageResult {
    let lang = viewer.lang;
    let list = find(&state, lang, &slug).await?;
    let text = condition(&list, query.condition.as_deref().unwrap_or_default());
    super::export_condition(
        &state,
        lang,
        &text,
        query.format.as_deref(),
        &format!("worklist-{slug}"),
    )
    .await
}

/// The form of a "handled" button.
#[derive(Debug, Deserialize)]
pub struct HandledForm {
    csrf: String,
    customer_id: String,
    back: Option<String>,
}

/// Marks a customer of a list handled: an outcome `handled` at this moment whose label names
/// the list and the key that marked it, stored through the same path as the API's outcomes
/// (the card is recomputed). Needs a key that may ingest, and the session's CSRF token.
pub async fn handled(
    State(state): State<Arc<AppState>>,
    viewer: Viewer,
    Path(slug): Path<String>,
    Form(form): Form<HandledForm>,
) -> PageResult {
    let lang = viewer.lang;
    viewer.check_csrf(&form.csrf)?;
    if !viewer.key.scope.allows(Scope::Ingest) {
        return Err(message_page(
            lang,
            StatusCode::FORBIDDEN,
            &format!(
                "{}: {} ≠ ingest",
                viewer.key.name,
                viewer.key.scope.as_str()
            ),
        ));
    }
    let list = find(&state, lang, &slug).await?;
    let customer = CustomerId::parse(&form.customer_id)
        .map_err(|e| failed(lang)(AppError::Invalid(e.to_string())))?;
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64);
    let outcome = patron_core::model::Outcome {
        customer_id: customer.clone(),
        kind: "handled".into(),
        at: patron_core::Timestamp::from_secs(now),
        label: Some(format!(
            "{} ({}) by {}",
            list.title, list.slug, viewer.key.name
        )),
    };
    // Answered once the card is recomputed: the page the reader goes back to shows it.
    let _stored = crate::routes::ingest::ingest(
        &state,
        patron_app::ingest::Facts::Outcomes(vec![outcome]),
        crate::routes::ingest::CardsMode::Wait,
    )
    .await
    .map_err(|e| api_error_page(lang, &e))?;
    tracing::info!(
        key = viewer.key.id,
        list = list.slug,
        "worklist item marked handled"
    );
    let back = local_path(form.back.as_deref());
    let separator = if back.contains('?') { '&' } else { '?' };
    let done: String = url::form_urlencoded::byte_serialize(customer.as_str().as_bytes()).collect();
    Ok(Redirect::to(&format!("{back}{separator}done={done}")).into_response())
}
