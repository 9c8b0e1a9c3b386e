//! Retention: facts older than the ages of `[retention]` are deleted, and persons inactive
//! longer than `inactive` are erased as `patron privacy erase` would, by one command that
//! reports what it removed (or, in a dry run, what it would remove).

use crate::AppError;
use crate::project::Project;
use patron_core::Timestamp;
use patron_core::config::RETAINED_FACTS;
use patron_store::{PurgeReport, RetentionPolicy, Store};

/// What `[retention]` removes as of `as_of`: each age counted back from it.
pub fn policy(
    project: &Project,
    as_of: Timestamp,
    dry_run: bool,
    actor: &str,
) -> Result<RetentionPolicy, AppError> {
    let retention = &project.config.retention;
    if retention.is_empty() {
        return Err(AppError::Invalid(
            "nothing to purge: patron.toml has no [retention] ages (e.g. facts = \"10y\", \
             inactive = \"3y\")"
                .into(),
        ));
    }
    let before =
        |age: &patron_core::config::Duration| Timestamp::from_secs(as_of.secs() - age.secs());
    Ok(RetentionPolicy {
        facts_before: RETAINED_FACTS
            .iter()
            .filter_map(|(table, _, kind)| {
                retention
                    .age_of(kind)
                    .map(|age| ((*table).to_owned(), before(age)))
            })
            .collect(),
        inactive_before: retention.inactive.as_ref().map(before),
        dry_run,
        actor: actor.to_owned(),
    })
}

/// Purges what `policy` names; a residue of an erased person in a store file is an error.
pub async fn purge(store: &dyn Store, policy: &RetentionPolicy) -> Result<PurgeReport, AppError> {
    let report = store.purge(policy).await?;
    if !report.erasure.residues.is_empty() {
        return Err(AppError::Data(format!(
            "the inactive persons' rows are erased, but {} still hold(s) one of their identifiers",
            report.erasure.residues.join(", ")
        )));
    }
    Ok(report)
}
