//! `patron privacy`: export everything held about a person, or erase them (GDPR Art. 15, 17, 20).

use crate::cli::Global;
use crate::output::print_json;
use anyhow::{Result, bail};
use clap::Subcommand;
use patron_core::ids::CustomerId;

/// `patron privacy` subcommands.
#[derive(Debug, Subcommand)]
pub enum PrivacyCommand {
    /// Everything Patron holds about a person, as JSON: facts, cards of every run, ledgers,
    /// alarms, outbox entries, merges, corrections, consent history, overrides, and how each
    /// score was reached.
    #[command(
        after_help = "Examples:\n  patron privacy export C000002 > C000002.json\n  patron privacy export C000002 --out C000002.json"
    )]
    Export {
        /// The customer (a merged-away id finds the whole person).
        id: String,
        /// Write to this file instead of standard output.
        #[arg(long)]
        out: Option<std::path::PathBuf>,
    },
    /// Erase a person from every table and every store file (the write-ahead log and free
    /// pages included), leaving an audit entry without personal data. Cannot be undone.
    #[command(after_help = "Example:\n  patron privacy erase C000002 --yes")]
    Erase {
        /// The customer (a merged-away id erases the whole person).
        id: String,
        /// Confirm: the erasure cannot be undone.
        #[arg(long)]
        yes: bool,
    },
    /// Delete facts older than the ages of `[retention]` in patron.toml and erase persons
    /// inactive longer than `inactive`, then check the store files as an erasure does.
    #[command(
        after_help = "Examples (patron.toml: [retention] facts = \"10y\", events = \"2y\", inactive = \"3y\"):\n  patron privacy purge --dry-run\n  patron privacy purge --yes --json"
    )]
    Purge(PurgeArgs),
    /// Replace the key of pseudonymised exports: later exports' pseudonyms cannot be linked
    /// to earlier ones.
    #[command(after_help = "Example:\n  patron privacy rotate-pseudonyms --yes")]
    RotatePseudonyms {
        /// Confirm: earlier pseudonyms can no longer be joined with later ones.
        #[arg(long)]
        yes: bool,
    },
}

/// `patron privacy purge` flags.
#[derive(Debug, clap::Args)]
pub struct PurgeArgs {
    /// Count what would be removed; change nothing.
    #[arg(long)]
    pub dry_run: bool,
    /// Confirm: purged facts and persons cannot be brought back.
    #[arg(long)]
    pub yes: bool,
    /// Count the ages back from this date (default: now).
    #[arg(long)]
    pub as_of: Option<String>,
}

/// `patron privacy …`.
pub async fn run(global: &Global, command: &PrivacyCommand) -> Result<()> {
    let project = crate::project::load(global)?;
    let store = project.open_store().await?;
    let actor = patron_app::privacy::cli_actor();
    match command {
        PrivacyCommand::Purge(args) => return purge(global, &project, store.as_ref(), args).await,
        PrivacyCommand::RotatePseudonyms { yes } => {
            if !yes {
                bail!(
                    "after rotating, pseudonyms of new exports cannot be joined with earlier ones: add --yes"
                );
            }
            patron_app::pseudonyms::rotate(store.as_ref(), &actor).await?;
            println!(
                "the key of pseudonymised exports is new: earlier pseudonyms are unlinkable to later ones"
            );
        }
        PrivacyCommand::Export { id, out } => {
            let id = CustomerId::parse(id)?;
            let export = patron_app::privacy::export(store.as_ref(), &id, &actor).await?;
            match out {
                Some(path) => {
                    let text = serde_json::to_string_pretty(&export)?;
                    std::fs::write(path, text)
                        .map_err(|e| anyhow::anyhow!("writing {}: {e}", path.display()))?;
                    if !global.quiet {
                        eprintln!(
                            "wrote everything held about {id} to {} ({} rows, {} cards)",
                            path.display(),
                            export.data.tables.values().map(Vec::len).sum::<usize>(),
                            export.data.cards.len()
                        );
                    }
                }
                None => print_json(&export)?,
            }
        }
        PrivacyCommand::Erase { id, yes } => {
            let id = CustomerId::parse(id)?;
            if !yes {
                bail!(
                    "erasing {id} cannot be undone: add --yes (export first with `patron privacy export {id}` if the person asked for a copy)"
                );
            }
            let report = patron_app::privacy::erase(store.as_ref(), &id, &actor).await?;
            if global.json {
                return print_json(&report);
            }
            let tables: Vec<String> = report
                .removed
                .iter()
                .filter(|(_, n)| **n > 0)
                .map(|(t, n)| format!("{n} {t}"))
                .collect();
            println!(
                "erased {id}: {} rows ({})",
                report.total(),
                tables.join(", ")
            );
            if !report.recompressed_runs.is_empty() {
                println!(
                    "cards of run(s) {:?} compressed again: their dictionary held the person's id",
                    report.recompressed_runs
                );
            }
            if report.redacted > 0 {
                println!(
                    "{} stored text(s) (run summaries, models, segments) redacted",
                    report.redacted
                );
            }
            if report.shared_identifiers > 0 {
                println!(
                    "{} identifier(s) (a name, e-mail or phone) also belong to {}: they stay where those customers are named; if one of them is the same person, erase it too",
                    report.shared_identifiers,
                    report.shared_with.join(", ")
                );
            }
            println!(
                "the store files were checked byte by byte: no identifier of the person is left{}",
                if report.vacuumed {
                    " (the database was rebuilt to clear free space)"
                } else {
                    ""
                }
            );
            let sources = source_files_naming(&project, &id);
            if !sources.is_empty() {
                println!(
                    "note: source files Patron imported still name {id}: {} (they are yours; delete or correct them so a re-import does not bring the person back)",
                    sources.join(", ")
                );
            }
        }
    }
    Ok(())
}

/// `patron privacy purge`.
async fn purge(
    global: &Global,
    project: &crate::project::Project,
    store: &dyn patron_store::Store,
    args: &PurgeArgs,
) -> Result<()> {
    if !args.dry_run && !args.yes {
        bail!("purging cannot be undone: add --yes (see what would go with --dry-run)");
    }
    let as_of = match crate::flags::as_of(args.as_of.as_deref())? {
        Some(t) => t,
        None => patron_core::Timestamp::from_secs(
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(0, |d| d.as_secs() as i64),
        ),
    };
    let actor = patron_app::privacy::cli_actor();
    let policy = patron_app::retention::policy(project, as_of, args.dry_run, &actor)?;
    let report = patron_app::retention::purge(store, &policy).await?;
    if global.json {
        return print_json(&report);
    }
    let verb = if report.dry_run {
        "would delete"
    } else {
        "deleted"
    };
    for (table, before) in &policy.facts_before {
        println!(
            "{verb} {} {table} from before {}",
            report.facts.get(table).copied().unwrap_or(0),
            before.date()
        );
    }
    if let Some(before) = policy.inactive_before {
        println!(
            "{} {} person(s) inactive since before {} ({} rows)",
            if report.dry_run {
                "would erase"
            } else {
                "erased"
            },
            report.persons,
            before.date(),
            report.erasure.total()
        );
    }
    if !report.dry_run {
        println!(
            "the store files were checked byte by byte: no identifier of an erased person is left"
        );
    }
    Ok(())
}

/// The configured source files that still contain the id (a re-import would restore it).
fn source_files_naming(project: &crate::project::Project, id: &CustomerId) -> Vec<String> {
    let files: Vec<std::path::PathBuf> = project
        .config
        .sources
        .values()
        .map(|s| project.dir.join(&s.path))
        .collect();
    patron_store::privacy::files_containing(&files, &[id.as_str()])
        .iter()
        .map(|f| {
            f.strip_prefix(&project.dir)
                .unwrap_or(f)
                .display()
                .to_string()
        })
        .collect()
}
