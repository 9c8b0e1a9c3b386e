//! Seeded input generation for the property ("fuzz") tests of Patron's parsers: the CSV column
//! mapping, the rule language and the card-filter language.
//!
//! Why not `proptest` or `cargo fuzz`: the inputs that find bugs in a small language are mostly
//! *almost valid* ones — real tokens in a wrong order, a valid rule with one character changed,
//! nesting a thousand levels deep — and a generator that knows each language's vocabulary finds
//! them in far fewer cases than shrinking-capable random bytes; `cargo fuzz` needs a nightly
//! toolchain and libFuzzer, which CI does not have. This module adds no dependency: it is
//! [`Rng`] (seeded, portable) plus a few mutation operators, and [`run`] reports a panicking
//! case with its seed and input, so it can be replayed exactly.
//!
//! Case counts: each test names its default (a few seconds in CI); `PATRON_FUZZ_CASES=N`
//! overrides it for a long run, and `PATRON_FUZZ_SEED=S` changes the stream (default: fixed,
//! so CI is reproducible).

use crate::random::Rng;
use std::panic::{AssertUnwindSafe, catch_unwind};

/// The number of cases to run: `PATRON_FUZZ_CASES` or `default`.
pub fn cases(default: u64) -> u64 {
    std::env::var("PATRON_FUZZ_CASES")
        .ok()
        .and_then(|v| v.trim().replace('_', "").parse().ok())
        .unwrap_or(default)
}

/// The base seed: `PATRON_FUZZ_SEED` or a fixed one.
pub fn base_seed() -> u64 {
    std::env::var("PATRON_FUZZ_SEED")
        .ok()
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or(0x5EED_F022)
}

/// A generator of test inputs for one case. Record the input with [`Gen::note`] so a panic
/// can name it.
pub struct Gen {
    rng: Rng,
    note: String,
}

/// Characters that break parsers: quotes, escapes, delimiters, controls, a BOM, multi-byte
/// letters and digits, combining marks, right-to-left text, an emoji, a NUL.
const SPECIAL: &[char] = &[
    '"',
    '\'',
    '`',
    '\\',
    ',',
    ';',
    '\t',
    '|',
    ' ',
    '\n',
    '\r',
    '\0',
    '\u{feff}',
    'é',
    'ß',
    'İ',
    'ǅ',
    '\u{301}',
    '٣',
    '١',
    'א',
    '€',
    '🙂',
    '\u{1F3FB}',
    '\u{200B}',
    '\u{7f}',
    '.',
    '-',
    '+',
    'e',
    'E',
    '0',
    '9',
    '(',
    ')',
    '[',
    ']',
    '=',
    '~',
    '*',
    '/',
    '!',
    '&',
    '<',
    '>',
    '#',
    '$',
];

impl Gen {
    /// A generator for case `index` of a run seeded with `seed`.
    pub fn new(seed: u64, index: u64) -> Self {
        Gen {
            rng: Rng::fork(seed, index),
            note: String::new(),
        }
    }

    /// Records the case's input (shown when the case panics).
    pub fn note(&mut self, input: impl Into<String>) {
        self.note = input.into();
    }

    /// A uniform integer in `0..n` (`n > 0`).
    pub fn below(&mut self, n: usize) -> usize {
        self.rng.below(n.max(1) as u64) as usize
    }

    /// True with probability `p`.
    pub fn chance(&mut self, p: f64) -> bool {
        self.rng.chance(p)
    }

    /// One of `items` (not empty).
    pub fn pick<'a, T: ?Sized>(&mut self, items: &[&'a T]) -> &'a T {
        items[self.below(items.len())]
    }

    /// Up to `max` arbitrary bytes.
    pub fn bytes(&mut self, max: usize) -> Vec<u8> {
        let n = self.below(max + 1);
        (0..n).map(|_| self.rng.next_u64() as u8).collect()
    }

    /// One character: mostly printable ASCII, often a [`SPECIAL`] one, sometimes any scalar.
    pub fn char(&mut self) -> char {
        match self.below(10) {
            0..=4 => (b' ' + self.below(95) as u8) as char,
            5..=8 => SPECIAL[self.below(SPECIAL.len())],
            _ => loop {
                if let Some(c) = char::from_u32(self.rng.below(0x11_0000) as u32) {
                    break c;
                }
            },
        }
    }

    /// Up to `max` arbitrary characters.
    pub fn text(&mut self, max: usize) -> String {
        let n = self.below(max + 1);
        (0..n).map(|_| self.char()).collect()
    }

    /// A number as text, often an extreme one.
    pub fn number(&mut self) -> String {
        const EXTREME: &[&str] = &[
            "0",
            "-0",
            "1e308",
            "1e309",
            "-1e309",
            "1e-320",
            "9223372036854775807",
            "9223372036854775808",
            "-9223372036854775809",
            "18446744073709551616",
            "922337203685477.5808",
            "NaN",
            "inf",
            "-inf",
            "0.0000001",
            "1.",
            ".5",
            "1..2",
            "1,234.56",
            "1.234,56",
            "00012",
            "1e",
            "--1",
        ];
        match self.below(3) {
            0 => self.pick(EXTREME).to_owned(),
            1 => (self.rng.next_u64() as i64 >> self.below(64)).to_string(),
            _ => format!(
                "{}",
                (self.rng.uniform() - 0.5) * 10f64.powi(self.below(40) as i32)
            ),
        }
    }

    /// `pieces` drawn from `vocabulary` (and now and then a random character or number),
    /// joined by nothing, a space or random whitespace.
    pub fn tokens(&mut self, vocabulary: &[&str], pieces: usize) -> String {
        let n = 1 + self.below(pieces.max(1));
        let mut out = String::new();
        for _ in 0..n {
            match self.below(12) {
                0 => out.push(self.char()),
                1 => out.push_str(&self.number()),
                _ => out.push_str(self.pick(vocabulary)),
            }
            match self.below(4) {
                0 => {}
                1 | 2 => out.push(' '),
                _ => out.push(*self.pick(&[&'\n', &'\t', &'\r', &' '])),
            }
        }
        out
    }

    /// `text` changed by one to four edits: a character inserted, deleted or replaced, a span
    /// duplicated, removed or moved, or a piece of `vocabulary` inserted.
    pub fn mutate(&mut self, text: &str, vocabulary: &[&str]) -> String {
        let mut chars: Vec<char> = text.chars().collect();
        for _ in 0..1 + self.below(4) {
            let len = chars.len();
            let at = self.below(len + 1);
            match self.below(7) {
                0 => chars.insert(at, self.char()),
                1 if at < len => {
                    chars.remove(at);
                }
                2 if at < len => chars[at] = self.char(),
                3 if at < len => {
                    let end = at + self.below(len - at + 1);
                    let span: Vec<char> = chars[at..end].to_vec();
                    let to = self.below(chars.len() + 1);
                    chars.splice(to..to, span);
                }
                4 if at < len => {
                    let end = at + self.below((len - at).min(8) + 1);
                    chars.drain(at..end);
                }
                5 => {
                    let piece: Vec<char> = self.pick(vocabulary).chars().collect();
                    chars.splice(at..at, piece);
                }
                _ if len > 1 => {
                    let other = self.below(len);
                    chars.swap(at.min(len - 1), other);
                }
                _ => {}
            }
        }
        chars.into_iter().collect()
    }

    /// `inner` wrapped `depth` times in `open` … `close`.
    pub fn nested(&mut self, open: &str, inner: &str, close: &str, depth: usize) -> String {
        let mut out = String::with_capacity((open.len() + close.len()) * depth + inner.len());
        for _ in 0..depth {
            out.push_str(open);
        }
        out.push_str(inner);
        for _ in 0..depth {
            out.push_str(close);
        }
        out
    }
}

/// Runs `check` on `cases` cases of test `name`, each with its own [`Gen`]. A panicking case
/// fails the test with the seed, the case number and the input the case noted. Returns the
/// number of cases run.
pub fn run(name: &str, cases: u64, mut check: impl FnMut(&mut Gen)) -> u64 {
    let seed = base_seed();
    for index in 0..cases {
        let mut g = Gen::new(seed, index);
        let outcome = catch_unwind(AssertUnwindSafe(|| check(&mut g)));
        if let Err(payload) = outcome {
            let message = payload
                .downcast_ref::<String>()
                .cloned()
                .or_else(|| payload.downcast_ref::<&str>().map(|s| (*s).to_owned()))
                .unwrap_or_default();
            panic!(
                "{name}: case {index} of seed {seed} (PATRON_FUZZ_SEED={seed}) panicked: {message}\ninput: {:?}",
                g.note
            );
        }
    }
    cases
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_same_seed_gives_the_same_inputs() {
        let a: Vec<String> = (0..50).map(|i| Gen::new(7, i).text(40)).collect();
        let b: Vec<String> = (0..50).map(|i| Gen::new(7, i).text(40)).collect();
        assert_eq!(a, b);
        let c: Vec<String> = (0..50).map(|i| Gen::new(8, i).text(40)).collect();
        assert_ne!(a, c);
    }

    #[test]
    fn a_panicking_case_names_its_input() {
        let result = catch_unwind(|| {
            run("demo", 100, |g| {
                let t = g.text(5);
                g.note(t.clone());
                assert!(t.chars().count() < 5, "too long");
            })
        });
        let message = result.unwrap_err();
        let message = message.downcast_ref::<String>().unwrap();
        assert!(
            message.contains("too long") && message.contains("input: "),
            "{message}"
        );
    }

    #[test]
    fn mutations_stay_valid_text() {
        for i in 0..2000 {
            let mut g = Gen::new(1, i);
            let s = g.mutate("orders.count(last 90d) > 2 && é", &["&&", "score(\"x\")"]);
            assert!(s.is_char_boundary(s.len()));
        }
    }
}
