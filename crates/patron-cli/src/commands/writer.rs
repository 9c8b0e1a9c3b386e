//! One writing command at a time: the commands that write to the store take its writer lock
//! before they start (so a score never computes on facts an import is about to change), and a
//! second one waits, saying who it waits for, or with `--no-wait` refuses at once.

use crate::cli::{Command, Global, RulesCommand};
use crate::commands::{feedback::FeedbackCommand, models::ModelsCommand};
use anyhow::Result;
use patron_store::WriterLock;

/// The name of a command that writes to the project's store, `None` for readers. `import`
/// is not here: it takes the lock itself once its sources are parsed (patron_app::import).
fn writing_command(command: &Command) -> Option<&'static str> {
    Some(match command {
        Command::Score(_) => "score",
        Command::Merge(args) if !args.list => "merge",
        Command::Privacy(crate::commands::privacy::PrivacyCommand::Erase { .. }) => "privacy erase",
        Command::Privacy(crate::commands::privacy::PrivacyCommand::Purge(args))
            if !args.dry_run =>
        {
            "privacy purge"
        }
        Command::Rules(RulesCommand::Publish(_)) => "rules publish",
        Command::Feedback(FeedbackCommand::Import(_)) => "feedback import",
        Command::Models(ModelsCommand::Train(_)) => "models train",
        _ => return None,
    })
}

/// Takes the writer lock for `command` when it writes. A project or store URL that does not
/// load takes no lock: the command itself then reports what is wrong.
pub async fn lock_for(global: &Global, command: &Command) -> Result<Option<WriterLock>> {
    let Some(name) = writing_command(command) else {
        return Ok(None);
    };
    let Ok(project) = crate::project::load(global) else {
        return Ok(None);
    };
    let Ok(db) = patron_store::store_file(&project.store_url, &project.dir) else {
        return Ok(None);
    };
    let lock = WriterLock::acquire(&db, name, !global.no_wait, |holder| {
        eprintln!(
            "{}; waiting… (--no-wait to refuse at once)",
            holder.describe()
        );
    })
    .await?;
    Ok(Some(lock))
}
