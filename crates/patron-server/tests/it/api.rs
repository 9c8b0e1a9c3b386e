//! Every route, keys and scopes, bad requests, idempotent and corrected ingest, live cards.

use crate::support::{Server, answer};
use reqwest::Method;
use serde_json::{Value, json};

/// A customer with a card in the run, and the time just before the run's `as_of`.
async fn some_customer(server: &Server) -> (String, String) {
    let (status, page) = server
        .get("/v1/customers?limit=1", Some(&server.read))
        .await;
    assert_eq!(status, 200, "{page}");
    let id = page["cards"][0]["customer_id"].as_str().unwrap().to_owned();
    let just_before = patron_core::Timestamp::from_secs(server.as_of.secs() - 3600).to_string();
    (id, just_before)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn keys_scopes_and_open_routes() {
    let server = Server::start(300).await;
    let (id, _) = some_customer(&server).await;
    let card = format!("/v1/customers/{id}");

    // No key, a malformed header, an unknown key: 401 with a code.
    for key in [None, Some("patron_not-a-key")] {
        let (status, body) = server.get(&card, key).await;
        assert_eq!(status, 401, "{body}");
        assert_eq!(body["code"], "unauthorized");
        assert!(
            body["message"].as_str().unwrap().contains("Bearer"),
            "{body}"
        );
    }
    let (status, _) = answer(
        server
            .request(Method::GET, &card, None)
            .header("authorization", "Basic abc"),
    )
    .await;
    assert_eq!(status, 401);

    // The wrong scope: 403. An ingest key cannot read cards; a read key cannot ingest; only
    // admin starts runs and lists keys.
    let (status, body) = server.get(&card, Some(&server.ingest)).await;
    assert_eq!(
        (status, body["code"].as_str()),
        (403, Some("forbidden")),
        "{body}"
    );
    let events = json!({"events": []});
    let (status, _) = server.post("/v1/events", Some(&server.read), &events).await;
    assert_eq!(status, 403);
    let (status, _) = server.get("/v1/keys", Some(&server.read)).await;
    assert_eq!(status, 403);
    let (status, keys) = server.get("/v1/keys", Some(&server.admin)).await;
    assert_eq!(status, 200);
    assert_eq!(keys.as_array().unwrap().len(), 3);
    assert!(
        keys.to_string().find("digest").is_none(),
        "no digests: {keys}"
    );
    // Admin may read too.
    assert_eq!(server.get(&card, Some(&server.admin)).await.0, 200);

    // A revoked key stops working at once.
    let revoked = patron_app::keys::create(server.store.as_ref(), "old", patron_store::Scope::Read)
        .await
        .unwrap();
    assert_eq!(server.get(&card, Some(&revoked.key)).await.0, 200);
    patron_app::keys::revoke(server.store.as_ref(), revoked.record.id)
        .await
        .unwrap();
    assert_eq!(server.get(&card, Some(&revoked.key)).await.0, 401);

    // Open routes: health, readiness, metrics, the OpenAPI document.
    let health = server
        .request(Method::GET, "/healthz", None)
        .send()
        .await
        .unwrap();
    assert_eq!(health.status(), 200);
    assert_eq!(
        server
            .request(Method::GET, "/readyz", None)
            .send()
            .await
            .unwrap()
            .status(),
        200
    );
    let metrics = server
        .request(Method::GET, "/metrics", None)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        metrics.contains(
            "patron_http_requests_total{method=\"GET\",route=\"/v1/customers/{id}\",status=\"200\"}"
        ),
        "{metrics}"
    );
    assert!(!metrics.contains(&id), "no customer ids in metrics");
    let (status, doc) = server.get("/openapi.json", None).await;
    assert_eq!(status, 200);
    assert!(doc["openapi"].as_str().unwrap().starts_with("3."));
    for path in [
        "/v1/customers/{id}",
        "/v1/events",
        "/v1/customers",
        "/v1/runs",
        "/v1/route",
    ] {
        assert!(doc["paths"].get(path).is_some(), "{path} in the document");
    }
    let (status, body) = server.get("/v1/nope", Some(&server.read)).await;
    assert_eq!((status, body["code"].as_str()), (404, Some("not_found")));
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cards_history_explain_list_route_and_runs() {
    let server = Server::start(300).await;
    let (id, _) = some_customer(&server).await;
    let key = Some(server.read.as_str());

    let (status, card) = server.get(&format!("/v1/customers/{id}"), key).await;
    assert_eq!(status, 200, "{card}");
    for field in [
        "customer_id",
        "tier",
        "status",
        "value_score",
        "churn_risk",
        "clv",
        "stage",
        "action",
    ] {
        assert!(card.get(field).is_some(), "{field} in {card}");
    }
    assert_eq!(card["card_source"], "run");
    let (status, body) = server.get("/v1/customers/NOPE-404", key).await;
    assert_eq!(
        (status, body["code"].as_str()),
        (404, Some("customer_not_found")),
        "{body}"
    );

    let (status, history) = server
        .get(&format!("/v1/customers/{id}/history"), key)
        .await;
    assert_eq!(status, 200);
    assert_eq!(history.as_array().unwrap().len(), 1);
    assert_eq!(history[0]["source"], "run");

    let (status, explained) = server
        .get(&format!("/v1/customers/{id}/explain"), key)
        .await;
    assert_eq!(status, 200, "{explained}");
    assert_eq!(explained["customer_id"], id.as_str());

    // Keyset paging: every matching card once, in order, whatever the page size.
    let all = page_through(&server, "where=orders%20%3E%200&sort=value_score", 1000).await;
    let paged = page_through(&server, "where=orders%20%3E%200&sort=value_score", 7).await;
    assert!(all.len() > 20, "{}", all.len());
    assert_eq!(all, paged);
    let scores: Vec<f64> = all.iter().map(|(_, s)| s.unwrap_or(-1.0)).collect();
    assert!(
        scores.windows(2).all(|w| w[0] >= w[1]),
        "descending value_score"
    );
    // In id order (read only as far as each page goes): the same, ascending ids.
    let by_id = page_through(&server, "where=orders%20%3E%200", 1000).await;
    let by_id_paged = page_through(&server, "where=orders%20%3E%200", 9).await;
    assert_eq!(by_id, by_id_paged);
    assert_eq!(by_id.len(), all.len());
    assert!(by_id.windows(2).all(|w| w[0].0 < w[1].0), "ascending ids");
    let (status, body) = server.get("/v1/customers?where=tier%20%3D", key).await;
    assert_eq!(
        (status, body["code"].as_str()),
        (400, Some("filter_invalid")),
        "{body}"
    );
    let (status, body) = server.get("/v1/customers?limit=0", key).await;
    assert_eq!(
        (status, body["code"].as_str()),
        (400, Some("invalid_argument"))
    );
    let (status, body) = server.get("/v1/customers?cursor=zzz", key).await;
    assert_eq!(status, 400, "{body}");

    let (status, route) = server
        .post("/v1/route", key, &json!({"customer_id": id}))
        .await;
    assert_eq!(status, 200, "{route}");
    assert!(route["queue"].is_string(), "{route}");

    let (status, runs) = server.get("/v1/runs", key).await;
    assert_eq!(status, 200);
    assert_eq!(runs.as_array().unwrap().len(), 1);

    // A run as a background job: 202, then its progress until done.
    let (status, body) = server.post("/v1/runs", key, &json!({})).await;
    assert_eq!(status, 403, "{body}");
    let (status, job) = server
        .post("/v1/runs", Some(&server.admin), &json!({}))
        .await;
    assert_eq!(status, 202, "{job}");
    let path = format!("/v1/jobs/{}", job["id"]);
    let done = loop {
        let (status, job) = server.get(&path, key).await;
        assert_eq!(status, 200);
        if job["state"] != "running" {
            break job;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    };
    assert_eq!(done["state"], "done", "{done}");
    let (_, runs) = server.get("/v1/runs", key).await;
    assert_eq!(runs.as_array().unwrap().len(), 2);
    assert_eq!(server.get("/v1/jobs/99", key).await.0, 404);
    server.stop().await;
}

/// The (customer, value score) of every card matching `query`, page by page.
async fn page_through(server: &Server, query: &str, limit: u32) -> Vec<(String, Option<f64>)> {
    let mut out = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let mut path = format!("/v1/customers?{query}&limit={limit}");
        if let Some(c) = &cursor {
            path.push_str(&format!("&cursor={c}"));
        }
        let (status, page) = server.get(&path, Some(&server.read)).await;
        assert_eq!(status, 200, "{page}");
        for card in page["cards"].as_array().unwrap() {
            out.push((
                card["customer_id"].as_str().unwrap().to_owned(),
                card["value_score"].as_f64(),
            ));
        }
        match page["next_cursor"].as_str() {
            Some(c) => cursor = Some(c.to_owned()),
            None => return out,
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ingest_is_idempotent_corrects_with_history_and_answers_with_the_live_card() {
    let server = Server::start(300).await;
    let (id, at) = some_customer(&server).await;
    let key = Some(server.ingest.as_str());
    let events_before = server.store.status().await.unwrap().events;

    let event = json!({"events": [{"event_id": "api-1", "customer_id": id, "type": "download",
        "timestamp": at, "properties": {"url": "/whitepaper.pdf"}}]});
    let (status, first) = server.post("/v1/events", key, &event).await;
    assert_eq!(status, 200, "{first}");
    assert_eq!(
        (first["inserted"].as_u64(), first["unchanged"].as_u64()),
        (Some(1), Some(0))
    );
    let change = &first["changes"][0];
    assert_eq!(change["customer_id"], id.as_str());
    assert!(change["card"]["tier"].is_string(), "{first}");

    // A replay stores nothing.
    let (status, replay) = server.post("/v1/events", key, &event).await;
    assert_eq!(status, 200);
    assert_eq!(
        (replay["inserted"].as_u64(), replay["unchanged"].as_u64()),
        (Some(0), Some(1))
    );
    assert_eq!(
        server.store.status().await.unwrap().events,
        events_before + 1
    );

    // The same key with other content: a correction.
    let changed = json!({"events": [{"event_id": "api-1", "customer_id": id, "type": "webinar",
        "timestamp": at}]});
    let (status, corrected) = server.post("/v1/events", key, &changed).await;
    assert_eq!(status, 200, "{corrected}");
    assert_eq!(
        (
            corrected["updated"].as_u64(),
            corrected["inserted"].as_u64()
        ),
        (Some(1), Some(0))
    );
    assert_eq!(
        server.store.status().await.unwrap().events,
        events_before + 1
    );

    // The live card is now the customer's current card, and their history has it.
    let (status, card) = server
        .get(&format!("/v1/customers/{id}"), Some(&server.read))
        .await;
    assert_eq!(status, 200);
    assert_eq!(card["card_source"], "live");
    assert_eq!(card["tier"], corrected["changes"][0]["card"]["tier"]);
    let (_, history) = server
        .get(&format!("/v1/customers/{id}/history"), Some(&server.read))
        .await;
    let sources: Vec<&str> = history
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h["source"].as_str().unwrap())
        .collect();
    assert_eq!(sources, ["run", "live", "live", "live"]);

    // A live card equals the card the run's scoring function gives the customer alone.
    let scorer =
        patron_app::LiveScorer::open(&server_project(&server), server.store.as_ref(), None)
            .await
            .unwrap();
    let alone = scorer
        .card(
            server.store.as_ref(),
            &patron_core::ids::CustomerId::parse(&id).unwrap(),
            Some(server.as_of),
        )
        .await
        .unwrap();
    let mut live = card.clone();
    live.as_object_mut().unwrap().remove("card_source");
    live.as_object_mut().unwrap().remove("run_id");
    assert_eq!(live, serde_json::to_value(&alone).unwrap());

    // Other entities, the same way.
    let order = json!({"orders": [{"order_id": "API-O1", "customer_id": id, "timestamp": at,
        "sku": "X1", "quantity": 2, "unit_price": 19.5}]});
    let (status, body) = server.post("/v1/orders", key, &order).await;
    assert_eq!(
        (status, body["inserted"].as_u64()),
        (200, Some(1)),
        "{body}"
    );
    for (path, body) in [
        (
            "/v1/customers",
            json!({"customers": [{"customer_id": "API-NEW-1", "name": "Neu", "country": "DE"}]}),
        ),
        (
            "/v1/tickets",
            json!({"tickets": [{"ticket_id": "API-T1", "customer_id": id, "opened_at": at}]}),
        ),
        (
            "/v1/invoices",
            json!({"invoices": [{"invoice_id": "API-I1", "customer_id": id, "issued_at": at, "due_at": at, "amount": 39.0}]}),
        ),
        (
            "/v1/outcomes",
            json!({"outcomes": [{"customer_id": id, "kind": "offer_accepted", "at": at}]}),
        ),
    ] {
        let (status, answer) = server.post(path, key, &body).await;
        assert_eq!(
            (status, answer["inserted"].as_u64()),
            (200, Some(1)),
            "{path}: {answer}"
        );
    }
    server.stop().await;
}

fn server_project(server: &Server) -> patron_app::Project {
    let dir = server.store_dir();
    patron_app::Project::load(dir, None).unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_requests_answer_4xx_with_a_code_and_store_nothing() {
    let server = Server::start(300).await;
    let (id, at) = some_customer(&server).await;
    let key = Some(server.ingest.as_str());
    let before = server.store.status().await.unwrap();

    // Malformed JSON.
    let (status, body) = answer(
        server
            .request(Method::POST, "/v1/events", key)
            .header("content-type", "application/json")
            .body("{\"events\": [}"),
    )
    .await;
    assert_eq!(
        (status, body["code"].as_str()),
        (400, Some("bad_request")),
        "{body}"
    );
    // Wrong types, an unknown field: where it failed.
    let (status, body) = server
        .post(
            "/v1/events",
            key,
            &json!({"events": [{"event_id": 5, "customer_id": id, "type": "x", "timestamp": at}]}),
        )
        .await;
    assert_eq!(
        (status, body["code"].as_str()),
        (400, Some("bad_request")),
        "{body}"
    );
    assert!(
        body["message"]
            .as_str()
            .unwrap()
            .contains("events[0].event_id"),
        "{body}"
    );
    let (status, _) = server
        .post("/v1/events", key, &json!({"events": [{"event_id": "e", "customer_id": id, "type": "x", "timestamp": at, "colour": 1}]}))
        .await;
    assert_eq!(status, 400);
    // Invalid values: every invalid item with field, value and what was expected.
    let (status, body) = server
        .post(
            "/v1/events",
            key,
            &json!({"events": [
            {"event_id": "ok-1", "customer_id": id, "type": "x", "timestamp": at},
            {"event_id": "bad-1", "customer_id": id, "type": "x", "timestamp": "31.02.2026"},
            {"event_id": "bad-2", "customer_id": id, "type": "x", "timestamp": "9999-12-31"}]}),
        )
        .await;
    assert_eq!(
        (status, body["code"].as_str()),
        (422, Some("invalid_fact")),
        "{body}"
    );
    let items = body["details"]["items"].as_array().unwrap();
    assert_eq!(items.len(), 2, "{body}");
    assert_eq!(
        (items[0]["index"].as_u64(), items[0]["field"].as_str()),
        (Some(1), Some("timestamp"))
    );
    let (status, body) = server
        .post("/v1/orders", key, &json!({"orders": [{"order_id": "O", "customer_id": id, "timestamp": at, "unit_price": 922337203685477.0}]}))
        .await;
    assert_eq!(
        (status, body["code"].as_str()),
        (422, Some("invalid_fact")),
        "{body}"
    );
    // An unknown customer.
    let (status, body) = server
        .post("/v1/events", key, &json!({"events": [{"event_id": "u-1", "customer_id": "NOBODY", "type": "x", "timestamp": at}]}))
        .await;
    assert_eq!(
        (status, body["code"].as_str()),
        (422, Some("unknown_customer")),
        "{body}"
    );
    assert!(
        body["message"].as_str().unwrap().contains("NOBODY"),
        "{body}"
    );
    // An oversized batch.
    let many: Vec<Value> = (0..10_001)
        .map(|i| json!({"event_id": format!("big-{i}"), "customer_id": id, "type": "x", "timestamp": at}))
        .collect();
    let (status, body) = server
        .post("/v1/events", key, &json!({"events": many}))
        .await;
    assert_eq!(
        (status, body["code"].as_str()),
        (413, Some("payload_too_large")),
        "{body}"
    );

    let after = server.store.status().await.unwrap();
    assert_eq!(
        (after.events, after.order_lines, after.customers),
        (before.events, before.order_lines, before.customers)
    );
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_ingest_is_committed_together_and_loses_nothing() {
    let server = std::sync::Arc::new(Server::start(200).await);
    let (id, at) = some_customer(&server).await;
    let before = server.store.status().await.unwrap().events;
    let mut tasks = Vec::new();
    for r in 0..16 {
        let server = server.clone();
        let (id, at) = (id.clone(), at.clone());
        tasks.push(tokio::spawn(async move {
            let events: Vec<Value> = (0..25)
                .map(|i| json!({"event_id": format!("c-{r}-{i}"), "customer_id": id, "type": "page_view", "timestamp": at}))
                .collect();
            server.post("/v1/events", Some(&server.ingest), &json!({"events": events})).await
        }));
    }
    for t in tasks {
        let (status, body) = t.await.unwrap();
        assert_eq!(
            (status, body["inserted"].as_u64()),
            (200, Some(25)),
            "{body}"
        );
    }
    assert_eq!(
        server.store.status().await.unwrap().events,
        before + 16 * 25
    );
}
