//! One file per command.

mod demo;
mod import;
mod init;
mod merge;
mod quality;
mod status;

use crate::cli::{Cli, Command};

/// Runs the command the user asked for.
pub async fn run(cli: Cli) -> anyhow::Result<()> {
    let global = cli.global;
    match cli.command {
        Command::Init(args) => init::run(&global, &args),
        Command::Import(args) => import::run(&global, &args).await,
        Command::Status => status::run(&global).await,
        Command::Demo(args) => demo::run(&global, &args).await,
        Command::Quality(args) => quality::run(&global, &args).await,
        Command::Merge(args) => merge::run(&global, &args).await,
    }
}
