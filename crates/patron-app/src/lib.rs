//! Patron's application layer: the use cases that the CLI and the server both call.
//!
//! A use case takes a loaded [`Project`], an open store and typed arguments, reports progress
//! through [`Progress`], and returns a typed result or an [`AppError`] with a stable code. It
//! never parses flags, prints, or speaks HTTP: that is the callers' job.
//!
//! * [`cards`] — stored cards: one customer's with history and alarms, those matching a
//!   condition, a new ticket's route.
//! * [`demo`] — a seeded synthetic company generated, imported, analysed and scored.
//! * [`export`] — cards as CSV or JSON lines, chunk by chunk.
//! * [`explain`] — a customer's rule points, ledger entry by entry, from their own facts.
//! * [`feedback`] — observed outcomes appended, all or nothing.
//! * [`import`] — the project's sources into the store, all or nothing.
//! * [`models`] — churn, conversion and upsell models trained and registered; predictions.
//! * [`publish`] — a rule set's scores, stages and triggers over the whole history, resumable.
//! * [`quality`] — missing and invalid values, outliers, date gaps per source and field;
//!   duplicate-customer candidates.
//! * [`rules`] — a rule set checked against the data, and compared with another.
//! * [`score`] — a score run: population fits frozen into a snapshot, then every customer's
//!   card from their own facts and that snapshot, stored chunk by chunk with alarm episodes.
//! * [`lead`] — a lead that is not stored, scored as a stored customer's live card is.
//! * [`live`] — one customer's card from their own facts, read through the store's indexes,
//!   against a stored run's snapshot: the same function the run mapped over everyone.

pub mod activity;
pub mod cards;
pub mod contests;
pub mod contracts;
pub mod demo;
pub mod error;
pub mod explain;
pub mod export;
pub mod feedback;
pub mod import;
pub mod ingest;
pub mod keys;
pub mod lead;
pub mod live;
pub mod models;
pub mod privacy;
pub mod progress;
pub mod project;
pub mod pseudonyms;
pub mod publish;
pub mod quality;
pub mod retention;
pub mod rules;
pub mod score;
pub mod segments;
pub mod webhooks;
pub mod worklists;

pub use error::AppError;
pub use import::{ImportRequest, Imported, import};
pub use live::{LiveCheck, LiveScorer, live_card, verify};
pub use progress::{Progress, Silent};
pub use project::Project;
pub use score::{ScoreRun, score_run, score_run_frozen};
