//! Segments: a condition over the cards, its figures (size, value, risk), and segments saved
//! under a name — what the dashboard's segment builder and worklists share.

use crate::AppError;
use crate::project::Project;
use patron_store::{SavedSegment, Store};
use serde::Serialize;

/// What a segment holds in the latest run.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct SegmentFigures {
    /// The run counted.
    pub run_id: i64,
    /// Customers in the segment.
    pub customers: u64,
    /// Of the run's customers.
    pub share: f64,
    /// Their CLV.
    pub clv: f64,
    /// Their net revenue so far.
    pub revenue: f64,
    /// Mean value score of those with one.
    pub mean_value_score: Option<f64>,
    /// Mean churn risk of those with one.
    pub mean_churn_risk: Option<f64>,
    /// Customers with status `At Risk`.
    pub at_risk: u64,
    /// Customers with at least one alarm.
    pub alarmed: u64,
    /// Customers per tier.
    pub tiers: Vec<(String, u64)>,
}

/// The figures of the cards of the latest run that meet `condition` (every card is read: a
/// condition can name any field).
pub async fn figures(
    project: &Project,
    store: &dyn Store,
    condition: &str,
) -> Result<SegmentFigures, AppError> {
    let filter = crate::cards::card_filter(project, Some(condition), None)?;
    let (run, mut chunks) = crate::cards::matching_chunks(store, None, filter).await?;
    let mut f = SegmentFigures {
        run_id: run.id,
        ..SegmentFigures::default()
    };
    let (mut value_sum, mut value_n, mut churn_sum, mut churn_n) = (0.0, 0u64, 0.0, 0u64);
    let mut tiers: std::collections::BTreeMap<String, u64> = Default::default();
    while let Some(chunk) = chunks.recv().await {
        for card in chunk? {
            f.customers += 1;
            f.clv += card.clv.unwrap_or(0.0);
            f.revenue += card.revenue.unwrap_or(0.0);
            if let Some(v) = card.value_score {
                value_sum += v;
                value_n += 1;
            }
            if let Some(r) = card.churn_risk {
                churn_sum += r;
                churn_n += 1;
            }
            f.at_risk += u64::from(card.status == "At Risk");
            f.alarmed += u64::from(!card.alarms.is_empty());
            *tiers.entry(card.tier).or_default() += 1;
        }
    }
    f.share = f.customers as f64 / run.customers.max(1) as f64;
    f.mean_value_score = (value_n > 0).then(|| value_sum / value_n as f64);
    f.mean_churn_risk = (churn_n > 0).then(|| churn_sum / churn_n as f64);
    f.tiers = tiers.into_iter().collect();
    Ok(f)
}

/// The longest segment name.
pub const MAX_NAME: usize = 80;

/// Saves `condition` as segment `name` (replacing one of that name) after checking both: a
/// name of letters, digits, `-` and `_`, and a condition that compiles.
pub async fn save(
    project: &Project,
    store: &dyn Store,
    name: &str,
    condition: &str,
    description: &str,
    saved_by: &str,
) -> Result<SavedSegment, AppError> {
    let name = name.trim();
    let valid = !name.is_empty()
        && name.len() <= MAX_NAME
        && name
            .chars()
            .all(|c| c.is_alphanumeric() || c == '-' || c == '_');
    if !valid {
        return Err(AppError::Invalid(format!(
            "segment name {name:?}: 1 to {MAX_NAME} letters, digits, - or _"
        )));
    }
    if condition.trim().is_empty() {
        return Err(AppError::Invalid("a segment needs a condition".into()));
    }
    crate::cards::card_filter(project, Some(condition), None)?;
    Ok(store
        .save_segment(&SavedSegment {
            name: name.to_owned(),
            condition: condition.trim().to_owned(),
            description: description.trim().to_owned(),
            saved_by: saved_by.to_owned(),
            saved_at: String::new(),
        })
        .await?)
}
