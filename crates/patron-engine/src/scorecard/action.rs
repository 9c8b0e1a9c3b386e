//! The next-best-action decision table: rows of `when` → `action`, first match wins, compiled
//! once; the card records which row chose its action.

use super::card::Card;
use super::filter::CardFilter;
use patron_core::config::{ActionRule, Purpose, default_actions};

/// A score-card setting that does not compile.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{place}: {message}")]
pub struct CompileError {
    /// Where (`[tiers]`, `[[actions]] "VIP at risk"`, …).
    pub place: String,
    /// What is wrong.
    pub message: String,
}

impl CompileError {
    pub(crate) fn new(place: &str, message: impl Into<String>) -> Self {
        CompileError {
            place: place.to_owned(),
            message: message.into(),
        }
    }
}

/// The compiled decision table.
#[derive(Debug, Clone)]
pub struct ActionTable {
    rows: Vec<(ActionRule, CardFilter)>,
}

impl ActionTable {
    /// Compiles the rows (an empty table means the default one).
    pub fn compile(
        rows: &[ActionRule],
        names: &super::Vocabulary,
    ) -> Result<ActionTable, Vec<CompileError>> {
        // The built-in rows refer to levels a project may not have (MQL, SQL): they then
        // match nobody. The project's own rows must name what exists.
        let check_names = !rows.is_empty() && rows != default_actions().as_slice();
        let defaults;
        let rows = if rows.is_empty() {
            defaults = default_actions();
            &defaults
        } else {
            rows
        };
        let mut errors = Vec::new();
        let mut out = Vec::new();
        for row in rows {
            let compiled = CardFilter::compile(&row.when).and_then(|f| {
                if check_names {
                    f.check_names(names)?;
                }
                Ok(f)
            });
            match compiled {
                Ok(f) => out.push((row.clone(), f)),
                Err(e) => errors.push(CompileError::new(
                    &format!("[[actions]] {:?}", row.name),
                    format!("when = {:?}: {e}", row.when),
                )),
            }
        }
        if errors.is_empty() {
            Ok(ActionTable { rows: out })
        } else {
            Err(errors)
        }
    }

    /// The first row that matches and whose purpose the customer consented to: its name and
    /// the action text (`{offer}` filled in).
    pub fn choose(&self, card: &Card) -> Option<(&str, String)> {
        self.rows
            .iter()
            .filter(|(row, _)| consented(card, &row.purpose))
            .find(|(_, f)| f.matches(card))
            .map(|(row, _)| {
                let text = row
                    .action
                    .replace("{offer}", card.offer.as_deref().unwrap_or("—"));
                (row.name.as_str(), text)
            })
    }
}

/// Whether the card's consents allow an action of `purpose`.
fn consented(card: &Card, purpose: &Purpose) -> bool {
    match purpose {
        Purpose::Service => true,
        Purpose::Marketing => card.marketing,
        Purpose::Other(name) => card.purposes.get(name).copied().unwrap_or(false),
    }
}
