//! `patron webhooks`: endpoints that `patron serve` delivers stage, trigger, alarm and tier
//! messages to (Standard Webhooks: signed, retried, logged).

use crate::cli::Global;
use crate::output::{Table, print_json};
use anyhow::Result;
use clap::Subcommand;

/// `patron webhooks` subcommands.
#[derive(Debug, Subcommand)]
pub enum WebhooksCommand {
    /// Register an endpoint; prints its id and `whsec_` signing secret once.
    #[command(
        after_help = "Example:\n  patron webhooks add https://crm.example.com/patron --events stage,alarm,tier --json"
    )]
    Add(AddArgs),
    /// List the endpoints (without secrets).
    List,
    /// Queue a signed `ping` to an endpoint; a running server delivers it.
    Test {
        /// The endpoint's id.
        id: i64,
    },
    /// The delivery log: status, attempts, last HTTP status and error.
    Deliveries {
        /// Only this endpoint's.
        id: Option<i64>,
    },
    /// Send a delivered or dead delivery again (same webhook-id).
    Redeliver {
        /// The delivery's id (from `patron webhooks deliveries`).
        delivery: i64,
    },
}

/// `patron webhooks add` flags.
#[derive(Debug, clap::Args)]
pub struct AddArgs {
    /// Where to POST (http or https).
    pub url: String,
    /// Messages to receive, comma-separated: stage, trigger, alarm, tier.
    #[arg(long, value_delimiter = ',', required = true)]
    pub events: Vec<String>,
    /// Accept a loopback or private address for this endpoint (refused otherwise: SSRF).
    #[arg(long)]
    pub allow_private: bool,
}

fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64)
}

/// `patron webhooks …`.
pub async fn run(global: &Global, command: &WebhooksCommand) -> Result<()> {
    let project = crate::project::load(global)?;
    let store = project.create_store().await?;
    let store = store.as_ref();
    match command {
        WebhooksCommand::Add(args) => {
            let added =
                patron_app::webhooks::add(store, &args.url, &args.events, args.allow_private)
                    .await?;
            if global.json {
                return print_json(&added);
            }
            println!("webhook {}: {}", added.id, added.webhook.url);
            println!(
                "secret {} (shown once: keep it to verify signatures)",
                added.secret
            );
        }
        WebhooksCommand::List => {
            let hooks = store.webhooks().await?;
            if global.json {
                return print_json(&hooks);
            }
            let mut table = Table::new(&["id", "url", "events", "enabled", "created"]);
            for h in hooks {
                table.row(vec![
                    h.id.to_string(),
                    h.url,
                    h.events.join(","),
                    match h.disabled_reason {
                        Some(why) if !h.enabled => format!("no ({why})"),
                        _ => "yes".into(),
                    },
                    h.created_at,
                ]);
            }
            print!("{}", table.render());
        }
        WebhooksCommand::Test { id } => {
            let now = now();
            let msg = patron_app::webhooks::test(
                store,
                *id,
                now,
                &patron_core::Timestamp::from_secs(now).to_string(),
            )
            .await?;
            if global.json {
                return print_json(&serde_json::json!({ "webhook_id": msg }));
            }
            println!("queued ping {msg} to webhook {id}; a running `patron serve` delivers it");
        }
        WebhooksCommand::Deliveries { id } => {
            let log = store.deliveries(*id).await?;
            if global.json {
                return print_json(&log);
            }
            let mut table = Table::new(&[
                "id", "webhook", "message", "kind", "status", "attempts", "last",
            ]);
            for d in log {
                table.row(vec![
                    d.id.to_string(),
                    d.webhook_id.to_string(),
                    d.msg_id,
                    d.kind,
                    d.status,
                    d.attempts.to_string(),
                    d.last_status
                        .map(|s| s.to_string())
                        .or(d.last_error)
                        .unwrap_or_default(),
                ]);
            }
            print!("{}", table.render());
        }
        WebhooksCommand::Redeliver { delivery } => {
            if !store.redeliver(*delivery, now()).await? {
                anyhow::bail!(patron_app::AppError::NotFound(format!(
                    "there is no delivered or dead delivery {delivery}"
                )));
            }
            println!("delivery {delivery} queued again");
        }
    }
    Ok(())
}
