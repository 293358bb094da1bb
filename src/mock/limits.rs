//! How much the mock keeps and how long it waits: a cap on every in-memory store, the sweep
//! interval, and the connection limits. All come from the `[limits]` table of the config file.
//!
//! The defaults keep the process well under 256 MB resident whatever unauthenticated clients
//! send: every stored record is bounded in size (request parameters by
//! [`MAX_REQUEST_PARAM`], client metadata by the registration limits, request heads by
//! [`crate::http_server::MAX_HEAD_BYTES`], bodies by [`super::BODY_LIMIT`]) and every store
//! in count.

use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::http_server::ConnectionLimits;

/// Longest `state`, `nonce` or `login_hint` kept with an authorization request, in bytes.
/// These are echoed back, never interpreted, so only their size matters to the server.
pub const MAX_REQUEST_PARAM: usize = 2048;

/// The `[limits]` table.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Limits {
    /// Unredeemed and recently redeemed authorization codes.
    pub authorization_codes: usize,
    /// Sign-ins waiting on the login or consent page.
    pub sign_ins: usize,
    /// Device authorization requests (RFC 8628).
    pub device_codes: usize,
    /// Pushed authorization requests (RFC 9126).
    pub par_requests: usize,
    /// Access tokens issued to a user (client-credentials tokens are not stored).
    pub access_tokens: usize,
    /// Refresh tokens, rotated ones included (they are kept to detect reuse).
    pub refresh_tokens: usize,
    /// Revoked client-credentials tokens, remembered until they would expire.
    pub revoked_tokens: usize,
    /// Clients created through dynamic registration (RFC 7591).
    pub registered_clients: usize,
    /// Addresses whose device user-code attempts are being counted (RFC 8628 §5.1).
    pub rate_limited_addresses: usize,
    /// Seconds between sweeps of expired entries.
    pub sweep_interval_secs: u64,
    /// User-code attempts allowed per client address, and per device code, each minute.
    pub user_code_attempts_per_minute: u32,
    /// Connections served at once; more wait in the listen backlog.
    pub max_connections: usize,
    /// Seconds a client has to send a request's headers, counted from the connection opening
    /// or the previous response, so this is also the keep-alive idle timeout.
    pub header_read_timeout_secs: u64,
    /// Seconds a client has to send a request's body once its headers are in.
    pub body_read_timeout_secs: u64,
    /// Faults waiting to be applied (control API).
    pub pending_faults: usize,
    /// Recent requests kept for `GET /_mock/requests`.
    pub logged_requests: usize,
    /// Users with claims set through the control API.
    pub claim_overrides: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            authorization_codes: 4096,
            sign_ins: 4096,
            device_codes: 4096,
            par_requests: 4096,
            access_tokens: 20_000,
            refresh_tokens: 20_000,
            revoked_tokens: 50_000,
            registered_clients: 1000,
            rate_limited_addresses: 10_000,
            sweep_interval_secs: 10,
            user_code_attempts_per_minute: 10,
            max_connections: 512,
            header_read_timeout_secs: 10,
            body_read_timeout_secs: 10,
            pending_faults: 64,
            logged_requests: 200,
            claim_overrides: 1000,
        }
    }
}

impl Limits {
    /// Every limit must allow something: a zero would make the mock useless, not safe.
    pub fn validate(&self) -> Result<(), String> {
        let counts = StoreKind::ALL
            .iter()
            .map(|kind| (kind.key(), self.cap(*kind)));
        let others = [
            ("max_connections", self.max_connections),
            (
                "user_code_attempts_per_minute",
                self.user_code_attempts_per_minute as usize,
            ),
            ("pending_faults", self.pending_faults),
            ("logged_requests", self.logged_requests),
            ("claim_overrides", self.claim_overrides),
        ];
        let seconds = [
            ("sweep_interval_secs", self.sweep_interval_secs),
            ("header_read_timeout_secs", self.header_read_timeout_secs),
            ("body_read_timeout_secs", self.body_read_timeout_secs),
        ];
        let zero = counts
            .chain(others)
            .find(|(_, value)| *value == 0)
            .map(|(key, _)| key)
            .or_else(|| seconds.iter().find(|(_, v)| *v == 0).map(|(key, _)| *key));
        match zero {
            Some(key) => Err(format!("limits.{key} must be at least 1")),
            None => Ok(()),
        }
    }

    pub fn cap(&self, kind: StoreKind) -> usize {
        match kind {
            StoreKind::AuthorizationCodes => self.authorization_codes,
            StoreKind::SignIns => self.sign_ins,
            StoreKind::DeviceCodes => self.device_codes,
            StoreKind::ParRequests => self.par_requests,
            StoreKind::AccessTokens => self.access_tokens,
            StoreKind::RefreshTokens => self.refresh_tokens,
            StoreKind::RevokedTokens => self.revoked_tokens,
            StoreKind::RegisteredClients => self.registered_clients,
            StoreKind::RateLimitedAddresses => self.rate_limited_addresses,
        }
    }

    /// The accept loop's share of these limits.
    pub fn connections(&self) -> ConnectionLimits {
        ConnectionLimits {
            max_connections: self.max_connections,
            header_read_timeout: self.header_read_timeout(),
            body_read_timeout: self.body_read_timeout(),
            body_limit: super::BODY_LIMIT,
        }
    }

    pub fn sweep_interval(&self) -> Duration {
        Duration::from_secs(self.sweep_interval_secs)
    }

    pub fn header_read_timeout(&self) -> Duration {
        Duration::from_secs(self.header_read_timeout_secs)
    }

    pub fn body_read_timeout(&self) -> Duration {
        Duration::from_secs(self.body_read_timeout_secs)
    }
}

/// One capped store.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum StoreKind {
    AuthorizationCodes,
    SignIns,
    DeviceCodes,
    ParRequests,
    AccessTokens,
    RefreshTokens,
    RevokedTokens,
    RegisteredClients,
    RateLimitedAddresses,
}

impl StoreKind {
    pub const ALL: [StoreKind; 9] = [
        StoreKind::AuthorizationCodes,
        StoreKind::SignIns,
        StoreKind::DeviceCodes,
        StoreKind::ParRequests,
        StoreKind::AccessTokens,
        StoreKind::RefreshTokens,
        StoreKind::RevokedTokens,
        StoreKind::RegisteredClients,
        StoreKind::RateLimitedAddresses,
    ];

    /// The key in the `[limits]` table.
    pub fn key(self) -> &'static str {
        match self {
            StoreKind::AuthorizationCodes => "authorization_codes",
            StoreKind::SignIns => "sign_ins",
            StoreKind::DeviceCodes => "device_codes",
            StoreKind::ParRequests => "par_requests",
            StoreKind::AccessTokens => "access_tokens",
            StoreKind::RefreshTokens => "refresh_tokens",
            StoreKind::RevokedTokens => "revoked_tokens",
            StoreKind::RegisteredClients => "registered_clients",
            StoreKind::RateLimitedAddresses => "rate_limited_addresses",
        }
    }

    fn noun(self) -> &'static str {
        match self {
            StoreKind::AuthorizationCodes => "authorization codes",
            StoreKind::SignIns => "sign-ins in progress",
            StoreKind::DeviceCodes => "device codes",
            StoreKind::ParRequests => "pushed authorization requests",
            StoreKind::AccessTokens => "user access tokens",
            StoreKind::RefreshTokens => "refresh tokens",
            StoreKind::RevokedTokens => "revoked tokens",
            StoreKind::RegisteredClients => "registered clients",
            StoreKind::RateLimitedAddresses => "rate-limited client addresses",
        }
    }
}

/// A store is at its cap. The message names the limit and the key that raises it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error(
    "this server already holds {cap} {noun}, its limit; try again when some expire, or raise \
     `limits.{key}` in the mock's config file",
    noun = kind.noun(),
    key = kind.key()
)]
pub struct StoreFull {
    pub kind: StoreKind,
    pub cap: usize,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn full_store_message_names_the_config_key() {
        let err = StoreFull {
            kind: StoreKind::DeviceCodes,
            cap: 7,
        };
        let text = err.to_string();
        assert!(text.contains("7 device codes"), "{text}");
        assert!(text.contains("`limits.device_codes`"), "{text}");
    }

    #[test]
    fn zero_limits_are_refused_by_name() {
        let limits = Limits {
            par_requests: 0,
            ..Limits::default()
        };
        assert_eq!(
            limits.validate().unwrap_err(),
            "limits.par_requests must be at least 1"
        );
        let limits = Limits {
            body_read_timeout_secs: 0,
            ..Limits::default()
        };
        assert!(
            limits
                .validate()
                .unwrap_err()
                .contains("body_read_timeout_secs")
        );
        assert!(Limits::default().validate().is_ok());
    }

    #[test]
    fn defaults_keep_timeouts_within_thirty_seconds() {
        let limits = Limits::default();
        assert!(limits.header_read_timeout_secs <= 30 && limits.body_read_timeout_secs <= 30);
    }
}
