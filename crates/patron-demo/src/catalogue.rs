//! The product catalogue: about 300 SKUs in 12 categories with fixed prices and costs,
//! Zipf-like popularity within each category, and companion products that are often bought
//! together (shoes and shoe care, toys and books, …) so basket analysis finds rules.

use crate::draw::between;
use crate::person::Segment;
use patron_core::random::Rng;

/// A product category and how it sells.
pub struct CategorySpec {
    /// Display name, as written to `orders.csv`.
    pub name: &'static str,
    /// For URLs.
    pub slug: &'static str,
    /// SKU prefix.
    prefix: &'static str,
    /// Number of SKUs.
    count: usize,
    /// Price range in currency units.
    price: (f64, f64),
    /// Share of sold units that come back.
    pub return_rate: f64,
    /// Popularity with consumers and with businesses.
    popularity: (f64, f64),
    /// Category of the companion products, and how often one is added to the basket.
    companion: Option<(usize, f64)>,
}

const ACCESSORIES: usize = 1;
const ELECTRONICS: usize = 4;
const BOOKS: usize = 5;
const HOME: usize = 6;
const BEAUTY: usize = 8;
const SPORTS: usize = 9;

#[allow(clippy::too_many_arguments)]
const fn spec(
    name: &'static str,
    slug: &'static str,
    prefix: &'static str,
    count: usize,
    price: (f64, f64),
    return_rate: f64,
    popularity: (f64, f64),
    companion: Option<(usize, f64)>,
) -> CategorySpec {
    CategorySpec {
        name,
        slug,
        prefix,
        count,
        price,
        return_rate,
        popularity,
        companion,
    }
}

/// The categories; index 0 is Shoes, whose companions (shoe care) are in Accessories.
pub const CATEGORIES: &[CategorySpec] = &[
    spec(
        "Shoes",
        "shoes",
        "SHO",
        30,
        (35.0, 180.0),
        0.07,
        (10.0, 2.0),
        Some((ACCESSORIES, 0.35)),
    ),
    spec(
        "Accessories",
        "accessories",
        "ACC",
        30,
        (4.0, 80.0),
        0.02,
        (9.0, 4.0),
        None,
    ),
    spec(
        "Apparel",
        "apparel",
        "APP",
        40,
        (12.0, 150.0),
        0.06,
        (12.0, 3.0),
        Some((ACCESSORIES, 0.12)),
    ),
    spec(
        "Outdoor",
        "outdoor",
        "OUT",
        25,
        (15.0, 500.0),
        0.03,
        (6.0, 2.0),
        Some((SPORTS, 0.2)),
    ),
    spec(
        "Electronics",
        "electronics",
        "ELE",
        30,
        (15.0, 500.0),
        0.03,
        (8.0, 10.0),
        Some((ELECTRONICS, 0.3)),
    ),
    spec(
        "Books",
        "books",
        "BOO",
        35,
        (8.0, 45.0),
        0.01,
        (8.0, 5.0),
        None,
    ),
    spec(
        "Home",
        "home",
        "HOM",
        30,
        (8.0, 250.0),
        0.02,
        (8.0, 4.0),
        None,
    ),
    spec(
        "Toys",
        "toys",
        "TOY",
        20,
        (6.0, 90.0),
        0.02,
        (6.0, 1.0),
        Some((BOOKS, 0.2)),
    ),
    spec(
        "Beauty",
        "beauty",
        "BEA",
        20,
        (3.0, 60.0),
        0.01,
        (7.0, 1.0),
        Some((BEAUTY, 0.25)),
    ),
    spec(
        "Sports",
        "sports",
        "SPO",
        20,
        (10.0, 300.0),
        0.03,
        (6.0, 2.0),
        None,
    ),
    spec(
        "Garden",
        "garden",
        "GAR",
        10,
        (5.0, 250.0),
        0.02,
        (4.0, 2.0),
        Some((HOME, 0.2)),
    ),
    spec(
        "Software licences",
        "software-licences",
        "SWL",
        10,
        (29.0, 500.0),
        0.005,
        (2.0, 14.0),
        Some((ELECTRONICS, 0.1)),
    ),
];

/// How many of a partner category's best sellers serve as companions.
const COMPANIONS_PER_CATEGORY: usize = 3;

/// One product.
#[derive(Debug, Clone)]
pub struct Product {
    /// The SKU, e.g. `SHO-1007`.
    pub sku: String,
    /// Index into [`CATEGORIES`].
    pub category: usize,
    /// Price per unit in cents (2.00–500.00).
    pub price_cents: i64,
    /// Cost per unit in cents (40–75% of the price).
    pub cost_cents: i64,
    /// A product often bought together with this one, and how often.
    pub companion: Option<(usize, f64)>,
}

impl Product {
    /// The product's category.
    pub fn category(&self) -> &'static CategorySpec {
        &CATEGORIES[self.category]
    }
}

/// All products, with popularity per category.
pub struct Catalogue {
    products: Vec<Product>,
    /// Per category: product indices, most popular first, and cumulative Zipf weights.
    ranked: Vec<(Vec<usize>, Vec<f64>)>,
}

impl Catalogue {
    /// The catalogue for a seed.
    pub fn build(seed: u64) -> Self {
        let mut rng = Rng::seeded(seed ^ 0xCA7A_1061_E5EE_D000);
        let mut products = Vec::new();
        let mut ranked = Vec::new();
        for (category, spec) in CATEGORIES.iter().enumerate() {
            let first = products.len();
            for n in 0..spec.count {
                products.push(product(&mut rng, category, spec, n));
            }
            let mut order: Vec<usize> = (first..products.len()).collect();
            rng.shuffle(&mut order);
            let mut total = 0.0;
            let cumulative = (0..order.len())
                .map(|rank| {
                    total += 1.0 / (rank as f64 + 1.0).powf(1.1);
                    total
                })
                .collect();
            ranked.push((order, cumulative));
        }
        let mut catalogue = Catalogue { products, ranked };
        catalogue.link_companions();
        catalogue
    }

    fn link_companions(&mut self) {
        for i in 0..self.products.len() {
            let Some((partner, rate)) = self.products[i].category().companion else {
                continue;
            };
            let best = &self.ranked[partner].0;
            let mut choice = best[i % COMPANIONS_PER_CATEGORY];
            if choice == i {
                choice = best[COMPANIONS_PER_CATEGORY];
            }
            self.products[i].companion = Some((choice, rate));
        }
    }

    /// A product by index.
    pub fn product(&self, index: usize) -> &Product {
        &self.products[index]
    }

    /// A product of `category`, popular ones far more often (Zipf).
    pub fn pick_in(&self, rng: &mut Rng, category: usize) -> usize {
        let (order, cumulative) = &self.ranked[category];
        let x = rng.uniform() * cumulative[cumulative.len() - 1];
        let rank = cumulative.partition_point(|c| *c <= x).min(order.len() - 1);
        order[rank]
    }

    /// A category by its popularity in the segment.
    pub fn pick_category(rng: &mut Rng, segment: Segment) -> usize {
        let weight = |c: &CategorySpec| match segment {
            Segment::B2c => c.popularity.0,
            Segment::B2b => c.popularity.1,
        };
        let total: f64 = CATEGORIES.iter().map(weight).sum();
        let mut x = rng.uniform() * total;
        for (i, c) in CATEGORIES.iter().enumerate() {
            if x < weight(c) {
                return i;
            }
            x -= weight(c);
        }
        CATEGORIES.len() - 1
    }
}

fn product(rng: &mut Rng, category: usize, spec: &CategorySpec, n: usize) -> Product {
    let (low, high) = spec.price;
    let price = (between(rng, low.ln(), high.ln()).exp().ceil() as i64).clamp(3, 500);
    let price_cents = price * 100 - 1;
    let cost_cents = (price_cents as f64 * between(rng, 0.40, 0.75)).round() as i64;
    let sku = format!("{}-{}", spec.prefix, 1001 + n);
    Product {
        sku,
        category,
        price_cents,
        cost_cents,
        companion: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SHOES: usize = 0;

    #[test]
    fn about_300_products_with_sane_prices() {
        let c = Catalogue::build(42);
        assert_eq!(c.products.len(), 300);
        for p in &c.products {
            assert!((200..=50_000).contains(&p.price_cents), "{}", p.price_cents);
            assert!(
                p.cost_cents * 100 >= p.price_cents * 39
                    && p.cost_cents * 100 <= p.price_cents * 76
            );
        }
        let shoe = c.ranked[SHOES].0[0];
        let (companion, _) = c.product(shoe).companion.unwrap();
        assert_eq!(c.product(companion).category, ACCESSORIES);
    }
}
