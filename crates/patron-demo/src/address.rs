//! Where customers live: countries, postcodes that fit the country and phone numbers with the
//! city's area code, written in the many ways people write phone numbers.

use crate::draw::{int_between, one_of, weighted, weighted_by};
use patron_core::random::Rng;

/// A customer's country.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Country {
    /// Most customers.
    Germany,
    /// Österreich.
    Austria,
    /// Schweiz.
    Switzerland,
    /// England, Scotland, Wales, Northern Ireland.
    UnitedKingdom,
    /// Nederland.
    Netherlands,
    /// France.
    France,
}

const COUNTRY_SHARES: &[(Country, f64)] = &[
    (Country::Germany, 0.80),
    (Country::Austria, 0.08),
    (Country::Switzerland, 0.06),
    (Country::UnitedKingdom, 0.03),
    (Country::Netherlands, 0.02),
    (Country::France, 0.01),
];

/// A city: a postcode range, its landline area code (without the trunk `0`) and a weight.
struct City {
    postcodes: (u32, u32),
    area: &'static str,
    weight: f64,
}

const fn city(low: u32, high: u32, area: &'static str, weight: f64) -> City {
    City {
        postcodes: (low, high),
        area,
        weight,
    }
}

const GERMAN_CITIES: &[City] = &[
    city(10115, 14199, "30", 12.0),
    city(20095, 22769, "40", 7.0),
    city(80331, 81929, "89", 6.0),
    city(50667, 51149, "221", 4.5),
    city(60306, 60599, "69", 3.5),
    city(70173, 70629, "711", 3.0),
    city(40210, 40629, "211", 3.0),
    city(4103, 4357, "341", 2.5),
    city(1067, 1328, "351", 2.5),
    city(30159, 30669, "511", 2.5),
    city(90402, 90491, "911", 2.5),
    city(28195, 28779, "421", 2.0),
    city(44135, 44388, "231", 2.0),
    city(45127, 45359, "201", 2.0),
    city(24103, 24159, "431", 1.0),
    city(18055, 18147, "381", 1.0),
    city(79098, 79117, "761", 1.0),
    city(93047, 93059, "941", 0.8),
    city(37073, 37085, "551", 0.8),
    city(6108, 6132, "345", 0.8),
    city(66111, 66133, "681", 0.8),
];

const AUSTRIAN_CITIES: &[City] = &[
    city(1010, 1230, "1", 5.0),
    city(8010, 8054, "316", 1.5),
    city(4020, 4040, "732", 1.0),
    city(5020, 5026, "662", 0.8),
    city(6020, 6080, "512", 0.7),
];

const SWISS_CITIES: &[City] = &[
    city(8001, 8099, "44", 4.0),
    city(4001, 4059, "61", 1.5),
    city(3001, 3030, "31", 1.5),
    city(1201, 1209, "22", 1.2),
    city(6003, 6015, "41", 0.8),
];

const DUTCH_CITIES: &[City] = &[
    city(1011, 1109, "20", 3.0),
    city(3011, 3089, "10", 2.0),
    city(3511, 3585, "30", 1.0),
];

const FRENCH_CITIES: &[City] = &[
    city(75001, 75020, "1", 4.0),
    city(69001, 69009, "4", 1.5),
    city(67000, 67200, "3", 1.0),
];

/// UK outward codes with their area codes.
const UK_AREAS: &[(&str, &str)] = &[
    ("SW1A", "20"),
    ("EC1A", "20"),
    ("W1D", "20"),
    ("N1", "20"),
    ("E14", "20"),
    ("M1", "161"),
    ("B1", "121"),
    ("LS1", "113"),
    ("G1", "141"),
    ("BS1", "117"),
    ("EH1", "131"),
];

const GERMAN_MOBILE: &[&str] = &[
    "151", "152", "157", "160", "162", "170", "171", "172", "173", "174", "175", "176", "177",
    "178", "179",
];

impl Country {
    /// A random country, mostly Germany.
    pub fn draw(rng: &mut Rng) -> Self {
        weighted(rng, COUNTRY_SHARES)
    }

    /// The name as most records spell it.
    pub fn name(self) -> &'static str {
        match self {
            Country::Germany => "Germany",
            Country::Austria => "Austria",
            Country::Switzerland => "Switzerland",
            Country::UnitedKingdom => "United Kingdom",
            Country::Netherlands => "Netherlands",
            Country::France => "France",
        }
    }

    /// The name as a record writes it: usually [`Country::name`], sometimes the local name or
    /// the ISO code (something for a data-quality report to find).
    pub fn spelled(self, rng: &mut Rng) -> &'static str {
        if !rng.chance(0.02) {
            return self.name();
        }
        match self {
            Country::Germany => one_of(rng, &["Deutschland", "DE", "germany"]),
            Country::Austria => one_of(rng, &["Österreich", "AT"]),
            Country::Switzerland => one_of(rng, &["Schweiz", "CH"]),
            Country::UnitedKingdom => one_of(rng, &["UK", "GB"]),
            Country::Netherlands => "NL",
            Country::France => "FR",
        }
    }

    /// The international calling code.
    fn calling_code(self) -> &'static str {
        match self {
            Country::Germany => "49",
            Country::Austria => "43",
            Country::Switzerland => "41",
            Country::UnitedKingdom => "44",
            Country::Netherlands => "31",
            Country::France => "33",
        }
    }

    /// Shortest and longest landline number without the trunk `0` (area code included).
    fn national_digits(self) -> (i64, i64) {
        match self {
            Country::Germany => (10, 11),
            Country::Austria => (9, 11),
            Country::UnitedKingdom => (10, 10),
            _ => (9, 9),
        }
    }

    /// Top-level domain of company websites.
    pub fn tld(self) -> &'static str {
        match self {
            Country::Germany => "de",
            Country::Austria => "at",
            Country::Switzerland => "ch",
            Country::UnitedKingdom => "co.uk",
            Country::Netherlands => "nl",
            Country::France => "fr",
        }
    }

    /// Private e-mail providers with their popularity.
    pub fn mail_providers(self) -> &'static [(&'static str, f64)] {
        match self {
            Country::Germany => &[
                ("gmx.de", 18.0),
                ("web.de", 16.0),
                ("gmail.com", 20.0),
                ("t-online.de", 10.0),
                ("outlook.de", 6.0),
                ("yahoo.de", 4.0),
                ("posteo.de", 2.0),
                ("icloud.com", 5.0),
                ("freenet.de", 3.0),
                ("hotmail.com", 3.0),
                ("gmx.net", 4.0),
            ],
            Country::Austria => &[
                ("gmx.at", 4.0),
                ("aon.at", 2.0),
                ("gmail.com", 5.0),
                ("chello.at", 1.0),
            ],
            Country::Switzerland => &[
                ("bluewin.ch", 4.0),
                ("gmx.ch", 2.0),
                ("gmail.com", 5.0),
                ("hispeed.ch", 1.0),
            ],
            Country::UnitedKingdom => &[
                ("gmail.com", 5.0),
                ("outlook.com", 3.0),
                ("btinternet.com", 2.0),
                ("yahoo.co.uk", 2.0),
                ("hotmail.co.uk", 2.0),
            ],
            Country::Netherlands => &[("ziggo.nl", 2.0), ("gmail.com", 4.0), ("kpnmail.nl", 1.0)],
            Country::France => &[("orange.fr", 3.0), ("gmail.com", 4.0), ("free.fr", 2.0)],
        }
    }

    fn cities(self) -> &'static [City] {
        match self {
            Country::Germany => GERMAN_CITIES,
            Country::Austria => AUSTRIAN_CITIES,
            Country::Switzerland => SWISS_CITIES,
            Country::Netherlands => DUTCH_CITIES,
            Country::France => FRENCH_CITIES,
            Country::UnitedKingdom => &[],
        }
    }
}

/// A postal address reduced to what the customer file holds, plus the phone area code.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Address {
    /// The country.
    pub country: Country,
    /// The postcode in the country's format.
    pub postcode: String,
    /// The landline area code of the place (without the trunk `0`).
    pub area: &'static str,
}

impl Address {
    /// A random address in `country`.
    pub fn draw(rng: &mut Rng, country: Country) -> Self {
        if country == Country::UnitedKingdom {
            return uk_address(rng);
        }
        let city = weighted_by(rng, country.cities(), |c| c.weight);
        let code = int_between(
            rng,
            i64::from(city.postcodes.0),
            i64::from(city.postcodes.1),
        );
        let postcode = match country {
            Country::Germany | Country::France => format!("{code:05}"),
            Country::Netherlands => {
                let letters = [letter(rng), letter(rng)];
                format!("{code} {}{}", letters[0], letters[1])
            }
            _ => code.to_string(),
        };
        Address {
            country,
            postcode,
            area: city.area,
        }
    }
}

fn uk_address(rng: &mut Rng) -> Address {
    let (outward, area) = one_of(rng, UK_AREAS);
    let postcode = format!("{outward} {}{}{}", rng.below(10), letter(rng), letter(rng));
    Address {
        country: Country::UnitedKingdom,
        postcode,
        area,
    }
}

fn letter(rng: &mut Rng) -> char {
    one_of(rng, b"ABDEFGHJLNPQRSTUWXYZ") as char
}

/// A phone number: the parts that stay the same however it is written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Phone {
    country: Country,
    /// Area or mobile network code, without the trunk `0`.
    area: String,
    subscriber: String,
}

/// The ways people write the same phone number.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PhoneStyle {
    /// `+49 30 1234567`
    International,
    /// `+49301234567`
    Compact,
    /// `+49 (0)30 1234567`
    InternationalTrunk,
    /// `030 1234567`
    National,
    /// `030/1234567`
    Slash,
    /// `030-1234567`
    Dash,
}

const STYLES: &[(PhoneStyle, f64)] = &[
    (PhoneStyle::International, 3.0),
    (PhoneStyle::Compact, 1.0),
    (PhoneStyle::InternationalTrunk, 1.0),
    (PhoneStyle::National, 3.0),
    (PhoneStyle::Slash, 2.0),
    (PhoneStyle::Dash, 1.0),
];

impl Phone {
    /// A random number at `address`: a landline with the local area code, or (in Germany,
    /// often) a mobile number.
    pub fn draw(rng: &mut Rng, address: &Address) -> Self {
        let mobile = address.country == Country::Germany && rng.chance(0.55);
        let area = if mobile {
            one_of(rng, GERMAN_MOBILE)
        } else {
            address.area
        };
        let digits = if mobile {
            int_between(rng, 7, 8)
        } else {
            let (shortest, longest) = address.country.national_digits();
            int_between(rng, shortest, longest) - area.len() as i64
        };
        let mut subscriber = String::with_capacity(digits as usize);
        subscriber.push(char::from(b'1' + rng.below(9) as u8));
        for _ in 1..digits {
            subscriber.push(char::from(b'0' + rng.below(10) as u8));
        }
        Phone {
            country: address.country,
            area: area.to_owned(),
            subscriber,
        }
    }

    /// A random writing style.
    pub fn draw_style(rng: &mut Rng) -> PhoneStyle {
        weighted(rng, STYLES)
    }

    /// The number written in `style`.
    pub fn written(&self, style: PhoneStyle) -> String {
        let (cc, area, number) = (self.country.calling_code(), &self.area, &self.subscriber);
        match style {
            PhoneStyle::International => format!("+{cc} {area} {number}"),
            PhoneStyle::Compact => format!("+{cc}{area}{number}"),
            PhoneStyle::InternationalTrunk => format!("+{cc} (0){area} {number}"),
            PhoneStyle::National => format!("0{area} {number}"),
            PhoneStyle::Slash => format!("0{area}/{number}"),
            PhoneStyle::Dash => format!("0{area}-{number}"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn german_postcodes_have_five_digits() {
        let mut rng = Rng::seeded(9);
        for _ in 0..500 {
            let a = Address::draw(&mut rng, Country::Germany);
            assert_eq!(a.postcode.len(), 5, "{}", a.postcode);
            assert!(a.postcode.bytes().all(|b| b.is_ascii_digit()));
        }
    }

    #[test]
    fn styles_write_the_same_digits() {
        let phone = Phone {
            country: Country::Germany,
            area: "30".into(),
            subscriber: "1234567".into(),
        };
        assert_eq!(phone.written(PhoneStyle::International), "+49 30 1234567");
        assert_eq!(phone.written(PhoneStyle::Slash), "030/1234567");
        assert_eq!(
            phone.written(PhoneStyle::InternationalTrunk),
            "+49 (0)30 1234567"
        );
    }
}
