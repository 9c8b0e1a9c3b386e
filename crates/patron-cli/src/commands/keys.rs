//! `patron keys`: the API keys of `patron serve`.

use crate::cli::Global;
use crate::output::{Table, print_json};
use anyhow::Result;
use clap::Subcommand;
use patron_store::Scope;

/// `patron keys` subcommands.
#[derive(Debug, Subcommand)]
pub enum KeysCommand {
    /// Create a key; its secret is printed once and stored only as a digest.
    #[command(
        after_help = "Example:\n  patron keys create --scope read --name crm --json\n  curl -H \"Authorization: Bearer KEY\" http://127.0.0.1:8080/v1/customers/C000002"
    )]
    Create(CreateArgs),
    /// List the keys (never their secrets).
    List,
    /// Revoke a key: it stops working at once.
    Revoke {
        /// The key's id (from `patron keys list`).
        id: i64,
    },
}

/// `patron keys create` flags.
#[derive(Debug, clap::Args)]
pub struct CreateArgs {
    /// What the key may do: read (cards, explanations, routes), ingest (send facts), admin
    /// (everything), or analyst (pseudonymised card exports only).
    #[arg(long, value_parser = ["read", "ingest", "admin", "analyst"])]
    pub scope: String,
    /// Who or what uses it, for the audit trail (e.g. crm, shop, phone-system).
    #[arg(long, default_value = "unnamed")]
    pub name: String,
}

/// `patron keys …`.
pub async fn run(global: &Global, command: &KeysCommand) -> Result<()> {
    let project = crate::project::load(global)?;
    let store = project.create_store().await?;
    match command {
        KeysCommand::Create(args) => {
            let scope = Scope::parse(&args.scope).expect("clap checked the scope");
            let created = patron_app::keys::create(store.as_ref(), &args.name, scope).await?;
            if global.json {
                return print_json(&created);
            }
            println!("{}", created.key);
            eprintln!(
                "key {} ({}, scope {}): keep it now, it cannot be shown again",
                created.record.id,
                created.record.name,
                created.record.scope.as_str()
            );
        }
        KeysCommand::List => {
            let keys = store.api_keys().await?;
            if global.json {
                return print_json(&keys);
            }
            let mut table = Table::new(&["id", "name", "scope", "prefix", "created", "revoked"]);
            for k in keys {
                table.row(vec![
                    k.id.to_string(),
                    k.name,
                    k.scope.as_str().into(),
                    format!("{}…", k.prefix),
                    k.created_at,
                    k.revoked_at.unwrap_or_default(),
                ]);
            }
            println!("{}", table.render());
        }
        KeysCommand::Revoke { id } => {
            patron_app::keys::revoke(store.as_ref(), *id).await?;
            if global.json {
                return print_json(&serde_json::json!({ "revoked": id }));
            }
            println!("revoked key {id}");
        }
    }
    Ok(())
}
