//! kill -9 of `patron serve` during a stream of batch ingests, then a restart: every
//! acknowledged item is stored exactly once, a batch in flight is stored whole or not at all,
//! and the webhook outbox is delivered after the restart, each message once per webhook-id.

use crate::support::{demo_project, patron};
use std::collections::BTreeSet;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// Starts `patron serve` on a free port; its address.
fn serve(project: &Path) -> (Child, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_patron"))
        .arg("--project")
        .arg(project)
        .args([
            "serve",
            "--listen",
            "127.0.0.1:0",
            "--live-as-of",
            "2026-06-30",
        ])
        .env_remove("PATRON_PROJECT")
        .env_remove("PATRON_STORE_URL")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let address = line
        .trim()
        .trim_start_matches("listening on http://")
        .to_owned();
    (child, address)
}

/// POSTs `body`; the status, or None when the connection broke.
fn post(address: &str, path: &str, key: &str, body: &str) -> Option<u16> {
    let mut stream = TcpStream::connect(address).ok()?;
    stream
        .set_read_timeout(Some(Duration::from_secs(30)))
        .ok()?;
    write!(
        stream,
        "POST {path} HTTP/1.1\r\nHost: {address}\r\nAuthorization: Bearer {key}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    )
    .ok()?;
    let mut response = String::new();
    stream.read_to_string(&mut response).ok()?;
    response.get(9..12)?.parse().ok()
}

fn batch(n: usize, customer: &str) -> String {
    let events: Vec<String> = (0..100)
        .map(|i| {
            format!(
                r#"{{"event_id":"crash-{n}-{i}","customer_id":"{customer}","type":"page_view","timestamp":"2026-06-29T10:00:00Z"}}"#
            )
        })
        .collect();
    format!(r#"{{"events":[{}]}}"#, events.join(","))
}

fn events(project: &Path) -> u64 {
    patron(project, &["status", "--json"]).ok().json()["events"]
        .as_u64()
        .unwrap()
}

/// A receiver answering 200 to everything; the webhook-ids it got.
fn receiver() -> (String, Arc<Mutex<Vec<String>>>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}/hook", listener.local_addr().unwrap());
    let got = Arc::new(Mutex::new(Vec::new()));
    let seen = got.clone();
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { continue };
            let mut reader = BufReader::new(stream.try_clone().unwrap());
            let (mut length, mut id) = (0usize, String::new());
            loop {
                let mut line = String::new();
                if reader.read_line(&mut line).unwrap_or(0) == 0 || line == "\r\n" {
                    break;
                }
                let lower = line.to_ascii_lowercase();
                if let Some(v) = lower.strip_prefix("content-length:") {
                    length = v.trim().parse().unwrap_or(0);
                }
                if lower.starts_with("webhook-id:") {
                    id = line[11..].trim().to_owned();
                }
            }
            let mut body = vec![0; length];
            let _ = reader.read_exact(&mut body);
            seen.lock().unwrap().push(id);
            let _ = stream
                .write_all(b"HTTP/1.1 200 OK\r\ncontent-length: 0\r\nconnection: close\r\n\r\n");
        }
    });
    (url, got)
}

#[test]
fn kill_9_during_ingest_loses_no_acknowledged_item_and_the_outbox_survives() {
    let dir = tempfile::tempdir().unwrap();
    let project = demo_project(dir.path(), "300");
    let key = patron(&project, &["keys", "create", "--scope", "admin", "--json"])
        .ok()
        .json()["key"]
        .as_str()
        .unwrap()
        .to_owned();
    let customer = patron(&project, &["export", "--format", "json", "--quiet"])
        .ok()
        .stdout
        .lines()
        .next()
        .and_then(|l| serde_json::from_str::<serde_json::Value>(l).ok())
        .and_then(|v| v["customer_id"].as_str().map(str::to_owned))
        .unwrap_or_else(|| "C000002".into());
    let before = events(&project);

    // Webhook messages queued while no server runs, delivered after it starts.
    let (url, got) = receiver();
    let hook = patron(
        &project,
        &[
            "webhooks",
            "add",
            &url,
            "--events",
            "stage",
            "--allow-private",
            "--json",
        ],
    )
    .ok()
    .json();
    let mut queued = BTreeSet::new();
    for _ in 0..3 {
        let q = patron(
            &project,
            &["webhooks", "test", &hook["id"].to_string(), "--json"],
        )
        .ok()
        .json();
        queued.insert(q["webhook_id"].as_str().unwrap().to_owned());
    }

    // A stream of batches; the server is killed while they flow.
    let (mut server, address) = serve(&project);
    let acked = Arc::new(Mutex::new(Vec::new()));
    let stream = {
        let (address, key, customer, acked) = (
            address.clone(),
            key.clone(),
            customer.clone(),
            acked.clone(),
        );
        std::thread::spawn(move || {
            for n in 0..1000 {
                match post(&address, "/v1/events", &key, &batch(n, &customer)) {
                    Some(200) => acked.lock().unwrap().push(n),
                    Some(status) => panic!("batch {n}: {status}"),
                    None => return n, // the server is gone: this batch was in flight
                }
            }
            1000
        })
    };
    while acked.lock().unwrap().len() < 15 {
        std::thread::sleep(Duration::from_millis(20));
    }
    server.kill().unwrap(); // SIGKILL
    server.wait().unwrap();
    let in_flight = stream.join().unwrap();
    let acked = acked.lock().unwrap().clone();
    assert_eq!(acked, (0..in_flight).collect::<Vec<_>>());

    // The store is valid; every acknowledged batch is there once, the one in flight whole or
    // not at all.
    assert!(
        patron(&project, &["check", "--quick", "--json"])
            .ok()
            .stdout
            .contains("true")
    );
    let stored = events(&project) - before;
    let acked_items = acked.len() as u64 * 100;
    assert!(
        stored == acked_items || stored == acked_items + 100,
        "{stored} vs {acked_items}"
    );

    // A customer whose facts were committed when the server died and whose card was not yet
    // recomputed (marked in the facts' transaction): the restarted server recomputes it.
    let db = rusqlite::Connection::open(project.join("patron.db")).unwrap();
    let cards: serde_json::Value = serde_json::from_str(
        &patron(&project, &["export", "--format", "json", "--quiet"])
            .ok()
            .stdout,
    )
    .unwrap();
    let left_behind = cards
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|c| c["customer_id"].as_str())
        .find(|id| *id != customer)
        .unwrap()
        .to_owned();
    let left_behind = left_behind.as_str();
    db.execute(
        "INSERT OR REPLACE INTO live_pending (customer_id, since) VALUES (?1, NULL)",
        [left_behind],
    )
    .unwrap();
    let live_cards_of = |who: &str| -> i64 {
        db.query_row(
            "SELECT COUNT(*) FROM live_cards WHERE customer_id = ?1",
            [who],
            |r| r.get(0),
        )
        .unwrap()
    };
    assert_eq!(live_cards_of(left_behind), 0);

    // Restarted: the batch in flight sent again is stored once; the outbox is delivered.
    let (mut server, address) = serve(&project);
    assert_eq!(
        post(&address, "/v1/events", &key, &batch(in_flight, &customer)),
        Some(200)
    );
    assert_eq!(events(&project) - before, acked_items + 100);
    for _ in 0..100 {
        let ids: BTreeSet<String> = got.lock().unwrap().iter().cloned().collect();
        if ids.is_superset(&queued) {
            break;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    let ids: BTreeSet<String> = got.lock().unwrap().iter().cloned().collect();
    assert_eq!(ids, queued, "every queued message arrived");
    let log = patron(&project, &["webhooks", "deliveries", "--json"])
        .ok()
        .json();
    assert!(
        log.as_array()
            .unwrap()
            .iter()
            .all(|d| d["status"] == "delivered"),
        "{log}"
    );
    let pending = |db: &rusqlite::Connection| -> i64 {
        db.query_row("SELECT COUNT(*) FROM live_pending", [], |r| r.get(0))
            .unwrap()
    };
    for _ in 0..100 {
        if pending(&db) == 0 {
            break;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    assert_eq!(pending(&db), 0, "every mark was recomputed");
    assert_eq!(live_cards_of(left_behind), 1, "the card left behind");
    server.kill().unwrap();
    server.wait().unwrap();
}
