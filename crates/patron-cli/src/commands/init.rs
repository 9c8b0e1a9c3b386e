//! `patron init`: a commented patron.toml to start from.

use crate::cli::{Global, InitArgs};
use crate::output::print_json;
use anyhow::{Context, Result};
use patron_core::config::{CONFIG_FILE, ProjectConfig};

/// The template written by `patron init`; it parses as is (the example source is commented out).
pub const TEMPLATE: &str = r#"# patron.toml — a Patron project.
# Every key is checked: a misspelt key is an error that names its line.

[project]
name = "my-company"
currency = "EUR"            # all amounts are in this currency

[store]
url = "sqlite://patron.db"  # embedded store, relative to this directory (or PATRON_STORE_URL)

[import]
unknown_customer = "create" # a fact for an unknown customer id: "create" a stub, or "reject" the row

# One [sources.NAME] per file. `entity` is one of: customers, order_lines, events, tickets,
# invoices, outcomes. Paths are relative to this directory; .gz files are decompressed.
#
# [sources.customers]
# path = "data/customers.csv"
# entity = "customers"
# delimiter = ";"                 # ",", ";", "tab", "|", or "whitespace"
# decimal = ","                   # decimal separator of numbers and amounts
# thousands = "."                 # optional thousands separator
# encoding = "latin-1"            # or "utf-8" (default)
# date_formats = ["%d.%m.%Y"]     # strftime formats, tried in order (default ISO 8601)
#
# [sources.customers.columns]     # canonical field = "header in the file"
# customer_id = "Kundennummer"
# created_at = "Angelegt am"
# name = "Name"
# email = "E-Mail"
# consent_marketing = "Newsletter"    # ja/nein, yes/no, true/false, 1/0
#
# [sources.customers.attributes]  # further typed attributes: string, number, bool, date
# industry = "Branche"
# employees = { column = "Mitarbeiter", type = "number" }
#
# [sources.orders]
# path = "data/orders.csv.gz"
# entity = "order_lines"
# skip = [                        # rows to leave out (counted as filtered)
#   { column = "InvoiceNo", starts_with = "C" },
#   { column = "Quantity", at_most = 0 },
# ]
#
# [sources.orders.columns]
# order_id = "InvoiceNo"
# customer_id = { column = "CustomerID", integer = true }   # "17850.0" → "17850"
# timestamp = "InvoiceDate"
# sku = "StockCode"
# quantity = "Quantity"
# unit_price = "UnitPrice"
# # amount defaults to quantity × unit_price; or derive it: amount = { expr = "Quantity * UnitPrice" }
#
# Canonical fields per entity (run `patron import` to see errors for anything missing):
#   customers:   customer_id*, created_at, name, email, phone, company, postcode, country,
#                consent_marketing, consent_profiling, acquisition_cost
#   order_lines: order_id, line_no, customer_id*, timestamp*, sku, category, quantity, unit_price,
#                amount (amount or unit_price*), cost, unit_cost, channel, is_return
#   events:      event_id, customer_id or anonymous_id*, timestamp*, type*  (+ [properties])
#   tickets:     ticket_id*, customer_id*, opened_at*, closed_at, category, priority, escalated,
#                sentiment, handling_minutes, text
#   invoices:    invoice_id*, customer_id*, issued_at*, due_at*, paid_at, amount*
#   outcomes:    customer_id*, kind*, at*, label
#   contracts:   contract_id*, customer_id*, plan, started_at*, renews_at, notice_days,
#                billing_period, recurring_value*, previous_value, price_changed_at,
#                cancelled_at, cancel_reason
#   every fact entity also takes `deleted` (true: delete the stored fact with that row's key)
"#;

/// `patron init`.
pub fn run(global: &Global, args: &InitArgs) -> Result<()> {
    std::fs::create_dir_all(&args.dir)
        .with_context(|| format!("cannot create {}", args.dir.display()))?;
    let path = args.dir.join(CONFIG_FILE);
    if path.exists() && !args.force {
        anyhow::bail!("{} exists; pass --force to overwrite it", path.display());
    }
    ProjectConfig::parse(TEMPLATE, &path)?;
    std::fs::write(&path, TEMPLATE).with_context(|| format!("cannot write {}", path.display()))?;
    if global.json {
        return print_json(&serde_json::json!({ "created": path.display().to_string() }));
    }
    println!("created {}", path.display());
    println!(
        "next: describe your files under [sources.*], then run `patron import` in {}",
        args.dir.display()
    );
    Ok(())
}
