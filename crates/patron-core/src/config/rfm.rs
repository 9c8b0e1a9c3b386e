//! `[rfm]`: recency/frequency/monetary scoring and its named segments.

use serde::Deserialize;

/// How scores are binned.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum BinMethod {
    /// Quantile bins exactly like pandas `qcut` (fails on heavy ties; frequency is binned on
    /// its first-occurrence rank so it never does).
    #[default]
    Qcut,
    /// Equal-count groups like SQL `NTILE` (never fails; ties may split).
    Ntile,
}

/// An inclusive score range, written `[low, high]`.
pub type ScoreRange = [u8; 2];

/// A named segment: a customer belongs to the first segment whose ranges all hold.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SegmentRule {
    /// Segment name.
    pub name: String,
    /// Recency score range.
    pub r: Option<ScoreRange>,
    /// Frequency score range.
    pub f: Option<ScoreRange>,
    /// Monetary score range.
    pub m: Option<ScoreRange>,
    /// Range of F + M.
    pub fm: Option<ScoreRange>,
}

/// `[rfm]`.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RfmSection {
    /// Number of score bins (default 5).
    #[serde(default = "default_bins")]
    pub bins: u8,
    /// `qcut` (default) or `ntile`.
    #[serde(default)]
    pub method: BinMethod,
    /// Segments, first match wins; default: the 11 classic segments.
    #[serde(default = "default_segments")]
    pub segments: Vec<SegmentRule>,
}

fn default_bins() -> u8 {
    5
}

fn rule(name: &str, r: ScoreRange, fm: ScoreRange) -> SegmentRule {
    SegmentRule {
        name: name.into(),
        r: Some(r),
        f: None,
        m: None,
        fm: Some(fm),
    }
}

/// The classic 11 segments over R and F+M (first match wins).
pub fn default_segments() -> Vec<SegmentRule> {
    vec![
        rule("Champions", [4, 5], [8, 10]),
        rule("Loyal Customers", [3, 5], [6, 10]),
        rule("Potential Loyalist", [4, 5], [4, 5]),
        rule("New Customers", [5, 5], [2, 3]),
        rule("Promising", [4, 4], [2, 3]),
        rule("Need Attention", [3, 3], [4, 5]),
        rule("About To Sleep", [3, 3], [2, 3]),
        rule("Can't Lose Them", [1, 2], [8, 10]),
        rule("At Risk", [1, 2], [6, 7]),
        rule("Hibernating", [1, 2], [4, 5]),
        rule("Lost", [1, 2], [2, 3]),
    ]
}

impl Default for RfmSection {
    fn default() -> Self {
        RfmSection {
            bins: default_bins(),
            method: BinMethod::default(),
            segments: default_segments(),
        }
    }
}

impl SegmentRule {
    /// True when the scores fall in every given range.
    pub fn matches(&self, r: u8, f: u8, m: u8) -> bool {
        let within =
            |range: Option<ScoreRange>, v: u8| range.is_none_or(|[lo, hi]| lo <= v && v <= hi);
        within(self.r, r) && within(self.f, f) && within(self.m, m) && within(self.fm, f + m)
    }
}

impl RfmSection {
    /// Semantic problems (score ranges outside 1..=bins, too few or many bins).
    pub fn problems(&self) -> Vec<String> {
        let mut out = Vec::new();
        if !(2..=10).contains(&self.bins) {
            out.push(format!(
                "[rfm] bins = {} must be between 2 and 10",
                self.bins
            ));
        }
        for s in &self.segments {
            for (what, range, max) in [
                ("r", s.r, self.bins),
                ("f", s.f, self.bins),
                ("m", s.m, self.bins),
                ("fm", s.fm, 2 * self.bins),
            ] {
                if let Some([lo, hi]) = range {
                    let min = if what == "fm" { 2 } else { 1 };
                    if lo > hi || lo < min || hi > max {
                        out.push(format!(
                            "[rfm] segment {:?}: {what} = [{lo}, {hi}] must be a range within {min}..={max}",
                            s.name
                        ));
                    }
                }
            }
        }
        out
    }
}
