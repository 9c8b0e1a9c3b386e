//! `patron rules stored`: the scores and stages a published run stored, per customer.

use crate::cli::{Global, RulesStoredArgs};
use crate::output::{Table, count, print_json};
use crate::project::Project;
use anyhow::{Context, Result, bail};
use patron_engine::rules::Points;
use patron_store::RuleRun;
use serde_json::{Map, Value, json};

/// `patron rules stored`.
pub async fn run(global: &Global, project: &Project, args: &RulesStoredArgs) -> Result<()> {
    let store = project.open_store().await?;
    let versions = store.rule_versions().await?;
    let run: RuleRun = match (&args.run, &args.ruleset) {
        (Some(id), _) => versions
            .iter()
            .flat_map(|v| &v.runs)
            .find(|r| r.id == *id)
            .cloned()
            .with_context(|| format!("no rule run {id}: `patron rules versions` lists them"))?,
        (None, Some(prefix)) => {
            let matching: Vec<_> = versions
                .iter()
                .filter(|v| v.version.starts_with(prefix.as_str()))
                .collect();
            let [v] = matching.as_slice() else {
                bail!(
                    "{} versions start with {prefix:?}: `patron rules versions` lists them",
                    matching.len()
                );
            };
            store
                .latest_rule_run(Some(&v.version))
                .await?
                .with_context(|| format!("version {} has no finished run", v.version))?
        }
        (None, None) => store
            .latest_rule_run(None)
            .await?
            .context("no rule set is published yet: run `patron rules publish`")?,
    };
    let version = versions
        .iter()
        .find(|v| v.version == run.version)
        .context("the run's version is missing")?;
    let names = &version.names;
    let rows = store.rule_run_scores(run.id).await?;
    let points = |micros: i64| Points::from_micros(micros);
    if global.json {
        let customers: Vec<Value> = rows
            .iter()
            .map(|c| {
                let scores: Map<String, Value> = names
                    .scores
                    .iter()
                    .zip(&c.scores)
                    .map(|(n, &p)| (n.clone(), json!(points(p).to_f64())))
                    .collect();
                let stages: Map<String, Value> = names
                    .stages
                    .iter()
                    .zip(&c.levels)
                    .map(|(s, l)| (s.name.clone(), json!(l.map(|l| &s.levels[l as usize]))))
                    .collect();
                json!({ "customer_id": c.customer, "scores": scores, "stages": stages })
            })
            .collect();
        return print_json(&json!({
            "run": run, "version": run.version, "as_of": run.as_of, "customers": customers,
        }));
    }
    let state = if run.finished_at.is_some() {
        "finished"
    } else {
        "unfinished"
    };
    println!(
        "Run {} ({state}) of rule set {} as of {}: {} customers stored",
        run.id,
        run.version,
        run.as_of.date(),
        count(rows.len() as u64)
    );
    for (s, stage) in names.stages.iter().enumerate() {
        let mut counts = std::collections::BTreeMap::new();
        for c in &rows {
            let level = c.levels[s].map_or("(none)", |l| stage.levels[l as usize].as_str());
            *counts.entry(level).or_insert(0u64) += 1;
        }
        let text: Vec<String> = counts
            .iter()
            .map(|(l, n)| format!("{l} {}", count(*n)))
            .collect();
        println!("stage {}: {}", stage.name, text.join(", "));
    }
    if args.customers {
        let mut t = Table::new(&["customer", "scores", "stages"]);
        for c in &rows {
            let scores: Vec<String> = names
                .scores
                .iter()
                .zip(&c.scores)
                .map(|(n, &p)| format!("{n}={}", points(p)))
                .collect();
            let levels: Vec<String> = names
                .stages
                .iter()
                .zip(&c.levels)
                .map(|(s, l)| l.map_or("—".into(), |l| s.levels[l as usize].clone()))
                .collect();
            t.row(vec![
                c.customer.to_string(),
                scores.join(" "),
                levels.join(" "),
            ]);
        }
        println!("\n{}", t.render());
    }
    Ok(())
}
