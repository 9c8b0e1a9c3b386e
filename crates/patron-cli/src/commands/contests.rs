//! `patron contest`: a customer contesting an automated decision (GDPR Art. 22 (3)) — record
//! it, list the open ones (the dashboard's "contested decisions" worklist), resolve it.

use crate::cli::Global;
use crate::output::{Table, print_json};
use anyhow::Result;
use clap::Subcommand;
use patron_core::ids::CustomerId;
use patron_store::{ContestResolution, NewContest};

/// `patron contest` subcommands.
#[derive(Debug, Subcommand)]
pub enum ContestCommand {
    /// Record that a customer contests a decision; it waits on the contested-decisions
    /// worklist until resolved.
    #[command(
        after_help = "Example:\n  patron contest add C000002 --decision tier --channel phone --statement \"I have bought here for ten years and am not 'At Risk'\""
    )]
    Add {
        /// The customer.
        id: String,
        /// What is contested.
        #[arg(long, value_parser = patron_store::CONTESTABLE)]
        decision: String,
        /// What the customer says (kept with the contest, erased with the customer).
        #[arg(long)]
        statement: String,
        /// How it came in: phone, e-mail, letter, web, …
        #[arg(long, default_value = "phone")]
        channel: String,
    },
    /// Contests, newest first: the open ones (default), or all; of one customer, or everyone.
    List {
        /// Only this customer's.
        id: Option<String>,
        /// Resolved ones too.
        #[arg(long)]
        all: bool,
        /// At most this many.
        #[arg(long, default_value_t = 100)]
        limit: u32,
    },
    /// End a contest after review: the decision upheld, changed (set an override or correct
    /// the facts first), or the contest withdrawn by the customer.
    #[command(
        after_help = "Examples:\n  patron override set C000002 --field tier --value VIP --reason \"contest 1: long-standing customer\"\n  patron contest resolve 1 --outcome changed --resolution \"tier set to VIP by a person\""
    )]
    Resolve {
        /// The contest's id (from `patron contest list`).
        id: i64,
        /// How it ended.
        #[arg(long, value_parser = patron_store::CONTEST_OUTCOMES)]
        outcome: String,
        /// What was decided, for the answer to the customer.
        #[arg(long)]
        resolution: String,
    },
}

/// `patron contest …`.
pub async fn run(global: &Global, command: &ContestCommand) -> Result<()> {
    let project = crate::project::load(global)?;
    let store = project.open_store().await?;
    let actor = patron_app::privacy::cli_actor();
    match command {
        ContestCommand::Add {
            id,
            decision,
            statement,
            channel,
        } => {
            let contest = NewContest {
                customer_id: CustomerId::parse(id)?,
                decision: decision.clone(),
                statement: statement.clone(),
                channel: channel.clone(),
                received_by: actor,
            };
            let record = patron_app::contests::file(store.as_ref(), contest).await?;
            if global.json {
                return print_json(&record);
            }
            println!(
                "contest {} recorded: {} contests their {}; it is on the contested-decisions worklist until resolved (`patron contest resolve {}`)",
                record.id, record.customer_id, record.decision, record.id
            );
        }
        ContestCommand::List { id, all, limit } => {
            let id = id.as_deref().map(CustomerId::parse).transpose()?;
            let records =
                patron_app::contests::list(store.as_ref(), id.as_ref(), !all, *limit).await?;
            if global.json {
                return print_json(&records);
            }
            let mut t = Table::new(&[
                "id",
                "customer",
                "decision",
                "channel",
                "received",
                "by",
                "outcome",
                "statement",
            ]);
            for r in records {
                t.row(vec![
                    r.id.to_string(),
                    r.customer_id.to_string(),
                    r.decision,
                    r.channel,
                    r.received_at,
                    r.received_by,
                    r.outcome.unwrap_or_else(|| "open".into()),
                    r.statement,
                ]);
            }
            println!("{}", t.render());
        }
        ContestCommand::Resolve {
            id,
            outcome,
            resolution,
        } => {
            let record = patron_app::contests::resolve(
                store.as_ref(),
                *id,
                ContestResolution {
                    outcome: outcome.clone(),
                    resolution: resolution.clone(),
                    resolved_by: actor,
                },
            )
            .await?;
            if global.json {
                return print_json(&record);
            }
            println!(
                "contest {} of {} resolved: {}",
                record.id,
                record.customer_id,
                record.outcome.unwrap_or_default()
            );
        }
    }
    Ok(())
}
