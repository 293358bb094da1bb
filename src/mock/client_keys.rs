//! A client's public keys, which its `private_key_jwt` assertions and signed request objects
//! are checked with: registered by value (`jwks`) or by reference (`jwks_uri`, RFC 7591 §2).
//! A `jwks_uri` is fetched like a client metadata document (`fetch.rs`: https, no redirects,
//! a short timeout, a bounded body), the set kept for its `Cache-Control: max-age` within
//! [`MIN_FRESH_SECS`, `MAX_FRESH_SECS`], and fetched again once when a JWT names a `kid`
//! the kept set lacks: that is how a client rotates its keys. A refetch for an unknown
//! `kid` happens at most every [`REFETCH_COOLDOWN_SECS`], so a stream of made-up `kid`s
//! cannot turn this server into a stream of requests to the client's host.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard};

use serde_json::Value;

use super::app::App;
use super::config::client_jwks;
use super::fetch::{self, Fetcher};
use crate::oauth::jwks::JwkSet;
use crate::oauth::jwt::Jwt;

/// The largest JWK Set fetched: room for a few RSA-4096 keys with certificates.
pub const MAX_JWKS_BYTES: usize = 32 * 1024;
/// Freshness bounds for a fetched set, whatever `Cache-Control` says; without `max-age`,
/// the default. Short: a key the client withdraws stops working within minutes.
pub const MIN_FRESH_SECS: u64 = 30;
pub const DEFAULT_FRESH_SECS: u64 = 300;
pub const MAX_FRESH_SECS: u64 = 3600;
/// The shortest time between two fetches of one set for an unknown `kid`.
pub const REFETCH_COOLDOWN_SECS: u64 = 5;
/// Key sets kept at once; past that, the one going stale first is dropped.
pub const MAX_KEY_SETS: usize = 1000;

const RULE: &str = "RFC 7591 section 2, jwks_uri";

/// Where a client's public keys are.
#[derive(Debug, Clone, PartialEq)]
pub enum ClientKeys {
    /// Registered by value (`jwks`).
    Set(Arc<JwkSet>),
    /// Served by the client at this URL (`jwks_uri`).
    Uri(String),
}

impl ClientKeys {
    /// From a client's `jwks` and `jwks_uri`, which were checked when it was configured or
    /// registered (a `jwks` that fails now counts as none).
    pub fn from_metadata(jwks: Option<&Value>, jwks_uri: Option<&str>) -> Option<Self> {
        match (jwks, jwks_uri) {
            (Some(jwks), _) => client_jwks(jwks).ok().map(|set| Self::Set(Arc::new(set))),
            (None, Some(uri)) => Some(Self::Uri(uri.to_owned())),
            (None, None) => None,
        }
    }
}

/// The `jwks_uri` rules at configuration and registration: those of every fetched URL.
pub fn check_jwks_uri(uri: &str, allow_loopback: bool) -> Result<(), String> {
    fetch::check_url(uri, allow_loopback)
        .map(|_| ())
        .map_err(|why| format!("jwks_uri `{uri}` {why} ({RULE})"))
}

struct Kept {
    set: Arc<JwkSet>,
    fetched_at: u64,
    fresh_until: u64,
}

/// The key sets fetched from `jwks_uri`s, by URL.
#[derive(Default)]
pub struct KeySets {
    kept: Mutex<HashMap<String, Kept>>,
}

impl KeySets {
    /// The keys to check `jwt` with: the registered set, or the one at `keys`' URL, fetched
    /// when none is kept, when the kept one is stale, or when it lacks the JWT's `kid`.
    /// `Err` names the rule a failed fetch broke.
    pub async fn for_jwt(
        &self,
        app: &App,
        keys: &ClientKeys,
        jwt: &Jwt,
    ) -> Result<Arc<JwkSet>, String> {
        let uri = match keys {
            ClientKeys::Set(set) => return Ok(Arc::clone(set)),
            ClientKeys::Uri(uri) => uri,
        };
        let now = app.now();
        if let Some(kept) = self.lock().get(uri) {
            let knows_kid = jwt.kid().is_none_or(|kid| kept.set.has_kid(kid));
            if kept.fresh_until > now && knows_kid {
                return Ok(Arc::clone(&kept.set));
            }
            let since = now.saturating_sub(kept.fetched_at);
            if kept.fresh_until > now && since < REFETCH_COOLDOWN_SECS {
                return Err(format!(
                    "kid {:?} is not in the key set fetched from {uri} {since} s ago, and this \
                     server fetches it again for an unknown kid at most every \
                     {REFETCH_COOLDOWN_SECS} s ({RULE})",
                    jwt.kid().unwrap_or_default()
                ));
            }
        }
        let (set, fresh) = fetch_set(&app.fetcher, uri).await?;
        let set = Arc::new(set);
        let mut kept = self.lock();
        if !kept.contains_key(uri) && kept.len() >= MAX_KEY_SETS {
            let stalest = kept
                .iter()
                .min_by_key(|(_, k)| k.fresh_until)
                .map(|(uri, _)| uri.clone());
            if let Some(stalest) = stalest {
                kept.remove(&stalest);
            }
        }
        kept.insert(
            uri.clone(),
            Kept {
                set: Arc::clone(&set),
                fetched_at: now,
                fresh_until: now.saturating_add(fresh),
            },
        );
        tracing::info!(jwks_uri = %uri, fresh_secs = fresh, keys = set.keys.len(), "client key set fetched");
        Ok(set)
    }

    fn lock(&self) -> MutexGuard<'_, HashMap<String, Kept>> {
        // A poisoned lock means a panic elsewhere mid-insert; the map itself is still sound.
        self.kept.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// The JWK Set at `uri` and how long to keep it.
async fn fetch_set(fetcher: &Fetcher, uri: &str) -> Result<(JwkSet, u64), String> {
    let failed = |why: String| format!("{why} ({RULE})");
    let url = fetcher
        .check_url(uri)
        .map_err(|why| failed(format!("jwks_uri `{uri}` {why}")))?;
    let fetched = fetcher
        .json_object(url, "the client's JWK Set", MAX_JWKS_BYTES)
        .await
        .map_err(failed)?;
    let set = client_jwks(&Value::Object(fetched.document)).map_err(|why| {
        failed(format!(
            "the client's JWK Set at {uri} is not usable: {why}"
        ))
    })?;
    let fresh = fetch::freshness(
        fetched.max_age,
        DEFAULT_FRESH_SECS,
        MIN_FRESH_SECS,
        MAX_FRESH_SECS,
    );
    Ok((set, fresh))
}
