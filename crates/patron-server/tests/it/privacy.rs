//! Issue 15 over HTTP: consent withdrawn through an ingest takes effect on the next live card
//! (no profiling scores, no offer, no marketing action) and no marketing webhook is sent for
//! the person afterwards; overrides through the API reach the live card; an export and an
//! erasure through the API, with their audit entries.

use crate::support::Server;
use crate::webhooks::Receiver;
use patron_core::ids::CustomerId;
use patron_server::ServerOptions;
use serde_json::{Value, json};
use std::time::Duration;

fn hours_before(server: &Server, hours: i64) -> String {
    patron_core::Timestamp::from_secs(server.as_of.secs() - hours * 3600).to_string()
}

/// PATCH `/v1/customers/{id}` with a merge patch.
async fn patch(server: &Server, id: &str, body: &Value) -> (u16, Value) {
    crate::support::answer(
        server
            .request(
                reqwest::Method::PATCH,
                &format!("/v1/customers/{id}"),
                Some(&server.ingest),
            )
            .header("content-type", "application/merge-patch+json")
            .body(body.to_string()),
    )
    .await
}

/// The customer's card once it satisfies `done`.
async fn card_when(server: &Server, id: &str, done: impl Fn(&Value) -> bool) -> Value {
    for _ in 0..200 {
        let (status, card) = server
            .get(&format!("/v1/customers/{id}"), Some(&server.read))
            .await;
        assert_eq!(status, 200, "{card}");
        if done(&card) {
            return card;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("the card of {id} never got there");
}

/// The kinds of the stored webhook messages about `id` (from the person's export).
async fn message_kinds(server: &Server, id: &str) -> Vec<String> {
    let data = server
        .store
        .personal_data(&CustomerId::parse(id).unwrap())
        .await
        .unwrap()
        .unwrap();
    data.tables["webhook_messages"]
        .iter()
        .map(|m| m["kind"].as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn withdrawn_consent_stops_profiling_offers_and_marketing_webhooks() {
    let server = Server::start_with(
        300,
        ServerOptions {
            webhook_poll: Duration::from_millis(100),
            ..ServerOptions::default()
        },
    )
    .await;
    let (receiver, url) = Receiver::start(&[]).await;
    let (status, hook) = server
        .post(
            "/v1/webhooks",
            Some(&server.admin),
            &json!({"url": url, "events": ["stage", "trigger", "tier", "alarm"], "allow_private": true}),
        )
        .await;
    assert_eq!(status, 201, "{hook}");

    // Two leads with consent; one withdraws profiling consent before the events that make
    // them sales-qualified (the demo's trigger, a `webhook:crm` marketing action).
    let at = |h| hours_before(&server, h);
    let lead = |id: &str| {
        json!({"customer_id": id, "created_at": at(100), "company": "Muster GmbH",
        "consent_profiling": true, "consent_marketing": true})
    };
    let (status, _) = server
        .post(
            "/v1/customers",
            Some(&server.ingest),
            &json!({"customers": [lead("LEAD-KEEPS"), lead("LEAD-WITHDRAWS")]}),
        )
        .await;
    assert_eq!(status, 200);
    let (status, answer) = patch(
        &server,
        "LEAD-WITHDRAWS",
        &json!({"consent_profiling": false}),
    )
    .await;
    assert_eq!(status, 200, "{answer}");
    let events: Vec<Value> = ["LEAD-KEEPS", "LEAD-WITHDRAWS"]
        .iter()
        .flat_map(|id| {
            [("form_submit", 50), ("webinar", 40), ("download", 30)]
                .into_iter()
                .map(move |(kind, h)| (id, kind, h))
        })
        .map(|(id, kind, h)| json!({"event_id": format!("{id}-{kind}"), "customer_id": id, "type": kind, "timestamp": at(h)}))
        .collect();
    let (status, stored) = server
        .post(
            "/v1/events",
            Some(&server.ingest),
            &json!({"events": events}),
        )
        .await;
    assert_eq!(status, 200, "{stored}");
    // The lead with consent fires the trigger and its webhook; the other one does not.
    assert!(
        message_kinds(&server, "LEAD-KEEPS")
            .await
            .contains(&"trigger".to_owned())
    );
    assert!(
        !message_kinds(&server, "LEAD-WITHDRAWS")
            .await
            .contains(&"trigger".to_owned())
    );
    let card = card_when(&server, "LEAD-WITHDRAWS", |c| c["card_source"] == "live").await;
    assert_eq!(card["profiling"], false, "{card}");
    assert_eq!(card["stages"], json!({}), "{card}");
    assert!(card["action"].is_null(), "{card}");

    // A customer with an offer and consent: profiling consent withdrawn through an ingest.
    let (status, page) = answer_page(&server, "has(offer) && profiling && marketing").await;
    assert_eq!(status, 200, "{page}");
    let id = page["cards"][0]["customer_id"].as_str().unwrap().to_owned();
    let before = &page["cards"][0];
    assert!(before["value_score"].is_number() && before["offer"].is_string());
    let (status, answer) = patch(&server, &id, &json!({"consent_profiling": false})).await;
    assert_eq!(status, 200, "{answer}");
    let card = card_when(&server, &id, |c| c["profiling"] == false).await;
    assert_eq!(card["card_source"], "live");
    for score in [
        "value_score",
        "churn_risk",
        "clv",
        "p_alive",
        "offer",
        "action",
    ] {
        assert!(card[score].is_null(), "{score} without consent: {card}");
    }
    assert!(card["consent_note"].as_str().unwrap().contains("offer"));

    // Marketing consent alone withdrawn: scores stay, the offer and marketing actions go. (The
    // list shows the run's cards: the first one is the customer above.)
    let other = page["cards"][1]["customer_id"].as_str().unwrap().to_owned();
    patch(&server, &other, &json!({"consent_marketing": false})).await;
    let card = card_when(&server, &other, |c| c["marketing"] == false).await;
    assert!(card["value_score"].is_number(), "{card}");
    assert!(card["offer"].is_null(), "{card}");
    let service = [
        "senior adviser call",
        "prepayment only, reminder call",
        "VIP care: personal thank-you",
        "service contact only (no marketing consent)",
    ];
    assert!(
        card["action"].is_null() || service.contains(&card["action"].as_str().unwrap()),
        "{card}"
    );

    // Nothing delivered about the person who withdrew was a trigger.
    tokio::time::sleep(Duration::from_millis(500)).await;
    for (_, body) in receiver.got() {
        let body: Value = serde_json::from_slice(&body).unwrap();
        if body["data"]["customer_id"] == "LEAD-WITHDRAWS" {
            assert_ne!(body["type"], "customer.trigger_fired", "{body}");
        }
    }
    server.stop().await;
}

async fn answer_page(server: &Server, condition: &str) -> (u16, Value) {
    crate::support::answer(
        server
            .request(reqwest::Method::GET, "/v1/customers", Some(&server.read))
            .query(&[("where", condition), ("limit", "5")]),
    )
    .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn overrides_exports_and_erasure_through_the_api() {
    let server = Server::start(200).await;
    let (_, page) = answer_page(&server, "!lead").await;
    let id = page["cards"][0]["customer_id"].as_str().unwrap().to_owned();
    let automated = page["cards"][0]["status"].as_str().unwrap().to_owned();
    let wanted = if automated == "VIP" {
        "Standard"
    } else {
        "VIP"
    };

    // An override needs the admin scope and a reason; it reaches the live card.
    let body = json!({"field": "status", "value": wanted, "reason": "complaint handled by the MD"});
    let path = format!("/v1/customers/{id}/overrides");
    assert_eq!(server.post(&path, Some(&server.read), &body).await.0, 403);
    let (status, bad) = server
        .post(
            &path,
            Some(&server.admin),
            &json!({"field": "status", "value": "Gold", "reason": "x"}),
        )
        .await;
    assert_eq!(status, 400, "{bad}");
    let (status, record) = server.post(&path, Some(&server.admin), &body).await;
    assert_eq!(status, 201, "{record}");
    let card = card_when(&server, &id, |c| c["status"] == wanted).await;
    assert_eq!(
        card["overrides"][0]["automated"],
        automated.as_str(),
        "{card}"
    );
    assert_eq!(card["overrides"][0]["by"], "test");
    let (_, listed) = server.get(&path, Some(&server.read)).await;
    assert_eq!(listed[0]["value"], wanted);
    // Removed: the automated status again.
    let (status, _) = crate::support::answer(server.request(
        reqwest::Method::DELETE,
        &format!("/v1/overrides/{}", record["id"]),
        Some(&server.admin),
    ))
    .await;
    assert_eq!(status, 200);
    card_when(&server, &id, |c| c["status"] == automated.as_str()).await;

    // Export, then erase.
    let export_path = format!("/v1/customers/{id}/export");
    assert_eq!(server.get(&export_path, Some(&server.read)).await.0, 403);
    let (status, export) = server.get(&export_path, Some(&server.admin)).await;
    assert_eq!(status, 200);
    assert_eq!(export["tables"]["customers"][0]["customer_id"], id.as_str());
    assert_eq!(export["overrides"].as_array().unwrap().len(), 1);
    let delete = |key: String| {
        server.request(
            reqwest::Method::DELETE,
            &format!("/v1/customers/{id}"),
            Some(&key),
        )
    };
    let (status, _) = crate::support::answer(delete(server.read.clone())).await;
    assert_eq!(status, 403);
    let (status, erased) = crate::support::answer(delete(server.admin.clone())).await;
    assert_eq!(status, 200, "{erased}");
    assert_eq!(erased["residues"], json!([]));
    let (status, again) = crate::support::answer(delete(server.admin.clone())).await;
    assert_eq!(status, 404, "{again}");
    assert_eq!(
        server
            .get(&format!("/v1/customers/{id}"), Some(&server.read))
            .await
            .0,
        404
    );
    assert_eq!(server.get(&export_path, Some(&server.admin)).await.0, 404);
    let (status, audit) = server.get("/v1/audit", Some(&server.admin)).await;
    assert_eq!(status, 200);
    let actions: Vec<&str> = audit
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    assert_eq!(
        actions[..4],
        ["erase", "export", "override_removed", "override"],
        "{audit}"
    );
    assert!(!audit.to_string().contains(&id), "{audit}");
    assert_eq!(server.get("/v1/audit", Some(&server.read)).await.0, 403);
    server.stop().await;
}

/// The rows of an export in JSON lines.
async fn export_lines(server: &Server, query: &str, key: &str) -> (u16, Vec<Value>) {
    let response = server
        .request(
            reqwest::Method::GET,
            &format!("/v1/exports/cards?format=jsonl{query}"),
            Some(key),
        )
        .send()
        .await
        .unwrap();
    let status = response.status().as_u16();
    let text = response.text().await.unwrap();
    if status != 200 {
        return (status, Vec::new());
    }
    let rows = text
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    (status, rows)
}

#[tokio::test]
async fn contests_reach_the_worklist_and_analysts_get_pseudonyms_only() {
    let server = Server::start(300).await;
    let analyst = patron_app::keys::create(
        server.store.as_ref(),
        "analyst",
        patron_store::Scope::Analyst,
    )
    .await
    .unwrap()
    .key;

    // An analyst's key: pseudonymised exports, nothing else.
    let (_, plain) = export_lines(&server, "", &server.read).await;
    let (status, pseudonymised) = export_lines(&server, "", &analyst).await;
    assert_eq!(status, 200);
    assert_eq!(pseudonymised.len(), plain.len());
    let (_, asked) = export_lines(&server, "&pseudonymise=true", &server.read).await;
    assert_eq!(asked, pseudonymised, "the same keyed hash for every caller");
    let id = plain[0]["customer_id"].as_str().unwrap().to_owned();
    assert_ne!(pseudonymised[0]["customer_id"], id.as_str());
    assert!(
        pseudonymised[0]["customer_id"]
            .as_str()
            .unwrap()
            .starts_with('P')
    );
    assert_eq!(pseudonymised[0]["tier"], plain[0]["tier"]);
    assert_eq!(
        server
            .get(&format!("/v1/customers/{id}"), Some(&analyst))
            .await
            .0,
        403
    );
    assert_eq!(server.get("/v1/customers", Some(&analyst)).await.0, 403);
    assert_eq!(server.get("/", Some(&analyst)).await.0, 403);
    let by_id = format!("&where=customer_id+%3D%3D+%22{id}%22");
    assert_eq!(export_lines(&server, &by_id, &analyst).await.0, 403);
    assert_eq!(export_lines(&server, &by_id, &server.read).await.0, 200);

    // A contest: recorded by a service system, listed, on the dashboard's worklist, resolved
    // by an administrator.
    let path = format!("/v1/customers/{id}/contests");
    let body = json!({"decision": "tier", "statement": "Ich bin seit zehn Jahren Kunde", "channel": "phone"});
    assert_eq!(server.post(&path, Some(&server.read), &body).await.0, 403);
    let (status, bad) = server
        .post(
            &path,
            Some(&server.ingest),
            &json!({"decision": "mood", "statement": "x"}),
        )
        .await;
    assert_eq!(status, 400, "{bad}");
    let (status, contest) = server.post(&path, Some(&server.ingest), &body).await;
    assert_eq!(status, 201, "{contest}");
    assert_eq!(
        server
            .post("/v1/customers/NOBODY/contests", Some(&server.ingest), &body)
            .await
            .0,
        404
    );
    let (status, open) = server.get("/v1/contests", Some(&server.read)).await;
    assert_eq!(status, 200);
    assert_eq!(open[0]["customer_id"], id.as_str());
    let page = server
        .request(
            reqwest::Method::GET,
            "/worklists/contested",
            Some(&server.read),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(page.status().as_u16(), 200);
    let html = page.text().await.unwrap();
    assert!(html.contains("Ich bin seit zehn Jahren Kunde"), "{html}");
    assert!(html.contains(&id));
    let resolve = format!("/v1/contests/{}/resolve", contest["id"]);
    let answer = json!({"outcome": "changed", "resolution": "tier set to VIP by a person"});
    assert_eq!(
        server.post(&resolve, Some(&server.ingest), &answer).await.0,
        403
    );
    let (status, resolved) = server.post(&resolve, Some(&server.admin), &answer).await;
    assert_eq!(status, 200, "{resolved}");
    assert_eq!(resolved["outcome"], "changed");
    assert_eq!(
        server.post(&resolve, Some(&server.admin), &answer).await.0,
        404
    );
    let (_, open) = server.get("/v1/contests", Some(&server.read)).await;
    assert_eq!(open, json!([]));
    let (_, all) = server
        .get("/v1/contests?all=true", Some(&server.read))
        .await;
    assert_eq!(all[0]["resolved_by"], "test");
    server.stop().await;
}
