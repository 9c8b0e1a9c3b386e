//! Published rule sets and their results, as the store keeps them: rule-set versions, rule runs
//! (one version recomputed over the whole history as of a time, written in resumable batches of
//! customers), per-customer scores, levels, ledger summaries and transitions, and the outbox of
//! trigger firings.
//!
//! These are plain records: the store knows nothing of the rule engine, and rows refer to
//! scores, rules, stages, levels and triggers by their index in [`RuleNames`].

use patron_core::Timestamp;
use patron_core::ids::CustomerId;
use serde::{Deserialize, Serialize};

/// The names that rule-run rows refer to by index.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RuleNames {
    /// Score names, by score index.
    pub scores: Vec<String>,
    /// Rule names, by global rule index.
    pub rules: Vec<String>,
    /// Stages and their levels, by stage index.
    pub stages: Vec<StageNames>,
    /// Triggers, by trigger index.
    pub triggers: Vec<TriggerNames>,
}

/// A stage and its level names (lowest first).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct StageNames {
    /// Stage name.
    pub name: String,
    /// Level names, by level index.
    pub levels: Vec<String>,
}

/// A trigger's name and action.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct TriggerNames {
    /// Trigger name.
    pub name: String,
    /// The configured action (`webhook:crm`).
    pub action: String,
}

/// A rule-set version to publish.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RuleVersion {
    /// The version fingerprint.
    pub version: String,
    /// The canonical text it is the fingerprint of.
    pub canonical: String,
    /// Names the results refer to.
    pub names: RuleNames,
}

/// A rule run to start (or continue).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewRuleRun {
    /// The rule set.
    pub version: RuleVersion,
    /// The time the results are as of.
    pub as_of: Timestamp,
    /// A fingerprint of the fact set (an interrupted run continues only on the same facts).
    pub facts_digest: String,
    /// Customers to compute.
    pub customers: u64,
}

/// A rule run as recorded.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RuleRun {
    /// Run id.
    pub id: i64,
    /// The rule-set version.
    pub version: String,
    /// The time the results are as of.
    pub as_of: Timestamp,
    /// Fingerprint of the fact set.
    pub facts_digest: String,
    /// Customers to compute.
    pub customers: u64,
    /// Customers written so far (the first `done` in customer order).
    pub done: u64,
    /// Wall clock when started.
    pub started_at: String,
    /// Wall clock when finished; `None` while in progress or interrupted.
    pub finished_at: Option<String>,
}

/// What starting a rule run found.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "state", content = "run", rename_all = "snake_case")]
pub enum RuleRunStart {
    /// A new run, nothing written yet.
    Started(RuleRun),
    /// An interrupted run of the same version on the same facts: continue after `done`.
    Resumed(RuleRun),
    /// The latest finished run already has this version on the same facts; nothing to do.
    UpToDate(RuleRun),
}

impl RuleRunStart {
    /// The run.
    pub fn run(&self) -> &RuleRun {
        match self {
            RuleRunStart::Started(r) | RuleRunStart::Resumed(r) | RuleRunStart::UpToDate(r) => r,
        }
    }
}

/// A published (or attempted) version with its runs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RuleVersionRecord {
    /// The version fingerprint.
    pub version: String,
    /// The canonical text.
    pub canonical: String,
    /// Names the results refer to.
    pub names: RuleNames,
    /// Wall clock of the first publish attempt.
    pub created_at: String,
    /// Wall clock of the first finished run.
    pub published_at: Option<String>,
    /// Whether the latest finished run used this version.
    pub current: bool,
    /// Its runs, oldest first.
    pub runs: Vec<RuleRun>,
}

/// What a ledger-summary line is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum LedgerSource {
    /// An event rule (global rule index).
    EventRule(u32),
    /// A state rule (global rule index).
    StateRule(u32),
    /// A cap of a group (`Some(group)`) or of the score.
    Cap(Option<u32>),
    /// A floor of a group (`Some(group)`) or of the score.
    Floor(Option<u32>),
}

/// A customer's ledger entries of one score from one source, added up.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct LedgerLine {
    /// Score index.
    pub score: u32,
    /// The rule or bound.
    pub source: LedgerSource,
    /// Number of entries.
    pub entries: u32,
    /// Their points, in millionths.
    pub points: i64,
    /// Their points before decay (bounds: the sum that was cut), in millionths.
    pub original_points: i64,
    /// Earliest entry.
    pub first_at: Timestamp,
    /// Latest entry.
    pub last_at: Timestamp,
}

/// The fact that caused a transition, by position in the customer's history as of the run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum FactPosition {
    /// The customer's n-th event.
    Event(u32),
    /// The order starting at the customer's n-th order line.
    Order(u32),
}

/// Why a customer moved to another level.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum TransitionCause {
    /// The first level the customer was seen in.
    First,
    /// An event rule's award.
    Award {
        /// Global rule index.
        rule: u32,
        /// The fact.
        fact: FactPosition,
    },
    /// A state rule started (`holds`) or stopped holding.
    State {
        /// Global rule index.
        rule: u32,
        /// Whether it holds now.
        holds: bool,
    },
    /// Only time passed.
    Time,
}

/// A stage transition.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct TransitionLine {
    /// Stage index.
    pub stage: u32,
    /// Previous level.
    pub from: Option<u32>,
    /// New level.
    pub to: u32,
    /// When.
    pub at: Timestamp,
    /// Why.
    pub cause: TransitionCause,
}

/// A trigger firing.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct FiringLine {
    /// Trigger index.
    pub trigger: u32,
    /// 1 for the first firing for this customer, 2 for the second (re-armed), …
    pub occurrence: u32,
    /// When it fired.
    pub at: Timestamp,
}

/// One customer's results of a rule run.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CustomerRuleResults {
    /// The customer.
    pub customer: CustomerId,
    /// Score values in millionths, by score index.
    pub scores: Vec<i64>,
    /// Levels as of the run, by stage index.
    pub levels: Vec<Option<u32>>,
    /// The ledger summary, by score, then source.
    pub ledger: Vec<LedgerLine>,
    /// Stage transitions in time order.
    pub transitions: Vec<TransitionLine>,
    /// Trigger firings in time order.
    pub firings: Vec<FiringLine>,
}

/// A batch of customers' results: customers `start..start + customers.len()` of the run.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RuleBatch {
    /// Position of the first customer in the run (must equal the run's `done`).
    pub start: u64,
    /// Their results, in customer order.
    pub customers: Vec<CustomerRuleResults>,
}

/// A customer's stored scores and levels (without ledger and transitions).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StoredRuleScores {
    /// The customer.
    pub customer: CustomerId,
    /// Score values in millionths, by score index.
    pub scores: Vec<i64>,
    /// Levels, by stage index.
    pub levels: Vec<Option<u32>>,
}

/// Delivery state of an outbox entry.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum OutboxStatus {
    /// Waiting for delivery.
    Pending,
    /// Delivered.
    Delivered,
    /// No longer produced by the latest run before it was delivered.
    Superseded,
}

impl OutboxStatus {
    /// The text stored.
    pub fn as_str(self) -> &'static str {
        match self {
            OutboxStatus::Pending => "pending",
            OutboxStatus::Delivered => "delivered",
            OutboxStatus::Superseded => "superseded",
        }
    }
    /// From the text stored.
    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "pending" => Some(OutboxStatus::Pending),
            "delivered" => Some(OutboxStatus::Delivered),
            "superseded" => Some(OutboxStatus::Superseded),
            _ => None,
        }
    }
}

/// An outbox entry.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct OutboxRecord {
    /// Entry id (for marking it delivered).
    pub id: i64,
    /// Trigger name.
    pub trigger: String,
    /// The customer.
    pub customer: CustomerId,
    /// Occurrence number of this firing for the customer.
    pub occurrence: u32,
    /// When the trigger fired.
    pub at: Timestamp,
    /// The configured action.
    pub action: String,
    /// The version of the run that last produced it.
    pub version: String,
    /// The run that first produced it.
    pub first_run: i64,
    /// The run that last produced it.
    pub last_run: i64,
    /// Delivery state.
    pub status: OutboxStatus,
    /// Wall clock of delivery.
    pub delivered_at: Option<String>,
}
