//! `patron rules publish`: records the rule-set version and recomputes every customer's scores,
//! stages, transitions and trigger firings over the whole history into the store, in batches of
//! customers (one transaction each), so an interrupted publish continues where it stopped.

use crate::cli::{Global, RulesPublishArgs};
use crate::commands::resolve_as_of;
use crate::output::{count, print_json, progress};
use crate::project::Project;
use anyhow::Result;
use patron_core::facts::Facts;
use patron_core::model::AttrValue;
use patron_engine::rules::{
    Bound, Cause, EventRef, RuleSet, ScoreTable, SummarySource, default_threads, summarise_ledger,
};
use patron_store::{
    CustomerRuleResults, FactPosition, FiringLine, LedgerLine, LedgerSource, NewRuleRun, RuleBatch,
    RuleNames, RuleRunStart, RuleVersion, StageNames, TransitionCause, TransitionLine,
    TriggerNames,
};
use serde::Serialize;
use serde_json::json;
use std::time::{Duration, Instant};

/// What a publish wrote.
#[derive(Debug, Default, Serialize)]
struct Written {
    customers: u64,
    batches: u64,
    ledger_entries: u64,
    ledger_lines: u64,
    transitions: u64,
    firings: u64,
}

/// `patron rules publish`.
pub async fn run(
    global: &Global,
    project: &Project,
    rules: &RuleSet,
    args: &RulesPublishArgs,
) -> Result<()> {
    let started = Instant::now();
    let store = project.open_store().await?;
    let as_of = resolve_as_of(store.as_ref(), args.as_of.as_deref()).await?;
    let facts = store
        .load_facts_with(as_of, &super::rules::fact_options(&[rules]))
        .await?;
    let loaded = started.elapsed();
    let n = facts.customers.len();
    let new = NewRuleRun {
        version: rule_version(rules),
        as_of,
        facts_digest: facts_digest(&facts),
        customers: n as u64,
    };
    let start = store.begin_rule_run(&new, args.restart).await?;
    let run = start.run().clone();
    let state = match &start {
        RuleRunStart::Started(_) => "started",
        RuleRunStart::Resumed(_) => "resumed",
        RuleRunStart::UpToDate(_) => "up_to_date",
    };
    let mut written = Written::default();
    let (mut computing, mut writing) = (Duration::ZERO, Duration::ZERO);
    let mut finished = None;
    if !matches!(start, RuleRunStart::UpToDate(_)) {
        let bar = progress(n as u64, "publishing", global.quiet || global.json);
        bar.set_position(run.done);
        let mut done = run.done as usize;
        let size = args.batch_size.max(1);
        let threads = default_threads();
        while done < n {
            if args.stop_after_batches == Some(written.batches) {
                break;
            }
            let end = (done + size).min(n);
            let t = Instant::now();
            let table = rules.score_customers(&facts, done..end, as_of, threads);
            let batch = to_batch(&facts, &table, done, &mut written);
            computing += t.elapsed();
            let t = Instant::now();
            store.write_rule_batch(run.id, &batch).await?;
            writing += t.elapsed();
            written.batches += 1;
            done = end;
            bar.set_position(done as u64);
        }
        bar.finish_and_clear();
        if done == n {
            let t = Instant::now();
            finished = Some(store.finish_rule_run(run.id).await?);
            writing += t.elapsed();
        }
    } else {
        finished = Some(run.clone());
    }
    let pending = store.rule_outbox_pending().await?;
    let state = if finished.is_none() {
        "interrupted"
    } else {
        state
    };
    if global.json {
        return print_json(&json!({
            "state": state, "run": run.id, "version": rules.version(), "as_of": as_of,
            "customers": n, "resumed_from": if state == "resumed" { run.done } else { 0 },
            "written": written, "outbox_pending": pending,
        }));
    }
    match state {
        "up_to_date" => println!(
            "Rule set {} is already published as of {} (run {}); nothing to do (--restart recomputes)",
            rules.version(),
            as_of.date(),
            run.id
        ),
        "interrupted" => println!(
            "Publish of rule set {} stopped after {} batches: run {} has {} of {} customers; publish again to continue",
            rules.version(),
            written.batches,
            run.id,
            count(run.done + written.customers),
            count(n as u64)
        ),
        _ => {
            let from = if state == "resumed" {
                format!(" (resumed at customer {})", count(run.done))
            } else {
                String::new()
            };
            println!(
                "Published rule set {} as of {}: run {}, {} customers{from}",
                rules.version(),
                as_of.date(),
                run.id,
                count(n as u64)
            );
            println!(
                "wrote {} customers in {} batches: {} ledger entries in {} summary lines, {} transitions, {} firings; {} outbox entries pending",
                count(written.customers),
                count(written.batches),
                count(written.ledger_entries),
                count(written.ledger_lines),
                count(written.transitions),
                count(written.firings),
                count(pending)
            );
            println!(
                "time: load {:.2} s, compute {:.2} s, write {:.2} s, total {:.2} s",
                loaded.as_secs_f64(),
                computing.as_secs_f64(),
                writing.as_secs_f64(),
                started.elapsed().as_secs_f64()
            );
        }
    }
    Ok(())
}

/// The version with the names its stored rows refer to.
pub fn rule_version(rules: &RuleSet) -> RuleVersion {
    let stages = rules.stage_names();
    RuleVersion {
        version: rules.version().to_owned(),
        canonical: rules.canonical().to_owned(),
        names: RuleNames {
            scores: rules.score_names().into_iter().map(str::to_owned).collect(),
            rules: (0..rules.rule_count() as u32)
                .map(|r| rules.rule_name(r).to_owned())
                .collect(),
            stages: stages
                .iter()
                .enumerate()
                .map(|(s, name)| StageNames {
                    name: (*name).to_owned(),
                    levels: rules
                        .level_names(s)
                        .into_iter()
                        .map(str::to_owned)
                        .collect(),
                })
                .collect(),
            triggers: (0..rules.trigger_count() as u32)
                .map(|t| TriggerNames {
                    name: rules.trigger_name(t).to_owned(),
                    action: rules.trigger_action(t).to_owned(),
                })
                .collect(),
        },
    }
}

/// The store's rows for a table of customers `start..start + table.len()`.
fn to_batch(facts: &Facts, table: &ScoreTable, start: usize, written: &mut Written) -> RuleBatch {
    let customers = (0..table.len())
        .map(|c| {
            let ledger = table.ledger(c);
            let summary = summarise_ledger(ledger);
            written.customers += 1;
            written.ledger_entries += ledger.len() as u64;
            written.ledger_lines += summary.len() as u64;
            written.transitions += table.transitions(c).len() as u64;
            written.firings += table.outbox(c).len() as u64;
            CustomerRuleResults {
                customer: facts.customers.ids[start + c].clone(),
                scores: table.values(c).iter().map(|p| p.micros()).collect(),
                levels: table.levels(c).to_vec(),
                ledger: summary
                    .iter()
                    .map(|l| LedgerLine {
                        score: l.score,
                        source: match l.source {
                            SummarySource::EventRule(r) => LedgerSource::EventRule(r),
                            SummarySource::StateRule(r) => LedgerSource::StateRule(r),
                            SummarySource::Bound(g, Bound::Cap) => LedgerSource::Cap(g),
                            SummarySource::Bound(g, Bound::Floor) => LedgerSource::Floor(g),
                        },
                        entries: l.entries,
                        points: l.points.micros(),
                        original_points: l.original_points.micros(),
                        first_at: l.first_at,
                        last_at: l.last_at,
                    })
                    .collect(),
                transitions: table
                    .transitions(c)
                    .iter()
                    .map(|t| TransitionLine {
                        stage: t.stage,
                        from: t.from,
                        to: t.to,
                        at: t.at,
                        cause: match t.cause {
                            Cause::First => TransitionCause::First,
                            Cause::Award { rule, event } => TransitionCause::Award {
                                rule,
                                fact: match event {
                                    EventRef::Event(i) => FactPosition::Event(i),
                                    EventRef::Order(i) => FactPosition::Order(i),
                                },
                            },
                            Cause::State { rule, holds } => TransitionCause::State { rule, holds },
                            Cause::Time => TransitionCause::Time,
                        },
                    })
                    .collect(),
                firings: table
                    .outbox(c)
                    .iter()
                    .map(|o| FiringLine {
                        trigger: o.trigger,
                        occurrence: o.occurrence,
                        at: o.at,
                    })
                    .collect(),
            }
        })
        .collect();
    RuleBatch {
        start: start as u64,
        customers,
    }
}

/// FNV-1a (64 bits) over what rule scores read: customers (ids, acquisition, consent,
/// attributes), orders, events (with the loaded properties) and tickets. An interrupted publish continues only on facts with
/// the same digest.
pub fn facts_digest(facts: &Facts) -> String {
    struct Fnv(u64);
    impl Fnv {
        fn bytes(&mut self, b: &[u8]) {
            for &x in b {
                self.0 = (self.0 ^ u64::from(x)).wrapping_mul(0x0000_0100_0000_01b3);
            }
        }
        /// A whole word at a time (a fingerprint, not a cryptographic hash).
        fn int(&mut self, v: i64) {
            self.0 = (self.0 ^ v as u64).wrapping_mul(0x0000_0100_0000_01b3);
        }
    }
    let mut h = Fnv(0xcbf2_9ce4_8422_2325);
    h.int(facts.as_of.secs());
    let c = &facts.customers;
    h.int(c.len() as i64);
    for (i, id) in c.ids.iter().enumerate() {
        h.bytes(id.as_str().as_bytes());
        h.int(c.created_at[i].secs());
        let flag = |b: Option<bool>| b.map_or(2, i64::from);
        h.int(flag(c.consent[i].marketing) * 3 + flag(c.consent[i].profiling));
    }
    for (name, values) in &c.attributes {
        h.bytes(name.as_bytes());
        for v in values {
            match v {
                None => h.int(0),
                Some(AttrValue::Bool(b)) => h.int(1 + i64::from(*b)),
                Some(AttrValue::Number(x)) => h.int(x.to_bits() as i64),
                Some(AttrValue::Date(d)) => h.bytes(d.to_string().as_bytes()),
                Some(AttrValue::Text(t)) => h.bytes(t.as_bytes()),
            }
        }
    }
    let o = &facts.orders;
    for offsets in [&o.offsets, &facts.events.offsets, &facts.tickets.offsets] {
        h.int(offsets.last().copied().unwrap_or(0) as i64);
    }
    for i in 0..o.timestamp.len() {
        h.int(o.timestamp[i].secs());
        h.int(o.amount[i].raw());
        h.int(i64::from(o.category[i]));
        h.int(i64::from(o.sku[i]));
    }
    for name in (0..o.categories.len()).map(|k| o.categories.name(k as u32)) {
        h.bytes(name.as_bytes());
    }
    let e = &facts.events;
    for i in 0..e.timestamp.len() {
        h.int(e.timestamp[i].secs());
        h.int(i64::from(e.event_type[i]));
    }
    for name in (0..e.types.len()).map(|k| e.types.name(k as u32)) {
        h.bytes(name.as_bytes());
    }
    for (name, column) in &e.properties {
        h.bytes(name.as_bytes());
        for &code in column {
            h.int(i64::from(code));
        }
    }
    for name in (0..e.property_values.len()).map(|k| e.property_values.name(k as u32)) {
        h.bytes(name.as_bytes());
    }
    for t in &facts.tickets.rows {
        h.int(t.opened_at.secs());
    }
    format!("{:016x}", h.0)
}
