//! Person names (German and English, with umlauts) and e-mail addresses derived from them.

use crate::address::Country;
use crate::draw::{int_between, one_of, weighted};
use patron_core::random::Rng;

const GERMAN_FIRST: &[&str] = &[
    "Jürgen",
    "Bärbel",
    "Jörg",
    "Günter",
    "Käthe",
    "Björn",
    "Sören",
    "Jörn",
    "Hans",
    "Peter",
    "Klaus",
    "Wolfgang",
    "Michael",
    "Thomas",
    "Andreas",
    "Stefan",
    "Christian",
    "Markus",
    "Frank",
    "Sabine",
    "Petra",
    "Claudia",
    "Susanne",
    "Andrea",
    "Monika",
    "Ursula",
    "Anna",
    "Lena",
    "Laura",
    "Julia",
    "Lea",
    "Hannah",
    "Mia",
    "Emma",
    "Sophie",
    "Marie",
    "Lukas",
    "Leon",
    "Finn",
    "Jonas",
    "Paul",
    "Felix",
    "Maximilian",
    "Tobias",
    "Sebastian",
    "Katrin",
    "Anja",
    "Heike",
    "Birgit",
    "Dörte",
    "Uwe",
    "Dieter",
    "Helga",
    "Renate",
    "Gisela",
    "Ralf",
    "Kerstin",
    "Silke",
    "Matthias",
    "Daniel",
    "Jan",
    "Tim",
    "Nils",
    "Malte",
    "Annika",
    "Franziska",
    "Johanna",
    "Greta",
    "Ida",
    "Mathilda",
    "Karl",
    "Friedrich",
    "Gerd",
    "Horst",
    "Elke",
    "Jens",
    "Sven",
    "Kai",
    "Timo",
    "Özlem",
    "Mehmet",
    "Ayşe",
    "Zoë",
    "Chloé",
    "René",
    "André",
];

const ENGLISH_FIRST: &[&str] = &[
    "James",
    "Oliver",
    "Emily",
    "Charlotte",
    "Harry",
    "Jack",
    "George",
    "Amelia",
    "Olivia",
    "Isla",
    "William",
    "Sarah",
    "Daniel",
    "Chloe",
    "Jessica",
    "Matthew",
    "Samuel",
    "Grace",
    "Thomas",
    "Sophie",
    "Emma",
    "Noah",
    "Ava",
    "Isabella",
    "Lucy",
    "Henry",
    "Alfie",
    "Freya",
    "Poppy",
    "Arthur",
    "Mia",
    "Ella",
    "Ethan",
    "Hannah",
    "Joshua",
    "Rebecca",
    "Siobhan",
    "Niamh",
    "Callum",
];

const GERMAN_LAST: &[&str] = &[
    "Müller",
    "Schmidt",
    "Schneider",
    "Fischer",
    "Weber",
    "Meyer",
    "Wagner",
    "Becker",
    "Schulz",
    "Hoffmann",
    "Schäfer",
    "Koch",
    "Bauer",
    "Richter",
    "Klein",
    "Wolf",
    "Schröder",
    "Neumann",
    "Schwarz",
    "Zimmermann",
    "Braun",
    "Krüger",
    "Hofmann",
    "Hartmann",
    "Lange",
    "Schmitt",
    "Werner",
    "Schmitz",
    "Krause",
    "Meier",
    "Lehmann",
    "Schmid",
    "Schulze",
    "Maier",
    "Köhler",
    "Herrmann",
    "König",
    "Walter",
    "Mayer",
    "Huber",
    "Kaiser",
    "Fuchs",
    "Peters",
    "Lang",
    "Scholz",
    "Möller",
    "Weiß",
    "Jung",
    "Hahn",
    "Schubert",
    "Vogel",
    "Friedrich",
    "Keller",
    "Günther",
    "Frank",
    "Berger",
    "Winkler",
    "Roth",
    "Beck",
    "Lorenz",
    "Baumann",
    "Franke",
    "Albrecht",
    "Schuster",
    "Simon",
    "Ludwig",
    "Böhm",
    "Winter",
    "Kraus",
    "Martin",
    "Schumacher",
    "Krämer",
    "Vogt",
    "Stein",
    "Jäger",
    "Otto",
    "Sommer",
    "Groß",
    "Seidel",
    "Heinrich",
    "Brandt",
    "Haas",
    "Schreiber",
    "Graf",
    "Schulte",
    "Dietrich",
    "Ziegler",
    "Kuhn",
    "Kühn",
    "Pohl",
    "Engel",
    "Horn",
    "Busch",
    "Bergmann",
    "Voigt",
    "Sauer",
    "Arnold",
    "Wolff",
    "Pfeiffer",
    "Yılmaz",
    "Kaya",
    "Nowak",
    "Kowalski",
    "von Bülow",
    "Straßburger",
    "Fußmann",
    "Gößling",
];

const ENGLISH_LAST: &[&str] = &[
    "Smith",
    "Jones",
    "Taylor",
    "Brown",
    "Williams",
    "Wilson",
    "Johnson",
    "Davies",
    "Robinson",
    "Wright",
    "Thompson",
    "Evans",
    "Walker",
    "White",
    "Roberts",
    "Green",
    "Hall",
    "Wood",
    "Jackson",
    "Clarke",
    "O'Brien",
    "Murphy",
    "Hughes",
    "Edwards",
    "Turner",
    "Cooper",
    "Hill",
    "Ward",
    "Morris",
    "Moore",
    "Clark",
    "Lee",
    "King",
    "Baker",
    "Harrison",
    "MacDonald",
];

/// A person's name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PersonName {
    /// Given name.
    pub first: &'static str,
    /// Family name (sometimes double-barrelled).
    pub last: String,
}

impl PersonName {
    /// A random name fitting the country (English names abroad, mostly German ones otherwise).
    pub fn draw(rng: &mut Rng, country: Country) -> Self {
        let english = match country {
            Country::UnitedKingdom => rng.chance(0.95),
            _ => rng.chance(0.08),
        };
        let (firsts, lasts) = if english {
            (ENGLISH_FIRST, ENGLISH_LAST)
        } else {
            (GERMAN_FIRST, GERMAN_LAST)
        };
        let mut last = one_of(rng, lasts).to_owned();
        if !english && rng.chance(0.03) {
            last.push('-');
            last.push_str(one_of(rng, GERMAN_LAST));
        }
        PersonName {
            first: one_of(rng, firsts),
            last,
        }
    }

    /// "First Last".
    pub fn full(&self) -> String {
        format!("{} {}", self.first, self.last)
    }
}

/// Lower-case ASCII for an e-mail local part: umlauts become `ae`/`oe`/`ue`, `ß` becomes `ss`,
/// accents are dropped, and anything but letters, digits and `-` is removed.
pub fn email_slug(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 4);
    for c in text.chars().flat_map(char::to_lowercase) {
        match c {
            'ä' => out.push_str("ae"),
            'ö' => out.push_str("oe"),
            'ü' => out.push_str("ue"),
            'ß' => out.push_str("ss"),
            'é' | 'è' | 'ë' => out.push('e'),
            'ı' => out.push('i'),
            'ş' => out.push('s'),
            ' ' | '-' => out.push('-'),
            c if c.is_ascii_alphanumeric() => out.push(c),
            _ => {}
        }
    }
    out
}

/// A private address built from the name at a common provider of the country.
pub fn private_email(rng: &mut Rng, name: &PersonName, country: Country) -> String {
    let domain = weighted(rng, country.mail_providers());
    format!("{}@{domain}", local_part(rng, name))
}

/// A work address at the company's domain.
pub fn work_email(rng: &mut Rng, name: &PersonName, domain: &str) -> String {
    let (first, last) = (email_slug(name.first), email_slug(&name.last));
    let initial = &first[..first.chars().next().map_or(0, char::len_utf8)];
    if rng.chance(0.25) {
        format!("{initial}.{last}@{domain}")
    } else {
        format!("{first}.{last}@{domain}")
    }
}

fn local_part(rng: &mut Rng, name: &PersonName) -> String {
    let (first, last) = (email_slug(name.first), email_slug(&name.last));
    let initial = &first[..first.chars().next().map_or(0, char::len_utf8)];
    // Always with a number: the plain forms of common names are long taken, and two people
    // must not share an address.
    let number = if rng.chance(0.1) {
        int_between(rng, 1955, 2006).to_string()
    } else {
        int_between(rng, 1, 9999).to_string()
    };
    match rng.below(8) {
        0 | 1 => format!("{initial}.{last}{number}"),
        2 | 3 => format!("{first}{last}{number}"),
        4 => format!("{first}_{last}{number}"),
        5 => format!("{last}.{first}{number}"),
        _ => format!("{first}.{last}{number}"),
    }
}

/// The same address as a careless second sign-up writes it: different case or stray spaces.
pub fn email_variant(rng: &mut Rng, email: &str) -> String {
    match rng.below(3) {
        0 => email.to_uppercase(),
        1 => {
            let (local, domain) = email.split_once('@').unwrap_or((email, ""));
            let mut chars = local.chars();
            let head: String = chars
                .next()
                .into_iter()
                .flat_map(char::to_uppercase)
                .collect();
            format!("{head}{}@{}", chars.as_str(), domain.to_uppercase())
        }
        _ => format!(" {email} "),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slugs_fold_umlauts() {
        assert_eq!(email_slug("Jürgen"), "juergen");
        assert_eq!(email_slug("Weiß"), "weiss");
        assert_eq!(email_slug("O'Brien"), "obrien");
        assert_eq!(email_slug("von Bülow"), "von-buelow");
    }

    #[test]
    fn variants_differ_only_in_case_and_space() {
        let mut rng = Rng::seeded(3);
        for _ in 0..20 {
            let v = email_variant(&mut rng, "juergen.mueller@gmx.de");
            assert_eq!(v.trim().to_lowercase(), "juergen.mueller@gmx.de");
        }
    }
}
