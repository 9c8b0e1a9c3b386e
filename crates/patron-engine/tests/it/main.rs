//! Integration tests of the engine's public API (one test binary for the crate).

mod fuzz_filter;
