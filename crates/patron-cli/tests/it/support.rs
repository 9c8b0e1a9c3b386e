//! Helpers: run the binary in a project directory, read JSON, build small projects.

use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// The repository root.
pub fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .canonicalize()
        .unwrap()
}

/// `../shared/data` beside the checkout.
pub fn shared_data(file: &str) -> PathBuf {
    repo().join("../shared/data").join(file)
}

/// The result of one run.
pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl Run {
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.stdout).unwrap_or_else(|e| {
            panic!("stdout is not JSON ({e}): {}\n{}", self.stdout, self.stderr)
        })
    }
    #[track_caller]
    pub fn ok(self) -> Self {
        assert_eq!(
            self.code, 0,
            "patron failed:\nstdout: {}\nstderr: {}",
            self.stdout, self.stderr
        );
        self
    }
}

/// Runs `patron ARGS` with the project directory `dir`.
pub fn patron(dir: &Path, args: &[&str]) -> Run {
    let out: Output = Command::new(env!("CARGO_BIN_EXE_patron"))
        .arg("--project")
        .arg(dir)
        .args(args)
        .env_remove("PATRON_PROJECT")
        .env_remove("PATRON_STORE_URL")
        .output()
        .expect("the patron binary runs");
    Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

/// `patron status --json`, without the fields that change with every import attempt.
pub fn status(dir: &Path) -> Value {
    let mut v = patron(dir, &["status", "--json"]).ok().json();
    v.as_object_mut().unwrap().remove("sources");
    v
}

/// A temporary project with `patron.toml` and data files.
pub struct TempProject {
    pub dir: tempfile::TempDir,
}

impl TempProject {
    pub fn new(config: &str) -> Self {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("patron.toml"), config).unwrap();
        TempProject { dir }
    }
    pub fn path(&self) -> &Path {
        self.dir.path()
    }
    pub fn write(&self, name: &str, bytes: impl AsRef<[u8]>) {
        std::fs::write(self.path().join(name), bytes).unwrap();
    }
    pub fn run(&self, args: &[&str]) -> Run {
        patron(self.path(), args)
    }
}

/// A seeded demo company of `customers` customers in `dir/shop`, imported and analysed.
pub fn demo_project(dir: &Path, customers: &str) -> PathBuf {
    let project = dir.join("shop");
    let p = project.to_str().unwrap();
    patron(
        dir,
        &["demo", p, "--customers", customers, "--json", "--quiet"],
    )
    .ok();
    project
}

/// A project of one order-lines file, `orders.csv` (order, customer, date, sku, qty, price),
/// that creates the customers its orders name.
pub const ORDERS_PROJECT: &str = r#"
[project]
name = "orders"

[import]
unknown_customer = "create"

[sources.orders]
path = "orders.csv"
entity = "order_lines"

[sources.orders.columns]
order_id = "order"
customer_id = "customer"
timestamp = "date"
sku = "sku"
quantity = "qty"
unit_price = "price"
"#;

/// The header of [`ORDERS_PROJECT`]'s file.
pub const ORDERS_HEADER: &str = "order,customer,date,sku,qty,price\n";

/// 23 customers buying in 2024 (deterministic): three at the largest unit price allowed
/// (10^12, six lines in all), twenty with ordinary orders — a file for [`ORDERS_PROJECT`].
pub fn largest_price_orders() -> String {
    let mut rows = String::from(ORDERS_HEADER);
    let mut n = 0;
    for c in 0..23u32 {
        for k in 0..(1 + c % 5) {
            n += 1;
            let (qty, price) = if c < 3 {
                ("1".to_owned(), "1000000000000".to_owned())
            } else {
                (
                    (1 + k % 3).to_string(),
                    (5 + (c * 7 + k * 13) % 90).to_string(),
                )
            };
            let month = 1 + (c + k * 5) % 12;
            let day = 1 + (c * 3 + k) % 28;
            rows.push_str(&format!(
                "O{n},C{c:03},2024-{month:02}-{day:02},S{},{qty},{price}\n",
                k % 4
            ));
        }
    }
    rows
}
