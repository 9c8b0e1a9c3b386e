//! `patron bench …`: reproducible benchmarks on generated data, reporting wall time and the
//! process's peak resident memory (Linux `VmHWM`).

use crate::cli::{BenchCommand, BenchImportArgs, Global, ImportArgs};
use crate::commands::import::import_project;
use crate::output::{count, print_json};
use crate::project::Project;
use anyhow::{Context, Result};
use patron_core::random::Rng;
use std::io::Write;
use std::path::Path;
use std::time::Instant;

/// Peak resident set size of this process in MiB, when the platform tells.
pub fn peak_rss_mib() -> Option<f64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kib: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib / 1024.0)
}

/// Writes `lines` order lines in orders of 1–6 lines over 3 years, seeded.
fn write_orders(path: &Path, lines: u64, customers: u64) -> Result<()> {
    let mut out = std::io::BufWriter::new(std::fs::File::create(path)?);
    writeln!(
        out,
        "order_id,customer_id,timestamp,sku,quantity,unit_price"
    )?;
    let mut rng = Rng::seeded(7);
    let (mut written, mut order) = (0, 0u64);
    let start = 1_609_459_200; // 2021-01-01
    while written < lines {
        order += 1;
        let customer = rng.below(customers) + 1;
        let ts = patron_core::Timestamp::from_secs(start + rng.below(3 * 365 * 86_400) as i64);
        let stamp = ts.to_string();
        let stamp = &stamp[..19].replace('T', " ");
        for _ in 0..(1 + rng.below(6)).min(lines - written) {
            let cents = 50 + rng.below(50_000);
            writeln!(
                out,
                "O{order},C{customer},{stamp},SKU{},{},{}.{:02}",
                rng.below(3_000),
                1 + rng.below(5),
                cents / 100,
                cents % 100
            )?;
            written += 1;
        }
    }
    out.flush()?;
    Ok(())
}

const CONFIG: &str = r#"[project]
name = "bench"
[sources.orders]
path = "orders.csv"
entity = "order_lines"
[sources.orders.columns]
order_id = "order_id"
customer_id = "customer_id"
timestamp = "timestamp"
sku = "sku"
quantity = "quantity"
unit_price = "unit_price"
"#;

async fn bench_import(global: &Global, args: &BenchImportArgs) -> Result<()> {
    let temp;
    let dir = match &args.dir {
        Some(d) => {
            std::fs::create_dir_all(d)?;
            d.clone()
        }
        None => {
            temp = tempfile::tempdir()?;
            temp.path().to_owned()
        }
    };
    let generate_started = Instant::now();
    write_orders(&dir.join("orders.csv"), args.lines, args.customers)
        .context("cannot write the benchmark data")?;
    std::fs::write(dir.join("patron.toml"), CONFIG)?;
    for stale in ["patron.db", "patron.db-wal", "patron.db-shm"] {
        let _ = std::fs::remove_file(dir.join(stale));
    }
    let generate_secs = generate_started.elapsed().as_secs_f64();
    let rss_before = peak_rss_mib();
    let project = Project::load_dir(dir.clone(), None)?;
    let started = Instant::now();
    let summary = import_project(
        &project,
        &ImportArgs {
            max_errors: 0,
            rejects: None,
            sources: Vec::new(),
        },
        global.quiet || global.json,
    )
    .await?;
    let secs = started.elapsed().as_secs_f64();
    let imported = summary.sources.iter().map(|s| s.imported).sum::<u64>();
    anyhow::ensure!(
        imported == args.lines,
        "imported {imported} of {} lines",
        args.lines
    );
    let rss = peak_rss_mib();
    if global.json {
        return print_json(&serde_json::json!({
            "benchmark": "import", "lines": args.lines, "customers": args.customers, "seconds": secs,
            "lines_per_second": args.lines as f64 / secs, "peak_rss_mib": rss, "peak_rss_mib_before_import": rss_before,
            "generate_seconds": generate_secs,
        }));
    }
    println!(
        "imported {} order lines ({} customers) from CSV in {secs:.2} s = {} lines/s; peak RSS {}",
        count(args.lines),
        count(args.customers),
        count((args.lines as f64 / secs) as u64),
        rss.map_or("unknown".into(), |r| format!("{r:.0} MiB"))
    );
    Ok(())
}

/// `patron bench …`.
pub async fn run(global: &Global, command: &BenchCommand) -> Result<()> {
    match command {
        BenchCommand::Import(args) => bench_import(global, args).await,
    }
}
