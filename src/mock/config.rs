//! What the mock serves: users, clients, token lifetimes, signing algorithm, where it listens.
//!
//! A config file is merged over the built-in demo data: its users and clients are added to
//! `alice`, `bob`, `demo-public` and `demo-confidential` (an entry with the same username or
//! client_id replaces the demo one), and its `[lifetimes]` override only the fields it names.
//! `include_demo = false` starts from nothing instead.

use std::collections::BTreeMap;
use std::fmt;
use std::net::{IpAddr, Ipv4Addr};
use std::path::Path;
use std::sync::Arc;

use serde::{Deserialize, Serialize};

use super::client_keys::check_jwks_uri;
use super::clock::{Clock, SystemClock};
use super::errors::MockError;
use super::limits::Limits;
use super::redirect;
use crate::oauth::jwks::JwkSet;
pub use crate::wire::AuthMethod;

/// Grant types the mock implements (RFC 6749 §4.1, §4.4, §6; RFC 8628 §3.4).
pub const GRANT_AUTHORIZATION_CODE: &str = "authorization_code";
pub const GRANT_REFRESH_TOKEN: &str = "refresh_token";
pub const GRANT_CLIENT_CREDENTIALS: &str = "client_credentials";
pub use crate::wire::DEVICE_CODE_GRANT as GRANT_DEVICE_CODE;
/// RFC 7523 §2.1: a JWT from a trusted issuer traded for a token for its subject.
pub use crate::wire::JWT_BEARER_GRANT as GRANT_JWT_BEARER;
pub use crate::wire::TOKEN_EXCHANGE_GRANT as GRANT_TOKEN_EXCHANGE;
pub const ALL_GRANTS: [&str; 6] = [
    GRANT_AUTHORIZATION_CODE,
    GRANT_REFRESH_TOKEN,
    GRANT_CLIENT_CREDENTIALS,
    GRANT_DEVICE_CODE,
    GRANT_TOKEN_EXCHANGE,
    GRANT_JWT_BEARER,
];
/// The grants only a client that authenticates may have (RFC 6749 §4.4, RFC 8693 §2.1).
const CONFIDENTIAL_GRANTS: [&str; 2] = [GRANT_CLIENT_CREDENTIALS, GRANT_TOKEN_EXCHANGE];
/// The audience the demo confidential client may exchange tokens for (RFC 8693 §2.1).
pub const DEMO_EXCHANGE_AUDIENCE: &str = "https://api.example.com";

/// Scopes the mock knows. `openid`, `profile` and `email` are OIDC Core §5.4 scopes; the
/// `api:*` scopes stand for an API the access token could be sent to.
pub const SCOPES_SUPPORTED: [&str; 6] = [
    "openid",
    "profile",
    "email",
    "api:read",
    "api:write",
    MCP_SCOPE,
];
/// The scope the demo MCP server asks for (see `resource.rs`).
pub const MCP_SCOPE: &str = "mcp:tools";
/// Scopes that only make sense with an end-user behind the token.
pub const USER_SCOPES: [&str; 3] = ["openid", "profile", "email"];

/// The algorithm the mock signs access and ID tokens with. Both keys are always published.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub enum SigningAlg {
    #[default]
    RS256,
    ES256,
}

impl SigningAlg {
    pub fn as_str(self) -> &'static str {
        match self {
            SigningAlg::RS256 => "RS256",
            SigningAlg::ES256 => "ES256",
        }
    }
}

/// The algorithms a client assertion may be signed with, per method (RFC 8414 §2
/// `token_endpoint_auth_signing_alg_values_supported`): HS256 over the secret for
/// `client_secret_jwt`, the asymmetric ones for `private_key_jwt`. `none` never.
pub const SECRET_JWT_ALGS: [&str; 1] = ["HS256"];
pub const PRIVATE_KEY_JWT_ALGS: [&str; 4] = ["RS256", "PS256", "ES256", "EdDSA"];

/// An end-user who can sign in. No passwords: the mock is for practising flows, not logins.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct User {
    pub username: String,
    /// Subject identifier (OIDC Core §2). Defaults to the username.
    #[serde(default)]
    pub sub: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub given_name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub family_name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub picture: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub locale: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub zoneinfo: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email_verified: Option<bool>,
    /// Claims added to (or overriding) this user's ID tokens, access tokens and userinfo
    /// (`[users.claims]`).
    #[serde(default, skip_serializing_if = "serde_json::Map::is_empty")]
    pub claims: serde_json::Map<String, serde_json::Value>,
}

impl User {
    /// A user someone typed on the login page who is not configured: minimal, honest claims.
    pub fn ad_hoc(username: &str) -> Self {
        User {
            username: username.to_owned(),
            sub: username.to_owned(),
            name: Some(username.to_owned()),
            given_name: None,
            family_name: None,
            picture: None,
            locale: None,
            zoneinfo: None,
            email: Some(format!("{username}@example.com")),
            email_verified: Some(false),
            claims: serde_json::Map::new(),
        }
    }
}

/// Whose tokens a client may introspect (RFC 7662 §4 leaves the rule to the server).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum IntrospectionAccess {
    /// Only tokens issued to the client itself; anything else is `{"active": false}`.
    #[default]
    Own,
    /// Any token: the client is a resource server.
    Any,
}

/// OIDC Dynamic Client Registration §2 `application_type`; absent means `web`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ApplicationType {
    #[default]
    Web,
    Native,
}

impl ApplicationType {
    pub fn parse(value: &str) -> Option<Self> {
        match value {
            "web" => Some(ApplicationType::Web),
            "native" => Some(ApplicationType::Native),
            _ => None,
        }
    }
}

/// A client known to the mock, from the demo data, a config file or dynamic registration.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ClientConfig {
    pub client_id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub client_secret: Option<String>,
    /// Accepted authentication methods; defaults to basic + post with a secret, none without.
    #[serde(default)]
    pub token_endpoint_auth_methods: Vec<AuthMethod>,
    #[serde(default)]
    pub redirect_uris: Vec<String>,
    /// Defaults to every grant the client type allows.
    #[serde(default)]
    pub grant_types: Vec<String>,
    /// Space-separated scopes the client may ask for; defaults to every supported scope.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scope: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub client_name: Option<String>,
    /// `web` (the default) or `native`; decides which redirect URIs are allowed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub application_type: Option<ApplicationType>,
    /// `"any"` makes the client a resource server that may introspect every token.
    #[serde(default)]
    pub introspection: IntrospectionAccess,
    /// The client's public keys (a JWK Set, RFC 7591 §2 `jwks`): what its `private_key_jwt`
    /// assertions and signed request objects are checked against.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub jwks: Option<serde_json::Value>,
    /// Or the URL where the client serves that JWK Set (RFC 7591 §2 `jwks_uri`), fetched when
    /// an assertion or request object is checked.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub jwks_uri: Option<String>,
}

/// An issuer whose JWTs the JWT bearer grant accepts (RFC 7523 §3 item 1:
/// `[[trusted_issuers]]`), with the public keys its assertions are signed with.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TrustedIssuer {
    pub issuer: String,
    pub jwks: serde_json::Value,
}

/// A client's `jwks` read as a JWK Set of public keys, or why it is not one. A private key
/// in it is refused: the server must never hold the client's signing key.
pub fn client_jwks(value: &serde_json::Value) -> Result<JwkSet, String> {
    if value.get("keys").is_none() {
        return Err(
            "jwks must be a JWK Set: an object with a `keys` array (RFC 7517 section 5)".into(),
        );
    }
    let set = JwkSet::from_value(value.clone()).map_err(|e| format!("jwks: {e}"))?;
    if set.keys.is_empty() {
        return Err("jwks has no keys".into());
    }
    if set
        .keys
        .iter()
        .any(|k| k.extra.contains_key("d") || k.k.is_some())
    {
        return Err(
            "jwks holds a private or symmetric key (`d` or `k`): register only the public keys"
                .into(),
        );
    }
    Ok(set)
}

impl ClientConfig {
    /// Fills the defaults and checks the client is coherent.
    fn normalize(mut self) -> Result<Self, MockError> {
        let id = self.client_id.clone();
        if id.is_empty() {
            return Err(MockError::Config("a client has an empty client_id".into()));
        }
        let methods = &mut self.token_endpoint_auth_methods;
        let has_keys = self.jwks.is_some() || self.jwks_uri.is_some();
        if methods.is_empty() {
            *methods = match (&self.client_secret, has_keys) {
                (Some(_), _) => vec![AuthMethod::ClientSecretBasic, AuthMethod::ClientSecretPost],
                (None, true) => vec![AuthMethod::PrivateKeyJwt],
                (None, false) => vec![AuthMethod::None],
            };
        }
        let public = methods.contains(&AuthMethod::None);
        if public && methods.len() > 1 {
            return Err(MockError::Config(format!(
                "client {id}: auth method `none` cannot be combined with other methods"
            )));
        }
        if methods.iter().any(|m| m.uses_secret()) != self.client_secret.is_some() {
            return Err(MockError::Config(format!(
                "client {id}: a client_secret goes with client_secret_basic/post/jwt, and only \
                 with them"
            )));
        }
        if self.jwks.is_some() && self.jwks_uri.is_some() {
            return Err(MockError::Config(format!(
                "client {id}: jwks and jwks_uri must not both be present; give the keys by \
                 value or by reference (RFC 7591 section 2)"
            )));
        }
        if let Some(jwks) = &self.jwks {
            client_jwks(jwks).map_err(|why| MockError::Config(format!("client {id}: {why}")))?;
        }
        if let Some(uri) = &self.jwks_uri {
            // The loopback rule depends on a command-line flag, so it waits for the fetch.
            check_jwks_uri(uri, true)
                .map_err(|why| MockError::Config(format!("client {id}: {why}")))?;
        }
        if !has_keys && methods.contains(&AuthMethod::PrivateKeyJwt) {
            return Err(MockError::Config(format!(
                "client {id}: private_key_jwt needs the client's public keys in `jwks` or at \
                 `jwks_uri` (RFC 7591 section 2)"
            )));
        }
        if self.grant_types.is_empty() {
            self.grant_types = ALL_GRANTS
                .iter()
                .filter(|g| !(public && CONFIDENTIAL_GRANTS.contains(g)))
                .map(|g| (*g).to_owned())
                .collect();
        }
        if let Some(unknown) = self
            .grant_types
            .iter()
            .find(|g| !ALL_GRANTS.contains(&g.as_str()))
        {
            return Err(MockError::Config(format!(
                "client {id}: unknown grant type `{unknown}`"
            )));
        }
        if public
            && self
                .grant_types
                .iter()
                .any(|g| g == GRANT_CLIENT_CREDENTIALS)
        {
            return Err(MockError::Config(format!(
                "client {id}: a public client cannot use client_credentials (RFC 6749 section 4.4)"
            )));
        }
        let application_type = self.application_type.unwrap_or_default();
        for uri in &self.redirect_uris {
            redirect::validate_registered(uri, application_type)
                .map_err(|why| MockError::Config(format!("client {id}: {why}")))?;
        }
        if let Some(scope) = &self.scope
            && let Some(unknown) = scope
                .split(' ')
                .find(|s| !s.is_empty() && !SCOPES_SUPPORTED.contains(s))
        {
            return Err(MockError::Config(format!(
                "client {id}: unknown scope `{unknown}`; supported: {}",
                SCOPES_SUPPORTED.join(" ")
            )));
        }
        Ok(self)
    }
}

/// Token and artefact lifetimes, in seconds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Lifetimes {
    pub authorization_code: u64,
    pub access_token: u64,
    pub id_token: u64,
    pub refresh_token: u64,
    pub device_code: u64,
    /// Minimum seconds between device-flow polls (RFC 8628 §3.2 `interval`).
    pub device_poll_interval: u64,
    pub par_request_uri: u64,
    /// How long a login/consent page stays usable.
    pub interaction: u64,
}

impl Default for Lifetimes {
    fn default() -> Self {
        Lifetimes {
            authorization_code: 60,
            access_token: 3600,
            id_token: 3600,
            refresh_token: 86_400,
            device_code: 600,
            device_poll_interval: 5,
            par_request_uri: 60,
            interaction: 600,
        }
    }
}

/// Everything the mock needs to start. `MockConfig::demo()` is a ready-to-use starting point.
#[derive(Clone)]
pub struct MockConfig {
    pub bind: IpAddr,
    /// 0 picks a free port.
    pub port: u16,
    /// Advertised issuer; defaults to `http://BIND:PORT` with the port actually bound.
    pub issuer: Option<String>,
    pub users: Vec<User>,
    pub clients: Vec<ClientConfig>,
    pub lifetimes: Lifetimes,
    pub signing_alg: SigningAlg,
    /// Complete every sign-in and consent as this user with no page shown.
    pub auto_approve: Option<String>,
    /// Caps on the stores and on connections (the `[limits]` table).
    pub limits: Limits,
    /// When set, `POST /register` needs `Authorization: Bearer <this>` (RFC 7591 §3).
    pub initial_access_token: Option<String>,
    pub clock: Arc<dyn Clock>,
    /// Protected resources besides the demo MCP server that tokens may be asked for with
    /// `resource` (RFC 8707), e.g. an `oauthscope mcp --http` server using this mock.
    pub resources: Vec<String>,
    /// Accept Client ID Metadata Documents served over plain http from a loopback host (the
    /// draft asks for https; this is for local practice and tests).
    pub allow_loopback_cimd: bool,
    /// Every DPoP proof must carry a nonce this server issued (RFC 9449 §8).
    pub dpop_nonce: bool,
    /// The `authorization_details` types this server understands (RFC 9396 §10).
    pub authorization_details_types: Vec<String>,
    /// Refuse authorization requests without a signed request object (RFC 9101 §10.5,
    /// `require_signed_request_object` in the metadata).
    pub require_signed_request_object: bool,
    /// Per client_id, the audiences it may exchange tokens for (RFC 8693 §2.1).
    pub token_exchange_audiences: BTreeMap<String, Vec<String>>,
    /// The control API under `/_mock/`: on, loopback only, unless told otherwise.
    pub control: super::control::ControlConfig,
    /// Further issuers served under `/{name}` (`[[tenants]]`, `--tenant`).
    pub tenants: Vec<super::tenants::TenantConfig>,
    /// The issuers the JWT bearer grant trusts (`[[trusted_issuers]]`, RFC 7523 §3).
    pub trusted_issuers: Vec<TrustedIssuer>,
}

impl fmt::Debug for MockConfig {
    // Written out so client secrets never reach a log line through `{:?}`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let clients: Vec<&str> = self.clients.iter().map(|c| c.client_id.as_str()).collect();
        let users: Vec<&str> = self.users.iter().map(|u| u.username.as_str()).collect();
        f.debug_struct("MockConfig")
            .field("bind", &self.bind)
            .field("port", &self.port)
            .field("issuer", &self.issuer)
            .field("users", &users)
            .field("clients", &clients)
            .field("lifetimes", &self.lifetimes)
            .field("signing_alg", &self.signing_alg)
            .field("auto_approve", &self.auto_approve)
            .field("limits", &self.limits)
            .field(
                "initial_access_token",
                &self.initial_access_token.as_ref().map(|_| "<set>"),
            )
            .field("clock", &self.clock)
            .field("resources", &self.resources)
            .field("allow_loopback_cimd", &self.allow_loopback_cimd)
            .field("dpop_nonce", &self.dpop_nonce)
            .field(
                "authorization_details_types",
                &self.authorization_details_types,
            )
            .field(
                "require_signed_request_object",
                &self.require_signed_request_object,
            )
            .field("token_exchange_audiences", &self.token_exchange_audiences)
            .field("control", &self.control)
            .field(
                "tenants",
                &self
                    .tenants
                    .iter()
                    .map(|t| t.name.as_str())
                    .collect::<Vec<_>>(),
            )
            .finish()
    }
}

/// The TOML config file (see the README for an example).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ConfigFile {
    #[serde(default = "yes")]
    include_demo: bool,
    #[serde(default)]
    signing_alg: Option<SigningAlg>,
    #[serde(default)]
    require_signed_request_object: bool,
    #[serde(default)]
    lifetimes: Option<Lifetimes>,
    #[serde(default)]
    users: Vec<User>,
    #[serde(default)]
    clients: Vec<ClientConfig>,
    #[serde(default)]
    limits: Option<Limits>,
    #[serde(default)]
    registration: Option<RegistrationFile>,
    #[serde(default)]
    tenants: Vec<super::tenants::TenantConfig>,
    /// Replaces the demo's `authorization_details` types (RFC 9396 §10).
    #[serde(default)]
    authorization_details_types_supported: Option<Vec<String>>,
    /// Per client_id, the audiences it may exchange tokens for (RFC 8693), added to the demo's.
    #[serde(default)]
    token_exchange_audiences: BTreeMap<String, Vec<String>>,
    #[serde(default)]
    trusted_issuers: Vec<TrustedIssuer>,
}

/// The `[registration]` table.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RegistrationFile {
    initial_access_token: Option<String>,
}

impl fmt::Debug for RegistrationFile {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RegistrationFile")
            .field(
                "initial_access_token",
                &self.initial_access_token.as_ref().map(|_| "<set>"),
            )
            .finish()
    }
}

fn yes() -> bool {
    true
}

pub const DEMO_PUBLIC_CLIENT: &str = "demo-public";
pub const DEMO_CONFIDENTIAL_CLIENT: &str = "demo-confidential";
pub const DEMO_SECRET: &str = "demo-secret";
/// Loopback redirect URIs registered for the demo clients; any port is accepted (RFC 8252 §7.3).
pub const DEMO_REDIRECT_URIS: [&str; 2] = ["http://127.0.0.1/callback", "http://[::1]/callback"];

impl MockConfig {
    /// 127.0.0.1 on a free port, users alice and bob, clients demo-public and demo-confidential.
    pub fn demo() -> Self {
        MockConfig {
            bind: IpAddr::V4(Ipv4Addr::LOCALHOST),
            port: 0,
            issuer: None,
            users: demo_users(),
            clients: demo_clients(),
            lifetimes: Lifetimes::default(),
            signing_alg: SigningAlg::default(),
            auto_approve: None,
            limits: Limits::default(),
            initial_access_token: None,
            clock: Arc::new(SystemClock),
            resources: Vec::new(),
            allow_loopback_cimd: false,
            dpop_nonce: false,
            authorization_details_types: super::authorization_details::DEMO_TYPES
                .map(str::to_owned)
                .to_vec(),
            require_signed_request_object: false,
            token_exchange_audiences: BTreeMap::from([(
                DEMO_CONFIDENTIAL_CLIENT.to_owned(),
                vec![DEMO_EXCHANGE_AUDIENCE.to_owned()],
            )]),
            control: Default::default(),
            tenants: Vec::new(),
            trusted_issuers: Vec::new(),
        }
    }

    /// Reads a TOML config file and merges it over [`MockConfig::demo`] (see the module docs).
    pub fn from_toml_file(path: impl AsRef<Path>) -> Result<Self, MockError> {
        let path = path.as_ref();
        let text = std::fs::read_to_string(path).map_err(|source| MockError::ReadConfig {
            path: path.to_owned(),
            source,
        })?;
        Self::from_toml_str(&text).map_err(|err| match err {
            MockError::ParseConfig { source, .. } => MockError::ParseConfig {
                path: path.to_owned(),
                source,
            },
            other => other,
        })
    }

    /// Same as [`MockConfig::from_toml_file`], from the file's text.
    pub fn from_toml_str(text: &str) -> Result<Self, MockError> {
        let file: ConfigFile = toml::from_str(text).map_err(|source| MockError::ParseConfig {
            path: Default::default(),
            source: Box::new(source),
        })?;
        let mut config = Self::demo();
        if !file.include_demo {
            config.users.clear();
            config.clients.clear();
        }
        if let Some(alg) = file.signing_alg {
            config.signing_alg = alg;
        }
        config.require_signed_request_object |= file.require_signed_request_object;
        if let Some(lifetimes) = file.lifetimes {
            config.lifetimes = lifetimes;
        }
        if let Some(limits) = file.limits {
            config.limits = limits;
        }
        if let Some(registration) = file.registration {
            config.initial_access_token = registration.initial_access_token;
        }
        for user in file.users {
            config.users.retain(|u| u.username != user.username);
            config.users.push(user);
        }
        for client in file.clients {
            config.clients.retain(|c| c.client_id != client.client_id);
            config.clients.push(client);
        }
        config.tenants = file.tenants;
        if let Some(types) = file.authorization_details_types_supported {
            config.authorization_details_types = types;
        }
        config
            .token_exchange_audiences
            .extend(file.token_exchange_audiences);
        for trusted in &file.trusted_issuers {
            client_jwks(&trusted.jwks).map_err(|why| {
                MockError::Config(format!("trusted issuer {}: {why}", trusted.issuer))
            })?;
        }
        config.trusted_issuers = file.trusted_issuers;
        config.validate()
    }

    /// Fills defaults (user `sub`, client methods and grants) and rejects incoherent entries.
    pub fn validate(mut self) -> Result<Self, MockError> {
        for user in &mut self.users {
            if user.username.trim().is_empty() {
                return Err(MockError::Config("a user has an empty username".into()));
            }
            if user.sub.is_empty() {
                user.sub = user.username.clone();
            }
        }
        self.clients = self
            .clients
            .into_iter()
            .map(ClientConfig::normalize)
            .collect::<Result<_, _>>()?;
        self.limits.validate().map_err(MockError::Config)?;
        if self
            .initial_access_token
            .as_deref()
            .is_some_and(|token| token.trim().is_empty() || token.contains(char::is_whitespace))
        {
            return Err(MockError::Config(
                "registration.initial_access_token must be a non-empty token without spaces \
                 (RFC 6750 section 2.1)"
                    .into(),
            ));
        }
        if self.lifetimes.device_poll_interval == 0 {
            return Err(MockError::Config(
                "lifetimes.device_poll_interval must be at least 1 second".into(),
            ));
        }
        Ok(self)
    }
}

fn demo_users() -> Vec<User> {
    vec![
        User {
            username: "alice".into(),
            sub: "4c6a9b3e-1f2d-4e8a-9c7b-5d0e3f1a2b6c".into(),
            name: Some("Alice Liddell".into()),
            given_name: Some("Alice".into()),
            family_name: Some("Liddell".into()),
            picture: Some("https://example.com/avatars/alice.png".into()),
            locale: Some("en-GB".into()),
            zoneinfo: Some("Europe/London".into()),
            email: Some("alice@example.com".into()),
            email_verified: Some(true),
            claims: serde_json::Map::new(),
        },
        User {
            username: "bob".into(),
            sub: "9e2d7f41-8a3c-4b5e-a6d1-0c8f2e7b3a94".into(),
            name: Some("Bob Tables".into()),
            given_name: Some("Bob".into()),
            family_name: Some("Tables".into()),
            picture: Some("https://example.com/avatars/bob.png".into()),
            locale: Some("en-US".into()),
            zoneinfo: Some("America/New_York".into()),
            email: Some("bob@example.org".into()),
            email_verified: Some(false),
            claims: serde_json::Map::new(),
        },
    ]
}

fn demo_clients() -> Vec<ClientConfig> {
    let redirect_uris: Vec<String> = DEMO_REDIRECT_URIS.iter().map(|u| (*u).into()).collect();
    vec![
        ClientConfig {
            client_id: DEMO_PUBLIC_CLIENT.into(),
            client_secret: None,
            token_endpoint_auth_methods: vec![AuthMethod::None],
            redirect_uris: redirect_uris.clone(),
            grant_types: vec![
                GRANT_AUTHORIZATION_CODE.into(),
                GRANT_REFRESH_TOKEN.into(),
                GRANT_DEVICE_CODE.into(),
            ],
            scope: None,
            client_name: Some("Demo public client (PKCE)".into()),
            application_type: None,
            introspection: IntrospectionAccess::Own,
            jwks: None,
            jwks_uri: None,
        },
        ClientConfig {
            client_id: DEMO_CONFIDENTIAL_CLIENT.into(),
            client_secret: Some(DEMO_SECRET.into()),
            token_endpoint_auth_methods: vec![
                AuthMethod::ClientSecretBasic,
                AuthMethod::ClientSecretPost,
            ],
            redirect_uris,
            grant_types: ALL_GRANTS.iter().map(|g| (*g).into()).collect(),
            scope: None,
            client_name: Some("Demo confidential client".into()),
            application_type: None,
            // The demo's resource server: it may introspect every token.
            introspection: IntrospectionAccess::Any,
            jwks: None,
            jwks_uri: None,
        },
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn demo_config_is_valid() {
        let config = MockConfig::demo().validate().unwrap();
        assert_eq!(config.users.len(), 2);
        assert_eq!(config.clients.len(), 2);
    }

    #[test]
    fn file_merges_over_demo_data() {
        let config = MockConfig::from_toml_str(
            r#"
            signing_alg = "ES256"
            [lifetimes]
            access_token = 120
            [[users]]
            username = "carol"
            name = "Carol"
            [[clients]]
            client_id = "svc"
            client_secret = "s3cret"
            grant_types = ["client_credentials"]
            "#,
        )
        .unwrap();
        assert_eq!(config.signing_alg, SigningAlg::ES256);
        assert_eq!(config.lifetimes.access_token, 120);
        assert_eq!(config.lifetimes.authorization_code, 60);
        assert_eq!(config.users.len(), 3);
        let carol = config.users.iter().find(|u| u.username == "carol").unwrap();
        assert_eq!(carol.sub, "carol");
        let svc = config
            .clients
            .iter()
            .find(|c| c.client_id == "svc")
            .unwrap();
        assert_eq!(
            svc.token_endpoint_auth_methods,
            vec![AuthMethod::ClientSecretBasic, AuthMethod::ClientSecretPost]
        );
    }

    /// The example in the README, kept here so it cannot rot.
    #[test]
    fn readme_example_parses() {
        let config = MockConfig::from_toml_str(
            r#"
            signing_alg = "ES256"
            include_demo = true

            [lifetimes]
            access_token = 300
            refresh_token = 3600
            authorization_code = 60
            id_token = 300
            device_code = 600
            device_poll_interval = 1
            par_request_uri = 60
            interaction = 600

            [limits]
            authorization_codes = 4096
            header_read_timeout_secs = 10

            [registration]
            initial_access_token = "reg-t0ken"

            [[users]]
            username = "carol"
            sub = "c-0001"
            name = "Carol Danvers"
            given_name = "Carol"
            family_name = "Danvers"
            email = "carol@example.com"
            email_verified = true
            picture = "https://example.com/carol.png"
            locale = "en-US"
            zoneinfo = "America/Chicago"

            [users.claims]
            tenant = "acme"
            roles = ["reader", "writer"]

            [[clients]]
            client_id = "reports-service"
            client_secret = "s3cret"
            grant_types = ["client_credentials"]
            scope = "api:read"
            introspection = "any"

            [[clients]]
            client_id = "spa"
            redirect_uris = ["http://localhost:5173/callback", "http://127.0.0.1/callback"]
            client_name = "My single-page app"

            [[clients]]
            client_id = "rotating-service"
            grant_types = ["client_credentials"]
            jwks_uri = "https://service.example/jwks.json"
            "#,
        )
        .unwrap();
        assert_eq!(config.users.len(), 3);
        assert_eq!(config.clients.len(), 5);
        assert_eq!(config.limits.authorization_codes, 4096);
        assert_eq!(config.initial_access_token.as_deref(), Some("reg-t0ken"));
        let carol = config.users.iter().find(|u| u.username == "carol").unwrap();
        assert_eq!(carol.claims["tenant"], "acme");
        assert_eq!(carol.claims["roles"][1], "writer");
        let reports = config
            .clients
            .iter()
            .find(|c| c.client_id == "reports-service")
            .unwrap();
        assert_eq!(reports.introspection, IntrospectionAccess::Any);
        let spa = config
            .clients
            .iter()
            .find(|c| c.client_id == "spa")
            .unwrap();
        assert_eq!(spa.token_endpoint_auth_methods, vec![AuthMethod::None]);
        assert!(
            !spa.grant_types
                .iter()
                .any(|g| g == GRANT_CLIENT_CREDENTIALS)
        );
    }

    #[test]
    fn a_client_may_name_its_jwks_uri_but_not_beside_jwks() {
        let config = MockConfig::from_toml_str(
            r#"
            [[clients]]
            client_id = "remote-keys"
            grant_types = ["client_credentials"]
            jwks_uri = "https://app.example/jwks.json"
            "#,
        )
        .unwrap();
        let client = config
            .clients
            .iter()
            .find(|c| c.client_id == "remote-keys")
            .unwrap();
        assert_eq!(
            client.token_endpoint_auth_methods,
            vec![AuthMethod::PrivateKeyJwt]
        );
        let both = r#"
            [[clients]]
            client_id = "x"
            jwks_uri = "https://app.example/jwks.json"
            jwks = { keys = [{ kty = "EC", crv = "P-256", x = "AA", y = "AA" }] }
        "#;
        let err = MockConfig::from_toml_str(both).unwrap_err().to_string();
        assert!(err.contains("must not both be present"), "{err}");
        let not_https = r#"
            [[clients]]
            client_id = "x"
            jwks_uri = "http://app.example/jwks.json"
        "#;
        let err = MockConfig::from_toml_str(not_https)
            .unwrap_err()
            .to_string();
        assert!(err.contains("https"), "{err}");
    }

    #[test]
    fn include_demo_false_starts_empty() {
        let config = MockConfig::from_toml_str("include_demo = false").unwrap();
        assert!(config.users.is_empty() && config.clients.is_empty());
    }

    #[test]
    fn incoherent_clients_are_rejected() {
        let public_cc = r#"
            [[clients]]
            client_id = "x"
            grant_types = ["client_credentials"]
        "#;
        assert!(MockConfig::from_toml_str(public_cc).is_err());
        let fragment = r#"
            [[clients]]
            client_id = "x"
            redirect_uris = ["https://app.example/cb#frag"]
        "#;
        assert!(MockConfig::from_toml_str(fragment).is_err());
        assert!(MockConfig::from_toml_str("unknown_key = 1").is_err());
    }
}
