//! Identifier newtypes. An id is a trimmed, non-empty string of at most 256 characters without
//! control characters; ids compare and sort as strings.

use crate::ParseError;
use serde::{Deserialize, Serialize};
use std::fmt;

/// Longest id Patron accepts, in bytes.
pub const MAX_ID_LEN: usize = 256;

fn parse_id(raw: &str, what: &str) -> Result<String, ParseError> {
    let trimmed = raw.trim();
    if trimmed.is_empty() {
        return Err(ParseError::new(raw, format!("a non-empty {what}")));
    }
    if trimmed.len() > MAX_ID_LEN {
        return Err(ParseError::new(
            raw,
            format!("a {what} of at most {MAX_ID_LEN} bytes"),
        ));
    }
    if trimmed.chars().any(char::is_control) {
        return Err(ParseError::new(
            raw,
            format!("a {what} without control characters"),
        ));
    }
    Ok(trimmed.to_owned())
}

macro_rules! id_type {
    ($(#[$doc:meta])* $name:ident, $what:literal) => {
        $(#[$doc])*
        #[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
        #[serde(try_from = "String", into = "String")]
        pub struct $name(String);

        impl $name {
            /// Parses an id: trims white space; rejects empty, over-long or control characters.
            pub fn parse(raw: &str) -> Result<Self, ParseError> {
                parse_id(raw, $what).map(Self)
            }
            /// The id as text.
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl TryFrom<String> for $name {
            type Error = ParseError;
            fn try_from(s: String) -> Result<Self, ParseError> {
                Self::parse(&s)
            }
        }

        impl From<$name> for String {
            fn from(id: $name) -> String {
                id.0
            }
        }
    };
}

id_type!(
    /// A customer's or lead's id, as the source system knows it.
    CustomerId, "customer id"
);
id_type!(
    /// An order (invoice, basket) id; an order has one or more lines.
    OrderId, "order id"
);
id_type!(
    /// An interaction event's id; the natural key that makes event import idempotent.
    EventId, "event id"
);
id_type!(
    /// A support ticket's id.
    TicketId, "ticket id"
);
id_type!(
    /// An invoice's id (accounts receivable, not the order).
    InvoiceId, "invoice id"
);
id_type!(
    /// A contract's or subscription's id.
    ContractId, "contract id"
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_trim_and_reject_empty() {
        assert_eq!(CustomerId::parse(" 17850 ").unwrap().as_str(), "17850");
        assert!(CustomerId::parse("   ").is_err());
        assert!(CustomerId::parse("a\u{0}b").is_err());
        assert!(OrderId::parse(&"x".repeat(300)).is_err());
    }
}
