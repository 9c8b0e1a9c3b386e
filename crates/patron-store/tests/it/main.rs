//! Store conformance tests, run against the SQLite backend (PostgreSQL will run the same).

mod conformance;
mod models;
mod rules;
mod score_runs;
