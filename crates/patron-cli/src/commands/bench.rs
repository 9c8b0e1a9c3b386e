//! `patron bench …`: reproducible benchmarks on generated data, reporting wall time and the
//! process's peak resident memory (Linux `VmHWM`).

use crate::cli::{BenchClvArgs, BenchCommand, BenchImportArgs, BenchRfmArgs, Global, ImportArgs};
use crate::importing::import_project;
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
    let project = Project::load(dir.clone(), None)?;
    let started = Instant::now();
    let summary = import_project(
        &project,
        &ImportArgs {
            max_errors: 0,
            rejects: None,
            sources: Vec::new(),
        },
        global.quiet || global.json,
        !global.no_wait,
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
        BenchCommand::Rfm(args) => bench_rfm(global, args),
        BenchCommand::Clv(args) => bench_clv(global, args),
        BenchCommand::Live(args) => crate::commands::bench_live::run(global, args).await,
    }
}

/// A seeded fact set of `customers` customers sharing `lines` order lines, built in memory in
/// the store's sorted columnar form (what `load_facts` returns).
fn synthetic_facts(customers: u64, lines: u64) -> patron_core::facts::Facts {
    use patron_core::facts::Facts;
    use patron_core::ids::CustomerId;
    use patron_core::{Money, Timestamp};
    let mut f = Facts {
        as_of: Timestamp::from_secs(1_735_689_600),
        ..Default::default()
    }; // 2025-01-01
    let mut rng = Rng::seeded(11);
    let per_customer = lines / customers.max(1);
    let o = &mut f.orders;
    let reserve = lines as usize;
    o.timestamp.reserve(reserve);
    o.order.reserve(reserve);
    o.amount.reserve(reserve);
    o.offsets.push(0);
    let category = o.categories.intern("all");
    let channel = o.channels.intern("web");
    let mut order = 0u32;
    for c in 0..customers {
        f.customers
            .ids
            .push(CustomerId::parse(&format!("C{c:07}")).expect("valid id"));
        f.customers
            .created_at
            .push(Timestamp::from_secs(1_577_836_800));
        f.customers.consent.push(Default::default());
        f.customers.is_stub.push(false);
        f.customers.acquisition_cost.push(None);
        let n = if c + 1 == customers {
            lines - per_customer * c
        } else {
            per_customer
        };
        let mut t = 1_577_836_800 + rng.below(86_400 * 365) as i64;
        let mut left = n;
        while left > 0 {
            order += 1;
            t += rng.below(86_400 * 30) as i64;
            for _ in 0..(1 + rng.below(6)).min(left) {
                o.timestamp.push(Timestamp::from_secs(t.min(1_735_689_599)));
                o.order.push(order);
                o.sku.push(rng.below(3_000) as u32);
                o.category.push(category);
                o.channel.push(channel);
                o.quantity.push(1.0);
                o.amount
                    .push(Money::from_raw(10_000 + rng.below(2_000_000) as i64));
                o.cost.push(None);
                o.is_return.push(false);
                left -= 1;
            }
        }
        o.offsets.push(o.timestamp.len());
    }
    f.events.offsets = vec![0; customers as usize + 1];
    f.tickets.offsets = vec![0; customers as usize + 1];
    f.invoices.offsets = vec![0; customers as usize + 1];
    f.outcomes.offsets = vec![0; customers as usize + 1];
    f
}

fn bench_rfm(global: &Global, args: &BenchRfmArgs) -> Result<()> {
    let built = Instant::now();
    let facts = synthetic_facts(args.customers, args.lines);
    let build_secs = built.elapsed().as_secs_f64();
    let started = Instant::now();
    let result = patron_engine::rfm::rfm(&facts, &patron_core::config::RfmSection::default())?;
    let secs = started.elapsed().as_secs_f64();
    let rss = peak_rss_mib();
    if global.json {
        return print_json(&serde_json::json!({
            "benchmark": "rfm", "customers": args.customers, "lines": args.lines, "seconds": secs,
            "build_seconds": build_secs, "scored": result.rows.len(), "peak_rss_mib": rss,
        }));
    }
    println!(
        "RFM for {} customers / {} order lines: {secs:.2} s (building the fact set in memory took {build_secs:.1} s; peak RSS {})",
        count(args.customers),
        count(args.lines),
        rss.map_or("unknown".into(), |r| format!("{r:.0} MiB"))
    );
    Ok(())
}

fn bench_clv(global: &Global, args: &BenchClvArgs) -> Result<()> {
    use patron_engine::clv::synthetic::{BgNbdSimulation, gamma_gamma_spend};
    use patron_engine::clv::{
        BgNbd, DiscountSchedule, GammaGamma, SpendData, TimeUnit, discounted_clv_batch,
    };
    let data = BgNbdSimulation::cdnow_like(args.customers, 2026).generate()?;
    let spend = gamma_gamma_spend(&GammaGamma::new(6.25, 3.74, 15.44)?, &data.x, 2027);
    let time = |f: &mut dyn FnMut() -> Result<()>| -> Result<f64> {
        let t = Instant::now();
        f()?;
        Ok(t.elapsed().as_secs_f64())
    };
    let mut bg = None;
    let fit_bg = time(&mut || {
        bg = Some(BgNbd::fit(&data.grouped())?);
        Ok(())
    })?;
    let (model, fit) = bg.context("BG/NBD fit")?;
    let mut gg = None;
    let fit_gg = time(&mut || {
        let spend = SpendData::repeat_customers(&data.x, &spend)?;
        gg = Some(GammaGamma::fit(&spend.grouped())?);
        Ok(())
    })?;
    let (gamma_gamma, _) = gg.context("Gamma-Gamma fit")?;
    let mut total = 0.0;
    let clv_secs = time(&mut || {
        let expected: Vec<f64> = (0..data.len())
            .map(|i| gamma_gamma.conditional_expected_spend(data.x[i], spend[i].max(0.0)))
            .collect();
        let schedule =
            DiscountSchedule::new(12, TimeUnit::Month.in_units_of(TimeUnit::Week), 0.10, 12.0)?;
        total = discounted_clv_batch(&model, &data, &expected, &schedule)?
            .iter()
            .sum();
        Ok(())
    })?;
    let params: Vec<String> = fit
        .params
        .iter()
        .map(|(n, v)| format!("{n}={v:.4}"))
        .collect();
    if global.json {
        return print_json(&serde_json::json!({
            "benchmark": "clv", "customers": args.customers, "bgnbd_fit_seconds": fit_bg,
            "gammagamma_fit_seconds": fit_gg, "clv_12_months_seconds": clv_secs, "bgnbd": fit.params,
            "total_clv": total, "peak_rss_mib": peak_rss_mib(),
        }));
    }
    println!(
        "{} synthetic BG/NBD customers (true r=0.243 α=4.414 a=0.793 b=2.426)",
        count(args.customers as u64)
    );
    println!("  BG/NBD fit        {fit_bg:.3} s   ({})", params.join(" "));
    println!("  Gamma-Gamma fit   {fit_gg:.3} s");
    println!("  12-month CLV      {clv_secs:.3} s   (total {total:.0})");
    Ok(())
}
