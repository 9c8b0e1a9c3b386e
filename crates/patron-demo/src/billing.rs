//! Invoices: one per business order and per consumer order paid on account (about 20%), paid
//! according to the customer's payment discipline.

use crate::draw::{int_between, weighted};
use crate::orders::Order;
use crate::person::Segment;
use crate::world::World;
use patron_core::Timestamp;
use patron_core::random::Rng;

/// How a customer pays.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Discipline {
    /// Pays within the terms (most customers).
    Punctual,
    /// Chronically late: 5–60 days after the due date (about 10%).
    Late,
    /// Never pays (about 1%).
    Never,
}

impl Discipline {
    /// A random discipline.
    pub fn draw(rng: &mut Rng) -> Self {
        weighted(
            rng,
            &[
                (Discipline::Punctual, 89.0),
                (Discipline::Late, 10.0),
                (Discipline::Never, 1.0),
            ],
        )
    }
}

/// One invoice (dates at midnight).
#[derive(Debug, Clone)]
pub struct Invoice {
    /// Issue date: the order date.
    pub issued: Timestamp,
    /// Issue date plus the payment terms.
    pub due: Timestamp,
    /// Payment date; `None` while open.
    pub paid: Option<Timestamp>,
    /// The order total in cents.
    pub amount_cents: i64,
}

/// Fills `invoices` for the customer's orders.
pub fn invoices(
    rng: &mut Rng,
    world: &World,
    segment: Segment,
    discipline: Discipline,
    orders: &[Order],
    invoices: &mut Vec<Invoice>,
) {
    invoices.clear();
    let terms = match segment {
        Segment::B2b if rng.chance(0.7) => 30,
        _ => 14,
    };
    for order in orders.iter().filter(|o| !o.is_return) {
        let on_account = segment == Segment::B2b || rng.chance(0.2);
        if !on_account {
            continue;
        }
        let issued = Timestamp::from_secs(order.at.day_number() * patron_core::time::DAY);
        let due = issued.plus_days(terms);
        let paid = payment(rng, discipline, issued, terms).filter(|p| *p < world.end);
        invoices.push(Invoice {
            issued,
            due,
            paid,
            amount_cents: order.total_cents(world),
        });
    }
}

fn payment(
    rng: &mut Rng,
    discipline: Discipline,
    issued: Timestamp,
    terms: i64,
) -> Option<Timestamp> {
    let days = match discipline {
        Discipline::Never => return None,
        Discipline::Late => terms + int_between(rng, 5, 60),
        Discipline::Punctual if rng.chance(0.04) => terms + int_between(rng, 1, 5),
        Discipline::Punctual => int_between(rng, 1, terms),
    };
    Some(issued.plus_days(days))
}
