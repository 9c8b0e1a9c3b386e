//! Generates a demo company: `cargo run --release -p patron-demo --example gen -- N DIR [YEARS]`
//! (N customers, YEARS of history, default 3; a million customers over 4 years is the
//! 50-million-event benchmark of `patron score`).

use patron_demo::{DemoOptions, generate};
use std::path::PathBuf;
use std::time::Instant;

fn main() -> std::io::Result<()> {
    let mut args = std::env::args().skip(1);
    let customers = args.next().and_then(|n| n.parse().ok()).unwrap_or(20_000);
    let dir = PathBuf::from(args.next().unwrap_or_else(|| "demo".into()));
    let defaults = DemoOptions::default();
    let options = DemoOptions {
        customers,
        years: args
            .next()
            .and_then(|y| y.parse().ok())
            .unwrap_or(defaults.years),
        ..defaults
    };
    let started = Instant::now();
    let summary = generate(&options, &dir, &mut |done| {
        if done % 100_000 == 0 {
            eprintln!("{done} customers");
        }
    })?;
    println!("{summary:#?}");
    println!(
        "generated in {:.1} s into {}",
        started.elapsed().as_secs_f64(),
        dir.display()
    );
    Ok(())
}
