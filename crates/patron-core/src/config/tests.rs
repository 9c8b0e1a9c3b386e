use super::*;
use crate::model::Entity;

const RETAIL: &str = r#"
[project]
name = "retail"
currency = "GBP"

[sources.retail]
path = "data.csv"
entity = "order_lines"
skip = [
  { column = "InvoiceNo", starts_with = "C" },
  { column = "Quantity", at_most = 0 },
]

[sources.retail.columns]
order_id = "InvoiceNo"
customer_id = { column = "CustomerID", integer = true }
timestamp = "InvoiceDate"
quantity = "Quantity"
unit_price = "UnitPrice"
"#;

fn parse(text: &str) -> Result<ProjectConfig, ConfigError> {
    ProjectConfig::parse(text, Path::new("patron.toml"))
}

#[test]
fn parses_a_mapping() {
    let c = parse(RETAIL).unwrap();
    let s = &c.sources["retail"];
    assert_eq!(s.entity, Entity::OrderLines);
    assert_eq!(s.skip.len(), 2);
    assert!(s.column("customer_id").unwrap().detail.integer);
    assert_eq!(s.resolved_format(), SourceFormat::Csv);
}

fn invalid(text: &str) -> (usize, usize, String) {
    match parse(text).unwrap_err() {
        ConfigError::Invalid {
            line,
            column,
            message,
            ..
        } => (line, column, message),
        other => panic!("unexpected {other}"),
    }
}

#[test]
fn unknown_key_names_key_and_line() {
    let (line, col, msg) = invalid(&RETAIL.replace("currency = \"GBP\"", "curency = \"GBP\""));
    assert_eq!((line, col), (4, 1), "{msg}");
    assert!(msg.contains("curency"), "{msg}");
}

#[test]
fn unknown_field_in_columns() {
    let (line, _, msg) =
        invalid(&RETAIL.replace("quantity = \"Quantity\"", "quantiy = \"Quantity\""));
    assert_eq!(line, 18, "{msg}");
    assert!(
        msg.contains("`quantiy`") && msg.contains("order_lines"),
        "{msg}"
    );
}

#[test]
fn unknown_key_in_column_table() {
    let (line, _, msg) = invalid(&RETAIL.replace("integer = true", "integr = true"));
    assert_eq!(line, 16, "{msg}");
    assert!(msg.contains("integr"), "{msg}");
}

#[test]
fn missing_required_and_bad_expr() {
    let (_, _, msg) = invalid(&RETAIL.replace("timestamp = \"InvoiceDate\"\n", ""));
    assert!(msg.contains("must map `timestamp`"), "{msg}");
    let (line, _, msg) = invalid(&RETAIL.replace(
        "unit_price = \"UnitPrice\"",
        "amount = { expr = \"Quantity * \" }",
    ));
    assert_eq!(line, 19, "{msg}");
    assert!(msg.contains("expected a number"), "{msg}");
}

#[test]
fn bad_skip_rule_and_delimiter() {
    let (line, _, msg) =
        invalid(&RETAIL.replace("starts_with = \"C\"", "starts_with = \"C\", empty = true"));
    assert_eq!(line, 10, "{msg}");
    assert!(msg.contains("exactly one condition"), "{msg}");
    let (line, _, msg) = invalid(&RETAIL.replace(
        "entity = \"order_lines\"",
        "entity = \"order_lines\"\ndelimiter = \";;\"",
    ));
    assert_eq!(line, 9, "{msg}");
    assert!(msg.contains("delimiter"), "{msg}");
}

#[test]
fn line_col_counts_from_one() {
    assert_eq!(line_col("ab\ncd", 4), (2, 2));
    assert_eq!(line_col("", 0), (1, 1));
    // Inside a multi-byte character: that character (found by the rule-language fuzz test).
    assert_eq!(line_col("a\n\u{19371}b", 3), (2, 1));
    assert_eq!(line_col("a\n\u{19371}b", 6), (2, 2));
}

#[test]
fn semantic_errors_point_at_their_section() {
    let text = format!("{RETAIL}\n[abc]\na = 0.9\nb = 0.5\n");
    let (line, _, msg) = invalid(&text);
    assert_eq!(
        line,
        text.lines().position(|l| l == "[abc]").unwrap() + 1,
        "{msg}"
    );
    assert!(msg.contains("0 < a < b < 1"), "{msg}");
    let (_, _, msg) = invalid(&format!("{RETAIL}\n[margin]\ndefault_margin_rate = 35\n"));
    assert!(msg.contains("default_margin_rate = 35"), "{msg}");
    let (_, _, msg) = invalid(&format!(
        "{RETAIL}\n[rfm]\nbins = 5\nsegments = [{{ name = \"X\", r = [0, 9] }}]\n"
    ));
    assert!(msg.contains("segment \"X\""), "{msg}");
}

/// An invalid strftime format is a configuration error (a value read with it panicked before,
/// see `time::tests`).
#[test]
fn invalid_date_formats_are_configuration_errors() {
    let text = "[sources.s]\npath = \"s.csv\"\nentity = \"customers\"\ndate_formats = [\"%Q\"]\n\n[sources.s.columns]\ncustomer_id = \"id\"\ncreated_at = { column = \"c\", formats = [\"%d.%m.%Y\"] }\n";
    let e = ProjectConfig::parse(text, Path::new("patron.toml")).unwrap_err();
    assert!(
        e.to_string()
            .contains("\"%Q\" is not a valid strftime format"),
        "{e}"
    );
    let ok = text.replace("%Q", "%d.%m.%Y");
    assert!(ProjectConfig::parse(&ok, Path::new("patron.toml")).is_ok());
}
