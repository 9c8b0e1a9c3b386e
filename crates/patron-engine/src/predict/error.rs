//! What can go wrong when training or using a propensity model.

use crate::ml::MlError;

/// A training or prediction failure.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum PredictError {
    /// The learner failed or was given invalid input.
    #[error(transparent)]
    Ml(#[from] MlError),
    /// Too few labelled rows (or only one class) to train or evaluate.
    #[error("not enough data: {0}")]
    NotEnoughData(String),
    /// A saved model that cannot be read.
    #[error("unreadable saved model: {0}")]
    Format(String),
    /// A feature table that does not fit the model.
    #[error("{0}")]
    Mismatch(String),
}

impl PredictError {
    /// A stable machine-readable code.
    pub fn code(&self) -> patron_core::code::Code {
        use patron_core::code::Code;
        match self {
            PredictError::Ml(e) => e.code(),
            PredictError::NotEnoughData(_) => Code::NotEnoughData,
            PredictError::Format(_) => Code::BadModel,
            PredictError::Mismatch(_) => Code::FeatureMismatch,
        }
    }
}
