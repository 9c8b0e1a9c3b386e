//! Score runs as the store keeps them: the run with its frozen context, one card per customer,
//! and alarm episodes.

use patron_core::Timestamp;
use patron_core::ids::CustomerId;
use serde::Serialize;

/// A stored score run.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ScoreRunRecord {
    /// Run id.
    pub id: i64,
    /// The run's `as_of`.
    pub as_of: Timestamp,
    /// When it ran (wall clock, UTC; audit only).
    pub created_at: String,
    /// Cards in the run.
    pub customers: u64,
    /// The rule-set version used, if the project has rules.
    pub rules_version: Option<String>,
    /// The frozen context (JSON text): quantile edges, tier bounds, model parameters.
    #[serde(skip)]
    pub context: String,
    /// Counts per tier, status and alarm (JSON).
    pub summary: serde_json::Value,
}

/// One customer's card in a run.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CardRecord {
    /// Customer.
    pub customer_id: CustomerId,
    /// Tier.
    pub tier: String,
    /// Status.
    pub status: String,
    /// Value score 0–100.
    pub value_score: Option<f64>,
    /// Churn risk.
    pub churn_risk: Option<f64>,
    /// Discounted CLV.
    pub clv: Option<f64>,
    /// Headline stage level.
    pub stage: Option<String>,
    /// Next best action.
    pub action: Option<String>,
    /// The whole card (JSON text).
    #[serde(skip)]
    pub card: String,
}

/// The cards of a run arriving in chunks (see [`crate::Store::card_chunks`]); an error ends
/// the stream.
pub type CardChunks = tokio::sync::mpsc::Receiver<crate::Result<Vec<CardRecord>>>;

/// An alarm episode.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AlarmRecord {
    /// Episode id.
    pub id: i64,
    /// Customer.
    pub customer_id: CustomerId,
    /// Kind.
    pub kind: String,
    /// Evidence when raised.
    pub evidence: String,
    /// The run that raised it.
    pub raised_run: i64,
    /// That run's `as_of`.
    pub raised_as_of: Timestamp,
    /// The run that cleared it, if cleared.
    pub cleared_run: Option<i64>,
    /// That run's `as_of`.
    pub cleared_as_of: Option<Timestamp>,
}

/// What a run is stored with before its first card: written by
/// [`crate::Store::begin_score_run`].
#[derive(Debug, Clone, Default)]
pub struct ScoreRunHeader {
    /// `as_of`.
    pub as_of: Timestamp,
    /// Rule-set version.
    pub rules_version: Option<String>,
    /// Context (JSON text).
    pub context: String,
}

/// What completes a run after its last card: written by [`ScoreRunWriter::finish`].
#[derive(Debug, Clone, Default)]
pub struct ScoreRunEnd {
    /// Summary (JSON).
    pub summary: serde_json::Value,
    /// New alarm episodes: (customer, kind, evidence).
    pub raised: Vec<(CustomerId, String, String)>,
    /// Open episodes to clear: (customer, kind).
    pub cleared: Vec<(CustomerId, String)>,
}

/// A score run being written, chunk by chunk: nothing is visible until
/// [`ScoreRunWriter::finish`], and dropping the writer stores nothing (a killed process leaves
/// cards that no reader reaches, deleted by the next run). Each chunk is committed on its own,
/// so other writers wait for a chunk, never for the whole run. A run of millions of cards never
/// has to be held in memory at once, and writing overlaps computing the next chunk.
#[async_trait::async_trait]
pub trait ScoreRunWriter: Send {
    /// Adds cards (each customer once per run).
    async fn write_cards(&mut self, cards: Vec<CardRecord>) -> crate::Result<()>;
    /// Stores the summary and alarm changes and makes the run visible; returns its id.
    async fn finish(self: Box<Self>, end: ScoreRunEnd) -> crate::Result<i64>;
}
