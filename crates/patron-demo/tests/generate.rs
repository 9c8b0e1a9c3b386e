//! End-to-end checks of the generated demo company.

use patron_core::config::ProjectConfig;
use patron_demo::{DemoOptions, DemoSummary, generate};
use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::{Path, PathBuf};

/// A scratch directory that is removed when dropped.
struct Scratch(PathBuf);

impl Scratch {
    fn new(name: &str) -> Self {
        let dir = std::env::temp_dir().join(format!("patron-demo-{}-{name}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        Scratch(dir)
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn run(customers: u64, seed: u64, dir: &Path) -> DemoSummary {
    let options = DemoOptions {
        customers,
        seed,
        ..DemoOptions::default()
    };
    let mut last = 0;
    let summary = generate(&options, dir, &mut |done| last = done).unwrap();
    assert_eq!(last, customers);
    summary
}

/// Splits one CSV line (RFC 4180 quoting; the demo has no line breaks inside fields).
fn split(line: &str) -> Vec<String> {
    let mut fields = vec![String::new()];
    let mut quoted = false;
    let mut chars = line.chars().peekable();
    while let Some(c) = chars.next() {
        match (c, quoted) {
            ('"', true) if chars.peek() == Some(&'"') => {
                chars.next();
                fields.last_mut().unwrap().push('"');
            }
            ('"', _) => quoted = !quoted,
            (',', false) => fields.push(String::new()),
            (c, _) => fields.last_mut().unwrap().push(c),
        }
    }
    fields
}

/// The rows of a data file as maps from column name to value, after checking its header.
fn rows(dir: &Path, file: &str, header: &str) -> Vec<HashMap<String, String>> {
    let text = std::fs::read_to_string(dir.join("data").join(file)).unwrap();
    let mut lines = text.lines();
    assert_eq!(lines.next(), Some(header), "header of {file}");
    let names = split(header);
    lines
        .map(|line| {
            let fields = split(line);
            assert_eq!(fields.len(), names.len(), "{file}: {line}");
            names.iter().cloned().zip(fields).collect()
        })
        .collect()
}

const CUSTOMERS: &str = "customer_id,created_at,name,email,phone,company,postcode,country,segment,industry,company_size,position,acquisition_channel,consent_marketing,consent_profiling,acquisition_cost";
const ORDERS: &str =
    "order_id,line_no,customer_id,timestamp,sku,category,quantity,unit_price,unit_cost,channel";
const EVENTS: &str = "event_id,customer_id,timestamp,type,url,campaign";
const TICKETS: &str = "ticket_id,customer_id,opened_at,closed_at,category,priority,escalated,sentiment,handling_minutes";
const INVOICES: &str = "invoice_id,customer_id,issued_at,due_at,paid_at,amount";
const OUTCOMES: &str = "customer_id,kind,at,label";

#[test]
fn files_are_mapped_and_refer_to_known_customers() {
    let scratch = Scratch::new("mapped");
    let summary = run(300, 7, &scratch.0);
    let toml_path = scratch.0.join("patron.toml");
    let config =
        ProjectConfig::parse(&std::fs::read_to_string(&toml_path).unwrap(), &toml_path).unwrap();
    let names: Vec<&str> = config.sources.keys().map(String::as_str).collect();
    assert_eq!(
        names,
        [
            "customers",
            "events",
            "invoices",
            "orders",
            "outcomes",
            "tickets"
        ]
    );
    for source in config.sources.values() {
        assert!(
            scratch.0.join(&source.path).is_file(),
            "{}",
            source.path.display()
        );
    }

    let customers = rows(&scratch.0, "customers.csv", CUSTOMERS);
    assert_eq!(customers.len() as u64, summary.customers);
    assert_eq!(customers[0]["customer_id"], "C000001");
    let known: HashSet<&str> = customers
        .iter()
        .map(|c| c["customer_id"].as_str())
        .collect();
    assert_eq!(known.len(), customers.len(), "customer ids are unique");
    let facts = [
        ("orders.csv", ORDERS, summary.order_lines, "timestamp"),
        ("events.csv", EVENTS, summary.events, "timestamp"),
        ("tickets.csv", TICKETS, summary.tickets, "opened_at"),
        ("invoices.csv", INVOICES, summary.invoices, "issued_at"),
        ("outcomes.csv", OUTCOMES, summary.outcomes, "at"),
    ];
    for (file, header, count, time) in facts {
        let rows = rows(&scratch.0, file, header);
        assert_eq!(rows.len() as u64, count, "{file}");
        assert!(!rows.is_empty(), "{file}");
        for row in &rows {
            assert!(
                known.contains(row["customer_id"].as_str()),
                "{file}: unknown {}",
                row["customer_id"]
            );
            assert!(
                row[time].as_str() < "2026-06-30" && row[time].as_str() >= "2023-06-30",
                "{file}: {row:?}"
            );
        }
    }
}

#[test]
fn same_seed_gives_identical_bytes() {
    let (a, b, c) = (
        Scratch::new("det-a"),
        Scratch::new("det-b"),
        Scratch::new("det-c"),
    );
    assert_eq!(run(200, 11, &a.0), run(200, 11, &b.0));
    run(200, 12, &c.0);
    for file in [
        "customers.csv",
        "orders.csv",
        "events.csv",
        "tickets.csv",
        "invoices.csv",
        "outcomes.csv",
    ] {
        let read = |s: &Scratch| std::fs::read(s.0.join("data").join(file)).unwrap();
        assert!(read(&a) == read(&b), "{file} differs between runs");
        assert!(read(&a) != read(&c), "{file} ignores the seed");
    }
    let toml = |s: &Scratch| std::fs::read(s.0.join("patron.toml")).unwrap();
    assert_eq!(toml(&a), toml(&b));
}

#[test]
fn leads_orders_and_duplicates_are_plausible() {
    let scratch = Scratch::new("plausible");
    let summary = run(2_000, 42, &scratch.0);
    let lead_share = summary.leads as f64 / summary.customers as f64;
    assert!(
        (0.12..0.18).contains(&lead_share),
        "lead share {lead_share}"
    );

    let orders = rows(&scratch.0, "orders.csv", ORDERS);
    let mut per_customer: BTreeMap<&str, HashSet<&str>> = BTreeMap::new();
    let mut first_order: HashMap<&str, &str> = HashMap::new();
    for line in &orders {
        let (customer, order) = (line["customer_id"].as_str(), line["order_id"].as_str());
        if !order.ends_with('R') {
            per_customer.entry(customer).or_default().insert(order);
            let first = first_order
                .entry(customer)
                .or_insert(line["timestamp"].as_str());
            *first = (*first).min(line["timestamp"].as_str());
        }
    }
    let mean =
        per_customer.values().map(HashSet::len).sum::<usize>() as f64 / per_customer.len() as f64;
    assert!(
        (2.0..15.0).contains(&mean),
        "mean orders per ordering customer {mean}"
    );
    let ordering_share = per_customer.len() as f64 / summary.customers as f64;
    assert!(
        (0.75..0.95).contains(&ordering_share),
        "share of customers with orders {ordering_share}"
    );

    let outcomes = rows(&scratch.0, "outcomes.csv", OUTCOMES);
    let converted: Vec<_> = outcomes
        .iter()
        .filter(|o| o["kind"] == "converted")
        .collect();
    assert!(!converted.is_empty() && (converted.len() as u64) < summary.leads);
    for outcome in converted {
        assert_eq!(
            first_order[outcome["customer_id"].as_str()],
            outcome["at"],
            "converted at the first order"
        );
    }
    assert!(outcomes.iter().any(|o| o["kind"] == "churned"));
    assert!(
        outcomes
            .iter()
            .any(|o| o["kind"] == "offer_accepted" && !o["label"].is_empty())
    );

    assert!(summary.duplicate_customers >= 1);
    let customers = rows(&scratch.0, "customers.csv", CUSTOMERS);
    assert!(has_duplicate_pair(&customers), "no duplicate pair found");
}

/// Two records with the same name and postcode whose e-mails agree up to case and spaces, or
/// whose phones have the same trailing digits.
fn has_duplicate_pair(customers: &[HashMap<String, String>]) -> bool {
    let mut seen: HashMap<(&str, &str), Vec<&HashMap<String, String>>> = HashMap::new();
    for c in customers {
        seen.entry((c["name"].as_str(), c["postcode"].as_str()))
            .or_default()
            .push(c);
    }
    let email = |c: &HashMap<String, String>| c["email"].trim().to_lowercase();
    let phone = |c: &HashMap<String, String>| {
        let digits: String = c["phone"].chars().filter(char::is_ascii_digit).collect();
        digits[digits.len().saturating_sub(7)..].to_owned()
    };
    seen.values().filter(|group| group.len() > 1).any(|group| {
        let (a, b) = (group[0], group[1]);
        (email(a) == email(b) && !email(a).is_empty() && a["email"] != b["email"])
            || (phone(a) == phone(b) && !phone(a).is_empty() && a["phone"] != b["phone"])
    })
}
