//! Normalised matching keys for contact data: e-mail addresses, phone numbers, names and postal
//! codes. Two records whose keys are equal are candidates for the same person; the keys are not
//! meant for display.
//!
//! Every function returns `None` when the input carries nothing to match on (empty, a
//! placeholder without an `@`, too few digits, only punctuation).

/// Fewest significant digits a phone number needs to get a key.
pub const MIN_PHONE_DIGITS: usize = 7;

/// How many trailing significant digits make a phone key.
pub const PHONE_KEY_DIGITS: usize = 9;

/// The matching key of an e-mail address: trimmed, lower case, with a `+tag` removed from the
/// local part (`Anna.Schmidt+shop@Example.org` → `anna.schmidt@example.org`).
///
/// `None` without an `@` (the last one separates the domain) or with an empty local part or
/// domain.
pub fn email_key(raw: &str) -> Option<String> {
    let lowered = raw.trim().to_lowercase();
    let (local, domain) = lowered.rsplit_once('@')?;
    let local = local.split_once('+').map_or(local, |(before, _)| before);
    if local.is_empty() || domain.is_empty() {
        return None;
    }
    Some(format!("{local}@{domain}"))
}

/// The significant digits of a phone number: all digits, without an international prefix (a
/// leading `+` or `00`) and without leading zeros (a national trunk prefix), so
/// `+49 30 1234567`, `0049 30 1234567` and `030/1234567` give `49301234567`, `49301234567` and
/// `301234567`. Everything but digits is ignored.
pub fn phone_digits(raw: &str) -> String {
    let digits: String = raw.chars().filter(char::is_ascii_digit).collect();
    digits.trim_start_matches('0').to_owned()
}

/// The matching key of a phone number: the last [`PHONE_KEY_DIGITS`] of its
/// [significant digits](phone_digits), or all of them when there are fewer. `None` with fewer
/// than [`MIN_PHONE_DIGITS`] significant digits (extensions, placeholders).
///
/// Taking the tail makes the international and the national form of a number match
/// (`+49 30 1234567`, `0049301234567`, `030/1234567` → `301234567`).
pub fn phone_key(raw: &str) -> Option<String> {
    let digits = phone_digits(raw);
    if digits.len() < MIN_PHONE_DIGITS {
        return None;
    }
    let start = digits.len().saturating_sub(PHONE_KEY_DIGITS);
    Some(digits[start..].to_owned())
}

/// The matching key of a person's or contact's name: lower case, letters folded to ASCII
/// (`ä` → `ae`, `ö` → `oe`, `ü` → `ue`, `ß` → `ss`, `é` → `e`, `ł` → `l`, …, also for decomposed
/// input), apostrophes dropped (`O'Brien` → `obrien`), any other punctuation separating words,
/// and the words sorted and joined by one space, so `Müller, Jürgen` and `juergen mueller` have
/// the same key. Letters of other scripts are kept as they are.
pub fn name_key(raw: &str) -> Option<String> {
    let folded = fold(raw);
    let mut tokens: Vec<&str> = folded.split_whitespace().collect();
    if tokens.is_empty() {
        return None;
    }
    tokens.sort_unstable();
    Some(tokens.join(" "))
}

/// The matching key of a postal code: letters and digits only, folded like names
/// (`SW1A 1AA` → `sw1a1aa`, `D-10115` → `d10115`).
pub fn postcode_key(raw: &str) -> Option<String> {
    let key: String = fold(raw).chars().filter(|c| !c.is_whitespace()).collect();
    (!key.is_empty()).then_some(key)
}

/// Lower-cases and folds `raw`: letters and digits (folded to ASCII where a transliteration is
/// known), spaces for punctuation and white space, nothing for apostrophes and accents.
fn fold(raw: &str) -> String {
    let mut out = String::with_capacity(raw.len());
    for c in raw.chars().flat_map(char::to_lowercase) {
        if c.is_ascii_alphanumeric() {
            out.push(c);
        } else if let Some(ascii) = transliterate(c) {
            out.push_str(ascii);
        } else if ('\u{300}'..='\u{36f}').contains(&c) {
            // A combining mark (decomposed input): a diaeresis on a, o or u becomes the `e` of
            // the German transliteration, like the precomposed letters; other marks vanish.
            if c == '\u{308}' && out.ends_with(['a', 'o', 'u']) {
                out.push('e');
            }
        } else if matches!(c, '\'' | '’' | '‘' | '`' | '´' | 'ʼ') {
            // Apostrophes join: O'Brien → obrien.
        } else if c.is_alphanumeric() {
            out.push(c);
        } else {
            out.push(' ');
        }
    }
    out
}

/// ASCII transliteration of a lower-case Latin letter with a diacritic.
fn transliterate(c: char) -> Option<&'static str> {
    Some(match c {
        'ä' | 'æ' => "ae",
        'ö' | 'ø' | 'œ' => "oe",
        'ü' => "ue",
        'ß' => "ss",
        'à' | 'á' | 'â' | 'ã' | 'å' | 'ā' | 'ă' | 'ą' => "a",
        'ç' | 'ć' | 'ĉ' | 'ċ' | 'č' => "c",
        'ď' | 'đ' | 'ð' => "d",
        'è' | 'é' | 'ê' | 'ë' | 'ē' | 'ĕ' | 'ė' | 'ę' | 'ě' => "e",
        'ĝ' | 'ğ' | 'ġ' | 'ģ' => "g",
        'ĥ' | 'ħ' => "h",
        'ì' | 'í' | 'î' | 'ï' | 'ĩ' | 'ī' | 'ĭ' | 'į' | 'ı' => "i",
        'ĳ' => "ij",
        'ĵ' => "j",
        'ķ' => "k",
        'ĺ' | 'ļ' | 'ľ' | 'ŀ' | 'ł' => "l",
        'ñ' | 'ń' | 'ņ' | 'ň' | 'ŉ' => "n",
        'ò' | 'ó' | 'ô' | 'õ' | 'ō' | 'ŏ' | 'ő' => "o",
        'ŕ' | 'ŗ' | 'ř' => "r",
        'ś' | 'ŝ' | 'ş' | 'š' | 'ș' => "s",
        'ţ' | 'ť' | 'ŧ' | 'ț' => "t",
        'þ' => "th",
        'ù' | 'ú' | 'û' | 'ũ' | 'ū' | 'ŭ' | 'ů' | 'ű' | 'ų' => "u",
        'ŵ' => "w",
        'ý' | 'ÿ' | 'ŷ' => "y",
        'ź' | 'ż' | 'ž' => "z",
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(s: &str) -> String {
        name_key(s).unwrap()
    }

    #[test]
    fn email_is_trimmed_lowercased_and_untagged() {
        assert_eq!(
            email_key("  Anna.Schmidt+shop@Example.ORG ").as_deref(),
            Some("anna.schmidt@example.org")
        );
        assert_eq!(email_key("a+b+c@x.de").as_deref(), Some("a@x.de"));
        // A plus in the domain is not a tag.
        assert_eq!(email_key("a@x+y.de").as_deref(), Some("a@x+y.de"));
    }

    #[test]
    fn email_without_parts_has_no_key() {
        for raw in ["", "  ", "n/a", "@x.de", "anna@", "+tag@x.de"] {
            assert_eq!(email_key(raw), None, "{raw:?}");
        }
    }

    #[test]
    fn phone_forms_of_one_number_match() {
        let k = phone_key("+49 30 1234567");
        assert_eq!(k.as_deref(), Some("301234567"));
        assert_eq!(phone_key("0049301234567"), k);
        assert_eq!(phone_key("030/1234567"), k);
        assert_eq!(phone_key("(030) 123 45 67"), k);
        assert_eq!(phone_key("+49 (0)30 1234567"), k);
    }

    #[test]
    fn phone_digits_drop_prefixes() {
        assert_eq!(phone_digits("+49 30 1234567"), "49301234567");
        assert_eq!(phone_digits("0049 30 1234567"), "49301234567");
        assert_eq!(phone_digits("030-1234567"), "301234567");
        assert_eq!(phone_digits("n/a"), "");
    }

    #[test]
    fn short_phone_numbers_have_no_key() {
        assert_eq!(phone_key(""), None);
        assert_eq!(phone_key("12 34 56"), None);
        // seven digits written, but only six significant
        assert_eq!(phone_key("0123456"), None);
        assert_eq!(phone_key("1234567").as_deref(), Some("1234567"));
    }

    #[test]
    fn names_fold_and_sort() {
        assert_eq!(key("Müller, Jürgen"), "juergen mueller");
        assert_eq!(key("Jürgen Müller"), "juergen mueller");
        assert_eq!(key("JUERGEN   MUELLER"), "juergen mueller");
        // decomposed umlauts fold the same way
        assert_eq!(key("Mu\u{308}ller J\u{fc}rgen"), "juergen mueller");
        assert_eq!(key("René O'Brien"), "obrien rene");
        assert_eq!(key("Hans-Peter Groß"), "gross hans peter");
        assert_eq!(key("ÆSØ Łukasz Żółć"), "aesoe lukasz zolc");
        assert_eq!(key("İnci"), "inci");
    }

    #[test]
    fn names_of_other_scripts_are_kept() {
        assert_eq!(key("Иван Петров"), "иван петров");
    }

    #[test]
    fn empty_names_have_no_key() {
        assert_eq!(name_key(""), None);
        assert_eq!(name_key(" - , . "), None);
    }

    #[test]
    fn postcodes_keep_letters_and_digits() {
        assert_eq!(postcode_key(" SW1A 1AA ").as_deref(), Some("sw1a1aa"));
        assert_eq!(postcode_key("D-10115").as_deref(), Some("d10115"));
        assert_eq!(postcode_key("10115").as_deref(), Some("10115"));
        assert_eq!(postcode_key(" - "), None);
    }
}
