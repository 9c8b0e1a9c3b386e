//! End-to-end tests of the `patron` binary: one test binary for the crate (links once).

mod bad_input;
mod basket;
mod clv;
mod demo;
mod examples;
mod german;
mod rules;
mod scorecard;
mod support;
mod train;
