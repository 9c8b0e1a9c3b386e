//! `patron rules versions`: the published rule-set versions and their runs.

use crate::cli::Global;
use crate::output::{Table, count, print_json};
use crate::project::Project;
use anyhow::Result;

/// `patron rules versions`.
pub async fn run(global: &Global, project: &Project) -> Result<()> {
    let store = project.open_store().await?;
    let versions = store.rule_versions().await?;
    if global.json {
        let list: Vec<_> = versions
            .iter()
            .map(|v| {
                serde_json::json!({
                    "version": v.version, "current": v.current, "created_at": v.created_at,
                    "published_at": v.published_at, "scores": v.names.scores,
                    "stages": v.names.stages.iter().map(|s| &s.name).collect::<Vec<_>>(),
                    "runs": v.runs,
                })
            })
            .collect();
        return print_json(&serde_json::json!({ "versions": list }));
    }
    if versions.is_empty() {
        println!(
            "No rule set published yet: `patron rules publish` publishes the rules of patron.toml"
        );
        return Ok(());
    }
    let mut t = Table::new(&[
        "",
        "version",
        "published",
        "run",
        "as of",
        "customers",
        "state",
    ]);
    for v in &versions {
        let mark = if v.current { "*" } else { "" };
        let published = v.published_at.clone().unwrap_or_else(|| "—".into());
        if v.runs.is_empty() {
            t.row(vec![
                mark.into(),
                v.version.clone(),
                published.clone(),
                "—".into(),
                "".into(),
                "".into(),
                "".into(),
            ]);
        }
        for r in &v.runs {
            let state = match &r.finished_at {
                Some(at) => format!("finished {at}"),
                None => format!("interrupted at {}", count(r.done)),
            };
            t.row(vec![
                mark.into(),
                v.version.clone(),
                published.clone(),
                r.id.to_string(),
                r.as_of.date().to_string(),
                count(r.customers),
                state,
            ]);
        }
    }
    println!("{}", t.render());
    println!("* current: the version of the latest finished run");
    Ok(())
}
