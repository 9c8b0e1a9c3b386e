//! Patron's store: facts, score runs and audit records behind one [`Store`] trait.
//!
//! The embedded default is SQLite (a file in the project directory, WAL mode); PostgreSQL will
//! implement the same trait, checked by the same conformance tests.

pub mod api;
mod fact_options;
pub mod privacy;
mod rule_runs;
mod runs;
mod sqlite;
mod writer_lock;

pub use runs::{
    AlarmRecord, CardChunks, CardRecord, ScoreRunEnd, ScoreRunHeader, ScoreRunRecord,
    ScoreRunWriter,
};

pub use api::{
    ApiKeyRecord, AttemptOutcome, DeliveryRecord, DueDelivery, LiveCardRecord, NewApiKey,
    NewWebhook, Scope, WebhookRecord,
};
pub use fact_options::FactOptions;
pub use privacy::{
    AuditEntry, CONTEST_OUTCOMES, CONTESTABLE, ConsentChange, ContestRecord, ContestResolution,
    ErasureReport, NewAuditEntry, NewContest, NewOverride, OverrideRecord, PersonalData,
    PurgeReport, RetentionPolicy,
};
pub use rule_runs::{
    CustomerRuleResults, FactPosition, FiringLine, LedgerLine, LedgerSource, NewRuleRun,
    OutboxRecord, OutboxStatus, RuleBatch, RuleNames, RuleRun, RuleRunStart, RuleVersion,
    RuleVersionRecord, StageNames, StoredRuleScores, TransitionCause, TransitionLine, TriggerNames,
};
pub use sqlite::SqliteStore;
pub use writer_lock::{LockHolder, WriterLock, lock_path};

use async_trait::async_trait;
use patron_core::facts::Facts;
use patron_core::ids::CustomerId;
use patron_core::model::{Contract, Customer, Event, Invoice, OrderLine, Outcome, Ticket};
use patron_core::{Money, Timestamp};
use serde::Serialize;
use std::path::Path;

/// A store failure.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The database reported an error.
    #[error("database error: {0}")]
    Database(#[from] sqlx::Error),
    /// A bulk read or write on a plain connection failed.
    #[error("database error: {0}")]
    Bulk(String),
    /// Schema migration failed.
    #[error("schema migration failed: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    /// The store URL names an unsupported backend or is malformed.
    #[error("unsupported store URL {0:?}: use sqlite://FILE")]
    UnsupportedUrl(String),
    /// A customer id that does not exist.
    #[error("unknown customer {0:?}")]
    UnknownCustomer(String),
    /// A merge that cannot be done or undone.
    #[error("{0}")]
    Merge(String),
    /// A rule run that cannot be started, continued or finished as asked.
    #[error("{0}")]
    RuleRun(String),
    /// The store a URL names does not exist (and the command does not create stores).
    #[error(
        "there is no store at {0}: run `patron import` first, or check [store] url / --store / PATRON_STORE_URL"
    )]
    Missing(String),
    /// The directory a store file would be in does not exist.
    #[error(
        "the directory {0} of the store does not exist: check [store] url / --store / PATRON_STORE_URL"
    )]
    NoDirectory(String),
    /// Another process holds the writer lock and the command does not wait.
    #[error("{0}")]
    Busy(String),
    /// The writer lock file cannot be used.
    #[error("{0}")]
    Lock(String),
    /// A backup that cannot be made.
    #[error("backup failed: {0}")]
    Backup(String),
}

impl StoreError {
    /// A stable machine-readable code.
    pub fn code(&self) -> patron_core::code::Code {
        use patron_core::code::Code;
        match self {
            StoreError::Database(_) | StoreError::Bulk(_) => Code::StoreDatabase,
            StoreError::Migrate(_) => Code::StoreMigration,
            StoreError::UnsupportedUrl(_) | StoreError::NoDirectory(_) => Code::StoreUrl,
            StoreError::UnknownCustomer(_) => Code::UnknownCustomer,
            StoreError::Merge(_) => Code::MergeRefused,
            StoreError::RuleRun(_) => Code::RuleRunConflict,
            StoreError::Backup(_) => Code::BackupFailed,
            StoreError::Missing(_) => Code::StoreMissing,
            StoreError::Busy(_) => Code::StoreBusy,
            StoreError::Lock(_) => Code::StoreLock,
        }
    }
}

/// Result alias.
pub type Result<T, E = StoreError> = std::result::Result<T, E>;

/// What writing a batch of records did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct WriteCounts {
    /// New records.
    pub inserted: u64,
    /// Existing records whose content changed (corrections: the new content replaces the
    /// stored one, whose version is kept in the store's fact history).
    pub updated: u64,
    /// Records already present with the same natural key (nothing written).
    pub duplicates: u64,
    /// Stored facts deleted (rows with `deleted = true`); the version deleted is kept in the
    /// fact history.
    pub deleted: u64,
}

impl std::ops::AddAssign for WriteCounts {
    fn add_assign(&mut self, o: WriteCounts) {
        self.inserted += o.inserted;
        self.updated += o.updated;
        self.duplicates += o.duplicates;
        self.deleted += o.deleted;
    }
}

/// A source as recorded at commit.
#[derive(Debug, Clone, Serialize)]
pub struct SourceRecord {
    /// Source name.
    pub name: String,
    /// Entity.
    pub entity: String,
    /// File.
    pub path: String,
    /// New rows in this import.
    pub rows_new: u64,
}

/// A customer's current card as stored (JSON).
#[derive(Debug, Clone, PartialEq)]
pub struct CurrentCard {
    /// The run: the latest, or the one a newer live card was scored against.
    pub run_id: i64,
    /// A live card (recomputed after facts arrived), not the run's.
    pub live: bool,
    /// The card's JSON; none when the customer has no card in the run.
    pub card: Option<String>,
}

/// A segment saved from the dashboard.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct SavedSegment {
    /// Its name (unique).
    pub name: String,
    /// The condition, in the card condition language.
    pub condition: String,
    /// What it is for.
    pub description: String,
    /// Who saved it (the API key's name).
    pub saved_by: String,
    /// When (UTC; set by the store).
    pub saved_at: String,
}

/// A customer found by [`Store::search_customers`].
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct CustomerMatch {
    /// The id.
    pub id: CustomerId,
    /// Display name.
    pub name: Option<String>,
    /// E-mail address.
    pub email: Option<String>,
    /// Company.
    pub company: Option<String>,
}

/// A fact whose content an import changed.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Correction {
    /// The fact table: `customers`, `order_lines`, `events`, `tickets`, `invoices`, `outcomes`,
    /// `contracts`.
    pub fact: String,
    /// Its natural key, as a JSON array (`["E1"]`, `["O1", 2]`).
    pub key: serde_json::Value,
    /// The fields whose value changed.
    pub fields: Vec<String>,
}

/// One import, written in a single transaction: nothing is visible until [`ImportWriter::commit`],
/// and [`ImportWriter::rollback`] (or dropping the writer) leaves the store unchanged.
#[async_trait]
pub trait ImportWriter: Send {
    /// Writes customers (stubs only create; full records insert, fill a stub, or update).
    async fn write_customers(&mut self, rows: &[Customer]) -> Result<WriteCounts>;
    /// Writes order lines (by order id and line number: new, a correction, or unchanged).
    async fn write_order_lines(&mut self, rows: &[OrderLine]) -> Result<WriteCounts>;
    /// Writes events (by event id: new, a correction, or unchanged).
    async fn write_events(&mut self, rows: &[Event]) -> Result<WriteCounts>;
    /// Writes tickets (by ticket id: new, a correction, or unchanged).
    async fn write_tickets(&mut self, rows: &[Ticket]) -> Result<WriteCounts>;
    /// Writes invoices (by invoice id: new, a correction, or unchanged).
    async fn write_invoices(&mut self, rows: &[Invoice]) -> Result<WriteCounts>;
    /// Writes outcomes (by customer, kind and time: new, a corrected label, or unchanged).
    async fn write_outcomes(&mut self, rows: &[Outcome]) -> Result<WriteCounts>;
    /// Writes contracts (by contract id: new, a new state — renewed, cancelled — or
    /// unchanged; a replaced state is kept in the fact history).
    async fn write_contracts(&mut self, rows: &[Contract]) -> Result<WriteCounts>;
    /// The corrections written by this import since the last call (or its start): which fact,
    /// its natural key, the fields that changed.
    async fn corrections(&mut self) -> Result<Vec<Correction>>;
    /// Marks customers whose live cards are to be recomputed (with the earliest time of their
    /// new facts), in this import's transaction: a crash before their cards are stored leaves
    /// the marks for the next server.
    async fn mark_live_pending(
        &mut self,
        customers: &[(CustomerId, Option<Timestamp>)],
    ) -> Result<()>;
    /// Deletes stored facts by natural key (a key not stored deletes nothing).
    async fn delete_facts(&mut self, keys: &[patron_core::model::FactKey]) -> Result<WriteCounts>;
    /// Makes everything visible; records the import and its sources. Returns the import id.
    async fn commit(
        self: Box<Self>,
        sources: &[SourceRecord],
        summary: serde_json::Value,
    ) -> Result<i64>;
    /// Discards everything written.
    async fn rollback(self: Box<Self>) -> Result<()>;
}

/// Counts and ranges of one fact table.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct TableStatus {
    /// Rows.
    pub rows: u64,
    /// Earliest time.
    pub first: Option<Timestamp>,
    /// Latest time.
    pub last: Option<Timestamp>,
}

/// What is in the store.
#[derive(Debug, Clone, Default, Serialize)]
pub struct StoreStatus {
    /// Active customers (merged-away records excluded).
    pub customers: u64,
    /// Customers known only from facts.
    pub stub_customers: u64,
    /// Distinct orders.
    pub orders: u64,
    /// Order lines.
    pub order_lines: u64,
    /// Lines that are returns or cancellations.
    pub returns: u64,
    /// Events (of customers and anonymous visitors).
    pub events: u64,
    /// Events of anonymous visitors.
    pub anonymous_events: u64,
    /// Tickets.
    pub tickets: u64,
    /// Invoices.
    pub invoices: u64,
    /// Outcomes.
    pub outcomes: u64,
    /// Contracts.
    pub contracts: u64,
    /// Total revenue of all order lines.
    pub revenue: Money,
    /// Time ranges per table.
    pub ranges: std::collections::BTreeMap<String, TableStatus>,
    /// Sources and their last import.
    pub sources: Vec<SourceStatus>,
    /// Imports so far.
    pub imports: u64,
    /// Score runs so far.
    pub score_runs: u64,
}

/// A source as last imported.
#[derive(Debug, Clone, Serialize)]
pub struct SourceStatus {
    /// Name.
    pub name: String,
    /// Entity.
    pub entity: String,
    /// File.
    pub path: String,
    /// Import id.
    pub last_import: i64,
    /// When (wall clock, UTC).
    pub imported_at: String,
    /// New rows in that import.
    pub rows_new: u64,
}

/// A recorded merge.
#[derive(Debug, Clone, Serialize)]
pub struct MergeRecord {
    /// Merge id (for undo).
    pub id: i64,
    /// Surviving customer.
    pub keep: CustomerId,
    /// Merged-away customer.
    pub dropped: CustomerId,
    /// When (wall clock, UTC).
    pub merged_at: String,
    /// Facts moved over, by table.
    pub moved: std::collections::BTreeMap<String, u64>,
    /// Fields of the surviving customer that the merge filled or replaced.
    pub fields_taken: Vec<String>,
    /// When undone, if undone.
    pub reverted_at: Option<String>,
}

/// A trained model to register (see [`Store::save_model`]).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct NewModel {
    /// `churn`, `conversion`, `upsell`, …
    pub kind: String,
    /// The fact set's `as_of`: labels were observed up to it.
    pub as_of: Timestamp,
    /// Training cutoffs.
    pub cutoffs: Vec<Timestamp>,
    /// The later cutoff the model was tested on.
    pub holdout: Timestamp,
    /// Days after a cutoff the labels look at.
    pub horizon_days: i64,
    /// Feature names, in column order.
    pub features: Vec<String>,
    /// Metrics (the training report), as JSON.
    pub metrics: serde_json::Value,
    /// Training time.
    pub training_ms: u64,
    /// The serialized model.
    pub model: String,
}

/// A registered model without its serialized form.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ModelInfo {
    /// Registry id.
    pub id: i64,
    /// Kind.
    pub kind: String,
    /// Version within the kind (1, 2, …).
    pub version: i64,
    /// When it was registered (wall clock, UTC).
    pub trained_at: String,
    /// The fact set's `as_of`.
    pub as_of: Timestamp,
    /// Training cutoffs.
    pub cutoffs: Vec<Timestamp>,
    /// Holdout cutoff.
    pub holdout: Timestamp,
    /// Horizon in days.
    pub horizon_days: i64,
    /// Feature names.
    pub features: Vec<String>,
    /// Metrics.
    pub metrics: serde_json::Value,
    /// Training time.
    pub training_ms: u64,
}

/// A registered model with its serialized form.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct StoredModel {
    /// What the registry knows about it.
    #[serde(flatten)]
    pub info: ModelInfo,
    /// The serialized model.
    #[serde(skip)]
    pub model: String,
}

/// What [`Store::backup`] wrote.
#[derive(Debug, Clone, Default, Serialize)]
pub struct BackupReport {
    /// The copy.
    pub path: String,
    /// Its size.
    pub bytes: u64,
    /// Score runs it holds.
    pub score_runs: u64,
    /// How long it took.
    pub seconds: f64,
}

/// What [`Store::check`] found.
#[derive(Debug, Clone, Default, Serialize)]
pub struct CheckReport {
    /// Problems the database's own integrity check reports (empty: none).
    pub integrity: Vec<String>,
    /// Score runs checked.
    pub score_runs: u64,
    /// Cards decoded.
    pub cards: u64,
    /// Registered models decoded.
    pub models: u64,
    /// Stored runs, cards or models that do not decode.
    pub problems: Vec<String>,
    /// Facts outside the documented ranges (stored before the ranges were enforced): not
    /// damage, but worth correcting or deleting.
    pub warnings: Vec<String>,
}

impl CheckReport {
    /// True when nothing is wrong.
    pub fn is_ok(&self) -> bool {
        self.integrity.is_empty() && self.problems.is_empty()
    }
}

/// The storage interface every backend implements.
#[async_trait]
pub trait Store: Send + Sync {
    /// Every customer id that resolves (including merged-away ids, which point to the survivor).
    async fn customer_ids(&self) -> Result<Vec<CustomerId>>;
    /// Whether `id` resolves to a stored customer (a merged-away id does).
    async fn customer_exists(&self, id: &CustomerId) -> Result<bool>;
    /// Those of `ids` that resolve to a stored customer (as [`Store::customer_exists`]), looked
    /// up together.
    async fn existing_customers(
        &self,
        ids: &[CustomerId],
    ) -> Result<std::collections::BTreeSet<CustomerId>>;
    /// The stored record of customer `id` (not merged away, not a stub), if any.
    async fn customer(&self, id: &CustomerId) -> Result<Option<Customer>>;
    /// Starts an import transaction.
    async fn begin_import(&self) -> Result<Box<dyn ImportWriter>>;
    /// Counts, ranges and sources.
    async fn status(&self) -> Result<StoreStatus>;
    /// The time of the latest fact, if any.
    async fn last_fact_time(&self) -> Result<Option<Timestamp>>;
    /// Everything known strictly before `as_of`, columnar per customer.
    async fn load_facts(&self, as_of: Timestamp) -> Result<Facts>;
    /// [`Store::load_facts`] with optional columns (event properties) as `options` asks.
    async fn load_facts_with(&self, as_of: Timestamp, options: &FactOptions) -> Result<Facts>;
    /// One customer's facts before `as_of`, read through the by-customer indexes: a fact set
    /// of that customer alone, equal to their part of [`Store::load_facts_with`]. `None` when
    /// the customer is unknown, merged into another, or not yet acquired at `as_of`.
    async fn load_customer_facts(
        &self,
        id: &CustomerId,
        as_of: Timestamp,
        options: &FactOptions,
    ) -> Result<Option<Facts>>;
    /// All active customers with their fields, ordered by id.
    async fn customers(&self) -> Result<Vec<Customer>>;
    /// Merges `dropped` into `keep`: facts move over, empty fields of `keep` are filled and
    /// fields where `dropped` is newer are taken (newest non-empty wins); recorded for undo.
    async fn merge_customers(&self, keep: &CustomerId, dropped: &CustomerId)
    -> Result<MergeRecord>;
    /// Undoes a merge, allowed until the next score run.
    async fn undo_merge(&self, merge_id: i64) -> Result<MergeRecord>;
    /// All merges, newest first.
    async fn merges(&self) -> Result<Vec<MergeRecord>>;

    /// Starts a score run whose cards are written chunk by chunk (see [`ScoreRunWriter`]). A
    /// run whose `as_of` is before that of a stored run is back-dated: its alarms raised and
    /// cleared are not applied to the alarm episodes.
    async fn begin_score_run(&self, header: ScoreRunHeader) -> Result<Box<dyn ScoreRunWriter>>;
    /// Every score run, oldest first.
    async fn score_runs(&self) -> Result<Vec<ScoreRunRecord>>;
    /// One run by id, or with `None` the latest: the one of the latest `as_of` (of those, the
    /// one created last), so a back-dated run never becomes "the latest".
    async fn score_run(&self, id: Option<i64>) -> Result<Option<ScoreRunRecord>>;
    /// A customer's current card, read in one go: their newest live card when it was scored
    /// against the latest run or a later one, else their card in the latest run (`card` none:
    /// no card there). `None`: no run yet.
    async fn current_card(&self, customer: &CustomerId) -> Result<Option<CurrentCard>>;
    /// The id of the latest run as [`Store::score_run`] picks it, without reading the run.
    async fn latest_run_id(&self) -> Result<Option<i64>>;
    /// Every card of a run, by customer.
    async fn cards(&self, run_id: i64) -> Result<Vec<CardRecord>>;
    /// Every card of a run in customer-id order, in chunks, so a reader of a run of millions
    /// holds a chunk at a time.
    async fn card_chunks(&self, run_id: i64) -> Result<CardChunks>;
    /// [`Store::card_chunks`] in small chunks from the first customer id after `after` (from
    /// the start without one): a page of a keyset-paged list reads only as far as it goes.
    async fn card_page_chunks(&self, run_id: i64, after: Option<&CustomerId>)
    -> Result<CardChunks>;
    /// Every customer's tier in a run (without the cards).
    async fn run_tiers(&self, run_id: i64) -> Result<Vec<(CustomerId, String)>>;
    /// One customer's card in a run (a merged-away id resolves to its survivor).
    async fn card(&self, run_id: i64, customer: &CustomerId) -> Result<Option<CardRecord>>;
    /// One customer's cards in every run, oldest first, with the run's id and `as_of`.
    async fn card_history(
        &self,
        customer: &CustomerId,
    ) -> Result<Vec<(i64, Timestamp, CardRecord)>>;
    /// Alarm episodes (only the open ones with `open_only`), oldest first.
    async fn alarms(&self, open_only: bool) -> Result<Vec<AlarmRecord>>;
    /// Every event type imported so far, sorted.
    async fn event_types(&self) -> Result<Vec<String>>;
    /// One customer's alarm episodes, open and cleared, in id order.
    async fn customer_alarms(&self, customer: &CustomerId) -> Result<Vec<AlarmRecord>>;
    /// Customers a person looking for one might mean, at most `limit`: the id, then the e-mail
    /// address (both exact, ignoring case), then names beginning with `query` (ignoring case),
    /// in name order. Stubs and merged-away customers are not found.
    async fn search_customers(&self, query: &str, limit: u32) -> Result<Vec<CustomerMatch>>;
    /// Saves a segment under its name (replacing one of the same name), stamped with the
    /// time; the stored segment.
    async fn save_segment(&self, segment: &SavedSegment) -> Result<SavedSegment>;
    /// Every saved segment, by name.
    async fn saved_segments(&self) -> Result<Vec<SavedSegment>>;
    /// Deletes saved segment `name`; whether there was one.
    async fn delete_segment(&self, name: &str) -> Result<bool>;
    /// Starts a rule run (recording the version), or finds the interrupted run of the same
    /// version on the same facts to continue, or finds that the latest finished run already is
    /// that; an interrupted run of other rules or facts is an error. `restart` discards an
    /// interrupted run and starts afresh even when up to date.
    async fn begin_rule_run(&self, run: &NewRuleRun, restart: bool) -> Result<RuleRunStart>;
    /// Writes the results of the next batch of customers of an unfinished run and advances its
    /// `done` counter, in one transaction.
    async fn write_rule_batch(&self, run_id: i64, batch: &RuleBatch) -> Result<RuleRun>;
    /// Finishes a run whose customers are all written: it becomes the current one and its
    /// trigger firings are queued in the outbox (once per trigger, customer and occurrence);
    /// pending entries it no longer produces are superseded.
    async fn finish_rule_run(&self, run_id: i64) -> Result<RuleRun>;
    /// Every rule-set version with its runs, in order of first publication attempt.
    async fn rule_versions(&self) -> Result<Vec<RuleVersionRecord>>;
    /// The latest finished rule run (of `version`, if given).
    async fn latest_rule_run(&self, version: Option<&str>) -> Result<Option<RuleRun>>;
    /// Every customer's stored scores and levels of a run, in customer-key order.
    async fn rule_run_scores(&self, run_id: i64) -> Result<Vec<StoredRuleScores>>;
    /// One customer's stored results of a run (ledger summary by score, then rules by index,
    /// then bounds).
    async fn rule_run_customer(
        &self,
        run_id: i64,
        customer: &CustomerId,
    ) -> Result<Option<CustomerRuleResults>>;
    /// Outbox entries by time: pending ones, or all with `all`.
    async fn rule_outbox(&self, all: bool) -> Result<Vec<OutboxRecord>>;
    /// Number of pending outbox entries.
    async fn rule_outbox_pending(&self) -> Result<u64>;
    /// Marks pending outbox entries delivered; returns how many changed.
    async fn mark_outbox_delivered(&self, ids: &[i64]) -> Result<u64>;
    /// Registers a trained model as the next version of its kind.
    async fn save_model(&self, model: &NewModel) -> Result<ModelInfo>;
    /// Registered models (of one kind, or all), newest first, without their serialized form.
    async fn models(&self, kind: Option<&str>) -> Result<Vec<ModelInfo>>;
    /// A registered model with its serialized form.
    async fn model(&self, id: i64) -> Result<Option<StoredModel>>;
    /// The newest version of a kind.
    async fn latest_model(&self, kind: &str) -> Result<Option<StoredModel>>;
    /// Writes a consistent copy of the store to `target`, a new file, while other processes
    /// go on reading and writing: everything committed before the copy started, nothing after.
    async fn backup(&self, target: &Path) -> Result<BackupReport>;
    /// Checks the store: the database's integrity check (`quick`: the faster check that skips
    /// index consistency), and that every score run, card and model decodes.
    async fn check(&self, quick: bool) -> Result<CheckReport>;
    /// SQLite's `quick_check` of the pages, when the store is at most `max_bytes` (a few
    /// seconds per gigabyte): the problems found, or `None` when the store is larger and was
    /// not checked.
    async fn quick_check(&self, max_bytes: u64) -> Result<Option<Vec<String>>>;

    /// Stores a new API key (its digest) and returns it.
    async fn create_api_key(&self, key: &NewApiKey) -> Result<ApiKeyRecord>;
    /// Every API key, revoked ones included, oldest first.
    async fn api_keys(&self) -> Result<Vec<ApiKeyRecord>>;
    /// The unrevoked key with this SHA-256 digest.
    async fn api_key_by_digest(&self, digest: &[u8]) -> Result<Option<ApiKeyRecord>>;
    /// Revokes key `id`; false when there is no such unrevoked key.
    async fn revoke_api_key(&self, id: i64) -> Result<bool>;
    /// Appends live cards (customer, run scored against, card JSON) and, in the same
    /// transaction, the outbox messages their changes caused, queued as
    /// [`Store::enqueue_webhook_messages`] queues them, and clears the live-pending marks of
    /// the customers `done`. Returns the deliveries created.
    async fn put_live_cards(
        &self,
        cards: &[(CustomerId, i64, String)],
        messages: &[(String, String, String)],
        done: &[CustomerId],
        now: i64,
    ) -> Result<u64>;
    /// Customers marked by [`ImportWriter::mark_live_pending`] and not yet `done` by
    /// [`Store::put_live_cards`], with the earliest time of their new facts.
    async fn live_pending(&self) -> Result<Vec<(CustomerId, Option<Timestamp>)>>;
    /// Customers with a live card stored at or after `at` (wall clock, as the store writes
    /// it).
    async fn live_customers_since(&self, at: &str) -> Result<Vec<CustomerId>>;
    /// A customer's live cards, newest first, at most `limit`.
    async fn live_cards(&self, customer: &CustomerId, limit: u32) -> Result<Vec<LiveCardRecord>>;

    /// Registers a webhook endpoint.
    async fn add_webhook(&self, hook: &NewWebhook) -> Result<WebhookRecord>;
    /// Every endpoint, disabled ones included.
    async fn webhooks(&self) -> Result<Vec<WebhookRecord>>;
    /// Endpoint `id`.
    async fn webhook(&self, id: i64) -> Result<Option<WebhookRecord>>;
    /// Stores messages (webhook-id, kind, JSON body) and, in the same transaction, a delivery
    /// due at `now` to every enabled endpoint subscribed to the kind (or only to endpoint
    /// `only`). Returns the number of deliveries.
    async fn enqueue_webhook_messages(
        &self,
        messages: &[(String, String, String)],
        only: Option<i64>,
        now: i64,
    ) -> Result<u64>;
    /// Pending deliveries due at `now` (unix seconds), oldest first.
    async fn due_deliveries(&self, now: i64, limit: u32) -> Result<Vec<DueDelivery>>;
    /// Records an attempt and its outcome.
    async fn record_delivery_attempt(
        &self,
        delivery: i64,
        status_code: Option<u16>,
        error: Option<&str>,
        ms: f64,
        outcome: &AttemptOutcome,
    ) -> Result<()>;
    /// The delivery log (of endpoint `webhook`, or all).
    async fn deliveries(&self, webhook: Option<i64>) -> Result<Vec<DeliveryRecord>>;
    /// Makes a delivered or dead delivery pending again, due at `now`.
    async fn redeliver(&self, delivery: i64, now: i64) -> Result<bool>;

    /// Everything the store holds about the person `id` names (a merged-away id finds the
    /// survivor and every id merged into it); `None` for an unknown id.
    async fn personal_data(&self, id: &CustomerId) -> Result<Option<PersonalData>>;
    /// Erases the person `id` names from every table and every store file, leaving an audit
    /// entry by `actor` without personal data ([`StoreError::UnknownCustomer`] if unknown).
    async fn erase_customer(&self, id: &CustomerId, actor: &str) -> Result<ErasureReport>;
    /// Adds an entry to the audit log.
    async fn append_audit(&self, entry: &NewAuditEntry) -> Result<AuditEntry>;
    /// The audit log, newest first: `limit` entries before entry `before` (or the newest).
    async fn audit_log(&self, limit: u32, before: Option<i64>) -> Result<Vec<AuditEntry>>;
    /// Records an override (replacing one in force for the same customer and field), with its
    /// audit entry, in one transaction.
    async fn set_override(&self, o: &NewOverride) -> Result<OverrideRecord>;
    /// Overrides of one customer (or all), newest first; only those in force at `at` when given
    /// (not removed, not expired).
    async fn overrides(
        &self,
        customer: Option<&CustomerId>,
        in_force_at: Option<Timestamp>,
    ) -> Result<Vec<OverrideRecord>>;
    /// Removes an override, with its audit entry; `None` if there is no such override in force.
    async fn remove_override(&self, id: i64, by: &str) -> Result<Option<OverrideRecord>>;
    /// Records a customer's contest of an automated decision, with its audit entry
    /// ([`StoreError::UnknownCustomer`] if unknown).
    async fn file_contest(&self, contest: &NewContest) -> Result<ContestRecord>;
    /// Contests of one customer (or all), newest first, only open ones when `open_only`, at
    /// most `limit`.
    async fn contests(
        &self,
        customer: Option<&CustomerId>,
        open_only: bool,
        limit: u32,
    ) -> Result<Vec<ContestRecord>>;
    /// Resolves an open contest, with its audit entry; `None` if there is no such open contest.
    async fn resolve_contest(
        &self,
        id: i64,
        resolution: &ContestResolution,
    ) -> Result<Option<ContestRecord>>;
    /// Deletes the facts and erases the inactive persons `policy` names (in a dry run: counts
    /// them), with an audit entry of the counts.
    async fn purge(&self, policy: &RetentionPolicy) -> Result<PurgeReport>;
    /// The store's secret `name` (e.g. the key of pseudonyms): `fresh` is stored first if there
    /// is none, or replaces it when `rotate`.
    async fn secret(&self, name: &str, fresh: &[u8], rotate: bool) -> Result<Vec<u8>>;
}

/// Opens (creating and migrating if needed) the store a URL names. `sqlite://FILE` paths are
/// relative to `project_dir`. Only commands that fill a store (import) should create one: the
/// others use [`open_existing`], so a mistyped URL is an error rather than a new empty store.
pub async fn open(url: &str, project_dir: &Path) -> Result<Box<dyn Store>> {
    let path = sqlite_path(url, project_dir)?;
    Ok(Box::new(SqliteStore::open(&path).await?))
}

/// Opens the store a URL names, which must exist ([`StoreError::Missing`] otherwise).
pub async fn open_existing(url: &str, project_dir: &Path) -> Result<Box<dyn Store>> {
    let path = sqlite_path(url, project_dir)?;
    if !path.is_file() {
        return Err(StoreError::Missing(path.display().to_string()));
    }
    Ok(Box::new(SqliteStore::open(&path).await?))
}

/// The database file of a `sqlite://FILE` (or `sqlite:FILE`) URL, whose directory must exist
/// (e.g. for its [`WriterLock`]).
pub fn store_file(url: &str, project_dir: &Path) -> Result<std::path::PathBuf> {
    sqlite_path(url, project_dir)
}

fn sqlite_path(url: &str, project_dir: &Path) -> Result<std::path::PathBuf> {
    let Some(file) = url
        .strip_prefix("sqlite://")
        .or_else(|| url.strip_prefix("sqlite:"))
        .filter(|f| !f.is_empty())
    else {
        return Err(StoreError::UnsupportedUrl(url.to_owned()));
    };
    let path = project_dir.join(file);
    match path.parent() {
        Some(dir) if !dir.as_os_str().is_empty() && !dir.is_dir() => {
            Err(StoreError::NoDirectory(dir.display().to_string()))
        }
        _ => Ok(path),
    }
}
