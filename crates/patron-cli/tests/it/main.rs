//! End-to-end tests of the `patron` binary: one test binary for the crate (links once).

mod bad_input;
mod basket;
mod churn;
mod clv;
mod demo;
mod examples;
mod german;
mod rules;
mod support;
mod train;
