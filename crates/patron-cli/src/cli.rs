//! Command-line flags.

use clap::{Args, Parser, Subcommand};
use std::path::PathBuf;

const AFTER_HELP: &str = "\
Examples:
  patron demo                      generate a synthetic company in ./demo, import and analyse it
  patron init shop && cd shop      start a project: edit patron.toml, then
  patron import                    read every source into the store (all or nothing)
  patron status --json             what is in the store

Exit codes: 0 success, 1 failure, 2 usage error, 3 invalid configuration, 4 rejected input data.
Environment: PATRON_PROJECT (project directory), PATRON_STORE_URL (store URL).";

/// Patron scores every customer and lead — points, RFM, CLV, churn risk — and explains each number.
#[derive(Debug, Parser)]
#[command(name = "patron", version, about, after_help = AFTER_HELP, propagate_version = true)]
pub struct Cli {
    #[command(flatten)]
    pub global: Global,
    #[command(subcommand)]
    pub command: Command,
}

/// Options every command takes.
#[derive(Debug, Args)]
pub struct Global {
    /// Project directory (holds patron.toml and the embedded store).
    #[arg(
        long,
        short = 'C',
        global = true,
        env = "PATRON_PROJECT",
        default_value = "."
    )]
    pub project: PathBuf,
    /// Store URL, overriding [store] url (sqlite://FILE, relative to the project).
    #[arg(long, global = true, env = "PATRON_STORE_URL")]
    pub store: Option<String>,
    /// Print machine-readable JSON instead of tables.
    #[arg(long, global = true)]
    pub json: bool,
    /// No progress bars.
    #[arg(long, short, global = true)]
    pub quiet: bool,
    /// When another patron command is writing to the store, fail at once instead of waiting.
    #[arg(long, global = true)]
    pub no_wait: bool,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Create a project: a commented patron.toml to edit.
    #[command(after_help = "Example:\n  patron init my-shop\n  $EDITOR my-shop/patron.toml")]
    Init(InitArgs),
    /// Import every source of patron.toml into the store (all or nothing by default).
    #[command(
        after_help = "Examples:\n  patron import\n  patron import --max-errors 100 --rejects rejects.csv\n  patron import --source orders"
    )]
    Import(ImportArgs),
    /// Show what is in the store: counts per entity, date ranges, sources.
    #[command(after_help = "Example:\n  patron status --json")]
    Status,
    /// Generate a synthetic company, import it and run every analysis.
    #[command(after_help = "Examples:\n  patron demo\n  patron demo /tmp/big --customers 1000000")]
    Demo(DemoArgs),
    /// Data quality: missing and invalid values, outliers, date gaps, duplicate customers.
    #[command(after_help = "Example:\n  patron quality --json")]
    Quality(QualityArgs),
    /// RFM scores and segments as of a date (default: the day after the last fact).
    #[command(
        after_help = "Examples:\n  patron rfm\n  patron rfm --as-of 2011-12-10 --json\n  patron rfm --customers    one line per customer"
    )]
    Rfm(RfmArgs),
    /// ABC classes by revenue or margin share, with the Pareto table.
    #[command(after_help = "Examples:\n  patron abc\n  patron abc --basis margin --json")]
    Abc(AbcArgs),
    /// Contribution margin per customer: revenue − cost of goods − cost-to-serve.
    #[command(after_help = "Examples:\n  patron margin\n  patron margin --unprofitable --json")]
    Margin(MarginArgs),
    /// Customer lifetime value with the buy-till-you-die models.
    #[command(subcommand)]
    Clv(ClvCommand),
    /// Check models against what happened: fit before a split date, predict after it.
    #[command(subcommand)]
    Backtest(BacktestCommand),
    /// Market baskets: frequent itemsets (FP-growth) and association rules of the orders.
    #[command(
        after_help = "Examples:\n  patron basket --min-support 0.01\n  patron basket --min-support 0.01 --min-lift 2 --json\n  patron basket --min-support 0.05 --by category"
    )]
    Basket(crate::commands::basket::BasketArgs),
    /// Rule-based scores: check, score everyone, compare two rule sets, publish, stored results.
    #[command(subcommand)]
    Rules(RulesCommand),
    /// Where a customer's points come from: every ledger entry, stage changes and triggers.
    #[command(after_help = "Example:\n  patron explain C000042 --as-of 2026-06-30")]
    Explain(ExplainArgs),
    /// Benchmarks on generated data (times and peak memory of this process).
    #[command(subcommand)]
    Bench(BenchCommand),
    /// Merge a duplicate customer into another (facts move, newest non-empty field wins).
    #[command(
        after_help = "Examples:\n  patron merge C0000012 C0019877      keep the first, merge the second into it\n  patron merge --list\n  patron merge --undo 3                possible until the next score run"
    )]
    Merge(MergeArgs),
    /// Cross-validate gradient boosting and logistic regression on a table (no project needed).
    Train(crate::commands::train::TrainArgs),
    /// Churn, conversion and upsell models trained on the store's history; the model registry.
    #[command(subcommand)]
    Models(crate::commands::models::ModelsCommand),
    /// Learn from outcomes: append observed outcomes (churned, converted, offer answers).
    #[command(subcommand)]
    Feedback(crate::commands::feedback::FeedbackCommand),
    /// Customer segments: k-means on standardised features, described in words.
    #[command(
        after_help = "Examples:\n  patron clusters\n  patron clusters --k-range 2..6 --json\n  patron clusters --k 4 --as-of 2026-06-30"
    )]
    Clusters(crate::commands::clusters::ClustersArgs),
    /// Payment risk from invoices: days late, open overdue, trend; score, band, probability.
    #[command(
        after_help = "Examples:\n  patron payment-risk\n  patron payment-risk --as-of 2026-06-30 --json"
    )]
    PaymentRisk(crate::commands::payment_risk::PaymentRiskArgs),
    /// Score everyone: value score, tier, status, churn risk, CLV, stage, alarms, next action;
    /// stored as a score run.
    #[command(
        after_help = "Examples:\n  patron score\n  patron score --as-of 2026-01-01 --json\n  patron score --frozen            against the latest run's models, no refit"
    )]
    Score(ScoreArgs),
    /// A customer's score card from the latest score run, with its history.
    #[command(
        after_help = "Examples:\n  patron show C000042\n  patron show C000042 --json\n  patron show C000042 --live    score again alone and compare"
    )]
    Show(ShowArgs),
    /// Card fields of the customers matching a condition, as CSV, JSON or Parquet.
    #[command(
        after_help = "Examples:\n  patron export --where 'tier == \"VIP\" && churn_risk > 0.3' --format csv\n  patron export --segment winback --format json\n  patron export --format csv --german -o karten.csv     ; decimal comma, Windows-1252\n  patron export --format parquet -o cards.parquet\n  patron export --pseudonymise -o for-analysts.csv     ; ids replaced by keyed hashes\n\nFields: customer_id tier status value_score churn_risk clv stage action portfolio p_alive potential\nrevenue margin orders days_since_last_order rfm_segment abc payment_risk payment_band offer lead profiling\ncancellation_risk days_to_notice contract_value renewal_due (contracts),\nstage.NAME, score.NAME, alarm.KIND (true/false), level(\"SQL\"), has(field)."
    )]
    Export(ExportArgs),
    /// Route a new ticket of a customer: queue, deadline and why, from the service matrix.
    #[command(after_help = "Example:\n  patron route C000042 --opened '2026-06-29 14:30'")]
    Route(RouteArgs),
    /// Alarm episodes: valuable customers at risk, broken purchase rhythms, sleepers, qualified leads.
    #[command(
        after_help = "Examples:\n  patron alarms\n  patron alarms --all --kind sleeper --json"
    )]
    Alarms(AlarmsArgs),
    /// Portfolio over score runs and KPIs per segment: retention, churn among alarmed vs not,
    /// win-back, offer acceptance (once the churn horizon after the run has passed).
    #[command(after_help = "Examples:\n  patron report\n  patron report --run 2 --json")]
    Report(ReportArgs),
    /// A consistent copy of the store while other commands go on reading and writing.
    #[command(after_help = "Example:\n  patron backup /backups/patron-2026-06-30.db")]
    Backup(crate::commands::backup::BackupArgs),
    /// Check the store: the database's integrity, and that every stored run, card and model
    /// decodes (exit 1 when damaged).
    #[command(after_help = "Examples:\n  patron check\n  patron check --quick --json")]
    Check(crate::commands::check::CheckArgs),
    /// Serve the HTTP API: cards in milliseconds, facts in with live cards, metrics.
    #[command(
        after_help = "Examples:\n  patron keys create --scope admin --name ops --json\n  patron serve --listen 127.0.0.1:8080\n  curl -H \"Authorization: Bearer KEY\" http://127.0.0.1:8080/v1/customers/C000002"
    )]
    Serve(crate::commands::serve::ServeArgs),
    /// API keys of the server: create (shown once), list, revoke.
    #[command(subcommand)]
    Keys(crate::commands::keys::KeysCommand),
    /// Webhook endpoints of the server: add (secret shown once), list, test, deliveries,
    /// redeliver.
    #[command(subcommand)]
    Webhooks(crate::commands::webhooks::WebhooksCommand),
    /// Privacy (GDPR): export everything held about a person, erase them without a trace,
    /// purge what is past its retention, rotate the key of pseudonymised exports.
    #[command(subcommand)]
    Privacy(crate::commands::privacy::PrivacyCommand),
    /// Human overrides of automated decisions: tier, status or next action, with a reason.
    #[command(subcommand)]
    Override(crate::commands::overrides::OverrideCommand),
    /// Customers contesting automated decisions: record, list the open ones, resolve.
    #[command(subcommand)]
    Contest(crate::commands::contests::ContestCommand),
    /// Contracts and subscriptions of the latest run: by cancellation risk, renewal date or
    /// residual value; with --due, the renewals whose notice date is near.
    #[command(
        after_help = "Examples:\n  patron contracts                     running contracts, highest cancellation risk first\n  patron contracts --due               renewals due within [contracts] renewal_lead_days\n  patron contracts --due 30 --sort value --json"
    )]
    Contracts(crate::commands::contracts::ContractsArgs),
    /// The audit log: publishes, overrides, erasures, exports, key changes (who and when).
    #[command(after_help = "Examples:\n  patron audit\n  patron audit --limit 20 --json")]
    Audit(crate::commands::audit::AuditArgs),
}

#[derive(Debug, Args)]
pub struct ReportArgs {
    /// The run whose segments to report (default: the latest).
    #[arg(long)]
    pub run: Option<i64>,
}

#[derive(Debug, Args)]
pub struct ScoreArgs {
    /// Score as of this date or time (default: the day after the last fact).
    #[arg(long, value_name = "DATE")]
    pub as_of: Option<String>,
    /// Fit nothing: score everyone against the models, value distributions and tier cuts of
    /// score run RUN (without a value: the latest run). Every card equals the live card the
    /// customer would get at that `as_of`; the way to refresh all cards between refits.
    #[arg(long, value_name = "RUN", num_args = 0..=1, default_missing_value = "latest")]
    pub frozen: Option<String>,
}

#[derive(Debug, Args)]
pub struct ShowArgs {
    /// Customer id.
    pub customer: String,
    /// Score run (default: the latest).
    #[arg(long)]
    pub run: Option<i64>,
    /// Score the customer again alone against the run's frozen context and compare.
    #[arg(long)]
    pub live: bool,
}

/// Output format of `patron export`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ExportFormat {
    /// Comma-separated with a header (`--german`: semicolon, decimal comma, Windows-1252).
    Csv,
    /// An array of one object per customer.
    Json,
    /// Typed columns (needs --output).
    Parquet,
}

#[derive(Debug, Args)]
pub struct ExportArgs {
    /// Only customers whose card matches this condition.
    #[arg(long = "where", value_name = "EXPR")]
    pub condition: Option<String>,
    /// Only customers of this named segment ([segments.NAME] in patron.toml).
    #[arg(long)]
    pub segment: Option<String>,
    /// Output format.
    #[arg(long, value_enum, default_value = "csv")]
    pub format: ExportFormat,
    /// Write to this file instead of standard output.
    #[arg(long, short)]
    pub output: Option<PathBuf>,
    /// CSV for German Excel: `;`, decimal comma, Windows-1252.
    #[arg(long)]
    pub german: bool,
    /// Score run (default: the latest).
    #[arg(long)]
    pub run: Option<i64>,
    /// Customer ids replaced by keyed hashes (the same customer gets the same pseudonym in
    /// every export until `patron privacy rotate-pseudonyms`): for analysts outside the
    /// service team.
    #[arg(long)]
    pub pseudonymise: bool,
}

#[derive(Debug, Args)]
pub struct RouteArgs {
    /// Customer id.
    pub customer: String,
    /// When the ticket was opened (default: the run's as_of).
    #[arg(long, value_name = "TIME")]
    pub opened: Option<String>,
}

#[derive(Debug, Args)]
pub struct AlarmsArgs {
    /// Include cleared episodes.
    #[arg(long)]
    pub all: bool,
    /// Only this kind.
    #[arg(long)]
    pub kind: Option<String>,
}

#[derive(Debug, Args)]
pub struct InitArgs {
    /// Directory to create the project in.
    #[arg(default_value = ".")]
    pub dir: PathBuf,
    /// Overwrite an existing patron.toml.
    #[arg(long)]
    pub force: bool,
}

#[derive(Debug, Args)]
pub struct ImportArgs {
    /// Keep importing while at most N rows are rejected (default 0: any bad row aborts).
    #[arg(long, default_value_t = 0, value_name = "N")]
    pub max_errors: u64,
    /// Write rejected rows with their reasons to this CSV file.
    #[arg(long, value_name = "FILE")]
    pub rejects: Option<PathBuf>,
    /// Import only these sources (repeatable).
    #[arg(long = "source", value_name = "NAME")]
    pub sources: Vec<String>,
}

#[derive(Debug, Args)]
pub struct DemoArgs {
    /// Directory for the demo project.
    #[arg(default_value = "demo")]
    pub dir: PathBuf,
    /// Number of customers (leads included).
    #[arg(long, default_value_t = 20_000)]
    pub customers: u64,
    /// Random seed.
    #[arg(long, default_value_t = 42)]
    pub seed: u64,
    /// Write into DIR even when it is not empty (replacing its patron.toml, data and store).
    #[arg(long)]
    pub force: bool,
    /// A subscription business besides the shop: plans billed monthly or yearly, cancelled
    /// after usage falls off and tickets turn sour (data/contracts.csv).
    #[arg(long)]
    pub subscriptions: bool,
}

#[derive(Debug, Args)]
pub struct QualityArgs {
    /// Show at most this many duplicate-customer candidates.
    #[arg(long, default_value_t = 20)]
    pub limit: usize,
}

#[derive(Debug, Args)]
pub struct MergeArgs {
    /// The customer to keep.
    #[arg(required_unless_present_any = ["list", "undo"])]
    pub keep: Option<String>,
    /// The customer to merge into KEEP.
    #[arg(required_unless_present_any = ["list", "undo"])]
    pub dropped: Option<String>,
    /// List merges.
    #[arg(long, conflicts_with_all = ["keep", "undo"])]
    pub list: bool,
    /// Undo merge ID.
    #[arg(long, value_name = "ID", conflicts_with = "keep")]
    pub undo: Option<i64>,
}

#[derive(Debug, Args)]
pub struct RfmArgs {
    /// Compute as of this date or time (facts before it count); default: the day after the last fact.
    #[arg(long, value_name = "DATE")]
    pub as_of: Option<String>,
    /// Also list every customer (always included with --json).
    #[arg(long)]
    pub customers: bool,
}

#[derive(Debug, Args)]
pub struct AbcArgs {
    /// Compute as of this date (default: the day after the last fact).
    #[arg(long, value_name = "DATE")]
    pub as_of: Option<String>,
    /// Rank by revenue or contribution margin (default from [abc] basis).
    #[arg(long, value_parser = ["revenue", "margin"])]
    pub basis: Option<String>,
    /// Also list every customer (always included with --json).
    #[arg(long)]
    pub customers: bool,
}

#[derive(Debug, Args)]
pub struct MarginArgs {
    /// Compute as of this date (default: the day after the last fact).
    #[arg(long, value_name = "DATE")]
    pub as_of: Option<String>,
    /// List only unprofitable customers.
    #[arg(long)]
    pub unprofitable: bool,
    /// List at most this many customers (worst margin first) in the table.
    #[arg(long, default_value_t = 20)]
    pub limit: usize,
}

/// `patron clv …`.
#[derive(Debug, Subcommand)]
pub enum ClvCommand {
    /// Per customer: repeat purchases x, recency t_x, age T and mean repeat spend (zbar).
    #[command(
        after_help = "Example (reproduces cdnow_summary.csv from the raw CDNOW sample):\n  patron -C examples/cdnow_sample clv summary --end 1997-09-30 --unit week --json"
    )]
    Summary(ClvWindowArgs),
    /// Fit the BTYD models (BG/NBD, MBG/NBD, Pareto/NBD, Gamma-Gamma) by maximum likelihood;
    /// sBG on cohort survivor counts (contracts); BG/BB on discrete opportunities.
    #[command(
        after_help = "Examples:\n  patron clv fit --summary ../shared/data/cdnow_summary.csv --model bgnbd --json\n  patron clv fit --model auto          fit on the store's history, pick by holdout error\n  patron clv fit --model sbg --survival examples/contracts/fh2007_survivors.csv\n  patron clv fit --model bgbb --summary examples/contracts/donations.csv"
    )]
    Fit(ClvFitArgs),
    /// Predict purchases, P(alive), spend and discounted CLV per customer.
    #[command(
        after_help = "Examples:\n  patron clv predict --summary ../shared/data/cdnow_summary.csv --model bgnbd --horizon 39 --json\n  patron clv predict --months 12 --discount-rate 0.1"
    )]
    Predict(ClvPredictArgs),
}

/// Where the BTYD summary comes from and which models to use.
#[derive(Debug, Args)]
pub struct ClvInputArgs {
    #[command(flatten)]
    pub window: ClvWindowArgs,
    /// Read a ready summary (CSV with x,t_x,T; optional zbar, weight and an id column ID/id/customer_id)
    /// instead of the store.
    #[arg(long, value_name = "FILE")]
    pub summary: Option<std::path::PathBuf>,
    /// bgnbd, mbgnbd, paretonbd, gammagamma, all (fit) or auto (pick the timing model by
    /// holdout error; by BIC for a summary file); for `clv fit` also sbg (with --survival) and
    /// bgbb (with a --summary of x, t_x, n and weight).
    #[arg(long)]
    pub model: Option<String>,
    /// For auto on store data: days at the end of the window held out to compare models
    /// (default: a quarter of the history, at least 28 days).
    #[arg(long, value_name = "DAYS")]
    pub holdout_days: Option<i64>,
}

#[derive(Debug, Args)]
pub struct ClvFitArgs {
    #[command(flatten)]
    pub input: ClvInputArgs,
    /// For --model sbg: cohort survivor counts, a CSV with columns cohort, period, alive
    /// (period 0 is the cohort's size; periods consecutive). One sBG is fitted per cohort.
    #[arg(long, value_name = "FILE")]
    pub survival: Option<std::path::PathBuf>,
    /// For sbg and bgbb: periods (opportunities) to project beyond the data.
    #[arg(long, default_value_t = 5)]
    pub ahead: u32,
    /// For sbg: discount rate per period of the expected lifetime values (DEL, DERL).
    #[arg(long, default_value_t = 0.10)]
    pub discount_rate: f64,
}

#[derive(Debug, Args)]
pub struct ClvPredictArgs {
    #[command(flatten)]
    pub input: ClvInputArgs,
    /// Horizon for expected purchases, in the time unit (default: 52 weeks or the equivalent).
    #[arg(long)]
    pub horizon: Option<f64>,
    /// CLV horizon in months (a month is 365.25/12 days).
    #[arg(long, default_value_t = 12)]
    pub months: u32,
    /// Annual discount rate for CLV.
    #[arg(long, default_value_t = 0.10)]
    pub discount_rate: f64,
    /// Flag "potential" when the CLV percentile exceeds the current value percentile by this much.
    #[arg(long, default_value_t = 0.30)]
    pub potential_gap: f64,
    /// Rows in the text table.
    #[arg(long, default_value_t = 20)]
    pub limit: usize,
}

/// The observation window and time unit of a BTYD summary.
#[derive(Debug, Args)]
pub struct ClvWindowArgs {
    /// First day whose purchases count (default: all history).
    #[arg(long, value_name = "DATE")]
    pub start: Option<String>,
    /// Last observed day, inclusive (default: the day of the last fact).
    #[arg(long, value_name = "DATE")]
    pub end: Option<String>,
    /// Time unit of x, t_x and T: day, week (default) or month (365.25/12 days).
    #[arg(long, default_value = "week", value_parser = ["day", "week", "month"])]
    pub unit: String,
    /// What a purchase is worth: revenue (default) or gross margin (revenue − cost of goods,
    /// by the rules of [margin]).
    #[arg(long, default_value = "revenue", value_parser = ["revenue", "margin"])]
    pub value: String,
}

/// `patron bench …`.
#[derive(Debug, Subcommand)]
pub enum BenchCommand {
    /// Import N generated order lines from CSV into a fresh embedded store.
    #[command(after_help = "Example:\n  patron bench import --lines 1000000")]
    Import(BenchImportArgs),
    /// RFM scores and segments for N customers with M order lines built in memory (load excluded).
    #[command(after_help = "Example:\n  patron bench rfm --customers 1000000 --lines 50000000")]
    Rfm(BenchRfmArgs),
    /// Fit BG/NBD and Gamma-Gamma on N synthetic BG/NBD customers, then 12-month discounted CLV.
    #[command(after_help = "Example:\n  patron bench clv --customers 1000000")]
    Clv(BenchClvArgs),
    /// Score customers alone against the latest score run (their facts read through the
    /// store's indexes), time each card, and compare it with the run's stored card.
    #[command(
        after_help = "Examples:\n  patron bench live --customers 10000     random customers, p50/p99 latency\n  patron bench live --all --json          every customer: identical to the run?"
    )]
    Live(crate::commands::bench_live::BenchLiveArgs),
}

#[derive(Debug, Args)]
pub struct BenchRfmArgs {
    /// Customers.
    #[arg(long, default_value_t = 1_000_000)]
    pub customers: u64,
    /// Order lines (spread over the customers, 1–6 lines an order).
    #[arg(long, default_value_t = 50_000_000)]
    pub lines: u64,
}

#[derive(Debug, Args)]
pub struct BenchClvArgs {
    /// Synthetic customers (BG/NBD process with CDNOW's parameters, ages 27–39 weeks).
    #[arg(long, default_value_t = 1_000_000)]
    pub customers: usize,
}

#[derive(Debug, Args)]
pub struct BenchImportArgs {
    /// Order lines to generate and import.
    #[arg(long, default_value_t = 1_000_000)]
    pub lines: u64,
    /// Distinct customers.
    #[arg(long, default_value_t = 100_000)]
    pub customers: u64,
    /// Work directory (default: a temporary directory, removed afterwards).
    #[arg(long)]
    pub dir: Option<std::path::PathBuf>,
}

/// `patron backtest …`.
#[derive(Debug, Subcommand)]
pub enum BacktestCommand {
    /// Fit the CLV models on purchases before --split and compare their predictions with the
    /// purchases from --split to --end.
    #[command(
        after_help = "Example (CDNOW: weeks 1–39 calibrate, 40–78 test):\n  patron -C examples/cdnow_sample backtest clv --split 1997-10-01 --end 1998-06-30 --unit week"
    )]
    Clv(BacktestClvArgs),
}

#[derive(Debug, Args)]
pub struct BacktestClvArgs {
    /// First day of the holdout period.
    #[arg(long, value_name = "DATE")]
    pub split: String,
    /// Last day of the holdout period (default: the day of the last fact).
    #[arg(long, value_name = "DATE")]
    pub end: Option<String>,
    /// First day whose purchases count (default: all history).
    #[arg(long, value_name = "DATE")]
    pub start: Option<String>,
    /// Time unit: day, week (default) or month.
    #[arg(long, default_value = "week", value_parser = ["day", "week", "month"])]
    pub unit: String,
    /// bgnbd, mbgnbd, paretonbd or all (default).
    #[arg(long, default_value = "all")]
    pub model: String,
    /// Also list every customer's prediction (always included with --json).
    #[arg(long)]
    pub customers: bool,
}

/// `patron rules …`.
#[derive(Debug, Subcommand)]
pub enum RulesCommand {
    /// Parse and type-check every rule, stage and trigger; print the rule-set version.
    Check,
    /// Score every customer as of a date: value distribution, stage counts, triggers fired.
    #[command(after_help = "Example:\n  patron rules score --as-of 2026-06-30 --json")]
    Score(RulesScoreArgs),
    /// Dry run of a changed rule set over the whole history: who changes score or stage.
    #[command(
        after_help = "Example:\n  cp patron.toml old.toml && $EDITOR patron.toml && patron rules diff --old old.toml"
    )]
    Diff(RulesDiffArgs),
    /// Publish the rules: record the version and recompute everyone's scores, stages and
    /// triggers over the whole history into the store (batched, resumable).
    #[command(
        after_help = "Examples:\n  patron rules publish\n  patron rules publish --restart      discard an interrupted publish and start again"
    )]
    Publish(RulesPublishArgs),
    /// List published rule-set versions and their runs.
    Versions,
    /// The stored scores and stages of a published run (default: the current one).
    #[command(
        after_help = "Examples:\n  patron rules stored --json\n  patron rules stored 3f2a --customers    the latest run of the version starting 3f2a"
    )]
    Stored(RulesStoredArgs),
    /// Trigger firings waiting for delivery (the outbox).
    #[command(after_help = "Example:\n  patron rules outbox --json")]
    Outbox(RulesOutboxArgs),
}

#[derive(Debug, Args)]
pub struct RulesPublishArgs {
    /// Compute as of this date (default: the day after the last fact).
    #[arg(long, value_name = "DATE")]
    pub as_of: Option<String>,
    /// Discard an interrupted publish, and recompute even when the version is up to date.
    #[arg(long)]
    pub restart: bool,
    /// Customers per batch (each batch is written in one transaction).
    #[arg(long, default_value_t = 5_000, value_name = "N")]
    pub batch_size: usize,
    /// Stop after N batches, as if interrupted (for tests).
    #[arg(long, hide = true, value_name = "N")]
    pub stop_after_batches: Option<u64>,
}

#[derive(Debug, Args)]
pub struct RulesStoredArgs {
    /// The latest finished run of this rule-set version (a prefix is enough).
    #[arg(value_name = "VERSION", conflicts_with = "run")]
    pub ruleset: Option<String>,
    /// This run id.
    #[arg(long)]
    pub run: Option<i64>,
    /// Also list every customer (always included with --json).
    #[arg(long)]
    pub customers: bool,
}

#[derive(Debug, Args)]
pub struct RulesOutboxArgs {
    /// Also list delivered and superseded entries.
    #[arg(long)]
    pub all: bool,
    /// Rows in the text table (--json lists every entry).
    #[arg(long, default_value_t = 50)]
    pub limit: usize,
}

#[derive(Debug, Args)]
pub struct RulesScoreArgs {
    /// Score as of this date (default: the day after the last fact).
    #[arg(long, value_name = "DATE")]
    pub as_of: Option<String>,
    /// Also list every customer's scores and stages (always included with --json).
    #[arg(long)]
    pub customers: bool,
}

#[derive(Debug, Args)]
pub struct RulesDiffArgs {
    /// The previous patron.toml (or any file with [scores], [stages] and [[triggers]]).
    #[arg(long, value_name = "FILE")]
    pub old: std::path::PathBuf,
    /// Compare as of this date (default: the day after the last fact).
    #[arg(long, value_name = "DATE")]
    pub as_of: Option<String>,
    /// Examples to show.
    #[arg(long, default_value_t = 10)]
    pub examples: usize,
}

#[derive(Debug, Args)]
pub struct ExplainArgs {
    /// The customer id.
    pub customer: String,
    /// Explain as of this date (default: the day after the last fact).
    #[arg(long, value_name = "DATE")]
    pub as_of: Option<String>,
}
