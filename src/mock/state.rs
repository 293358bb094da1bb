//! The in-memory store: clients, pending sign-ins, codes, PAR request URIs, device codes,
//! grants and tokens, behind one mutex (held only for map operations, never across `.await`).
//!
//! A *grant* is one user's authorization of one client. Every token issued under it carries
//! its id, so revoking the grant (a replayed code, a reused refresh token, a revoked refresh
//! token) makes all of them inactive at once.
//!
//! Access tokens issued to a user are stored. Client-credentials access tokens are not: they
//! are recognised by their signature, and only their revocation is remembered, so a load test
//! of the token endpoint does not grow memory with every token.
//!
//! Every map is bounded: expired entries are swept on a timer (see `MockServer::start`) and
//! on insert once the maps have grown, and each store has a cap from the `[limits]` table.
//! A request that would go over a cap is refused with [`StoreFull`], which names the key
//! that raises it.

use std::collections::{HashMap, HashSet};
use std::net::IpAddr;
use std::sync::{Arc, Mutex, MutexGuard};

use serde_json::{Map, Value};

use super::client_keys::ClientKeys;
use super::config::{
    AuthMethod, ClientConfig, GRANT_REFRESH_TOKEN, IntrospectionAccess, SCOPES_SUPPORTED, User,
};
use super::limits::{Limits, StoreFull, StoreKind};
use super::secrets::sha256;

/// How long an expired device code is kept, to answer its late polls with `expired_token`.
pub const EXPIRED_DEVICE_CODE_KEPT_SECS: u64 = 300;

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
    /// Whose tokens this client may introspect (RFC 7662 §4).
    pub introspection: IntrospectionAccess,
    /// The public keys `private_key_jwt` assertions and request objects are checked with.
    pub keys: Option<ClientKeys>,
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

/// The scopes a client may ask for: those its `scope` names, else every scope the mock knows.
pub fn allowed_scopes(scope: Option<&str>) -> Vec<String> {
    match scope {
        Some(scope) => scope
            .split(' ')
            .filter(|s| !s.is_empty())
            .map(String::from)
            .collect(),
        None => SCOPES_SUPPORTED.iter().map(|s| (*s).to_owned()).collect(),
    }
}

impl Client {
    pub fn from_config(config: &ClientConfig) -> Self {
        Client {
            client_id: config.client_id.clone(),
            client_secret: config.client_secret.clone(),
            auth_methods: config.token_endpoint_auth_methods.clone(),
            redirect_uris: config.redirect_uris.clone(),
            grant_types: config.grant_types.clone(),
            scopes: allowed_scopes(config.scope.as_deref()),
            client_name: config.client_name.clone(),
            introspection: config.introspection,
            keys: ClientKeys::from_metadata(config.jwks.as_ref(), config.jwks_uri.as_deref()),
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
    /// The resources named (RFC 8707 §2), which the token's audience may narrow to.
    pub resources: Vec<String>,
    pub state: Option<String>,
    pub nonce: Option<String>,
    pub pkce: Option<Pkce>,
    pub login_hint: Option<String>,
    /// `prompt=none`: answer without showing any page (OIDC Core §3.1.2.1).
    pub prompt_none: bool,
    /// The rich authorization asked for (RFC 9396 §2), granted as asked. Boxed: most
    /// requests have none, and the request waits in every sign-in.
    pub authorization_details: Option<Box<serde_json::Value>>,
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
    /// Times this device's user code was entered in the current minute (RFC 8628 §5.1).
    pub attempts: AttemptWindow,
}

/// Attempts counted over a fixed one-minute window.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct AttemptWindow {
    started: u64,
    count: u32,
}

/// The length of an [`AttemptWindow`], in seconds.
const ATTEMPT_WINDOW_SECS: u64 = 60;

impl AttemptWindow {
    /// Counts one attempt at `now`; `false` once more than `max` fall in the current window.
    pub fn allow(&mut self, now: u64, max: u32) -> bool {
        if self.count == 0 || now >= self.started.saturating_add(ATTEMPT_WINDOW_SECS) {
            *self = AttemptWindow {
                started: now,
                count: 0,
            };
        }
        self.count = self.count.saturating_add(1);
        self.count <= max
    }

    fn current(&self, now: u64) -> bool {
        now < self.started.saturating_add(ATTEMPT_WINDOW_SECS)
    }
}

pub type GrantId = u64;

/// An access token issued to a user, found by the SHA-256 of its text.
#[derive(Debug, Clone)]
pub struct AccessRecord {
    pub client_id: String,
    pub user: User,
    pub scopes: Vec<String>,
    /// The token's `aud` claim (RFC 9068 §3), for introspection.
    pub audience: serde_json::Value,
    pub jti: String,
    pub issued_at: u64,
    pub expires_at: u64,
    pub grant: GrantId,
    pub revoked: bool,
    /// The DPoP key the token is bound to (its `cnf.jkt`, RFC 9449 §6).
    pub jkt: Option<String>,
}

/// What the store knows about an access token.
#[derive(Debug)]
pub enum AccessLookup<'a> {
    Active(&'a AccessRecord),
    /// Stored, but expired, revoked, of a revoked grant or of a deleted client.
    Inactive,
    /// Not stored: unknown, or a client-credentials token (see the module docs).
    NotStored,
}

#[derive(Debug, Clone)]
pub struct RefreshRecord {
    pub client_id: String,
    pub signed_in: SignedIn,
    pub scopes: Vec<String>,
    /// The resources of the grant (RFC 8707 §2.2): a refresh may narrow to some of them.
    pub resources: Vec<String>,
    pub issued_at: u64,
    pub expires_at: u64,
    pub grant: GrantId,
    /// Set once this token has been exchanged; presenting it again is reuse.
    pub rotated: bool,
    /// The DPoP key a public client's refresh token is bound to (RFC 9449 §5).
    pub jkt: Option<String>,
    /// The rich authorization of the grant, kept by every token refreshed from it (RFC 9396 §6).
    pub authorization_details: Option<serde_json::Value>,
}

type TokenKey = [u8; 32];

/// All mutable server state.
#[derive(Debug)]
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
    /// Revoked client-credentials tokens: jti to expiry, kept until they would expire anyway.
    revoked_jtis: HashMap<String, u64>,
    /// User-code attempts by client address (RFC 8628 §5.1).
    attempts_by_address: HashMap<IpAddr, AttemptWindow>,
    next_grant: GrantId,
    limits: Limits,
    sweep_threshold: usize,
    /// When the last sweep ran, so a full store is swept at most once a second.
    last_sweep: u64,
    /// Stores whose cap was reached and logged; re-armed once a sweep frees room.
    full_logged: HashSet<StoreKind>,
}

/// Below this many tokens, expired ones are not worth sweeping.
const MIN_SWEEP_THRESHOLD: usize = 4096;

impl Store {
    pub fn new(clients: impl IntoIterator<Item = Client>, limits: Limits) -> Self {
        Store {
            clients: clients
                .into_iter()
                .map(|c| (c.client_id.clone(), Arc::new(c)))
                .collect(),
            interactions: HashMap::new(),
            codes: HashMap::new(),
            par: HashMap::new(),
            devices: HashMap::new(),
            user_codes: HashMap::new(),
            revoked_grants: HashSet::new(),
            access_tokens: HashMap::new(),
            refresh_tokens: HashMap::new(),
            revoked_jtis: HashMap::new(),
            attempts_by_address: HashMap::new(),
            next_grant: 0,
            limits,
            sweep_threshold: MIN_SWEEP_THRESHOLD,
            last_sweep: 0,
            full_logged: HashSet::new(),
        }
    }

    /// How many entries a store holds now.
    pub fn len(&self, kind: StoreKind) -> usize {
        match kind {
            StoreKind::AuthorizationCodes => self.codes.len(),
            StoreKind::SignIns => self.interactions.len(),
            StoreKind::DeviceCodes => self.devices.len(),
            StoreKind::ParRequests => self.par.len(),
            StoreKind::AccessTokens => self.access_tokens.len(),
            StoreKind::RefreshTokens => self.refresh_tokens.len(),
            StoreKind::RevokedTokens => self.revoked_jtis.len(),
            StoreKind::RegisteredClients => self
                .clients
                .values()
                .filter(|c| c.registration.is_some())
                .count(),
            StoreKind::RateLimitedAddresses => self.attempts_by_address.len(),
        }
    }

    /// Room for `count` more entries in a store? Sweeps first when the maps have grown or the
    /// store is full; a refusal is logged once until a sweep frees room again.
    pub fn admit(&mut self, kind: StoreKind, count: usize, now: u64) -> Result<(), StoreFull> {
        self.sweep_if_large(now);
        let cap = self.limits.cap(kind);
        if self.len(kind).saturating_add(count) <= cap {
            return Ok(());
        }
        if self.last_sweep != now {
            self.sweep(now);
            if self.len(kind).saturating_add(count) <= cap {
                return Ok(());
            }
        }
        let full = StoreFull { kind, cap };
        if self.full_logged.insert(kind) {
            tracing::warn!("{full}");
        }
        Err(full)
    }

    /// Counts a device user-code attempt from `address` (RFC 8628 §5.1); `false` when that
    /// address has used up its attempts for the minute, or too many addresses are counted.
    pub fn allow_user_code_attempt(&mut self, address: IpAddr, now: u64) -> bool {
        let max = self.limits.user_code_attempts_per_minute;
        if !self.attempts_by_address.contains_key(&address)
            && self.admit(StoreKind::RateLimitedAddresses, 1, now).is_err()
        {
            return false;
        }
        self.attempts_by_address
            .entry(address)
            .or_default()
            .allow(now, max)
    }

    /// Room for one more user access token and refresh token (the token endpoint's grants
    /// other than client_credentials).
    pub fn admit_user_tokens(&mut self, now: u64) -> Result<(), StoreFull> {
        self.admit(StoreKind::AccessTokens, 1, now)?;
        self.admit(StoreKind::RefreshTokens, 1, now)
    }

    /// User-code attempts allowed per device code and minute.
    pub fn user_code_attempts_per_minute(&self) -> u32 {
        self.limits.user_code_attempts_per_minute
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

    /// A stored access token is active while unexpired and unrevoked, its grant not revoked
    /// and its client still registered.
    pub fn access_token(&self, token: &str, now: u64) -> AccessLookup<'_> {
        match self.access_tokens.get(&sha256(token.as_bytes())) {
            None => AccessLookup::NotStored,
            Some(r)
                if r.expires_at > now
                    && !r.revoked
                    && self.grant_live(Some(r.grant))
                    && self.clients.contains_key(&r.client_id) =>
            {
                AccessLookup::Active(r)
            }
            Some(_) => AccessLookup::Inactive,
        }
    }

    /// Revokes a stored access token; `false` if it is not stored.
    pub fn revoke_stored_access_token(&mut self, token: &str) -> bool {
        match self.access_tokens.get_mut(&sha256(token.as_bytes())) {
            Some(record) => {
                record.revoked = true;
                true
            }
            None => false,
        }
    }

    /// Remembers a revoked client-credentials token until its expiry.
    pub fn revoke_jti(&mut self, jti: &str, expires_at: u64, now: u64) -> Result<(), StoreFull> {
        self.admit(StoreKind::RevokedTokens, 1, now)?;
        self.revoked_jtis.insert(jti.to_owned(), expires_at);
        Ok(())
    }

    pub fn jti_revoked(&self, jti: &str) -> bool {
        self.revoked_jtis.contains_key(jti)
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

    fn total_len(&self) -> usize {
        self.access_tokens.len()
            + self.refresh_tokens.len()
            + self.revoked_jtis.len()
            + self.codes.len()
            + self.par.len()
            + self.interactions.len()
            + self.devices.len()
            + self.attempts_by_address.len()
    }

    /// Sweeps once the maps have doubled since the last sweep.
    fn sweep_if_large(&mut self, now: u64) {
        if self.total_len() >= self.sweep_threshold {
            self.sweep(now);
        }
    }

    /// Drops everything expired, and revoked grants no record names any more.
    pub fn sweep(&mut self, now: u64) {
        self.access_tokens.retain(|_, r| r.expires_at > now);
        self.revoked_jtis.retain(|_, expires_at| *expires_at > now);
        self.refresh_tokens.retain(|_, r| r.expires_at > now);
        self.codes.retain(|_, r| r.expires_at > now);
        self.par.retain(|_, r| r.expires_at > now);
        self.interactions.retain(|_, r| r.expires_at > now);
        // A device code stays a while past its expiry, so a device that polls late is told
        // `expired_token` (RFC 8628 §3.5) rather than that the code was never issued.
        self.devices
            .retain(|_, r| r.expires_at.saturating_add(EXPIRED_DEVICE_CODE_KEPT_SECS) > now);
        let devices = &self.devices;
        self.user_codes
            .retain(|_, device_code| devices.contains_key(device_code));
        self.attempts_by_address
            .retain(|_, window| window.current(now));
        let named: HashSet<GrantId> = (self.access_tokens.values().map(|r| r.grant))
            .chain(self.refresh_tokens.values().map(|r| r.grant))
            .chain(self.codes.values().map(|r| r.grant))
            .collect();
        self.revoked_grants.retain(|grant| named.contains(grant));
        let limits = self.limits;
        let below_cap: Vec<StoreKind> = self
            .full_logged
            .iter()
            .copied()
            .filter(|kind| self.len(*kind) < limits.cap(*kind))
            .collect();
        for kind in below_cap {
            self.full_logged.remove(&kind);
        }
        self.sweep_threshold = (self.total_len() * 2).max(MIN_SWEEP_THRESHOLD);
        self.last_sweep = now;
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
    use crate::mock::config::MockConfig;

    fn record(client_id: &str, expires_at: u64, grant: GrantId) -> AccessRecord {
        AccessRecord {
            client_id: client_id.into(),
            user: MockConfig::demo().users[0].clone(),
            scopes: vec![],
            audience: serde_json::Value::Null,
            jti: "j".into(),
            issued_at: 0,
            expires_at,
            grant,
            revoked: false,
            jkt: None,
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
            application_type: None,
            introspection: IntrospectionAccess::Own,
            jwks: None,
            jwks_uri: None,
        };
        Store::new([Client::from_config(&config)], Limits::default())
    }

    fn active(store: &Store, token: &str, now: u64) -> bool {
        matches!(store.access_token(token, now), AccessLookup::Active(_))
    }

    #[test]
    fn access_tokens_expire_and_die_with_their_grant() {
        let mut store = store_with_client();
        let grant = store.new_grant();
        store.insert_access_token("t1", record("c", 100, grant), 0);
        assert!(active(&store, "t1", 99));
        assert!(matches!(
            store.access_token("t1", 100),
            AccessLookup::Inactive
        ));
        store.revoke_grant(grant);
        assert!(matches!(
            store.access_token("t1", 50),
            AccessLookup::Inactive
        ));
        assert!(matches!(
            store.access_token("t2", 50),
            AccessLookup::NotStored
        ));
    }

    #[test]
    fn revoked_and_deleted_client_tokens_are_inactive() {
        let mut store = store_with_client();
        store.insert_access_token("t1", record("c", 100, 1), 0);
        store.insert_access_token("t2", record("c", 100, 2), 0);
        assert!(store.revoke_stored_access_token("t1"));
        assert!(!store.revoke_stored_access_token("unknown"));
        assert!(!active(&store, "t1", 1));
        assert!(active(&store, "t2", 1));
        store.clients.remove("c");
        assert!(!active(&store, "t2", 1));
    }

    #[test]
    fn sweeping_drops_only_expired_entries() {
        let mut store = store_with_client();
        for i in 0..MIN_SWEEP_THRESHOLD - 2 {
            let expires = if i % 2 == 0 { 10 } else { 1_000 };
            store.insert_access_token(&format!("t{i}"), record("c", expires, 1), 5);
        }
        store.revoke_jti("old", 10, 5).unwrap();
        store.revoke_jti("young", 1_000, 20).unwrap();
        // The maps reached the threshold with this insert: it sweeps at time 20.
        store.insert_access_token("last", record("c", 1_000, 1), 20);
        assert_eq!(store.access_tokens.len(), (MIN_SWEEP_THRESHOLD - 2) / 2 + 1);
        assert!(!store.jti_revoked("old") && store.jti_revoked("young"));
        assert!(active(&store, "t1", 20));
    }

    #[test]
    fn a_full_store_is_swept_before_it_refuses() {
        let limits = Limits {
            revoked_tokens: 2,
            ..Limits::default()
        };
        let mut store = Store::new([], limits);
        store.revoke_jti("a", 10, 1).unwrap();
        store.revoke_jti("b", 100, 1).unwrap();
        let full = store.admit(StoreKind::RevokedTokens, 1, 1).unwrap_err();
        assert_eq!(full.cap, 2);
        // At 10 `a` has expired: the sweep on admission makes room.
        assert!(store.admit(StoreKind::RevokedTokens, 1, 10).is_ok());
        assert_eq!(store.len(StoreKind::RevokedTokens), 1);
    }

    #[test]
    fn revoked_grants_are_forgotten_with_their_last_token() {
        let mut store = store_with_client();
        let grant = store.new_grant();
        store.insert_access_token("t", record("c", 10, grant), 0);
        store.revoke_grant(grant);
        store.sweep(5);
        assert!(store.revoked_grants.contains(&grant));
        store.sweep(10);
        assert!(store.revoked_grants.is_empty() && store.access_tokens.is_empty());
    }

    #[test]
    fn user_code_attempts_are_limited_per_address_and_window() {
        let limits = Limits {
            user_code_attempts_per_minute: 2,
            ..Limits::default()
        };
        let mut store = Store::new([], limits);
        let me: IpAddr = [127, 0, 0, 1].into();
        let other: IpAddr = [127, 0, 0, 2].into();
        assert!(store.allow_user_code_attempt(me, 0));
        assert!(store.allow_user_code_attempt(me, 30));
        assert!(!store.allow_user_code_attempt(me, 59));
        assert!(store.allow_user_code_attempt(other, 59));
        assert!(store.allow_user_code_attempt(me, 60));
        store.sweep(200);
        assert_eq!(store.len(StoreKind::RateLimitedAddresses), 0);
    }
}
