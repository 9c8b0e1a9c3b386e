//! Triggers: outbox entries when a customer enters a stage level or a score crosses a value,
//! once per customer ever or again after every re-entry (`rearm`).

use patron_core::Timestamp;
use serde::{Deserialize, Serialize};

/// What fires a trigger.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum TriggerOn {
    /// Entering `level` of `stage`.
    Enters { stage: u32, level: u32 },
    /// The score reaching `value` from below (`above`) or falling below it.
    Crosses { score: u32, above: bool, value: f64 },
}

/// A compiled trigger.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Trigger {
    pub(crate) name: String,
    pub(crate) on: TriggerOn,
    pub(crate) rearm: bool,
    pub(crate) action: String,
}

impl Trigger {
    /// Whether a score change from `before` to `after` is this trigger's crossing.
    pub(crate) fn crossed(above: bool, value: f64, before: f64, after: f64) -> bool {
        if above {
            before < value && after >= value
        } else {
            before >= value && after < value
        }
    }
}

/// An entry for the outbox (delivered by webhooks or NATS in a later issue).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OutboxEntry {
    /// Trigger index.
    pub trigger: u32,
    /// Customer index in the fact set.
    pub customer: u32,
    /// When the trigger fired.
    pub at: Timestamp,
    /// 1 for the first firing for this customer, 2 for the second (re-armed) one, …; with the
    /// trigger and customer it identifies the firing across recomputations, so a delivery can be
    /// made idempotent even when a change caused only by time is noticed at a different moment.
    pub occurrence: u32,
}

/// An outbox entry with names, for output.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OutboxMessage {
    /// Trigger name.
    pub trigger: String,
    /// Customer id.
    pub customer: String,
    /// When.
    pub at: Timestamp,
    /// The configured action text.
    pub action: String,
    /// Occurrence number (see [`OutboxEntry::occurrence`]).
    pub occurrence: u32,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn crossings() {
        assert!(Trigger::crossed(true, 80.0, 79.0, 80.0));
        assert!(!Trigger::crossed(true, 80.0, 80.0, 90.0));
        assert!(Trigger::crossed(false, 0.0, 0.0, -1.0));
        assert!(!Trigger::crossed(false, 0.0, -1.0, -2.0));
    }
}
