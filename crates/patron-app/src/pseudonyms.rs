//! Pseudonymised exports: customer ids replaced by keyed hashes (HMAC-SHA256 with a key the
//! store keeps), so analysts outside the service team can join exports of several runs without
//! learning who anyone is. Whoever holds the store can link a pseudonym back (it is
//! pseudonymous data under GDPR, not anonymous); rotating the key makes earlier pseudonyms
//! unlinkable to later ones.

use crate::AppError;
use hmac::{Hmac, Mac};
use patron_engine::scorecard::ExportRow;
use patron_store::Store;
use sha2::Sha256;

/// The name of the key among the store's secrets.
const SECRET: &str = "pseudonym";

/// Bytes of the HMAC kept in a pseudonym: 128 bits, so pseudonyms of different customers do not
/// collide in any realistic customer base.
const KEPT_BYTES: usize = 16;

/// Turns customer ids into pseudonyms with one key.
#[derive(Clone)]
pub struct Pseudonymiser {
    mac: Hmac<Sha256>,
}

impl std::fmt::Debug for Pseudonymiser {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Pseudonymiser { key: [hidden] }")
    }
}

impl Pseudonymiser {
    /// With `key` (any length; the store's is 32 random bytes).
    pub fn new(key: &[u8]) -> Result<Pseudonymiser, AppError> {
        Hmac::<Sha256>::new_from_slice(key)
            .map(|mac| Pseudonymiser { mac })
            .map_err(|e| AppError::Corrupt(format!("pseudonym key: {e}")))
    }

    /// `P` and 32 hex digits: the first 128 bits of HMAC-SHA256(key, id).
    pub fn pseudonym(&self, id: &str) -> String {
        let mut mac = self.mac.clone();
        mac.update(id.as_bytes());
        let digest = mac.finalize().into_bytes();
        let mut out = String::with_capacity(1 + 2 * KEPT_BYTES);
        out.push('P');
        for byte in &digest[..KEPT_BYTES] {
            out.push_str(&format!("{byte:02x}"));
        }
        out
    }

    /// The rows with their customer ids replaced by pseudonyms.
    pub fn rows(&self, rows: &mut [ExportRow]) {
        for row in rows {
            row.customer_id = self.pseudonym(&row.customer_id);
        }
    }
}

/// The store's pseudonymiser, its key created on first use.
pub async fn of_store(store: &dyn Store) -> Result<Pseudonymiser, AppError> {
    Pseudonymiser::new(&store.secret(SECRET, &fresh_key()?, false).await?)
}

/// Replaces the key: pseudonyms of later exports cannot be linked to earlier ones. Recorded in
/// the audit log.
pub async fn rotate(store: &dyn Store, actor: &str) -> Result<(), AppError> {
    store.secret(SECRET, &fresh_key()?, true).await?;
    crate::privacy::record(
        store,
        actor,
        "pseudonym_key_rotated",
        None,
        serde_json::json!({}),
    )
    .await
}

fn fresh_key() -> Result<[u8; 32], AppError> {
    let mut key = [0u8; 32];
    getrandom::fill(&mut key).map_err(|e| AppError::Io(format!("no random numbers: {e}")))?;
    Ok(key)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_pseudonym_is_the_keyed_hash_and_depends_on_the_key() {
        // RFC 4231 test case 2: HMAC-SHA256("Jefe", "what do ya want for nothing?").
        let p = Pseudonymiser::new(b"Jefe").unwrap();
        assert_eq!(
            p.pseudonym("what do ya want for nothing?"),
            "P5bdcc146bf60754e6a042426089575c7"
        );
        let other = Pseudonymiser::new(b"another key").unwrap();
        assert_ne!(p.pseudonym("C000001"), other.pseudonym("C000001"));
        assert_eq!(p.pseudonym("C000001"), p.pseudonym("C000001"));
        assert_ne!(p.pseudonym("C000001"), p.pseudonym("C000002"));
    }
}
