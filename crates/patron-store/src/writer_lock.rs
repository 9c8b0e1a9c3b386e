//! One writing command at a time: an advisory lock on a file next to the store
//! (`patron.db.lock`), held for the whole command, that says who holds it.
//!
//! The operating system releases the lock when its process ends in any way (kill -9 included),
//! so a stale lock file never blocks anyone: only its text (pid, command, start time) remains
//! until the next writer replaces it. Readers never take the lock; SQLite's own locking still
//! guards every transaction underneath.

use crate::{Result, StoreError};
use std::fs::{File, TryLockError};
use std::io::{Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

/// Who holds the lock, as its file says.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LockHolder {
    /// Process id.
    pub pid: Option<u32>,
    /// The command, e.g. `import`, `score`, `rules publish`.
    pub command: String,
    /// When it took the lock (UTC, ISO 8601).
    pub since: String,
}

impl LockHolder {
    fn parse(text: &str) -> Self {
        let mut holder = LockHolder::default();
        for line in text.lines() {
            match line.split_once('=') {
                Some(("pid", v)) => holder.pid = v.trim().parse().ok(),
                Some(("command", v)) => holder.command = v.trim().to_owned(),
                Some(("since", v)) => holder.since = v.trim().to_owned(),
                _ => {}
            }
        }
        holder
    }

    /// "another patron import (pid 1234) holds the store since 10:42:05 UTC".
    pub fn describe(&self) -> String {
        let command = if self.command.is_empty() {
            "command"
        } else {
            &self.command
        };
        let pid = self.pid.map_or_else(String::new, |p| format!(" (pid {p})"));
        // `2026-06-30T10:42:05Z` → `10:42:05 UTC` (the date only when it is not today's).
        let since = match self.since.get(11..19) {
            Some(time) if self.since.get(..10) == Some(today().as_str()) => {
                format!(" since {time} UTC")
            }
            Some(time) => format!(" since {} {time} UTC", &self.since[..10]),
            None => String::new(),
        };
        format!("another patron {command}{pid} holds the store{since}")
    }
}

fn today() -> String {
    crate::sqlite::now_text().chars().take(10).collect()
}

/// The lock file of a store file.
pub fn lock_path(db: &Path) -> PathBuf {
    let mut name = db.file_name().map(|n| n.to_owned()).unwrap_or_default();
    name.push(".lock");
    db.with_file_name(name)
}

/// A held writer lock; dropping it releases the lock.
#[derive(Debug)]
pub struct WriterLock {
    file: File,
}

impl WriterLock {
    /// Takes the writer lock of the store file `db` for `command`. When another process holds
    /// it: with `wait`, calls `on_wait` once with the holder and waits until it is free;
    /// without, fails at once with [`StoreError::Busy`] naming the holder.
    pub async fn acquire(
        db: &Path,
        command: &str,
        wait: bool,
        on_wait: impl FnOnce(&LockHolder),
    ) -> Result<WriterLock> {
        let path = lock_path(db);
        let io = |e: std::io::Error| {
            StoreError::Lock(format!("cannot use the lock file {}: {e}", path.display()))
        };
        let mut file = std::fs::OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .open(&path)
            .map_err(io)?;
        match file.try_lock() {
            Ok(()) => {}
            Err(TryLockError::WouldBlock) => {
                let mut text = String::new();
                let _ = file.read_to_string(&mut text);
                let holder = LockHolder::parse(&text);
                if !wait {
                    return Err(StoreError::Busy(format!(
                        "{}; not waiting (--no-wait)",
                        holder.describe()
                    )));
                }
                on_wait(&holder);
                file = tokio::task::spawn_blocking(move || file.lock().map(|()| file))
                    .await
                    .map_err(|e| StoreError::Lock(e.to_string()))?
                    .map_err(io)?;
            }
            Err(TryLockError::Error(e)) => return Err(io(e)),
        }
        let text = format!(
            "pid={}\ncommand={command}\nsince={}\n",
            std::process::id(),
            crate::sqlite::now_text()
        );
        file.set_len(0).map_err(io)?;
        file.seek(SeekFrom::Start(0)).map_err(io)?;
        file.write_all(text.as_bytes()).map_err(io)?;
        Ok(WriterLock { file })
    }
}

impl Drop for WriterLock {
    fn drop(&mut self) {
        let _ = self.file.unlock();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn describes_the_holder() {
        let h = LockHolder::parse("pid=1234\ncommand=import\nsince=2020-01-02T10:42:05Z\n");
        assert_eq!(h.pid, Some(1234));
        assert_eq!(
            h.describe(),
            "another patron import (pid 1234) holds the store since 2020-01-02 10:42:05 UTC"
        );
        assert_eq!(
            LockHolder::default().describe(),
            "another patron command holds the store"
        );
        assert_eq!(
            lock_path(Path::new("/p/patron.db")),
            Path::new("/p/patron.db.lock")
        );
    }

    #[tokio::test]
    async fn a_second_writer_waits_or_refuses() {
        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join("patron.db");
        let first = WriterLock::acquire(&db, "score", true, |_| panic!("free"))
            .await
            .unwrap();
        // File locks are per open file description: a second one in this process conflicts
        // just as another process would.
        let refused = WriterLock::acquire(&db, "import", false, |_| {})
            .await
            .unwrap_err();
        let message = refused.to_string();
        assert!(
            message.contains(&format!(
                "another patron score (pid {}) holds the store since",
                std::process::id()
            )),
            "{message}"
        );
        assert!(message.contains("--no-wait"), "{message}");
        let releaser = tokio::spawn(async move {
            std::thread::sleep(std::time::Duration::from_millis(200));
            drop(first);
        });
        let mut told = None;
        let second = WriterLock::acquire(&db, "import", true, |h| told = Some(h.clone()))
            .await
            .unwrap();
        releaser.await.unwrap();
        assert_eq!(told.unwrap().command, "score");
        let text = std::fs::read_to_string(lock_path(&db)).unwrap();
        assert!(text.contains("command=import"), "{text}");
        drop(second);
    }
}
