//! The use cases called directly, as the server will call them: import, score run and live
//! card on a generated company. One test binary for the crate.

mod import;
mod scoring;
