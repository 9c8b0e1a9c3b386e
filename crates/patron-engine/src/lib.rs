//! Patron's engine: pure computations on in-memory data.
//!
//! Nothing here reads files, sockets, the clock or a random source; the same input always gives
//! the same output, in the same order. Today the crate holds the data-quality checks run after an
//! import; features, RFM, CLV, models and rules follow.

pub mod abc;
pub mod basket;
pub mod cluster;
pub mod clv;
pub mod contracts;
pub mod features;
pub mod margin;
pub mod ml;
pub mod payment_risk;
pub mod predict;
pub mod quality;
pub mod repeat_summary;
pub mod rfm;
pub mod rules;
pub mod scorecard;
