//! Each bad input gives a clear error naming file, line, column and value, exits non-zero, and
//! leaves the store exactly as it was.

use crate::german::{BESTELLUNGEN, CONFIG, latin1, write_files};
use crate::support::{Run, TempProject, status};

/// A project with the German data imported once, so "unchanged" is checked against real content.
fn imported_project() -> TempProject {
    let p = TempProject::new(CONFIG);
    write_files(&p);
    p.run(&["import"]).ok();
    p
}

/// Replaces the orders file, runs an import, and checks that it failed with exit code `code`,
/// that every `needles` occurs in stderr, and that the store did not change.
#[track_caller]
fn fails_unchanged(p: &TempProject, orders: &str, code: i32, needles: &[&str]) -> Run {
    p.write("bestellungen.csv", latin1(orders));
    let before = status(p.path());
    let run = p.run(&["import"]);
    assert_eq!(
        run.code, code,
        "stdout: {}\nstderr: {}",
        run.stdout, run.stderr
    );
    for needle in needles {
        assert!(
            run.stderr.contains(needle),
            "stderr lacks {needle:?}:\n{}",
            run.stderr
        );
    }
    assert_eq!(before, status(p.path()), "the store changed");
    run
}

#[test]
fn missing_required_column() {
    let p = imported_project();
    let orders = BESTELLUNGEN.replace("Datum", "Zeit") + "B9;K003;01.04.2024;Schuh;1;10,00\r\n";
    fails_unchanged(
        &p,
        &orders,
        4,
        &[
            "bestellungen.csv",
            "column \"Datum\"",
            "`timestamp`",
            "\"Zeit\"",
        ],
    );
}

#[test]
fn unparsable_date() {
    let p = imported_project();
    let orders = format!("{BESTELLUNGEN}B9;K003;31.02.2024;Schuh;1;10,00\r\n");
    fails_unchanged(
        &p,
        &orders,
        4,
        &[
            "bestellungen.csv:5",
            "column \"Datum\"",
            "value \"31.02.2024\"",
            "%d.%m.%Y",
        ],
    );
}

#[test]
fn non_numeric_amount() {
    let p = imported_project();
    let orders = format!("{BESTELLUNGEN}B9;K003;01.04.2024;Schuh;1;zehn Euro\r\n");
    fails_unchanged(
        &p,
        &orders,
        4,
        &[
            "bestellungen.csv:5",
            "column \"Betrag\"",
            "value \"zehn Euro\"",
            "1.234,56",
        ],
    );
}

#[test]
fn order_for_unknown_customer_in_reject_mode() {
    let p = imported_project();
    let orders = format!("{BESTELLUNGEN}B9;K999;01.04.2024;Schuh;1;10,00\r\n");
    fails_unchanged(
        &p,
        &orders,
        4,
        &[
            "bestellungen.csv:5",
            "column \"Kunde\"",
            "value \"K999\"",
            "unknown customer",
        ],
    );
}

#[test]
fn truncated_line() {
    let p = imported_project();
    let orders = format!("{BESTELLUNGEN}B9;K003;01.04.20");
    fails_unchanged(
        &p,
        &orders,
        4,
        &["bestellungen.csv:5", "3 field(s) but the header has 6"],
    );
}

#[test]
fn truncated_gzip_file() {
    use std::io::Write;
    let p = imported_project();
    let mut big = BESTELLUNGEN.to_owned();
    for i in 0..5_000 {
        big.push_str(&format!("X{i};K003;01.04.2024;Schuh;1;10,00\r\n"));
    }
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    gz.write_all(&latin1(&big)).unwrap();
    let bytes = gz.finish().unwrap();
    let config = CONFIG.replace(
        "path = \"bestellungen.csv\"",
        "path = \"bestellungen.csv.gz\"",
    );
    std::fs::write(p.path().join("patron.toml"), config).unwrap();
    p.write("bestellungen.csv.gz", &bytes[..bytes.len() / 2]);
    let before = status(p.path());
    let run = p.run(&["import"]);
    assert_eq!(run.code, 4, "{}", run.stderr);
    assert!(
        run.stderr.contains("bestellungen.csv.gz:") && run.stderr.contains("truncated"),
        "{}",
        run.stderr
    );
    assert_eq!(before, status(p.path()));
}

#[test]
fn wrong_delimiter() {
    let p = imported_project();
    let orders = BESTELLUNGEN
        .replace(';', ",")
        .replace("1.299,95", "1299.95");
    fails_unchanged(
        &p,
        &orders,
        4,
        &[
            "bestellungen.csv",
            "the header has 1 column",
            "is the delimiter wrong?",
        ],
    );
}

#[test]
fn unknown_config_key() {
    let p = imported_project();
    let before = status(p.path());
    std::fs::write(
        p.path().join("patron.toml"),
        CONFIG.replace(
            "encoding = \"latin-1\"\ndate_formats = [\"%d.%m.%Y\"]",
            "encodng = \"latin-1\"\ndate_formats = [\"%d.%m.%Y\"]",
        ),
    )
    .unwrap();
    let run = p.run(&["import"]);
    assert_eq!(run.code, 3, "{}", run.stderr);
    assert!(
        run.stderr.contains("patron.toml:15:1") && run.stderr.contains("encodng"),
        "{}",
        run.stderr
    );
    std::fs::write(p.path().join("patron.toml"), CONFIG).unwrap();
    assert_eq!(before, status(p.path()));
}

#[test]
fn unknown_canonical_field() {
    let p = TempProject::new(&CONFIG.replace("sku = \"Artikel\"", "skuu = \"Artikel\""));
    let run = p.run(&["import", "--json"]);
    assert_eq!(run.code, 3);
    let err: serde_json::Value = serde_json::from_str(run.stderr.trim()).unwrap();
    assert_eq!(err["error"]["code"], "config_invalid");
    let message = err["error"]["message"].as_str().unwrap();
    assert!(
        message.contains(":43:") && message.contains("`skuu`"),
        "{message}"
    );
}

#[test]
fn max_errors_keeps_good_rows_and_writes_rejects() {
    let p = imported_project();
    let orders = format!(
        "{BESTELLUNGEN}B9;K003;01.04.2024;Schuh;1;10,00\r\nB10;K003;31.02.2024;Schuh;1;10,00\r\nB11;K999;01.04.2024;Schuh;1;10,00\r\n"
    );
    p.write("bestellungen.csv", latin1(&orders));
    // Two bad rows, one allowed: still all or nothing.
    let run = p.run(&["import", "--max-errors", "1"]);
    assert_eq!(run.code, 4, "{}", run.stderr);
    let rejects = p.path().join("rejects.csv");
    let run = p
        .run(&[
            "import",
            "--max-errors",
            "2",
            "--rejects",
            rejects.to_str().unwrap(),
            "--json",
        ])
        .ok();
    let summary = run.json();
    assert_eq!(summary["rejected"], 2);
    let orders_source = summary["sources"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["source"] == "bestellungen")
        .unwrap();
    assert_eq!(orders_source["imported"], 1);
    assert_eq!(orders_source["duplicates"], 3);
    let text = std::fs::read_to_string(rejects).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines[0], "source,file,line,column,value,reason,record");
    assert!(
        lines[1].starts_with("bestellungen,") && lines[1].contains(",6,Datum,31.02.2024,"),
        "{text}"
    );
    assert!(lines[2].contains(",7,Kunde,K999,"), "{text}");
    assert_eq!(status(p.path())["order_lines"], 4);
}
