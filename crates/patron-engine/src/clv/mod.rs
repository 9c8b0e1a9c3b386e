//! Customer lifetime value: the "buy till you die" (BTYD) transaction models, the Gamma-Gamma
//! spend model and discounted CLV.
//!
//! | model | setting | file | reference |
//! |---|---|---|---|
//! | BG/NBD | non-contractual, continuous time | [`bgnbd`] | Fader, Hardie & Lee 2005, "Counting your customers the easy way" |
//! | MBG/NBD | BG/NBD with dropout possible at time 0 | [`mbgnbd`] | Batislam, Denizel & Filiztekin 2007 |
//! | Pareto/NBD | non-contractual, exponential lifetimes | [`paretonbd`] | Schmittlein, Morrison & Colombo 1987; Fader & Hardie 2005 note 009 |
//! | BG/BB | non-contractual, discrete opportunities | [`bgbb`] | Fader, Hardie & Shang 2010 |
//! | sBG | contractual, discrete renewals | [`sbg`] | Fader & Hardie 2007, "How to project customer retention" |
//! | Gamma-Gamma | spend per transaction | [`gammagamma`] | Fader, Hardie & Lee 2005, "RFM and CLV"; Fader & Hardie note 025 |
//!
//! Conventions shared by every model:
//!
//! - **Time unit.** Recency `t_x`, age `T` and horizons are in one unit chosen by the caller (the
//!   CDNOW references use weeks). Scale parameters (`α`, `β`, `γ` of the timing models) are in
//!   that unit; [`value::TimeUnit`] converts (a month is 365.25/12 days, never 30).
//! - **Fitting.** Maximum likelihood over rows merged by [`data::FrequencyData::grouped`], in
//!   log-parameter space (so every parameter stays positive), by BFGS with analytic gradients
//!   where the model allows, falling back to Nelder–Mead from several deterministic starts
//!   ([`optimise`]). Standard errors come from the inverse Hessian of the negative
//!   log-likelihood (delta method from log space).
//! - **Purity.** No I/O, no clock, no hidden randomness: [`synthetic`] takes an explicit seed.
//!   Same data in, same digits out.
//! - **Errors.** Bad input returns [`ClvError`]; nothing panics. Prediction methods return `f64`
//!   and give NaN only for inputs outside their domain (negative times, for instance).

pub mod backtest;
pub(crate) mod betageo;
pub mod bgbb;
pub mod bgnbd;
pub mod data;
pub mod discrete;
pub mod fit;
pub mod gammagamma;
mod hyp2f1;
pub mod mbgnbd;
mod optimise;
pub mod paretonbd;
pub mod policy;
mod quadrature;
pub mod sbg;
mod special;
pub mod synthetic;
pub mod timing;
pub mod value;

#[cfg(test)]
mod testdata;

pub use bgbb::{BgBb, BgBbData};
pub use bgnbd::BgNbd;
pub use data::{FrequencyData, SpendData};
pub use fit::{FitOptions, FitResult};
pub use gammagamma::GammaGamma;
pub use mbgnbd::MBgNbd;
pub use paretonbd::ParetoNbd;
pub use sbg::Sbg;
pub use timing::{ModelKind, TimingModel};
pub use value::{AliveModel, DiscountSchedule, TimeUnit, discounted_clv, discounted_clv_batch};

/// Everything that can go wrong in the CLV module.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ClvError {
    /// A data row breaks a model's assumptions; `index` is the 0-based row of the input.
    #[error("row {index}: {reason}")]
    InvalidRow {
        /// 0-based index of the offending row in the caller's columns.
        index: usize,
        /// What is wrong, with the values.
        reason: String,
    },
    /// The columns given together do not have the same length.
    #[error("columns differ in length: {0}")]
    LengthMismatch(String),
    /// There is nothing to fit (no rows, or no row the model can use).
    #[error("no data: {0}")]
    Empty(&'static str),
    /// A parameter or argument is outside its domain.
    #[error("invalid {name} = {value}: {reason}")]
    InvalidArgument {
        /// The argument's name.
        name: &'static str,
        /// The value given.
        value: f64,
        /// The rule it breaks.
        reason: &'static str,
    },
    /// The Gauss hypergeometric function could not be evaluated.
    #[error("2F1({a}, {b}; {c}; {z}): {reason}")]
    Hypergeometric {
        /// First numerator parameter.
        a: f64,
        /// Second numerator parameter.
        b: f64,
        /// Denominator parameter.
        c: f64,
        /// Argument.
        z: f64,
        /// Why it failed.
        reason: &'static str,
    },
    /// A timing model name that is not one of `bgnbd`, `mbgnbd`, `paretonbd` (or `auto`).
    #[error("unknown model {0:?}: use bgnbd, mbgnbd, paretonbd or auto")]
    UnknownModel(String),
    /// The optimiser found no finite likelihood anywhere it looked.
    #[error("fitting {model} failed: {reason}")]
    FitFailed {
        /// Model name, as in [`FitResult::model`].
        model: &'static str,
        /// What happened.
        reason: String,
    },
}

impl ClvError {
    /// The stable error code.
    pub fn code(&self) -> patron_core::code::Code {
        use patron_core::code::Code;
        match self {
            ClvError::InvalidRow { .. } | ClvError::LengthMismatch(_) => Code::DataInvalid,
            ClvError::Empty(_) => Code::NotEnoughData,
            ClvError::InvalidArgument { .. } | ClvError::UnknownModel(_) => Code::InvalidArgument,
            ClvError::Hypergeometric { .. } => Code::NumericFailure,
            ClvError::FitFailed { .. } => Code::FitFailed,
        }
    }
}

/// Checks that a model parameter is finite and positive.
pub(crate) fn positive(name: &'static str, value: f64) -> Result<f64, ClvError> {
    if value.is_finite() && value > 0.0 {
        Ok(value)
    } else {
        Err(ClvError::InvalidArgument {
            name,
            value,
            reason: "must be finite and > 0",
        })
    }
}
