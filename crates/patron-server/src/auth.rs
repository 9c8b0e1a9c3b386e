//! API keys: `Authorization: Bearer KEY`, looked up by digest and compared in constant time
//! (patron_app::keys); scopes checked per route; a token bucket per key.

use crate::error::ApiError;
use crate::state::AppState;
use axum::extract::FromRequestParts;
use axum::http::header::AUTHORIZATION;
use axum::http::request::Parts;
use patron_core::code::Code;
use patron_store::{ApiKeyRecord, Scope};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Instant;

/// The authenticated key of a request.
#[derive(Debug, Clone)]
pub struct Caller(pub ApiKeyRecord);

impl Caller {
    /// The key's name: who acts, in the audit log.
    pub fn name(&self) -> &str {
        &self.0.name
    }

    /// Fails with 403 unless the key's scope allows `needed`.
    pub fn need(&self, needed: Scope) -> Result<(), ApiError> {
        if self.0.scope.allows(needed) {
            Ok(())
        } else {
            Err(ApiError::new(
                Code::Forbidden,
                format!(
                    "this key has scope {}; this needs {}",
                    self.0.scope.as_str(),
                    needed.as_str()
                ),
            ))
        }
    }
}

impl FromRequestParts<Arc<AppState>> for Caller {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &Arc<AppState>,
    ) -> Result<Self, Self::Rejection> {
        let unauthorized = |why: &str| {
            ApiError::new(
                Code::Unauthorized,
                format!("{why}: send `Authorization: Bearer KEY` (patron keys create)"),
            )
        };
        let key = bearer_key(&parts.headers)
            .ok_or_else(|| unauthorized("no API key"))?
            .ok_or_else(|| unauthorized("a malformed Authorization header"))?;
        let record = patron_app::keys::authenticate(state.store.as_ref(), key)
            .await?
            .ok_or_else(|| unauthorized("an unknown or revoked API key"))?;
        if let Err(wait) = state.limiter.take(record.id) {
            return Err(ApiError::new(
                Code::RateLimited,
                format!(
                    "rate limit of {} requests/s exceeded",
                    state.options.rate_limit
                ),
            )
            .retry_after(wait));
        }
        Ok(Caller(record))
    }
}

/// The key of `Authorization: Bearer KEY`: none without the header, `Some(None)` when it is
/// not a Bearer key (the API's routes and the dashboard's pages read it alike).
pub fn bearer_key(headers: &axum::http::HeaderMap) -> Option<Option<&str>> {
    let header = headers.get(AUTHORIZATION)?;
    Some(
        header
            .to_str()
            .ok()
            .and_then(|h| h.strip_prefix("Bearer "))
            .map(str::trim)
            .filter(|k| !k.is_empty()),
    )
}

/// A token bucket per key: `rate` requests per second, bursts of up to `rate`.
pub struct RateLimiter {
    rate: u32,
    buckets: Mutex<HashMap<i64, (f64, Instant)>>,
}

impl RateLimiter {
    /// A limiter of `rate` requests per second per key (0: unlimited).
    pub fn new(rate: u32) -> Self {
        RateLimiter {
            rate,
            buckets: Mutex::new(HashMap::new()),
        }
    }

    /// Takes a token for key `id`, or says how many seconds to wait.
    pub fn take(&self, id: i64) -> Result<(), u64> {
        if self.rate == 0 {
            return Ok(());
        }
        let rate = f64::from(self.rate);
        let now = Instant::now();
        let mut buckets = self.buckets.lock().unwrap_or_else(|e| e.into_inner());
        let (tokens, last) = buckets.entry(id).or_insert((rate, now));
        *tokens = (*tokens + now.duration_since(*last).as_secs_f64() * rate).min(rate);
        *last = now;
        if *tokens >= 1.0 {
            *tokens -= 1.0;
            Ok(())
        } else {
            Err(((1.0 - *tokens) / rate).ceil().max(1.0) as u64)
        }
    }
}
