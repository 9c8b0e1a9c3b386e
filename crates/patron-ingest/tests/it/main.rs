//! Integration tests: Parquet sources read through the whole pipeline (`read_sources` and
//! `profile_source`), with files written by the test itself.

mod fuzz_csv;

use arrow_array::builder::{ListBuilder, StringBuilder};
use arrow_array::{
    ArrayRef, BooleanArray, Date32Array, Decimal128Array, Float64Array, Int64Array, RecordBatch,
    StringArray, TimestampMicrosecondArray, TimestampMillisecondArray,
};
use parquet::arrow::ArrowWriter;
use parquet::basic::{Compression, GzipLevel, ZstdLevel};
use parquet::file::properties::WriterProperties;
use parquet::file::reader::{FileReader, SerializedFileReader};
use patron_core::config::ProjectConfig;
use patron_core::ids::OrderId;
use patron_core::model::{AttrValue, Consent, Customer, OrderLine, Ticket};
use patron_core::{CustomerId, Money, TicketId, Timestamp};
use patron_ingest::{
    Chunk, IngestError, LineUnit, ReadOptions, Rejection, Sink, SourceReport, profile_source,
    read_sources,
};
use std::collections::BTreeMap;
use std::ops::ControlFlow;
use std::path::Path;
use std::sync::Arc;

/// Collects everything `read_sources` hands out.
#[derive(Default)]
pub(crate) struct Collect {
    customers: Vec<Customer>,
    order_lines: Vec<OrderLine>,
    tickets: Vec<Ticket>,
    contracts: Vec<patron_core::model::Contract>,
    pub(crate) rejections: Vec<Rejection>,
}

impl Sink for Collect {
    fn chunk(&mut self, chunk: Chunk) -> ControlFlow<()> {
        self.customers.extend(chunk.customers);
        self.order_lines.extend(chunk.order_lines);
        self.tickets.extend(chunk.tickets);
        self.contracts.extend(chunk.contracts);
        ControlFlow::Continue(())
    }
    fn reject(&mut self, rejection: Rejection) -> ControlFlow<()> {
        self.rejections.push(rejection);
        ControlFlow::Continue(())
    }
}

fn ts(text: &str) -> Timestamp {
    Timestamp::parse_flexible(text).unwrap()
}

fn money(text: &str) -> Money {
    patron_core::money::NumberFormat::default()
        .parse_money(text)
        .unwrap()
}

fn id(n: u32) -> CustomerId {
    CustomerId::parse(&n.to_string()).unwrap()
}

fn batch(columns: Vec<(&str, ArrayRef)>) -> RecordBatch {
    RecordBatch::try_from_iter(columns).unwrap()
}

fn write(path: &Path, batch: &RecordBatch, compression: Compression) {
    let props = WriterProperties::builder()
        .set_compression(compression)
        .build();
    let file = std::fs::File::create(path).unwrap();
    let mut writer = ArrowWriter::try_new(file, batch.schema(), Some(props)).unwrap();
    writer.write(batch).unwrap();
    writer.close().unwrap();
}

/// Customers: every type of the brief, a skipped row, a rejected row, an unmapped list column.
fn customers() -> RecordBatch {
    // 09:30:00.123456 at +01:00 is 08:30:00 UTC, fractional seconds dropped.
    let created = ts("2024-01-15T09:30:00+01:00").secs() * 1_000_000 + 123_456;
    let day = |d: &str| ts(d).day_number() as i32;
    let mut tags = ListBuilder::new(StringBuilder::new());
    tags.values().append_value("vip");
    tags.append(true);
    for _ in 0..3 {
        tags.append(false);
    }
    batch(vec![
        ("id", Arc::new(Int64Array::from(vec![1, 2, 3, 4]))),
        (
            "name",
            Arc::new(StringArray::from(vec![
                Some("Ada"),
                None,
                Some("Cy"),
                Some("Dee"),
            ])),
        ),
        (
            "created",
            Arc::new(
                TimestampMicrosecondArray::from(vec![Some(created), None, Some(created), None])
                    .with_timezone("+01:00"),
            ),
        ),
        (
            "birthday",
            Arc::new(Date32Array::from(vec![
                Some(day("1990-05-17")),
                None,
                None,
                Some(day("1969-07-20")),
            ])),
        ),
        (
            "cost",
            Arc::new(
                Decimal128Array::from(vec![Some(1234), None, Some(-500), Some(10)])
                    .with_precision_and_scale(10, 2)
                    .unwrap(),
            ),
        ),
        (
            "marketing",
            Arc::new(BooleanArray::from(vec![
                Some(true),
                Some(false),
                None,
                None,
            ])),
        ),
        (
            "score",
            Arc::new(Float64Array::from(vec![
                Some(0.5),
                None,
                Some(1.25),
                Some(2.0),
            ])),
        ),
        (
            "first_visit",
            Arc::new(StringArray::from(vec![
                Some("15.01.2024"),
                None,
                None,
                None,
            ])),
        ),
        (
            "status",
            Arc::new(StringArray::from(vec![
                "active", "test", "active", "active",
            ])),
        ),
        ("tags", Arc::new(tags.finish())),
    ])
}

/// Order lines: an amount from quantity × price, a return, two skip rules, a stub customer,
/// a missing timestamp.
fn order_lines() -> RecordBatch {
    let ms = |t: &str| ts(t).secs() * 1000;
    batch(vec![
        (
            "invoice",
            Arc::new(StringArray::from(vec!["A1", "A1", "A2", "A3", "A4", "A5"])),
        ),
        (
            "customer",
            Arc::new(Int64Array::from(vec![1, 1, 4, 99, 4, 1])),
        ),
        (
            "ordered_at",
            Arc::new(TimestampMillisecondArray::from(vec![
                Some(ms("2024-03-01 10:15:30") + 999),
                Some(ms("2024-03-01 10:15:30")),
                Some(ms("2024-03-02 00:00:00")),
                Some(ms("2024-03-03 23:59:59")),
                Some(ms("2024-03-04 12:00:00")),
                None,
            ])),
        ),
        (
            "sku",
            Arc::new(StringArray::from(vec![
                Some("SKU-1"),
                None,
                Some("POSTAGE"),
                Some("SKU-2"),
                Some("SKU-3"),
                Some("SKU-4"),
            ])),
        ),
        (
            "qty",
            Arc::new(Int64Array::from(vec![2, 1, 1, -1, 5000, 1])),
        ),
        (
            "price",
            Arc::new(
                Decimal128Array::from(vec![Some(1234), None, Some(495), Some(999), None, None])
                    .with_precision_and_scale(10, 2)
                    .unwrap(),
            ),
        ),
        (
            "total",
            Arc::new(Float64Array::from(vec![
                None,
                Some(0.1),
                Some(4.95),
                Some(-9.99),
                Some(1.0),
                Some(3.0),
            ])),
        ),
        (
            "returned",
            Arc::new(BooleanArray::from(vec![
                Some(false),
                None,
                None,
                None,
                None,
                None,
            ])),
        ),
    ])
}

/// Tickets: an unknown customer (reject mode), a sentiment out of range, a text number column.
fn tickets() -> RecordBatch {
    let ms = |t: &str| ts(t).secs() * 1000;
    batch(vec![
        ("id", Arc::new(StringArray::from(vec!["T1", "T2", "T3"]))),
        ("customer", Arc::new(Int64Array::from(vec![1, 77, 4]))),
        (
            "opened",
            Arc::new(TimestampMillisecondArray::from(vec![
                ms("2024-04-02 08:00:00"),
                ms("2024-04-03 09:00:00"),
                ms("2024-04-04 10:00:00"),
            ])),
        ),
        (
            "sentiment",
            Arc::new(Float64Array::from(vec![0.5, 0.1, -2.5])),
        ),
        (
            "minutes",
            Arc::new(StringArray::from(vec!["12", "7.5", "n/a"])),
        ),
    ])
}

const CONFIG: &str = r#"
[sources.customers]
path = "customers.parquet"
entity = "customers"
# Ignored for Parquet: numbers are typed.
decimal = ","
thousands = "."
# Applies to text columns only: typed dates and timestamps still parse.
date_formats = ["%d.%m.%Y"]
skip = [{ column = "status", equals = "test" }]

[sources.customers.columns]
customer_id = "id"
name = "name"
created_at = "created"
acquisition_cost = "cost"
consent_marketing = "marketing"

[sources.customers.attributes]
birthday = { column = "birthday", type = "date" }
first_visit = { column = "first_visit", type = "date" }
score = { column = "score", type = "number" }

[sources.order_lines]
path = "order_lines.parquet"
entity = "order_lines"
skip = [{ column = "sku", equals = "POSTAGE" }, { column = "qty", at_least = 1000 }]

[sources.order_lines.columns]
order_id = "invoice"
customer_id = "customer"
timestamp = "ordered_at"
sku = "sku"
quantity = "qty"
unit_price = "price"
amount = "total"
is_return = "returned"

[sources.tickets]
path = "tickets.data"
format = "parquet"
entity = "tickets"
unknown_customer = "reject"

[sources.tickets.columns]
ticket_id = "id"
customer_id = "customer"
opened_at = "opened"
sentiment = "sentiment"
handling_minutes = "minutes"
"#;

/// Writes the three files into a temporary project and returns it with its configuration.
fn project(compression: Compression) -> (tempfile::TempDir, ProjectConfig) {
    let dir = tempfile::tempdir().unwrap();
    write(
        &dir.path().join("customers.parquet"),
        &customers(),
        compression,
    );
    write(
        &dir.path().join("order_lines.parquet"),
        &order_lines(),
        compression,
    );
    write(&dir.path().join("tickets.data"), &tickets(), compression);
    let config = ProjectConfig::parse(CONFIG, Path::new("patron.toml")).unwrap();
    (dir, config)
}

fn read(dir: &Path, config: &ProjectConfig) -> Result<(Vec<SourceReport>, Collect), IngestError> {
    let mut sink = Collect::default();
    let options = ReadOptions {
        project_dir: dir.to_owned(),
        known_customers: Default::default(),
    };
    let reports = read_sources(config, options, &mut sink)?;
    Ok((reports, sink))
}

fn expected_customers() -> Vec<Customer> {
    let date = |d: &str| AttrValue::Date(ts(d).date());
    let customer = |n: u32| Customer {
        is_stub: false,
        ..Customer::stub(id(n))
    };
    vec![
        Customer {
            name: Some("Ada".into()),
            created_at: Some(ts("2024-01-15 08:30:00")),
            attributes: BTreeMap::from([
                ("birthday".into(), date("1990-05-17")),
                ("first_visit".into(), date("2024-01-15")),
                ("score".into(), AttrValue::Number(0.5)),
            ]),
            consent: Consent {
                marketing: Some(true),
                profiling: None,
            },
            acquisition_cost: Some(money("12.34")),
            ..customer(1)
        },
        Customer {
            name: Some("Dee".into()),
            attributes: BTreeMap::from([
                ("birthday".into(), date("1969-07-20")),
                ("score".into(), AttrValue::Number(2.0)),
            ]),
            acquisition_cost: Some(money("0.10")),
            ..customer(4)
        },
        Customer::stub(id(99)),
    ]
}

fn expected_order_lines() -> Vec<OrderLine> {
    let line = |order: &str, line_no, customer, at: &str| OrderLine {
        order_id: OrderId::parse(order).unwrap(),
        line_no,
        customer_id: id(customer),
        timestamp: ts(at),
        sku: None,
        category: None,
        quantity: 1.0,
        unit_price: None,
        amount: Money::ZERO,
        cost: None,
        channel: None,
        is_return: false,
    };
    vec![
        OrderLine {
            sku: Some("SKU-1".into()),
            quantity: 2.0,
            unit_price: Some(money("12.34")),
            amount: money("24.68"),
            ..line("A1", 1, 1, "2024-03-01 10:15:30")
        },
        OrderLine {
            amount: Money::from_raw(1_000),
            ..line("A1", 2, 1, "2024-03-01 10:15:30")
        },
        OrderLine {
            sku: Some("SKU-2".into()),
            quantity: -1.0,
            unit_price: Some(money("9.99")),
            amount: money("-9.99"),
            is_return: true,
            ..line("A3", 1, 99, "2024-03-03 23:59:59")
        },
    ]
}

fn expected_ticket() -> Ticket {
    Ticket {
        ticket_id: TicketId::parse("T1").unwrap(),
        customer_id: id(1),
        opened_at: ts("2024-04-02 08:00:00"),
        closed_at: None,
        category: None,
        priority: None,
        escalated: false,
        sentiment: Some(0.5),
        handling_minutes: Some(12.0),
        text: None,
    }
}

fn rejection(dir: &Path, source: &str, file: &str, row: u64) -> Rejection {
    Rejection {
        source: source.into(),
        file: dir.join(file),
        line: row,
        line_unit: LineUnit::Row,
        column: None,
        value: None,
        reason: String::new(),
        record: String::new(),
    }
}

fn expected_rejections(dir: &Path) -> Vec<Rejection> {
    vec![
        Rejection {
            column: Some("cost".into()),
            value: Some("-5.00".into()),
            reason: "expected a cost ≥ 0".into(),
            record: "3,Cy,2024-01-15 08:30:00,,-5.00,,1.25,,active,".into(),
            ..rejection(dir, "customers", "customers.parquet", 3)
        },
        Rejection {
            column: Some("ordered_at".into()),
            value: Some("".into()),
            reason: "`timestamp` is required".into(),
            record: "A5,1,,SKU-4,1,,3,".into(),
            ..rejection(dir, "order_lines", "order_lines.parquet", 6)
        },
        Rejection {
            column: Some("customer".into()),
            value: Some("77".into()),
            reason: "unknown customer (unknown_customer = \"reject\"): import the customer first, or set unknown_customer = \"create\"".into(),
            record: "T2,77,2024-04-03 09:00:00,0.1,7.5".into(),
            ..rejection(dir, "tickets", "tickets.data", 2)
        },
        Rejection {
            column: Some("sentiment".into()),
            value: Some("-2.5".into()),
            reason: "expected a sentiment between -1 and 1".into(),
            record: "T3,4,2024-04-04 10:00:00,-2.5,n/a".into(),
            ..rejection(dir, "tickets", "tickets.data", 3)
        },
    ]
}

#[test]
fn parquet_sources_go_through_the_whole_pipeline() {
    let (dir, config) = project(Compression::UNCOMPRESSED);
    let (reports, sink) = read(dir.path(), &config).unwrap();

    assert_eq!(sink.customers, expected_customers());
    assert_eq!(sink.order_lines, expected_order_lines());
    assert_eq!(sink.tickets, vec![expected_ticket()]);
    assert_eq!(sink.rejections, expected_rejections(dir.path()));

    let counts: Vec<_> = reports
        .iter()
        .map(|r| {
            let n = (r.rows_read, r.rows_filtered, r.rows_rejected, r.rows_parsed);
            (r.source.as_str(), n, r.stubs_created)
        })
        .collect();
    assert_eq!(
        counts,
        [
            ("customers", (4, 1, 1, 2), 0),
            ("order_lines", (6, 2, 1, 3), 1),
            ("tickets", (3, 0, 2, 1), 0),
        ]
    );
}

#[test]
fn parquet_rejections_name_the_row() {
    let (dir, config) = project(Compression::UNCOMPRESSED);
    let (_, sink) = read(dir.path(), &config).unwrap();
    let file = dir.path().join("tickets.data");
    assert_eq!(
        sink.rejections[3].to_string(),
        format!(
            "{}: row 3: column \"sentiment\": value \"-2.5\": expected a sentiment between -1 and 1",
            file.display()
        )
    );
}

#[test]
fn compressed_files_read_the_same() {
    let codecs = [
        Compression::SNAPPY,
        Compression::ZSTD(ZstdLevel::default()),
        Compression::GZIP(GzipLevel::default()),
        Compression::LZ4_RAW,
    ];
    for codec in codecs {
        let (dir, config) = project(codec);
        let metadata = SerializedFileReader::new(
            std::fs::File::open(dir.path().join("order_lines.parquet")).unwrap(),
        )
        .unwrap()
        .metadata()
        .clone();
        assert_eq!(metadata.row_group(0).column(0).compression(), codec);
        let (_, sink) = read(dir.path(), &config).unwrap();
        assert_eq!(sink.customers, expected_customers(), "{codec:?}");
        assert_eq!(sink.order_lines, expected_order_lines(), "{codec:?}");
        assert_eq!(
            sink.rejections,
            expected_rejections(dir.path()),
            "{codec:?}"
        );
    }
}

#[test]
fn profiles_parquet_sources() {
    let (dir, config) = project(Compression::SNAPPY);
    let source = &config.sources["customers"];
    let path = dir.path().join("customers.parquet");
    let profile = profile_source("customers", source, &path).unwrap();
    assert_eq!(
        (profile.rows, profile.filtered, profile.malformed),
        (4, 1, 0)
    );
    assert_eq!(profile.line_unit, LineUnit::Row);
    let field = |name: &str| profile.fields.iter().find(|f| f.field == name).unwrap();
    let created = field("created_at");
    assert_eq!((created.column.as_str(), created.missing), ("created", 1));
    assert_eq!(created.days, vec![ts("2024-01-15").day_number(); 2]);
    assert_eq!(field("acquisition_cost").numbers, vec![12.34, -5.0, 0.1]);
    assert_eq!(field("attributes.score").numbers, vec![0.5, 1.25, 2.0]);
    assert_eq!(field("attributes.first_visit").missing, 2);
    assert!(profile.fields.iter().all(|f| f.invalid == 0));

    let source = &config.sources["tickets"];
    let path = dir.path().join("tickets.data");
    let profile = profile_source("tickets", source, &path).unwrap();
    let minutes = profile
        .fields
        .iter()
        .find(|f| f.field == "handling_minutes")
        .unwrap();
    assert_eq!(minutes.invalid, 1);
    assert_eq!(minutes.invalid_examples[0].line, 3);
    assert_eq!(minutes.invalid_examples[0].value.as_deref(), Some("n/a"));
    assert_eq!(
        minutes.invalid_examples[0].reason,
        "expected a number like 1234.56"
    );
    assert_eq!(minutes.numbers, vec![12.0, 7.5]);
}

#[test]
fn mapping_a_nested_column_is_a_header_error() {
    let (dir, _) = project(Compression::UNCOMPRESSED);
    let text = CONFIG.replace("name = \"name\"", "name = \"tags\"");
    let config = ProjectConfig::parse(&text, Path::new("patron.toml")).unwrap();
    let Err(e) = read(dir.path(), &config) else {
        panic!("mapping a list column must fail");
    };
    assert_eq!(e.code().as_str(), "source_header_mismatch");
    let message = e.to_string();
    assert!(
        message.contains("column \"tags\" (mapped to `name`) has the Parquet type List("),
        "{message}"
    );
    assert!(message.contains("map only flat columns"), "{message}");
}

#[test]
fn a_missing_parquet_column_lists_the_schema() {
    let (dir, _) = project(Compression::UNCOMPRESSED);
    let text = CONFIG.replace("opened_at = \"opened\"", "opened_at = \"opened_on\"");
    let config = ProjectConfig::parse(&text, Path::new("patron.toml")).unwrap();
    let Err(e) = read(dir.path(), &config) else {
        panic!("a missing column must fail");
    };
    assert!(
        e.to_string().contains(
            "column \"opened_on\" (mapped to `opened_at`) is not in the header; the header has 5 column(s): \"id\", \"customer\", \"opened\", \"sentiment\", \"minutes\""
        ),
        "{e}"
    );
}

#[test]
fn a_file_that_is_not_parquet_is_unreadable() {
    let (dir, config) = project(Compression::UNCOMPRESSED);
    std::fs::write(dir.path().join("tickets.data"), "id,customer\nT1,1\n").unwrap();
    let Err(e) = read(dir.path(), &config) else {
        panic!("a CSV file read as Parquet must fail");
    };
    assert_eq!(e.code().as_str(), "source_unreadable");
    assert!(e.to_string().contains("not a readable Parquet file"), "{e}");
}

#[test]
fn csv_rejections_still_name_the_line() {
    let dir = tempfile::tempdir().unwrap();
    let csv = "id;opened;customer;sentiment\nT1;2024-04-02;1;0,5\nT2;2024-04-02;1;-2\n";
    std::fs::write(dir.path().join("tickets.csv"), csv).unwrap();
    let config = ProjectConfig::parse(
        r#"
[sources.tickets]
path = "tickets.csv"
entity = "tickets"
delimiter = ";"
decimal = ","

[sources.tickets.columns]
ticket_id = "id"
customer_id = "customer"
opened_at = "opened"
sentiment = "sentiment"
"#,
        Path::new("patron.toml"),
    )
    .unwrap();
    let (_, sink) = read(dir.path(), &config).unwrap();
    assert_eq!(sink.tickets.len(), 1);
    assert_eq!(sink.tickets[0].sentiment, Some(0.5));
    let r = &sink.rejections[0];
    assert_eq!((r.line, r.line_unit), (3, LineUnit::Line));
    assert_eq!(r.record, "T2;2024-04-02;1;-2");
    assert_eq!(
        r.to_string(),
        format!(
            "{}:3: column \"sentiment\": value \"-2\": expected a sentiment between -1 and 1",
            dir.path().join("tickets.csv").display()
        )
    );
}

/// Contracts from Parquet with typed columns: dates, a decimal value, an integer notice period.
#[test]
fn parquet_contracts_read_with_their_types() {
    let dir = tempfile::tempdir().unwrap();
    let day = |d: &str| (ts(d).secs() / 86_400) as i32;
    let contracts = batch(vec![
        (
            "id",
            Arc::new(StringArray::from(vec!["K1", "K2"])) as ArrayRef,
        ),
        ("customer", Arc::new(StringArray::from(vec!["1", "4"]))),
        ("plan", Arc::new(StringArray::from(vec![Some("Pro"), None]))),
        (
            "start",
            Arc::new(Date32Array::from(vec![
                day("2024-01-15"),
                day("2024-02-01"),
            ])),
        ),
        (
            "term_end",
            Arc::new(Date32Array::from(vec![Some(day("2025-01-15")), None])),
        ),
        ("notice", Arc::new(Int64Array::from(vec![Some(30), None]))),
        (
            "billing",
            Arc::new(StringArray::from(vec![Some("yearly"), Some("monthly")])),
        ),
        (
            "value",
            Arc::new(
                Decimal128Array::from(vec![59_900i128, 1_250])
                    .with_precision_and_scale(10, 2)
                    .unwrap(),
            ),
        ),
        (
            "cancelled",
            Arc::new(Date32Array::from(vec![None, Some(day("2024-06-01"))])),
        ),
    ]);
    write(
        &dir.path().join("contracts.parquet"),
        &contracts,
        Compression::SNAPPY,
    );
    let config = ProjectConfig::parse(
        r#"
[import]
unknown_customer = "create"

[sources.contracts]
path = "contracts.parquet"
entity = "contracts"

[sources.contracts.columns]
contract_id = "id"
customer_id = "customer"
plan = "plan"
started_at = "start"
renews_at = "term_end"
notice_days = "notice"
billing_period = "billing"
recurring_value = "value"
cancelled_at = "cancelled"
"#,
        Path::new("patron.toml"),
    )
    .unwrap();
    let (_, sink) = read(dir.path(), &config).unwrap();
    assert!(sink.rejections.is_empty(), "{:?}", sink.rejections);
    let k1 = &sink.contracts[0];
    assert_eq!(k1.contract_id.as_str(), "K1");
    assert_eq!(k1.plan.as_deref(), Some("Pro"));
    assert_eq!((k1.billing_months, k1.notice_days), (12, 30));
    assert_eq!(k1.recurring_value, money("599.00"));
    assert_eq!(k1.renews_at, Some(ts("2025-01-15")));
    let k2 = &sink.contracts[1];
    assert_eq!((k2.billing_months, k2.notice_days), (1, 0));
    assert_eq!(k2.recurring_value, money("12.50"));
    assert_eq!(k2.cancelled_at, Some(ts("2024-06-01")));
}
