//! Feature tests on a hand-made fact set (also used by the `predict` tests).

use super::*;
use patron_core::Money;
use patron_core::facts::{Grouped, NONE, OutcomeRow, TicketRow, offsets_from_sorted};
use patron_core::model::{AttrValue, Consent};

pub(crate) fn day(d: i64) -> Timestamp {
    Timestamp::from_secs(1_700_006_400).plus_days(d)
}

/// A tiny fact set builder: orders `(customer, day, order, category, amount)`.
#[derive(Default)]
pub(crate) struct Fixture {
    pub created: Vec<i64>,
    pub orders: Vec<(u32, i64, &'static str, &'static str, f64)>,
    pub events: Vec<(u32, i64, &'static str)>,
    pub tickets: Vec<(u32, i64, bool, Option<f64>)>,
    pub outcomes: Vec<(u32, i64, &'static str)>,
    pub industry: Vec<Option<&'static str>>,
}

impl Fixture {
    pub fn facts(&self, as_of: i64) -> Facts {
        let n = self.created.len();
        let mut f = Facts {
            as_of: day(as_of),
            ..Facts::default()
        };
        let c = &mut f.customers;
        for (i, &d) in self.created.iter().enumerate() {
            c.ids.push(CustomerId::parse(&format!("C{i}")).unwrap());
            c.created_at.push(day(d));
            c.consent.push(Consent::default());
            c.is_stub.push(false);
            c.acquisition_cost.push(None);
        }
        if !self.industry.is_empty() {
            c.attributes.insert(
                "industry".into(),
                self.industry
                    .iter()
                    .map(|v| v.map(|s| AttrValue::Text(s.into())))
                    .collect(),
            );
        }
        let mut orders = self.orders.clone();
        orders.sort_by_key(|o| (o.0, o.1));
        let o = &mut f.orders;
        let who: Vec<u32> = orders.iter().map(|r| r.0).collect();
        o.offsets = offsets_from_sorted(&who, n);
        for &(_, d, order, cat, amount) in &orders {
            o.timestamp.push(day(d));
            o.order.push(o.order_ids.intern(order));
            o.sku.push(o.skus.intern(cat));
            o.category.push(o.categories.intern(cat));
            o.channel.push(NONE);
            o.quantity.push(1.0);
            o.amount.push(Money::from_f64(amount));
            o.cost.push(Some(Money::from_f64(amount * 0.6)));
            o.is_return.push(amount < 0.0);
        }
        let mut events = self.events.clone();
        events.sort_by_key(|e| (e.0, e.1));
        let e = &mut f.events;
        let who: Vec<u32> = events.iter().map(|r| r.0).collect();
        e.offsets = offsets_from_sorted(&who, n);
        for &(_, d, kind) in &events {
            e.timestamp.push(day(d));
            e.event_type.push(e.types.intern(kind));
        }
        let mut tickets = self.tickets.clone();
        tickets.sort_by_key(|t| (t.0, t.1));
        let who: Vec<u32> = tickets.iter().map(|r| r.0).collect();
        f.tickets = Grouped {
            offsets: offsets_from_sorted(&who, n),
            rows: tickets
                .iter()
                .map(|&(_, d, escalated, sentiment)| TicketRow {
                    opened_at: day(d),
                    closed_at: Some(day(d + 2)),
                    escalated,
                    sentiment,
                    handling_minutes: Some(10.0),
                    text: None,
                })
                .collect(),
        };
        f.invoices = Grouped {
            offsets: vec![0; n + 1],
            rows: Vec::new(),
        };
        let mut outcomes = self.outcomes.clone();
        outcomes.sort_by_key(|t| (t.0, t.1));
        let who: Vec<u32> = outcomes.iter().map(|r| r.0).collect();
        f.outcomes = Grouped {
            offsets: offsets_from_sorted(&who, n),
            rows: outcomes
                .iter()
                .map(|&(_, d, kind)| OutcomeRow {
                    at: day(d),
                    kind: kind.into(),
                    label: None,
                })
                .collect(),
        };
        f
    }
}

pub(crate) fn fixture() -> Fixture {
    Fixture {
        created: vec![0, 10, 300],
        orders: vec![
            (0, 20, "o1", "shoes", 100.0),
            (0, 20, "o1", "socks", 10.0),
            (0, 60, "o2", "shoes", 80.0),
            (0, 100, "o3", "bags", 50.0),
            (0, 105, "o3r", "bags", -50.0),
            (0, 250, "o4", "shoes", 90.0),
            (0, 400, "o5", "shoes", 70.0),
            (1, 30, "p1", "shoes", 40.0),
        ],
        events: vec![
            (0, 190, "page_view"),
            (0, 195, "email_open"),
            (0, 230, "page_view"),
            (2, 350, "page_view"),
        ],
        tickets: vec![(0, 180, true, Some(-0.5)), (0, 220, false, Some(0.1))],
        outcomes: vec![(1, 300, "churned")],
        industry: vec![Some("retail"), None, Some("software")],
    }
}

#[test]
fn features_as_of_a_cutoff_use_only_earlier_facts() {
    let facts = fixture().facts(500);
    let spec = FeatureSpec::infer(&facts);
    assert_eq!(spec.event_types, ["email_open", "page_view"]);
    let table = build_at(&facts, day(240), &spec);
    // Customer 2 was created on day 300: not a row at day 240.
    assert_eq!(table.rows(), 2);
    let v = |name: &str| table.value(0, name);
    assert_eq!(v("frequency"), 3.0);
    assert_eq!(v("recency_days"), 140.0);
    assert_eq!(v("orders_90d"), 0.0);
    assert_eq!(v("orders_prev_90d"), 2.0);
    assert_eq!(v("monetary"), 190.0);
    assert_eq!(v("gap_mean_days"), 40.0);
    assert_eq!(v("recency_gap_ratio"), 3.5);
    assert_eq!(v("distinct_categories"), 3.0);
    assert!((v("return_share") - 50.0 / 240.0).abs() < 1e-12);
    assert!((v("margin_rate") - 0.4).abs() < 1e-9);
    assert_eq!(v("events_90d"), 3.0);
    assert_eq!(v("events_30d"), 1.0);
    assert_eq!(v("event_page_view_90d"), 2.0);
    assert_eq!(v("event_page_view_30d"), 1.0);
    assert_eq!(v("days_since_event"), 10.0);
    assert_eq!(v("tickets_90d"), 2.0);
    assert_eq!(v("escalations_365d"), 1.0);
    assert!((v("sentiment_90d") + 0.2).abs() < 1e-12);
    assert_eq!(v("tenure_days"), 240.0);
    assert_eq!(v("attr_industry"), 0.0);
    assert!(table.value(1, "attr_industry").is_nan());
    assert!(table.value(1, "gap_mean_days").is_nan());
    // The same cutoff on a fact set loaded at the cutoff gives the same table.
    let early = fixture().facts(240);
    let mut direct = build_at(&early, day(240), &spec);
    direct.customers.clone_from(&table.customers);
    let bits = |m: &Matrix| m.data().iter().map(|v| v.to_bits()).collect::<Vec<_>>();
    assert_eq!(bits(&direct.matrix), bits(&table.matrix));
    // Later the fifth order counts.
    let later = build(&facts);
    assert_eq!(later.value(0, "frequency"), 5.0);
    assert_eq!(later.rows(), 3);
}

#[test]
fn ticket_text_without_sentiment_is_scored_by_the_lexicon() {
    let fixture = Fixture {
        created: vec![0],
        orders: vec![(0, 10, "O1", "Shoes", 50.0)],
        tickets: vec![(0, 100, false, None)],
        ..Fixture::default()
    };
    let mut facts = fixture.facts(120);
    let text = "Die Lieferung ist kaputt und viel zu spät, sehr enttäuscht";
    facts.tickets.rows[0].text = Some(text.into());
    let expected = sentiment::score(text).expect("the lexicon knows these words");
    assert!(expected < 0.0, "{expected}");
    let table = build(&facts);
    assert_eq!(table.value(0, "sentiment_90d"), expected);
    assert_eq!(table.value(0, "sentiment_365d"), expected);
    // A sentiment given by the source wins over the text.
    facts.tickets.rows[0].sentiment = Some(0.5);
    assert_eq!(build(&facts).value(0, "sentiment_90d"), 0.5);
}
