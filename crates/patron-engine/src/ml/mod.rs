//! Tabular machine learning: binary classifiers that need no manual preprocessing, checked by
//! cross-validation.
//!
//! The path from a delimited table to a report:
//!
//! 1. [`table::Table::parse`] reads the text (delimiter detected, gzip accepted);
//! 2. [`dataset::Dataset::new`] turns the label into 0/1 and infers the feature columns
//!    ([`encoding`]: numeric or categorical, missing values, identifiers dropped);
//! 3. [`encoding::Schema::encode`] builds a [`matrix::Matrix`] (one-hot or ordinal
//!    categoricals, `NaN` for missing);
//! 4. a [`model::Learner`] — [`gbm::Gbm`] (gradient-boosted trees, the main learner; levels of
//!    categoricals ordered by [`level_order`], batch scoring by [`forest`]) or
//!    [`logistic::Logistic`] (the baseline) — fits a [`model::Model`] that predicts
//!    probabilities and explains them by contributions adding up to the log-odds;
//! 5. [`report::evaluate`] cross-validates a learner over [`cv::Folds`] and reports
//!    [`metrics`] per fold and pooled, lift by decile and [`calibration`].
//!
//! Nothing here reads files or the clock; a seed fixes every random choice.

pub mod calibration;
pub mod cv;
pub mod dataset;
pub mod encoding;
pub mod error;
pub mod forest;
pub mod gbm;
pub(crate) mod level_order;
pub mod logistic;
mod matrix;
pub mod metrics;
pub mod model;
pub mod report;
pub mod rng;
pub mod select;
pub mod shap;
pub mod table;

pub use error::MlError;
pub use matrix::Matrix;
pub use model::{Learner, Model};
