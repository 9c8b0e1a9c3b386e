//! `patron score`: every score of every customer as of a date, stored as a score run with its
//! frozen context — glue around [`patron_app::score_run`].

use crate::cli::{Global, ScoreArgs};
use crate::commands::resolve_as_of;
use crate::output::{Stages, print_json};
use crate::print::print_run;
use anyhow::Result;
use serde_json::json;

/// `patron score`.
pub async fn run(global: &Global, args: &ScoreArgs) -> Result<()> {
    let project = crate::project::load(global)?;
    // Settings and rules are checked before the store is opened.
    project.settings()?;
    project.rules()?;
    let store = project.open_store().await?;
    let as_of = resolve_as_of(store.as_ref(), args.as_of.as_deref()).await?;
    let mut stages = Stages::new(global.quiet || global.json);
    let run = match args.frozen.as_deref() {
        None => patron_app::score_run(&project, store.as_ref(), as_of, &mut stages).await?,
        Some(run) => {
            let run = match run {
                "latest" => None,
                id => Some(id.parse::<i64>().map_err(|_| {
                    crate::error::Usage(format!(
                        "--frozen takes a score run id (a number) or nothing, not {id:?}"
                    ))
                })?),
            };
            patron_app::score_run_frozen(&project, store.as_ref(), run, as_of, &mut stages).await?
        }
    };
    stages.finish();
    for w in &run.warnings {
        eprintln!("warning: {w}");
    }
    if global.json {
        return print_json(&json!({
            "run": run.id,
            "as_of": as_of,
            "rules_version": run.context.rules_version,
            "frozen": run.context.frozen,
            "models": run.context.models,
            "summary": run.summary,
            "seconds": run.seconds,
            "warnings": run.warnings,
        }));
    }
    print_run(&run, &project.config.project.currency);
    Ok(())
}
