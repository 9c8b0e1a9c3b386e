//! Propensity models trained on the store's own history: churn, conversion and upsell.
//!
//! - [`labels`]: what happened in the horizon after a cutoff ([`Target`]);
//! - [`train`]: rows at several cutoffs, GBM and logistic baseline, grouped cross-validation,
//!   calibration and the AUC on a later holdout period;
//! - [`model`]: the trained [`Predictor`] — saved as JSON, predicting calibrated
//!   probabilities with reasons ([`reasons`]) from the GBM's contributions.
//!
//! ```text
//! let facts = store.load_facts(as_of).await?;                    // (in the CLI)
//! let trained = train(&facts, &TrainConfig::schedule(Target::Churn, as_of, 180, 3, 90))?;
//! let table = trained.predictor.feature_table(&facts, as_of);
//! let predictions = trained.predictor.predict(&table)?;         // probability + reasons
//! ```

pub mod error;
pub mod labels;
pub mod model;
pub mod reasons;
pub mod synthetic;
pub mod train;

pub use error::PredictError;
pub use labels::Target;
pub use model::{Explain, PredictOptions, Prediction, Predictor, Reason};
pub use train::{TrainConfig, TrainReport, Trained, train};

#[cfg(test)]
mod tests;
