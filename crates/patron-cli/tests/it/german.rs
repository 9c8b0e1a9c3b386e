//! A German Excel export: `;`, decimal comma, thousands dot, Latin-1 umlauts, `dd.mm.yyyy`.

use crate::support::TempProject;

pub const CONFIG: &str = r#"
[project]
name = "schuhhaus"
currency = "EUR"

[import]
unknown_customer = "reject"

[sources.kunden]
path = "kunden.csv"
entity = "customers"
delimiter = ";"
decimal = ","
thousands = "."
encoding = "latin-1"
date_formats = ["%d.%m.%Y"]

[sources.kunden.columns]
customer_id = "Kundennr"
name = "Name"
email = "E-Mail"
created_at = "Angelegt"
consent_marketing = "Newsletter"
acquisition_cost = "Akquisekosten"

[sources.kunden.attributes]
ort = "Ort"
mitarbeiter = { column = "Mitarbeiter", type = "number" }

[sources.bestellungen]
path = "bestellungen.csv"
entity = "order_lines"
delimiter = ";"
decimal = ","
thousands = "."
encoding = "latin-1"
date_formats = ["%d.%m.%Y %H:%M", "%d.%m.%Y"]

[sources.bestellungen.columns]
order_id = "Beleg"
customer_id = "Kunde"
timestamp = "Datum"
sku = "Artikel"
quantity = "Menge"
amount = "Betrag"
"#;

/// Latin-1 bytes of a text (the test data only uses characters of Latin-1).
pub fn latin1(text: &str) -> Vec<u8> {
    text.chars()
        .map(|c| u8::try_from(u32::from(c)).expect("a Latin-1 character"))
        .collect()
}

pub const KUNDEN: &str = "Kundennr;Name;E-Mail;Angelegt;Newsletter;Akquisekosten;Ort;Mitarbeiter\r\n\
K001;Jürgen Müller;jm@example.de;31.01.2024;ja;1.234,50;Köln;12\r\n\
K002;Bärbel Weiß;bw@example.de;15.02.2024;nein;0,99;Düsseldorf;\r\n\
K003;Zoë Größer;zg@example.de;01.03.2024;;;München;3,5\r\n";

pub const BESTELLUNGEN: &str = "Beleg;Kunde;Datum;Artikel;Menge;Betrag\r\n\
B1;K001;02.02.2024 10:15;Schuh;1;1.299,95\r\n\
B1;K001;02.02.2024 10:15;Pflege;2;12,50\r\n\
B2;K002;29.02.2024;Schuh;1;89,00\r\n";

pub fn write_files(p: &TempProject) {
    p.write("kunden.csv", latin1(KUNDEN));
    p.write("bestellungen.csv", latin1(BESTELLUNGEN));
}

#[test]
fn german_latin1_csv_imports_exactly() {
    let p = TempProject::new(CONFIG);
    write_files(&p);
    let import = p.run(&["import", "--json"]).ok().json();
    assert_eq!(import["rejected"], 0);
    let status = p.run(&["status", "--json"]).ok().json();
    assert_eq!(status["customers"], 3);
    assert_eq!(status["orders"], 2);
    assert_eq!(status["order_lines"], 3);
    assert_eq!(status["revenue"], 1_401.45);
    assert_eq!(
        status["ranges"]["order_lines"]["first"],
        "2024-02-02T10:15:00Z"
    );
    assert_eq!(
        status["ranges"]["order_lines"]["last"],
        "2024-02-29T00:00:00Z"
    );
    assert_eq!(
        status["ranges"]["customers"]["first"],
        "2024-01-31T00:00:00Z"
    );

    // Umlauts and typed attributes survive: read them back through the store.
    let db = p.path().join("patron.db");
    let out = std::process::Command::new("sqlite3")
        .arg(&db)
        .arg("SELECT name, attributes, consent_marketing, acquisition_cost FROM customers ORDER BY id")
        .output()
        .expect("the sqlite3 shell is installed (.ci/run installs it)");
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(
        text.contains("Jürgen Müller|{\"mitarbeiter\":12.0,\"ort\":\"Köln\"}|1|12345000"),
        "{text}"
    );
    assert!(
        text.contains("Bärbel Weiß|{\"ort\":\"Düsseldorf\"}|0|9900"),
        "{text}"
    );
    assert!(
        text.contains("Zoë Größer|{\"mitarbeiter\":3.5,\"ort\":\"München\"}||"),
        "{text}"
    );
}
