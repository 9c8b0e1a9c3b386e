//! End-to-end tests of the `patron` binary: one test binary for the crate (links once).

mod b2b_leads;
mod bad_input;
mod basket;
mod churn;
mod clusters;
mod clv;
mod clv_edge;
mod corrections;
mod demo;
mod durability;
mod examples;
mod exit_codes;
mod german;
mod limits;
mod live;
mod merge;
mod names;
mod offers;
mod payment_risk;
mod read_only;
mod rules;
mod rules_publish;
mod scorecard;
mod support;
mod train;
mod writers;
