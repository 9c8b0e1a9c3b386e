//! The single writer: every fact sent through the API, and every live card with its outbox
//! messages, is committed by one task, which takes the fact requests waiting together and
//! commits them in one transaction (group commit). So concurrent requests never contend for
//! SQLite's write lock among themselves, and a burst of small requests costs one commit, not
//! one each.

use patron_app::AppError;
use patron_app::ingest::{Facts, Stored, store_facts};
use patron_core::ids::CustomerId;
use patron_store::Store;
use std::sync::Arc;
use tokio::sync::{Mutex, mpsc, oneshot};

/// Requests committed together at most.
const GROUP: usize = 64;

enum Job {
    Facts {
        facts: Facts,
        reply: oneshot::Sender<Result<Stored, AppError>>,
    },
    Patch {
        id: CustomerId,
        patch: serde_json::Map<String, serde_json::Value>,
        reply: oneshot::Sender<Result<Stored, AppError>>,
    },
    Cards {
        rows: Vec<(CustomerId, i64, String)>,
        messages: Vec<(String, String, String)>,
        done: Vec<CustomerId>,
        now: i64,
        reply: oneshot::Sender<Result<u64, AppError>>,
    },
}

/// The handle requests send their facts through.
pub struct Writer {
    sender: Mutex<Option<mpsc::Sender<Job>>>,
    task: Mutex<Option<tokio::task::JoinHandle<()>>>,
    /// Fact requests sent and not yet answered.
    facts_waiting: std::sync::Arc<std::sync::atomic::AtomicUsize>,
}

impl Writer {
    /// Starts the writer task on `store`.
    pub fn start(store: Arc<dyn Store>) -> Self {
        let (sender, receiver) = mpsc::channel(1024);
        let task = tokio::spawn(run(store, receiver));
        Writer {
            sender: Mutex::new(Some(sender)),
            task: Mutex::new(Some(task)),
            facts_waiting: Default::default(),
        }
    }

    /// Stores `facts`; answers once they are committed (or nothing of them was stored).
    pub async fn write(&self, facts: Facts) -> Result<Stored, AppError> {
        let (reply, answer) = oneshot::channel();
        // Counted until answered, or until the request is dropped (a client that hung up).
        let _waiting = Waiting::new(&self.facts_waiting);
        self.send(Job::Facts { facts, reply }).await?;
        answer.await.map_err(|_| stopped())?
    }

    /// Whether fact requests are waiting to be committed: background work (cards of bulk
    /// loads) waits for them, so a bulk load is committed at full speed and its cards follow.
    pub fn facts_waiting(&self) -> bool {
        self.facts_waiting
            .load(std::sync::atomic::Ordering::Relaxed)
            > 0
    }

    /// Applies `patch` to customer `id` (a JSON merge patch) and stores the result. The
    /// customer is read by the writer itself, so two patches of one customer never lose
    /// each other's fields.
    pub async fn patch(
        &self,
        id: CustomerId,
        patch: serde_json::Map<String, serde_json::Value>,
    ) -> Result<Stored, AppError> {
        let (reply, answer) = oneshot::channel();
        self.send(Job::Patch { id, patch, reply }).await?;
        answer.await.map_err(|_| stopped())?
    }

    /// Stores live cards and their outbox messages in one transaction; returns the webhook
    /// deliveries created.
    pub async fn store_cards(
        &self,
        rows: Vec<(CustomerId, i64, String)>,
        messages: Vec<(String, String, String)>,
        done: Vec<CustomerId>,
        now: i64,
    ) -> Result<u64, AppError> {
        let (reply, answer) = oneshot::channel();
        self.send(Job::Cards {
            rows,
            messages,
            done,
            now,
            reply,
        })
        .await?;
        answer.await.map_err(|_| stopped())?
    }

    async fn send(&self, job: Job) -> Result<(), AppError> {
        let sender = self.sender.lock().await.clone();
        let Some(sender) = sender else {
            return Err(AppError::Io("the server is shutting down".into()));
        };
        sender.send(job).await.map_err(|_| stopped())
    }

    /// Stops taking facts and waits until those already sent are committed.
    pub async fn close(&self) {
        self.sender.lock().await.take();
        if let Some(task) = self.task.lock().await.take() {
            let _ = task.await;
        }
    }
}

/// One fact request counted in [`Writer::facts_waiting`] while it lives.
struct Waiting<'a>(&'a std::sync::atomic::AtomicUsize);

impl<'a> Waiting<'a> {
    fn new(count: &'a std::sync::atomic::AtomicUsize) -> Self {
        count.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        Waiting(count)
    }
}

impl Drop for Waiting<'_> {
    fn drop(&mut self) {
        self.0.fetch_sub(1, std::sync::atomic::Ordering::Relaxed);
    }
}

fn stopped() -> AppError {
    AppError::Io("the writer has stopped".into())
}

async fn run(store: Arc<dyn Store>, mut receiver: mpsc::Receiver<Job>) {
    // A cards job that arrived while fact requests were being gathered: it goes next.
    let mut held: Option<Job> = None;
    loop {
        let first = match held.take() {
            Some(job) => job,
            None => match receiver.recv().await {
                Some(job) => job,
                None => return,
            },
        };
        let (facts, reply) = match first {
            Job::Cards {
                rows,
                messages,
                done,
                now,
                reply,
            } => {
                let result = store.put_live_cards(&rows, &messages, &done, now).await;
                let _ = reply.send(result.map_err(AppError::from));
                continue;
            }
            Job::Patch { id, patch, reply } => {
                match patron_app::ingest::patch_customer(store.as_ref(), &id, &patch).await {
                    Ok(facts) => commit_group(store.as_ref(), vec![(facts, reply)]).await,
                    Err(e) => {
                        let _ = reply.send(Err(e));
                    }
                }
                continue;
            }
            Job::Facts { facts, reply } => (facts, reply),
        };
        let mut jobs = vec![(facts, reply)];
        while jobs.len() < GROUP {
            match receiver.try_recv() {
                Ok(Job::Facts { facts, reply }) => jobs.push((facts, reply)),
                Ok(cards) => {
                    held = Some(cards);
                    break;
                }
                Err(_) => break,
            }
        }
        commit_group(store.as_ref(), jobs).await;
    }
}

type FactJob = (Facts, oneshot::Sender<Result<Stored, AppError>>);

async fn commit_group(store: &dyn Store, mut jobs: Vec<FactJob>) {
    let group: Vec<&Facts> = jobs.iter().map(|(facts, _)| facts).collect();
    match store_facts(store, &group).await {
        Ok(results) => {
            for ((_, reply), result) in jobs.into_iter().zip(results) {
                let _ = reply.send(result);
            }
        }
        // The group failed as a whole: each request alone, so one cannot sink the others.
        Err(e) if jobs.len() == 1 => {
            let (_, reply) = jobs.pop().expect("one job");
            let _ = reply.send(Err(e));
        }
        Err(_) => {
            for (facts, reply) in jobs {
                let result = match store_facts(store, &[&facts]).await {
                    Ok(mut r) => r.pop().unwrap_or(Ok(Stored::default())),
                    Err(e) => Err(e),
                };
                let _ = reply.send(result);
            }
        }
    }
}
