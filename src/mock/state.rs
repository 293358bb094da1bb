//! The in-memory store: clients, pending sign-ins, codes, PAR request URIs, device codes,
//! grants and tokens, behind one mutex (held only for map operations, never across `.await`).
//!
//! A *grant* is one user's authorization of one client. Every token issued under it carries
//! its id, so revoking the grant (a replayed code, a reused refresh token, a revoked refresh
//! token) makes all of them inactive at once.

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex, MutexGuard};

use serde_json::{Map, Value};

use super::config::{AuthMethod, ClientConfig, GRANT_REFRESH_TOKEN, SCOPES_SUPPORTED, User};
use super::secrets::sha256;

/// A client as the server knows it.
#[derive(Debug, Clone, PartialEq)]
pub struct Client {
    pub client_id: String,
    pub client_secret: Option<String>,
    pub auth_methods: Vec<AuthMethod>,
    pub redirect_uris: Vec<String>,
    pub grant_types: Vec<String>,
    pub scopes: Vec<String>,
    pub client_name: Option<String>,
    /// Present for clients created through /register (RFC 7591), absent for configured ones.
    pub registration: Option<Registration>,
}

/// What RFC 7591/7592 need to remember about a dynamically registered client.
#[derive(Debug, Clone, PartialEq)]
pub struct Registration {
    pub access_token: String,
    pub issued_at: u64,
    /// The accepted client metadata, returned as-is on read.
    pub metadata: Map<String, Value>,
}

impl Client {
    pub fn from_config(config: &ClientConfig) -> Self {
        Client {
            client_id: config.client_id.clone(),
            client_secret: config.client_secret.clone(),
            auth_methods: config.token_endpoint_auth_methods.clone(),
            redirect_uris: config.redirect_uris.clone(),
            grant_types: config.grant_types.clone(),
            scopes: match &config.scope {
                Some(scope) => scope
                    .split(' ')
                    .filter(|s| !s.is_empty())
                    .map(String::from)
                    .collect(),
                None => SCOPES_SUPPORTED.iter().map(|s| (*s).to_owned()).collect(),
            },
            client_name: config.client_name.clone(),
            registration: None,
        }
    }

    /// A public client cannot keep a secret (RFC 6749 §2.1).
    pub fn is_public(&self) -> bool {
        self.auth_methods.contains(&AuthMethod::None)
    }

    pub fn allows_grant(&self, grant_type: &str) -> bool {
        self.grant_types.iter().any(|g| g == grant_type)
    }
}

/// PKCE code challenge method (RFC 7636 §4.2).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PkceMethod {
    Plain,
    S256,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pkce {
    pub challenge: String,
    pub method: PkceMethod,
}

/// A validated authorization request (from /authorize or /par).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuthorizationRequest {
    pub client_id: String,
    /// Where the response goes (the URI sent, or the single registered one).
    pub redirect_uri: String,
    /// Whether redirect_uri was in the request: then the token request must repeat it.
    pub redirect_uri_sent: bool,
    pub scopes: Vec<String>,
    pub state: Option<String>,
    pub nonce: Option<String>,
    pub pkce: Option<Pkce>,
    pub login_hint: Option<String>,
}

/// A sign-in in progress on the login/consent pages.
#[derive(Debug, Clone)]
pub struct Interaction {
    pub purpose: Purpose,
    pub signed_in: Option<SignedIn>,
    pub expires_at: u64,
}

#[derive(Debug, Clone)]
pub enum Purpose {
    Authorize(AuthorizationRequest),
    Device { device_code: String },
}

#[derive(Debug, Clone, PartialEq)]
pub struct SignedIn {
    pub user: User,
    pub auth_time: u64,
}

#[derive(Debug, Clone)]
pub struct CodeRecord {
    pub request: AuthorizationRequest,
    pub signed_in: SignedIn,
    pub expires_at: u64,
    pub grant: GrantId,
    pub redeemed: bool,
}

#[derive(Debug, Clone)]
pub struct ParRecord {
    pub request: AuthorizationRequest,
    pub expires_at: u64,
}

#[derive(Debug, Clone, PartialEq)]
pub enum DeviceStatus {
    Pending,
    /// Boxed: a signed-in user is large next to the other states.
    Approved(Box<SignedIn>),
    Denied,
    Redeemed,
}

#[derive(Debug, Clone)]
pub struct DeviceRecord {
    pub client_id: String,
    pub scopes: Vec<String>,
    pub user_code: String,
    pub expires_at: u64,
    /// Current polling interval in seconds; grows by 5 on each `slow_down` (RFC 8628 §3.5).
    pub interval: u64,
    pub last_poll_ms: Option<u64>,
    pub status: DeviceStatus,
}

pub type GrantId = u64;

/// An issued access token, found by the SHA-256 of its text.
#[derive(Debug, Clone)]
pub struct AccessRecord {
    pub client_id: String,
    pub user: Option<User>,
    pub scopes: Vec<String>,
    pub audience: String,
    pub jti: String,
    pub issued_at: u64,
    pub expires_at: u64,
    pub grant: Option<GrantId>,
}

#[derive(Debug, Clone)]
pub struct RefreshRecord {
    pub client_id: String,
    pub signed_in: SignedIn,
    pub scopes: Vec<String>,
    pub issued_at: u64,
    pub expires_at: u64,
    pub grant: GrantId,
    /// Set once this token has been exchanged; presenting it again is reuse.
    pub rotated: bool,
}

type TokenKey = [u8; 32];

/// All mutable server state.
#[derive(Debug, Default)]
pub struct Store {
    pub clients: HashMap<String, Arc<Client>>,
    pub interactions: HashMap<String, Interaction>,
    pub codes: HashMap<String, CodeRecord>,
    pub par: HashMap<String, ParRecord>,
    /// By device_code.
    pub devices: HashMap<String, DeviceRecord>,
    /// Normalized user code (no dash) to device_code.
    pub user_codes: HashMap<String, String>,
    revoked_grants: HashSet<GrantId>,
    access_tokens: HashMap<TokenKey, AccessRecord>,
    refresh_tokens: HashMap<TokenKey, RefreshRecord>,
    next_grant: GrantId,
    sweep_threshold: usize,
}

/// Below this many tokens, expired ones are not worth sweeping.
const MIN_SWEEP_THRESHOLD: usize = 4096;

impl Store {
    pub fn new(clients: impl IntoIterator<Item = Client>) -> Self {
        Store {
            clients: clients
                .into_iter()
                .map(|c| (c.client_id.clone(), Arc::new(c)))
                .collect(),
            sweep_threshold: MIN_SWEEP_THRESHOLD,
            ..Default::default()
        }
    }

    pub fn client(&self, client_id: &str) -> Option<Arc<Client>> {
        self.clients.get(client_id).cloned()
    }

    pub fn new_grant(&mut self) -> GrantId {
        self.next_grant += 1;
        self.next_grant
    }

    /// Makes every token issued under the grant inactive.
    pub fn revoke_grant(&mut self, grant: GrantId) {
        self.revoked_grants.insert(grant);
    }

    fn grant_live(&self, grant: Option<GrantId>) -> bool {
        grant.is_none_or(|id| !self.revoked_grants.contains(&id))
    }

    pub fn insert_access_token(&mut self, token: &str, record: AccessRecord, now: u64) {
        self.access_tokens.insert(sha256(token.as_bytes()), record);
        self.sweep_if_large(now);
    }

    pub fn insert_refresh_token(&mut self, token: &str, record: RefreshRecord) {
        self.refresh_tokens.insert(sha256(token.as_bytes()), record);
    }

    /// The record of an access token that is still active: known, unexpired, not revoked,
    /// its grant not revoked and its client still registered.
    pub fn active_access_token(&self, token: &str, now: u64) -> Option<&AccessRecord> {
        self.access_tokens
            .get(&sha256(token.as_bytes()))
            .filter(|r| r.expires_at > now)
            .filter(|r| self.grant_live(r.grant))
            .filter(|r| self.clients.contains_key(&r.client_id))
    }

    /// A refresh token record, whatever its state (rotation checks need to see old ones).
    pub fn refresh_token(&self, token: &str) -> Option<&RefreshRecord> {
        self.refresh_tokens.get(&sha256(token.as_bytes()))
    }

    pub fn refresh_token_mut(&mut self, token: &str) -> Option<&mut RefreshRecord> {
        self.refresh_tokens.get_mut(&sha256(token.as_bytes()))
    }

    /// Whether a refresh token is usable: unexpired, not rotated, grant and client alive.
    pub fn refresh_token_active(&self, record: &RefreshRecord, now: u64) -> bool {
        record.expires_at > now
            && !record.rotated
            && self.grant_live(Some(record.grant))
            && self.clients.contains_key(&record.client_id)
    }

    pub fn remove_access_token(&mut self, token: &str) -> Option<AccessRecord> {
        self.access_tokens.remove(&sha256(token.as_bytes()))
    }

    /// Drops everything expired once the token map has doubled since the last sweep, so a
    /// long load test does not grow memory without bound.
    fn sweep_if_large(&mut self, now: u64) {
        if self.access_tokens.len() < self.sweep_threshold {
            return;
        }
        self.access_tokens.retain(|_, r| r.expires_at > now);
        self.refresh_tokens.retain(|_, r| r.expires_at > now);
        self.codes.retain(|_, r| r.expires_at > now);
        self.par.retain(|_, r| r.expires_at > now);
        self.interactions.retain(|_, r| r.expires_at > now);
        self.devices.retain(|_, r| r.expires_at > now);
        let devices = &self.devices;
        self.user_codes
            .retain(|_, device_code| devices.contains_key(device_code));
        self.sweep_threshold = (self.access_tokens.len() * 2).max(MIN_SWEEP_THRESHOLD);
    }
}

/// The store behind its mutex.
#[derive(Debug)]
pub struct SharedStore(Mutex<Store>);

impl SharedStore {
    pub fn new(store: Store) -> Self {
        SharedStore(Mutex::new(store))
    }

    /// Locks the store. A panic while locked cannot leave a map half-written (each operation
    /// is one insert/remove), so a poisoned lock is safe to keep using.
    pub fn lock(&self) -> MutexGuard<'_, Store> {
        self.0
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

impl Client {
    /// Whether refresh tokens should be issued to this client.
    pub fn gets_refresh_tokens(&self) -> bool {
        self.allows_grant(GRANT_REFRESH_TOKEN)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(client_id: &str, expires_at: u64, grant: Option<GrantId>) -> AccessRecord {
        AccessRecord {
            client_id: client_id.into(),
            user: None,
            scopes: vec![],
            audience: "aud".into(),
            jti: "j".into(),
            issued_at: 0,
            expires_at,
            grant,
        }
    }

    fn store_with_client() -> Store {
        let config = ClientConfig {
            client_id: "c".into(),
            client_secret: None,
            token_endpoint_auth_methods: vec![AuthMethod::None],
            redirect_uris: vec![],
            grant_types: vec![],
            scope: None,
            client_name: None,
        };
        Store::new([Client::from_config(&config)])
    }

    #[test]
    fn access_tokens_expire_and_die_with_their_grant() {
        let mut store = store_with_client();
        let grant = store.new_grant();
        store.insert_access_token("t1", record("c", 100, Some(grant)), 0);
        assert!(store.active_access_token("t1", 99).is_some());
        assert!(store.active_access_token("t1", 100).is_none());
        store.revoke_grant(grant);
        assert!(store.active_access_token("t1", 50).is_none());
    }

    #[test]
    fn tokens_of_a_deleted_client_are_inactive() {
        let mut store = store_with_client();
        store.insert_access_token("t1", record("c", 100, None), 0);
        store.clients.remove("c");
        assert!(store.active_access_token("t1", 1).is_none());
    }

    #[test]
    fn sweeping_drops_only_expired_tokens() {
        let mut store = store_with_client();
        for i in 0..MIN_SWEEP_THRESHOLD - 1 {
            let expires = if i % 2 == 0 { 10 } else { 1_000 };
            store.insert_access_token(&format!("t{i}"), record("c", expires, None), 5);
        }
        store.insert_access_token("last", record("c", 1_000, None), 20);
        assert_eq!(store.access_tokens.len(), MIN_SWEEP_THRESHOLD / 2);
        assert!(store.active_access_token("t1", 20).is_some());
    }
}
