//! What every request shares: the project, the store, the writer, the live scorer of the
//! latest run, metrics and rate limits.

use crate::auth::RateLimiter;
use crate::metrics::Metrics;
use crate::writer::Writer;
use patron_app::{AppError, LiveScorer, Project};
use patron_core::Timestamp;
use patron_store::Store;
use std::sync::Arc;
use tokio::sync::RwLock;

/// How the server behaves.
#[derive(Debug, Clone)]
pub struct ServerOptions {
    /// Largest request body, in bytes.
    pub body_limit: usize,
    /// Requests per second per key (with a burst of as many); 0 = unlimited.
    pub rate_limit: u32,
    /// The `as_of` of live cards: a fixed time (for reproducible answers, tests, a demo in the
    /// past), or `None` for the later of the latest run's `as_of` and now.
    pub live_as_of: Option<Timestamp>,
    /// Seconds to wait after each failed webhook attempt (then dead letter).
    pub retry_schedule: Vec<u64>,
    /// How often the delivery worker looks for due deliveries.
    pub webhook_poll: std::time::Duration,
}

impl Default for ServerOptions {
    fn default() -> Self {
        ServerOptions {
            body_limit: 16 * 1024 * 1024,
            rate_limit: 0,
            live_as_of: None,
            retry_schedule: patron_app::webhooks::RETRY_SCHEDULE.to_vec(),
            webhook_poll: std::time::Duration::from_secs(1),
        }
    }
}

/// Shared by all requests.
pub struct AppState {
    /// The project (patron.toml).
    pub project: Project,
    /// The store.
    pub store: Arc<dyn Store>,
    /// The single writer.
    pub writer: Writer,
    /// Options.
    pub options: ServerOptions,
    /// Metrics.
    pub metrics: Metrics,
    /// Per-key rate limits.
    pub limiter: RateLimiter,
    /// Wakes the webhook delivery worker (new messages in the outbox).
    pub deliveries_wake: tokio::sync::Notify,
    /// Background jobs (score runs).
    pub jobs: crate::routes::runs::Jobs,
    /// Customers whose live cards are to be recomputed.
    pub live: crate::live::LiveQueue,
    /// Where unstored leads are scored (made on first use).
    pub scratch: tokio::sync::OnceCell<patron_app::lead::Scratch>,
    /// The dashboard's logged-in browsers.
    pub sessions: crate::web::session::Sessions,
    /// The dashboard's worklists of the latest run.
    pub lists: crate::web::pages::worklists::ListCache,
    scorer: RwLock<Option<Arc<LiveScorer>>>,
}

impl AppState {
    /// The state of a server on `store`, its writer task started.
    pub fn new(project: Project, store: Arc<dyn Store>, options: ServerOptions) -> Arc<Self> {
        let writer = Writer::start(store.clone());
        Arc::new(AppState {
            limiter: RateLimiter::new(options.rate_limit),
            project,
            store,
            writer,
            options,
            metrics: Metrics::default(),
            jobs: Default::default(),
            live: Default::default(),
            scratch: Default::default(),
            sessions: Default::default(),
            lists: Default::default(),
            deliveries_wake: tokio::sync::Notify::new(),
            scorer: RwLock::new(None),
        })
    }

    /// The live scorer of the latest run (prepared once per run), or `None` before the first.
    pub async fn scorer(&self) -> Result<Option<Arc<LiveScorer>>, AppError> {
        // A small query each time (another process may have scored); the run's record and
        // models are read only when the latest run changed.
        let Some(latest) = self.store.latest_run_id().await? else {
            return Ok(None);
        };
        if let Some(s) = self.scorer.read().await.as_ref()
            && s.run().id == latest
        {
            return Ok(Some(s.clone()));
        }
        let mut slot = self.scorer.write().await;
        if let Some(s) = slot.as_ref()
            && s.run().id == latest
        {
            return Ok(Some(s.clone()));
        }
        let scorer =
            Arc::new(LiveScorer::open(&self.project, self.store.as_ref(), Some(latest)).await?);
        let replaced = slot.replace(scorer.clone());
        if replaced.is_some() {
            self.recompute_after(scorer.run()).await?;
        }
        Ok(Some(scorer))
    }

    /// A new run's cards come from the facts as they were when it began reading them: the live
    /// cards made since then (facts that arrived during the run) are recomputed against it,
    /// in the background.
    async fn recompute_after(&self, run: &patron_store::ScoreRunRecord) -> Result<(), AppError> {
        let Some(since) = patron_app::score::RunSummary::of(run)?.facts_read_at else {
            return Ok(());
        };
        let customers = self.store.live_customers_since(&since).await?;
        if !customers.is_empty() {
            tracing::info!(
                run = run.id,
                customers = customers.len(),
                "live cards made during the run are recomputed against it"
            );
            self.live
                .later(customers.into_iter().map(|id| (id, None)).collect());
        }
        Ok(())
    }

    /// The `as_of` of a live card scored against `scorer`'s run.
    pub fn live_as_of(&self, scorer: &LiveScorer) -> Timestamp {
        self.options.live_as_of.unwrap_or_else(|| {
            let now = std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(0, |d| d.as_secs() as i64);
            Timestamp::from_secs(now.max(scorer.run().as_of.secs()))
        })
    }
}
