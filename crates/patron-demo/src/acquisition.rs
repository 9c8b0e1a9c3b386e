//! How a record came to be: acquisition channel, its cost, and the consents given at sign-up.

use crate::draw::{between, weighted};
use crate::person::Segment;
use patron_core::random::Rng;

/// Channels of consumer customers.
const B2C_CHANNELS: &[(&str, f64)] = &[
    ("organic_search", 28.0),
    ("paid_search", 22.0),
    ("social", 16.0),
    ("referral", 10.0),
    ("email", 6.0),
    ("store", 12.0),
    ("affiliate", 6.0),
];

/// Channels of business customers.
const B2B_CHANNELS: &[(&str, f64)] = &[
    ("organic_search", 20.0),
    ("paid_search", 18.0),
    ("trade_fair", 14.0),
    ("referral", 14.0),
    ("partner", 12.0),
    ("social", 8.0),
    ("outbound", 14.0),
];

/// How leads sign up.
const LEAD_CHANNELS: &[(&str, f64)] = &[
    ("webinar", 15.0),
    ("whitepaper", 20.0),
    ("newsletter", 35.0),
    ("paid_search", 15.0),
    ("social", 15.0),
];

/// Cost range per acquisition in currency units.
fn cost_range(channel: &str) -> (f64, f64) {
    match channel {
        "organic_search" => (1.5, 6.0),
        "paid_search" => (15.0, 70.0),
        "social" => (8.0, 45.0),
        "referral" => (10.0, 25.0),
        "email" => (2.0, 8.0),
        "store" => (0.0, 3.0),
        "affiliate" => (12.0, 40.0),
        "trade_fair" => (120.0, 450.0),
        "partner" => (60.0, 200.0),
        "outbound" => (80.0, 300.0),
        "webinar" => (30.0, 90.0),
        "whitepaper" => (20.0, 60.0),
        _ => (2.0, 10.0),
    }
}

/// The acquisition of one record.
#[derive(Debug, Clone, Copy)]
pub struct Acquisition {
    /// The channel, e.g. `paid_search`.
    pub channel: &'static str,
    /// What it cost, in cents.
    pub cost_cents: i64,
    /// Consent to marketing contact (about 70%).
    pub consent_marketing: bool,
    /// Consent to profiling (about 85%).
    pub consent_profiling: bool,
}

impl Acquisition {
    /// A random acquisition of a customer (or, with `lead`, of a lead).
    pub fn draw(rng: &mut Rng, segment: Segment, lead: bool) -> Self {
        let channel = match (lead, segment) {
            (true, Segment::B2b) if rng.chance(0.2) => "trade_fair",
            (true, _) => weighted(rng, LEAD_CHANNELS),
            (false, Segment::B2c) => weighted(rng, B2C_CHANNELS),
            (false, Segment::B2b) => weighted(rng, B2B_CHANNELS),
        };
        let (low, high) = cost_range(channel);
        let cost_cents = (between(rng, low, high) * 100.0).round() as i64;
        let consent_marketing = channel == "newsletter" || rng.chance(0.7);
        Acquisition {
            channel,
            cost_cents,
            consent_marketing,
            consent_profiling: rng.chance(0.85),
        }
    }
}
