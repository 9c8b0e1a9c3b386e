//! A row of `customers.csv`: a person as one record shows them, with the gaps of real data
//! (missing phones and postcodes) or, for duplicate records, the same contact details written a
//! little differently.

use crate::acquisition::Acquisition;
use crate::address::Phone;
use crate::company::Firm;
use crate::names::{email_variant, private_email};
use crate::person::{Person, Segment};
use patron_core::Timestamp;
use patron_core::random::Rng;

/// One customer record.
#[derive(Debug, Clone)]
pub struct CustomerRecord {
    /// Created (sign-up or first purchase).
    pub created_at: Timestamp,
    /// "First Last".
    pub name: String,
    /// E-mail as entered.
    pub email: Option<String>,
    /// Phone as entered.
    pub phone: Option<String>,
    /// Postcode.
    pub postcode: Option<String>,
    /// Country as entered.
    pub country: &'static str,
    /// Consumer or business.
    pub segment: Segment,
    /// The company, for business customers.
    pub firm: Option<Firm>,
    /// Channel, cost and consents.
    pub acquisition: Acquisition,
}

impl CustomerRecord {
    /// The first record of a person, with a few fields missing.
    pub fn original(
        rng: &mut Rng,
        person: Person,
        created_at: Timestamp,
        acquisition: Acquisition,
    ) -> Self {
        let email_gap = if acquisition.channel == "store" {
            0.15
        } else {
            0.002
        };
        let email = (!rng.chance(email_gap)).then_some(person.email);
        let phone = (!rng.chance(0.02)).then(|| person.phone.written(person.phone_style));
        let postcode = (!rng.chance(0.01)).then_some(person.address.postcode);
        CustomerRecord {
            created_at,
            name: person.name.full(),
            email,
            phone,
            postcode,
            country: person.address.country.spelled(rng),
            segment: person.segment,
            firm: person.firm,
            acquisition,
        }
    }

    /// A second record of the same person: same name and postcode, and either the e-mail in
    /// other case or with stray spaces, or a new e-mail but the same phone written differently.
    pub fn duplicate(
        rng: &mut Rng,
        person: Person,
        created_at: Timestamp,
        acquisition: Acquisition,
    ) -> Self {
        let (email, style) = if rng.chance(0.5) {
            (email_variant(rng, &person.email), person.phone_style)
        } else {
            let mut style = person.phone_style;
            while style == person.phone_style {
                style = Phone::draw_style(rng);
            }
            (
                private_email(rng, &person.name, person.address.country),
                style,
            )
        };
        CustomerRecord {
            created_at,
            name: person.name.full(),
            email: Some(email),
            phone: Some(person.phone.written(style)),
            postcode: Some(person.address.postcode),
            country: person.address.country.name(),
            segment: person.segment,
            firm: person.firm,
            acquisition,
        }
    }
}
