//! The live-card refresher: one task recomputes the cards of customers whose facts were just
//! committed, against the latest run's snapshot, and stores them with their outbox messages
//! through the single writer.
//!
//! One task, rounds one after another: a round reads each customer's facts after their
//! commit, so the last card stored for a customer always reflects their latest facts, and two
//! requests for the same customer can never store their cards in the wrong order.
//!
//! Two queues: a request that waits for its cards (the default) is served first; a bulk load
//! that asked for its cards later (`?cards=later`) leaves its customers in a set that the task
//! works through between waiting requests, each customer once however often they were sent.

use crate::error::ApiError;
use crate::state::AppState;
use patron_app::ingest::{Refreshed, Touched, earliest, recompute_cards};
use patron_core::Timestamp;
use std::collections::VecDeque;
use std::sync::{Arc, Mutex};
use std::time::Instant;
use tokio::sync::{Notify, oneshot};

/// Customers recomputed at most in one round of the background set.
const BACKGROUND_ROUND: usize = 500;
/// How long a background round waits for facts being committed, and how often in a row.
const YIELD: std::time::Duration = std::time::Duration::from_millis(20);
const YIELDS: u32 = 50;

/// Customers of waiting requests taken together into one round at most.
const URGENT_ROUND: usize = 2_000;

/// What a round gives a request.
#[derive(Debug, Clone)]
pub enum Outcome {
    /// The recomputed cards.
    Cards(Refreshed),
    /// Why there are no live cards (no score run yet, the rules changed since the run).
    NoCards(String),
}

type Reply = oneshot::Sender<Result<Outcome, ApiError>>;

/// Merges `more` into `into`, keeping each customer's earliest time.
fn merge(into: &mut Touched, more: &Touched) {
    for (id, at) in more {
        let entry = into.entry(id.clone()).or_insert(*at);
        *entry = earliest(*entry, *at);
    }
}

#[derive(Default)]
struct Queues {
    urgent: VecDeque<(Touched, Reply)>,
    background: Touched,
    closed: bool,
}

/// The refresher's queues, shared by the request handlers and the task.
#[derive(Default)]
pub struct LiveQueue {
    queues: Mutex<Queues>,
    wake: Notify,
}

impl LiveQueue {
    /// Recomputes `customers`' cards and answers with them once they are stored.
    pub async fn refresh(&self, customers: Touched) -> Result<Outcome, ApiError> {
        let (reply, answer) = oneshot::channel();
        {
            let mut q = self.lock();
            if q.closed {
                return Err(shutting_down());
            }
            q.urgent.push_back((customers, reply));
        }
        self.wake.notify_one();
        answer.await.map_err(|_| shutting_down())?
    }

    /// Queues `customers`' cards to be recomputed soon; returns the customers waiting.
    pub fn later(&self, customers: Touched) -> usize {
        let pending = {
            let mut q = self.lock();
            merge(&mut q.background, &customers);
            q.background.len()
        };
        self.wake.notify_one();
        pending
    }

    /// Whether a request waits for its cards.
    pub fn has_urgent(&self) -> bool {
        !self.lock().urgent.is_empty()
    }

    /// Customers whose cards are queued and not yet recomputed.
    pub fn pending(&self) -> usize {
        let q = self.lock();
        q.background.len() + q.urgent.iter().map(|(c, _)| c.len()).sum::<usize>()
    }

    /// Takes no more requests; the task finishes what is queued and stops.
    pub fn close(&self) {
        self.lock().closed = true;
        self.wake.notify_one();
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Queues> {
        self.queues.lock().unwrap_or_else(|e| e.into_inner())
    }
}

fn shutting_down() -> ApiError {
    ApiError::from(patron_app::AppError::Io(
        "the server is shutting down".into(),
    ))
}

/// What a round works on.
enum Work {
    Urgent(Vec<(Touched, Reply)>, Touched),
    Background(Touched),
    Stop,
    Wait,
}

fn next_work(queue: &LiveQueue) -> Work {
    let mut q = queue.lock();
    if !q.urgent.is_empty() {
        let mut taken = Vec::new();
        let mut customers = 0;
        while let Some((ids, _)) = q.urgent.front() {
            if !taken.is_empty() && customers + ids.len() > URGENT_ROUND {
                break;
            }
            customers += ids.len();
            taken.push(q.urgent.pop_front().expect("a front"));
        }
        // A customer recomputed now need not be recomputed again for a bulk load (whose
        // earlier facts, if any, are taken along).
        let mut all = Touched::new();
        for (ids, _) in &taken {
            merge(&mut all, ids);
        }
        for (id, at) in all.iter_mut() {
            if let Some(pending) = q.background.remove(id) {
                *at = earliest(*at, pending);
            }
        }
        return Work::Urgent(taken, all);
    }
    if !q.background.is_empty() {
        let mut round = Touched::new();
        while round.len() < BACKGROUND_ROUND {
            let Some((id, at)) = q.background.pop_first() else {
                break;
            };
            round.insert(id, at);
        }
        return Work::Background(round);
    }
    if q.closed { Work::Stop } else { Work::Wait }
}

/// The refresher task: runs until the queue is closed and empty.
pub async fn run(state: Arc<AppState>) {
    let mut yielded = 0;
    loop {
        // Background rounds give way to facts waiting to be committed (a bulk load commits at
        // full speed and its cards follow), though not for longer than a second at a time.
        if yielded < YIELDS && state.writer.facts_waiting() && !state.live.has_urgent() {
            yielded += 1;
            tokio::time::sleep(YIELD).await;
            continue;
        }
        yielded = 0;
        // Registered before looking, so a wake between the look and the wait is not lost.
        let notified = state.live.wake.notified();
        match next_work(&state.live) {
            Work::Stop => return,
            Work::Wait => notified.await,
            Work::Background(customers) => {
                if let Err(e) = round(&state, &customers).await {
                    tracing::error!(
                        code = e.code().as_str(),
                        customers = customers.len(),
                        "live cards not refreshed"
                    );
                }
            }
            Work::Urgent(requests, all) => {
                let outcome = round(&state, &all).await;
                for (customers, reply) in requests {
                    let _ = reply.send(outcome.clone().map(|o| o.only(&customers)));
                }
            }
        }
    }
}

impl Outcome {
    /// The part of the outcome that concerns `customers`.
    fn only(self, customers: &Touched) -> Outcome {
        match self {
            Outcome::NoCards(why) => Outcome::NoCards(why),
            Outcome::Cards(r) => Outcome::Cards(Refreshed {
                changes: r
                    .changes
                    .into_iter()
                    .filter(|c| customers.contains_key(&c.customer_id))
                    .collect(),
                not_scored: r
                    .not_scored
                    .into_iter()
                    .filter(|n| customers.contains_key(&n.customer_id))
                    .collect(),
                rows: Vec::new(),
                messages: Vec::new(),
                done: Vec::new(),
            }),
        }
    }
}

/// Recomputes and stores `customers`' cards against the latest run.
async fn round(state: &AppState, customers: &Touched) -> Result<Outcome, ApiError> {
    // A scorer that cannot be prepared leaves the facts stored and says why there are no cards.
    let scorer = match state.scorer().await {
        Ok(Some(scorer)) => scorer,
        Ok(None) => return Ok(Outcome::NoCards("no score run yet: no live cards".into())),
        Err(e) => return Ok(Outcome::NoCards(format!("no live cards: {e}"))),
    };
    let started = Instant::now();
    let as_of = state.live_as_of(&scorer);
    let now = now();
    let mut refreshed =
        recompute_cards(state.store.as_ref(), &scorer, customers, Some(as_of), now).await?;
    let rows = std::mem::take(&mut refreshed.rows);
    let messages = std::mem::take(&mut refreshed.messages);
    let done = std::mem::take(&mut refreshed.done);
    let deliveries = state
        .writer
        .store_cards(rows, messages, done, now.secs())
        .await?;
    if deliveries > 0 {
        state.deliveries_wake.notify_one();
    }
    if !customers.is_empty() {
        let each = started.elapsed().as_secs_f64() / customers.len() as f64;
        for _ in 0..customers.len() {
            state.metrics.live_card(each);
        }
    }
    Ok(Outcome::Cards(refreshed))
}

fn now() -> Timestamp {
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64);
    Timestamp::from_secs(secs)
}
