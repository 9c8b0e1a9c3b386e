//! A customer's orders: one per purchase, in the customer's usual channel, and a return order
//! (id suffix `R`) when some of its lines come back.

use crate::basket::{self, Line, Taste};
use crate::draw::{at_daytime, int_between, one_of, weighted};
use crate::person::Segment;
use crate::world::World;
use patron_core::Timestamp;
use patron_core::random::Rng;

/// One order or return.
#[derive(Debug, Clone)]
pub struct Order {
    /// Position of the (original) order among the customer's orders; a return has the number
    /// of the order it returns.
    pub number: u32,
    /// When.
    pub at: Timestamp,
    /// `web`, `store` or `phone`.
    pub channel: &'static str,
    /// The lines (negative quantities for a return).
    pub lines: Vec<Line>,
    /// True for a return.
    pub is_return: bool,
}

impl Order {
    /// Quantity × unit price over all lines, in cents.
    pub fn total_cents(&self, world: &World) -> i64 {
        let catalogue = &world.catalogue;
        self.lines
            .iter()
            .map(|l| l.quantity * catalogue.product(l.product).price_cents)
            .sum()
    }
}

const CHANNELS: &[&str] = &["web", "store", "phone"];

/// Fills `orders` with an order per purchase time and their returns, sorted by time.
pub fn build(
    rng: &mut Rng,
    world: &World,
    taste: &Taste,
    segment: Segment,
    times: &[Timestamp],
    orders: &mut Vec<Order>,
) {
    orders.clear();
    let preferred = match segment {
        Segment::B2c => weighted(rng, &[("web", 65.0), ("store", 25.0), ("phone", 10.0)]),
        Segment::B2b => weighted(rng, &[("web", 60.0), ("store", 10.0), ("phone", 30.0)]),
    };
    let mut returned = Vec::new();
    for (number, &at) in times.iter().enumerate() {
        let channel = if rng.chance(0.85) {
            preferred
        } else {
            one_of(rng, CHANNELS)
        };
        let mut lines = Vec::new();
        basket::fill(rng, &world.catalogue, taste, segment, &mut lines);
        basket::returns(rng, &world.catalogue, &lines, &mut returned);
        let number = number as u32;
        orders.push(Order {
            number,
            at,
            channel,
            lines,
            is_return: false,
        });
        if !returned.is_empty() {
            let later = at.plus_days(int_between(rng, 3, 30));
            let back = at_daytime(rng, later, world.end);
            if back < world.end {
                let lines = returned.clone();
                orders.push(Order {
                    number,
                    at: back,
                    channel,
                    lines,
                    is_return: true,
                });
            }
        }
    }
    orders.sort_by_key(|o| (o.at, o.number, o.is_return));
}
