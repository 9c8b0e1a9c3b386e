//! A customer contesting an automated decision (GDPR Art. 22 (3)): the contest is recorded
//! with what the customer says, waits on the "contested decisions" worklist until a person
//! reviews it, and ends upheld, changed (by an override or a corrected fact) or withdrawn.
//! The CLI and the HTTP API call these; each step leaves an audit entry without the statement.

use crate::AppError;
use patron_core::ids::CustomerId;
use patron_store::{
    CONTEST_OUTCOMES, CONTESTABLE, ContestRecord, ContestResolution, NewContest, Store, StoreError,
};

/// Longest statement or resolution kept, in characters.
const MAX_TEXT: usize = 4_000;

/// Records that a customer contests `contest.decision`.
pub async fn file(store: &dyn Store, contest: NewContest) -> Result<ContestRecord, AppError> {
    one_of("decision", &contest.decision, &CONTESTABLE)?;
    let statement = text("statement", &contest.statement)?;
    let channel = contest.channel.trim().to_owned();
    if channel.is_empty() || channel.chars().count() > 40 {
        return Err(AppError::Invalid(
            "a contest needs the channel it came in by (phone, e-mail, letter, web, …), at most 40 characters"
                .into(),
        ));
    }
    let id = contest.customer_id.clone();
    store
        .file_contest(&NewContest {
            statement,
            channel,
            ..contest
        })
        .await
        .map_err(|e| match e {
            StoreError::UnknownCustomer(_) => {
                AppError::UnknownCustomer(format!("customer {id} is unknown"))
            }
            e => e.into(),
        })
}

/// Contests of customer `id` (or everyone's), newest first, only the open ones if asked.
pub async fn list(
    store: &dyn Store,
    id: Option<&CustomerId>,
    open_only: bool,
    limit: u32,
) -> Result<Vec<ContestRecord>, AppError> {
    Ok(store
        .contests(id, open_only, limit.clamp(1, 10_000))
        .await?)
}

/// Ends open contest `id` with `resolution`.
pub async fn resolve(
    store: &dyn Store,
    id: i64,
    resolution: ContestResolution,
) -> Result<ContestRecord, AppError> {
    one_of("outcome", &resolution.outcome, &CONTEST_OUTCOMES)?;
    let words = text("resolution", &resolution.resolution)?;
    store
        .resolve_contest(
            id,
            &ContestResolution {
                resolution: words,
                ..resolution
            },
        )
        .await?
        .ok_or_else(|| AppError::NotFound(format!("no open contest {id}")))
}

fn one_of(what: &str, value: &str, allowed: &[&str]) -> Result<(), AppError> {
    if allowed.contains(&value) {
        Ok(())
    } else {
        Err(AppError::Invalid(format!(
            "{value:?} is not a {what}: expected one of {}",
            allowed.join(", ")
        )))
    }
}

fn text(what: &str, value: &str) -> Result<String, AppError> {
    let trimmed = value.trim();
    if trimmed.is_empty() || trimmed.chars().count() > MAX_TEXT {
        return Err(AppError::Invalid(format!(
            "the {what} must have 1 to {MAX_TEXT} characters"
        )));
    }
    Ok(trimmed.to_owned())
}
