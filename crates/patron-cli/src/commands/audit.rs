//! `patron audit`: the log of administrative actions (publishes, overrides, erasures, exports,
//! key changes): who and when, never personal data.

use crate::cli::Global;
use crate::output::{Table, print_json};
use anyhow::Result;

/// `patron audit` flags.
#[derive(Debug, clap::Args)]
pub struct AuditArgs {
    /// Entries to show, newest first.
    #[arg(long, default_value_t = 50)]
    pub limit: u32,
    /// Only entries older than this id (to page back).
    #[arg(long)]
    pub before: Option<i64>,
}

/// `patron audit`.
pub async fn run(global: &Global, args: &AuditArgs) -> Result<()> {
    let project = crate::project::load(global)?;
    let store = project.open_store().await?;
    let entries = patron_app::privacy::audit(store.as_ref(), args.limit, args.before).await?;
    if global.json {
        return print_json(&entries);
    }
    let mut t = Table::new(&["id", "at", "actor", "action", "target", "detail"]);
    for e in entries {
        t.row(vec![
            e.id.to_string(),
            e.at,
            e.actor,
            e.action,
            e.target.unwrap_or_default(),
            e.detail.to_string(),
        ]);
    }
    println!("{}", t.render());
    Ok(())
}
