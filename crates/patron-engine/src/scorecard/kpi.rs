//! KPIs of a score run per segment: size and value when it ran, and — once the churn horizon
//! after its `as_of` has been observed — what happened: retention, churn among alarmed versus
//! not alarmed customers, win-back of sleepers, acceptance of offers.

use super::card::Card;
use super::filter::CardFilter;
use patron_core::Timestamp;
use patron_core::facts::Facts;
use serde::Serialize;
use std::collections::HashMap;

/// What a customer did after a run's `as_of`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct After {
    /// Bought within the horizon.
    pub purchased: bool,
    /// Offers accepted within the horizon.
    pub offers_accepted: u32,
    /// Offers declined within the horizon.
    pub offers_declined: u32,
}

/// What every customer did in `[as_of, as_of + horizon)`, from a fact set loaded later; `None`
/// when the fact set does not reach the end of the horizon yet.
pub fn observe(
    later: &Facts,
    as_of: Timestamp,
    horizon_days: u32,
) -> Option<HashMap<String, After>> {
    let end = as_of.plus_days(i64::from(horizon_days));
    if later.as_of < end {
        return None;
    }
    let accepted = "offer_accepted";
    let declined = "offer_declined";
    let within = |t: Timestamp| t >= as_of && t < end;
    Some(
        (0..later.customers.len())
            .map(|c| {
                let purchased = later
                    .order_range(c)
                    .any(|i| !later.orders.is_return[i] && within(later.orders.timestamp[i]));
                let mut after = After {
                    purchased,
                    ..After::default()
                };
                for o in later.outcomes.of(c).iter().filter(|o| within(o.at)) {
                    if o.kind == accepted {
                        after.offers_accepted += 1;
                    } else if o.kind == declined {
                        after.offers_declined += 1;
                    }
                }
                (later.customers.ids[c].to_string(), after)
            })
            .collect(),
    )
}

/// A share with its base, `None` without a base.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Rate {
    /// Numerator.
    pub count: u64,
    /// Base.
    pub of: u64,
    /// count / of.
    pub rate: Option<f64>,
}

impl Rate {
    fn new(count: u64, of: u64) -> Rate {
        Rate {
            count,
            of,
            rate: (of > 0).then(|| count as f64 / of as f64),
        }
    }
}

/// One segment's KPIs in one run.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SegmentKpi {
    /// Segment name.
    pub segment: String,
    /// Customers in it when the run was made.
    pub customers: u64,
    /// Their CLV.
    pub clv: f64,
    /// Mean value score.
    pub mean_value_score: Option<f64>,
    /// Customers at risk.
    pub at_risk: u64,
    /// Observed after the run (buyers only): bought again within the horizon.
    pub retention: Option<Rate>,
    /// Churn (no purchase in the horizon) among customers with a churn alarm.
    pub churn_alarmed: Option<Rate>,
    /// Churn among customers without one.
    pub churn_not_alarmed: Option<Rate>,
    /// Sleepers (win-back list) who bought again.
    pub win_back: Option<Rate>,
    /// Accepted offers / answered offers.
    pub offer_acceptance: Option<Rate>,
}

/// KPIs of the cards of one run for each segment (`all` first).
pub fn segment_kpis(
    cards: &[Card],
    after: Option<&HashMap<String, After>>,
    segments: &[(String, CardFilter)],
) -> Vec<SegmentKpi> {
    let all = ("all".to_owned(), None);
    std::iter::once(all)
        .chain(segments.iter().map(|(n, f)| (n.clone(), Some(f))))
        .map(|(name, filter)| {
            let members: Vec<&Card> = cards
                .iter()
                .filter(|c| filter.is_none_or(|f| f.matches(c)))
                .collect();
            kpi(name, &members, after)
        })
        .collect()
}

fn kpi(segment: String, members: &[&Card], after: Option<&HashMap<String, After>>) -> SegmentKpi {
    let scores: Vec<f64> = members.iter().filter_map(|c| c.value_score).collect();
    let mut out = SegmentKpi {
        segment,
        customers: members.len() as u64,
        clv: members.iter().filter_map(|c| c.clv).sum(),
        mean_value_score: (!scores.is_empty())
            .then(|| scores.iter().sum::<f64>() / scores.len() as f64),
        at_risk: members.iter().filter(|c| c.status == "At Risk").count() as u64,
        retention: None,
        churn_alarmed: None,
        churn_not_alarmed: None,
        win_back: None,
        offer_acceptance: None,
    };
    let Some(after) = after else {
        return out;
    };
    let mut counts = [0u64; 10];
    for c in members.iter().filter(|c| !c.lead) {
        let Some(a) = after.get(c.customer_id.as_str()) else {
            continue;
        };
        let alarmed = c
            .alarms
            .iter()
            .any(|x| x.kind == "valuable_at_risk" || x.kind == "rhythm_broken");
        let sleeper = c.alarms.iter().any(|x| x.kind == "sleeper");
        counts[0] += u64::from(a.purchased);
        counts[1] += 1;
        if alarmed {
            counts[2] += u64::from(!a.purchased);
            counts[3] += 1;
        } else {
            counts[4] += u64::from(!a.purchased);
            counts[5] += 1;
        }
        if sleeper {
            counts[6] += u64::from(a.purchased);
            counts[7] += 1;
        }
        counts[8] += u64::from(a.offers_accepted);
        counts[9] += u64::from(a.offers_accepted + a.offers_declined);
    }
    out.retention = Some(Rate::new(counts[0], counts[1]));
    out.churn_alarmed = Some(Rate::new(counts[2], counts[3]));
    out.churn_not_alarmed = Some(Rate::new(counts[4], counts[5]));
    out.win_back = Some(Rate::new(counts[6], counts[7]));
    out.offer_acceptance = Some(Rate::new(counts[8], counts[9]));
    out
}
