//! Tiers by value-score share, the VIP / Standard / At Risk status, and the value × risk
//! portfolio quadrant.

use patron_core::config::{StatusSection, TierConfig};
use serde::{Deserialize, Serialize};

/// Tier boundaries on the value-score percentile, from the top.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TierCuts {
    /// (tier, lowest percentile in it), best tier first; the last tier's bound is 0.
    pub cuts: Vec<(String, f64)>,
}

impl TierCuts {
    /// Cuts from the configured shares: the best `share` of customers is the first tier, …
    pub fn from_shares(levels: &[TierConfig]) -> TierCuts {
        let mut above = 0.0;
        let mut cuts = Vec::new();
        for (k, t) in levels.iter().enumerate() {
            above += t.share;
            let bound = if k + 1 == levels.len() {
                0.0
            } else {
                (1.0 - above).max(0.0)
            };
            cuts.push((t.name.clone(), bound));
        }
        TierCuts { cuts }
    }

    /// The tier of a percentile (0–1) and the reason.
    pub fn tier(&self, percentile: f64) -> (String, String) {
        let mut upper = 1.0;
        for (name, bound) in &self.cuts {
            if percentile >= *bound {
                return (
                    name.clone(),
                    format!(
                        "value score {:.1} is in the {name} band ({:.0}–{:.0})",
                        percentile * 100.0,
                        bound * 100.0,
                        upper * 100.0
                    ),
                );
            }
            upper = *bound;
        }
        let last = self
            .cuts
            .last()
            .map_or("Standard".to_owned(), |c| c.0.clone());
        (last.clone(), format!("lowest band: {last}"))
    }

    /// The best tier's name.
    pub fn top(&self) -> Option<&str> {
        self.cuts.first().map(|c| c.0.as_str())
    }
}

/// The status and its reason.
pub fn status(
    tier: &str,
    top_tier: Option<&str>,
    churn_risk: Option<f64>,
    settings: &StatusSection,
) -> (String, String) {
    if let Some(r) = churn_risk.filter(|r| *r >= settings.at_risk) {
        return (
            "At Risk".into(),
            format!(
                "churn risk {:.0} % ≥ {:.0} %",
                r * 100.0,
                settings.at_risk * 100.0
            ),
        );
    }
    if Some(tier) == top_tier {
        return (
            "VIP".into(),
            format!(
                "tier {tier}, churn risk below {:.0} %",
                settings.at_risk * 100.0
            ),
        );
    }
    (
        "Standard".into(),
        format!(
            "tier {tier}, churn risk below {:.0} %",
            settings.at_risk * 100.0
        ),
    )
}

/// The portfolio quadrant of value (valuable tier or not) × churn risk.
pub fn portfolio(
    valuable: bool,
    churn_risk: Option<f64>,
    settings: &StatusSection,
) -> Option<String> {
    let risky = churn_risk? >= settings.at_risk;
    Some(
        match (valuable, risky) {
            (true, false) => "stars",
            (true, true) => "rescue",
            (false, false) => "develop",
            (false, true) => "let_go",
        }
        .into(),
    )
}
