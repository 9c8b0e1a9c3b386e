//! Customer features from hand-built facts, and clusters described in words.

use crate::cluster::{ClusterSettings, FEATURES, KChoice, cluster_customers, customer_features};
use patron_core::facts::{Facts, Grouped, NONE, TicketRow};
use patron_core::ids::CustomerId;
use patron_core::{Money, Timestamp};

/// One order line: (order id, day, category, amount, is return).
type Line = (&'static str, i64, Option<&'static str>, f64, bool);

/// A customer: created on day `created`, order lines, ticket days, event days.
struct Spec {
    created: i64,
    lines: Vec<Line>,
    tickets: Vec<i64>,
    events: Vec<i64>,
}

fn at(day: i64) -> Timestamp {
    Timestamp::from_secs(day * 86_400 + 9 * 3_600)
}

/// Facts as of day `as_of` (midnight) of the given customers, C0, C1, ….
fn facts(as_of: i64, specs: &[Spec]) -> Facts {
    let mut f = Facts {
        as_of: Timestamp::from_secs(as_of * 86_400),
        ..Default::default()
    };
    let (mut orders, mut events, mut tickets) = (vec![0], vec![0], Grouped::default());
    tickets.offsets.clear();
    tickets.offsets.push(0);
    for (i, s) in specs.iter().enumerate() {
        f.customers
            .ids
            .push(CustomerId::parse(&format!("C{i}")).unwrap());
        f.customers.created_at.push(at(s.created));
        let o = &mut f.orders;
        for &(order, day, category, amount, is_return) in &s.lines {
            o.timestamp.push(at(day));
            o.order.push(o.order_ids.intern(&format!("{i}-{order}")));
            o.sku.push(NONE);
            o.category
                .push(category.map_or(NONE, |c| o.categories.intern(c)));
            o.channel.push(NONE);
            o.quantity.push(1.0);
            o.amount.push(Money::from_f64(amount));
            o.cost.push(None);
            o.is_return.push(is_return);
        }
        orders.push(o.timestamp.len());
        for &day in &s.events {
            f.events.timestamp.push(at(day));
            f.events.event_type.push(f.events.types.intern("page_view"));
        }
        events.push(f.events.timestamp.len());
        for &day in &s.tickets {
            tickets.rows.push(TicketRow {
                opened_at: at(day),
                closed_at: None,
                escalated: false,
                sentiment: None,
                handling_minutes: None,
                text: None,
            });
        }
        tickets.offsets.push(tickets.rows.len());
    }
    f.orders.offsets = orders;
    f.events.offsets = events;
    f.tickets = tickets;
    f
}

#[test]
fn features_of_hand_built_customers() {
    let specs = [
        Spec {
            created: 10,
            lines: vec![
                ("a", 20, Some("Shoes"), 100.0, false),
                ("a", 20, Some("Socks"), 5.5, false),
                ("b", 50, Some("Shoes"), 80.0, false),
                ("c", 60, Some("Bags"), -30.0, true), // a return: subtracts, is no order
            ],
            tickets: vec![30, 55],
            events: vec![11, 12, 13],
        },
        // A lead: no purchase, not profiled.
        Spec {
            created: 40,
            lines: vec![],
            tickets: vec![45],
            events: vec![41],
        },
        Spec {
            created: 70,
            lines: vec![("x", 90, None, 12.25, false)],
            tickets: vec![],
            events: vec![],
        },
    ];
    let f = customer_features(&facts(100, &specs));
    assert_eq!(f.customers, [0, 2]);
    assert_eq!(f.without_purchase, 1);
    let names: Vec<_> = FEATURES.iter().map(|f| f.name).collect();
    assert_eq!(
        names,
        [
            "recency_days",
            "frequency",
            "monetary",
            "tenure_days",
            "categories",
            "tickets",
            "events"
        ]
    );
    // Last purchase day 50 (the return on day 60 is not a purchase), 2 orders, 155.5 net,
    // 90 days since day 10, 2 categories bought (Bags only returned), 2 tickets, 3 events.
    assert_eq!(f.values.row(0), [50.0, 2.0, 155.5, 90.0, 2.0, 2.0, 3.0]);
    assert_eq!(f.values.row(1), [10.0, 1.0, 12.25, 30.0, 0.0, 0.0, 0.0]);
}

#[test]
fn two_kinds_of_customers_are_found_and_named() {
    // 30 big spenders with many orders and tickets; 45 one-off small buyers.
    let mut specs = Vec::new();
    for i in 0..30 {
        let lines = (0..8 + i % 4)
            .map(|o| {
                (
                    ["a", "b", "c", "d", "e", "f", "g", "h", "i", "j", "k"][o as usize],
                    300 + 40 * o + i,
                    Some("Shoes"),
                    400.0 + 10.0 * i as f64,
                    false,
                )
            })
            .collect();
        specs.push(Spec {
            created: 200 + i % 7,
            lines,
            tickets: (0..4 + i % 3).map(|t| 310 + t).collect(),
            events: (0..20).map(|e| 300 + e).collect(),
        });
    }
    for i in 0..45 {
        specs.push(Spec {
            created: 200 + i % 7,
            lines: vec![(
                "a",
                300 + 5 * i,
                Some("Socks"),
                10.0 + (i % 5) as f64,
                false,
            )],
            tickets: vec![],
            events: (0..20).map(|e| 300 + e).collect(),
        });
    }
    let c = cluster_customers(&facts(800, &specs), &ClusterSettings::default()).unwrap();
    assert_eq!(c.clustering.k, 2);
    let [small, big] = &c.clusters[..] else {
        panic!("two clusters")
    };
    assert_eq!((small.size, big.size), (45, 30));
    assert!((big.share - 0.4).abs() < 1e-12);
    assert!(
        big.description.contains("high value"),
        "{}",
        big.description
    );
    assert!(
        big.description.contains("frequent buyers"),
        "{}",
        big.description
    );
    assert!(
        small.description.contains("low value"),
        "{}",
        small.description
    );
    assert!(big.traits.iter().all(|t| t.z > 0.0));
    // Events are the same for everyone: never a trait.
    assert!(
        c.clusters
            .iter()
            .all(|s| s.traits.iter().all(|t| t.feature != "events"))
    );
    // Means in original units: the small buyers spent 10–14, one order each.
    assert_eq!(small.mean[1], 1.0);
    assert!((10.0..=14.0).contains(&small.mean[2]));
    assert!(big.centroid[2] > 400.0 && big.mean[5] >= 4.0);

    // Each customer alone is assigned the cluster the fit gave them.
    for (row, &label) in c.clustering.kmeans.labels.iter().enumerate() {
        assert_eq!(c.assign(c.features.values.row(row)), label as usize);
    }

    let fixed = ClusterSettings {
        k: KChoice::Fixed(3),
        ..Default::default()
    };
    let three = cluster_customers(&facts(800, &specs), &fixed).unwrap();
    assert_eq!(three.clusters.len(), 3);
    assert_eq!(three.clusters.iter().map(|s| s.size).sum::<usize>(), 75);
}
