//! Contractual and discrete-opportunity models through the command line, checked against the
//! published values: sBG on the survivor counts of Fader & Hardie (2007), BG/BB on the
//! donation data of Fader, Hardie & Shang (2010). The data are the papers' tables, in
//! `examples/contracts`.

use crate::support::{patron, repo};
use serde_json::Value;

fn number(v: &Value, what: &str) -> f64 {
    v.as_f64()
        .unwrap_or_else(|| panic!("{what}: {v} is not a number"))
}

/// Rounded to `decimals`, as the paper prints it.
fn rounds_to(v: &Value, published: f64, decimals: i32, what: &str) {
    let scale = 10f64.powi(decimals);
    let got = number(v, what);
    assert!(
        ((got * scale).round() - (published * scale).round()).abs() < 0.5,
        "{what}: {got} vs the published {published}"
    );
}

/// `S(t) = B(α, β+t)/B(α, β)` by the retention-rate product, from the paper's parameters.
fn survival(alpha: f64, beta: f64, t: usize) -> f64 {
    (1..=t).fold(1.0, |s, k| {
        s * (beta + k as f64 - 1.0) / (alpha + beta + k as f64 - 1.0)
    })
}

#[test]
fn sbg_reproduces_the_published_cohorts() {
    let dir = tempfile::tempdir().unwrap();
    let file = repo().join("examples/contracts/fh2007_survivors.csv");
    let out = patron(
        dir.path(),
        &[
            "clv",
            "fit",
            "--model",
            "sbg",
            "--survival",
            file.to_str().unwrap(),
            "--ahead",
            "5",
            "--json",
        ],
    )
    .ok()
    .json();
    let cohorts = out["cohorts"].as_array().unwrap();
    assert_eq!(cohorts.len(), 2);
    // FH 2007 §4: regular (0.704, 1.182), high end (0.668, 3.806).
    for (cohort, (name, alpha, beta)) in cohorts
        .iter()
        .zip([("regular", 0.704, 1.182), ("high end", 0.668, 3.806)])
    {
        assert_eq!(cohort["cohort"], name);
        assert_eq!(cohort["fit"]["converged"], true);
        rounds_to(&cohort["fit"]["params"]["alpha"], alpha, 3, name);
        rounds_to(&cohort["fit"]["params"]["beta"], beta, 3, name);
        // Projected survivors over the seven fitted years and five more, as a percentage of
        // the cohort, agree with the published model's to 0.1 points.
        let periods = cohort["periods"].as_array().unwrap();
        assert_eq!(periods.len(), 13);
        for (t, row) in periods.iter().enumerate() {
            let projected = number(&row["projected"], name) / 10.0;
            let published = 100.0 * survival(alpha, beta, t);
            assert!(
                (projected - published).abs() < 0.1,
                "{name}, year {t}: {projected:.2} % vs {published:.2} %"
            );
        }
    }
    // The regular cohort's actual years 8–12 (FH 2007 table 1: 223, 207, 194, 183, 173),
    // which the fit never saw, are tracked within 2.5 %.
    let regular = cohorts[0]["periods"].as_array().unwrap();
    for (t, actual) in [
        (8, 223.0),
        (9, 207.0),
        (10, 194.0),
        (11, 183.0),
        (12, 173.0),
    ] {
        let projected = number(&regular[t]["projected"], "regular");
        assert!(
            (projected - actual).abs() / actual < 0.025,
            "year {t}: {projected} vs {actual}"
        );
    }
    // DERL is a survivor's remaining discounted payments: more than one, less than DEL's
    // asymptote for a customer already retained for seven years is not required, but it
    // exceeds the new customer's DEL because the survivors churn less.
    let derl = number(&cohorts[0]["derl"], "derl");
    assert!(derl > number(&cohorts[0]["del"], "del") && derl > 1.0);

    let text = patron(
        dir.path(),
        &[
            "clv",
            "fit",
            "--model",
            "sbg",
            "--survival",
            file.to_str().unwrap(),
        ],
    )
    .ok()
    .stdout;
    assert!(
        text.contains("Cohort regular") && text.contains("alpha=0.7041"),
        "{text}"
    );
}

#[test]
fn bgbb_reproduces_the_published_donation_model() {
    let dir = tempfile::tempdir().unwrap();
    let file = repo().join("examples/contracts/donations.csv");
    let out = patron(
        dir.path(),
        &[
            "clv",
            "fit",
            "--model",
            "bgbb",
            "--summary",
            file.to_str().unwrap(),
            "--json",
        ],
    )
    .ok()
    .json();
    assert_eq!(out["customers"], 11_104.0);
    let params = &out["fit"]["params"];
    // FHS 2010: α = 1.204, β = 0.750, γ = 0.657, δ = 2.783, LL = −33,225.6.
    for (p, v) in [
        ("alpha", 1.204),
        ("beta", 0.750),
        ("gamma", 0.657),
        ("delta", 2.783),
    ] {
        rounds_to(&params[p], v, 3, p);
    }
    rounds_to(
        &out["fit"]["log_likelihood"],
        -33_225.6,
        1,
        "log-likelihood",
    );
    // Hardie's note 010: 12,884.2 expected transactions in the next 5 opportunities.
    assert!((number(&out["expected_transactions"], "expected") - 12_884.2).abs() < 0.5);
    // FHS 2010 table 6: P(alive in 2002 | x = 6, t_x = 6) = 0.93.
    let best = out["rows"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["x"] == 6 && r["t_x"] == 6)
        .unwrap();
    rounds_to(&best["p_alive"], 0.93, 2, "P(alive | 6, 6)");
}

trait Rejected {
    fn rejected(self) -> Self;
}

impl Rejected for crate::support::Run {
    /// Exit code 4: the input data were rejected.
    #[track_caller]
    fn rejected(self) -> Self {
        assert_eq!(self.code, 4, "{}", self.stderr);
        self
    }
}

#[test]
fn bad_survival_and_opportunity_files_are_named_by_line_and_column() {
    let dir = tempfile::tempdir().unwrap();
    // (file, content, model, its file flag, what the message names)
    let cases: [(&str, &str, &str, &str, &[&str]); 3] = [
        (
            "gap.csv",
            "cohort,period,alive\n2020,0,100\n2020,1,80\n2020,3,60\n",
            "sbg",
            "--survival",
            &["gap.csv:4", "expected 2"],
        ),
        (
            "rising.csv",
            "cohort,period,alive\nA,0,100\nA,1,120\n",
            "sbg",
            "--survival",
            &["rising.csv:3", "120"],
        ),
        (
            "word.csv",
            "x,t_x,n\n1,2,6\n1,two,6\n",
            "bgbb",
            "--summary",
            &["word.csv:3", "\"t_x\"", "\"two\""],
        ),
    ];
    for (name, content, model, flag, needles) in cases {
        let file = dir.path().join(name);
        std::fs::write(&file, content).unwrap();
        let err = patron(
            dir.path(),
            &["clv", "fit", "--model", model, flag, file.to_str().unwrap()],
        )
        .rejected();
        assert!(
            needles.iter().all(|n| err.stderr.contains(n)),
            "{}",
            err.stderr
        );
    }

    let err = patron(dir.path(), &["clv", "fit", "--model", "sbg"]);
    assert_ne!(err.code, 0);
    assert!(err.stderr.contains("--survival"), "{}", err.stderr);
}

/// Logins of each customer in `[from, to)` (seconds), from the demo's events.csv.
fn logins(dir: &std::path::Path, from: i64, to: i64) -> std::collections::BTreeMap<String, u32> {
    let mut out = std::collections::BTreeMap::new();
    let mut reader = csv::Reader::from_path(dir.join("data/events.csv")).unwrap();
    for r in reader.records() {
        let r = r.unwrap();
        if &r[3] != "login" {
            continue;
        }
        let t = patron_core::Timestamp::parse_flexible(&r[2])
            .unwrap()
            .secs();
        if (from..to).contains(&t) {
            *out.entry(r[1].to_owned()).or_insert(0) += 1;
        }
    }
    out
}

#[test]
fn subscription_demo_cancellations_are_predicted_before_the_notice_date() {
    use patron_core::Timestamp;
    let dir = tempfile::tempdir().unwrap();
    let project = dir.path().join("subs");
    let out = patron(
        dir.path(),
        &[
            "demo",
            project.to_str().unwrap(),
            "--customers",
            "3000",
            "--subscriptions",
            "--json",
        ],
    )
    .ok()
    .json();
    let contracts = out["generated"]["contracts"].as_u64().unwrap();
    assert!(contracts > 1000, "{}", out["generated"]);
    let status = patron(&project, &["status", "--json"]).ok().json();
    assert_eq!(status["contracts"].as_u64(), Some(contracts));

    // The demo's own run: every running contract on a card, the sBG per billing period fitted
    // on the store's contracts, a residual value and a notice date ahead.
    let listed = patron(&project, &["contracts", "--json"]).ok().json();
    let lines = listed["contracts"].as_array().unwrap();
    assert!(!lines.is_empty());
    // The run fitted an sBG per billing period on the store's contracts.
    let periods = listed["models"]["periods"].as_array().unwrap();
    let months: Vec<u64> = periods
        .iter()
        .map(|p| p["billing_months"].as_u64().unwrap())
        .collect();
    assert_eq!(months, [1, 12], "{periods:?}");
    assert!(
        periods
            .iter()
            .all(|p| p["ended"].as_u64().unwrap() >= 5 && p["alpha"].as_f64().unwrap() > 0.0)
    );
    for l in lines {
        assert!(l["days_to_notice"].as_i64().unwrap() >= 0, "{l}");
        assert!(l["cancellation_risk"].is_number() || l["cancellation_risk"].is_null());
    }
    // Every customer with a contract running at the run's as_of (from the raw file) has it on
    // the card, and only they.
    let mut reader = csv::Reader::from_path(project.join("data/contracts.csv")).unwrap();
    let headers = reader.headers().unwrap().clone();
    let column = |name: &str| headers.iter().position(|h| h == name).unwrap();
    let (customer, cancelled) = (column("customer_id"), column("cancelled_at"));
    let running_in_file: std::collections::BTreeSet<String> = reader
        .records()
        .map(|r| r.unwrap())
        .filter(|r| r[cancelled].is_empty())
        .map(|r| r[customer].to_owned())
        .collect();
    let on_cards: std::collections::BTreeSet<String> = lines
        .iter()
        .map(|l| l["customer_id"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(on_cards, running_in_file);
    // A subscriber who also buys in the shop (with profiling consent): the CLV is the
    // purchases' plus the contract's 12 months ([clv] contracts = "add"), the note says both.
    let card = running_in_file
        .iter()
        .map(|c| patron(&project, &["show", c, "--json"]).ok().json())
        .find(|c| c["card"]["profiling"] == true && c["card"]["orders"].as_u64() > Some(1))
        .unwrap();
    let explanation = card["card"]["contract"]["explanation"].as_array().unwrap();
    assert!(
        explanation[0].as_str().unwrap().contains("notice by"),
        "{card}"
    );
    let note = card["card"]["clv_note"].as_str().unwrap();
    assert!(note.contains("; plus contracts (sBG)"), "{note}");
    let contract_part = card["card"]["contract"]["value_12m"].as_f64().unwrap();
    assert!(
        card["card"]["clv"].as_f64().unwrap() > contract_part,
        "{card}"
    );
    let due = patron(&project, &["contracts", "--due", "--json"])
        .ok()
        .json();
    for l in due["contracts"].as_array().unwrap() {
        assert_eq!(l["fixed_term"], true, "{l}");
        assert!(l["days_to_notice"].as_i64().unwrap() <= 45, "{l}");
    }

    // The cancellation model, trained on what was known on 1 March 2026, scored on a holdout
    // period it never saw.
    let as_of = "2026-03-01";
    let trained = patron(
        &project,
        &[
            "models",
            "train",
            "cancellation",
            "--as-of",
            as_of,
            "--horizon",
            "60d",
            "--step",
            "30d",
            "--cutoffs",
            "4",
            "--json",
        ],
    )
    .ok()
    .json();
    let auc = trained["report"]["holdout"]["gbm"]["roc_auc"]
        .as_f64()
        .unwrap();
    assert!(auc > 0.8, "holdout ROC AUC {auc}");
    let run = patron(&project, &["score", "--as-of", as_of, "--json"])
        .ok()
        .json()["run"]
        .as_i64()
        .unwrap()
        .to_string();
    let alarmed: std::collections::BTreeSet<String> = patron(
        &project,
        &[
            "export",
            "--run",
            &run,
            "--where",
            "alarm.renewal_due",
            "--format",
            "json",
        ],
    )
    .ok()
    .json()
    .as_array()
    .unwrap()
    .iter()
    .map(|c| c["customer_id"].as_str().unwrap().to_owned())
    .collect();
    let running = patron(&project, &["contracts", "--run", &run, "--json"])
        .ok()
        .json();
    let monthly: std::collections::BTreeMap<String, &Value> = running["contracts"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|l| l["billing_months"] == 1 && l["renewals"].as_u64().unwrap() >= 4)
        .map(|l| (l["customer_id"].as_str().unwrap().to_owned(), l))
        .collect();
    // Usage from the raw file: logins in the 30 days before 1 March, and in the 90 before.
    let t = Timestamp::parse_flexible(as_of).unwrap().secs();
    let last = logins(&project, t - 30 * 86_400, t);
    let before = logins(&project, t - 120 * 86_400, t - 30 * 86_400);
    let count =
        |m: &std::collections::BTreeMap<String, u32>, c: &str| m.get(c).copied().unwrap_or(0);
    let broke_off: Vec<&String> = monthly
        .keys()
        .filter(|c| count(&last, c) <= 1 && count(&before, c) >= 6)
        .collect();
    let steady: Vec<&String> = monthly
        .keys()
        .filter(|c| count(&last, c) >= 4 && count(&before, c) >= 6)
        .collect();
    assert!(
        !broke_off.is_empty() && steady.len() > 100,
        "{broke_off:?} {}",
        steady.len()
    );
    let share = |list: &[&String]| {
        list.iter().filter(|c| alarmed.contains(c.as_str())).count() as f64 / list.len() as f64
    };
    // Subscribers whose usage broke off are on the renewal_due alarm, before their notice
    // date; those who keep using the service mostly are not.
    assert!(
        share(&broke_off) >= 0.66,
        "{broke_off:?} alarmed: {}",
        share(&broke_off)
    );
    assert!(share(&steady) <= 0.10, "steady alarmed: {}", share(&steady));
    for c in &broke_off {
        let line = monthly[c.as_str()];
        assert!(line["days_to_notice"].as_i64().unwrap() >= 0, "{line}");
    }
    // The card explains the contract and the risk.
    let card = patron(&project, &["show", broke_off[0], "--run", &run, "--json"])
        .ok()
        .json();
    let section = &card["card"]["contract"];
    assert!(
        section["risk_source"]
            .as_str()
            .unwrap()
            .starts_with("gbm:cancellation"),
        "{section}"
    );
    assert!(
        section["risk_reasons"]
            .as_array()
            .unwrap()
            .iter()
            .any(|r| r.as_str().unwrap().contains("login")),
        "{section}"
    );
}

/// Customers and a German contract export (`;`, decimal comma, `dd.mm.yyyy`).
const CONTRACT_PROJECT: &str = r#"
[project]
name = "versicherung"

[import]
unknown_customer = "reject"

[sources.kunden]
path = "kunden.csv"
entity = "customers"

[sources.kunden.columns]
customer_id = "id"

[sources.vertraege]
path = "vertraege.csv"
entity = "contracts"
delimiter = ";"
decimal = ","
date_formats = ["%d.%m.%Y"]

[sources.vertraege.columns]
contract_id = "Vertrag"
customer_id = "Kunde"
plan = "Tarif"
started_at = "Beginn"
renews_at = "Ablauf"
notice_days = "Kündigungsfrist"
billing_period = "Zahlweise"
recurring_value = "Beitrag"
cancelled_at = "Gekündigt"
cancel_reason = "Grund"
previous_value = "Vorher"
price_changed_at = "Preis ab"
"#;

const CONTRACT_HEADER: &str = "Vertrag;Kunde;Tarif;Beginn;Ablauf;Kündigungsfrist;Zahlweise;Beitrag;Gekündigt;Grund;Vorher;Preis ab\n";

#[test]
fn contracts_import_idempotently_keep_their_history_and_reject_bad_rows_by_place() {
    use crate::support::TempProject;
    let p = TempProject::new(CONTRACT_PROJECT);
    p.write("kunden.csv", "id\nK1\nK2\n");
    let rows = |k2: &str| {
        format!(
            "{CONTRACT_HEADER}V1;K1;Hausrat;01.03.2022;01.03.2027;90;jährlich;120,00;;;100,00;01.01.2026\nV2;K2;Kfz;15.01.2024;;30;monatlich;{k2}\n"
        )
    };
    p.write("vertraege.csv", rows("45,50;;;;"));
    p.run(&["import", "--quiet"]).ok();
    assert_eq!(p.run(&["status", "--json"]).ok().json()["contracts"], 2);
    // The same file again changes nothing; V2 cancelled is an update with its old state kept.
    let again = p.run(&["import", "--json"]).ok().json();
    let vertraege = |import: &Value| {
        import["sources"]
            .as_array()
            .unwrap()
            .iter()
            .find(|s| s["source"] == "vertraege" || s["name"] == "vertraege")
            .cloned()
            .unwrap_or_else(|| panic!("{import}"))
    };
    assert_eq!(vertraege(&again)["updated"], 0, "{again}");
    p.write("vertraege.csv", rows("45,50;20.05.2026;zu teuer;;"));
    let cancelled = p.run(&["import", "--json"]).ok().json();
    assert_eq!(vertraege(&cancelled)["updated"], 1, "{cancelled}");
    let db = rusqlite::Connection::open(p.path().join("patron.db")).unwrap();
    let (fact, key, old): (String, String, String) = db
        .query_row("SELECT fact, natural_key, old FROM fact_history", [], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?))
        })
        .unwrap();
    assert_eq!((fact.as_str(), key.as_str()), ("contracts", r#"["V2"]"#));
    let old: Value = serde_json::from_str(&old).unwrap();
    assert_eq!(old["cancelled_at"], Value::Null);
    assert_eq!(old["recurring_value"], 455_000, "45.50 in ten-thousandths");
    drop(db);

    // The card as of 1 June 2026: V1 runs (yearly, 90 days' notice before 1 March 2027),
    // V2 was cancelled for "zu teuer".
    p.run(&["score", "--as-of", "2026-06-01", "--quiet"]).ok();
    let card = p.run(&["show", "K1", "--json"]).ok().json();
    let section = &card["card"]["contract"];
    assert_eq!(section["running"][0]["contract_id"], "V1", "{section}");
    assert_eq!(section["running"][0]["notice_by"], "2026-12-01T00:00:00Z");
    assert_eq!(section["running"][0]["billing_months"], 12);
    assert_eq!(section["monthly_value"], 10.0);
    assert!(
        section["explanation"][0]
            .as_str()
            .unwrap()
            .contains("notice by 2026-12-01")
    );
    let explained = section["explanation"][0].as_str().unwrap();
    assert!(
        explained.contains("price raised from 100.00 to 120.00 on 2026-01-01"),
        "{explained}"
    );
    // As of a day before the rise, the card bills the old price.
    let run = p
        .run(&["score", "--as-of", "2025-12-01", "--json"])
        .ok()
        .json()["run"]
        .to_string();
    let before = p.run(&["show", "K1", "--run", &run, "--json"]).ok().json();
    assert!(
        (before["card"]["contract"]["monthly_value"]
            .as_f64()
            .unwrap()
            - 100.0 / 12.0)
            .abs()
            < 0.01
    );
    assert_eq!(
        card["card"]["lead"], false,
        "a contract holder is a customer"
    );
    let k2 = p.run(&["show", "K2", "--json"]).ok().json();
    assert_eq!(k2["card"]["contract"]["ended"], 1);
    assert_eq!(k2["card"]["contract"]["last_cancel_reason"], "zu teuer");

    // Bad rows: named by file, line, column and value; nothing imported.
    for (row, needles) in [
        (
            "V3;K1;X;01.03.2025;01.01.2025;0;monatlich;1,00;;;;",
            ["Ablauf", "renews_at ≥ started_at"],
        ),
        (
            "V4;K1;X;01.03.2025;;0;wöchentlich;1,00;;;;",
            ["Zahlweise", "wöchentlich"],
        ),
        (
            "V5;K1;X;01.03.2025;;-3;monatlich;1,00;;;;",
            ["Kündigungsfrist", "-3"],
        ),
        (
            "V6;K1;X;01.03.2025;;0;monatlich;1,00;;;5,00;",
            ["Preis ab", "go together"],
        ),
    ] {
        p.write("vertraege.csv", format!("{CONTRACT_HEADER}{row}\n"));
        let run = p.run(&["import"]);
        assert_eq!(run.code, 4, "{}", run.stderr);
        assert!(run.stderr.contains("vertraege.csv:2"), "{}", run.stderr);
        for needle in needles {
            assert!(run.stderr.contains(needle), "{needle}: {}", run.stderr);
        }
    }
    assert_eq!(p.run(&["status", "--json"]).ok().json()["contracts"], 2);
}

#[test]
fn bgbb_on_store_purchases_reproduces_the_donation_model() {
    use crate::support::TempProject;
    // The donation data as a store: every donor of FHS 2010 gives first on 1 June 1995, then in
    // the years of their pattern (the last one at t_x); yearly opportunities from the first gift.
    let p = TempProject::new(
        r#"
[project]
name = "donations"

[import]
unknown_customer = "create"

[sources.gifts]
path = "gifts.csv"
entity = "order_lines"

[sources.gifts.columns]
order_id = "gift"
customer_id = "donor"
timestamp = "date"
amount = "amount"

[clv]
model = "bgbb"
opportunity_days = 365
"#,
    );
    let first = patron_core::Timestamp::parse_flexible("1995-06-01").unwrap();
    let mut rows = String::from("gift,donor,date,amount\n");
    let mut reader =
        csv::Reader::from_path(repo().join("examples/contracts/donations.csv")).unwrap();
    let (mut donor, mut gift) = (0u32, 0u32);
    let mut loyal = String::new();
    for r in reader.records() {
        let r = r.unwrap();
        let (x, t_x, weight): (i64, i64, u32) = (
            r[0].parse().unwrap(),
            r[1].parse().unwrap(),
            r[3].parse().unwrap(),
        );
        for _ in 0..weight {
            donor += 1;
            let who = format!("D{donor:05}");
            if x == 6 && loyal.is_empty() {
                loyal = who.clone();
            }
            let years = std::iter::once(0).chain(t_x - x + 1..=t_x);
            for k in years {
                gift += 1;
                let day = first.plus_days(k * 365 + 10 * i64::from(k > 0));
                let amount = 20 + (donor * 7 + gift * 13) % 60;
                rows.push_str(&format!("G{gift},{who},{},{amount}\n", day.date()));
            }
        }
    }
    assert_eq!(donor, 11_104);
    p.write("gifts.csv", rows);
    p.run(&["import", "--quiet"]).ok();
    let run = p
        .run(&["score", "--as-of", "2002-06-01", "--json"])
        .ok()
        .json();
    let clv = &run["models"]["clv"];
    assert_eq!(clv["model"], "bgbb", "{clv}");
    let params: std::collections::BTreeMap<String, f64> = clv["params"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| (p[0].as_str().unwrap().to_owned(), p[1].as_f64().unwrap()))
        .collect();
    for (name, published) in [
        ("alpha", 1.204),
        ("beta", 0.750),
        ("gamma", 0.657),
        ("delta", 2.783),
    ] {
        rounds_to(&Value::from(params[name]), published, 3, name);
    }
    // A donor who gave in all six years: P(alive) 0.93 (FHS 2010 table 6), and a CLV.
    let card = p.run(&["show", &loyal, "--json"]).ok().json();
    rounds_to(&card["card"]["p_alive"], 0.93, 2, "P(alive | 6, 6)");
    assert!(card["card"]["clv"].as_f64().unwrap() > 0.0, "{card}");
    assert!(
        card["card"]["clv_note"]
            .as_str()
            .unwrap()
            .starts_with("bgbb model"),
        "{card}"
    );
    // A model name that does not exist is a configuration error naming the choices.
    let config = std::fs::read_to_string(p.path().join("patron.toml")).unwrap();
    p.write(
        "patron.toml",
        config.replace("model = \"bgbb\"", "model = \"bg-bb\""),
    );
    let run = p.run(&["status"]);
    assert_eq!(run.code, 3, "{}", run.stderr);
    assert!(
        run.stderr.contains("auto, bgnbd, mbgnbd, paretonbd, bgbb"),
        "{}",
        run.stderr
    );
}
