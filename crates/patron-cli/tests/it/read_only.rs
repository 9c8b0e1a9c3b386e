//! Issue 11, defect 9: a read-only project directory blocked even reading commands (SQLite
//! could not create its shared-memory file). Reading commands now open the store immutable;
//! writing ones fail clearly. The directory is made read-only by a read-only bind mount (this
//! runs as root, whom file permissions do not stop).

use crate::support::{demo_project, patron};
use std::path::{Path, PathBuf};
use std::process::Command;

/// A read-only view of a directory, unmounted when dropped (also when the test fails).
struct ReadOnlyMount(PathBuf);

impl ReadOnlyMount {
    fn of(source: &Path, target: &Path) -> Option<Self> {
        std::fs::create_dir_all(target).unwrap();
        let ok = |args: &[&str]| {
            Command::new("mount")
                .args(args)
                .status()
                .is_ok_and(|s| s.success())
        };
        let (s, t) = (source.to_str().unwrap(), target.to_str().unwrap());
        if !ok(&["--bind", s, t]) {
            return None;
        }
        let mount = ReadOnlyMount(target.to_owned());
        ok(&["-o", "remount,ro,bind", t]).then_some(mount)
    }
}

impl Drop for ReadOnlyMount {
    fn drop(&mut self) {
        let _ = Command::new("umount").arg(&self.0).status();
    }
}

#[test]
fn reading_commands_work_in_a_read_only_project_directory() {
    let dir = tempfile::tempdir().unwrap();
    let project = demo_project(dir.path(), "400");
    let view = dir.path().join("read-only");
    let Some(_mount) = ReadOnlyMount::of(&project, &view) else {
        // Without the right to mount there is no read-only directory to test with.
        eprintln!("read_only: cannot bind-mount here; skipped");
        return;
    };
    assert!(
        std::fs::write(view.join("probe"), "x").is_err(),
        "the view is writable"
    );
    for args in [
        vec!["status"],
        vec!["show", "C000002"],
        vec!["show", "C000002", "--live"],
        vec!["explain", "C000002"],
        vec!["export", "--where", "tier == \"VIP\""],
        vec!["alarms"],
    ] {
        let run = patron(&view, &args);
        assert_eq!(run.code, 0, "{args:?}: {}", run.stderr);
    }
    let score = patron(&view, &["score", "--no-wait"]);
    assert_ne!(score.code, 0);
    assert!(score.stderr.contains("Read-only"), "{}", score.stderr);
}
