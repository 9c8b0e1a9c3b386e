//! What the store holds about one person, erasing it, the audit log and human overrides.

use patron_core::ids::CustomerId;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Everything the store holds about one person (GDPR Art. 15 and 20): every row that names
/// them, table by table, as stored. Times are ISO 8601, amounts in the currency's units,
/// customer keys replaced by customer ids.
#[derive(Debug, Clone, Serialize)]
pub struct PersonalData {
    /// The id asked for.
    pub customer_id: CustomerId,
    /// The person's ids: the one asked for, the survivor of a merge, and every id merged into it.
    pub ids: Vec<CustomerId>,
    /// Rows per table (`customers`, `order_lines`, `events`, `tickets`, `invoices`, `outcomes`,
    /// `alarms`, `rule_outbox`, `rule_ledger`, `rule_levels`, `rule_transitions`, `rule_firings`,
    /// `rule_scores`, `merges`, `fact_history`, `live_cards`, `overrides`, `webhook_messages`).
    pub tables: BTreeMap<String, Vec<serde_json::Value>>,
    /// The stored cards of every score run, oldest first: `{run_id, as_of, card}`.
    pub cards: Vec<serde_json::Value>,
    /// Consent as imported over time, oldest first: `{at, source, marketing, profiling}`; the
    /// last entry is the current consent.
    pub consent_history: Vec<ConsentChange>,
}

/// One state of a person's consent, and when it was replaced.
#[derive(Debug, Clone, Serialize)]
pub struct ConsentChange {
    /// Consent to marketing contact (`None`: unknown).
    pub marketing: Option<bool>,
    /// Consent to automated profiling (`None`: unknown).
    pub profiling: Option<bool>,
    /// When this state was replaced by the next (wall clock; `None`: the current state).
    pub replaced_at: Option<String>,
    /// The import that replaced it (sources and counts).
    pub replaced_by: Option<String>,
}

/// What an erasure removed.
#[derive(Debug, Clone, Default, Serialize)]
pub struct ErasureReport {
    /// Rows removed per table.
    pub removed: BTreeMap<String, u64>,
    /// Score runs whose card compression dictionary held one of the person's identifiers: their
    /// cards were compressed again with a dictionary trained without them.
    pub recompressed_runs: Vec<i64>,
    /// Stored models, run summaries and saved segments whose text named the person, redacted.
    pub redacted: u64,
    /// The database was rebuilt (`VACUUM`) because free space still held an identifier.
    pub vacuumed: bool,
    /// Identifiers also held by other customers (e.g. a common name), left where those
    /// customers are named, and not part of the check for residues.
    pub shared_identifiers: u64,
    /// A few of the customers who share them (a duplicate of the person is among them: merge
    /// it and erase again, or erase it too).
    pub shared_with: Vec<String>,
    /// Identifiers still found in a store file after erasing (should be empty): file names only.
    pub residues: Vec<String>,
}

impl ErasureReport {
    /// Rows removed in all.
    pub fn total(&self) -> u64 {
        self.removed.values().sum()
    }
}

/// An administrative action, as kept in the audit log: who, when, what, and no personal data.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AuditEntry {
    /// Sequence number.
    pub id: i64,
    /// Wall-clock time.
    pub at: String,
    /// An API key's name, or `cli:USER`.
    pub actor: String,
    /// `publish`, `override`, `override_removed`, `erase`, `export`, `key_created`,
    /// `key_revoked`, `purge`.
    pub action: String,
    /// What it acted on, never a personal identifier (`customer#KEY`, a rule version, `key#ID`).
    pub target: Option<String>,
    /// Counts and names.
    pub detail: serde_json::Value,
}

/// An entry to add to the audit log.
#[derive(Debug, Clone)]
pub struct NewAuditEntry {
    /// Who.
    pub actor: String,
    /// What (see [`AuditEntry::action`]).
    pub action: String,
    /// The customer it concerns, recorded by internal key only.
    pub customer: Option<CustomerId>,
    /// Any other target (a rule version, a key id).
    pub target: Option<String>,
    /// Counts and names, never personal data.
    pub detail: serde_json::Value,
}

/// The decisions a person may override (GDPR Art. 22).
pub const OVERRIDE_FIELDS: [&str; 3] = ["tier", "status", "action"];

/// A human decision that replaces an automated one on a customer's card.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OverrideRecord {
    /// Its id.
    pub id: i64,
    /// The customer.
    pub customer_id: CustomerId,
    /// `tier`, `status` or `action`.
    pub field: String,
    /// The value decided.
    pub value: String,
    /// Why.
    pub reason: String,
    /// Who decided (a key's name or `cli:USER`).
    pub set_by: String,
    /// When (wall clock).
    pub set_at: String,
    /// When it lapses (ISO date-time; `None`: until removed).
    pub expires: Option<patron_core::Timestamp>,
    /// When it was removed (`None`: in force unless expired).
    pub removed_at: Option<String>,
    /// Who removed it.
    pub removed_by: Option<String>,
}

/// An override to record.
#[derive(Debug, Clone)]
pub struct NewOverride {
    /// The customer.
    pub customer_id: CustomerId,
    /// `tier`, `status` or `action`.
    pub field: String,
    /// The value decided.
    pub value: String,
    /// Why (required).
    pub reason: String,
    /// Who.
    pub set_by: String,
    /// When it lapses.
    pub expires: Option<patron_core::Timestamp>,
}

/// The decisions a customer may contest (GDPR Art. 22 (3)); `other` for anything else.
pub const CONTESTABLE: [&str; 8] = [
    "tier",
    "status",
    "action",
    "value_score",
    "churn_risk",
    "offer",
    "payment_risk",
    "other",
];

/// How a contest ends: the decision `upheld` after human review, `changed` (an override or a
/// corrected fact), or `withdrawn` by the customer.
pub const CONTEST_OUTCOMES: [&str; 3] = ["upheld", "changed", "withdrawn"];

/// A customer's objection to an automated decision, recorded for human review.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ContestRecord {
    /// Its id.
    pub id: i64,
    /// The customer.
    pub customer_id: CustomerId,
    /// What is contested (one of [`CONTESTABLE`]).
    pub decision: String,
    /// What the customer says.
    pub statement: String,
    /// How it came in (phone, e-mail, letter, web, …).
    pub channel: String,
    /// Who recorded it (a key's name or `cli:USER`).
    pub received_by: String,
    /// When (wall clock).
    pub received_at: String,
    /// When it was resolved (`None`: open, on the worklist).
    pub resolved_at: Option<String>,
    /// Who resolved it.
    pub resolved_by: Option<String>,
    /// One of [`CONTEST_OUTCOMES`].
    pub outcome: Option<String>,
    /// What was decided, in words for the customer's answer.
    pub resolution: Option<String>,
}

/// A contest to record.
#[derive(Debug, Clone)]
pub struct NewContest {
    /// The customer.
    pub customer_id: CustomerId,
    /// What is contested.
    pub decision: String,
    /// What the customer says.
    pub statement: String,
    /// How it came in.
    pub channel: String,
    /// Who records it.
    pub received_by: String,
}

/// The end of a contest.
#[derive(Debug, Clone)]
pub struct ContestResolution {
    /// One of [`CONTEST_OUTCOMES`].
    pub outcome: String,
    /// What was decided.
    pub resolution: String,
    /// Who decided.
    pub resolved_by: String,
}

/// What `patron privacy purge` removes: facts older than a time per table, and persons whose
/// latest activity is older than a time.
#[derive(Debug, Clone, Default)]
pub struct RetentionPolicy {
    /// Per fact table (`order_lines`, `events`, `tickets`, `invoices`, `outcomes`): facts
    /// before this time are deleted.
    pub facts_before: BTreeMap<String, patron_core::Timestamp>,
    /// Persons with no fact at or after this time (nor created at or after it) are erased.
    pub inactive_before: Option<patron_core::Timestamp>,
    /// Count what would go, change nothing.
    pub dry_run: bool,
    /// Who purges (for the audit log).
    pub actor: String,
}

/// What a purge removed (or, in a dry run, would remove).
#[derive(Debug, Clone, Default, Serialize)]
pub struct PurgeReport {
    /// Whether this was a dry run.
    pub dry_run: bool,
    /// Facts deleted per table (their earlier versions in `fact_history` included).
    pub facts: BTreeMap<String, u64>,
    /// Persons erased for inactivity.
    pub persons: u64,
    /// Rows of those persons removed per table, and what their erasure did.
    pub erasure: ErasureReport,
}

/// The files among `files` that contain any of `needles` (read in blocks, never whole): e.g.
/// the source files that would bring an erased person back on the next import.
pub fn files_containing(files: &[std::path::PathBuf], needles: &[&str]) -> Vec<std::path::PathBuf> {
    let needles: Vec<&str> = needles.iter().copied().filter(|n| !n.is_empty()).collect();
    let Ok(finder) = aho_corasick::AhoCorasick::new(&needles) else {
        return Vec::new();
    };
    let longest = needles.iter().map(|n| n.len()).max().unwrap_or(0);
    files
        .iter()
        .filter(|f| file_contains(f, &finder, longest).unwrap_or(false))
        .cloned()
        .collect()
}

/// Whether a file holds any of the finder's patterns, read in blocks that overlap by the
/// longest pattern.
pub(crate) fn file_contains(
    file: &std::path::Path,
    finder: &aho_corasick::AhoCorasick,
    longest: usize,
) -> std::io::Result<bool> {
    const BLOCK: usize = 8 << 20;
    use std::io::Read;
    let mut f = std::fs::File::open(file)?;
    let mut buffer = vec![0u8; BLOCK + longest];
    let mut kept = 0;
    loop {
        let n = f.read(&mut buffer[kept..])?;
        if n == 0 {
            return Ok(false);
        }
        let filled = kept + n;
        if finder.is_match(&buffer[..filled]) {
            return Ok(true);
        }
        kept = longest.min(filled);
        buffer.copy_within(filled - kept..filled, 0);
    }
}
