//! `patron merge`: merge duplicate customers, list merges, undo one.

use crate::cli::{Global, MergeArgs};
use crate::output::{Table, print_json};
use anyhow::Result;
use patron_core::ids::CustomerId;
use patron_store::MergeRecord;

/// `patron merge`.
pub async fn run(global: &Global, args: &MergeArgs) -> Result<()> {
    let project = crate::project::load(global)?;
    let store = project.open_store().await?;
    if args.list {
        let merges = store.merges().await?;
        if global.json {
            return print_json(&merges);
        }
        let mut t = Table::new(&["id", "kept", "merged", "at", "facts moved", "undone"]);
        for m in &merges {
            t.row(vec![
                m.id.to_string(),
                m.keep.to_string(),
                m.dropped.to_string(),
                m.merged_at.clone(),
                m.moved.values().sum::<u64>().to_string(),
                m.reverted_at.clone().unwrap_or_default(),
            ]);
        }
        println!("{}", t.render());
        return Ok(());
    }
    let record = if let Some(id) = args.undo {
        store.undo_merge(id).await?
    } else {
        let keep = CustomerId::parse(args.keep.as_deref().unwrap_or_default())?;
        let dropped = CustomerId::parse(args.dropped.as_deref().unwrap_or_default())?;
        store.merge_customers(&keep, &dropped).await?
    };
    if global.json {
        return print_json(&record);
    }
    describe(&record);
    Ok(())
}

fn describe(m: &MergeRecord) {
    let moved: Vec<String> = m
        .moved
        .iter()
        .filter(|(_, n)| **n > 0)
        .map(|(t, n)| format!("{n} {t}"))
        .collect();
    let moved = if moved.is_empty() {
        "no facts".to_owned()
    } else {
        moved.join(", ")
    };
    if m.reverted_at.is_some() {
        println!(
            "undid merge {}: {} is separate from {} again ({moved} moved back)",
            m.id, m.dropped, m.keep
        );
    } else {
        println!(
            "merge {}: {} merged into {} ({moved} moved)",
            m.id, m.dropped, m.keep
        );
        if !m.fields_taken.is_empty() {
            println!(
                "fields taken from {}: {}",
                m.dropped,
                m.fields_taken.join(", ")
            );
        }
        println!(
            "undo with `patron merge --undo {}` until the next score run",
            m.id
        );
    }
}
