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
