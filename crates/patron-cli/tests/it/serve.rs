//! `patron keys` and `patron serve` as a user runs them: a key printed once, the server on a
//! free port answering with that key, and a graceful stop on SIGTERM.

use crate::support::{demo_project, patron};
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Command, Stdio};

/// A plain HTTP/1.1 GET: status and body.
fn get(address: &str, path: &str, key: Option<&str>) -> (u16, String) {
    let mut stream = TcpStream::connect(address).unwrap();
    let auth = key.map_or_else(String::new, |k| format!("Authorization: Bearer {k}\r\n"));
    write!(
        stream,
        "GET {path} HTTP/1.1\r\nHost: {address}\r\n{auth}Connection: close\r\n\r\n"
    )
    .unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).unwrap();
    let status = response[9..12].parse().unwrap();
    let body = response
        .split_once("\r\n\r\n")
        .map(|(_, b)| b.to_owned())
        .unwrap_or_default();
    (status, body)
}

#[test]
fn keys_are_shown_once_and_the_server_answers_with_them_until_sigterm() {
    let dir = tempfile::tempdir().unwrap();
    let project = demo_project(dir.path(), "300");
    let created = patron(
        &project,
        &[
            "keys", "create", "--scope", "read", "--name", "crm", "--json",
        ],
    )
    .ok()
    .json();
    let key = created["key"].as_str().unwrap().to_owned();
    assert!(key.starts_with("patron_") && key.len() > 40, "{created}");
    assert_eq!(created["scope"], "read");
    assert_eq!(created["name"], "crm");
    // Listed without the secret.
    let listed = patron(&project, &["keys", "list", "--json"]).ok();
    assert!(!listed.stdout.contains(&key[10..]), "{}", listed.stdout);
    assert!(listed.stdout.contains("crm"));
    // A wrong scope is a usage error.
    assert_eq!(
        patron(&project, &["keys", "create", "--scope", "root"]).code,
        2
    );

    // The address and JSON logs from patron.toml's [server] section (no flags).
    let config = project.join("patron.toml");
    let text = std::fs::read_to_string(&config).unwrap();
    std::fs::write(
        &config,
        format!("{text}\n[server]\nlisten = \"127.0.0.1:0\"\nlog_json = true\n"),
    )
    .unwrap();
    let mut server = Command::new(env!("CARGO_BIN_EXE_patron"))
        .arg("--project")
        .arg(&project)
        .args(["serve"])
        .env_remove("PATRON_LISTEN")
        .env_remove("PATRON_PROJECT")
        .env_remove("PATRON_STORE_URL")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(server.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let address = line
        .trim()
        .strip_prefix("listening on http://")
        .unwrap_or_else(|| panic!("{line}"))
        .to_owned();

    assert_eq!(get(&address, "/healthz", None).0, 200);
    let (status, body) = get(&address, "/v1/customers?limit=1", Some(&key));
    assert_eq!(status, 200, "{body}");
    assert!(body.contains("\"cards\""), "{body}");
    assert_eq!(get(&address, "/v1/customers?limit=1", None).0, 401);
    let revoked = patron(&project, &["keys", "revoke", &created["id"].to_string()]).ok();
    assert!(revoked.stdout.contains("revoked"), "{}", revoked.stdout);
    assert_eq!(get(&address, "/v1/customers?limit=1", Some(&key)).0, 401);

    // SIGTERM: stops accepting, finishes, exits 0; the log names routes, never customers.
    Command::new("kill")
        .args(["-TERM", &server.id().to_string()])
        .status()
        .unwrap();
    let out = server.wait_with_output().unwrap();
    let log = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{log}");
    assert!(log.contains("shutting down"), "{log}");
    assert!(log.contains("/v1/customers"), "{log}");
    for line in log.lines() {
        serde_json::from_str::<serde_json::Value>(line)
            .unwrap_or_else(|e| panic!("a log line that is not JSON ({e}): {line}"));
    }
}
