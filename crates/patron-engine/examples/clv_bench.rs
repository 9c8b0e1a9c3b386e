//! Times the CLV pipeline on a million synthetic CDNOW-like customers.
//!
//! ```text
//! cargo run --release -p patron-engine --example clv_bench [-- --customers N] [--csv PATH] [--reference]
//! ```
//!
//! The customers follow the BG/NBD process with FHL 2005's CDNOW estimates (r = 0.243,
//! α = 4.414, a = 0.793, b = 2.426), ages uniform on 27–39 weeks, and purchase dates and ages on
//! a **day grid** (t_x and T are whole days, expressed in weeks), as real transaction dates are;
//! identical histories then repeat and the fit works on the grouped rows. Spend follows the
//! Gamma-Gamma model with FHL's p = 6.25, q = 3.74, γ = 15.44.
//!
//! `--csv PATH` also writes `x,t_x,T,mean_spend` for comparing other implementations (e.g.
//! Python lifetimes); `--reference` prints the CDNOW reference values next to ours, reading
//! `shared/data/cdnow_summary.csv` beside the checkout.

use std::fmt::Write as _;
use std::time::Instant;

use patron_engine::clv::synthetic::{BgNbdSimulation, gamma_gamma_spend};
use patron_engine::clv::{
    BgNbd, DiscountSchedule, FrequencyData, GammaGamma, MBgNbd, ParetoNbd, SpendData, TimeUnit,
    discounted_clv_batch,
};

struct Args {
    customers: usize,
    csv: Option<String>,
    reference: bool,
}

fn parse_args() -> Result<Args, String> {
    let mut args = Args {
        customers: 1_000_000,
        csv: None,
        reference: false,
    };
    let mut it = std::env::args().skip(1);
    while let Some(arg) = it.next() {
        match arg.as_str() {
            "--customers" => {
                let v = it.next().ok_or("--customers needs a number")?;
                args.customers = v.parse().map_err(|e| format!("--customers {v}: {e}"))?;
            }
            "--csv" => args.csv = Some(it.next().ok_or("--csv needs a path")?),
            "--reference" => args.reference = true,
            other => return Err(format!("unknown argument {other}")),
        }
    }
    Ok(args)
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args = parse_args()?;
    let started = Instant::now();
    let data = BgNbdSimulation::cdnow_like(args.customers, 2026).generate()?;
    let truth_spend = GammaGamma::new(6.25, 3.74, 15.44)?;
    let mean_spend = gamma_gamma_spend(&truth_spend, &data.x, 2027);
    let generate = started.elapsed().as_secs_f64();
    if let Some(path) = &args.csv {
        write_csv(path, &data, &mean_spend)?;
        println!("wrote {path}");
    }

    let t0 = Instant::now();
    let grouped_rows = data.grouped().len();
    let grouping = t0.elapsed().as_secs_f64();

    let t0 = Instant::now();
    let (bgnbd, bg_fit) = BgNbd::fit(&data)?;
    let bg_time = t0.elapsed().as_secs_f64();

    let t0 = Instant::now();
    let (pareto, pareto_fit) = ParetoNbd::fit(&data)?;
    let pareto_time = t0.elapsed().as_secs_f64();

    let t0 = Instant::now();
    let spend_data = SpendData::repeat_customers(&data.x, &mean_spend)?;
    let (gg, gg_fit) = GammaGamma::fit(&spend_data)?;
    let gg_time = t0.elapsed().as_secs_f64();

    let t0 = Instant::now();
    let spend: Vec<f64> = (0..data.len())
        .map(|i| gg.conditional_expected_spend(data.x[i], mean_spend[i]))
        .collect();
    let month = TimeUnit::Month.in_units_of(TimeUnit::Week);
    let schedule = DiscountSchedule::new(12, month, 0.10, 12.0)?;
    let clv = discounted_clv_batch(&bgnbd, &data, &spend, &schedule)?;
    let clv_time = t0.elapsed().as_secs_f64();
    let total: f64 = clv.iter().sum();

    println!(
        "{} customers (day grid: t_x and T in whole days, in weeks), {} distinct (x, t_x, T) rows, {} with x >= 1; generated in {:.3} s",
        data.len(),
        grouped_rows,
        spend_data.len(),
        generate
    );
    println!();
    println!("| step | time (s) | target (s) | result |");
    println!("|---|---|---|---|");
    println!("| group rows (inside the fit too) | {grouping:.3} | | {grouped_rows} rows |");
    println!(
        "| BG/NBD fit | {bg_time:.3} | 0.5 | r {:.4} α {:.4} a {:.4} b {:.4}, LL {:.2}, {} iterations, converged {} |",
        bgnbd.r,
        bgnbd.alpha,
        bgnbd.a,
        bgnbd.b,
        bg_fit.log_likelihood,
        bg_fit.iterations,
        bg_fit.converged
    );
    println!(
        "| Pareto/NBD fit (numerical gradient) | {pareto_time:.3} | | r {:.4} α {:.4} s {:.4} β {:.4}, LL {:.2}, {} iterations, converged {} |",
        pareto.r,
        pareto.alpha,
        pareto.s,
        pareto.beta,
        pareto_fit.log_likelihood,
        pareto_fit.iterations,
        pareto_fit.converged
    );
    println!(
        "| Gamma-Gamma fit | {gg_time:.3} | 0.2 | p {:.4} q {:.4} γ {:.4}, LL {:.2}, {} iterations, converged {} |",
        gg.p, gg.q, gg.gamma, gg_fit.log_likelihood, gg_fit.iterations, gg_fit.converged
    );
    println!(
        "| 12-month discounted CLV, all customers (10 %/year, month = {month:.4} weeks) | {clv_time:.3} | 0.5 | total {total:.0}, mean {:.4} |",
        total / data.len() as f64
    );
    if args.reference {
        println!();
        print!("{}", reference_table()?);
    }
    Ok(())
}

fn write_csv(path: &str, data: &FrequencyData, mean_spend: &[f64]) -> std::io::Result<()> {
    let mut out = String::with_capacity(data.len() * 32);
    out.push_str("x,t_x,T,mean_spend\n");
    for (i, spend) in mean_spend.iter().enumerate() {
        // Exponent form with 17 decimals round-trips every f64, so the other side groups the
        // same rows.
        let _ = writeln!(
            out,
            "{},{:.17e},{:.17e},{spend:.17e}",
            data.x[i], data.t_x[i], data.t[i]
        );
    }
    std::fs::write(path, out)
}

/// Published CDNOW values (shared/data/README.md) next to ours.
fn reference_table() -> Result<String, Box<dyn std::error::Error>> {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../../shared/data/cdnow_summary.csv"
    );
    let text = std::fs::read_to_string(path)?;
    let mut cols: [Vec<f64>; 4] = Default::default();
    for line in text.lines().skip(1).filter(|l| !l.is_empty()) {
        for (c, field) in line.split(',').skip(1).enumerate() {
            cols[c].push(field.trim().parse()?);
        }
    }
    let [x, t_x, t, zbar] = cols;
    let data = FrequencyData::unweighted(x.clone(), t_x, t)?;
    let mut s = String::new();
    writeln!(s, "| CDNOW quantity | published | ours | time (s) |")?;
    writeln!(s, "|---|---|---|---|")?;

    let t0 = Instant::now();
    let (bg, fit) = BgNbd::fit(&data)?;
    let secs = t0.elapsed().as_secs_f64();
    writeln!(
        s,
        "| BG/NBD r, α, a, b | 0.2426, 4.4135, 0.7929, 2.4258 | {:.6}, {:.6}, {:.6}, {:.6} | {secs:.3} |",
        bg.r, bg.alpha, bg.a, bg.b
    )?;
    writeln!(s, "| BG/NBD LL | −9582.43 | {:.4} | |", fit.log_likelihood)?;
    writeln!(s, "| BG/NBD std errors | | {:?} | |", fit.std_errors)?;
    writeln!(
        s,
        "| BG/NBD E[Y(39) | x=2, t_x=30.43, T=38.86] | 1.226 | {:.6} | |",
        bg.expected_purchases(39.0, 2.0, 30.43, 38.86)
    )?;
    let ex: Vec<String> = [1.0, 3.0, 39.0, 78.0]
        .iter()
        .map(|&h| format!("{:.6}", bg.unconditional_expected(h)))
        .collect();
    writeln!(
        s,
        "| BG/NBD E[X(t)], t = 1, 3, 39, 78 | 0.0532, 0.1506, 1.1950, 1.858 | {} | |",
        ex.join(", ")
    )?;

    let t0 = Instant::now();
    let (mbg, fit) = MBgNbd::fit(&data)?;
    let secs = t0.elapsed().as_secs_f64();
    writeln!(
        s,
        "| MBG/NBD r, α, a, b | 0.5248, 6.1830, 0.8914, 1.6140 | {:.6}, {:.6}, {:.6}, {:.6} | {secs:.3} |",
        mbg.r, mbg.alpha, mbg.a, mbg.b
    )?;
    writeln!(s, "| MBG/NBD LL | −9582.13 | {:.4} | |", fit.log_likelihood)?;

    let t0 = Instant::now();
    let (pareto, fit) = ParetoNbd::fit(&data)?;
    let secs = t0.elapsed().as_secs_f64();
    writeln!(
        s,
        "| Pareto/NBD r, α, s, β | 0.5533, 10.578, 0.6062, 11.668 | {:.6}, {:.6}, {:.6}, {:.6} | {secs:.3} |",
        pareto.r, pareto.alpha, pareto.s, pareto.beta
    )?;
    writeln!(
        s,
        "| Pareto/NBD LL | −9594.97 | {:.4} | |",
        fit.log_likelihood
    )?;
    let published = ParetoNbd::new(0.5533, 10.578, 0.6062, 11.668)?;
    writeln!(
        s,
        "| Pareto/NBD LL at the published parameters | −9594.97 | {:.4} | |",
        published.log_likelihood(&data)
    )?;
    let mean39 = |m: &ParetoNbd| {
        (0..data.len())
            .map(|i| m.expected_purchases(39.0, data.x[i], data.t_x[i], data.t[i]))
            .sum::<f64>()
            / data.len() as f64
    };
    writeln!(
        s,
        "| Pareto/NBD mean E[Y(39)], ours vs at published params | | {:.6} vs {:.6} | |",
        mean39(&pareto),
        mean39(&published)
    )?;
    writeln!(
        s,
        "| Pareto/NBD E[Y(52) | x=26, t_x=30.86, T=31] (R BTYD) | 25.46 | {:.4} | |",
        pareto.expected_purchases(52.0, 26.0, 30.86, 31.0)
    )?;

    let spend = SpendData::repeat_customers(&x, &zbar)?;
    let t0 = Instant::now();
    let (gg, fit) = GammaGamma::fit(&spend)?;
    let secs = t0.elapsed().as_secs_f64();
    writeln!(
        s,
        "| Gamma-Gamma p, q, γ ({} customers) | 6.2488, 3.7446, 15.4477 | {:.6}, {:.6}, {:.6} | {secs:.3} |",
        spend.len(),
        gg.p,
        gg.q,
        gg.gamma
    )?;
    writeln!(
        s,
        "| Gamma-Gamma LL | −4055.92 | {:.4} | |",
        fit.log_likelihood
    )?;
    Ok(s)
}
