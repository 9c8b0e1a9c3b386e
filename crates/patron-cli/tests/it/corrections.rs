//! Issue 11, defect 3 and build 1: correct a fact, import again: the store holds the new value,
//! the history the old one, the import counts it as updated, and the next run uses it.

use crate::support::TempProject;

const CONFIG: &str = r#"
[project]
name = "corrections"

[import]
unknown_customer = "create"

[sources.orders]
path = "orders.csv"
entity = "order_lines"

[sources.orders.columns]
order_id = "order"
line_no = "line"
customer_id = "customer"
timestamp = "date"
sku = "sku"
quantity = "qty"
unit_price = "price"
"#;

fn orders(c1_qty: u32) -> String {
    let mut rows = String::from("order,line,customer,date,sku,qty,price\n");
    for c in 0..30u32 {
        for k in 0..(1 + c % 4) {
            let qty = if c == 1 && k == 0 { c1_qty } else { 1 + k % 3 };
            rows.push_str(&format!(
                "O{c}-{k},1,C{c:03},2024-{:02}-{:02},S{},{qty},{}\n",
                1 + (c + k * 5) % 12,
                1 + (c * 3 + k) % 28,
                k % 4,
                5 + (c * 7 + k * 13) % 90
            ));
        }
    }
    rows
}

#[test]
fn a_corrected_quantity_is_updated_kept_in_history_and_used_by_the_next_run() {
    let p = TempProject::new(CONFIG);
    p.write("orders.csv", orders(1));
    p.run(&["import", "--quiet"]).ok();
    p.run(&["score", "--quiet"]).ok();
    let before = p.run(&["show", "C001", "--json"]).ok().json();
    let revenue_before = before["card"]["revenue"].as_f64().unwrap();

    // C001's first line: quantity 1 → 4 (its unit price is 12).
    p.write("orders.csv", orders(4));
    let import = p.run(&["import", "--json"]).ok().json();
    let source = &import["sources"][0];
    assert_eq!(source["updated"], 1, "{import}");
    assert_eq!(source["imported"], 0, "{import}");
    let table = p.run(&["import"]).ok();
    assert!(table.stdout.contains("updated"), "{}", table.stdout);

    p.run(&["score", "--quiet"]).ok();
    let after = p.run(&["show", "C001", "--json"]).ok().json();
    let revenue_after = after["card"]["revenue"].as_f64().unwrap();
    assert_eq!(revenue_after - revenue_before, 3.0 * 12.0, "{after}");

    let db = rusqlite::Connection::open(p.path().join("patron.db")).unwrap();
    let (fact, key, old): (String, String, String) = db
        .query_row("SELECT fact, natural_key, old FROM fact_history", [], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?))
        })
        .unwrap();
    assert_eq!(
        (fact.as_str(), key.as_str()),
        ("order_lines", r#"["O1-0",1]"#)
    );
    let old: serde_json::Value = serde_json::from_str(&old).unwrap();
    assert_eq!(old["quantity"], 1.0);
    assert_eq!(old["amount"], 120_000, "12.00 in ten-thousandths");
}

#[test]
fn a_row_marked_deleted_deletes_the_stored_fact_and_keeps_it_in_history() {
    let config = CONFIG.replace(
        "unit_price = \"price\"",
        "unit_price = \"price\"\ndeleted = \"deleted\"",
    );
    let p = TempProject::new(&config);
    let with_flag = |flag_o1: &str| {
        orders(1)
            .lines()
            .enumerate()
            .map(|(i, l)| match i {
                0 => format!("{l},deleted\n"),
                _ if l.starts_with("O1-0,") => format!("{l},{flag_o1}\n"),
                _ => format!("{l},\n"),
            })
            .collect::<String>()
    };
    p.write("orders.csv", with_flag(""));
    p.run(&["import", "--quiet"]).ok();
    let lines = |p: &TempProject| {
        p.run(&["status", "--json"]).ok().json()["order_lines"]
            .as_u64()
            .unwrap()
    };
    let before = lines(&p);
    p.write("orders.csv", with_flag("true"));
    let import = p.run(&["import", "--json"]).ok().json();
    assert_eq!(import["sources"][0]["deleted"], 1, "{import}");
    assert_eq!(lines(&p), before - 1);
    // Deleting again deletes nothing.
    let again = p.run(&["import", "--json"]).ok().json();
    assert_eq!(again["sources"][0]["deleted"], 0, "{again}");
    let db = rusqlite::Connection::open(p.path().join("patron.db")).unwrap();
    let (key, change): (String, String) = db
        .query_row("SELECT natural_key, change FROM fact_history", [], |r| {
            Ok((r.get(0)?, r.get(1)?))
        })
        .unwrap();
    assert_eq!(
        (key.as_str(), change.as_str()),
        (r#"["O1-0",1]"#, "deleted")
    );
}
