//! The single writer: every fact sent through the API is committed by one task, which takes
//! the requests waiting together and commits them in one transaction (group commit). So
//! concurrent requests never contend for SQLite's write lock among themselves, and a burst of
//! small requests costs one commit, not one each.

use patron_app::AppError;
use patron_app::ingest::{Facts, Stored, store_facts};
use patron_store::Store;
use std::sync::Arc;
use tokio::sync::{Mutex, mpsc, oneshot};

/// Requests committed together at most.
const GROUP: usize = 64;

struct Job {
    facts: Facts,
    reply: oneshot::Sender<Result<Stored, AppError>>,
}

/// The handle requests send their facts through.
pub struct Writer {
    sender: Mutex<Option<mpsc::Sender<Job>>>,
    task: Mutex<Option<tokio::task::JoinHandle<()>>>,
}

impl Writer {
    /// Starts the writer task on `store`.
    pub fn start(store: Arc<dyn Store>) -> Self {
        let (sender, receiver) = mpsc::channel(1024);
        let task = tokio::spawn(run(store, receiver));
        Writer {
            sender: Mutex::new(Some(sender)),
            task: Mutex::new(Some(task)),
        }
    }

    /// Stores `facts`; answers once they are committed (or nothing of them was stored).
    pub async fn write(&self, facts: Facts) -> Result<Stored, AppError> {
        let (reply, answer) = oneshot::channel();
        let sender = self.sender.lock().await.clone();
        let Some(sender) = sender else {
            return Err(AppError::Io("the server is shutting down".into()));
        };
        sender
            .send(Job { facts, reply })
            .await
            .map_err(|_| AppError::Io("the writer has stopped".into()))?;
        answer
            .await
            .map_err(|_| AppError::Io("the writer has stopped".into()))?
    }

    /// Stops taking facts and waits until those already sent are committed.
    pub async fn close(&self) {
        self.sender.lock().await.take();
        if let Some(task) = self.task.lock().await.take() {
            let _ = task.await;
        }
    }
}

async fn run(store: Arc<dyn Store>, mut receiver: mpsc::Receiver<Job>) {
    while let Some(first) = receiver.recv().await {
        let mut jobs = vec![first];
        while jobs.len() < GROUP {
            match receiver.try_recv() {
                Ok(job) => jobs.push(job),
                Err(_) => break,
            }
        }
        let group: Vec<&Facts> = jobs.iter().map(|j| &j.facts).collect();
        match store_facts(store.as_ref(), &group).await {
            Ok(results) => {
                for (job, result) in jobs.into_iter().zip(results) {
                    let _ = job.reply.send(result);
                }
            }
            // The group failed as a whole: each request alone, so one cannot sink the others.
            Err(e) if jobs.len() == 1 => {
                let job = jobs.pop().expect("one job");
                let _ = job.reply.send(Err(e));
            }
            Err(_) => {
                for job in jobs {
                    let result = match store_facts(store.as_ref(), &[&job.facts]).await {
                        Ok(mut r) => r.pop().unwrap_or(Ok(Stored::default())),
                        Err(e) => Err(e),
                    };
                    let _ = job.reply.send(result);
                }
            }
        }
    }
}
