//! Issue 11, defects 6 and 9, build 6: every documented exit code, each for the reason the
//! README gives (0 success, 1 failure, 2 usage, 3 invalid configuration, 4 rejected input data),
//! and the messages that come with them.

use crate::german::{BESTELLUNGEN, CONFIG, latin1, write_files};
use crate::support::{TempProject, patron, status};

fn imported() -> TempProject {
    let p = TempProject::new(CONFIG);
    write_files(&p);
    p.run(&["import"]).ok();
    p
}

#[test]
fn each_documented_exit_code_for_its_reason() {
    let p = imported();
    let no_project = tempfile::tempdir().unwrap();
    let bad_rules = TempProject::new(&format!(
        "{CONFIG}\n[scores.s]\n[[scores.s.rules]]\nname = \"huge\"\non = \"order\"\npoints = 1e300\n"
    ));
    let out = tempfile::tempdir().unwrap();
    let existing = out.path().join("exists.db");
    std::fs::write(&existing, "keep me").unwrap();
    let existing = existing.to_str().unwrap();
    // (directory, arguments, exit code, a phrase stderr must contain)
    let cases: Vec<(&std::path::Path, Vec<&str>, i32, &str)> = vec![
        (p.path(), vec!["status"], 0, ""),
        (p.path(), vec!["check"], 0, ""),
        // 1: failures.
        (p.path(), vec!["backup", existing], 1, "already exists"),
        (
            p.path(),
            vec!["merge", "K001", "K001"],
            1,
            "cannot be merged into itself",
        ),
        // 2: usage.
        (p.path(), vec!["rfm", "--as-of", "2024-13-45"], 2, "--as-of"),
        (p.path(), vec!["rfm", "--as-of", "yesterday"], 2, "--as-of"),
        (
            p.path(),
            vec!["no-such-command"],
            2,
            "unrecognized subcommand",
        ),
        // 3: invalid configuration, including where the store is.
        (no_project.path(), vec!["status"], 3, "no patron.toml"),
        (bad_rules.path(), vec!["rules", "check"], 3, "out of range"),
        (
            p.path(),
            vec!["--store", "sqlit://patron.db", "status"],
            3,
            "unsupported store URL",
        ),
        (
            p.path(),
            vec!["--store", "sqlite://patorn.db", "status"],
            3,
            "there is no store at",
        ),
        (
            p.path(),
            vec!["--store", "sqlite://no/such/dir/patron.db", "import"],
            3,
            "does not exist",
        ),
    ];
    for (dir, args, code, needle) in cases {
        let run = patron(dir, &args);
        assert_eq!(
            run.code, code,
            "patron {args:?}: stdout {}\nstderr {}",
            run.stdout, run.stderr
        );
        assert!(
            run.stderr.contains(needle),
            "patron {args:?}: stderr lacks {needle:?}: {}",
            run.stderr
        );
        // One message, not the same error three times.
        assert!(
            run.stderr.matches("error").count() <= 1,
            "{args:?}: {}",
            run.stderr
        );
    }
    // A mistyped store name created an empty store; it creates nothing now.
    assert!(!p.path().join("patorn.db").exists());
    assert_eq!(
        std::fs::read_to_string(out.path().join("exists.db")).unwrap(),
        "keep me"
    );
    // 4: rejected input data (nothing imported).
    let before = status(p.path());
    p.write(
        "bestellungen.csv",
        latin1(&format!(
            "{BESTELLUNGEN}B9;K003;31.02.2024;Schuh;1;10,00\r\n"
        )),
    );
    let run = p.run(&["import"]);
    assert_eq!(run.code, 4, "{}", run.stderr);
    assert_eq!(before, status(p.path()));
}

#[test]
fn an_unwritable_rejects_file_is_an_error_before_anything_is_imported() {
    let p = imported();
    let before = status(p.path());
    p.write(
        "bestellungen.csv",
        latin1(&format!(
            "{BESTELLUNGEN}B9;K003;31.02.2024;Schuh;1;10,00\r\nB10;K003;01.03.2024;Schuh;1;10,00\r\n"
        )),
    );
    let rejects = p.path().join("no/such/dir/rejects.csv");
    let run = p.run(&[
        "import",
        "--max-errors",
        "5",
        "--rejects",
        rejects.to_str().unwrap(),
    ]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert!(run.stderr.contains("--rejects"), "{}", run.stderr);
    assert!(
        run.stderr.contains("nothing was imported"),
        "{}",
        run.stderr
    );
    // The good row B10 was not imported either (it was, and the rejected one was lost).
    assert_eq!(before, status(p.path()));
}

#[test]
fn demo_refuses_a_directory_that_is_not_empty_without_force() {
    let dir = tempfile::tempdir().unwrap();
    let project = dir.path().join("shop");
    std::fs::create_dir(&project).unwrap();
    std::fs::write(project.join("patron.toml"), "# my own project\n").unwrap();
    let p = project.to_str().unwrap();
    let run = patron(dir.path(), &["demo", p, "--customers", "200", "--quiet"]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert!(run.stderr.contains("--force"), "{}", run.stderr);
    assert_eq!(
        std::fs::read_to_string(project.join("patron.toml")).unwrap(),
        "# my own project\n"
    );
    patron(
        dir.path(),
        &["demo", p, "--customers", "200", "--quiet", "--force"],
    )
    .ok();
    // An empty or new directory needs no --force.
    let fresh = dir.path().join("fresh");
    patron(
        dir.path(),
        &[
            "demo",
            fresh.to_str().unwrap(),
            "--customers",
            "200",
            "--quiet",
        ],
    )
    .ok();
}
