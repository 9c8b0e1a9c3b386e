//! Issue 11, defects 2 and 8, build 3: one writer at a time. A second writing command waits,
//! saying which patron command holds the store since when, or refuses at once with --no-wait;
//! never the raw "database is locked". Readers are not blocked.

use crate::german::{CONFIG, write_files};
use crate::support::{TempProject, demo_project, patron};
use std::collections::BTreeSet;
use std::io::Write;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// Holds the store's writer lock as another patron process would.
fn hold_lock(project: &std::path::Path, command: &str) -> std::fs::File {
    let mut f = std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .create(true)
        .truncate(true)
        .open(project.join("patron.db.lock"))
        .unwrap();
    f.try_lock().unwrap();
    write!(
        f,
        "pid=4242\ncommand={command}\nsince=2026-01-02T10:42:05Z\n"
    )
    .unwrap();
    f
}

#[test]
fn a_second_writer_waits_with_a_clear_message_or_refuses_with_no_wait() {
    let p = TempProject::new(CONFIG);
    write_files(&p);
    p.run(&["import"]).ok();
    let lock = hold_lock(p.path(), "import");

    // --no-wait: at once, naming the holder.
    let started = Instant::now();
    for args in [
        vec!["--no-wait", "import"],
        vec!["--no-wait", "score"],
        vec!["--no-wait", "merge", "K001", "K002"],
        vec!["--no-wait", "rules", "publish"],
    ] {
        let run = p.run(&args);
        assert_eq!(run.code, 1, "{args:?}: {}", run.stderr);
        assert!(
            run.stderr.contains(
                "another patron import (pid 4242) holds the store since 2026-01-02 10:42:05 UTC"
            ),
            "{args:?}: {}",
            run.stderr
        );
        assert!(!run.stderr.contains("database is locked"), "{}", run.stderr);
    }
    assert!(started.elapsed() < Duration::from_secs(20));
    // Readers go on.
    p.run(&["status"]).ok();
    p.run(&["merge", "--list"]).ok();

    // Without --no-wait: waits, says so once, and goes on when the holder is done.
    let child = Command::new(env!("CARGO_BIN_EXE_patron"))
        .arg("--project")
        .arg(p.path())
        .args(["import", "--quiet"])
        .env_remove("PATRON_PROJECT")
        .env_remove("PATRON_STORE_URL")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    std::thread::sleep(Duration::from_millis(1500));
    drop(lock);
    let out = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    assert_eq!(
        stderr
            .matches("another patron import (pid 4242) holds the store")
            .count(),
        1,
        "{stderr}"
    );
    assert!(stderr.contains("waiting"), "{stderr}");
}

#[test]
fn two_score_runs_at_once_take_turns_and_never_duplicate_an_alarm() {
    let dir = tempfile::tempdir().unwrap();
    let project = demo_project(dir.path(), "800");
    let spawn = || {
        Command::new(env!("CARGO_BIN_EXE_patron"))
            .arg("--project")
            .arg(&project)
            // A year after the data: every run raises new alarms (sleepers) that the others,
            // reading the open alarms at their start, do not know of.
            .args(["score", "--quiet", "--json", "--as-of", "2027-06-30"])
            .env_remove("PATRON_PROJECT")
            .env_remove("PATRON_STORE_URL")
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap()
    };
    let runs: Vec<_> = (0..3).map(|_| spawn()).collect();
    for child in runs {
        let out = child.wait_with_output().unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(0), "{stderr}");
        assert!(!stderr.contains("database is locked"), "{stderr}");
    }
    let alarms = patron(&project, &["alarms", "--json"]).ok().json();
    let mut open = BTreeSet::new();
    for a in alarms.as_array().unwrap() {
        let key = (a["customer_id"].to_string(), a["kind"].to_string());
        assert!(open.insert(key.clone()), "two open episodes of {key:?}");
    }
    assert!(!open.is_empty());
}

#[test]
fn a_back_dated_score_run_leaves_the_alarms_and_the_latest_run_alone() {
    let dir = tempfile::tempdir().unwrap();
    let project = demo_project(dir.path(), "800");
    let open = || patron(&project, &["alarms", "--json"]).ok().json();
    let before = open();
    assert!(!before.as_array().unwrap().is_empty());
    let run = patron(
        &project,
        &["score", "--as-of", "2024-01-01", "--quiet", "--json"],
    );
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(open(), before, "a back-dated run changed the open alarms");
    // show and export read the run of the latest as_of (the demo's), not the one created last.
    let customer = before[0]["customer_id"].as_str().unwrap();
    let show = patron(&project, &["show", customer, "--json"]).ok().json();
    assert_eq!(show["run"], 1, "{show}");
}

/// Runs `patron ARGS` in `project` as a child process.
fn spawn(project: &std::path::Path, args: &[&str]) -> std::process::Child {
    Command::new(env!("CARGO_BIN_EXE_patron"))
        .arg("--project")
        .arg(project)
        .args(args)
        .env_remove("PATRON_PROJECT")
        .env_remove("PATRON_STORE_URL")
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap()
}

#[test]
fn import_score_publish_and_show_in_parallel_processes_lose_nothing() {
    // Issue 11 acceptance, shortened (PATRON_STRESS_SECS=60 for the full minute): import,
    // score, publish and show in parallel processes, in a loop.
    let secs: u64 = std::env::var("PATRON_STRESS_SECS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(8);
    let dir = tempfile::tempdir().unwrap();
    let project = demo_project(dir.path(), "300");
    let customer = {
        let cards = patron(&project, &["export", "--format", "json"])
            .ok()
            .json();
        cards[0]["customer_id"].as_str().unwrap().to_owned()
    };
    let started = Instant::now();
    let mut rounds = 0;
    while started.elapsed() < Duration::from_secs(secs) {
        rounds += 1;
        let as_of = format!("2026-{:02}-01", 1 + rounds % 6);
        let children = vec![
            spawn(&project, &["import", "--quiet"]),
            spawn(&project, &["score", "--quiet", "--as-of", &as_of]),
            spawn(&project, &["rules", "publish", "--quiet"]),
            spawn(&project, &["show", &customer]),
            spawn(&project, &["score", "--quiet"]),
        ];
        for child in children {
            let out = child.wait_with_output().unwrap();
            let stderr = String::from_utf8_lossy(&out.stderr);
            assert!(!stderr.contains("database is locked"), "{stderr}");
            assert_eq!(out.status.code(), Some(0), "{stderr}");
        }
    }
    // No duplicate open alarm, every run knows its facts, and the store is intact.
    let alarms = patron(&project, &["alarms", "--json"]).ok().json();
    let mut open = BTreeSet::new();
    for a in alarms.as_array().unwrap() {
        let key = (a["customer_id"].to_string(), a["kind"].to_string());
        assert!(open.insert(key.clone()), "two open episodes of {key:?}");
    }
    let db = rusqlite::Connection::open(project.join("patron.db")).unwrap();
    let (runs, without): (i64, i64) = db
        .query_row(
            "SELECT COUNT(*), COUNT(*) - COUNT(json_extract(context, '$.snapshot.facts_digest'))
             FROM score_runs",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .unwrap();
    assert_eq!(runs, 1 + 2 * rounds, "every run committed");
    assert_eq!(without, 0, "a run without its facts");
    patron(&project, &["check"]).ok();
}
