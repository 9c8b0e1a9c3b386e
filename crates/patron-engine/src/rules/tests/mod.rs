//! Tests of rule scoring: the shoe shop from the issue computed exactly, the language, errors,
//! decay and caps, stages and triggers, and properties on random customers.

mod batches;
mod errors;
mod event_properties;
mod fixtures;
mod fuzz;
mod language;
mod properties;
mod realtime;
mod semantics;
mod shoe_shop;
