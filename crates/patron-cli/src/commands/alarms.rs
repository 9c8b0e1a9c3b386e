//! `patron alarms`: alarm episodes — open ones by default, `--all` with the cleared ones.

use crate::cli::{AlarmsArgs, Global};
use crate::output::{Table, print_json};
use anyhow::Result;

/// `patron alarms`.
pub async fn run(global: &Global, args: &AlarmsArgs) -> Result<()> {
    let project = crate::project::load(global)?;
    let store = project.open_store().await?;
    let alarms: Vec<_> = store
        .alarms(!args.all)
        .await?
        .into_iter()
        .filter(|a| args.kind.as_ref().is_none_or(|k| &a.kind == k))
        .collect();
    if global.json {
        return print_json(&alarms);
    }
    let mut t = Table::new(&["customer", "alarm", "raised", "cleared", "evidence"]);
    for a in &alarms {
        t.row(vec![
            a.customer_id.to_string(),
            a.kind.clone(),
            format!("run {} ({})", a.raised_run, a.raised_as_of.date()),
            a.cleared_run.map_or("open".into(), |r| format!("run {r}")),
            a.evidence.clone(),
        ]);
    }
    println!("{}", t.render().trim_end());
    println!("{} alarm episode(s)", alarms.len());
    Ok(())
}
