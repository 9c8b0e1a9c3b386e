//! `patron rules check|score|diff` and `patron explain`: the rule-based scores of issue 4.

use crate::cli::{ExplainArgs, Global, RulesCommand, RulesDiffArgs, RulesScoreArgs};
use crate::commands::resolve_as_of;
use crate::output::{Table, count, print_json};
use crate::project::Project;
use anyhow::Result;
use patron_core::config::{CONFIG_FILE, ProjectConfig};
use patron_engine::rules::{RuleSet, ScoreTable};
use serde_json::{Value, json};
use std::path::Path;

/// The rules of `config` in the file `path`, compiled.
pub fn compile(config: &ProjectConfig, path: &Path) -> Result<RuleSet> {
    Ok(patron_app::project::compile_rules(config, path)?)
}

/// The project's facts as of the given date (default: the day after the last fact), with the
/// event properties the rule sets read.
async fn rule_facts(
    project: &Project,
    given: Option<&str>,
    rule_sets: &[&RuleSet],
) -> Result<patron_core::facts::Facts> {
    let store = project.open_store().await?;
    let as_of = resolve_as_of(store.as_ref(), given).await?;
    Ok(store
        .load_facts_with(as_of, &patron_app::project::fact_options(rule_sets))
        .await?)
}

fn project_rules(project: &Project) -> Result<RuleSet> {
    compile(&project.config, &project.dir.join(CONFIG_FILE))
}

/// `patron rules …`.
pub async fn run(global: &Global, command: &RulesCommand) -> Result<()> {
    let project = crate::project::load(global)?;
    // Reading what is stored does not need the current rules to compile.
    match command {
        RulesCommand::Versions => return super::rules_versions::run(global, &project).await,
        RulesCommand::Stored(args) => {
            return super::rules_stored::run(global, &project, args).await;
        }
        RulesCommand::Outbox(args) => {
            return super::rules_outbox::run(global, &project, args).await;
        }
        _ => {}
    }
    let rules = project_rules(&project)?;
    match command {
        RulesCommand::Check => check(global, &project, &rules).await,
        RulesCommand::Score(args) => score(global, &project, &rules, args).await,
        RulesCommand::Diff(args) => diff(global, &project, &rules, args).await,
        RulesCommand::Publish(args) => {
            super::rules_publish::run(global, &project, &rules, args).await
        }
        RulesCommand::Versions | RulesCommand::Stored(_) | RulesCommand::Outbox(_) => {
            unreachable!("handled above")
        }
    }
}

async fn check(global: &Global, project: &Project, rules: &RuleSet) -> Result<()> {
    // Against the data, when there is a store: event rules whose type no event has.
    let store = project.open_store().await.ok();
    let checked = patron_app::rules::check(rules, store.as_deref()).await?;
    for w in &checked.warnings {
        eprintln!("warning: {w}");
    }
    if global.json {
        return print_json(&checked);
    }
    let list = |names: &[String]| {
        if names.is_empty() {
            "(none)".to_owned()
        } else {
            names.join(", ")
        }
    };
    println!("rules OK — version {}", checked.version);
    println!("scores: {}", list(&checked.scores));
    println!("stages: {}", list(&checked.stages));
    Ok(())
}

/// Counts of customers per level of each stage.
fn stage_counts(rules: &RuleSet, table: &ScoreTable) -> Vec<Value> {
    rules
        .stage_names()
        .iter()
        .enumerate()
        .map(|(s, name)| {
            let mut counts = std::collections::BTreeMap::new();
            for c in 0..table.len() {
                let level = table
                    .level(c, s)
                    .map_or("(none)".to_owned(), |l| rules.level_name(s, l).to_owned());
                *counts.entry(level).or_insert(0u64) += 1;
            }
            json!({ "stage": name, "levels": counts })
        })
        .collect()
}

async fn score(
    global: &Global,
    project: &Project,
    rules: &RuleSet,
    args: &RulesScoreArgs,
) -> Result<()> {
    let facts = rule_facts(project, args.as_of.as_deref(), &[rules]).await?;
    let table = rules.score_all(&facts, facts.as_of);
    let names = rules.score_names();
    let summaries: Vec<Value> = names
        .iter()
        .enumerate()
        .map(|(s, name)| {
            let mut v: Vec<f64> = (0..table.len()).map(|c| table.value(c, s).to_f64()).collect();
            v.sort_by(f64::total_cmp);
            let at = |q: f64| v.get(((v.len() as f64 - 1.0) * q).round() as usize).copied().unwrap_or(0.0);
            json!({ "score": name, "min": at(0.0), "p25": at(0.25), "median": at(0.5), "p75": at(0.75), "max": at(1.0),
                    "mean": v.iter().sum::<f64>() / v.len().max(1) as f64 })
        })
        .collect();
    let stages = stage_counts(rules, &table);
    // As a publish stores them: only for customers whose triggers may fire.
    let outbox: usize = (0..table.len())
        .filter(|&c| patron_app::publish::may_fire(&facts, c, &project.config.consent))
        .map(|c| table.outbox(c).len())
        .sum();
    if global.json {
        let customers: Vec<Value> = (0..table.len())
            .map(|c| {
                let scores: serde_json::Map<String, Value> = names
                    .iter()
                    .enumerate()
                    .map(|(s, n)| ((*n).to_owned(), json!(table.value(c, s).to_f64())))
                    .collect();
                let levels: serde_json::Map<String, Value> = rules
                    .stage_names()
                    .iter()
                    .enumerate()
                    .map(|(s, n)| {
                        (
                            (*n).to_owned(),
                            json!(table.level(c, s).map(|l| rules.level_name(s, l))),
                        )
                    })
                    .collect();
                json!({ "customer_id": facts.customers.ids[c], "scores": scores, "stages": levels })
            })
            .collect();
        return print_json(&json!({
            "as_of": facts.as_of, "version": rules.version(), "scores": summaries, "stages": stages,
            "ledger_entries": table.ledger_len(), "transitions": table.transitions_len(), "outbox": outbox, "customers": customers,
        }));
    }
    println!(
        "Rule scores of {} customers as of {} (rule set {})",
        count(table.len() as u64),
        facts.as_of.date(),
        rules.version()
    );
    let mut t = Table::new(&["score", "min", "p25", "median", "p75", "max", "mean"]);
    for s in &summaries {
        let f = |k: &str| format!("{:.1}", s[k].as_f64().unwrap_or(0.0));
        t.row(vec![
            s["score"].as_str().unwrap_or("").into(),
            f("min"),
            f("p25"),
            f("median"),
            f("p75"),
            f("max"),
            f("mean"),
        ]);
    }
    println!("{}", t.render());
    for s in &stages {
        let levels: Vec<String> = s["levels"]
            .as_object()
            .into_iter()
            .flatten()
            .map(|(k, v)| format!("{k} {}", count(v.as_u64().unwrap_or(0))))
            .collect();
        println!(
            "stage {}: {}",
            s["stage"].as_str().unwrap_or(""),
            levels.join(", ")
        );
    }
    println!(
        "{} ledger entries, {} stage transitions, {} triggers fired",
        count(table.ledger_len() as u64),
        count(table.transitions_len() as u64),
        count(outbox as u64)
    );
    if args.customers {
        let mut t = Table::new(&["customer", "scores", "stages"]);
        for c in 0..table.len() {
            let scores: Vec<String> = names
                .iter()
                .enumerate()
                .map(|(s, n)| format!("{n}={}", table.value(c, s)))
                .collect();
            let levels: Vec<String> = (0..rules.stage_names().len())
                .map(|s| {
                    table
                        .level(c, s)
                        .map_or("—".to_owned(), |l| rules.level_name(s, l).to_owned())
                })
                .collect();
            t.row(vec![
                facts.customers.ids[c].to_string(),
                scores.join(" "),
                levels.join(" "),
            ]);
        }
        println!("\n{}", t.render());
    }
    Ok(())
}

async fn diff(
    global: &Global,
    project: &Project,
    new: &RuleSet,
    args: &RulesDiffArgs,
) -> Result<()> {
    let old_config = ProjectConfig::load(&args.old)?;
    let old = compile(&old_config, &args.old)?;
    let store = project.open_store().await?;
    let as_of = resolve_as_of(store.as_ref(), args.as_of.as_deref()).await?;
    let diff = patron_app::rules::diff(store.as_ref(), &old, new, as_of, args.examples).await?;
    if global.json {
        return print_json(&diff);
    }
    println!(
        "Rule set {} → {} as of {}: {} of {} customers change a score, {} change a stage",
        diff.old_version,
        diff.new_version,
        diff.as_of.date(),
        count(diff.score_changes),
        count(diff.customers as u64),
        count(diff.stage_changes)
    );
    let shown = |v: &Option<String>| v.clone().unwrap_or_else(|| "null".into());
    for e in &diff.examples {
        let parts: Vec<String> = e
            .scores
            .iter()
            .map(|s| {
                let number = |v: Option<f64>| v.map_or("null".into(), |x| json!(x).to_string());
                format!("{} {} → {}", s.score, number(s.old), number(s.new))
            })
            .chain(
                e.stages
                    .iter()
                    .map(|s| format!("{} \"{}\" → \"{}\"", s.stage, shown(&s.old), shown(&s.new))),
            )
            .collect();
        println!("  {}: {}", e.customer_id, parts.join("; "));
    }
    Ok(())
}

/// `patron explain CUSTOMER`.
pub async fn explain(global: &Global, args: &ExplainArgs) -> Result<()> {
    let project = crate::project::load(global)?;
    let store = project.open_store().await?;
    let id = patron_core::CustomerId::parse(&args.customer)?;
    let as_of = crate::flags::as_of(args.as_of.as_deref())?;
    let x = patron_app::explain::explain(&project, store.as_ref(), &id, as_of).await?;
    if global.json {
        let values: serde_json::Map<String, Value> = x
            .scores
            .iter()
            .map(|(n, v)| (n.clone(), json!(v)))
            .collect();
        let levels: serde_json::Map<String, Value> = x
            .stages
            .iter()
            .map(|(n, l)| (n.clone(), json!(l)))
            .collect();
        return print_json(&json!({
            "customer_id": x.customer_id, "as_of": x.as_of, "version": x.version, "scores": values, "stages": levels,
            "ledger": x.ledger, "transitions": x.transitions, "outbox": x.outbox,
        }));
    }
    println!("{id} as of {} (rule set {})", x.as_of.date(), x.version);
    for (name, value) in &x.scores {
        println!(
            "\n{name} = {}",
            patron_engine::rules::Points::from_f64(*value)
        );
        let mut t = Table::new(&["points", "rule", "why"]);
        for e in x.ledger.iter().filter(|e| e.score == *name) {
            t.row(vec![e.points.to_string(), e.rule.clone(), e.reason.clone()]);
        }
        println!("{}", t.render());
    }
    for (stage, level) in &x.stages {
        println!("\nstage {stage}: {}", level.as_deref().unwrap_or("—"));
    }
    for t in &x.transitions {
        println!("  {t}");
    }
    for o in &x.outbox {
        println!("trigger {} at {}: {}", o.trigger, o.at, o.action);
    }
    Ok(())
}
