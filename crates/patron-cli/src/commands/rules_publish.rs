//! `patron rules publish`: glue around [`patron_app::publish`], which records the rule-set
//! version and recomputes every customer's scores, stages, transitions and trigger firings over
//! the whole history into the store, resumably.

use crate::cli::{Global, RulesPublishArgs};
use crate::commands::resolve_as_of;
use crate::output::{Stages, count, print_json};
use crate::project::Project;
use anyhow::Result;
use patron_app::publish::{PublishOptions, PublishState, publish};
use patron_engine::rules::RuleSet;
use serde_json::json;

/// `patron rules publish`.
pub async fn run(
    global: &Global,
    project: &Project,
    rules: &RuleSet,
    args: &RulesPublishArgs,
) -> Result<()> {
    let store = project.open_store().await?;
    let as_of = resolve_as_of(store.as_ref(), args.as_of.as_deref()).await?;
    let options = PublishOptions {
        restart: args.restart,
        batch_size: args.batch_size,
        stop_after_batches: args.stop_after_batches,
        ..PublishOptions::default()
    };
    let mut stages = Stages::new(global.quiet || global.json);
    let p = publish(project, store.as_ref(), rules, as_of, &options, &mut stages).await?;
    stages.clear();
    let run = &p.run;
    if global.json {
        return print_json(&json!({
            "state": p.state, "run": run.id, "version": p.version, "as_of": as_of,
            "customers": p.customers,
            "resumed_from": if p.state == PublishState::Resumed { run.done } else { 0 },
            "written": p.written, "outbox_pending": p.outbox_pending,
        }));
    }
    let written = &p.written;
    match p.state {
        PublishState::UpToDate => println!(
            "Rule set {} is already published as of {} (run {}); nothing to do (--restart recomputes)",
            p.version,
            as_of.date(),
            run.id
        ),
        PublishState::Interrupted => println!(
            "Publish of rule set {} stopped after {} batches: run {} has {} of {} customers; publish again to continue",
            p.version,
            written.batches,
            run.id,
            count(run.done + written.customers),
            count(p.customers)
        ),
        PublishState::Started | PublishState::Resumed => {
            let from = if p.state == PublishState::Resumed {
                format!(" (resumed at customer {})", count(run.done))
            } else {
                String::new()
            };
            println!(
                "Published rule set {} as of {}: run {}, {} customers{from}",
                p.version,
                as_of.date(),
                run.id,
                count(p.customers)
            );
            println!(
                "wrote {} customers in {} batches: {} ledger entries in {} summary lines, {} transitions, {} firings; {} outbox entries pending",
                count(written.customers),
                count(written.batches),
                count(written.ledger_entries),
                count(written.ledger_lines),
                count(written.transitions),
                count(written.firings),
                count(p.outbox_pending)
            );
            let [load, compute, write, total] = p.seconds;
            println!(
                "time: load {load:.2} s, compute {compute:.2} s, write {write:.2} s, total {total:.2} s"
            );
        }
    }
    Ok(())
}
