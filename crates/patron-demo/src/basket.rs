//! What goes into an order: 1–6 lines from the customer's favourite categories (plus the odd
//! impulse buy), popular products more often, companions added often enough for basket
//! analysis to find the rules, and the occasional return.

use crate::catalogue::{CATEGORIES, Catalogue};
use crate::draw::{int_between, weighted};
use crate::person::Segment;
use patron_core::random::Rng;

/// One order line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Line {
    /// Index of the product in the catalogue.
    pub product: usize,
    /// Units (negative for returns).
    pub quantity: i64,
}

/// Most lines an order has.
const MAX_LINES: usize = 6;

/// A customer's favourite categories.
#[derive(Debug, Clone)]
pub struct Taste {
    favourites: [(usize, f64); 3],
    count: usize,
    /// Share of lines from the favourites.
    loyalty: f64,
}

impl Taste {
    /// One to three favourite categories, picked by popularity in the segment.
    pub fn draw(rng: &mut Rng, segment: Segment) -> Self {
        let count = weighted(rng, &[(1, 0.4), (2, 0.35), (3, 0.25)]);
        let mut favourites = [(0, 0.0); 3];
        for slot in 0..count {
            let mut category = Catalogue::pick_category(rng, segment);
            while favourites[..slot].iter().any(|(c, _)| *c == category) {
                category = Catalogue::pick_category(rng, segment);
            }
            favourites[slot] = (category, rng.gamma(2.0, 1.0));
        }
        Taste {
            favourites,
            count,
            loyalty: 0.7 + 0.25 * rng.uniform(),
        }
    }

    /// True when `category` is a favourite.
    pub fn likes(&self, category: usize) -> bool {
        self.favourites[..self.count]
            .iter()
            .any(|(c, _)| *c == category)
    }

    /// A product this customer looks at or buys: from a favourite category mostly.
    pub fn product(&self, rng: &mut Rng, catalogue: &Catalogue, segment: Segment) -> usize {
        let category = self.category(rng, segment);
        catalogue.pick_in(rng, category)
    }

    /// The category of the next thing this customer looks at or buys.
    pub fn category(&self, rng: &mut Rng, segment: Segment) -> usize {
        if rng.chance(self.loyalty) {
            weighted(rng, &self.favourites[..self.count])
        } else {
            Catalogue::pick_category(rng, segment)
        }
    }
}

/// Fills `lines` with a new order's lines.
pub fn fill(
    rng: &mut Rng,
    catalogue: &Catalogue,
    taste: &Taste,
    segment: Segment,
    lines: &mut Vec<Line>,
) {
    lines.clear();
    let wanted = match segment {
        Segment::B2c => weighted(
            rng,
            &[
                (1, 42.0),
                (2, 26.0),
                (3, 15.0),
                (4, 9.0),
                (5, 5.0),
                (6, 3.0),
            ],
        ),
        Segment::B2b => weighted(
            rng,
            &[
                (1, 25.0),
                (2, 25.0),
                (3, 20.0),
                (4, 14.0),
                (5, 10.0),
                (6, 6.0),
            ],
        ),
    };
    let mut attempts = 0;
    while lines.len() < wanted && attempts < 4 * MAX_LINES {
        attempts += 1;
        let product = taste.product(rng, catalogue, segment);
        if lines.iter().any(|l| l.product == product) {
            continue;
        }
        lines.push(Line {
            product,
            quantity: quantity(rng, catalogue, product, segment),
        });
        if let Some((companion, rate)) = catalogue.product(product).companion
            && lines.len() < MAX_LINES
            && rng.chance(rate)
            && !lines.iter().any(|l| l.product == companion)
        {
            lines.push(Line {
                product: companion,
                quantity: 1,
            });
        }
    }
}

fn quantity(rng: &mut Rng, catalogue: &Catalogue, product: usize, segment: Segment) -> i64 {
    let software = CATEGORIES[catalogue.product(product).category].slug == "software-licences";
    let bulk = match segment {
        Segment::B2b if software => 0.5,
        Segment::B2b => 0.12,
        Segment::B2c => 0.0,
    };
    if rng.chance(bulk) {
        return int_between(rng, 5, 25);
    }
    weighted(rng, &[(1, 72.0), (2, 20.0), (3, 6.0), (4, 1.5), (5, 0.5)])
}

/// Fills `returned` with the lines of `lines` that come back (negative quantities).
pub fn returns(rng: &mut Rng, catalogue: &Catalogue, lines: &[Line], returned: &mut Vec<Line>) {
    returned.clear();
    for line in lines {
        if rng.chance(catalogue.product(line.product).category().return_rate) {
            let quantity = int_between(rng, 1, line.quantity);
            returned.push(Line {
                product: line.product,
                quantity: -quantity,
            });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn baskets_have_one_to_six_distinct_lines() {
        let catalogue = Catalogue::build(1);
        let mut rng = Rng::seeded(2);
        let mut lines = Vec::new();
        for i in 0..2000 {
            let segment = if i % 4 == 0 {
                Segment::B2b
            } else {
                Segment::B2c
            };
            let taste = Taste::draw(&mut rng, segment);
            fill(&mut rng, &catalogue, &taste, segment, &mut lines);
            assert!((1..=MAX_LINES).contains(&lines.len()));
            for (k, l) in lines.iter().enumerate() {
                assert!(l.quantity >= 1);
                assert!(lines[..k].iter().all(|o| o.product != l.product));
            }
        }
    }
}
