//! What all customers share: the time window, the catalogue, the e-mail calendar and the id
//! format.

use crate::DemoOptions;
use crate::calendar::years_before;
use crate::campaigns::{Campaign, schedule};
use crate::catalogue::Catalogue;
use patron_core::Timestamp;
use std::fmt;

/// The shared, read-only setting of the simulation.
pub struct World {
    /// The seed of every random stream.
    pub seed: u64,
    /// Number of customer records.
    pub customers: u64,
    /// Start of the history (inclusive).
    pub start: Timestamp,
    /// End of the history (exclusive); nothing happens at or after it.
    pub end: Timestamp,
    /// The products.
    pub catalogue: Catalogue,
    /// The e-mail campaigns, in time order.
    pub campaigns: Vec<Campaign>,
    /// Customers also hold subscription plans (see [`crate::subscription`]).
    pub subscriptions: bool,
    /// Digits of the customer number in ids (six, so ids look like `C000001`, or more).
    id_width: usize,
}

impl World {
    /// The world for these options.
    pub fn new(options: &DemoOptions) -> Self {
        let start = years_before(options.end, options.years.max(1));
        World {
            seed: options.seed,
            customers: options.customers,
            start,
            end: options.end,
            catalogue: Catalogue::build(options.seed),
            campaigns: schedule(start, options.end),
            subscriptions: options.subscriptions,
            id_width: options.customers.to_string().len().max(6),
        }
    }

    /// The id of the customer record with this 0-based index: `C000001` for index 0.
    pub fn customer_id(&self, index: u64) -> CustomerNumber {
        CustomerNumber {
            number: index + 1,
            width: self.id_width,
        }
    }
}

/// Displays a customer id: `C` and the zero-padded 1-based number.
#[derive(Debug, Clone, Copy)]
pub struct CustomerNumber {
    number: u64,
    width: usize,
}

impl fmt::Display for CustomerNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "C{:0width$}", self.number, width = self.width)
    }
}
