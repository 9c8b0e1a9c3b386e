//! Live cards: equal to what a batch run on the same snapshot computes; PATCH; unstored leads;
//! cards recomputed in the background for bulk loads; changed fields named.

use crate::support::{Server, answer};
use patron_app::Silent;
use patron_core::ids::CustomerId;
use reqwest::Method;
use serde_json::{Value, json};
use std::collections::BTreeMap;

/// Customers of the run, in id order.
async fn customers(server: &Server, n: usize) -> Vec<String> {
    let (status, page) = server
        .get(&format!("/v1/customers?limit={n}"), Some(&server.read))
        .await;
    assert_eq!(status, 200, "{page}");
    page["cards"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["customer_id"].as_str().unwrap().to_owned())
        .collect()
}

fn hours_before(server: &Server, hours: i64) -> String {
    patron_core::Timestamp::from_secs(server.as_of.secs() - hours * 3600).to_string()
}

/// A card as the API answers it, without where it came from.
fn bare(mut card: Value) -> Value {
    let map = card.as_object_mut().unwrap();
    map.remove("card_source");
    map.remove("run_id");
    card
}

async fn patch(server: &Server, id: &str, body: &Value) -> (u16, Value) {
    answer(
        server
            .request(
                Method::PATCH,
                &format!("/v1/customers/{id}"),
                Some(&server.ingest),
            )
            .json(body),
    )
    .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn live_cards_after_a_sequence_of_ingests_equal_a_batch_run_on_the_same_snapshot() {
    let server = Server::start(300).await;
    let ids = customers(&server, 40).await;
    let touched = [&ids[3], &ids[17], &ids[31]];
    let key = Some(server.ingest.as_str());
    // A sequence of every kind of fact, corrections and a patch, for three customers.
    for (n, id) in touched.iter().enumerate() {
        let at = hours_before(&server, 30 - n as i64);
        let steps = [
            (
                "/v1/events",
                json!({"events": [
                    {"event_id": format!("seq-e1-{id}"), "customer_id": id, "type": "email_click", "timestamp": at},
                    {"event_id": format!("seq-e2-{id}"), "customer_id": id, "type": "referral", "timestamp": at}]}),
            ),
            (
                "/v1/orders",
                json!({"orders": [{"order_id": format!("seq-o-{id}"), "customer_id": id, "timestamp": at,
                    "sku": "SEQ-1", "quantity": 3, "unit_price": 49.9}]}),
            ),
            (
                "/v1/tickets",
                json!({"tickets": [{"ticket_id": format!("seq-t-{id}"), "customer_id": id, "opened_at": at,
                    "category": "complaint"}]}),
            ),
            (
                "/v1/invoices",
                json!({"invoices": [{"invoice_id": format!("seq-i-{id}"), "customer_id": id, "issued_at": at,
                    "due_at": at, "amount": 149.7}]}),
            ),
            // A correction: the order's quantity changes.
            (
                "/v1/orders",
                json!({"orders": [{"order_id": format!("seq-o-{id}"), "customer_id": id, "timestamp": at,
                    "sku": "SEQ-1", "quantity": 5, "unit_price": 49.9}]}),
            ),
        ];
        for (path, body) in steps {
            let (status, answer) = server.post(path, key, &body).await;
            assert_eq!(status, 200, "{path}: {answer}");
        }
        let (status, answer) = patch(&server, id, &json!({"attributes": {"segment": "seq"}})).await;
        assert_eq!(status, 200, "{answer}");
    }
    let mut live = BTreeMap::new();
    for id in &ids {
        let (status, card) = server
            .get(&format!("/v1/customers/{id}"), Some(&server.read))
            .await;
        assert_eq!(status, 200, "{card}");
        let source = card["card_source"].as_str().unwrap().to_owned();
        assert_eq!(source == "live", touched.contains(&id), "{id}: {source}");
        live.insert(id.clone(), bare(card));
    }
    let project = patron_app::Project::load(server.store_dir(), None).unwrap();
    let first_run = server.store.score_run(None).await.unwrap().unwrap().id;

    // A batch run that fits nothing: the first run's snapshot and scoring context, every
    // customer's facts as they are now.
    let store = server.store.clone();
    let frozen = patron_app::score_run_frozen(
        &project,
        store.as_ref(),
        Some(first_run),
        live_as_of(&live),
        &mut Silent,
    )
    .await
    .unwrap();
    assert_eq!(frozen.context.frozen.as_ref().unwrap().from_run, first_run);
    for (id, card) in &live {
        let (_, batch) = patron_app::cards::stored_card(
            store.as_ref(),
            Some(frozen.id),
            &CustomerId::parse(id).unwrap(),
        )
        .await
        .unwrap();
        assert_eq!(card, &serde_json::to_value(&batch).unwrap(), "{id}");
        if touched.contains(&id) {
            // The sequence changed them: the equality is not the first run's card twice.
            let (_, first) = patron_app::cards::stored_card(
                store.as_ref(),
                Some(first_run),
                &CustomerId::parse(id).unwrap(),
            )
            .await
            .unwrap();
            assert_ne!(
                card["revenue"],
                serde_json::to_value(&first).unwrap()["revenue"]
            );
        }
    }
    // Untouched customers' cards are those of the first run: nothing was refitted.
    for id in &ids {
        if touched.contains(&id) {
            continue;
        }
        let id = CustomerId::parse(id).unwrap();
        let (_, first) = patron_app::cards::stored_card(store.as_ref(), Some(first_run), &id)
            .await
            .unwrap();
        let (_, again) = patron_app::cards::stored_card(store.as_ref(), Some(frozen.id), &id)
            .await
            .unwrap();
        assert_eq!(first, again, "{id}");
    }
    server.stop().await;
}

/// The `as_of` the live cards were scored at (all the same).
fn live_as_of(live: &BTreeMap<String, Value>) -> patron_core::Timestamp {
    let text = live.values().next().unwrap()["as_of"].as_str().unwrap();
    patron_core::Timestamp::parse_flexible(text).unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn patch_changes_only_the_fields_sent_and_corrections_name_their_fields() {
    let server = Server::start(200).await;
    let ids = customers(&server, 5).await;
    let id = CustomerId::parse(&ids[0]).unwrap();
    let before = server.store.customer(&id).await.unwrap().unwrap();

    let (status, answer) = patch(
        &server,
        id.as_str(),
        &json!({"email": "neu@example.de", "attributes": {"segment": "gold"}}),
    )
    .await;
    assert_eq!(status, 200, "{answer}");
    assert_eq!(answer["updated"], 1);
    let fields = &answer["corrections"][0]["fields"];
    assert_eq!(fields, &json!(["email", "attributes"]), "{answer}");
    assert_eq!(answer["changes"][0]["customer_id"], id.as_str());
    let after = server.store.customer(&id).await.unwrap().unwrap();
    assert_eq!(after.email.as_deref(), Some("neu@example.de"));
    assert_eq!(after.name, before.name, "fields not sent are kept");
    assert_eq!(
        after.attributes.len(),
        before.attributes.len() + usize::from(!before.attributes.contains_key("segment"))
    );
    // null clears; the same patch again changes nothing.
    let (status, answer) = patch(&server, id.as_str(), &json!({"email": null})).await;
    assert_eq!(
        (status, answer["updated"].as_u64()),
        (200, Some(1)),
        "{answer}"
    );
    assert_eq!(
        server.store.customer(&id).await.unwrap().unwrap().email,
        None
    );
    let (_, again) = patch(&server, id.as_str(), &json!({"email": null})).await;
    assert_eq!(
        (again["updated"].as_u64(), again["unchanged"].as_u64()),
        (Some(0), Some(1))
    );

    // Unknown customer, an id change, a wrong type, not an object: 4xx, nothing stored.
    let (status, body) = patch(&server, "NOBODY-1", &json!({"name": "x"})).await;
    assert_eq!(
        (status, body["code"].as_str()),
        (404, Some("not_found")),
        "{body}"
    );
    let (status, body) = patch(&server, id.as_str(), &json!({"customer_id": "OTHER"})).await;
    assert_eq!(status, 422, "{body}");
    let (status, body) = patch(&server, id.as_str(), &json!({"consent_profiling": "yes"})).await;
    assert!((400..500).contains(&status), "{status} {body}");
    let (status, body) = patch(&server, id.as_str(), &json!([1, 2])).await;
    assert_eq!(status, 400, "{body}");
    assert_eq!(
        server.store.customer(&id).await.unwrap().unwrap().email,
        None
    );

    // An event corrected: the answer names the changed field.
    let at = hours_before(&server, 2);
    let event = |kind: &str| json!({"events": [{"event_id": "fields-1", "customer_id": id.as_str(), "type": kind, "timestamp": at}]});
    let (status, _) = server
        .post("/v1/events", Some(&server.ingest), &event("download"))
        .await;
    assert_eq!(status, 200);
    let (_, corrected) = server
        .post("/v1/events", Some(&server.ingest), &event("webinar"))
        .await;
    assert_eq!(
        corrected["corrections"],
        json!([{"fact": "events", "key": ["fields-1"], "fields": ["type"]}]),
        "{corrected}"
    );
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_lead_is_scored_without_being_stored_and_fires_its_triggers() {
    let server = Server::start(200).await;
    let status_before = server.store.status().await.unwrap();
    let at = |h| hours_before(&server, h);
    let lead = json!({
        "customer": {"customer_id": "LEAD-FORM-1", "created_at": at(100), "company": "Muster GmbH",
                     "consent_profiling": true},
        "events": [
            {"event_id": "lf-1", "customer_id": "LEAD-FORM-1", "type": "form_submit", "timestamp": at(50)},
            {"event_id": "lf-2", "customer_id": "LEAD-FORM-1", "type": "webinar", "timestamp": at(40)},
            {"event_id": "lf-3", "customer_id": "LEAD-FORM-1", "type": "download", "timestamp": at(30)}
        ]
    });
    let (status, scored) = server.post("/v1/score", Some(&server.read), &lead).await;
    assert_eq!(status, 200, "{scored}");
    assert_eq!(scored["card"]["customer_id"], "LEAD-FORM-1");
    assert_eq!(scored["card"]["card_source"], "unstored");
    assert_eq!(scored["card"]["lead"], true);
    assert_eq!(scored["card"]["stages"]["sales"], "SQL", "{scored}");
    assert_eq!(
        scored["triggers"][0]["trigger"], "sales-qualified lead",
        "{scored}"
    );
    // Stored nothing.
    let lead_id = CustomerId::parse("LEAD-FORM-1").unwrap();
    assert!(!server.store.customer_exists(&lead_id).await.unwrap());
    let status_after = server.store.status().await.unwrap();
    assert_eq!(
        (status_after.customers, status_after.events),
        (status_before.customers, status_before.events)
    );
    // Scored twice, the same card.
    let (_, again) = server.post("/v1/score", Some(&server.read), &lead).await;
    assert_eq!(again, scored);
    // A fact about someone else, an invalid time: 422 naming the list and field.
    let mut other = lead.clone();
    other["events"][0]["customer_id"] = json!("SOMEONE-ELSE");
    let (status, body) = server.post("/v1/score", Some(&server.read), &other).await;
    assert_eq!(status, 422, "{body}");
    assert!(body.to_string().contains("events.customer_id"), "{body}");
    let mut bad = lead.clone();
    bad["events"][1]["timestamp"] = json!("gestern");
    let (status, body) = server.post("/v1/score", Some(&server.read), &bad).await;
    assert_eq!(status, 422, "{body}");
    assert!(body.to_string().contains("events.timestamp"), "{body}");
    // The same lead stored through ingest: its live card and the SQL trigger as a webhook
    // message in the outbox.
    let key = Some(server.ingest.as_str());
    let (status, _) = server
        .post(
            "/v1/customers",
            key,
            &json!({"customers": [lead["customer"]]}),
        )
        .await;
    assert_eq!(status, 200);
    let (status, stored) = server
        .post("/v1/events", key, &json!({"events": lead["events"]}))
        .await;
    assert_eq!(status, 200, "{stored}");
    let change = &stored["changes"][0];
    assert_eq!(
        change["triggers"][0]["trigger"], "sales-qualified lead",
        "{stored}"
    );
    let mut stored_card = change["card"].clone();
    let mut lead_card = bare(scored["card"].clone());
    // The stored lead's card compares with the run's tiers like any customer's.
    stored_card.as_object_mut().unwrap().remove("tier_reason");
    lead_card.as_object_mut().unwrap().remove("tier_reason");
    assert_eq!(stored_card, lead_card);
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bulk_loads_answer_at_commit_and_their_cards_follow() {
    let server = Server::start(200).await;
    let ids = customers(&server, 60).await;
    let at = hours_before(&server, 5);
    let events: Vec<Value> = ids
        .iter()
        .enumerate()
        .map(|(n, id)| json!({"event_id": format!("bulk-{n}"), "customer_id": id, "type": "email_click", "timestamp": at}))
        .collect();
    let (status, answer) = server
        .post(
            "/v1/events?cards=later",
            Some(&server.ingest),
            &json!({"events": events}),
        )
        .await;
    assert_eq!(status, 200, "{answer}");
    assert_eq!(answer["inserted"], 60);
    assert!(answer["changes"].as_array().unwrap().is_empty());
    assert!(answer["cards_pending"].as_u64().unwrap() >= 1, "{answer}");
    // Every customer's live card arrives.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    for id in &ids {
        loop {
            let (_, card) = server
                .get(&format!("/v1/customers/{id}"), Some(&server.read))
                .await;
            if card["card_source"] == "live" {
                break;
            }
            assert!(
                std::time::Instant::now() < deadline,
                "no live card for {id}"
            );
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
    }
    let (status, body) = server
        .post(
            "/v1/events?cards=soon",
            Some(&server.ingest),
            &json!({"events": []}),
        )
        .await;
    assert_eq!(status, 400, "{body}");
    server.stop().await;
}
