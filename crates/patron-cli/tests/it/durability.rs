//! Issue 11, defect 7 and build 5: committed work is in the database file when a command exits,
//! `patron backup` makes a consistent copy while others read, and `patron check` finds damage.

use crate::support::{ORDERS_PROJECT, TempProject, patron};
use std::io::{Seek, SeekFrom, Write};
use std::path::Path;

/// A project of 300 customers with a few orders each, imported and scored once.
fn scored_project() -> TempProject {
    let p = TempProject::new(ORDERS_PROJECT);
    let mut rows = String::from("order,customer,date,sku,qty,price\n");
    let mut n = 0;
    for c in 0..300u32 {
        for k in 0..(1 + c % 4) {
            n += 1;
            let month = 1 + (c + k * 5) % 12;
            let day = 1 + (c * 3 + k) % 28;
            let price = 5 + (c * 7 + k * 13) % 90;
            rows.push_str(&format!(
                "O{n},C{c:04},2024-{month:02}-{day:02},S{},{},{price}\n",
                k % 6,
                1 + k % 3
            ));
        }
    }
    p.write("orders.csv", rows);
    p.run(&["import", "--quiet"]).ok();
    p.run(&["score", "--quiet"]).ok();
    p
}

fn wal_bytes(db: &Path) -> u64 {
    let wal = db.with_extension("db-wal");
    std::fs::metadata(wal).map_or(0, |m| m.len())
}

#[test]
fn a_score_run_is_in_the_database_file_when_the_command_exits_even_with_a_reader_open() {
    let p = scored_project();
    let db = p.path().join("patron.db");
    // Another process keeping the store open (a reader): the closing command is then not the
    // last connection, so SQLite would not checkpoint on close, and the run sat in the -wal.
    let reader = rusqlite::Connection::open(&db).unwrap();
    let runs: i64 = reader
        .query_row("SELECT COUNT(*) FROM score_runs", [], |r| r.get(0))
        .unwrap();
    assert_eq!(runs, 1);
    p.run(&["score", "--quiet"]).ok();
    assert_eq!(wal_bytes(&db), 0, "the run was left in the write-ahead log");
    // The database file alone (a naive backup, or a lost -wal) holds both runs.
    let copy = tempfile::tempdir().unwrap();
    std::fs::write(copy.path().join("patron.toml"), ORDERS_PROJECT).unwrap();
    std::fs::copy(&db, copy.path().join("patron.db")).unwrap();
    let status = patron(copy.path(), &["status", "--json"]).ok().json();
    assert_eq!(status["score_runs"], 2);
    patron(copy.path(), &["check"]).ok();
    drop(reader);
}

#[test]
fn backup_copies_every_committed_run_while_a_reader_holds_a_snapshot() {
    let p = scored_project();
    let db = p.path().join("patron.db");
    // A long read transaction in another connection does not block the backup.
    let mut reader = rusqlite::Connection::open(&db).unwrap();
    let tx = reader.transaction().unwrap();
    let _: i64 = tx
        .query_row("SELECT COUNT(*) FROM score_cards", [], |r| r.get(0))
        .unwrap();
    let out = tempfile::tempdir().unwrap();
    let target = out.path().join("backup.db");
    let target_text = target.to_str().unwrap();
    let b = p.run(&["backup", target_text, "--json"]).ok().json();
    assert_eq!(b["score_runs"], 1);
    drop(tx);
    // It never overwrites.
    let again = p.run(&["backup", target_text]);
    assert_eq!(again.code, 1, "{}", again.stderr);
    assert!(again.stderr.contains("already exists"), "{}", again.stderr);
    // Restore: the copy is a working store with the run and its cards.
    let restored = tempfile::tempdir().unwrap();
    std::fs::write(restored.path().join("patron.toml"), ORDERS_PROJECT).unwrap();
    std::fs::copy(&target, restored.path().join("patron.db")).unwrap();
    let check = patron(restored.path(), &["check", "--json"]).ok().json();
    assert_eq!(check["ok"], true);
    assert_eq!(check["check"]["score_runs"], 1);
    assert_eq!(check["check"]["cards"], 300);
    let show = patron(restored.path(), &["show", "C0007", "--json"])
        .ok()
        .json();
    assert_eq!(show["card"]["customer_id"], "C0007");
}

#[test]
fn a_damaged_page_fails_status_score_and_check() {
    let p = scored_project();
    let db = p.path().join("patron.db");
    let check = p.run(&["check", "--json"]).ok().json();
    assert_eq!(check["ok"], true, "{check}");
    assert_eq!(check["check"]["cards"], 300);
    // Damage the root page of the cards table (the file is complete: the log is empty).
    assert_eq!(wal_bytes(&db), 0);
    let (page_size, root): (i64, i64) = {
        let c = rusqlite::Connection::open(&db).unwrap();
        let size = c.query_row("PRAGMA page_size", [], |r| r.get(0)).unwrap();
        let root = c
            .query_row(
                "SELECT rootpage FROM sqlite_master WHERE name = 'score_cards'",
                [],
                |r| r.get(0),
            )
            .unwrap();
        (size, root)
    };
    {
        let mut f = std::fs::OpenOptions::new().write(true).open(&db).unwrap();
        f.seek(SeekFrom::Start(((root - 1) * page_size + 8) as u64))
            .unwrap();
        f.write_all(&vec![0xA5; (page_size - 16) as usize]).unwrap();
        f.sync_all().unwrap();
    }
    // `status`, which reads no cards, checks the pages of a store this small and exits 1 …
    let status = p.run(&["status"]);
    assert_eq!(status.code, 1, "{}", status.stderr);
    assert!(
        status.stderr.contains("the store is damaged"),
        "{}",
        status.stderr
    );
    // … so do a score run and a rules publish, before computing anything …
    let score = p.run(&["score", "--quiet"]);
    assert_eq!(score.code, 1, "{}", score.stderr);
    assert!(score.stderr.contains("patron check"), "{}", score.stderr);
    // … and `check` lists the damage and exits 1.
    let run = p.run(&["check"]);
    assert_eq!(
        run.code, 1,
        "stdout: {}\nstderr: {}",
        run.stdout, run.stderr
    );
    assert!(run.stdout.contains("DAMAGED"), "{}", run.stdout);
    assert!(
        run.stderr.contains("the store is damaged"),
        "{}",
        run.stderr
    );
}

#[test]
fn check_warns_of_facts_stored_outside_the_documented_ranges() {
    // A store written before the ranges were enforced: an order line dated 9999-12-31 at a
    // price that wrapped.
    let p = scored_project();
    {
        let db = rusqlite::Connection::open(p.path().join("patron.db")).unwrap();
        db.execute(
            "INSERT INTO order_lines (order_id, line_no, customer_key, ts, quantity, amount, is_return)
             VALUES ('X1', 1, 1, 253402214400, 1, -9223372036854775807, 0)",
            [],
        )
        .unwrap();
    }
    let check = p.run(&["check", "--json"]).ok().json();
    assert_eq!(check["ok"], true, "not damage: {check}");
    let warnings = check["check"]["warnings"].as_array().unwrap();
    assert_eq!(warnings.len(), 1, "{check}");
    assert!(
        warnings[0]
            .as_str()
            .unwrap()
            .starts_with("order_lines: 1 fact(s) outside the documented ranges"),
        "{check}"
    );
}

/// Issue 11 acceptance: `patron backup` while a score run is being written gives a copy that
/// passes `patron check` and holds every run committed before the backup started.
#[test]
fn a_backup_during_a_running_score_holds_every_run_committed_before_it() {
    let dir = tempfile::tempdir().unwrap();
    let project = crate::support::demo_project(dir.path(), "6000");
    // Run 1 (the demo's) is committed; run 2 is computed while the backup is taken.
    let bin = env!("CARGO_BIN_EXE_patron");
    let mut score = std::process::Command::new(bin)
        .args(["--project", project.to_str().unwrap(), "score", "--quiet"])
        .env_remove("PATRON_PROJECT")
        .env_remove("PATRON_STORE_URL")
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    std::thread::sleep(std::time::Duration::from_millis(400));
    let out = tempfile::tempdir().unwrap();
    let target = out.path().join("backup.db");
    let backup = patron(&project, &["backup", target.to_str().unwrap(), "--json"])
        .ok()
        .json();
    let still_running = score.try_wait().unwrap().is_none();
    let status = score.wait().unwrap();
    assert!(status.success(), "the score run failed");
    let runs = backup["score_runs"].as_u64().unwrap();
    assert!(runs >= 1, "{backup}");
    if still_running {
        assert_eq!(
            runs, 1,
            "a run not yet committed is not in the backup: {backup}"
        );
    }
    // The copy is a working store: check passes and the committed run reads back.
    let restored = tempfile::tempdir().unwrap();
    std::fs::copy(
        project.join("patron.toml"),
        restored.path().join("patron.toml"),
    )
    .unwrap();
    std::fs::copy(&target, restored.path().join("patron.db")).unwrap();
    let check = patron(restored.path(), &["check", "--json"]).ok().json();
    assert_eq!(check["ok"], true, "{check}");
    assert_eq!(check["check"]["score_runs"], runs);
    let shown = patron(restored.path(), &["show", "C000002", "--json"])
        .ok()
        .json();
    assert_eq!(shown["run"], 1);
}
