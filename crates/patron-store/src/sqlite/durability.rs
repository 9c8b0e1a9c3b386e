//! Durability: the write-ahead log checkpointed into the database file when a store that wrote
//! is closed, consistent copies while others read and write, and a check of the whole store.

use super::runs::CardReader;
use crate::{BackupReport, CheckReport, Result, StoreError};
use rusqlite::OptionalExtension;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

fn bulk_error(e: rusqlite::Error) -> StoreError {
    StoreError::Bulk(e.to_string())
}

/// Shared by every clone of a store: when the last one goes and the store has written, the
/// write-ahead log is checkpointed into the database file and truncated, so the `.db` file alone
/// holds everything committed (a copy of it, or a lost `-wal`, loses nothing).
#[derive(Debug)]
pub(super) struct Closer {
    path: PathBuf,
    wrote: AtomicBool,
}

impl Closer {
    pub(super) fn new(path: &Path) -> Self {
        Closer {
            path: path.to_owned(),
            wrote: AtomicBool::new(false),
        }
    }

    /// Notes that this store has written (or is about to).
    pub(super) fn wrote(&self) {
        self.wrote.store(true, Ordering::Relaxed);
    }
}

impl Drop for Closer {
    fn drop(&mut self) {
        if self.wrote.load(Ordering::Relaxed) {
            // Another process reading or writing at this moment only postpones the checkpoint
            // (to its own close); nothing is lost either way.
            let _ = checkpoint(&self.path, Duration::from_secs(5));
        }
    }
}

/// `PRAGMA wal_checkpoint(TRUNCATE)` on a connection of its own. Returns whether it completed
/// (every page of the log in the database file, the log truncated).
pub(super) fn checkpoint(path: &Path, wait: Duration) -> rusqlite::Result<bool> {
    let conn = rusqlite::Connection::open_with_flags(
        path,
        rusqlite::OpenFlags::SQLITE_OPEN_READ_WRITE | rusqlite::OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )?;
    conn.busy_timeout(wait)?;
    let busy: i64 = conn.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |r| r.get(0))?;
    Ok(busy == 0)
}

/// A consistent copy of the store in `target` (which must not exist), made with `VACUUM INTO`
/// inside one read transaction: a snapshot of everything committed when it started, while other
/// processes go on reading and writing. Written to a temporary file beside `target`, synced, and
/// renamed, so `target` is either complete or absent.
pub(super) fn backup(path: &Path, target: &Path) -> Result<BackupReport> {
    if target.exists() {
        return Err(StoreError::Backup(format!(
            "{} already exists: choose a new file (a backup never overwrites)",
            target.display()
        )));
    }
    let dir = match target.parent() {
        Some(d) if !d.as_os_str().is_empty() => d.to_owned(),
        _ => PathBuf::from("."),
    };
    if !dir.is_dir() {
        return Err(StoreError::Backup(format!(
            "the directory {} does not exist",
            dir.display()
        )));
    }
    let name = target
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "backup".into());
    let partial = dir.join(format!(".{name}.partial-{}", std::process::id()));
    let _ = std::fs::remove_file(&partial);
    let started = std::time::Instant::now();
    let result = (|| -> Result<BackupReport> {
        let conn = super::bulk::reader(path).map_err(bulk_error)?;
        let runs: i64 = conn
            .query_row("SELECT COUNT(*) FROM score_runs", [], |r| r.get(0))
            .map_err(bulk_error)?;
        let text = partial
            .to_str()
            .ok_or_else(|| StoreError::Backup("the backup path is not UTF-8".into()))?;
        conn.execute("VACUUM INTO ?1", [text])
            .map_err(|e| StoreError::Backup(format!("copying the store: {e}")))?;
        let file = std::fs::File::open(&partial).map_err(|e| StoreError::Backup(e.to_string()))?;
        file.sync_all()
            .map_err(|e| StoreError::Backup(e.to_string()))?;
        let bytes = file
            .metadata()
            .map_err(|e| StoreError::Backup(e.to_string()))?
            .len();
        Ok(BackupReport {
            path: target.display().to_string(),
            bytes,
            score_runs: runs as u64,
            seconds: 0.0,
        })
    })();
    let mut report = match result {
        Ok(r) => r,
        Err(e) => {
            let _ = std::fs::remove_file(&partial);
            return Err(e);
        }
    };
    std::fs::rename(&partial, target).map_err(|e| {
        let _ = std::fs::remove_file(&partial);
        StoreError::Backup(format!("renaming the copy to {}: {e}", target.display()))
    })?;
    if let Ok(d) = std::fs::File::open(&dir) {
        let _ = d.sync_all();
    }
    report.seconds = started.elapsed().as_secs_f64();
    Ok(report)
}

/// SQLite's `quick_check` of every page: the problems, empty when there are none.
pub(super) fn quick_check(path: &Path) -> Result<Vec<String>> {
    let conn = super::bulk::reader(path).map_err(bulk_error)?;
    let lines = conn.prepare("PRAGMA quick_check(20)").and_then(|mut s| {
        s.query_map([], |r| r.get::<_, String>(0))?
            .collect::<rusqlite::Result<Vec<_>>>()
    });
    Ok(match lines {
        Ok(lines) => lines.into_iter().filter(|l| l != "ok").collect(),
        // A page so damaged that the check itself fails is a problem too.
        Err(e) => vec![e.to_string()],
    })
}

/// Checks the store: SQLite's `integrity_check` (or `quick_check`), then that every score run's
/// context and summary, every stored card and every registered model decodes.
pub(super) fn check(path: &Path, quick: bool) -> Result<CheckReport> {
    let conn = super::bulk::reader(path).map_err(bulk_error)?;
    let mut report = CheckReport::default();
    let pragma = if quick {
        "PRAGMA quick_check(100)"
    } else {
        "PRAGMA integrity_check(100)"
    };
    match conn.prepare(pragma).and_then(|mut s| {
        s.query_map([], |r| r.get::<_, String>(0))?
            .collect::<rusqlite::Result<Vec<_>>>()
    }) {
        Ok(lines) => {
            report.integrity = lines.into_iter().filter(|l| l != "ok").collect();
        }
        Err(e) => report.integrity.push(e.to_string()),
    }
    let runs = conn
        .prepare("SELECT id, context, summary, customers FROM score_runs ORDER BY id")
        .and_then(|mut s| {
            s.query_map([], |r| {
                Ok((
                    r.get::<_, i64>(0)?,
                    r.get::<_, String>(1)?,
                    r.get::<_, String>(2)?,
                    r.get::<_, i64>(3)?,
                ))
            })?
            .collect::<rusqlite::Result<Vec<_>>>()
        });
    match runs {
        Ok(runs) => {
            for (id, context, summary, customers) in runs {
                report.score_runs += 1;
                for (what, text) in [("context", &context), ("summary", &summary)] {
                    if let Err(e) = serde_json::from_str::<serde_json::Value>(text) {
                        report
                            .problems
                            .push(format!("score run {id}: its {what} does not decode: {e}"));
                    }
                }
                match check_cards(&conn, id) {
                    Ok(n) => {
                        report.cards += n;
                        if n != customers as u64 {
                            report.problems.push(format!(
                                "score run {id}: {n} card(s) stored, the run says {customers}"
                            ));
                        }
                    }
                    Err(e) => report.problems.push(format!("score run {id}: {e}")),
                }
            }
        }
        Err(e) => report
            .problems
            .push(format!("the score runs cannot be read: {e}")),
    }
    let models = conn
        .prepare("SELECT id, model, metrics FROM models ORDER BY id")
        .and_then(|mut s| {
            s.query_map([], |r| {
                Ok((
                    r.get::<_, i64>(0)?,
                    r.get::<_, String>(1)?,
                    r.get::<_, String>(2)?,
                ))
            })?
            .collect::<rusqlite::Result<Vec<_>>>()
        });
    match models {
        Ok(models) => {
            for (id, model, metrics) in models {
                report.models += 1;
                for (what, text) in [("model", &model), ("metrics", &metrics)] {
                    if let Err(e) = serde_json::from_str::<serde_json::Value>(text) {
                        report
                            .problems
                            .push(format!("model {id}: its {what} does not decode: {e}"));
                    }
                }
            }
        }
        Err(e) => report
            .problems
            .push(format!("the models cannot be read: {e}")),
    }
    report.warnings = out_of_range(&conn);
    Ok(report)
}

/// Facts outside the documented ranges of [`patron_core::limits`], per table.
fn out_of_range(conn: &rusqlite::Connection) -> Vec<String> {
    use patron_core::limits::{END_FACT_TIME, FIRST_FACT_TIME, MAX_MONEY_RAW, MAX_QUANTITY};
    let (first, end) = (FIRST_FACT_TIME.secs(), END_FACT_TIME.secs());
    let times = |cols: &[&str]| -> Vec<String> {
        cols.iter()
            .map(|c| format!("({c} < {first} OR {c} >= {end})"))
            .collect()
    };
    let money = |cols: &[&str]| -> Vec<String> {
        cols.iter()
            .map(|c| format!("({c} > {MAX_MONEY_RAW} OR {c} < -{MAX_MONEY_RAW})"))
            .collect()
    };
    let tables: [(&str, Vec<String>); 6] = [
        (
            "order_lines",
            [
                times(&["ts"]),
                money(&["amount", "unit_price", "cost"]),
                vec![format!("abs(quantity) > {MAX_QUANTITY}")],
            ]
            .concat(),
        ),
        ("events", times(&["ts"])),
        ("tickets", times(&["opened_at", "closed_at"])),
        (
            "invoices",
            [
                times(&["issued_at", "due_at", "paid_at"]),
                money(&["amount"]),
            ]
            .concat(),
        ),
        ("outcomes", times(&["at"])),
        (
            "contracts",
            [
                times(&[
                    "started_at",
                    "renews_at",
                    "cancelled_at",
                    "price_changed_at",
                ]),
                money(&["recurring_value", "previous_value"]),
            ]
            .concat(),
        ),
    ];
    let mut warnings = Vec::new();
    for (table, conditions) in tables {
        let sql = format!(
            "SELECT COUNT(*) FROM {table} WHERE {}",
            conditions.join(" OR ")
        );
        match conn.query_row(&sql, [], |r| r.get::<_, i64>(0)) {
            Ok(0) => {}
            Ok(n) => warnings.push(format!(
                "{table}: {n} fact(s) outside the documented ranges (dates from 1900-01-01 to before 2200-01-01, money within ±10^12, quantities within ±10^9): correct them, or delete them with a `deleted` column, and import again"
            )),
            Err(e) => warnings.push(format!("{table}: cannot check the ranges: {e}")),
        }
    }
    warnings
}

/// Decodes every card of a run (decompressed and parsed as JSON); returns how many.
fn check_cards(conn: &rusqlite::Connection, run_id: i64) -> Result<u64> {
    use rusqlite::types::ValueRef;
    let dictionary: Option<Vec<u8>> = conn
        .query_row(
            "SELECT card_dictionary FROM score_runs WHERE id = ?1",
            [run_id],
            |r| r.get(0),
        )
        .optional()
        .map_err(bulk_error)?
        .flatten();
    let mut reader = CardReader::new(dictionary.as_deref())?;
    let mut stmt = conn
        .prepare("SELECT customer_key, card FROM score_cards WHERE run_id = ?1")
        .map_err(bulk_error)?;
    let mut rows = stmt.query([run_id]).map_err(bulk_error)?;
    let mut n = 0u64;
    while let Some(r) = rows.next().map_err(bulk_error)? {
        let key: i64 = r.get(0).map_err(bulk_error)?;
        let stored = match r.get_ref(1).map_err(bulk_error)? {
            ValueRef::Blob(b) | ValueRef::Text(b) => b.to_vec(),
            _ => {
                return Err(StoreError::Bulk(format!(
                    "the card of key {key} is missing"
                )));
            }
        };
        let text = reader
            .text(stored)
            .map_err(|e| StoreError::Bulk(format!("the card of key {key}: {e}")))?;
        serde_json::from_str::<serde::de::IgnoredAny>(&text)
            .map_err(|e| StoreError::Bulk(format!("the card of key {key} does not decode: {e}")))?;
        n += 1;
    }
    Ok(n)
}
