//! `patron`: score every customer and lead — rule points, RFM, CLV, churn risk — and explain it.
//!
//! The binary is glue: it resolves flags and `patron.toml` into one validated configuration,
//! calls the library crates, and prints tables or JSON.

mod cli;
mod commands;
mod error;
mod output;
mod project;

use clap::Parser;
use std::process::ExitCode;

fn main() -> ExitCode {
    let cli = cli::Cli::parse();
    let json = cli.global.json;
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(commands::run(cli)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            error::report(&e, json);
            ExitCode::from(error::exit_code(&e))
        }
    }
}
