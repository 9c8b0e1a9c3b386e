//! Misspelt names in conditions (issue 11, defect 9): `--where 'score.nope > 1'` and
//! `level("SQLL")` ran and matched nobody; now they exit 2 naming the column and suggesting the
//! name meant.

use crate::support::{patron, repo};

#[test]
fn unknown_scores_stages_levels_and_alarms_in_a_condition_are_usage_errors() {
    let project = repo().join("examples/b2b_leads");
    let store = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", store.path().join("patron.db").display());
    let with_store = |args: &[&str]| {
        let mut all = vec!["--store", url.as_str()];
        all.extend_from_slice(args);
        patron(&project, &all)
    };
    with_store(&["import", "--quiet"]).ok();
    with_store(&["score", "--as-of", "2026-03-01", "--quiet"]).ok();
    let cases = [
        ("score.engagment > 1", "engagement"),
        (r#"level("SQLL")"#, "SQL"),
        (r#"stage.lifecyle == "SQL""#, "unknown stage"),
        ("alarm.sleepr", "sleeper"),
    ];
    for (condition, suggestion) in cases {
        let run = with_store(&["export", "--where", condition, "--format", "json"]);
        assert_eq!(run.code, 2, "{condition}: {}", run.stderr);
        assert!(
            run.stderr.contains(suggestion),
            "{condition}: {}",
            run.stderr
        );
        assert!(run.stderr.contains("column"), "{condition}: {}", run.stderr);
    }
    // Correct names still work.
    let run = with_store(&[
        "export",
        "--where",
        r#"level("SQL") && score.engagement > 1"#,
    ]);
    assert_eq!(run.code, 0, "{}", run.stderr);
}

/// Issue 11, defect 9: `on = "shaer"`, an event type no event has, ran and never fired; now
/// `rules check` and `score` warn, suggesting the type meant.
#[test]
fn an_event_rule_of_a_type_no_event_has_is_warned_about() {
    let dir = tempfile::tempdir().unwrap();
    let source = repo().join("examples/b2b_leads");
    let project = dir.path().join("b2b");
    std::fs::create_dir(&project).unwrap();
    let config = std::fs::read_to_string(source.join("patron.toml"))
        .unwrap()
        .replace(r#"on = "webinar_attended""#, r#"on = "webinar_atended""#)
        .replace(
            r#"path = "data/"#,
            &format!(r#"path = "{}/data/"#, source.display()),
        );
    std::fs::write(project.join("patron.toml"), config).unwrap();
    patron(&project, &["import", "--quiet"]).ok();
    let check = patron(&project, &["rules", "check", "--json"]).ok();
    assert!(check.stderr.contains("webinar_atended"), "{}", check.stderr);
    assert!(
        check.stderr.contains("webinar_attended"),
        "{}",
        check.stderr
    );
    let warnings = check.json()["warnings"].as_array().unwrap().len();
    assert_eq!(warnings, 1);
    let score = patron(&project, &["score", "--as-of", "2026-03-01", "--json"]).ok();
    assert!(score.stderr.contains("never fires"), "{}", score.stderr);
    // The example itself is clean.
    let clean = patron(&source, &["rules", "check", "--json"]);
    assert!(!clean.stderr.contains("warning"), "{}", clean.stderr);
}
