//! A synthetic customer history where churn is learnable, for tests and benchmarks: customers
//! buy at their own pace until they drop out; they browse less once they have dropped out and
//! often open an unhappy ticket shortly before. Seeded: the same arguments give the same facts.

use crate::ml::rng::SplitMix64;
use patron_core::facts::{Facts, Grouped, NONE, TicketRow, offsets_from_sorted};
use patron_core::ids::CustomerId;
use patron_core::model::Consent;
use patron_core::{Money, Timestamp};

/// `n` customers acquired in the first 300 days after `start`, with facts until
/// `start + end_days` (the fact set's `as_of`).
pub fn history(n: usize, start: Timestamp, end_days: i64, seed: u64) -> Facts {
    let mut rng = SplitMix64::new(seed);
    let mut unit = || (rng.next_u64() >> 11) as f64 / (1u64 << 53) as f64;
    let at = |d: f64| Timestamp::from_secs(start.secs() + (d * 86_400.0) as i64);
    let mut f = Facts {
        as_of: start.plus_days(end_days),
        ..Facts::default()
    };
    let end = end_days as f64;
    let (mut order_who, mut event_who, mut ticket_who) = (Vec::new(), Vec::new(), Vec::new());
    let mut tickets = Vec::new();
    let view = f.events.types.intern("page_view");
    let open = f.events.types.intern("email_open");
    let categories: Vec<u32> = ["a", "b", "c", "d"]
        .iter()
        .map(|c| f.orders.categories.intern(c))
        .collect();
    let mut next_order = 0u32;
    for i in 0..n {
        let c = &mut f.customers;
        c.ids
            .push(CustomerId::parse(&format!("C{i:07}")).unwrap_or_else(|_| unreachable!()));
        let created = unit() * 300.0;
        c.created_at.push(at(created));
        c.consent.push(Consent {
            marketing: Some(unit() < 0.6),
            profiling: None,
        });
        c.is_stub.push(false);
        c.acquisition_cost.push(None);
        let gap = 10.0 + 50.0 * unit();
        let dropout = created + 60.0 + unit() * 1500.0;
        let mut t = created + 1.0;
        let mut k = 0;
        while t < dropout.min(end) {
            let o = &mut f.orders;
            order_who.push(i as u32);
            o.timestamp.push(at(t));
            o.order.push(next_order);
            next_order += 1;
            o.category.push(categories[k % 4]);
            o.sku.push(NONE);
            o.channel.push(NONE);
            o.quantity.push(1.0);
            o.amount.push(Money::from_f64(20.0 + 30.0 * unit()));
            o.cost.push(None);
            o.is_return.push(false);
            k += 1;
            t += gap * (0.5 + unit());
        }
        // Browsing: every few days while active, rarely after the dropout.
        let mut t = created;
        while t < end {
            let active = t < dropout;
            t += if active {
                3.0 + 20.0 * unit()
            } else {
                30.0 + 120.0 * unit()
            };
            if t >= end {
                break;
            }
            event_who.push(i as u32);
            f.events.timestamp.push(at(t));
            f.events
                .event_type
                .push(if unit() < 0.7 { view } else { open });
        }
        if dropout < end && unit() < 0.6 {
            ticket_who.push(i as u32);
            tickets.push(TicketRow {
                opened_at: at(dropout - 20.0 * unit()),
                closed_at: None,
                escalated: unit() < 0.3,
                sentiment: Some(-0.5),
                handling_minutes: Some(20.0),
                text: None,
            });
        }
    }
    // Order codes are per line here; the interner holds no names (only codes are compared).
    f.orders.offsets = offsets_from_sorted(&order_who, n);
    f.events.offsets = offsets_from_sorted(&event_who, n);
    f.tickets = Grouped {
        offsets: offsets_from_sorted(&ticket_who, n),
        rows: tickets,
    };
    f.invoices.offsets = vec![0; n + 1];
    f.outcomes.offsets = vec![0; n + 1];
    f
}
