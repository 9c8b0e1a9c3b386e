//! API keys: created with a random secret shown once, stored as its SHA-256 digest, found by
//! digest and compared in constant time.

use crate::AppError;
use base64::Engine;
use patron_store::{ApiKeyRecord, NewApiKey, Scope, Store};
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

/// What every key starts with (so a leaked one is recognisable in a secret scanner).
pub const KEY_PREFIX: &str = "patron_";

/// A key just created: the secret is here and nowhere else.
#[derive(Debug, serde::Serialize)]
pub struct CreatedKey {
    /// The secret to send as `Authorization: Bearer KEY`; it cannot be shown again.
    pub key: String,
    /// The stored record (without the secret).
    #[serde(flatten)]
    pub record: ApiKeyRecord,
}

/// Creates a key named `name` (who or what uses it) with `scope`, recorded in the audit log.
pub async fn create(store: &dyn Store, name: &str, scope: Scope) -> Result<CreatedKey, AppError> {
    create_by(store, name, scope, &crate::privacy::cli_actor()).await
}

/// [`create`] by `actor`.
pub async fn create_by(
    store: &dyn Store,
    name: &str,
    scope: Scope,
    actor: &str,
) -> Result<CreatedKey, AppError> {
    let name = name.trim();
    if name.is_empty() || name.len() > 200 {
        return Err(AppError::Invalid(
            "a key needs a name of 1 to 200 characters (who or what uses it)".into(),
        ));
    }
    let mut random = [0u8; 32];
    getrandom::fill(&mut random)
        .map_err(|e| AppError::Io(format!("no randomness for a key: {e}")))?;
    let key = format!(
        "{KEY_PREFIX}{}",
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(random)
    );
    let record = store
        .create_api_key(&NewApiKey {
            name: name.to_owned(),
            scope,
            digest: digest(&key),
            prefix: key.chars().take(KEY_PREFIX.len() + 6).collect(),
        })
        .await?;
    crate::privacy::record(
        store,
        actor,
        "key_created",
        Some(format!("key#{}", record.id)),
        serde_json::json!({"name": record.name, "scope": record.scope.as_str()}),
    )
    .await?;
    Ok(CreatedKey { key, record })
}

/// The SHA-256 digest of a key's secret.
pub fn digest(key: &str) -> [u8; 32] {
    Sha256::digest(key.as_bytes()).into()
}

/// The unrevoked key whose secret is `key`, or `None`. The lookup is by digest (an index, not
/// a scan of secrets); the digests are then compared in constant time, so nothing about a
/// stored key leaks through timing.
pub async fn authenticate(store: &dyn Store, key: &str) -> Result<Option<ApiKeyRecord>, AppError> {
    let wanted = digest(key);
    let Some(record) = store.api_key_by_digest(&wanted).await? else {
        return Ok(None);
    };
    let equal: bool = record.digest.as_slice().ct_eq(&wanted).into();
    Ok(equal.then_some(record))
}

/// The unrevoked key whose secret has `digest` (a logged-in session keeps the digest, never
/// the key), compared in constant time as [`authenticate`] does.
pub async fn by_digest(store: &dyn Store, digest: &[u8]) -> Result<Option<ApiKeyRecord>, AppError> {
    let Some(record) = store.api_key_by_digest(digest).await? else {
        return Ok(None);
    };
    let equal: bool = record.digest.as_slice().ct_eq(digest).into();
    Ok(equal.then_some(record))
}

/// Revokes key `id`, recorded in the audit log.
pub async fn revoke(store: &dyn Store, id: i64) -> Result<(), AppError> {
    revoke_by(store, id, &crate::privacy::cli_actor()).await
}

/// [`revoke`] by `actor`.
pub async fn revoke_by(store: &dyn Store, id: i64, actor: &str) -> Result<(), AppError> {
    if store.revoke_api_key(id).await? {
        crate::privacy::record(
            store,
            actor,
            "key_revoked",
            Some(format!("key#{id}")),
            serde_json::json!({}),
        )
        .await
    } else {
        Err(AppError::NotFound(format!(
            "there is no unrevoked API key {id}"
        )))
    }
}
