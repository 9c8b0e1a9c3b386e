//! The fact set as of a time, in columnar per-customer form: what the engine computes on.
//!
//! Customers are numbered `0..n` (their index); every fact table is sorted by (customer index,
//! time) and `offsets[i]..offsets[i + 1]` is customer `i`'s slice, so one pass over a table
//! visits every customer's history in order without hashing or per-row allocation.

use crate::ids::CustomerId;
use crate::model::{AttrValue, Consent};
use crate::{Money, Timestamp};
use std::collections::BTreeMap;

/// Distinct strings of a column, numbered in order of first appearance.
///
/// Every string is kept once, in one buffer: a load interns millions of order ids, and a map
/// owning a second copy of each would double what they cost.
#[derive(Debug, Clone, Default)]
pub struct Interner {
    /// The strings, concatenated.
    text: String,
    /// Where each string ends in `text`.
    ends: Vec<usize>,
    /// (code, 32-bit hash of its string), found by that hash: growing the table rehashes from
    /// the stored hash without reading the strings, and a probe compares strings only when the
    /// hashes agree. (Fx, not SipHash: no input chooses these keys to collide on purpose.)
    index: hashbrown::HashTable<(u32, u32)>,
}

fn hash_str(s: &str) -> u32 {
    use std::hash::{BuildHasher, BuildHasherDefault};
    (BuildHasherDefault::<rustc_hash::FxHasher>::default().hash_one(s) >> 32) as u32
}

/// The table's 64-bit hash of a stored 32-bit one, with its bits spread over the word (the
/// table picks buckets from the low bits and tags from the high ones).
fn widen(hash: u32) -> u64 {
    u64::from(hash).wrapping_mul(0x9E37_79B9_7F4A_7C15)
}

fn name_in<'a>(text: &'a str, ends: &[usize], code: u32) -> &'a str {
    let i = code as usize;
    let start = if i == 0 { 0 } else { ends[i - 1] };
    &text[start..ends[i]]
}

impl Interner {
    /// The code for `name`, adding it if new.
    pub fn intern(&mut self, name: &str) -> u32 {
        let hash = hash_str(name);
        if let Some(code) = self.find(hash, name) {
            return code;
        }
        let code = self.ends.len() as u32;
        self.text.push_str(name);
        self.ends.push(self.text.len());
        self.index
            .insert_unique(widen(hash), (code, hash), |&(_, h)| widen(h));
        code
    }
    /// The code of `name`, if present.
    pub fn get(&self, name: &str) -> Option<u32> {
        self.find(hash_str(name), name)
    }
    fn find(&self, hash: u32, name: &str) -> Option<u32> {
        self.index
            .find(widen(hash), |&(c, h)| h == hash && self.name(c) == name)
            .map(|&(c, _)| c)
    }
    /// The string for a code.
    pub fn name(&self, code: u32) -> &str {
        name_in(&self.text, &self.ends, code)
    }
    /// Number of distinct strings.
    pub fn len(&self) -> usize {
        self.ends.len()
    }
    /// True when empty.
    pub fn is_empty(&self) -> bool {
        self.ends.is_empty()
    }
}

/// The code for "no value" in interned columns.
pub const NONE: u32 = u32::MAX;

/// The customer table.
#[derive(Debug, Clone, Default)]
pub struct CustomerColumns {
    /// Ids, by customer index.
    pub ids: Vec<CustomerId>,
    /// Acquisition times.
    pub created_at: Vec<Timestamp>,
    /// Consent flags.
    pub consent: Vec<Consent>,
    /// Stub customers (known only from facts).
    pub is_stub: Vec<bool>,
    /// Acquisition cost.
    pub acquisition_cost: Vec<Option<Money>>,
    /// Attributes: name → value per customer.
    pub attributes: BTreeMap<String, Vec<Option<AttrValue>>>,
}

impl CustomerColumns {
    /// Number of customers.
    pub fn len(&self) -> usize {
        self.ids.len()
    }
    /// True when there are none.
    pub fn is_empty(&self) -> bool {
        self.ids.is_empty()
    }
}

/// Order lines, sorted by (customer, time).
#[derive(Debug, Clone, Default)]
pub struct OrderColumns {
    /// `offsets[i]..offsets[i+1]` are customer `i`'s lines.
    pub offsets: Vec<usize>,
    /// Line time.
    pub timestamp: Vec<Timestamp>,
    /// Order code (see `order_ids`).
    pub order: Vec<u32>,
    /// SKU code or [`NONE`].
    pub sku: Vec<u32>,
    /// Category code or [`NONE`].
    pub category: Vec<u32>,
    /// Channel code or [`NONE`].
    pub channel: Vec<u32>,
    /// Quantity.
    pub quantity: Vec<f64>,
    /// Revenue.
    pub amount: Vec<Money>,
    /// Cost of goods, when known.
    pub cost: Vec<Option<Money>>,
    /// Return/cancellation.
    pub is_return: Vec<bool>,
    /// Order ids.
    pub order_ids: Interner,
    /// SKUs.
    pub skus: Interner,
    /// Categories.
    pub categories: Interner,
    /// Channels.
    pub channels: Interner,
}

/// Events of known customers, sorted by (customer, time).
#[derive(Debug, Clone, Default)]
pub struct EventColumns {
    /// `offsets[i]..offsets[i+1]` are customer `i`'s events.
    pub offsets: Vec<usize>,
    /// Event time.
    pub timestamp: Vec<Timestamp>,
    /// Event type code (see `types`).
    pub event_type: Vec<u32>,
    /// Event types.
    pub types: Interner,
    /// Event properties loaded on request (only those a computation names, so events cost
    /// nothing extra by default): property name → value code per event row (see
    /// `property_values`), [`NONE`] where the event does not have it.
    pub properties: BTreeMap<String, Vec<u32>>,
    /// Distinct event property values (of all loaded properties).
    pub property_values: Interner,
}

/// A ticket row.
#[derive(Debug, Clone, PartialEq)]
pub struct TicketRow {
    /// Opened.
    pub opened_at: Timestamp,
    /// Closed, if closed before `as_of`.
    pub closed_at: Option<Timestamp>,
    /// Escalated.
    pub escalated: bool,
    /// Sentiment.
    pub sentiment: Option<f64>,
    /// Handling minutes.
    pub handling_minutes: Option<f64>,
    /// The ticket's text, when the source has one (scored by a lexicon when there is no
    /// sentiment).
    pub text: Option<String>,
}

/// An invoice row.
#[derive(Debug, Clone, PartialEq)]
pub struct InvoiceRow {
    /// Issued.
    pub issued_at: Timestamp,
    /// Due.
    pub due_at: Timestamp,
    /// Paid, if paid before `as_of`.
    pub paid_at: Option<Timestamp>,
    /// Amount.
    pub amount: Money,
}

/// A contract row, as known at `as_of`.
#[derive(Debug, Clone, PartialEq)]
pub struct ContractRow {
    /// The contract's id.
    pub contract_id: String,
    /// Product or plan.
    pub plan: Option<String>,
    /// Started.
    pub started_at: Timestamp,
    /// End of the current term, if a term is set.
    pub renews_at: Option<Timestamp>,
    /// Notice period in days.
    pub notice_days: u32,
    /// Months per billing period.
    pub billing_months: u32,
    /// Billed per billing period (since `price_changed_at`, when the price changed).
    pub recurring_value: Money,
    /// Billed per billing period before the last price change, and when the change took
    /// effect (known in advance: an announced increase may lie after `as_of`).
    pub price_change: Option<(Money, Timestamp)>,
    /// Cancelled, if cancelled before `as_of`.
    pub cancelled_at: Option<Timestamp>,
    /// The reason given, if cancelled before `as_of`.
    pub cancel_reason: Option<String>,
}

impl ContractRow {
    /// The amount per billing period in force at `t` (seconds).
    pub fn value_at(&self, t: i64) -> Money {
        match self.price_change {
            Some((previous, changed)) if changed.secs() > t => previous,
            _ => self.recurring_value,
        }
    }
}

/// An outcome row.
#[derive(Debug, Clone, PartialEq)]
pub struct OutcomeRow {
    /// When.
    pub at: Timestamp,
    /// Kind.
    pub kind: String,
    /// Free label: for `offer_accepted` / `offer_declined`, the offered product (SKU).
    pub label: Option<String>,
}

/// Rows of a small table grouped by customer.
#[derive(Debug, Clone)]
pub struct Grouped<T> {
    /// `offsets[i]..offsets[i+1]` are customer `i`'s rows.
    pub offsets: Vec<usize>,
    /// The rows.
    pub rows: Vec<T>,
}

impl<T> Default for Grouped<T> {
    fn default() -> Self {
        Grouped {
            offsets: vec![0],
            rows: Vec::new(),
        }
    }
}

impl<T> Grouped<T> {
    /// Customer `i`'s rows.
    pub fn of(&self, customer: usize) -> &[T] {
        &self.rows[self.offsets[customer]..self.offsets[customer + 1]]
    }
    /// Customer `i`'s rows, or none when the table was left empty (hand-built fact sets
    /// without that table).
    pub fn of_or_empty(&self, customer: usize) -> &[T] {
        if customer + 1 < self.offsets.len() {
            self.of(customer)
        } else {
            &[]
        }
    }
}

/// Everything known before `as_of`, per customer.
#[derive(Debug, Clone, Default)]
pub struct Facts {
    /// Facts strictly before this instant are included.
    pub as_of: Timestamp,
    /// Customers created before `as_of`.
    pub customers: CustomerColumns,
    /// Order lines.
    pub orders: OrderColumns,
    /// Events.
    pub events: EventColumns,
    /// Tickets opened before `as_of`.
    pub tickets: Grouped<TicketRow>,
    /// Invoices issued before `as_of`.
    pub invoices: Grouped<InvoiceRow>,
    /// Outcomes observed before `as_of`.
    pub outcomes: Grouped<OutcomeRow>,
    /// Contracts started before `as_of`, in order of start.
    pub contracts: Grouped<ContractRow>,
}

impl Facts {
    /// Index of a customer by id (linear in the number of customers; build a map for many
    /// look-ups).
    pub fn customer_index(&self, id: &CustomerId) -> Option<usize> {
        self.customers.ids.iter().position(|c| c == id)
    }
    /// Customer `i`'s order line range.
    pub fn order_range(&self, customer: usize) -> std::ops::Range<usize> {
        self.orders.offsets[customer]..self.orders.offsets[customer + 1]
    }
    /// Customer `i`'s event range.
    pub fn event_range(&self, customer: usize) -> std::ops::Range<usize> {
        self.events.offsets[customer]..self.events.offsets[customer + 1]
    }
}

/// Turns per-row customer indices (already in ascending order) into CSR offsets for `n`
/// customers. Panics if the indices are not sorted, which would be a loader bug.
pub fn offsets_from_sorted(customer_of_row: &[u32], n: usize) -> Vec<usize> {
    assert!(
        customer_of_row.is_sorted(),
        "fact rows must be sorted by customer"
    );
    let mut offsets = vec![0usize; n + 1];
    for &c in customer_of_row {
        offsets[c as usize + 1] += 1;
    }
    for i in 0..n {
        offsets[i + 1] += offsets[i];
    }
    offsets
}

impl Facts {
    /// A fingerprint (FNV-1a, 64 bits) of what scores read: customers (ids, acquisition,
    /// consent, attributes), orders, events (with the loaded properties) and tickets. An
    /// interrupted rules publish continues only on facts with the same digest, and a score run
    /// records the digest of the facts it used.
    pub fn digest(&self) -> String {
        let facts = self;
        let mut h = Digest(crate::hash::Fnv64::new());
        h.int(facts.as_of.secs());
        let c = &facts.customers;
        h.int(c.len() as i64);
        for (i, id) in c.ids.iter().enumerate() {
            h.bytes(id.as_str().as_bytes());
            h.int(c.created_at[i].secs());
            let flag = |b: Option<bool>| b.map_or(2, i64::from);
            h.int(flag(c.consent[i].marketing) * 3 + flag(c.consent[i].profiling));
        }
        for (name, values) in &c.attributes {
            h.bytes(name.as_bytes());
            for v in values {
                match v {
                    None => h.int(0),
                    Some(AttrValue::Bool(b)) => h.int(1 + i64::from(*b)),
                    Some(AttrValue::Number(x)) => h.int(x.to_bits() as i64),
                    Some(AttrValue::Date(d)) => h.bytes(d.to_string().as_bytes()),
                    Some(AttrValue::Text(t)) => h.bytes(t.as_bytes()),
                }
            }
        }
        let o = &facts.orders;
        for offsets in [&o.offsets, &facts.events.offsets, &facts.tickets.offsets] {
            h.int(offsets.last().copied().unwrap_or(0) as i64);
        }
        for i in 0..o.timestamp.len() {
            h.int(o.timestamp[i].secs());
            h.int(o.amount[i].raw());
            h.int(i64::from(o.category[i]));
            h.int(i64::from(o.sku[i]));
        }
        for name in (0..o.categories.len()).map(|k| o.categories.name(k as u32)) {
            h.bytes(name.as_bytes());
        }
        let e = &facts.events;
        for i in 0..e.timestamp.len() {
            h.int(e.timestamp[i].secs());
            h.int(i64::from(e.event_type[i]));
        }
        for name in (0..e.types.len()).map(|k| e.types.name(k as u32)) {
            h.bytes(name.as_bytes());
        }
        for (name, column) in &e.properties {
            h.bytes(name.as_bytes());
            for &code in column {
                h.int(i64::from(code));
            }
        }
        for name in (0..e.property_values.len()).map(|k| e.property_values.name(k as u32)) {
            h.bytes(name.as_bytes());
        }
        for t in &facts.tickets.rows {
            h.int(t.opened_at.secs());
        }
        h.int(facts.contracts.offsets.last().copied().unwrap_or(0) as i64);
        for c in &facts.contracts.rows {
            h.bytes(c.contract_id.as_bytes());
            h.int(c.started_at.secs());
            h.int(c.renews_at.map_or(i64::MIN, |t| t.secs()));
            h.int(c.cancelled_at.map_or(i64::MIN, |t| t.secs()));
            h.int(c.recurring_value.raw());
            if let Some((previous, at)) = c.price_change {
                h.int(previous.raw());
                h.int(at.secs());
            }
            h.int(i64::from(c.billing_months) << 32 | i64::from(c.notice_days));
        }
        format!("{:016x}", h.0.finish())
    }
}

/// [`Facts::digest`]'s hasher: bytes, and numbers a word at a time.
struct Digest(crate::hash::Fnv64);

impl Digest {
    fn bytes(&mut self, b: &[u8]) {
        self.0.bytes(b);
    }
    fn int(&mut self, v: i64) {
        self.0.word(v as u64);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn interned_strings_keep_their_codes_through_growth() {
        let mut interner = Interner::default();
        let names: Vec<String> = (0..50_000).map(|i| format!("order-{i}")).collect();
        for (i, name) in names.iter().enumerate() {
            assert_eq!(interner.intern(name), i as u32);
        }
        // Again, after the table has grown many times: the same codes, nothing added.
        for (i, name) in names.iter().enumerate().rev() {
            assert_eq!(interner.intern(name), i as u32);
            assert_eq!(interner.get(name), Some(i as u32));
            assert_eq!(interner.name(i as u32), name);
        }
        assert_eq!(interner.len(), names.len());
        assert_eq!(interner.get("order-50000"), None);
        assert_eq!(interner.intern(""), 50_000);
        assert_eq!(interner.name(50_000), "");
        assert_eq!(interner.get(""), Some(50_000));
    }
}
