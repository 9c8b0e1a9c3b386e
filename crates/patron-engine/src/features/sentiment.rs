//! A small German/English lexicon sentiment score for ticket text that carries no sentiment.
//!
//! The score is (positive − negative) / (positive + negative) over the words found in the
//! lexicon, with a negation word ("not", "nicht", "kein", …) among the two words before a hit
//! flipping it; text without a lexicon word scores `None`. The fact set carries no ticket text
//! today, so this is used only where a source provides text.

const POSITIVE: &[&str] = &[
    "good",
    "great",
    "excellent",
    "thanks",
    "thank",
    "helpful",
    "happy",
    "satisfied",
    "fast",
    "quick",
    "perfect",
    "love",
    "resolved",
    "friendly",
    "super",
    "gut",
    "toll",
    "danke",
    "hilfreich",
    "zufrieden",
    "schnell",
    "perfekt",
    "freundlich",
    "prima",
    "klasse",
    "gelöst",
    "wunderbar",
    "top",
];

const NEGATIVE: &[&str] = &[
    "bad",
    "terrible",
    "awful",
    "angry",
    "broken",
    "late",
    "delay",
    "delayed",
    "never",
    "worst",
    "refund",
    "cancel",
    "complaint",
    "disappointed",
    "wrong",
    "damaged",
    "missing",
    "slow",
    "unacceptable",
    "schlecht",
    "schrecklich",
    "kaputt",
    "spät",
    "verspätet",
    "nie",
    "enttäuscht",
    "falsch",
    "beschädigt",
    "fehlt",
    "langsam",
    "ärgerlich",
    "beschwerde",
    "kündigen",
    "unzufrieden",
    "mangelhaft",
    "stornieren",
    "erstattung",
];

const NEGATIONS: &[&str] = &[
    "not", "no", "never", "dont", "don't", "isn't", "nicht", "kein", "keine", "keinen", "nie",
];

/// The lexicon score of a text in −1 … 1, or `None` when no lexicon word occurs.
pub fn score(text: &str) -> Option<f64> {
    let (mut positive, mut negative) = (0u32, 0u32);
    let mut recent_negation = 0u8;
    for raw in text.split(|c: char| !(c.is_alphanumeric() || c == '\'')) {
        if raw.is_empty() {
            continue;
        }
        let word = raw.to_lowercase();
        let w = word.as_str();
        let polarity = if POSITIVE.contains(&w) {
            1
        } else if NEGATIVE.contains(&w) {
            -1
        } else {
            0
        };
        let flipped = if recent_negation > 0 {
            -polarity
        } else {
            polarity
        };
        match flipped {
            1 => positive += 1,
            -1 => negative += 1,
            _ => {}
        }
        recent_negation = if NEGATIONS.contains(&w) {
            2
        } else {
            recent_negation.saturating_sub(1)
        };
    }
    let total = positive + negative;
    (total > 0).then(|| (f64::from(positive) - f64::from(negative)) / f64::from(total))
}

#[cfg(test)]
mod tests {
    use super::score;

    #[test]
    fn scores_german_and_english_with_negation() {
        assert_eq!(score("Thanks, great and fast help!"), Some(1.0));
        assert_eq!(
            score("Lieferung kaputt und viel zu spät, sehr enttäuscht"),
            Some(-1.0)
        );
        assert_eq!(score("not good"), Some(-1.0));
        assert_eq!(score("Das war nicht schlecht"), Some(1.0));
        assert_eq!(score("good but late"), Some(0.0));
        assert_eq!(score("order 4711"), None);
    }
}
