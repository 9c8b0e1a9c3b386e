//! Webhooks as the Standard Webhooks specification describes them: endpoints registered with a
//! `whsec_` secret, messages signed `v1,<base64 HMAC-SHA256 of "id.timestamp.body">`, retried
//! with exponential backoff and jitter over about three days, disabled by 410 Gone, refused on
//! private and loopback addresses unless allowed (SSRF).

use crate::AppError;
use crate::ingest::CardChange;
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use hmac::{Hmac, Mac};
use patron_store::{NewWebhook, Store, WebhookRecord};
use sha2::Sha256;
use std::net::{IpAddr, ToSocketAddrs};

/// The message kinds an endpoint can subscribe to.
pub const KINDS: [&str; 4] = ["stage", "trigger", "alarm", "tier"];

/// Seconds to wait after the n-th failed attempt (the Standard Webhooks reference schedule:
/// 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 10 h, 14 h, 20 h, 24 h: about three days in all); after the
/// last, the delivery goes to dead letter.
pub const RETRY_SCHEDULE: [u64; 10] = [
    5,
    5 * 60,
    30 * 60,
    2 * 3600,
    5 * 3600,
    10 * 3600,
    10 * 3600,
    14 * 3600,
    20 * 3600,
    24 * 3600,
];

/// A registered endpoint with its secret, shown once.
#[derive(Debug, serde::Serialize)]
pub struct Registered {
    /// Endpoint id.
    pub id: i64,
    /// The signing secret (`whsec_…`); it is not shown again.
    pub secret: String,
    /// The endpoint.
    #[serde(flatten)]
    pub webhook: WebhookRecord,
}

/// Registers `url` for `events` (a subset of [`KINDS`]). A loopback, private, link-local or
/// otherwise non-public address is refused unless `allow_private`.
pub async fn add(
    store: &dyn Store,
    url: &str,
    events: &[String],
    allow_private: bool,
) -> Result<Registered, AppError> {
    let parsed = check_url(url)?;
    if events.is_empty() {
        return Err(AppError::Invalid(format!(
            "name the events to receive: {}",
            KINDS.join(",")
        )));
    }
    if let Some(bad) = events.iter().find(|e| !KINDS.contains(&e.as_str())) {
        return Err(AppError::Invalid(format!(
            "unknown event {bad:?}; expected some of {}",
            KINDS.join(",")
        )));
    }
    if !allow_private {
        refuse_private(&parsed)?;
    }
    let mut random = [0u8; 24];
    getrandom::fill(&mut random)
        .map_err(|e| AppError::Io(format!("no randomness for a secret: {e}")))?;
    let secret = format!("whsec_{}", STANDARD.encode(random));
    let webhook = store
        .add_webhook(&NewWebhook {
            url: parsed.to_string(),
            events: events.to_vec(),
            secret: secret.clone(),
            allow_private,
        })
        .await?;
    Ok(Registered {
        id: webhook.id,
        secret,
        webhook,
    })
}

fn check_url(url: &str) -> Result<url::Url, AppError> {
    let parsed =
        url::Url::parse(url).map_err(|e| AppError::Invalid(format!("webhook URL {url:?}: {e}")))?;
    if !matches!(parsed.scheme(), "http" | "https") || parsed.host_str().is_none() {
        return Err(AppError::Invalid(format!(
            "webhook URL {url:?}: expected http:// or https:// and a host"
        )));
    }
    Ok(parsed)
}

/// Fails when `url`'s host is or resolves to an address that is not public. Checked when an
/// endpoint is registered and again before each delivery (a name can be re-pointed).
pub fn refuse_private(url: &url::Url) -> Result<(), AppError> {
    let host = url.host_str().unwrap_or_default();
    let port = url.port_or_known_default().unwrap_or(443);
    let addresses: Vec<IpAddr> = (host.trim_start_matches('[').trim_end_matches(']'), port)
        .to_socket_addrs()
        .map_err(|e| AppError::Invalid(format!("webhook host {host:?} does not resolve: {e}")))?
        .map(|a| a.ip())
        .collect();
    match addresses.iter().find(|ip| !is_public(ip)) {
        Some(ip) => Err(AppError::Invalid(format!(
            "webhook host {host:?} is a private or loopback address ({ip}); allow it with --allow-private"
        ))),
        None => Ok(()),
    }
}

/// A globally routable address (not loopback, private, link-local, CGNAT, unspecified,
/// multicast, documentation or unique-local).
pub fn is_public(ip: &IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => {
            let o = v4.octets();
            !(v4.is_loopback()
                || v4.is_private()
                || v4.is_link_local()
                || v4.is_unspecified()
                || v4.is_broadcast()
                || v4.is_multicast()
                || v4.is_documentation()
                || o[0] == 0
                || (o[0] == 100 && (64..128).contains(&o[1])))
        }
        IpAddr::V6(v6) => {
            if let Some(v4) = v6.to_ipv4_mapped() {
                return is_public(&IpAddr::V4(v4));
            }
            let first = v6.segments()[0];
            !(v6.is_loopback()
                || v6.is_unspecified()
                || v6.is_multicast()
                || (first & 0xfe00) == 0xfc00
                || (first & 0xffc0) == 0xfe80)
        }
    }
}

/// The `webhook-signature` header of a message: `v1,` and the base64 HMAC-SHA256, keyed with
/// the secret's bytes (the base64 after `whsec_`), of `id.timestamp.body`.
pub fn sign(secret: &str, msg_id: &str, timestamp: i64, body: &str) -> Result<String, AppError> {
    let key = STANDARD
        .decode(secret.strip_prefix("whsec_").unwrap_or(secret))
        .map_err(|e| AppError::Corrupt(format!("a webhook secret that is not base64: {e}")))?;
    let mut mac = Hmac::<Sha256>::new_from_slice(&key)
        .map_err(|e| AppError::Corrupt(format!("webhook secret: {e}")))?;
    mac.update(format!("{msg_id}.{timestamp}.{body}").as_bytes());
    Ok(format!(
        "v1,{}",
        STANDARD.encode(mac.finalize().into_bytes())
    ))
}

/// The wait before the next try after `attempts` failed ones, with ±10 % jitter drawn from
/// `unit` (0..1); `None` when the schedule is used up (dead letter).
pub fn next_delay(schedule: &[u64], attempts: u32, unit: f64) -> Option<u64> {
    let base = *schedule.get(attempts.saturating_sub(1) as usize)?;
    let jitter = 0.9 + 0.2 * unit.clamp(0.0, 1.0);
    Some(((base as f64) * jitter).round().max(1.0) as u64)
}

/// A new message id (`msg_` + 16 random bytes in hex).
pub fn message_id() -> Result<String, AppError> {
    let mut random = [0u8; 16];
    getrandom::fill(&mut random)
        .map_err(|e| AppError::Io(format!("no randomness for a message id: {e}")))?;
    Ok(format!(
        "msg_{}",
        random
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect::<String>()
    ))
}

/// The messages a card change gives: a stage or tier transition, alarms raised or cleared.
/// Each is `(webhook-id, kind, body)`; the body follows the Standard Webhooks payload shape
/// `{"type", "timestamp", "data"}`.
pub fn messages_of(
    change: &CardChange,
    now: &str,
) -> Result<Vec<(String, String, String)>, AppError> {
    let mut out = Vec::new();
    let mut push = |kind: &str, event: &str, data: serde_json::Value| -> Result<(), AppError> {
        let body = serde_json::json!({ "type": event, "timestamp": now, "data": data });
        out.push((message_id()?, kind.to_owned(), body.to_string()));
        Ok(())
    };
    let customer = change.customer_id.to_string();
    if let Some((from, to)) = &change.stage {
        push(
            "stage",
            "customer.stage_changed",
            serde_json::json!({"customer_id": customer, "from": from, "to": to}),
        )?;
    }
    if let Some((from, to)) = &change.tier {
        push(
            "tier",
            "customer.tier_changed",
            serde_json::json!({"customer_id": customer, "from": from, "to": to, "status": change.card.status}),
        )?;
    }
    for alarm in &change.alarms_raised {
        push(
            "alarm",
            "customer.alarm_raised",
            serde_json::json!({"customer_id": customer, "alarm": alarm}),
        )?;
    }
    for alarm in &change.alarms_cleared {
        push(
            "alarm",
            "customer.alarm_cleared",
            serde_json::json!({"customer_id": customer, "alarm": alarm}),
        )?;
    }
    // A trigger's action is marketing: without marketing and profiling consent nothing goes out.
    let marketing = change.card.marketing && change.card.profiling;
    for fired in change.triggers.iter().filter(|_| marketing) {
        let mut key = patron_core::hash::Fnv64::new();
        key.field(&fired.trigger);
        key.field(&customer);
        key.word(u64::from(fired.occurrence));
        let data = serde_json::json!({
            "customer_id": customer, "trigger": fired.trigger, "at": fired.at,
            "action": fired.action, "occurrence": fired.occurrence,
        });
        let body =
            serde_json::json!({ "type": "customer.trigger_fired", "timestamp": now, "data": data });
        // The same firing always has the same webhook-id: the outbox stores it once.
        out.push((
            format!("msg_trigger_{:016x}", key.finish()),
            "trigger".to_owned(),
            body.to_string(),
        ));
    }
    Ok(out)
}

/// Queues a signed `ping` to endpoint `id` through the outbox; a running server delivers it.
pub async fn test(
    store: &dyn Store,
    id: i64,
    now: i64,
    now_text: &str,
) -> Result<String, AppError> {
    if store.webhook(id).await?.is_none() {
        return Err(AppError::NotFound(format!("there is no webhook {id}")));
    }
    let msg = message_id()?;
    let body =
        serde_json::json!({"type": "ping", "timestamp": now_text, "data": {"webhook_id": id}});
    store
        .enqueue_webhook_messages(
            &[(msg.clone(), "ping".into(), body.to_string())],
            Some(id),
            now,
        )
        .await?;
    Ok(msg)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signs_the_standard_webhooks_example() {
        // The example of the Standard Webhooks specification.
        let signature = sign(
            "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
            "msg_p5jXN8AQM9LWM0D4loKWxJek",
            1614265330,
            r#"{"test": 2432232314}"#,
        )
        .unwrap();
        assert_eq!(signature, "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=");
    }

    #[test]
    fn private_addresses_are_not_public() {
        for ip in [
            "127.0.0.1",
            "10.1.2.3",
            "192.168.0.1",
            "172.16.5.4",
            "169.254.169.254",
            "100.64.0.1",
            "0.0.0.0",
            "::1",
            "fd00::1",
            "fe80::1",
            "::ffff:127.0.0.1",
        ] {
            assert!(!is_public(&ip.parse().unwrap()), "{ip}");
        }
        for ip in ["1.1.1.1", "8.8.8.8", "2606:4700:4700::1111"] {
            assert!(is_public(&ip.parse().unwrap()), "{ip}");
        }
        let local = url::Url::parse("http://127.0.0.1:9/hook").unwrap();
        assert!(refuse_private(&local).is_err());
    }

    #[test]
    fn retries_back_off_over_about_three_days_then_stop() {
        let total: u64 = (1..=RETRY_SCHEDULE.len() as u32)
            .map(|n| next_delay(&RETRY_SCHEDULE, n, 0.5).unwrap())
            .sum();
        assert!(
            (2.5 * 86400.0..4.0 * 86400.0).contains(&(total as f64)),
            "{total}"
        );
        assert_eq!(next_delay(&RETRY_SCHEDULE, 11, 0.5), None);
        assert_eq!(next_delay(&RETRY_SCHEDULE, 1, 0.0), Some(5)); // 4.5 rounds to 5
        assert_eq!(next_delay(&RETRY_SCHEDULE, 2, 1.0), Some(330));
    }
}
