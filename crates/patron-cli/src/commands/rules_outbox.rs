//! `patron rules outbox`: trigger firings waiting for delivery.

use crate::cli::{Global, RulesOutboxArgs};
use crate::output::{Table, count, print_json};
use crate::project::Project;
use anyhow::Result;

/// `patron rules outbox`.
pub async fn run(global: &Global, project: &Project, args: &RulesOutboxArgs) -> Result<()> {
    let store = project.open_store().await?;
    let entries = store.rule_outbox(args.all).await?;
    if global.json {
        return print_json(&serde_json::json!({ "entries": entries }));
    }
    let what = if args.all {
        "entries"
    } else {
        "pending entries"
    };
    let shown = if entries.len() > args.limit {
        format!(" (the first {}; --limit)", count(args.limit as u64))
    } else {
        String::new()
    };
    println!("{} outbox {what}{shown}", count(entries.len() as u64));
    if entries.is_empty() {
        return Ok(());
    }
    let mut t = Table::new(&[
        "id",
        "at",
        "trigger",
        "customer",
        "occurrence",
        "action",
        "status",
    ]);
    for e in entries.iter().take(args.limit) {
        t.row(vec![
            e.id.to_string(),
            e.at.to_string(),
            e.trigger.clone(),
            e.customer.to_string(),
            e.occurrence.to_string(),
            e.action.clone(),
            e.status.as_str().into(),
        ]);
    }
    println!("{}", t.render());
    Ok(())
}
