//! Logging in to the pages: an API key given once in a form becomes a session, a random token
//! in an HttpOnly, SameSite=Strict cookie. The server keeps, per session, the key's digest
//! (so a revoked key ends its sessions at the next page) and the CSRF token its forms carry.
//! Sessions live in the server's memory: a restart logs everyone out.

use base64::Engine;
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};
use subtle::ConstantTimeEq;

/// The session cookie.
pub const SESSION_COOKIE: &str = "patron_session";

/// A session ends after this long without a page.
pub const IDLE: Duration = Duration::from_secs(8 * 3600);

/// At most this many sessions are kept; the oldest idle ones go first.
const MAX_SESSIONS: usize = 10_000;

/// One logged-in browser.
#[derive(Debug, Clone)]
pub struct Session {
    /// The SHA-256 digest of the API key it logged in with.
    pub key_digest: [u8; 32],
    /// The token every form of this session carries.
    pub csrf: String,
    last_seen: Instant,
}

/// The sessions of a server, by the digest of their token (a token is never kept).
#[derive(Debug, Default)]
pub struct Sessions {
    by_token: Mutex<HashMap<[u8; 32], Session>>,
}

/// 32 random bytes, URL-safe base64.
pub fn random_token() -> std::io::Result<String> {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes).map_err(|e| std::io::Error::other(e.to_string()))?;
    Ok(base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes))
}

fn digest(token: &str) -> [u8; 32] {
    Sha256::digest(token.as_bytes()).into()
}

impl Sessions {
    /// A new session for the key with `key_digest`: its token (for the cookie) and itself.
    pub fn start(&self, key_digest: [u8; 32]) -> std::io::Result<(String, Session)> {
        let token = random_token()?;
        let session = Session {
            key_digest,
            csrf: random_token()?,
            last_seen: Instant::now(),
        };
        let mut map = self.by_token.lock().unwrap_or_else(|e| e.into_inner());
        if map.len() >= MAX_SESSIONS {
            map.retain(|_, s| s.last_seen.elapsed() < IDLE);
            if map.len() >= MAX_SESSIONS
                && let Some(oldest) = map.iter().min_by_key(|(_, s)| s.last_seen).map(|(k, _)| *k)
            {
                map.remove(&oldest);
            }
        }
        map.insert(digest(&token), session.clone());
        Ok((token, session))
    }

    /// The session of `token`, if it is live (and marks it seen).
    pub fn get(&self, token: &str) -> Option<Session> {
        let mut map = self.by_token.lock().unwrap_or_else(|e| e.into_inner());
        let key = digest(token);
        let session = map.get_mut(&key)?;
        if session.last_seen.elapsed() >= IDLE {
            map.remove(&key);
            return None;
        }
        session.last_seen = Instant::now();
        Some(session.clone())
    }

    /// Ends the session of `token`.
    pub fn end(&self, token: &str) {
        let mut map = self.by_token.lock().unwrap_or_else(|e| e.into_inner());
        map.remove(&digest(token));
    }
}

impl Session {
    /// Whether a form's token is this session's (compared in constant time).
    pub fn csrf_matches(&self, given: &str) -> bool {
        tokens_match(&self.csrf, given)
    }
}

/// Whether `given` is `expected`, compared in constant time.
pub fn tokens_match(expected: &str, given: &str) -> bool {
    given.len() == expected.len() && bool::from(given.as_bytes().ct_eq(expected.as_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_session_is_found_by_its_token_and_ends() {
        let sessions = Sessions::default();
        let (token, session) = sessions.start([7; 32]).unwrap();
        assert_eq!(sessions.get(&token).unwrap().key_digest, [7; 32]);
        assert!(sessions.get("another").is_none());
        assert!(session.csrf_matches(&session.csrf));
        assert!(!session.csrf_matches(""));
        assert!(!session.csrf_matches(&random_token().unwrap()));
        sessions.end(&token);
        assert!(sessions.get(&token).is_none());
    }
}
