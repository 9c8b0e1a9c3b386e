//! Contracts of a score run, one line per running contract: the list `patron contracts` prints
//! by risk, renewal date or value, and the renewals due (notice date within the lead time of
//! `[contracts]`) — the worklist the dashboard shows as "Renewals due".

use crate::AppError;
use patron_core::Timestamp;
use patron_store::Store;
use serde::Serialize;

/// One running contract of a run's cards.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ContractLine {
    /// The contract holder.
    pub customer_id: String,
    /// Their tier.
    pub tier: String,
    /// Contract id.
    pub contract_id: String,
    /// Product or plan.
    pub plan: Option<String>,
    /// Billed per period.
    pub recurring_value: f64,
    /// Months per billing period.
    pub billing_months: u32,
    /// Renewals so far.
    pub renewals: u32,
    /// The next renewal.
    pub next_renewal: Timestamp,
    /// The last day to cancel before it.
    pub notice_by: Timestamp,
    /// Days from the run's `as_of` to `notice_by`.
    pub days_to_notice: i64,
    /// A contract with a term rather than a rolling one.
    pub fixed_term: bool,
    /// Probability of cancelling at the next renewal.
    pub cancellation_risk: Option<f64>,
    /// Discounted expected residual value.
    pub residual_value: Option<f64>,
}

/// The running contracts of a run and the contract models it fitted.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ContractList {
    /// The score run.
    pub run: i64,
    /// Its `as_of`.
    pub as_of: Timestamp,
    /// The sBG per billing period, when the run had contracts.
    pub models: Option<patron_engine::contracts::ContractModel>,
    /// The contracts, in the order asked for.
    pub contracts: Vec<ContractLine>,
}

/// How [`running`] orders its lines.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ContractOrder {
    /// Highest cancellation risk first.
    Risk,
    /// Nearest notice date first.
    Renewal,
    /// Highest residual value first.
    Value,
}

impl std::str::FromStr for ContractOrder {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "risk" => Ok(ContractOrder::Risk),
            "renewal" => Ok(ContractOrder::Renewal),
            "value" => Ok(ContractOrder::Value),
            other => Err(format!("{other:?}: expected risk, renewal or value")),
        }
    }
}

/// The running contracts of a run (default: the latest) — with `due_within`, the fixed-term
/// ones whose notice date is at most that many days away (rolling subscriptions can be
/// cancelled every period: they are on the `renewal_due` alarm when at risk) — in `order`
/// (ties by customer and contract id), with the run's contract models.
pub async fn running(
    store: &dyn Store,
    run: Option<i64>,
    due_within: Option<u32>,
    order: ContractOrder,
) -> Result<ContractList, AppError> {
    let (record, mut chunks) = crate::cards::matching_chunks(store, run, None).await?;
    let mut lines = Vec::new();
    while let Some(chunk) = chunks.recv().await {
        for card in chunk? {
            let Some(section) = &card.contract else {
                continue;
            };
            for c in &section.running {
                let due = due_within
                    .is_none_or(|days| c.fixed_term && c.days_to_notice <= i64::from(days));
                if due {
                    lines.push(ContractLine {
                        customer_id: card.customer_id.to_string(),
                        tier: card.tier.clone(),
                        contract_id: c.contract_id.clone(),
                        plan: c.plan.clone(),
                        recurring_value: c.recurring_value,
                        billing_months: c.billing_months,
                        renewals: c.renewals,
                        next_renewal: c.next_renewal,
                        notice_by: c.notice_by,
                        days_to_notice: c.days_to_notice,
                        fixed_term: c.fixed_term,
                        cancellation_risk: c.cancellation_risk,
                        residual_value: c.residual_value,
                    });
                }
            }
        }
    }
    let unknown_last = |v: Option<f64>| v.unwrap_or(f64::NEG_INFINITY);
    lines.sort_by(|a, b| {
        let first = match order {
            ContractOrder::Risk => {
                unknown_last(b.cancellation_risk).total_cmp(&unknown_last(a.cancellation_risk))
            }
            ContractOrder::Value => {
                unknown_last(b.residual_value).total_cmp(&unknown_last(a.residual_value))
            }
            ContractOrder::Renewal => a.notice_by.cmp(&b.notice_by),
        };
        first
            .then_with(|| a.customer_id.cmp(&b.customer_id))
            .then_with(|| a.contract_id.cmp(&b.contract_id))
    });
    let models = crate::score::run_context(&record)?
        .snapshot
        .and_then(|s| s.contracts);
    Ok(ContractList {
        run: record.id,
        as_of: record.as_of,
        models,
        contracts: lines,
    })
}
