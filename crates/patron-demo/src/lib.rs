//! A seeded synthetic company for demos, tests and benchmarks.
//!
//! [`generate`] writes six CSV files (customers, orders, events, tickets, invoices, outcomes),
//! with `subscriptions` a seventh (contracts), and a `patron.toml` that maps them. The data has the structure Patron's models look for:
//! purchases follow a BG/NBD process with heterogeneous rates and dropout, seasonality, growth,
//! category affinity and products bought together, leads that convert after a burst of
//! engagement, tickets that turn sour before churn, late payers, duplicate records and a few
//! missing values. Ground truth (conversions, churn, offer answers) is in `outcomes.csv`.
//!
//! Generation streams customer by customer, so memory stays flat however many customers are
//! made, and every customer draws from its own random stream (`Rng::fork(seed, index)`): the
//! same options give byte-identical files on every machine.

mod acquisition;
mod address;
mod basket;
mod billing;
mod calendar;
mod campaigns;
mod catalogue;
mod company;
mod csv;
mod customer;
mod draw;
mod engagement;
mod manifest;
mod names;
mod orders;
mod outcomes;
mod person;
mod purchases;
mod record;
mod subscription;
mod support;
mod world;
mod writer;

use calendar::Civil;
use patron_core::Timestamp;
use std::io;
use std::path::Path;

/// How often [`generate`] reports progress, in customers.
const PROGRESS_EVERY: u64 = 1_000;

/// What to generate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DemoOptions {
    /// Number of customer records, leads and duplicates included (default 20,000).
    pub customers: u64,
    /// Seed of all randomness (default 42).
    pub seed: u64,
    /// End of the history, exclusive: nothing happens at or after it
    /// (default 2026-06-30T00:00:00Z).
    pub end: Timestamp,
    /// Length of the history in years before `end` (default 3; at least 1).
    pub years: u32,
    /// A subscription business besides the shop: most buying customers hold a plan (Basic,
    /// Plus, Pro; monthly or yearly), written to `contracts.csv` (default false).
    pub subscriptions: bool,
}

impl Default for DemoOptions {
    fn default() -> Self {
        DemoOptions {
            customers: 20_000,
            seed: 42,
            end: Civil::new(2026, 6, 30).midnight(),
            years: 3,
            subscriptions: false,
        }
    }
}

/// What [`generate`] wrote.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct DemoSummary {
    /// Rows of `customers.csv` (leads and duplicates included).
    pub customers: u64,
    /// Of those, leads (converted or not).
    pub leads: u64,
    /// Rows of `orders.csv`.
    pub order_lines: u64,
    /// Distinct order ids (returns included).
    pub orders: u64,
    /// Rows of `events.csv`.
    pub events: u64,
    /// Rows of `tickets.csv`.
    pub tickets: u64,
    /// Rows of `invoices.csv`.
    pub invoices: u64,
    /// Rows of `outcomes.csv`.
    pub outcomes: u64,
    /// Rows of `contracts.csv` (0 without subscriptions).
    pub contracts: u64,
    /// Customer records that are a second record of an earlier record's person.
    pub duplicate_customers: u64,
}

/// Writes the demo company into `dir`: `dir/data/*.csv` and `dir/patron.toml`, replacing any
/// earlier demo there. `progress` is called with the number of customers done, every thousand
/// customers and at the end.
pub fn generate(
    options: &DemoOptions,
    dir: &Path,
    progress: &mut dyn FnMut(u64),
) -> io::Result<DemoSummary> {
    if options.years == 0 {
        return Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            "the demo history needs at least one year",
        ));
    }
    let world = world::World::new(options);
    let data = dir.join("data");
    std::fs::create_dir_all(&data)?;
    let mut out = writer::DemoWriter::create(&data, options.subscriptions)?;
    let mut facts = customer::Facts::default();
    for index in 0..options.customers {
        let customer = customer::simulate(&world, index, &mut facts);
        out.write(&world, &customer, &facts)?;
        let done = index + 1;
        if done % PROGRESS_EVERY == 0 || done == options.customers {
            progress(done);
        }
    }
    let summary = out.finish()?;
    std::fs::write(
        dir.join(patron_core::config::CONFIG_FILE),
        manifest::patron_toml(options, &world),
    )?;
    Ok(summary)
}
