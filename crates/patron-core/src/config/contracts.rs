//! `[contracts]`: contracts and subscriptions on the card — renewal lead time, the alarm before
//! a notice date, discounting of the residual contract value; and `[clv]`: which lifetime-value
//! model a score run uses and how contracts count in a card's CLV.

use serde::Deserialize;

/// `[contracts]`.
///
/// ```toml
/// [contracts]
/// renewal_lead_days = 60     # renewals whose notice date is this close are due
/// alarm_risk = 0.10          # … and raise `renewal_due` at this cancellation risk or more
/// valuable_monthly = 0       # … for contracts worth at least this much a month
/// discount_rate = 0.10       # per year, for the residual contract value (DERL)
/// ```
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ContractsSection {
    /// Days before a notice date at which a renewal is due: it shows in `patron contracts
    /// --due`, and raises the `renewal_due` alarm when the contract is at risk (default 60).
    #[serde(default = "default_lead")]
    pub renewal_lead_days: u32,
    /// Cancellation risk at or above which a due renewal raises `renewal_due` (default 0.10).
    #[serde(default = "default_alarm_risk")]
    pub alarm_risk: f64,
    /// Recurring value per month a contract needs for `renewal_due` (default 0: every one).
    #[serde(default)]
    pub valuable_monthly: f64,
    /// Annual discount rate of the residual contract value (default 0.10).
    #[serde(default = "default_discount")]
    pub discount_rate: f64,
}

fn default_lead() -> u32 {
    60
}
fn default_alarm_risk() -> f64 {
    0.10
}
fn default_discount() -> f64 {
    0.10
}

impl Default for ContractsSection {
    fn default() -> Self {
        ContractsSection {
            renewal_lead_days: default_lead(),
            alarm_risk: default_alarm_risk(),
            valuable_monthly: 0.0,
            discount_rate: default_discount(),
        }
    }
}

impl ContractsSection {
    /// The problems of the settings, in words.
    pub fn problems(&self) -> Vec<String> {
        let mut out = Vec::new();
        if !(0.0..=1.0).contains(&self.alarm_risk) {
            out.push(format!(
                "[contracts] alarm_risk = {}: expected a probability between 0 and 1",
                self.alarm_risk
            ));
        }
        if !(self.discount_rate > 0.0 && self.discount_rate < 1.0) {
            out.push(format!(
                "[contracts] discount_rate = {}: expected a yearly rate above 0 and below 1, e.g. 0.1",
                self.discount_rate
            ));
        }
        if !(self.valuable_monthly >= 0.0 && self.valuable_monthly.is_finite()) {
            out.push(format!(
                "[contracts] valuable_monthly = {}: expected an amount ≥ 0",
                self.valuable_monthly
            ));
        }
        out
    }
}

/// `[clv]`: the lifetime-value model of score runs.
///
/// ```toml
/// [clv]
/// model = "auto"            # bgnbd, mbgnbd, paretonbd (continuous time), or bgbb
/// opportunity_days = 365    # bgbb: purchases count once per opportunity of this length
/// contracts = "add"         # a contract customer's CLV: purchases + contracts ("add"),
///                           # contracts alone ("instead"), or purchases alone ("off")
/// ```
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ClvSection {
    /// The timing model: `auto` (BG/NBD or MBG/NBD by holdout error), `bgnbd`, `mbgnbd`,
    /// `paretonbd`, or `bgbb` for purchases at discrete opportunities (yearly donations,
    /// seasonal renewals, events held at fixed times).
    #[serde(default = "default_model")]
    pub model: String,
    /// For `bgbb`: the length of an opportunity in days, counted from each customer's first
    /// purchase (default 365).
    #[serde(default = "default_opportunity")]
    pub opportunity_days: u32,
    /// How running contracts count in a card's CLV.
    #[serde(default)]
    pub contracts: ContractValue,
}

/// How running contracts count in a card's 12-month CLV.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ContractValue {
    /// Purchases (BTYD) plus the contracts' expected payments: orders and contract billing are
    /// separate (a shop with subscriptions).
    #[default]
    Add,
    /// The contracts' expected payments alone for a customer with running contracts: the
    /// orders are the contract billing (imported as orders too).
    Instead,
    /// Purchases alone: contracts are shown on the card but not valued in its CLV.
    Off,
}

/// The models `[clv] model` may name.
pub const CLV_MODELS: [&str; 5] = ["auto", "bgnbd", "mbgnbd", "paretonbd", "bgbb"];

fn default_model() -> String {
    "auto".into()
}
fn default_opportunity() -> u32 {
    365
}

impl Default for ClvSection {
    fn default() -> Self {
        ClvSection {
            model: default_model(),
            opportunity_days: default_opportunity(),
            contracts: ContractValue::default(),
        }
    }
}

impl ClvSection {
    /// The problems of the settings, in words.
    pub fn problems(&self) -> Vec<String> {
        let mut out = Vec::new();
        if !CLV_MODELS.contains(&self.model.as_str()) {
            out.push(format!(
                "[clv] model = {:?}: expected one of {}",
                self.model,
                CLV_MODELS.join(", ")
            ));
        }
        if !(7..=3660).contains(&self.opportunity_days) {
            out.push(format!(
                "[clv] opportunity_days = {}: expected 7 to 3660 days",
                self.opportunity_days
            ));
        }
        out
    }
}
