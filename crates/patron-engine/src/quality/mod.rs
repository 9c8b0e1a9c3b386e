//! Data-quality checks on imported facts: numeric outliers, gaps in a date series and duplicate
//! customer candidates, with the normalisation of contact data they rely on.
//!
//! Each check takes plain slices and returns sorted, serialisable findings, so a report (CLI, API,
//! dashboard) can print them as they are.

pub mod duplicates;
pub mod gaps;
mod normalise;
pub mod outliers;
