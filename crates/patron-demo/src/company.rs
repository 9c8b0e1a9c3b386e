//! Firmographics of business (B2B) customers: company name and web domain, industry, size and
//! the contact's position.

use crate::address::Country;
use crate::draw::{log_normal, one_of, weighted};
use crate::names::{PersonName, email_slug};
use patron_core::random::Rng;

/// Industries with their share of business customers.
const INDUSTRIES: &[(&str, f64)] = &[
    ("Software", 18.0),
    ("Manufacturing", 18.0),
    ("Retail", 16.0),
    ("Healthcare", 12.0),
    ("Finance", 12.0),
    ("Logistics", 12.0),
    ("Education", 12.0),
];

/// Positions of the contact person.
const POSITIONS: &[(&str, f64)] = &[
    ("CEO", 10.0),
    ("Head of Marketing", 12.0),
    ("Sales Manager", 14.0),
    ("IT Lead", 12.0),
    ("Analyst", 12.0),
    ("Procurement Manager", 10.0),
    ("Office Manager", 12.0),
    ("CFO", 5.0),
    ("Project Manager", 9.0),
    ("Student", 4.0),
];

/// Words for company names.
const BRANDS: &[&str] = &[
    "Nordlicht",
    "Alpen",
    "Rhein",
    "Elbe",
    "Isar",
    "Spree",
    "Main",
    "Sonnen",
    "Blau",
    "Adler",
    "Falken",
    "Eichen",
    "Linden",
    "Nordstern",
    "Bergblick",
    "Weitsicht",
    "Quadrat",
    "Kompass",
];

/// Endings of made-up brand names (`Nordlichttec`, `Adlerwerk`).
const BRAND_ENDINGS: &[&str] = &[
    "tec", "werk", "haus", "line", "form", "data", "logic", "plan", "net", "pro",
];

/// Traditional names that companies put in quotes.
const INN_NAMES: &[&str] = &[
    "Zum Goldenen Hirsch",
    "Zur Linde",
    "Zum Adler",
    "Zur Post",
    "Zum Kompass",
];

/// A business customer's company and the contact's role in it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Firm {
    /// Company name (may contain commas, `&` and, rarely, quotes).
    pub company: String,
    /// The company's web domain, for work e-mail addresses.
    pub domain: String,
    /// Industry.
    pub industry: &'static str,
    /// Number of employees.
    pub size: u32,
    /// The contact's position.
    pub position: &'static str,
}

impl Firm {
    /// A random company in `country`.
    pub fn draw(rng: &mut Rng, country: Country) -> Self {
        let industry = weighted(rng, INDUSTRIES);
        let (brand, suffix) = company_name(rng, country, industry);
        let domain = format!("{}.{}", domain_label(&brand), country.tld());
        let size = log_normal(rng, 25.0, 1.6).round().clamp(1.0, 250_000.0) as u32;
        Firm {
            company: format!("{brand} {suffix}"),
            domain,
            industry,
            size,
            position: weighted(rng, POSITIONS),
        }
    }
}

/// The name without its legal form, and the legal form: after a founder, partners or a made-up
/// brand (never after the contact, so that namesakes rarely share a work e-mail address).
fn company_name(rng: &mut Rng, country: Country, industry: &str) -> (String, &'static str) {
    let founder = PersonName::draw(rng, country).last;
    let partner = PersonName::draw(rng, country).last;
    let branch = one_of(rng, branches(industry, country));
    let brand = match rng.below(20) {
        0..=8 => format!("{founder} {branch}"),
        9..=11 => format!("{founder} & {partner}"),
        12..=13 => format!("{founder}, {partner} & Partner"),
        14 => format!("\"{}\" {branch}", one_of(rng, INN_NAMES)),
        _ => format!(
            "{}{} {branch}",
            one_of(rng, BRANDS),
            one_of(rng, BRAND_ENDINGS)
        ),
    };
    (brand, legal_form(rng, country))
}

fn branches(industry: &str, country: Country) -> &'static [&'static str] {
    if country == Country::UnitedKingdom {
        return match industry {
            "Software" => &["Software", "Digital", "Systems"],
            "Manufacturing" => &["Engineering", "Manufacturing"],
            "Retail" => &["Retail", "Stores"],
            "Healthcare" => &["Health", "Care"],
            "Finance" => &["Capital", "Financial Services"],
            "Logistics" => &["Logistics", "Freight"],
            _ => &["Academy", "Learning"],
        };
    }
    match industry {
        "Software" => &["Software", "IT-Services", "Digital", "Systems"],
        "Manufacturing" => &[
            "Maschinenbau",
            "Metallbau",
            "Werkzeugbau",
            "Kunststofftechnik",
        ],
        "Retail" => &["Handel", "Einzelhandel", "Warenhaus", "Moden"],
        "Healthcare" => &[
            "Medizintechnik",
            "Pflegedienst",
            "Praxisbedarf",
            "Apotheken",
        ],
        "Finance" => &[
            "Finanzberatung",
            "Versicherungsmakler",
            "Steuerberatung",
            "Capital",
        ],
        "Logistics" => &["Logistik", "Spedition", "Transporte", "Kurierdienst"],
        _ => &["Akademie", "Bildungszentrum", "Sprachschule", "Institut"],
    }
}

fn legal_form(rng: &mut Rng, country: Country) -> &'static str {
    match country {
        Country::UnitedKingdom => weighted(rng, &[("Ltd", 8.0), ("PLC", 1.0), ("LLP", 1.0)]),
        Country::Netherlands => "B.V.",
        Country::France => one_of(rng, &["SARL", "SAS"]),
        Country::Switzerland => one_of(rng, &["AG", "GmbH"]),
        Country::Austria => "GmbH",
        Country::Germany => weighted(
            rng,
            &[
                ("GmbH", 50.0),
                ("GmbH & Co. KG", 15.0),
                ("AG", 8.0),
                ("KG", 7.0),
                ("e.K.", 5.0),
                ("UG (haftungsbeschränkt)", 5.0),
                ("OHG", 3.0),
            ],
        ),
    }
}

/// `Müller, Weiß & Partner` → `mueller-weiss-partner`.
fn domain_label(brand: &str) -> String {
    let slug = email_slug(&brand.replace('&', " "));
    let parts: Vec<&str> = slug.split('-').filter(|p| !p.is_empty()).collect();
    parts.join("-")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn domains_are_plain() {
        assert_eq!(
            domain_label("Müller, Weiß & Partner"),
            "mueller-weiss-partner"
        );
        assert_eq!(domain_label("\"Zur Linde\" Logistik"), "zur-linde-logistik");
    }
}
