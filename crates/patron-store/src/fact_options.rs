//! Optional columns of a fact set: what [`crate::Store::load_facts_with`] loads beyond the
//! always-loaded columns.

/// Which optional columns to load.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FactOptions {
    /// Event properties (such as `url`) to load as interned columns, in this order. Empty by
    /// default: a property costs four bytes per event, so only what a computation names is
    /// loaded.
    pub event_properties: Vec<String>,
}
