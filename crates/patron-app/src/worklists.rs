//! Worklist membership: which customers of a run meet each of several conditions, with the
//! figures a list is sorted by — computed in one pass over the run's cards, so a server can
//! keep it for the run and page or sort a list of any size without reading cards again.

use crate::AppError;
use crate::project::Project;
use patron_core::ids::CustomerId;
use patron_store::Store;
use std::collections::BTreeMap;

/// One customer on a list.
#[derive(Debug, Clone, PartialEq)]
pub struct Member {
    /// The customer.
    pub customer_id: CustomerId,
    /// Value score.
    pub value_score: Option<f64>,
    /// Churn risk.
    pub churn_risk: Option<f64>,
    /// CLV.
    pub clv: Option<f64>,
}

impl Member {
    /// What a list keeps of `card`.
    pub fn of(card: &patron_engine::scorecard::Card) -> Member {
        Member {
            customer_id: card.customer_id.clone(),
            value_score: card.value_score,
            churn_risk: card.churn_risk,
            clv: card.clv,
        }
    }

    /// The figure a list is sorted by (`value_score`, `churn_risk`, `clv`; none for others).
    fn figure(&self, sort: &str) -> Option<f64> {
        match sort {
            "value_score" => self.value_score,
            "churn_risk" => self.churn_risk,
            "clv" => self.clv,
            _ => None,
        }
    }
}

/// The order of a list sorted by `sort`: the figure biggest first, unknown last; ties (and
/// any other `sort`) by customer id.
pub fn compare(sort: &str, a: &Member, b: &Member) -> std::cmp::Ordering {
    b.figure(sort)
        .unwrap_or(f64::NEG_INFINITY)
        .total_cmp(&a.figure(sort).unwrap_or(f64::NEG_INFINITY))
        .then_with(|| a.customer_id.cmp(&b.customer_id))
}

/// The members of each list of a run, in customer-id order.
#[derive(Debug, Clone, Default)]
pub struct Memberships {
    /// The run they were computed from.
    pub run_id: i64,
    /// By list name.
    pub lists: BTreeMap<String, Vec<Member>>,
}

/// The members of each `(name, condition)` list in the latest run: one pass over its cards.
/// A condition that does not compile is an error naming its list.
pub async fn memberships(
    project: &Project,
    store: &dyn Store,
    lists: &[(String, String)],
) -> Result<Memberships, AppError> {
    let mut filters = Vec::with_capacity(lists.len());
    for (name, condition) in lists {
        let filter = crate::cards::card_filter(project, Some(condition), None)
            .map_err(|e| AppError::Invalid(format!("worklist {name}: {e}")))?;
        filters.push((name.clone(), filter));
    }
    let (run, mut chunks) = crate::cards::matching_chunks(store, None, None).await?;
    let mut out = Memberships {
        run_id: run.id,
        lists: lists.iter().map(|(n, _)| (n.clone(), Vec::new())).collect(),
    };
    while let Some(chunk) = chunks.recv().await {
        for card in chunk? {
            for (name, filter) in &filters {
                if filter.as_ref().is_none_or(|f| f.matches(&card))
                    && let Some(list) = out.lists.get_mut(name)
                {
                    list.push(Member::of(&card));
                }
            }
        }
    }
    Ok(out)
}

/// `members` (in customer-id order, as [`memberships`] gives them) in the order a list is
/// shown, by [`compare`]: borrowed as they are when that is customer-id order.
pub fn sorted<'a>(members: &'a [Member], sort: &str) -> std::borrow::Cow<'a, [Member]> {
    if !matches!(sort, "value_score" | "churn_risk" | "clv") {
        return std::borrow::Cow::Borrowed(members);
    }
    let mut out = members.to_vec();
    out.sort_by(|a, b| compare(sort, a, b));
    std::borrow::Cow::Owned(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn member(id: &str, clv: Option<f64>) -> Member {
        Member {
            customer_id: CustomerId::parse(id).unwrap(),
            value_score: None,
            churn_risk: None,
            clv,
        }
    }

    #[test]
    fn lists_sort_biggest_first_with_unknown_last_and_ties_by_id() {
        let members = [
            member("A", Some(1.0)),
            member("B", None),
            member("C", Some(5.0)),
            member("D", Some(1.0)),
        ];
        let ids = |m: std::borrow::Cow<'_, [Member]>| -> Vec<String> {
            m.iter()
                .map(|m| m.customer_id.as_str().to_owned())
                .collect()
        };
        assert_eq!(ids(sorted(&members, "clv")), ["C", "A", "D", "B"]);
        assert_eq!(ids(sorted(&members, "")), ["A", "B", "C", "D"]);
    }
}
