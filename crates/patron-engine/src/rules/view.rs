//! One customer's slice of the fact set, and the binding of a rule set's constants to a fact
//! set's codes (done once per run, so the hot loops compare integers, never strings).

use super::ruleset::{OnMatcher, RuleKind, RuleSet};
use patron_core::facts::{Facts, TicketRow};
use patron_core::model::{AttrValue, Consent};
use patron_core::{Money, Timestamp};

/// The rule set's constants as codes of one fact set.
#[derive(Debug)]
pub(crate) struct Binding<'a> {
    /// Event type constants → type code (`None`: the type never occurs).
    pub(crate) event_types: Vec<Option<u32>>,
    /// Category constants → category code.
    pub(crate) categories: Vec<Option<u32>>,
    /// SKU constants → SKU code.
    pub(crate) skus: Vec<Option<u32>>,
    /// Attribute slots → the attribute's column.
    pub(crate) attrs: Vec<Option<&'a [Option<AttrValue>]>>,
    /// Event property slots → the property's column (`None`: not loaded, reads as missing).
    pub(crate) properties: Vec<Option<&'a [u32]>>,
    /// Event type code → the event rules it fires, in rule order.
    pub(crate) type_rules: Vec<Vec<u32>>,
    /// The rules with `on = "order"`, in rule order.
    pub(crate) order_rules: Vec<u32>,
}

impl<'a> Binding<'a> {
    /// Binds `rules` to `facts`: looks up every constant once and matches every event type
    /// of the fact set against every rule's `on`.
    pub(crate) fn new(rules: &RuleSet, facts: &'a Facts) -> Self {
        let reg = &rules.registry;
        let types = &facts.events.types;
        let lookup = |names: &[String], interner: &patron_core::facts::Interner| {
            names.iter().map(|n| interner.get(n)).collect()
        };
        let mut type_rules = vec![Vec::new(); types.len()];
        let mut order_rules = Vec::new();
        for (id, rule) in rules.rules.iter().enumerate() {
            let RuleKind::Event { on, .. } = &rule.kind else {
                continue;
            };
            match on {
                OnMatcher::Order => order_rules.push(id as u32),
                matcher => {
                    for (code, list) in type_rules.iter_mut().enumerate() {
                        if matcher.matches(types.name(code as u32)) {
                            list.push(id as u32);
                        }
                    }
                }
            }
        }
        Binding {
            event_types: lookup(&reg.event_types, types),
            categories: lookup(&reg.categories, &facts.orders.categories),
            skus: lookup(&reg.skus, &facts.orders.skus),
            attrs: reg
                .attrs
                .iter()
                .map(|(name, _)| facts.customers.attributes.get(name).map(Vec::as_slice))
                .collect(),
            properties: reg
                .event_properties
                .iter()
                .map(|name| facts.events.properties.get(name).map(Vec::as_slice))
                .collect(),
            type_rules,
            order_rules,
        }
    }
}

/// One customer's facts as slices (all sorted by time).
#[derive(Debug)]
pub(crate) struct View<'a> {
    pub(crate) facts: &'a Facts,
    pub(crate) bind: &'a Binding<'a>,
    pub(crate) customer: usize,
    pub(crate) created_at: i64,
    pub(crate) consent: Consent,
    /// The fact-set row of the customer's first event.
    pub(crate) ev_start: usize,
    pub(crate) ev_times: &'a [Timestamp],
    pub(crate) ev_types: &'a [u32],
    pub(crate) ord_times: &'a [Timestamp],
    pub(crate) ord_codes: &'a [u32],
    pub(crate) ord_categories: &'a [u32],
    pub(crate) ord_skus: &'a [u32],
    pub(crate) ord_amounts: &'a [Money],
    pub(crate) ord_returns: &'a [bool],
    pub(crate) tickets: &'a [TicketRow],
}

impl<'a> View<'a> {
    /// The view of customer `c`. Tables without rows for `c` (a hand-built fact set may leave
    /// tickets empty) read as empty.
    pub(crate) fn new(facts: &'a Facts, bind: &'a Binding<'a>, c: usize) -> Self {
        let e = rows_of(&facts.events.offsets, c);
        let o = rows_of(&facts.orders.offsets, c);
        let t = rows_of(&facts.tickets.offsets, c);
        let orders = &facts.orders;
        let customers = &facts.customers;
        View {
            facts,
            bind,
            customer: c,
            created_at: customers.created_at.get(c).map_or(0, |t| t.secs()),
            consent: customers.consent.get(c).copied().unwrap_or_default(),
            ev_start: e.start,
            ev_times: &facts.events.timestamp[e.clone()],
            ev_types: &facts.events.event_type[e],
            ord_times: &orders.timestamp[o.clone()],
            ord_codes: &orders.order[o.clone()],
            ord_categories: &orders.category[o.clone()],
            ord_skus: &orders.sku[o.clone()],
            ord_amounts: &orders.amount[o.clone()],
            ord_returns: &orders.is_return[o],
            tickets: &facts.tickets.rows[t],
        }
    }

    /// The value of attribute slot `slot` for this customer.
    pub(crate) fn attr(&self, slot: u32) -> Option<&'a AttrValue> {
        self.bind.attrs[slot as usize]?.get(self.customer)?.as_ref()
    }

    /// Property slot `slot` of the customer's `i`-th event, if loaded and present.
    pub(crate) fn event_property(&self, slot: u32, i: usize) -> Option<&'a str> {
        let code = *self.bind.properties[slot as usize]?.get(self.ev_start + i)?;
        (code != patron_core::facts::NONE).then(|| self.facts.events.property_values.name(code))
    }

    /// Whether order line `i` passes a filter of category/SKU constants.
    pub(crate) fn line_matches(&self, filter: &super::expr::OrderFilter, i: usize) -> bool {
        let category_ok = filter
            .category
            .is_none_or(|c| self.bind.categories[c as usize] == Some(self.ord_categories[i]));
        let sku_ok = filter
            .sku
            .is_none_or(|s| self.bind.skus[s as usize] == Some(self.ord_skus[i]));
        category_ok && sku_ok
    }
}

/// Customer `c`'s row range in a CSR offsets column; empty when the column has no entry for it.
pub(crate) fn rows_of(offsets: &[usize], c: usize) -> std::ops::Range<usize> {
    match (offsets.get(c), offsets.get(c + 1)) {
        (Some(&start), Some(&end)) if start <= end => start..end,
        _ => 0..0,
    }
}
