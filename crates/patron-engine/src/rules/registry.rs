//! What compiled expressions refer to by number: aggregates (shared between rules, so each is
//! computed once per customer and time), constants (bound to the fact set's codes once per run)
//! and attributes.

use super::aggregate::AggSpec;
use super::expr::ConstId;
use patron_core::model::AttrType;

/// Constants and aggregates collected while compiling a rule set.
#[derive(Debug, Clone, Default)]
pub(crate) struct Registry {
    /// Distinct aggregates.
    pub(crate) aggs: Vec<AggSpec>,
    /// Event types named in rules (`on`, `events("…")`, `days_since_last_event("…")`).
    pub(crate) event_types: Vec<String>,
    /// Categories named in order filters.
    pub(crate) categories: Vec<String>,
    /// SKUs named in order filters.
    pub(crate) skus: Vec<String>,
    /// Attributes read, with their declared type.
    pub(crate) attrs: Vec<(String, AttrType)>,
    /// Event properties read (`event.properties.NAME`; `event.url` is the property `url`).
    pub(crate) event_properties: Vec<String>,
}

fn intern(list: &mut Vec<String>, value: &str) -> ConstId {
    match list.iter().position(|v| v == value) {
        Some(i) => i as ConstId,
        None => {
            list.push(value.to_owned());
            (list.len() - 1) as ConstId
        }
    }
}

impl Registry {
    /// The id of an aggregate, shared with any identical one.
    pub(crate) fn agg(&mut self, spec: AggSpec) -> u32 {
        match self.aggs.iter().position(|a| *a == spec) {
            Some(i) => i as u32,
            None => {
                self.aggs.push(spec);
                (self.aggs.len() - 1) as u32
            }
        }
    }
    /// The constant id of an event type.
    pub(crate) fn event_type(&mut self, name: &str) -> ConstId {
        intern(&mut self.event_types, name)
    }
    /// The constant id of a category.
    pub(crate) fn category(&mut self, name: &str) -> ConstId {
        intern(&mut self.categories, name)
    }
    /// The constant id of a SKU.
    pub(crate) fn sku(&mut self, name: &str) -> ConstId {
        intern(&mut self.skus, name)
    }
    /// The slot of an event property.
    pub(crate) fn event_property(&mut self, name: &str) -> ConstId {
        intern(&mut self.event_properties, name)
    }
    /// The slot of an attribute.
    pub(crate) fn attr(&mut self, name: &str, ty: AttrType) -> u32 {
        match self.attrs.iter().position(|(n, _)| n == name) {
            Some(i) => i as u32,
            None => {
                self.attrs.push((name.to_owned(), ty));
                (self.attrs.len() - 1) as u32
            }
        }
    }
}
