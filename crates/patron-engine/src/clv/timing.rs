//! One handle for the three non-contractual timing models, so callers can fit, compare and
//! predict without caring which one they hold.

use super::{AliveModel, BgNbd, ClvError, FitResult, FrequencyData, MBgNbd, ParetoNbd};

/// Which timing model.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum ModelKind {
    /// BG/NBD.
    BgNbd,
    /// MBG/NBD.
    MBgNbd,
    /// Pareto/NBD.
    ParetoNbd,
}

impl ModelKind {
    /// Every timing model, in the order results are reported.
    pub const ALL: [ModelKind; 3] = [ModelKind::BgNbd, ModelKind::MBgNbd, ModelKind::ParetoNbd];

    /// The name used in output and on the command line.
    pub fn name(self) -> &'static str {
        match self {
            ModelKind::BgNbd => "bgnbd",
            ModelKind::MBgNbd => "mbgnbd",
            ModelKind::ParetoNbd => "paretonbd",
        }
    }

    /// Parses a name (`bgnbd`, `mbgnbd`, `paretonbd`; `-` and `/` ignored, case-insensitive).
    pub fn parse(text: &str) -> Option<Self> {
        let norm: String = text
            .chars()
            .filter(|c| c.is_ascii_alphanumeric())
            .collect::<String>()
            .to_lowercase();
        ModelKind::ALL.into_iter().find(|k| k.name() == norm)
    }
}

/// A fitted timing model.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum TimingModel {
    /// BG/NBD.
    BgNbd(BgNbd),
    /// MBG/NBD.
    MBgNbd(MBgNbd),
    /// Pareto/NBD.
    ParetoNbd(ParetoNbd),
}

impl TimingModel {
    /// Fits a model of `kind` by maximum likelihood.
    pub fn fit(kind: ModelKind, data: &FrequencyData) -> Result<(Self, FitResult), ClvError> {
        Ok(match kind {
            ModelKind::BgNbd => BgNbd::fit(data).map(|(m, r)| (TimingModel::BgNbd(m), r))?,
            ModelKind::MBgNbd => MBgNbd::fit(data).map(|(m, r)| (TimingModel::MBgNbd(m), r))?,
            ModelKind::ParetoNbd => {
                ParetoNbd::fit(data).map(|(m, r)| (TimingModel::ParetoNbd(m), r))?
            }
        })
    }

    /// Which model this is.
    pub fn kind(&self) -> ModelKind {
        match self {
            TimingModel::BgNbd(_) => ModelKind::BgNbd,
            TimingModel::MBgNbd(_) => ModelKind::MBgNbd,
            TimingModel::ParetoNbd(_) => ModelKind::ParetoNbd,
        }
    }

    /// Expected purchases in the next `t_future` units, given the history.
    pub fn expected_purchases(&self, t_future: f64, x: f64, t_x: f64, t: f64) -> f64 {
        match self {
            TimingModel::BgNbd(m) => m.expected_purchases(t_future, x, t_x, t),
            TimingModel::MBgNbd(m) => m.expected_purchases(t_future, x, t_x, t),
            TimingModel::ParetoNbd(m) => m.expected_purchases(t_future, x, t_x, t),
        }
    }

    /// Unconditional expected purchases of a new customer in `(0, t]`.
    pub fn unconditional_expected(&self, t: f64) -> f64 {
        match self {
            TimingModel::BgNbd(m) => m.unconditional_expected(t),
            TimingModel::MBgNbd(m) => m.unconditional_expected(t),
            TimingModel::ParetoNbd(m) => m.unconditional_expected(t),
        }
    }

    /// Probability of exactly `n` purchases in `(0, t]` for a new customer.
    pub fn prob_n_purchases(&self, n: u32, t: f64) -> f64 {
        match self {
            TimingModel::BgNbd(m) => m.prob_n_purchases(n, t),
            TimingModel::MBgNbd(m) => m.prob_n_purchases(n, t),
            TimingModel::ParetoNbd(m) => m.prob_n_purchases(n, t),
        }
    }
}

impl AliveModel for TimingModel {
    fn p_alive(&self, x: f64, t_x: f64, t: f64) -> f64 {
        match self {
            TimingModel::BgNbd(m) => m.p_alive(x, t_x, t),
            TimingModel::MBgNbd(m) => m.p_alive(x, t_x, t),
            TimingModel::ParetoNbd(m) => m.p_alive(x, t_x, t),
        }
    }

    fn expected_if_alive(&self, t_future: f64, x: f64, t: f64) -> f64 {
        match self {
            TimingModel::BgNbd(m) => m.expected_if_alive(t_future, x, t),
            TimingModel::MBgNbd(m) => m.expected_if_alive(t_future, x, t),
            TimingModel::ParetoNbd(m) => m.expected_if_alive(t_future, x, t),
        }
    }
}
