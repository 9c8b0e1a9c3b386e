//! End-to-end tests of the `patron` binary: one test binary for the crate (links once).

mod bad_input;
mod basket;
mod clusters;
mod clv;
mod demo;
mod examples;
mod german;
mod offers;
mod payment_risk;
mod rules;
mod scorecard;
mod support;
mod train;
