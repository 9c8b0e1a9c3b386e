//! `patron override`: human decisions that replace automated ones (GDPR Art. 22).

use crate::cli::Global;
use crate::output::{Table, print_json};
use anyhow::Result;
use clap::Subcommand;
use patron_core::ids::CustomerId;

/// `patron override` subcommands.
#[derive(Debug, Subcommand)]
pub enum OverrideCommand {
    /// Replace a customer's automated tier, status or next action, with a reason. It holds
    /// across score runs until removed or until it expires, and shows on the card beside the
    /// automated value.
    #[command(
        after_help = "Examples:\n  patron override set C000002 --field tier --value VIP --reason \"key account, contract renewed\"\n  patron override set C000002 --field action --value \"no contact until March\" --reason \"customer asked\" --expires 2027-03-01"
    )]
    Set {
        /// The customer.
        id: String,
        /// What to override.
        #[arg(long, value_parser = ["tier", "status", "action"])]
        field: String,
        /// The value decided (a configured tier; VIP, Standard, At Risk or Lead; any action).
        #[arg(long)]
        value: String,
        /// Why (kept with the override, shown on the card).
        #[arg(long)]
        reason: String,
        /// When it lapses (date or date-time; default: until removed).
        #[arg(long)]
        expires: Option<String>,
    },
    /// Overrides, newest first: of one customer, or all.
    List {
        /// Only this customer's.
        id: Option<String>,
    },
    /// End an override.
    Remove {
        /// The override's id (from `patron override list`).
        id: i64,
    },
}

/// `patron override …`.
pub async fn run(global: &Global, command: &OverrideCommand) -> Result<()> {
    let project = crate::project::load(global)?;
    let store = project.open_store().await?;
    let actor = patron_app::privacy::cli_actor();
    match command {
        OverrideCommand::Set {
            id,
            field,
            value,
            reason,
            expires,
        } => {
            let id = CustomerId::parse(id)?;
            let expires = crate::flags::as_of(expires.as_deref())?;
            let request = patron_store::NewOverride {
                customer_id: id,
                field: field.clone(),
                value: value.clone(),
                reason: reason.clone(),
                set_by: actor,
                expires,
            };
            let record =
                patron_app::privacy::set_override(&project, store.as_ref(), request).await?;
            if global.json {
                return print_json(&record);
            }
            println!(
                "override {}: {} of {} is {:?} from the next card on (remove with `patron override remove {}`)",
                record.id, record.field, record.customer_id, record.value, record.id
            );
        }
        OverrideCommand::List { id } => {
            let id = id.as_deref().map(CustomerId::parse).transpose()?;
            let records = store.overrides(id.as_ref(), None).await?;
            if global.json {
                return print_json(&records);
            }
            let mut t = Table::new(&[
                "id", "customer", "field", "value", "reason", "by", "at", "expires", "removed",
            ]);
            for r in records {
                t.row(vec![
                    r.id.to_string(),
                    r.customer_id.to_string(),
                    r.field,
                    r.value,
                    r.reason,
                    r.set_by,
                    r.set_at,
                    r.expires.map(|t| t.to_string()).unwrap_or_default(),
                    r.removed_at.unwrap_or_default(),
                ]);
            }
            println!("{}", t.render());
        }
        OverrideCommand::Remove { id } => {
            let record = patron_app::privacy::remove_override(store.as_ref(), *id, &actor).await?;
            if global.json {
                return print_json(&record);
            }
            println!(
                "removed override {}: {} of {} is automated again from the next card on",
                record.id, record.field, record.customer_id
            );
        }
    }
    Ok(())
}
