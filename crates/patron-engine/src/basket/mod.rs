//! Market baskets: frequent itemsets (FP-growth), association rules and next best offers.
//!
//! A basket is one order; its items are the distinct SKUs (or categories) of the order's
//! purchase lines. [`Baskets`] holds them in compressed form with items numbered in name
//! order, [`fpgrowth`] finds the itemsets bought together in at least a minimum share of
//! baskets, [`association_rules`] splits them into "who buys A also buys C" rules with the
//! metrics of mlxtend's `association_rules`, and [`next_best_offers`] turns the rules into
//! ranked product suggestions for one customer — [`next_best_offers_learned`] also learns from
//! the answers to earlier offers ([`feedback`]).
//!
//! Everything is deterministic: items, itemsets, rules and offers come out in a documented
//! order that does not depend on hashing or on the order of the input lines.

pub mod baskets;
pub mod feedback;
pub mod fpgrowth;
pub mod offers;
pub mod rules;

pub use baskets::{BasketOptions, Baskets, ItemLevel, NON_PRODUCT_CODES};
pub use feedback::{
    FeedbackSettings, LabelMap, Learning, OfferAnswer, OfferFeedback, customer_answers,
    recent_decline,
};
pub use fpgrowth::{FrequentItemsets, Itemset, fpgrowth, min_count};
pub use offers::{
    Offer, OfferMatcher, OfferModel, OfferRule, OfferSettings, PurchaseHistory, best_offers,
    next_best_offers, next_best_offers_learned, purchase_history, unit_margins,
};
pub use rules::{Rule, RuleSettings, association_rules};

/// Why a basket analysis cannot run.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum BasketError {
    /// The minimum support is not a fraction in (0, 1].
    #[error("the minimum support must be a fraction in (0, 1], got {0}")]
    MinSupport(f64),
    /// An itemset too large to split into every antecedent/consequent pair.
    #[error(
        "an itemset of {0} items has too many rules to list: lower max_len or raise the support"
    )]
    ItemsetTooLarge(usize),
}

impl BasketError {
    /// The stable error code.
    pub fn code(&self) -> patron_core::code::Code {
        use patron_core::code::Code;
        match self {
            BasketError::MinSupport(_) => Code::InvalidArgument,
            BasketError::ItemsetTooLarge(_) => Code::DataInvalid,
        }
    }
}
