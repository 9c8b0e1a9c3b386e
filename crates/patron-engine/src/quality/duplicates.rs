//! Duplicate customer candidates: pairs of customer records that probably describe the same
//! person, with the evidence for each pair.
//!
//! Three rules find pairs, each on a normalised key (see [`super::normalise`]):
//!
//! 1. **Same e-mail**: equal [`email_key`]s.
//! 2. **Same phone**: equal [`phone_key`]s.
//! 3. **Similar name**: [`jaro_winkler`] similarity of the [`name_key`]s of at least
//!    [`NAME_SIMILARITY_THRESHOLD`], for customers with the same [`postcode_key`] whose names
//!    start with the same letter.
//!
//! Comparing every record with every other is quadratic, so the rules work on blocks:
//!
//! - An e-mail or phone key shared by more than [`MAX_KEY_GROUP`] customers (a company switchboard,
//!   `info@…`, a placeholder such as `noreply@…`) says nothing about identity; that key is skipped
//!   for its rule, and no pairs come from it.
//! - Names are only compared within a block of equal postcode and equal first letter. A block of
//!   more than [`MAX_NAME_BLOCK`] customers is compared by exact name-key equality only, and an
//!   exact name shared by more than [`MAX_KEY_GROUP`] customers of such a block is skipped like
//!   an e-mail key.
//!
//! A million customers take a few seconds in an optimised build. The output does not depend on
//! the order of the input beyond the tie-breaks documented on [`duplicate_candidates`].

use super::normalise::{email_key, name_key, phone_key, postcode_key};
use patron_core::ids::CustomerId;
use patron_core::model::Customer;
use serde::Serialize;
use std::collections::HashMap;

/// A key (e-mail, phone, or exact name in a large name block) shared by more customers than
/// this is skipped for its rule.
pub const MAX_KEY_GROUP: usize = 50;

/// A postcode-and-initial block with more customers than this compares names by exact equality
/// only.
pub const MAX_NAME_BLOCK: usize = 500;

/// Smallest Jaro–Winkler similarity of two normalised names that counts as a match.
pub const NAME_SIMILARITY_THRESHOLD: f64 = 0.92;

/// Weight of a shared e-mail address in the pair score.
pub const EMAIL_WEIGHT: f64 = 0.95;

/// Weight of a shared phone number in the pair score.
pub const PHONE_WEIGHT: f64 = 0.85;

/// Weight of a name match in the pair score, multiplied by the similarity.
pub const NAME_WEIGHT: f64 = 0.7;

/// Why two customers may be the same person.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "reason", rename_all = "snake_case")]
pub enum MatchReason {
    /// Both have the same normalised e-mail address.
    SameEmail {
        /// The shared e-mail key ([`email_key`]).
        email: String,
    },
    /// Both have the same normalised phone number.
    SamePhone {
        /// The shared phone key ([`phone_key`]): the last significant digits.
        phone: String,
    },
    /// Both have similar names in the same postcode.
    SimilarName {
        /// Jaro–Winkler similarity of the normalised names (1 for equal names).
        similarity: f64,
        /// The shared postcode key ([`postcode_key`]).
        postcode: String,
    },
}

impl MatchReason {
    /// The weight of this piece of evidence in [`DuplicatePair::score`].
    pub fn weight(&self) -> f64 {
        match self {
            MatchReason::SameEmail { .. } => EMAIL_WEIGHT,
            MatchReason::SamePhone { .. } => PHONE_WEIGHT,
            MatchReason::SimilarName { similarity, .. } => NAME_WEIGHT * similarity,
        }
    }
}

/// Two customers that are probably the same person.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DuplicatePair {
    /// The customer with the smaller id.
    pub a: CustomerId,
    /// The customer with the larger id.
    pub b: CustomerId,
    /// Confidence between 0 and 1: `1 − Π(1 − wᵢ)` over the reasons' [weights](MatchReason::weight).
    pub score: f64,
    /// The evidence, in the order e-mail, phone, name; each rule at most once.
    pub reasons: Vec<MatchReason>,
}

/// The duplicate candidates among `customers`, highest score first, then by `a`, then by `b`.
///
/// Ids are expected to be unique; two records with the same id are never paired with each
/// other (should a pair of ids come from several record pairs, each appears, ordered by input
/// position). Customers without the relevant field take no part in a rule. See the
/// [module documentation](self) for the rules and the blocking that keeps this near-linear.
pub fn duplicate_candidates(customers: &[Customer]) -> Vec<DuplicatePair> {
    let emails: Vec<Option<String>> = customers
        .iter()
        .map(|c| c.email.as_deref().and_then(email_key))
        .collect();
    let phones: Vec<Option<String>> = customers
        .iter()
        .map(|c| c.phone.as_deref().and_then(phone_key))
        .collect();
    let names: Vec<Option<String>> = customers
        .iter()
        .map(|c| c.name.as_deref().and_then(name_key))
        .collect();
    let postcodes: Vec<Option<String>> = customers
        .iter()
        .map(|c| c.postcode.as_deref().and_then(postcode_key))
        .collect();

    let mut found = Evidence::new(customers);
    for (i, j) in exact_key_pairs(&emails) {
        if let Some(e) = found.entry(i, j) {
            e.email = true;
        }
    }
    for (i, j) in exact_key_pairs(&phones) {
        if let Some(e) = found.entry(i, j) {
            e.phone = true;
        }
    }
    similar_name_pairs(&names, &postcodes, |i, j, similarity| {
        if let Some(e) = found.entry(i, j) {
            e.name = Some(similarity);
        }
    });

    let mut pairs: Vec<(DuplicatePair, (usize, usize))> = found
        .pairs
        .into_iter()
        .map(|((i, j), e)| {
            let mut reasons = Vec::with_capacity(3);
            if e.email {
                reasons.push(MatchReason::SameEmail {
                    email: emails[i].clone().unwrap_or_default(),
                });
            }
            if e.phone {
                reasons.push(MatchReason::SamePhone {
                    phone: phones[i].clone().unwrap_or_default(),
                });
            }
            if let Some(similarity) = e.name {
                reasons.push(MatchReason::SimilarName {
                    similarity,
                    postcode: postcodes[i].clone().unwrap_or_default(),
                });
            }
            let miss = reasons.iter().map(|r| 1.0 - r.weight()).product::<f64>();
            let pair = DuplicatePair {
                a: customers[i].id.clone(),
                b: customers[j].id.clone(),
                score: 1.0 - miss,
                reasons,
            };
            (pair, (i, j))
        })
        .collect();
    pairs.sort_unstable_by(|(x, xi), (y, yi)| {
        y.score
            .total_cmp(&x.score)
            .then_with(|| x.a.cmp(&y.a))
            .then_with(|| x.b.cmp(&y.b))
            .then_with(|| xi.cmp(yi))
    });
    pairs.into_iter().map(|(pair, _)| pair).collect()
}

/// Jaro–Winkler similarity of two strings, compared by character: 1 for equal strings, 0 for
/// strings with nothing in common (or exactly one of them empty). The Winkler prefix bonus
/// (scale 0.1, at most four characters) applies when the Jaro similarity exceeds 0.7.
pub fn jaro_winkler(a: &str, b: &str) -> f64 {
    if a.is_ascii() && b.is_ascii() {
        jaro_winkler_slices(a.as_bytes(), b.as_bytes())
    } else {
        let a: Vec<char> = a.chars().collect();
        let b: Vec<char> = b.chars().collect();
        jaro_winkler_slices(&a, &b)
    }
}

/// Jaro–Winkler on sequences of comparable symbols.
fn jaro_winkler_slices<T: PartialEq>(a: &[T], b: &[T]) -> f64 {
    const STACK: usize = 64;
    let jaro = if a.len() <= STACK && b.len() <= STACK {
        let mut a_flags = [false; STACK];
        let mut b_flags = [false; STACK];
        jaro(a, b, &mut a_flags[..a.len()], &mut b_flags[..b.len()])
    } else {
        jaro(a, b, &mut vec![false; a.len()], &mut vec![false; b.len()])
    };
    if jaro <= 0.7 {
        return jaro;
    }
    let prefix = a.iter().zip(b).take(4).take_while(|(x, y)| x == y).count();
    jaro + prefix as f64 * 0.1 * (1.0 - jaro)
}

/// Jaro similarity; `a_flags` and `b_flags` are all-false scratch of the inputs' lengths.
fn jaro<T: PartialEq>(a: &[T], b: &[T], a_flags: &mut [bool], b_flags: &mut [bool]) -> f64 {
    if a.is_empty() && b.is_empty() {
        return 1.0;
    }
    if a.is_empty() || b.is_empty() {
        return 0.0;
    }
    let window = (a.len().max(b.len()) / 2).saturating_sub(1);
    let mut matches = 0usize;
    for (i, x) in a.iter().enumerate() {
        let lo = i.saturating_sub(window);
        let hi = (i + window + 1).min(b.len());
        for j in lo..hi {
            if !b_flags[j] && b[j] == *x {
                a_flags[i] = true;
                b_flags[j] = true;
                matches += 1;
                break;
            }
        }
    }
    if matches == 0 {
        return 0.0;
    }
    let mut half_transpositions = 0usize;
    let mut b_matched = b.iter().zip(b_flags.iter()).filter(|(_, f)| **f);
    for (x, _) in a.iter().zip(a_flags.iter()).filter(|(_, f)| **f) {
        if let Some((y, _)) = b_matched.next()
            && x != y
        {
            half_transpositions += 1;
        }
    }
    let m = matches as f64;
    let t = (half_transpositions / 2) as f64;
    (m / a.len() as f64 + m / b.len() as f64 + (m - t) / m) / 3.0
}

/// The highest Jaro–Winkler similarity two strings of these lengths can have (all characters
/// of the shorter one matched in order, full prefix bonus).
fn jaro_winkler_bound(len_a: usize, len_b: usize) -> f64 {
    let (short, long) = (len_a.min(len_b) as f64, len_a.max(len_b) as f64);
    if long == 0.0 {
        return 1.0;
    }
    let jaro = (short / len_a as f64 + short / len_b as f64 + 1.0) / 3.0;
    jaro + 0.4 * (1.0 - jaro)
}

/// What the rules found for one pair of records.
#[derive(Default)]
struct Found {
    email: bool,
    phone: bool,
    name: Option<f64>,
}

/// The pairs found so far, keyed by record indices ordered by customer id.
struct Evidence<'a> {
    customers: &'a [Customer],
    pairs: HashMap<(usize, usize), Found>,
}

impl<'a> Evidence<'a> {
    fn new(customers: &'a [Customer]) -> Self {
        Evidence {
            customers,
            pairs: HashMap::new(),
        }
    }

    /// The evidence of records `i` and `j`; `None` when both have the same id.
    fn entry(&mut self, i: usize, j: usize) -> Option<&mut Found> {
        let key = match self.customers[i].id.cmp(&self.customers[j].id) {
            std::cmp::Ordering::Less => (i, j),
            std::cmp::Ordering::Greater => (j, i),
            std::cmp::Ordering::Equal => return None,
        };
        Some(self.pairs.entry(key).or_default())
    }
}

/// All pairs of records with an equal key, skipping keys held by more than [`MAX_KEY_GROUP`].
fn exact_key_pairs(keys: &[Option<String>]) -> Vec<(usize, usize)> {
    let mut keyed: Vec<(&str, usize)> = keys
        .iter()
        .enumerate()
        .filter_map(|(i, k)| k.as_deref().map(|k| (k, i)))
        .collect();
    keyed.sort_unstable();
    let mut pairs = Vec::new();
    for group in keyed.chunk_by(|x, y| x.0 == y.0) {
        if group.len() > MAX_KEY_GROUP {
            continue;
        }
        for (n, &(_, i)) in group.iter().enumerate() {
            for &(_, j) in &group[n + 1..] {
                pairs.push((i, j));
            }
        }
    }
    pairs
}

/// Calls `found(i, j, similarity)` for each pair of records with similar names in the same
/// postcode-and-initial block (see the module documentation for the blocking).
fn similar_name_pairs(
    names: &[Option<String>],
    postcodes: &[Option<String>],
    mut found: impl FnMut(usize, usize, f64),
) {
    // (postcode, initial, name, index), sorted so blocks and equal names are contiguous.
    let mut keyed: Vec<(&str, char, &str, usize)> = names
        .iter()
        .zip(postcodes)
        .enumerate()
        .filter_map(|(i, (name, postcode))| {
            let name = name.as_deref()?;
            let initial = name.chars().next()?;
            Some((postcode.as_deref()?, initial, name, i))
        })
        .collect();
    keyed.sort_unstable();

    let mut chars: Vec<Vec<char>> = Vec::new();
    for block in keyed.chunk_by(|x, y| x.0 == y.0 && x.1 == y.1) {
        if block.len() > MAX_NAME_BLOCK {
            for group in block.chunk_by(|x, y| x.2 == y.2) {
                if group.len() > MAX_KEY_GROUP {
                    continue;
                }
                for (n, x) in group.iter().enumerate() {
                    for y in &group[n + 1..] {
                        found(x.3, y.3, 1.0);
                    }
                }
            }
            continue;
        }
        chars.clear();
        chars.extend(block.iter().map(|x| x.2.chars().collect::<Vec<char>>()));
        for (n, x) in block.iter().enumerate() {
            for (m, y) in block.iter().enumerate().skip(n + 1) {
                let similarity = if x.2 == y.2 {
                    1.0
                } else if jaro_winkler_bound(chars[n].len(), chars[m].len())
                    < NAME_SIMILARITY_THRESHOLD
                {
                    continue;
                } else {
                    jaro_winkler_slices(&chars[n], &chars[m])
                };
                if similarity >= NAME_SIMILARITY_THRESHOLD {
                    found(x.3, y.3, similarity);
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn customer(
        id: &str,
        name: Option<&str>,
        email: Option<&str>,
        phone: Option<&str>,
        postcode: Option<&str>,
    ) -> Customer {
        let mut c = Customer::stub(CustomerId::parse(id).unwrap());
        c.is_stub = false;
        c.name = name.map(str::to_owned);
        c.email = email.map(str::to_owned);
        c.phone = phone.map(str::to_owned);
        c.postcode = postcode.map(str::to_owned);
        c
    }

    fn id(s: &str) -> CustomerId {
        CustomerId::parse(s).unwrap()
    }

    fn close(x: f64, y: f64) -> bool {
        (x - y).abs() < 5e-5
    }

    #[test]
    fn jaro_winkler_known_values() {
        assert!(close(jaro_winkler("MARTHA", "MARHTA"), 0.9611));
        assert!(close(jaro_winkler("DWAYNE", "DUANE"), 0.84));
        assert!(close(jaro_winkler("DIXON", "DICKSONX"), 0.8133));
        assert!(close(jaro_winkler("DUANE", "DWAYNE"), 0.84));
        assert_eq!(jaro_winkler("", ""), 1.0);
        assert_eq!(jaro_winkler("abc", ""), 0.0);
        assert_eq!(jaro_winkler("abc", "xyz"), 0.0);
        assert_eq!(jaro_winkler("anna", "anna"), 1.0);
        // non-ASCII strings compare by character
        assert!(close(
            jaro_winkler("MÄRTHA", "MÄRHTA"),
            jaro_winkler("MARTHA", "MARHTA")
        ));
        // long strings take the heap path
        let long_a = "a".repeat(70) + "bc";
        let long_b = "a".repeat(70) + "cb";
        assert!(jaro_winkler(&long_a, &long_b) > 0.99);
    }

    #[test]
    fn bound_is_an_upper_bound() {
        for (a, b) in [
            ("MARTHA", "MARHTA"),
            ("DIXON", "DICKSONX"),
            ("ab", "abcdefgh"),
            ("a", "a"),
        ] {
            assert!(jaro_winkler(a, b) <= jaro_winkler_bound(a.len(), b.len()) + 1e-12);
        }
        assert!(jaro_winkler_bound(2, 8) < NAME_SIMILARITY_THRESHOLD);
    }

    #[test]
    fn same_email() {
        let customers = [
            customer("c1", Some("Anna"), Some("Anna@Example.org"), None, None),
            customer(
                "c2",
                Some("Bert"),
                Some(" anna+shop@example.org"),
                None,
                None,
            ),
            customer("c3", Some("Carl"), Some("carl@example.org"), None, None),
        ];
        let pairs = duplicate_candidates(&customers);
        assert_eq!(
            pairs,
            vec![DuplicatePair {
                a: id("c1"),
                b: id("c2"),
                score: 0.95,
                reasons: vec![MatchReason::SameEmail {
                    email: "anna@example.org".into()
                }],
            }]
        );
    }

    #[test]
    fn same_phone() {
        let customers = [
            customer("p2", None, None, Some("030/1234567"), None),
            customer("p1", None, None, Some("+49 30 1234567"), None),
            customer("p3", None, None, Some("0049301234567"), None),
            customer("p4", None, None, Some("123"), None),
        ];
        let pairs = duplicate_candidates(&customers);
        let ids: Vec<(&str, &str)> = pairs.iter().map(|p| (p.a.as_str(), p.b.as_str())).collect();
        assert_eq!(ids, vec![("p1", "p2"), ("p1", "p3"), ("p2", "p3")]);
        for p in &pairs {
            assert!(close(p.score, 0.85));
            assert_eq!(
                p.reasons,
                vec![MatchReason::SamePhone {
                    phone: "301234567".into()
                }]
            );
        }
    }

    #[test]
    fn similar_name() {
        let customers = [
            customer("n1", Some("Müller, Jürgen"), None, None, Some("10115")),
            customer("n2", Some("Juergen Mueller"), None, None, Some(" 10115")),
            customer("n3", Some("Jürgen Müler"), None, None, Some("10115")),
            customer("n4", Some("Jürgen Schmidt"), None, None, Some("10115")),
        ];
        let pairs = duplicate_candidates(&customers);
        let ids: Vec<(&str, &str)> = pairs.iter().map(|p| (p.a.as_str(), p.b.as_str())).collect();
        assert_eq!(ids, vec![("n1", "n2"), ("n1", "n3"), ("n2", "n3")]);
        assert!(close(pairs[0].score, 0.7));
        assert_eq!(
            pairs[0].reasons,
            vec![MatchReason::SimilarName {
                similarity: 1.0,
                postcode: "10115".into()
            }]
        );
        // compared in sorted order of the name keys
        let sim = jaro_winkler("juergen mueler", "juergen mueller");
        assert!(sim >= NAME_SIMILARITY_THRESHOLD);
        assert!(close(pairs[1].score, 0.7 * sim));
        assert_eq!(
            pairs[1].reasons,
            vec![MatchReason::SimilarName {
                similarity: sim,
                postcode: "10115".into()
            }]
        );
    }

    #[test]
    fn names_in_other_postcodes_or_with_other_initials_do_not_match() {
        let customers = [
            customer("x1", Some("Jürgen Müller"), None, None, Some("10115")),
            // same name, other postcode
            customer("x2", Some("Jürgen Müller"), None, None, Some("10117")),
            // same name, no postcode
            customer("x3", Some("Jürgen Müller"), None, None, None),
            // a similar name with another initial lands in another block
            customer("x4", Some("Kürgen Müller"), None, None, Some("10115")),
        ];
        assert!(jaro_winkler("juergen mueller", "kuergen mueller") >= NAME_SIMILARITY_THRESHOLD);
        assert!(duplicate_candidates(&customers).is_empty());
    }

    #[test]
    fn several_reasons_make_one_pair() {
        let customers = [
            customer(
                "m2",
                Some("Anna Schmidt"),
                Some("anna@example.org"),
                Some("+49 30 1234567"),
                Some("10115"),
            ),
            customer(
                "m1",
                Some("Schmidt, Anna"),
                Some("ANNA@example.org"),
                Some("030 1234567"),
                Some("10115"),
            ),
            customer("m3", None, Some("anna@example.org"), None, None),
        ];
        let pairs = duplicate_candidates(&customers);
        assert_eq!(pairs.len(), 3);
        assert_eq!((pairs[0].a.as_str(), pairs[0].b.as_str()), ("m1", "m2"));
        assert_eq!(
            pairs[0].reasons,
            vec![
                MatchReason::SameEmail {
                    email: "anna@example.org".into()
                },
                MatchReason::SamePhone {
                    phone: "301234567".into()
                },
                MatchReason::SimilarName {
                    similarity: 1.0,
                    postcode: "10115".into()
                },
            ]
        );
        assert!(close(pairs[0].score, 1.0 - 0.05 * 0.15 * 0.3));
        // the e-mail-only pairs follow, by a then b
        let rest: Vec<(&str, &str)> = pairs[1..]
            .iter()
            .map(|p| (p.a.as_str(), p.b.as_str()))
            .collect();
        assert_eq!(rest, vec![("m1", "m3"), ("m2", "m3")]);
    }

    #[test]
    fn crowded_keys_are_skipped() {
        let mut customers: Vec<Customer> = (0..=MAX_KEY_GROUP)
            .map(|i| {
                customer(
                    &format!("k{i:03}"),
                    None,
                    Some("info@company.example"),
                    Some("+49 89 5555555"),
                    None,
                )
            })
            .collect();
        assert!(duplicate_candidates(&customers).is_empty());
        customers.truncate(MAX_KEY_GROUP);
        assert_eq!(
            duplicate_candidates(&customers).len(),
            MAX_KEY_GROUP * (MAX_KEY_GROUP - 1) / 2
        );
    }

    #[test]
    fn large_name_blocks_match_exact_names_only() {
        let mut customers: Vec<Customer> = (0..=MAX_NAME_BLOCK)
            .map(|i| {
                customer(
                    &format!("b{i:04}"),
                    Some(&format!("Anna Person{i}")),
                    None,
                    None,
                    Some("10115"),
                )
            })
            .collect();
        // a near match (skipped in a large block) and an exact match (kept)
        customers.push(customer(
            "z1",
            Some("Anna Person1x"),
            None,
            None,
            Some("10115"),
        ));
        customers.push(customer(
            "z2",
            Some("Anna Person2"),
            None,
            None,
            Some("10115"),
        ));
        let pairs = duplicate_candidates(&customers);
        let ids: Vec<(&str, &str)> = pairs.iter().map(|p| (p.a.as_str(), p.b.as_str())).collect();
        assert_eq!(ids, vec![("b0002", "z2")]);
    }

    #[test]
    fn equal_ids_are_not_paired() {
        let customers = [
            customer("same", None, Some("a@x.de"), None, None),
            customer("same", None, Some("a@x.de"), None, None),
        ];
        assert!(duplicate_candidates(&customers).is_empty());
    }

    /// A deterministic synthetic customer base with planted duplicates.
    fn synthetic(n: usize) -> Vec<Customer> {
        const FIRST: [&str; 24] = [
            "Anna", "Bernd", "Clara", "Dieter", "Emma", "Felix", "Greta", "Hans", "Ida", "Jonas",
            "Karl", "Lena", "Max", "Nina", "Otto", "Paula", "Quirin", "Rita", "Sven", "Tina",
            "Uwe", "Vera", "Willi", "Zoe",
        ];
        const LAST: [&str; 20] = [
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
            "Koch",
            "Richter",
            "Klein",
            "Wolf",
            "Schröder",
            "Neumann",
            "Schwarz",
            "Braun",
            "Zimmermann",
            "Krüger",
        ];
        let mut state: u64 = 0x9e37_79b9_7f4a_7c15;
        let mut next = move || {
            state = state
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1_442_695_040_888_963_407);
            (state >> 33) as usize
        };
        (0..n)
            .map(|i| {
                let first = FIRST[next() % FIRST.len()];
                let last = LAST[next() % LAST.len()];
                let postcode = format!("{:05}", 10_000 + next() % 5_000);
                let mut c = customer(
                    &format!("C{i:07}"),
                    Some(&format!("{first} {last}")),
                    Some(&format!("{}.{}{i}@example.org", first, last)),
                    Some(&format!("+49 30 {:07}", i)),
                    Some(&postcode),
                );
                match i % 1000 {
                    // a second record of the previous customer: same e-mail with a tag
                    1 => {
                        let prev = i - 1;
                        c.email = Some(format!("user{prev}+promo@example.org"));
                    }
                    0 => c.email = Some(format!("user{i}@example.org")),
                    // a shared switchboard number
                    2..=80 => c.phone = Some("+49 89 999999".into()),
                    _ => {}
                }
                c
            })
            .collect()
    }

    #[test]
    fn synthetic_base_runs_and_is_deterministic() {
        let customers = synthetic(200_000);
        let pairs = duplicate_candidates(&customers);
        // the planted e-mail duplicates are found
        let email_pairs = pairs
            .iter()
            .filter(|p| matches!(p.reasons[0], MatchReason::SameEmail { .. }))
            .count();
        assert_eq!(email_pairs, 200);
        // the switchboard number is shared by too many to count
        assert!(pairs.iter().all(|p| {
            p.reasons
                .iter()
                .all(|r| !matches!(r, MatchReason::SamePhone { .. }))
        }));
        for p in &pairs {
            assert!(p.a < p.b);
            assert!(p.score > 0.0 && p.score <= 1.0);
        }
        for w in pairs.windows(2) {
            assert!(w[0].score >= w[1].score);
        }

        // the input order does not change the output
        let mut reversed = customers[..20_000].to_vec();
        let forward = duplicate_candidates(&reversed);
        reversed.reverse();
        assert_eq!(duplicate_candidates(&reversed), forward);
        assert!(!forward.is_empty());
    }
}
