//! The API against a real server on 127.0.0.1:0, over HTTP, on a seeded demo company. One test
//! binary for the crate.

mod admin;
mod api;
mod browser;
mod dashboard;
mod live;
mod privacy;
mod support;
mod webhooks;
