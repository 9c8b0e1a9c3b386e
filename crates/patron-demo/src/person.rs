//! The person behind a customer record. Duplicate records replay the same person, so everything
//! here is drawn from the person's own random stream.

use crate::address::{Address, Country, Phone, PhoneStyle};
use crate::company::Firm;
use crate::names::{PersonName, private_email, work_email};
use patron_core::random::Rng;

/// Consumer or business customer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Segment {
    /// A private person (about 75%).
    B2c,
    /// A contact at a company.
    B2b,
}

impl Segment {
    /// `b2c` or `b2b`.
    pub fn name(self) -> &'static str {
        match self {
            Segment::B2c => "b2c",
            Segment::B2b => "b2b",
        }
    }
}

/// A person with contact details.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Person {
    /// Consumer or business.
    pub segment: Segment,
    /// Name.
    pub name: PersonName,
    /// E-mail address (private, or at the company's domain).
    pub email: String,
    /// Phone number.
    pub phone: Phone,
    /// How this person writes the number.
    pub phone_style: PhoneStyle,
    /// Postcode and country.
    pub address: Address,
    /// The company, for business customers.
    pub firm: Option<Firm>,
}

impl Person {
    /// A random person.
    pub fn draw(rng: &mut Rng) -> Self {
        let segment = if rng.chance(0.25) {
            Segment::B2b
        } else {
            Segment::B2c
        };
        let country = Country::draw(rng);
        let address = Address::draw(rng, country);
        let name = PersonName::draw(rng, country);
        let phone = Phone::draw(rng, &address);
        let phone_style = Phone::draw_style(rng);
        let firm = (segment == Segment::B2b).then(|| Firm::draw(rng, country));
        let email = match &firm {
            Some(firm) if rng.chance(0.85) => work_email(rng, &name, &firm.domain),
            _ => private_email(rng, &name, country),
        };
        Person {
            segment,
            name,
            email,
            phone,
            phone_style,
            address,
            firm,
        }
    }
}
