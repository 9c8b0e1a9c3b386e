//! The webhook delivery worker: takes due deliveries from the store's outbox, signs and POSTs
//! them, and records each attempt. A 2xx delivers; 410 Gone disables the endpoint; anything
//! else retries on the backoff schedule until it is used up (dead letter). Everything lives in
//! the store, so nothing is lost across restarts; a delivery cut off mid-request is sent again
//! with the same `webhook-id`, which receivers deduplicate by.

use crate::state::AppState;
use patron_app::webhooks::{next_delay, refuse_private, sign};
use patron_core::random::SplitMix64;
use patron_store::{AttemptOutcome, DueDelivery};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// Deliveries taken per round.
const BATCH: u32 = 32;

/// Runs until the state's shutdown: a round every `poll`, or at once when woken.
pub async fn run(state: Arc<AppState>) {
    let client = match reqwest::Client::builder()
        .timeout(Duration::from_secs(10))
        // A redirect could lead to an address the SSRF check never saw.
        .redirect(reqwest::redirect::Policy::none())
        .user_agent("patron-webhooks")
        .build()
    {
        Ok(c) => c,
        Err(e) => {
            tracing::error!(error = %e, "no HTTP client: webhooks are not delivered");
            return;
        }
    };
    loop {
        match round(&state, &client).await {
            Ok(n) if n == BATCH as usize => continue,
            Ok(_) => {}
            Err(e) => tracing::warn!(error = %e, "webhook round failed"),
        }
        tokio::select! {
            () = state.deliveries_wake.notified() => {}
            () = tokio::time::sleep(state.options.webhook_poll) => {}
        }
    }
}

fn now_secs() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64)
}

async fn round(
    state: &AppState,
    client: &reqwest::Client,
) -> Result<usize, patron_store::StoreError> {
    let due = state.store.due_deliveries(now_secs(), BATCH).await?;
    let n = due.len();
    for delivery in due {
        deliver(state, client, delivery).await?;
    }
    Ok(n)
}

async fn deliver(
    state: &AppState,
    client: &reqwest::Client,
    delivery: DueDelivery,
) -> Result<(), patron_store::StoreError> {
    let started = Instant::now();
    let timestamp = now_secs();
    let (status, error) = match attempt(client, &delivery, timestamp).await {
        Ok(status) => (Some(status), None),
        Err(e) => (None, Some(e)),
    };
    let attempts = delivery.attempts + 1;
    let outcome = match status {
        Some(s) if (200..300).contains(&s) => AttemptOutcome::Delivered,
        Some(410) => AttemptOutcome::Gone,
        _ => {
            state.metrics.webhook_failed();
            let unit = SplitMix64::new((delivery.id as u64) << 8 | u64::from(attempts)).next_u64()
                as f64
                / u64::MAX as f64;
            match next_delay(&state.options.retry_schedule, attempts, unit) {
                Some(wait) => AttemptOutcome::Retry(timestamp + wait as i64),
                None => AttemptOutcome::Dead,
            }
        }
    };
    tracing::info!(
        webhook = delivery.webhook.id,
        delivery = delivery.id,
        attempt = attempts,
        status,
        outcome = ?outcome,
        "webhook delivery"
    );
    state
        .store
        .record_delivery_attempt(
            delivery.id,
            status,
            error.as_deref(),
            started.elapsed().as_secs_f64() * 1e3,
            &outcome,
        )
        .await
}

/// One POST; the HTTP status, or why there was none.
async fn attempt(client: &reqwest::Client, d: &DueDelivery, timestamp: i64) -> Result<u16, String> {
    let url = reqwest::Url::parse(&d.webhook.url).map_err(|e| e.to_string())?;
    if !d.webhook.allow_private {
        refuse_private(&url).map_err(|e| e.to_string())?;
    }
    let signature =
        sign(&d.webhook.secret, &d.msg_id, timestamp, &d.payload).map_err(|e| e.to_string())?;
    let response = client
        .post(url)
        .header("content-type", "application/json")
        .header("webhook-id", &d.msg_id)
        .header("webhook-timestamp", timestamp.to_string())
        .header("webhook-signature", signature)
        .body(d.payload.clone())
        .send()
        .await
        .map_err(|e| e.to_string())?;
    Ok(response.status().as_u16())
}
