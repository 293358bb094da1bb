//! The shared application state handed to every handler, and the router that maps paths to
//! the endpoint modules.

use std::sync::Arc;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::middleware;
use axum::routing::{get, post};

use super::cimd::Cimd;
use super::client_keys::KeySets;
use super::clock::Clock;
use super::config::{Lifetimes, MockConfig, User, client_jwks};
use super::control::{self, Lab};
use super::dpop::Dpop;
use super::fetch::Fetcher;
use super::form::BODY_LIMIT;
use super::keys::Keys;
use super::limits::Limits;
use super::signed_jwt::ReplayCache;
use super::state::{Client, SharedStore, Store};
use super::{
    authorize, device, http, interaction, introspect, jwks, metadata, par, register, resource,
    revoke, token, userinfo,
};
use crate::oauth::jwks::JwkSet;
use crate::wire::{OAUTH_METADATA_PATH, OIDC_METADATA_PATH};

pub const AUTHORIZE_PATH: &str = "/authorize";
pub const TOKEN_PATH: &str = "/token";
pub const INTROSPECT_PATH: &str = "/introspect";
pub const REVOKE_PATH: &str = "/revoke";
pub const USERINFO_PATH: &str = "/userinfo";
pub const DEVICE_AUTHORIZATION_PATH: &str = "/device/code";
pub const DEVICE_VERIFICATION_PATH: &str = "/device";
pub const JWKS_PATH: &str = "/jwks";
pub const PAR_PATH: &str = "/par";
pub const REGISTER_PATH: &str = "/register";
pub const LOGIN_PATH: &str = "/login";
pub const CONSENT_PATH: &str = "/consent";
/// The demo protected MCP server (Streamable HTTP), under the issuer like every endpoint.
pub const MCP_PATH: &str = "/mcp";

/// Everything a handler needs.
pub struct App {
    pub issuer: String,
    /// The issuer URL's path (`/tenant`, or empty), parsed once: the request log needs it on
    /// every request.
    pub issuer_path: String,
    pub users: Vec<User>,
    pub lifetimes: Lifetimes,
    pub auto_approve: Option<String>,
    pub limits: Limits,
    /// Required as a Bearer token by `POST /register` when set (RFC 7591 §3).
    pub initial_access_token: Option<String>,
    pub clock: Arc<dyn Clock>,
    pub store: SharedStore,
    pub keys: Keys,
    /// Protected resources besides the demo MCP server (`MockConfig::resources`).
    pub resources: Vec<String>,
    /// Fetches what clients name by URL: metadata documents and key sets.
    pub fetcher: Fetcher,
    /// Client ID Metadata Documents: what has been fetched.
    pub cimd: Cimd,
    /// The key sets fetched from clients' `jwks_uri`s.
    pub client_keys: KeySets,
    /// What the control API changes: faults, the clock, claims, the request log.
    pub lab: Lab,
    /// DPoP proof checks: the nonce and the `jti`s seen (RFC 9449).
    pub dpop: Dpop,
    /// The `authorization_details` types understood (RFC 9396).
    pub authorization_details_types: Vec<String>,
    /// The `jti`s of client assertions already used (RFC 7523 §3).
    pub assertion_jtis: ReplayCache,
    /// Whether authorization requests must come as a signed request object (RFC 9101).
    pub require_signed_request_object: bool,
    /// Per client_id, the audiences it may exchange tokens for (RFC 8693).
    pub token_exchange_audiences: std::collections::BTreeMap<String, Vec<String>>,
    /// The issuers the JWT bearer grant trusts, with their keys (RFC 7523 §3).
    pub trusted_issuers: Vec<(String, JwkSet)>,
}

pub type AppState = Arc<App>;

/// How many unexpired JWT ids the server remembers for replay detection. Assertions live
/// at most minutes, so this is many requests a second's worth.
const MAX_REMEMBERED_JTIS: usize = 50_000;

impl App {
    pub fn new(config: &MockConfig, issuer: String, keys: Keys) -> Self {
        let clients = config.clients.iter().map(Client::from_config);
        let lab = Lab::new(config);
        App {
            issuer_path: issuer_path(&issuer),
            issuer,
            users: config.users.clone(),
            lifetimes: config.lifetimes,
            auto_approve: config.auto_approve.clone(),
            limits: config.limits,
            initial_access_token: config.initial_access_token.clone(),
            clock: lab.clock.clone(),
            store: SharedStore::new(Store::new(clients, config.limits)),
            keys,
            resources: config.resources.clone(),
            fetcher: Fetcher::new(config.allow_loopback_cimd),
            cimd: Cimd::default(),
            client_keys: KeySets::default(),
            lab,
            dpop: Dpop::new(config.dpop_nonce),
            authorization_details_types: config.authorization_details_types.clone(),
            assertion_jtis: ReplayCache::new(MAX_REMEMBERED_JTIS),
            require_signed_request_object: config.require_signed_request_object,
            token_exchange_audiences: config.token_exchange_audiences.clone(),
            // Keys checked when the config was read; a set that fails now is left out.
            trusted_issuers: config
                .trusted_issuers
                .iter()
                .filter_map(|t| Some((t.issuer.clone(), client_jwks(&t.jwks).ok()?)))
                .collect(),
        }
    }

    /// Absolute URL of one of this server's paths.
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.issuer)
    }

    pub fn now(&self) -> u64 {
        self.clock.now_secs()
    }

    /// The protected resources this server issues tokens for (RFC 8707): its demo MCP server
    /// and any it was configured with.
    pub fn protected_resources(&self) -> Vec<String> {
        let mut resources = vec![self.url(MCP_PATH)];
        resources.extend(self.resources.iter().cloned());
        resources
    }

    /// The moment something living `lifetime` seconds from now expires. Saturating, so a
    /// huge lifetime in a config file means "practically never", not an overflow.
    pub fn expires_after(&self, lifetime: u64) -> u64 {
        self.now().saturating_add(lifetime)
    }

    /// A configured user, or an ad-hoc one for a name typed on the login page.
    pub fn user(&self, username: &str) -> User {
        self.users
            .iter()
            .find(|u| u.username == username)
            .cloned()
            .unwrap_or_else(|| User::ad_hoc(username))
    }
}

/// All routes. Endpoints a browser app calls with `fetch` get CORS headers; the pages a person
/// navigates to (authorize, login, consent, device verification) do not need them.
pub fn router(app: AppState) -> Router {
    let api = Router::new()
        .route(OAUTH_METADATA_PATH, get(metadata::document))
        .route(OIDC_METADATA_PATH, get(metadata::document))
        .route(JWKS_PATH, get(jwks::jwks))
        .route(TOKEN_PATH, post(token::token))
        .route(INTROSPECT_PATH, post(introspect::introspect))
        .route(REVOKE_PATH, post(revoke::revoke))
        .route(USERINFO_PATH, get(userinfo::get).post(userinfo::post))
        .route(DEVICE_AUTHORIZATION_PATH, post(device::authorization))
        .route(PAR_PATH, post(par::push))
        .route(REGISTER_PATH, post(register::create))
        .route(MCP_PATH, get(resource::get).post(resource::post))
        .route(
            "/register/{client_id}",
            get(register::read)
                .put(register::update)
                .delete(register::delete),
        )
        .layer(middleware::from_fn(http::cors));
    let pages = Router::new()
        .route(AUTHORIZE_PATH, get(authorize::authorize))
        .route(LOGIN_PATH, post(interaction::login))
        .route(CONSENT_PATH, post(interaction::consent))
        .route(
            DEVICE_VERIFICATION_PATH,
            get(device::verification_page).post(device::submit_user_code),
        );
    let prefix = app.issuer_path.clone();
    // RFC 9728 §3.1: the resource's metadata is at the host's root, its path inserted.
    let resource_metadata = Router::new().route(
        &resource::metadata_path(&app),
        get(resource::metadata).layer(middleware::from_fn(http::cors)),
    );
    let endpoints = control::around(api.merge(pages), &app);
    let routes = if prefix.is_empty() {
        endpoints
    } else {
        // An issuer with a path (a tenant URL) serves everything under that path, and its
        // RFC 8414 metadata also where §3.1 puts it: the well-known prefix, then the path.
        let inserted = format!("{OAUTH_METADATA_PATH}{prefix}");
        Router::new().nest(&prefix, endpoints).route(
            &inserted,
            get(metadata::document).layer(middleware::from_fn(http::cors)),
        )
    };
    routes
        .merge(resource_metadata)
        .layer(DefaultBodyLimit::max(BODY_LIMIT))
        .layer(middleware::from_fn(http::log_request))
        .with_state(app)
}

/// The path of the issuer URL without a trailing `/`: empty for `http://127.0.0.1:9000`,
/// `/tenant` for `http://127.0.0.1:9000/tenant`.
fn issuer_path(issuer: &str) -> String {
    url::Url::parse(issuer)
        .map(|url| url.path().trim_end_matches('/').to_owned())
        .unwrap_or_default()
}
