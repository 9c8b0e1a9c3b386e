//! One file per command.

mod abc;
mod alarms;
pub(crate) mod audit;
mod backtest;
pub(crate) mod backup;
pub(crate) mod basket;
mod bench;
pub(crate) mod bench_live;
pub(crate) mod check;
pub(crate) mod clusters;
mod clv;
mod clv_discrete;
pub(crate) mod contests;
pub mod contracts;
mod demo;
mod export;
pub(crate) mod feedback;
mod import;
mod init;
pub(crate) mod keys;
mod margin;
mod merge;
pub(crate) mod models;
pub(crate) mod overrides;
pub(crate) mod payment_risk;
pub(crate) mod privacy;
mod quality;
mod report;
mod rfm;
mod route;
mod rules;
mod rules_outbox;
mod rules_publish;
mod rules_stored;
mod rules_versions;
mod score;
pub(crate) mod serve;
mod show;
mod status;
pub(crate) mod train;
pub(crate) mod webhooks;
mod writer;

use crate::cli::{Cli, Command};

/// Runs the command the user asked for.
pub async fn run(cli: Cli) -> anyhow::Result<()> {
    let global = cli.global;
    // Held until the command has finished (and closed its store).
    let _writer = writer::lock_for(&global, &cli.command).await?;
    match cli.command {
        Command::Init(args) => init::run(&global, &args),
        Command::Import(args) => import::run(&global, &args).await,
        Command::Status => status::run(&global).await,
        Command::Demo(args) => demo::run(&global, &args).await,
        Command::Quality(args) => quality::run(&global, &args).await,
        Command::Merge(args) => merge::run(&global, &args).await,
        Command::Rfm(args) => rfm::run(&global, &args).await,
        Command::Abc(args) => abc::run(&global, &args).await,
        Command::Clv(command) => clv::run(&global, &command).await,
        Command::Bench(command) => bench::run(&global, &command).await,
        Command::Rules(command) => rules::run(&global, &command).await,
        Command::Explain(args) => rules::explain(&global, &args).await,
        Command::Backtest(command) => backtest::run(&global, &command).await,
        Command::Basket(args) => basket::run(&global, &args).await,
        Command::Margin(args) => margin::run(&global, &args).await,
        Command::Train(args) => train::run(&global, &args).await,
        Command::Score(args) => score::run(&global, &args).await,
        Command::Show(args) => show::run(&global, &args).await,
        Command::Export(args) => export::run(&global, &args).await,
        Command::Route(args) => route::run(&global, &args).await,
        Command::Alarms(args) => alarms::run(&global, &args).await,
        Command::Report(args) => report::run(&global, &args).await,
        Command::Clusters(args) => clusters::run(&global, &args).await,
        Command::PaymentRisk(args) => payment_risk::run(&global, &args).await,
        Command::Models(command) => models::run(&global, &command).await,
        Command::Feedback(command) => feedback::run(&global, &command).await,
        Command::Backup(args) => backup::run(&global, &args).await,
        Command::Check(args) => check::run(&global, &args).await,
        Command::Serve(args) => serve::run(&global, &args).await,
        Command::Keys(command) => keys::run(&global, &command).await,
        Command::Webhooks(command) => webhooks::run(&global, &command).await,
        Command::Privacy(command) => privacy::run(&global, &command).await,
        Command::Override(command) => overrides::run(&global, &command).await,
        Command::Contest(command) => contests::run(&global, &command).await,
        Command::Contracts(args) => contracts::run(&global, &args).await,
        Command::Audit(args) => audit::run(&global, &args).await,
    }
}

/// The `as_of` of a computation: the given date/time, or midnight after the day of the last fact.
pub async fn resolve_as_of(
    store: &dyn patron_store::Store,
    given: Option<&str>,
) -> anyhow::Result<patron_core::Timestamp> {
    let given = crate::flags::as_of(given)?;
    Ok(patron_app::project::resolve_as_of(store, given).await?)
}

/// The project's facts as of the given date (default: the day after the last fact).
pub async fn load_facts_as_of(
    project: &crate::project::Project,
    given: Option<&str>,
) -> anyhow::Result<patron_core::facts::Facts> {
    let store = project.open_store().await?;
    let as_of = resolve_as_of(store.as_ref(), given).await?;
    Ok(store.load_facts(as_of).await?)
}
