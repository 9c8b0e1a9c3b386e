//! Patron's domain: typed identifiers, money, timestamps, the canonical data model, the project
//! configuration (`patron.toml`) and the columnar fact set the engine computes on.
//!
//! Everything here parses: a value of one of these types is valid by construction, so the rest of
//! Patron never re-checks it.

pub mod code;
pub mod config;
pub mod error;
pub mod facts;
pub mod fuzz;
pub mod hash;
pub mod ids;
pub mod limits;
pub mod model;
pub mod money;
pub mod random;
pub mod time;

pub use error::ParseError;
pub use ids::{ContractId, CustomerId, InvoiceId, OrderId, TicketId};
pub use money::Money;
pub use time::Timestamp;
