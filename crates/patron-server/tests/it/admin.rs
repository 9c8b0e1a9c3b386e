//! Rules check, diff and publish; models; alarms and their acknowledgement; streamed exports;
//! a frozen run as a job.

use crate::support::{Server, answer};
use reqwest::Method;
use serde_json::{Value, json};
use std::time::{Duration, Instant};

/// Waits for job `job` to finish; its final state.
async fn finished(server: &Server, job: &Value) -> Value {
    let id = job["id"].as_u64().unwrap();
    let deadline = Instant::now() + Duration::from_secs(120);
    loop {
        let (status, info) = server
            .get(&format!("/v1/jobs/{id}"), Some(&server.read))
            .await;
        assert_eq!(status, 200, "{info}");
        if info["state"] != "running" {
            return info;
        }
        assert!(Instant::now() < deadline, "job {id} still running");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rules_are_checked_compared_and_published() {
    let server = Server::start(300).await;
    let admin = Some(server.admin.as_str());
    let config = std::fs::read_to_string(server.store_dir().join("patron.toml")).unwrap();

    let (status, checked) = server.post("/v1/rules/check", admin, &json!({})).await;
    assert_eq!(status, 200, "{checked}");
    assert_eq!(checked["ok"], true);
    assert!(
        checked["stages"]
            .as_array()
            .unwrap()
            .contains(&json!("sales"))
    );
    // A rule on an event type no event has: a warning naming it.
    let doubtful = format!(
        "{config}\n[[scores.lead.rules]]\nname = \"fax\"\non = \"fax_received\"\npoints = 5\n"
    );
    let (status, checked) = server
        .post("/v1/rules/check", admin, &json!({"config": doubtful}))
        .await;
    assert_eq!(status, 200, "{checked}");
    assert!(
        checked["warnings"].to_string().contains("fax_received"),
        "{checked}"
    );
    // Rules that do not compile: 422 with where.
    let broken = config.replace("points = 20", "points = \"viele\"");
    let (status, body) = server
        .post("/v1/rules/check", admin, &json!({"config": broken}))
        .await;
    assert_eq!(status, 422, "{body}");
    assert!(
        body["message"].as_str().unwrap().contains("config"),
        "{body}"
    );
    // Read keys may not.
    let (status, _) = server
        .post("/v1/rules/check", Some(&server.read), &json!({}))
        .await;
    assert_eq!(status, 403);

    // A candidate that doubles the form points changes scores and stages of some leads.
    let candidate = config.replace(
        "name = \"form submitted\"\non = \"form_submit\"\nwhen = 'orders.count() == 0'\npoints = 20",
        "name = \"form submitted\"\non = \"form_submit\"\nwhen = 'orders.count() == 0'\npoints = 40",
    );
    assert_ne!(candidate, config, "the demo's form rule moved");
    let (status, diff) = server
        .post(
            "/v1/rules/diff",
            admin,
            &json!({"config": candidate, "examples": 3}),
        )
        .await;
    assert_eq!(status, 200, "{diff}");
    assert!(diff["score_changes"].as_u64().unwrap() > 0, "{diff}");
    assert_ne!(diff["old_version"], diff["new_version"]);
    assert!(diff["examples"].as_array().unwrap().len() <= 3);
    let (status, same) = server
        .post("/v1/rules/diff", admin, &json!({"config": config}))
        .await;
    assert_eq!(
        (status, same["score_changes"].as_u64()),
        (200, Some(0)),
        "{same}"
    );

    // Publish as a job; a second publish of the same rules on the same facts is up to date.
    let (status, job) = server.post("/v1/rules/publish", admin, &json!({})).await;
    assert_eq!(status, 202, "{job}");
    assert_eq!(job["kind"], "publish");
    let done = finished(&server, &job).await;
    assert_eq!(done["state"], "done", "{done}");
    assert_eq!(done["result"]["state"], "started", "{done}");
    assert_eq!(done["result"]["customers"], 300);
    let (_, job) = server.post("/v1/rules/publish", admin, &json!({})).await;
    let again = finished(&server, &job).await;
    assert_eq!(again["result"]["state"], "up_to_date", "{again}");
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn alarms_models_exports_and_a_frozen_run() {
    let server = Server::start(300).await;
    let read = Some(server.read.as_str());

    // Alarms: the open ones; acknowledging one records an outcome.
    let (status, alarms) = server.get("/v1/alarms", read).await;
    assert_eq!(status, 200, "{alarms}");
    let alarms = alarms.as_array().unwrap().clone();
    assert!(!alarms.is_empty(), "the demo run raises alarms");
    let first = &alarms[0];
    let (id, kind) = (
        first["customer_id"].as_str().unwrap(),
        first["kind"].as_str().unwrap(),
    );
    let (status, mine) = server
        .get(&format!("/v1/alarms?customer_id={id}&kind={kind}"), read)
        .await;
    assert_eq!(status, 200);
    assert_eq!(mine.as_array().unwrap().len(), 1, "{mine}");
    let outcomes_before = server.store.status().await.unwrap().outcomes;
    let ack = json!({"customer_id": id, "kind": kind, "at": "2030-01-01", "note": "called, offered a voucher"});
    let (status, acked) = server
        .post("/v1/alarms/acknowledge", Some(&server.ingest), &ack)
        .await;
    assert_eq!(status, 200, "{acked}");
    assert_eq!(
        (
            acked["outcome_inserted"].as_bool(),
            acked["alarm"]["kind"].as_str()
        ),
        (Some(true), Some(kind))
    );
    let (_, again) = server
        .post("/v1/alarms/acknowledge", Some(&server.ingest), &ack)
        .await;
    assert_eq!(again["outcome_inserted"], false, "{again}");
    assert_eq!(
        server.store.status().await.unwrap().outcomes,
        outcomes_before + 1
    );
    let (status, body) = server
        .post(
            "/v1/alarms/acknowledge",
            Some(&server.ingest),
            &json!({"customer_id": id, "kind": "no_such_alarm"}),
        )
        .await;
    assert_eq!(
        (status, body["code"].as_str()),
        (404, Some("not_found")),
        "{body}"
    );

    // Models: what the registry holds.
    let (status, models) = server.get("/v1/models", read).await;
    assert_eq!(
        (status, models.as_array().map(Vec::len)),
        (200, Some(0)),
        "{models}"
    );
    server
        .store
        .save_model(&patron_store::NewModel {
            kind: "churn".into(),
            as_of: server.as_of,
            cutoffs: vec![server.as_of],
            holdout: server.as_of,
            horizon_days: 90,
            features: vec!["recency_days".into()],
            metrics: json!({"roc_auc": 0.8}),
            training_ms: 1,
            model: "{}".into(),
        })
        .await
        .unwrap();
    let (_, models) = server.get("/v1/models?kind=churn", read).await;
    assert_eq!(models[0]["kind"], "churn", "{models}");
    let (_, none) = server.get("/v1/models?kind=upsell", read).await;
    assert_eq!(none, json!([]));

    // Exports: every card, streamed, in three formats; a condition narrows them.
    let (status, page) = server.get("/v1/customers?limit=1000", read).await;
    assert_eq!(status, 200);
    let customers = page["cards"].as_array().unwrap().len();
    let response = server
        .request(Method::GET, "/v1/exports/cards", read)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    assert!(
        response.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/csv")
    );
    let csv = response.text().await.unwrap();
    assert_eq!(
        csv.lines().count(),
        customers + 1,
        "header and one line per card"
    );
    assert!(csv.starts_with("customer_id,"), "{}", &csv[..80]);
    let jsonl = server
        .request(
            Method::GET,
            "/v1/exports/cards?format=jsonl&where=tier%20%3D%3D%20%22VIP%22",
            read,
        )
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let vip: Vec<Value> = jsonl
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert!(!vip.is_empty() && vip.len() < customers);
    assert!(vip.iter().all(|c| c["tier"] == "VIP"));
    let german = server
        .request(Method::GET, "/v1/exports/cards?format=csv-de", read)
        .send()
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap();
    let first_line = german.split(|b| *b == b'\n').next().unwrap();
    assert!(first_line.contains(&b';'));
    for bad in ["format=xlsx", "where=tier%20%3D%3D", "run=999"] {
        let (status, body) =
            answer(server.request(Method::GET, &format!("/v1/exports/cards?{bad}"), read)).await;
        assert!((400..500).contains(&status), "{bad}: {status} {body}");
    }

    // A frozen run as a job: no refit, the same cards as the run it froze.
    let first_run = server.store.score_run(None).await.unwrap().unwrap().id;
    let (status, job) = server
        .post(
            "/v1/runs",
            Some(&server.admin),
            &json!({"as_of": server.as_of.to_string(), "frozen_from": first_run}),
        )
        .await;
    assert_eq!(status, 202, "{job}");
    let done = finished(&server, &job).await;
    assert_eq!(done["state"], "done", "{done}");
    let frozen = done["run_id"].as_i64().unwrap();
    assert_ne!(frozen, first_run);
    let cards = |run: i64| {
        let store = server.store.clone();
        async move {
            store
                .cards(run)
                .await
                .unwrap()
                .into_iter()
                .map(|c| c.card)
                .collect::<Vec<_>>()
        }
    };
    assert_eq!(cards(first_run).await, cards(frozen).await);
    server.stop().await;
}
