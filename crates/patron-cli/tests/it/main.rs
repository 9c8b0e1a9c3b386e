//! End-to-end tests of the `patron` binary: one test binary for the crate (links once).

mod b2b_leads;
mod bad_input;
mod basket;
mod clv;
mod demo;
mod examples;
mod german;
mod rules;
mod rules_publish;
mod support;
mod train;
