//! `[retention]`: how long facts and inactive persons are kept before `patron privacy purge`
//! removes them.

use super::rules::Duration;
use serde::Deserialize;

/// `[retention]`: ages after which facts are deleted and inactive persons erased. Nothing is
/// purged unless configured; a per-kind age overrides `facts`.
///
/// ```toml
/// [retention]
/// facts = "10y"      # every kind of fact below unless given
/// events = "2y"      # web and e-mail events
/// tickets = "3y"
/// inactive = "3y"    # persons with no order, event, ticket or invoice for this long
/// ```
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RetentionSection {
    /// Default age for every kind of fact.
    pub facts: Option<Duration>,
    /// Order lines (by order time).
    pub orders: Option<Duration>,
    /// Web, e-mail and other events (by event time).
    pub events: Option<Duration>,
    /// Support tickets (by opening time).
    pub tickets: Option<Duration>,
    /// Invoices (by issue date).
    pub invoices: Option<Duration>,
    /// Observed outcomes (by their time).
    pub outcomes: Option<Duration>,
    /// Persons whose latest order, event, ticket or invoice (or, without any, their creation)
    /// is older than this are erased completely, as by `patron privacy erase`.
    pub inactive: Option<Duration>,
}

/// The kinds of fact retention applies to: table, time column, and the `[retention]` key.
pub const RETAINED_FACTS: [(&str, &str, &str); 5] = [
    ("order_lines", "ts", "orders"),
    ("events", "ts", "events"),
    ("tickets", "opened_at", "tickets"),
    ("invoices", "issued_at", "invoices"),
    ("outcomes", "at", "outcomes"),
];

impl RetentionSection {
    /// The age after which facts of `kind` (`orders`, `events`, … as in [`RETAINED_FACTS`])
    /// are deleted, if any.
    pub fn age_of(&self, kind: &str) -> Option<&Duration> {
        match kind {
            "orders" => self.orders.as_ref(),
            "events" => self.events.as_ref(),
            "tickets" => self.tickets.as_ref(),
            "invoices" => self.invoices.as_ref(),
            "outcomes" => self.outcomes.as_ref(),
            _ => None,
        }
        .or(self.facts.as_ref())
    }

    /// Whether anything is configured.
    pub fn is_empty(&self) -> bool {
        self == &RetentionSection::default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_kind_of_fact_falls_back_to_the_default_age() {
        let r: RetentionSection = toml::from_str("facts = \"10y\"\nevents = \"2y\"").unwrap();
        assert_eq!(r.age_of("events").unwrap().text(), "2y");
        assert_eq!(r.age_of("orders").unwrap().text(), "10y");
        assert!(r.inactive.is_none());
        assert!(RetentionSection::default().is_empty());
        assert!(toml::from_str::<RetentionSection>("event = \"2y\"").is_err());
    }
}
