//! Reading stored cards: a customer's card and history, the cards matching a condition, and a
//! new ticket's route — what `show`, `export`, `report`, `route` and the API's reads share.

use crate::AppError;
use crate::project::Project;
use patron_core::Timestamp;
use patron_core::ids::CustomerId;
use patron_engine::scorecard::{Card, CardFilter, Route, field_names};
use patron_store::{AlarmRecord, ScoreRunRecord, Store};

/// Run `id`, or the latest run: the one with the latest `as_of` (the latest created among
/// equals, as [`Store::score_run`] picks it), so a back-dated run made later never becomes
/// "the current card".
pub async fn run_or_latest(store: &dyn Store, id: Option<i64>) -> Result<ScoreRunRecord, AppError> {
    store.score_run(id).await?.ok_or_else(|| {
        AppError::NoRun(match id {
            Some(id) => format!("there is no score run {id}"),
            None => "no score run yet: run `patron score` first".into(),
        })
    })
}

/// Customer `id`'s card in run `run` (default: the latest).
pub async fn stored_card(
    store: &dyn Store,
    run: Option<i64>,
    id: &CustomerId,
) -> Result<(ScoreRunRecord, Card), AppError> {
    let run = run_or_latest(store, run).await?;
    let record = store.card(run.id, id).await?.ok_or_else(|| {
        AppError::UnknownCustomer(format!("customer {id} has no card in score run {}", run.id))
    })?;
    let card = serde_json::from_str(&record.card)
        .map_err(|e| AppError::Corrupt(format!("card of {id} in run {}: {e}", run.id)))?;
    Ok((run, card))
}

/// Customer `id`'s card in run `run`, without reading the run's record (the hot path of a
/// server: the run's id is known).
pub async fn card_in_run(store: &dyn Store, run: i64, id: &CustomerId) -> Result<Card, AppError> {
    let record = store.card(run, id).await?.ok_or_else(|| {
        AppError::UnknownCustomer(format!("customer {id} has no card in score run {run}"))
    })?;
    serde_json::from_str(&record.card)
        .map_err(|e| AppError::Corrupt(format!("card of {id} in run {run}: {e}")))
}

/// The id of the latest run (as [`run_or_latest`] picks it), read without its record.
pub async fn latest_run_id(store: &dyn Store) -> Result<i64, AppError> {
    store
        .latest_run_id()
        .await?
        .ok_or_else(|| AppError::NoRun("no score run yet: run `patron score` first".into()))
}

/// A customer's card, its history over runs and their alarm episodes.
pub struct CustomerView {
    /// The run the card is from.
    pub run: ScoreRunRecord,
    /// The card.
    pub card: Card,
    /// (run, as_of, card) of every run that scored the customer, oldest first.
    pub history: Vec<(i64, Timestamp, patron_store::CardRecord)>,
    /// Their alarm episodes, open and cleared.
    pub alarms: Vec<AlarmRecord>,
}

/// Customer `id`'s card in run `run` (default: the latest), with history and alarm episodes.
pub async fn customer(
    store: &dyn Store,
    run: Option<i64>,
    id: &CustomerId,
) -> Result<CustomerView, AppError> {
    let (run, card) = stored_card(store, run, id).await?;
    Ok(CustomerView {
        run,
        card,
        history: store.card_history(id).await?,
        alarms: store.customer_alarms(id).await?,
    })
}

/// The card condition of a `where` text or of a named `[segments]` entry, compiled.
pub fn card_filter(
    project: &Project,
    condition: Option<&str>,
    segment: Option<&str>,
) -> Result<Option<CardFilter>, AppError> {
    let text = match (condition, segment) {
        (Some(c), None) => c.to_owned(),
        (None, Some(name)) => match project.config.segments.get(name) {
            Some(s) => s.condition.clone(),
            None => {
                let names: Vec<&str> = project.config.segments.keys().map(String::as_str).collect();
                return Err(AppError::Filter(format!(
                    "no segment {name:?} in patron.toml{}",
                    patron_core::config::did_you_mean(name, names.iter().copied())
                )));
            }
        },
        (Some(_), Some(_)) => {
            return Err(AppError::Filter(
                "use a condition or a segment, not both".into(),
            ));
        }
        (None, None) => return Ok(None),
    };
    let names = patron_engine::scorecard::Vocabulary::of(&project.config);
    CardFilter::compile(&text)
        .and_then(|f| {
            f.check_names(&names)?;
            Ok(f)
        })
        .map(Some)
        .map_err(|e| {
            AppError::Filter(format!(
                "{text:?}: {e}; fields: {}",
                field_names().join(", ")
            ))
        })
}

/// The cards of run `run` (default: the latest) that match `filter`, in customer-id order.
pub async fn matching_cards(
    store: &dyn Store,
    run: Option<i64>,
    filter: Option<&CardFilter>,
) -> Result<(ScoreRunRecord, Vec<Card>), AppError> {
    let run = run_or_latest(store, run).await?;
    // Chunk by chunk: only the matching cards are kept, and each chunk is parsed on all threads.
    let mut out = Vec::new();
    let mut chunks = store.card_chunks(run.id).await?;
    while let Some(chunk) = chunks.recv().await {
        out.extend(parse_matching(run.id, &chunk?, filter)?);
    }
    Ok((run, out))
}

/// A page of the cards of run `run` (default: the latest) that match `filter`, in customer-id
/// order, after customer `after`: at most `limit` cards, and whether more follow. Reads only
/// as far as the page goes.
pub async fn page_by_id(
    store: &dyn Store,
    run: Option<i64>,
    filter: Option<&CardFilter>,
    after: Option<&CustomerId>,
    limit: usize,
) -> Result<(ScoreRunRecord, Vec<Card>, bool), AppError> {
    let run = run_or_latest(store, run).await?;
    let mut chunks = store.card_page_chunks(run.id, after).await?;
    let mut page = Vec::with_capacity(limit + 1);
    while let Some(chunk) = chunks.recv().await {
        page.extend(parse_matching(run.id, &chunk?, filter)?);
        if page.len() > limit {
            break;
        }
    }
    let more = page.len() > limit;
    page.truncate(limit);
    Ok((run, page, more))
}

/// [`matching_cards`] a chunk at a time, for a reader that streams them: chunks are read,
/// parsed and filtered on a task of their own, a few ahead of the reader.
pub async fn matching_chunks(
    store: &dyn Store,
    run: Option<i64>,
    filter: Option<CardFilter>,
) -> Result<
    (
        ScoreRunRecord,
        tokio::sync::mpsc::Receiver<Result<Vec<Card>, AppError>>,
    ),
    AppError,
> {
    let run = run_or_latest(store, run).await?;
    let mut chunks = store.card_chunks(run.id).await?;
    let (sender, receiver) = tokio::sync::mpsc::channel(2);
    let run_id = run.id;
    let filter = std::sync::Arc::new(filter);
    tokio::spawn(async move {
        while let Some(chunk) = chunks.recv().await {
            let filter = filter.clone();
            let parsed = match chunk {
                Ok(records) => tokio::task::spawn_blocking(move || {
                    parse_matching(run_id, &records, filter.as_ref().as_ref())
                })
                .await
                .unwrap_or_else(|e| Err(AppError::Io(e.to_string()))),
                Err(e) => Err(e.into()),
            };
            let failed = parsed.is_err();
            // A reader that went away (a client that hung up) stops the reading.
            if sender.send(parsed).await.is_err() || failed {
                return;
            }
        }
    });
    Ok((run, receiver))
}

/// The cards of `records` that match `filter`, parsed on all threads.
fn parse_matching(
    run: i64,
    records: &[patron_store::CardRecord],
    filter: Option<&CardFilter>,
) -> Result<Vec<Card>, AppError> {
    use rayon::prelude::*;
    let cards: Vec<Card> = records
        .par_iter()
        .map(|record| serde_json::from_str(&record.card))
        .collect::<Result<_, _>>()
        .map_err(|e| AppError::Corrupt(format!("a card of run {run}: {e}")))?;
    Ok(cards
        .into_iter()
        .filter(|card| filter.is_none_or(|f| f.matches(card)))
        .collect())
}

/// Where a new ticket of customer `id` opened at `opened` (default: the card's `as_of`) goes:
/// queue, deadline and why, from their card in the latest run and the service matrix.
pub async fn route(
    store: &dyn Store,
    id: &CustomerId,
    opened: Option<Timestamp>,
) -> Result<Route, AppError> {
    let (_, card) = stored_card(store, None, id).await?;
    let opened = opened.unwrap_or(card.as_of);
    patron_engine::scorecard::route(&card, opened).ok_or_else(|| {
        AppError::Stale(format!(
            "tier {:?} has no [service.{}] entry",
            card.tier, card.tier
        ))
    })
}
