//! The shipped example projects import the real public data with the published counts.

use crate::support::{TempProject, patron, repo, shared_data};

/// Imports an example project into a temporary store; returns the store's URL too.
fn import_example(
    name: &str,
) -> (
    tempfile::TempDir,
    serde_json::Value,
    serde_json::Value,
    String,
) {
    let project = repo().join("examples").join(name);
    let store = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", store.path().join("patron.db").display());
    let import = patron(
        project.as_path(),
        &["--store", &url, "import", "--json", "--quiet"],
    )
    .ok()
    .json();
    let status = patron(project.as_path(), &["--store", &url, "status", "--json"])
        .ok()
        .json();
    (store, import, status, url)
}

#[test]
fn online_retail_imports_the_cleaned_reference_counts() {
    assert!(
        shared_data("online_retail.csv.gz").exists(),
        "../shared/data/online_retail.csv.gz is missing"
    );
    let (_store, import, status, url) = import_example("online_retail");
    let source = &import["sources"][0];
    assert_eq!(source["rows_read"], 541_909);
    assert_eq!(source["imported"], 397_884);
    assert_eq!(source["rows_rejected"], 0);
    assert_eq!(status["customers"], 4_338);
    assert_eq!(status["orders"], 18_532);
    assert_eq!(status["order_lines"], 397_884);
    assert_eq!(
        status["ranges"]["order_lines"]["first"],
        "2010-12-01T08:26:00Z"
    );
    assert_eq!(
        status["ranges"]["order_lines"]["last"],
        "2011-12-09T12:50:00Z"
    );

    // RFM as of the day after the last invoice: the reference segment counts.
    let project = repo().join("examples/online_retail");
    let rfm = patron(project.as_path(), &["--store", &url, "rfm", "--json"])
        .ok()
        .json();
    assert_eq!(rfm["as_of"], "2011-12-10T00:00:00Z");
    let expected = [
        ("Champions", 983),
        ("Loyal Customers", 830),
        ("Potential Loyalist", 230),
        ("New Customers", 52),
        ("Promising", 119),
        ("Need Attention", 205),
        ("About To Sleep", 192),
        ("Can't Lose Them", 198),
        ("At Risk", 339),
        ("Hibernating", 517),
        ("Lost", 673),
    ];
    let segments = rfm["segments"].as_array().unwrap();
    assert_eq!(segments.len(), expected.len());
    for (s, (name, customers)) in segments.iter().zip(expected) {
        assert_eq!(
            (
                s["segment"].as_str().unwrap(),
                s["customers"].as_u64().unwrap()
            ),
            (name, customers)
        );
    }
    assert_eq!(rfm["unsegmented"], 0);
    let customers = rfm["customers"].as_array().unwrap();
    assert_eq!(customers.len(), 4_338);
    // Customer 12346 bought once, on 2011-01-18 (326 days before 2011-12-10), for 77,183.60.
    let c = customers
        .iter()
        .find(|c| c["customer_id"] == "12346")
        .unwrap();
    assert_eq!(
        (c["recency_days"].as_i64(), c["frequency"].as_u64()),
        (Some(326), Some(1))
    );
    assert_eq!(c["monetary"], 77_183.6);
    // The same as of, given explicitly: identical output.
    let again = patron(
        project.as_path(),
        &["--store", &url, "rfm", "--as-of", "2011-12-10", "--json"],
    )
    .ok()
    .json();
    assert_eq!(rfm, again);
}

#[test]
fn cdnow_imports_every_customer_and_line() {
    let (_store, import, status, _) = import_example("cdnow");
    assert_eq!(import["sources"][0]["imported"], 69_659);
    assert_eq!(status["customers"], 23_570);
    assert_eq!(status["order_lines"], 69_659);
    // CDNOW's total dollar value, summed exactly.
    assert_eq!(status["revenue"], 2_500_315.63);
}

#[test]
fn importing_twice_changes_nothing() {
    let p = TempProject::new(crate::german::CONFIG);
    crate::german::write_files(&p);
    let first = p.run(&["import", "--json"]).ok().json();
    assert_eq!(first["sources"][0]["imported"], 3);
    let before = crate::support::status(p.path());
    let second = p.run(&["import", "--json"]).ok().json();
    for s in second["sources"].as_array().unwrap() {
        assert_eq!(s["imported"], 0, "{s}");
        assert_eq!(s["updated"], 0, "{s}");
        assert_eq!(s["duplicates"], s["rows_parsed"], "{s}");
    }
    let mut after = crate::support::status(p.path());
    assert_eq!(after["imports"], 2);
    after["imports"] = before["imports"].clone();
    assert_eq!(before, after);
}

#[test]
fn cdnow_sample_reproduces_the_published_summary() {
    let (_store, import, _, url) = import_example("cdnow_sample");
    assert_eq!(import["sources"][0]["imported"], 6_919);
    let project = repo().join("examples/cdnow_sample");
    let args = [
        "--store",
        &url,
        "clv",
        "summary",
        "--end",
        "1997-09-30",
        "--unit",
        "week",
        "--json",
    ];
    let summary = patron(project.as_path(), &args).ok().json();
    let mine: std::collections::HashMap<u64, &serde_json::Value> = summary["customers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| (c["customer_id"].as_str().unwrap().parse().unwrap(), c))
        .collect();
    let reference = std::fs::read_to_string(shared_data("cdnow_summary.csv")).unwrap();
    let mut checked = 0;
    for line in reference.lines().skip(1) {
        let v: Vec<f64> = line.split(',').map(|x| x.parse().unwrap()).collect();
        let c = mine[&(v[0] as u64)];
        for (field, expected) in [("x", v[1]), ("t_x", v[2]), ("T", v[3]), ("zbar", v[4])] {
            let got = c[field].as_f64().unwrap();
            assert!(
                (got - expected).abs() <= 0.01,
                "customer {}: {field} {got} vs {expected}",
                v[0]
            );
        }
        checked += 1;
    }
    assert_eq!((checked, mine.len()), (2_357, 2_357));
}
