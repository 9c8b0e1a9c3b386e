//! Numbers as a German or an English reader writes them: `1.234,5` and `12 %`, or `1,234.5`
//! and `12%`.

use super::i18n::Lang;

/// `value` with `decimals` decimals and thousands grouped.
pub fn decimal(value: f64, decimals: usize, lang: Lang) -> String {
    if !value.is_finite() {
        return "–".into();
    }
    let text = format!("{:.*}", decimals, value.abs());
    let (whole, fraction) = text.split_once('.').unwrap_or((&text, ""));
    let (group, point) = match lang {
        Lang::De => ('.', ','),
        Lang::En => (',', '.'),
    };
    let mut out = String::with_capacity(text.len() + whole.len() / 3 + 1);
    // A value that rounds to zero has no sign.
    if value < 0.0 && text.bytes().any(|b| (b'1'..=b'9').contains(&b)) {
        out.push('−');
    }
    for (i, digit) in whole.chars().enumerate() {
        if i > 0 && (whole.len() - i) % 3 == 0 {
            out.push(group);
        }
        out.push(digit);
    }
    if !fraction.is_empty() {
        out.push(point);
        out.push_str(fraction);
    }
    out
}

/// A whole number with thousands grouped.
pub fn int(value: u64, lang: Lang) -> String {
    decimal(value as f64, 0, lang)
}

/// A share from 0 to 1 as a percentage with `decimals` decimals.
pub fn percent(share: f64, decimals: usize, lang: Lang) -> String {
    let number = decimal(share * 100.0, decimals, lang);
    match lang {
        Lang::De => format!("{number} %"),
        Lang::En => format!("{number}%"),
    }
}

/// An amount in `currency`, whole units (`12.345 EUR`).
pub fn money(amount: f64, currency: &str, lang: Lang) -> String {
    format!("{} {currency}", decimal(amount, 0, lang))
}

/// A large amount shortened for a chart's axis or cell: `1,2 Mio.` / `1.2M`, `12 Tsd.` / `12k`.
pub fn compact(value: f64, lang: Lang) -> String {
    let magnitude = value.abs();
    let (scaled, de, en) = if magnitude >= 1e9 {
        (value / 1e9, " Mrd.", "B")
    } else if magnitude >= 1e6 {
        (value / 1e6, " Mio.", "M")
    } else if magnitude >= 1e4 {
        (value / 1e3, " Tsd.", "k")
    } else {
        return decimal(value, 0, lang);
    };
    let decimals = usize::from(scaled.abs() < 10.0);
    let suffix = match lang {
        Lang::De => de,
        Lang::En => en,
    };
    format!("{}{suffix}", decimal(scaled, decimals, lang))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn german_and_english_numbers() {
        assert_eq!(decimal(1234567.891, 2, Lang::De), "1.234.567,89");
        assert_eq!(decimal(1234567.891, 2, Lang::En), "1,234,567.89");
        assert_eq!(decimal(-1234.0, 0, Lang::En), "−1,234");
        assert_eq!(decimal(-0.001, 1, Lang::En), "0.0");
        assert_eq!(decimal(999.0, 0, Lang::De), "999");
        assert_eq!(int(1000, Lang::De), "1.000");
        assert_eq!(percent(0.123, 0, Lang::De), "12 %");
        assert_eq!(percent(0.123, 1, Lang::En), "12.3%");
        assert_eq!(money(12345.4, "EUR", Lang::De), "12.345 EUR");
        assert_eq!(compact(1_234_000.0, Lang::De), "1,2 Mio.");
        assert_eq!(compact(1_234_000.0, Lang::En), "1.2M");
        assert_eq!(compact(45_600.0, Lang::En), "46k");
        assert_eq!(compact(950.0, Lang::En), "950");
        assert_eq!(decimal(f64::NAN, 1, Lang::En), "–");
    }
}
