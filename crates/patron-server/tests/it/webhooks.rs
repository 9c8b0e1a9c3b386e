//! Webhooks end to end: endpoints registered through the API, a local receiver, signatures
//! verified by an independent implementation (the `standardwebhooks` crate), a retry after
//! 500, no more deliveries after 410, the delivery log, redelivery, and SSRF refusal.

use crate::support::Server;
use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::routing::post;
use patron_server::ServerOptions;
use serde_json::json;
use std::collections::VecDeque;
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// A receiver that answers with the scripted statuses (then 200) and keeps what it got.
#[derive(Clone, Default)]
pub(crate) struct Receiver {
    script: Arc<Mutex<VecDeque<u16>>>,
    got: Arc<Mutex<Vec<(HeaderMap, Bytes)>>>,
}

impl Receiver {
    pub(crate) async fn start(script: &[u16]) -> (Receiver, String) {
        let receiver = Receiver {
            script: Arc::new(Mutex::new(script.iter().copied().collect())),
            ..Receiver::default()
        };
        let app = Router::new()
            .route("/hook", post(receive))
            .with_state(receiver.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}/hook", listener.local_addr().unwrap());
        tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
        (receiver, url)
    }

    pub(crate) fn got(&self) -> Vec<(HeaderMap, Bytes)> {
        self.got.lock().unwrap().clone()
    }

    async fn wait_for(&self, n: usize) -> Vec<(HeaderMap, Bytes)> {
        for _ in 0..100 {
            if self.got().len() >= n {
                return self.got();
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!("{} of {n} deliveries arrived", self.got().len());
    }
}

async fn receive(State(r): State<Receiver>, headers: HeaderMap, body: Bytes) -> StatusCode {
    r.got.lock().unwrap().push((headers, body));
    let status = r.script.lock().unwrap().pop_front().unwrap_or(200);
    StatusCode::from_u16(status).unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn deliveries_are_signed_retried_after_500_and_stop_after_410() {
    let server = Server::start_with(
        200,
        ServerOptions {
            retry_schedule: vec![1, 1],
            webhook_poll: Duration::from_millis(100),
            ..ServerOptions::default()
        },
    )
    .await;
    let admin = Some(server.admin.as_str());
    let (flaky, flaky_url) = Receiver::start(&[500]).await;
    let (gone, gone_url) = Receiver::start(&[410]).await;

    // Loopback is refused unless allowed (SSRF); bad events and URLs too.
    let (status, body) = server
        .post(
            "/v1/webhooks",
            admin,
            &json!({"url": flaky_url, "events": ["stage"]}),
        )
        .await;
    assert_eq!(status, 400, "{body}");
    assert!(
        body["message"]
            .as_str()
            .unwrap()
            .contains("private or loopback"),
        "{body}"
    );
    for bad in [
        json!({"url": flaky_url, "events": ["nope"], "allow_private": true}),
        json!({"url": "ftp://x/", "events": ["stage"], "allow_private": true}),
    ] {
        assert_eq!(server.post("/v1/webhooks", admin, &bad).await.0, 400);
    }
    assert_eq!(
        server
            .post(
                "/v1/webhooks",
                Some(&server.read),
                &json!({"url": flaky_url, "events": ["stage"]})
            )
            .await
            .0,
        403
    );

    let register = |url: &str| json!({"url": url, "events": ["stage", "tier", "alarm"], "allow_private": true});
    let (status, a) = server
        .post("/v1/webhooks", admin, &register(&flaky_url))
        .await;
    assert_eq!(status, 201, "{a}");
    let secret = a["secret"].as_str().unwrap().to_owned();
    assert!(secret.starts_with("whsec_"));
    let (_, b) = server
        .post("/v1/webhooks", admin, &register(&gone_url))
        .await;

    // A ping: 500 first, then retried with the same id and a valid signature each time.
    let (status, ping) = server
        .post(&format!("/v1/webhooks/{}/test", a["id"]), admin, &json!({}))
        .await;
    assert_eq!(status, 202, "{ping}");
    let got = flaky.wait_for(2).await;
    let verifier = standardwebhooks::Webhook::new(&secret).unwrap();
    for (headers, body) in &got {
        verifier
            .verify(body, headers)
            .expect("the signature verifies");
        assert_eq!(headers["webhook-id"], ping["webhook_id"].as_str().unwrap());
    }
    let body: serde_json::Value = serde_json::from_slice(&got[0].1).unwrap();
    assert_eq!(body["type"], "ping");
    // A tampered body does not verify.
    assert!(verifier.verify(b"{\"type\":\"other\"}", &got[0].0).is_err());

    let log = wait_delivered(&server, a["id"].as_i64().unwrap()).await;
    assert_eq!(
        (log["attempts"].as_u64(), log["last_status"].as_u64()),
        (Some(2), Some(200)),
        "{log}"
    );

    // Manual redelivery: the same message again.
    let (status, _) = server
        .post(
            &format!("/v1/deliveries/{}/redeliver", log["id"]),
            admin,
            &json!({}),
        )
        .await;
    assert_eq!(status, 202);
    let again = flaky.wait_for(3).await;
    assert_eq!(again[2].0["webhook-id"], again[0].0["webhook-id"]);

    // 410: the endpoint is disabled; later messages are not sent to it.
    server
        .post(&format!("/v1/webhooks/{}/test", b["id"]), admin, &json!({}))
        .await;
    gone.wait_for(1).await;
    for _ in 0..50 {
        let (_, hooks) = server.get("/v1/webhooks", admin).await;
        if hooks[1]["enabled"] == false {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let (_, hooks) = server.get("/v1/webhooks", admin).await;
    assert_eq!(hooks[1]["enabled"], false, "{hooks}");
    assert!(
        hooks.to_string().find("whsec_").is_none(),
        "no secrets listed"
    );
    server
        .post(&format!("/v1/webhooks/{}/test", b["id"]), admin, &json!({}))
        .await;
    tokio::time::sleep(Duration::from_millis(1500)).await;
    assert_eq!(gone.got().len(), 1, "nothing after 410");
    server.stop().await;
}

/// The endpoint's first delivery once it is delivered.
async fn wait_delivered(server: &Server, hook: i64) -> serde_json::Value {
    for _ in 0..100 {
        let (status, log) = server
            .get(
                &format!("/v1/webhooks/{hook}/deliveries"),
                Some(&server.admin),
            )
            .await;
        assert_eq!(status, 200);
        if log[0]["status"] == "delivered" {
            return log[0].clone();
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("not delivered");
}
