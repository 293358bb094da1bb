//! The headless command line over the protocol engine: `discover`, `run`, `introspect`,
//! `revoke`, `userinfo`, `register`, `client`, `decode`, `doctor`, `explain`.
//!
//! Scripts and CI pipelines depend on these names, flags and JSON shapes: keep them stable.
//!
//! # Conventions
//!
//! - Human output goes to stdout; secrets (tokens, client secrets, codes, verifiers,
//!   registration access tokens) are masked unless `--show-secrets`, except the client
//!   secret and registration access token a server just issued (`register`, `client get`,
//!   `client update`): those are shown once, in clear, under a warning line.
//! - `--json` prints exactly one JSON document on stdout, success or failure. Every document
//!   has `"ok": bool` and `"error": null | "one-line reason"`. Recorded exchanges in it are
//!   masked unless `--show-secrets`; the *results* (tokens, a registered client's secret and
//!   registration access token) are always in clear, since a script needs them.
//! - Progress and prompts (the URL to open, the device user code, verification URI and QR
//!   code, the paste prompt) go to stderr.
//! - Text from a server never reaches the terminal raw: control characters (ESC, C1), DEL,
//!   bidi overrides and invisible format characters are shown escaped (`\x1b`, `\u{202e}`),
//!   and a server string inside one line cannot break it (`\n`). `--json` escapes them as
//!   JSON does.
//! - Exit status 0 on success; 1 with a one-line reason on stderr otherwise; 2 for usage
//!   errors. `decode` exits 1 when the signature or any claim check fails.
//!
//! # `decode --json`
//!
//! ```json
//! {
//!   "header":  { "alg": "RS256", "kid": "…", … },        // unverified JOSE header
//!   "claims":  { "iss": "…", "exp": 1764086700, … },     // unverified; {} if the payload is not a JSON object
//!   "payload": "…",                                      // only when the payload is not a JSON object (as UTF-8, lossy)
//!   "key_source": "jwks_file" | "jwks_url" | "issuer" | "secret" | "none",
//!   "signature_verified": true,
//!   "valid": true,                                       // signature verified and no check failed
//!   "checks": [ { "check": "signature" | "exp" | "nbf" | "iat" | "iss" | "aud" | "azp" | "nonce" | "at_hash",
//!                 "verdict": "pass" | "fail" | "skipped",
//!                 "detail": "in words" } ],
//!   "exchanges": [ … ],                                  // JWKS / metadata requests made, if any
//!   "ok": true, "error": null
//! }
//! ```
//! Without a key (`--issuer`, `--jwks` or `--secret`) the signature check is `skipped`, and
//! `ok` then only reflects the claim checks; `valid` stays false.
//!
//! # `run --json`
//!
//! ```json
//! {
//!   "flow": "authorization_code" | "par" | "device" | "refresh" | "client_credentials" | "token_exchange",
//!   "issuer": "http://127.0.0.1:9000",
//!   "discovery": { "source": "oauth" | "openid_connect", "warnings": [ { "code": "…", "message": "…" } ] },
//!   "steps": [ { "title": "…", "explanation": "…",
//!                "status": { "status": "done" } | { "status": "failed", "detail": "reason" } | …,
//!                "request": { "method", "url", "headers": [[k, v]], "params": [[k, v]], "json_body" } | null,
//!                "exchange": { "method", "url", "request_headers", "request_body", "status",
//!                              "response_headers", "response_body", "duration": { "secs", "nanos" },
//!                              "error", "started_at" } | null } ],
//!   "outcome": {
//!     "authorization_url": "…", "authorization_response": { "code", "state", "iss", … },
//!     "device": { "user_code", "verification_uri", "verification_uri_complete", … },
//!     "tokens": { "access_token", "token_type", "expires_in", "refresh_token", "scope", "id_token" },
//!     "id_token":     { "header": {…}, "claims": {…}, "verification": { "checks": [ … ] } },
//!     "access_token": { "header": {…}, "claims": {…}, "verification": { "checks": [ … ] } },
//!     "rotation": { "refresh_token_rotated": true, "access_token_changes": [ { "claim", "before", "after" } ], "id_token_changes": [ … ] },
//!     "notes": [ "…" ]
//!   },                                                   // members absent when not produced
//!   "exchanges": [ … ],                                  // every request made, discovery included
//!   "ok": true, "error": null
//! }
//! ```
//!
//! `discover --json` prints `{ metadata, source, capabilities, warnings, exchanges, ok, error }`;
//! `introspect` / `revoke` / `userinfo --json` print `{ steps, outcome, exchanges, ok, error }`
//! (`outcome.introspection`, `outcome.revoked`, `outcome.userinfo`); `register` and
//! `client get|update --json` print `{ client: { client_id, client_secret,
//! registration_access_token, registration_client_uri, …metadata }, warnings, exchanges, ok,
//! error }` (`warnings`: members the server sent mistyped, each `{ code, message }`);
//! `client delete --json` prints `{ deleted: true, exchanges, ok, error }`.
//! `doctor TOKEN --json` prints `{ header, claims, findings: [ { severity: "info" | "warning" |
//! "error", code, message, evidence: [[name, value]], reference } ], worst, fail_on, exchanges,
//! ok, error }`; it exits 1 when a finding is at or above `--fail-on` (default `error`).
//! `explain [NAME] --json` prints `{ entries: [ { name, aliases, contexts, purpose, check,
//! without, spec } ], errors: [ { code, vendor, spec, meaning, causes, try } ], ok, error }`,
//! and `suggestions` when nothing matched (exit 1).

/// A line on stdout. A closed pipe (`oauthscope … | head`) ends the output, not the program
/// with a panic, as `println!` would.
macro_rules! say {
    ($($arg:tt)*) => { $crate::cli::output::write_line(&mut std::io::stdout(), format_args!($($arg)*)) };
}

/// A line on stderr (progress, prompts, the exit reason), with the same care.
macro_rules! note {
    ($($arg:tt)*) => { $crate::cli::output::write_line(&mut std::io::stderr(), format_args!($($arg)*)) };
}

/// A prompt on stderr without a line break, flushed so it shows before input is read.
macro_rules! note_inline {
    ($($arg:tt)*) => { $crate::cli::output::write_inline(&mut std::io::stderr(), format_args!($($arg)*)) };
}

mod decode;
mod demo;
mod discover;
mod doctor;
mod explain;
mod keygen;
mod mcp;
pub mod mock_control;
mod output;
mod register;
mod run;
mod token;
mod transcript;

use std::process::ExitCode;

pub use demo::{DemoArgs, demo, list_demo_flows};
pub use keygen::KeygenArgs;
pub use output::OutputArgs;
pub use transcript::TranscriptArgs;

use crate::oauth::client_auth::{AuthMethod, ClientCredentials};
use crate::oauth::discovery::{self, Discovery, Endpoints};
use crate::oauth::dpop::DpopKey;
use crate::oauth::flow::{FlowConfig, FlowKind};
use crate::oauth::keys::{ClientKey, signing_alg};
use crate::oauth::secret::Secret;
use crate::oauth::send_policy::CrossHostConsent;
use crate::oauth::{EngineError, RecordingClient};

/// `oauthscope discover ISSUER`
#[derive(Debug, clap::Args)]
pub struct DiscoverArgs {
    /// The issuer URL (RFC 8414 metadata and OIDC discovery are both read and merged).
    pub issuer: String,
    #[command(flatten)]
    pub endpoints: EndpointArgs,
    #[command(flatten)]
    pub output: OutputArgs,
}

/// Endpoints given by hand, shared by every command that discovers: each overrides what
/// discovery found, and together they describe a server that has no discovery at all.
#[derive(Debug, Clone, Default, clap::Args)]
#[command(next_help_heading = "Endpoints (override discovery)")]
pub struct EndpointArgs {
    #[arg(long, value_name = "URL")]
    pub authorization_endpoint: Option<String>,
    #[arg(long, value_name = "URL")]
    pub token_endpoint: Option<String>,
    #[arg(long, value_name = "URL")]
    pub jwks_uri: Option<String>,
    #[arg(long, value_name = "URL")]
    pub userinfo_endpoint: Option<String>,
    #[arg(long, value_name = "URL")]
    pub device_authorization_endpoint: Option<String>,
    #[arg(long, value_name = "URL")]
    pub introspection_endpoint: Option<String>,
    #[arg(long, value_name = "URL")]
    pub revocation_endpoint: Option<String>,
    /// The pushed authorization request endpoint (RFC 9126).
    #[arg(long, value_name = "URL")]
    pub par_endpoint: Option<String>,
    #[arg(long, value_name = "URL")]
    pub registration_endpoint: Option<String>,
}

impl EndpointArgs {
    /// The endpoints for the engine, each checked to be an http(s) URL.
    fn endpoints(&self) -> Result<Endpoints, String> {
        let endpoints = Endpoints {
            authorization_endpoint: self.authorization_endpoint.clone(),
            token_endpoint: self.token_endpoint.clone(),
            jwks_uri: self.jwks_uri.clone(),
            userinfo_endpoint: self.userinfo_endpoint.clone(),
            device_authorization_endpoint: self.device_authorization_endpoint.clone(),
            introspection_endpoint: self.introspection_endpoint.clone(),
            revocation_endpoint: self.revocation_endpoint.clone(),
            pushed_authorization_request_endpoint: self.par_endpoint.clone(),
            registration_endpoint: self.registration_endpoint.clone(),
        };
        endpoints.check().map_err(|e| e.to_string())?;
        Ok(endpoints)
    }
}

/// Which flow `run` drives.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum FlowName {
    /// Authorization code with PKCE (S256), state and nonce.
    Code,
    /// Pushed authorization request (RFC 9126), then the code flow.
    Par,
    /// Device authorization grant (RFC 8628).
    Device,
    /// Client credentials grant (RFC 6749 §4.4).
    ClientCredentials,
    /// Refresh a token (needs --refresh-token).
    Refresh,
    /// Exchange a token for another (RFC 8693; needs --subject-token).
    TokenExchange,
    /// JWT bearer grant (RFC 7523 §2.1): --assertion JWT, or one signed with --private-key
    /// from --issuer-claim and --subject.
    JwtBearer,
    /// MCP authorization against an MCP server URL: challenge, RFC 9728 metadata,
    /// registration, code flow with `resource`, then initialize and tools/list.
    Mcp,
}

/// The client identity shared by `run`, `introspect`, `revoke`, `userinfo`.
// Secrets, tokens and ids are random text that may start with `-` (base64url): their options
// take such values as they are (`allow_hyphen_values`) instead of failing as unknown flags.
#[derive(Debug, Clone, clap::Args)]
pub struct ClientArgsCommon {
    /// The client's id.
    #[arg(long, allow_hyphen_values = true)]
    pub client_id: Option<String>,
    /// The client's secret (or set OAUTHSCOPE_CLIENT_SECRET).
    #[arg(
        long,
        env = "OAUTHSCOPE_CLIENT_SECRET",
        hide_env_values = true,
        allow_hyphen_values = true
    )]
    pub client_secret: Option<Secret>,
    /// How the client authenticates [default: private_key_jwt with --private-key,
    /// client_secret_basic with a secret, else none].
    #[arg(long, value_parser = AUTH_METHODS)]
    pub auth_method: Option<String>,
    #[command(flatten)]
    pub key: ClientKeyArgs,
    #[command(flatten)]
    pub cross_host: CrossHostArgs,
    #[command(flatten)]
    pub dpop: DpopArgs,
}

/// `--dpop` and `--dpop-key`, for every command that gets or presents a token.
#[derive(Debug, Clone, Default, clap::Args)]
pub struct DpopArgs {
    /// Bind the tokens to a DPoP key (RFC 9449): a proof with every token request and
    /// UserInfo call, the token presented as `Authorization: DPoP`. A new ES256 key is made
    /// for the run unless --dpop-key names one.
    #[arg(long)]
    pub dpop: bool,
    /// The DPoP key: a PEM (PKCS#8) or JWK file with a P-256 private key, created (mode
    /// 0600) when it does not exist, so that a later command can present the tokens it
    /// binds. Implies --dpop.
    #[arg(long, value_name = "FILE")]
    pub dpop_key: Option<std::path::PathBuf>,
}

impl DpopArgs {
    /// The key to sign proofs with, if DPoP was asked for.
    fn key(&self) -> Result<Option<DpopKey>, String> {
        match (&self.dpop_key, self.dpop) {
            (Some(path), _) => DpopKey::load_or_create(path).map(Some),
            (None, true) => DpopKey::generate().map(Some),
            (None, false) => Ok(None),
        }
        .map_err(|e| e.to_string())
    }
}

/// The assertion of the JWT bearer grant (flow `jwt-bearer`): given, or built and signed
/// with `--private-key`.
#[derive(Debug, Clone, Default, clap::Args)]
pub struct GrantAssertionArgs {
    /// The JWT to present (flow `jwt-bearer`).
    #[arg(long, allow_hyphen_values = true, conflicts_with_all = ["issuer_claim", "subject"])]
    pub assertion: Option<Secret>,
    /// The assertion's `iss`: the issuer the server trusts [default: the client id].
    #[arg(long, value_name = "ISS")]
    pub issuer_claim: Option<String>,
    /// The assertion's `sub`: whom the token is for.
    #[arg(long, value_name = "SUB")]
    pub subject: Option<String>,
    /// The assertion's `aud` [default: the token endpoint]. Its own flag: `--audience` is
    /// the token exchange's (RFC 8693), which a command line may give too.
    #[arg(long, value_name = "AUD")]
    pub assertion_audience: Option<String>,
}

/// Every `--auth-method` value.
const AUTH_METHODS: [&str; 5] = [
    "client_secret_basic",
    "client_secret_post",
    "client_secret_jwt",
    "private_key_jwt",
    "none",
];

/// The client's private key, for `private_key_jwt` (and what else it signs).
#[derive(Debug, Clone, Default, clap::Args)]
pub struct ClientKeyArgs {
    /// The client's private key: a PEM (PKCS#8, or PKCS#1 RSA) or a private JWK file
    /// (make one with `oauthscope keygen`).
    #[arg(long, value_name = "FILE")]
    pub private_key: Option<std::path::PathBuf>,
    /// The key id (`kid`) to name in the JWT header [default: the JWK's kid, else the
    /// key's RFC 7638 thumbprint].
    #[arg(long, value_name = "KID", requires = "private_key")]
    pub key_id: Option<String>,
    /// The signature algorithm [default: RS256 for an RSA key, ES256 for P-256, EdDSA for
    /// Ed25519].
    #[arg(long, value_name = "ALG", requires = "private_key", value_parser = ["RS256", "PS256", "ES256", "EdDSA"])]
    pub signing_alg: Option<String>,
}

impl ClientKeyArgs {
    /// The key, when one was given.
    pub fn load(&self) -> Result<Option<ClientKey>, EngineError> {
        let Some(path) = &self.private_key else {
            return Ok(None);
        };
        let alg = self.signing_alg.as_deref().map(signing_alg).transpose()?;
        ClientKey::load(path, self.key_id.as_deref(), alg).map(Some)
    }
}

/// `--allow-cross-host`, for every command that sends credentials or tokens.
#[derive(Debug, Clone, Default, clap::Args)]
pub struct CrossHostArgs {
    /// Send credentials and tokens to endpoints on other hosts than the issuer's (refused
    /// otherwise, RFC 9700 §4.4). Plain http is refused whatever this says.
    #[arg(long)]
    pub allow_cross_host: bool,
}

impl CrossHostArgs {
    fn consent(&self) -> CrossHostConsent {
        if self.allow_cross_host {
            CrossHostConsent::any()
        } else {
            CrossHostConsent::default()
        }
    }
}

impl ClientArgsCommon {
    fn cross_host(&self) -> CrossHostConsent {
        self.cross_host.consent()
    }

    fn credentials(&self) -> Result<Option<ClientCredentials>, EngineError> {
        let Some(client_id) = &self.client_id else {
            return Ok(None);
        };
        let signing_key = self.key.load()?;
        let method = match &self.auth_method {
            Some(m) => m.parse()?,
            None if signing_key.is_some() && self.client_secret.is_none() => {
                AuthMethod::PrivateKeyJwt
            }
            None if self.client_secret.is_some() => AuthMethod::ClientSecretBasic,
            None => AuthMethod::None,
        };
        Ok(Some(ClientCredentials {
            client_id: client_id.clone(),
            client_secret: self.client_secret.clone(),
            auth_method: method,
            signing_key,
        }))
    }
}

/// `oauthscope run FLOW --issuer URL --client-id ID ...`
#[derive(Debug, clap::Args)]
pub struct RunArgs {
    #[arg(value_enum)]
    pub flow: FlowName,
    /// The MCP server's URL (flow `mcp`).
    #[arg(value_name = "URL")]
    pub url: Option<String>,
    /// The authorization server's issuer URL (found from the MCP server for flow `mcp`).
    #[arg(long, required_unless_present = "url")]
    pub issuer: Option<String>,
    /// How flow `mcp` gets a client: `pre` (--client-id), `cimd` (--client-metadata-url),
    /// `dcr` (RFC 7591), or `auto` (the given client, else the metadata document when the
    /// server takes one, else dynamic registration).
    #[arg(long, default_value = "auto", value_parser = ["auto", "pre", "cimd", "dcr"])]
    pub registration: String,
    /// The https URL of the client's metadata document, used as its client_id where the
    /// server supports Client ID Metadata Documents (flow `mcp`).
    #[arg(long, value_name = "URL")]
    pub client_metadata_url: Option<String>,
    /// A tool for flow `mcp` to call with the token after tools/list.
    #[arg(long, value_name = "TOOL")]
    pub call: Option<String>,
    /// The tool's arguments, a JSON object (with --call).
    #[arg(long, value_name = "JSON")]
    pub arguments: Option<String>,
    /// The profile where flow `mcp` keeps the client it registers, per issuer, and reuses
    /// it from [default: the user's profile].
    #[arg(long, value_name = "FILE")]
    pub config: Option<std::path::PathBuf>,
    /// The MCP revision whose authorization rules flow `mcp` follows.
    #[arg(long, default_value = "2026-07-28", value_parser = ["2025-06-18", "2025-11-25", "2026-07-28"])]
    pub spec: String,
    #[command(flatten)]
    pub client: ClientArgsCommon,
    /// Space-separated scopes, e.g. "openid profile".
    #[arg(long)]
    pub scope: Option<String>,
    /// Rich authorization (RFC 9396): a JSON array of objects with a `type`, or @FILE holding
    /// one; sent as `authorization_details` at /authorize (or PAR), or at /token for
    /// client-credentials.
    #[arg(long, value_name = "JSON|@FILE")]
    pub authorization_details: Option<String>,
    /// The client's registered redirect URI. A loopback http URI (port optional) is listened
    /// on; anything else means pasting the URL the browser ends on.
    /// [default: http://127.0.0.1:PORT/callback on an ephemeral PORT]
    #[arg(long)]
    pub redirect_uri: Option<String>,
    /// Paste the redirect URL instead of listening for it.
    #[arg(long)]
    pub paste: bool,
    /// Send the authorization parameters as a request object (RFC 9101), signed with
    /// --private-key (unsigned only when the server lists `none`); flows `code` and `par`.
    #[arg(long)]
    pub request_object: bool,
    /// Do not open a browser; only print the URL (on stderr).
    #[arg(long)]
    pub no_browser: bool,
    /// The refresh token (flow `refresh`).
    #[arg(long, allow_hyphen_values = true)]
    pub refresh_token: Option<Secret>,
    #[command(flatten)]
    pub exchange: TokenExchangeArgs,
    #[command(flatten)]
    pub grant_assertion: GrantAssertionArgs,
    /// Seconds to wait for the browser redirect.
    #[arg(long, default_value_t = 300)]
    pub wait: u64,
    /// Allowed clock skew in seconds when checking token times.
    #[arg(long, default_value_t = 60)]
    pub skew: u64,
    #[command(flatten)]
    pub endpoints: EndpointArgs,
    #[command(flatten)]
    pub transcript: TranscriptArgs,
    #[command(flatten)]
    pub output: OutputArgs,
}

/// What flow `token-exchange` presents and asks for (RFC 8693 §2.1).
#[derive(Debug, Clone, Default, clap::Args)]
#[command(next_help_heading = "Token exchange (flow token-exchange, RFC 8693)")]
pub struct TokenExchangeArgs {
    /// The token to exchange.
    #[arg(long, allow_hyphen_values = true)]
    pub subject_token: Option<Secret>,
    /// Its type.
    #[arg(long, value_name = "URN", default_value = crate::oauth::flow::token_exchange::ACCESS_TOKEN_TYPE)]
    pub subject_token_type: String,
    /// The token of whoever acts for the subject (delegation: the new token names it in `act`).
    #[arg(long, allow_hyphen_values = true)]
    pub actor_token: Option<Secret>,
    /// The actor token's type.
    #[arg(long, value_name = "URN", default_value = crate::oauth::flow::token_exchange::ACCESS_TOKEN_TYPE)]
    pub actor_token_type: String,
    /// Where the new token will be used (repeatable).
    #[arg(long, value_name = "NAME")]
    pub audience: Vec<String>,
    /// The resource the new token is for, a URL (repeatable, RFC 8707).
    #[arg(long, value_name = "URL")]
    pub resource: Vec<String>,
    /// The type of token wanted.
    #[arg(long, value_name = "URN")]
    pub requested_token_type: Option<String>,
}

impl TokenExchangeArgs {
    fn exchange(&self) -> Result<crate::oauth::flow::token_exchange::Exchange, String> {
        let subject = self
            .subject_token
            .clone()
            .ok_or("the token-exchange flow needs --subject-token")?;
        Ok(crate::oauth::flow::token_exchange::Exchange {
            subject_token: subject,
            subject_token_type: self.subject_token_type.clone(),
            actor: self
                .actor_token
                .clone()
                .map(|token| (token, self.actor_token_type.clone())),
            audience: self.audience.clone(),
            resource: self.resource.clone(),
            requested_token_type: self.requested_token_type.clone(),
        })
    }
}

/// The largest `--authorization-details @FILE` read.
const AUTHORIZATION_DETAILS_MAX: u64 = 64 * 1024;

/// `--authorization-details`: the JSON itself or `@FILE`, checked to be JSON; what it says
/// is the server's to judge (RFC 9396 §5), so an explorer can send what it likes.
fn authorization_details(arg: Option<&str>) -> Result<Option<String>, String> {
    let Some(arg) = arg else { return Ok(None) };
    let text = match arg.strip_prefix('@') {
        Some(path) => {
            let file = std::fs::File::open(path)
                .map_err(|e| format!("cannot read --authorization-details {path}: {e}"))?;
            let mut text = String::new();
            std::io::Read::read_to_string(
                &mut std::io::Read::take(file, AUTHORIZATION_DETAILS_MAX + 1),
                &mut text,
            )
            .map_err(|e| format!("cannot read --authorization-details {path}: {e}"))?;
            if text.len() as u64 > AUTHORIZATION_DETAILS_MAX {
                return Err(format!(
                    "--authorization-details {path} is over {AUTHORIZATION_DETAILS_MAX} bytes"
                ));
            }
            text
        }
        None => arg.to_string(),
    };
    let value: serde_json::Value = serde_json::from_str(&text)
        .map_err(|e| format!("--authorization-details is not JSON: {e}"))?;
    // Sent compact: the form parameter is the JSON text (RFC 9396 §2).
    Ok(Some(value.to_string()))
}

/// `oauthscope introspect | revoke | userinfo --issuer URL --token T`
#[derive(Debug, clap::Args)]
pub struct TokenArgs {
    /// The authorization server's issuer URL.
    #[arg(long)]
    pub issuer: String,
    /// The token to introspect, revoke, or present to UserInfo.
    #[arg(long, allow_hyphen_values = true)]
    pub token: Secret,
    /// access_token or refresh_token (introspect, revoke).
    #[arg(long)]
    pub token_type_hint: Option<String>,
    #[command(flatten)]
    pub client: ClientArgsCommon,
    #[command(flatten)]
    pub endpoints: EndpointArgs,
    #[command(flatten)]
    pub output: OutputArgs,
}

/// `oauthscope register --issuer URL [--redirect-uri U]...`
#[derive(Debug, clap::Args)]
pub struct RegisterArgs {
    /// The authorization server's issuer URL.
    #[arg(long)]
    pub issuer: String,
    /// A redirect URI to register (repeat for several).
    #[arg(long = "redirect-uri")]
    pub redirect_uris: Vec<String>,
    /// token_endpoint_auth_method to ask for.
    #[arg(long, value_parser = ["client_secret_basic", "client_secret_post", "none"])]
    pub auth_method: Option<String>,
    /// Space-separated scopes the client may ask for.
    #[arg(long)]
    pub scope: Option<String>,
    /// A grant type to ask for (repeat for several).
    #[arg(long = "grant-type")]
    pub grant_types: Vec<String>,
    /// A human-readable client name.
    #[arg(long)]
    pub client_name: Option<String>,
    #[command(flatten)]
    pub cross_host: CrossHostArgs,
    #[command(flatten)]
    pub endpoints: EndpointArgs,
    #[command(flatten)]
    pub output: OutputArgs,
}

/// `oauthscope client get | update | delete`
#[derive(Debug, clap::Args)]
pub struct ClientArgs {
    #[command(subcommand)]
    pub action: ClientAction,
}

#[derive(Debug, clap::Subcommand)]
pub enum ClientAction {
    /// Read the client's registration (RFC 7592 §2.1).
    Get(ClientTarget),
    /// Replace the client's metadata (RFC 7592 §2.2); unchanged fields are sent back as read.
    Update(ClientTarget),
    /// Delete the client (RFC 7592 §2.3).
    Delete(ClientTarget),
}

#[derive(Debug, clap::Args)]
pub struct ClientTarget {
    /// The registration_client_uri returned at registration.
    #[arg(long)]
    pub registration_client_uri: String,
    /// The registration_access_token returned at registration.
    #[arg(
        long,
        env = "OAUTHSCOPE_REGISTRATION_ACCESS_TOKEN",
        hide_env_values = true,
        allow_hyphen_values = true
    )]
    pub registration_access_token: Secret,
    /// The issuer the client was registered at: the registration access token goes only to
    /// its host (or another with --allow-cross-host). Without it, only plain http off
    /// loopback is refused.
    #[arg(long)]
    pub issuer: Option<String>,
    #[command(flatten)]
    pub cross_host: CrossHostArgs,
    /// New redirect URIs (update; repeat for several).
    #[arg(long = "redirect-uri")]
    pub redirect_uris: Vec<String>,
    #[command(flatten)]
    pub output: OutputArgs,
}

/// `oauthscope decode JWT [--issuer URL | --jwks URL-or-FILE | --secret S]`
#[derive(Debug, clap::Args)]
pub struct DecodeArgs {
    /// The token (`-` reads it from stdin).
    pub jwt: Secret,
    /// Verify with this issuer's keys (discovered jwks_uri) and expect it as `iss`.
    #[arg(long, group = "key")]
    pub issuer: Option<String>,
    /// Verify with this JWKS: an http(s) URL or a file (a JWK Set or a single JWK).
    #[arg(long, group = "key")]
    pub jwks: Option<String>,
    /// Verify an HS256/384/512 token with this shared secret (or set OAUTHSCOPE_JWT_SECRET).
    #[arg(
        long,
        group = "key",
        env = "OAUTHSCOPE_JWT_SECRET",
        hide_env_values = true,
        allow_hyphen_values = true
    )]
    pub secret: Option<Secret>,
    /// Expected `aud` (and `azp`, for ID tokens).
    #[arg(long, allow_hyphen_values = true)]
    pub audience: Option<String>,
    /// Expected `nonce`.
    #[arg(long, allow_hyphen_values = true)]
    pub nonce: Option<String>,
    /// Expected `iss` (defaults to --issuer).
    #[arg(long)]
    pub expect_issuer: Option<String>,
    /// The access token issued with this ID token, to check `at_hash`.
    #[arg(long, allow_hyphen_values = true)]
    pub access_token: Option<Secret>,
    /// Allowed clock skew in seconds for exp, nbf and iat.
    #[arg(long, default_value_t = 60)]
    pub skew: u64,
    #[command(flatten)]
    pub endpoints: EndpointArgs,
    #[command(flatten)]
    pub output: OutputArgs,
}

/// `oauthscope doctor TOKEN [--issuer URL] [--fail-on LEVEL]`
#[derive(Debug, clap::Args)]
pub struct DoctorArgs {
    /// The token (`-` reads it from stdin).
    pub token: Secret,
    /// Check the token against this issuer's metadata and published keys.
    #[arg(long)]
    pub issuer: Option<String>,
    /// The API the token must be for (its `aud`).
    #[arg(long, allow_hyphen_values = true)]
    pub audience: Option<String>,
    /// What the token is being used as, to catch one used as the other.
    #[arg(long = "as", value_enum, value_name = "USE")]
    pub token_use: Option<TokenUseArg>,
    /// Allowed clock skew in seconds before `iat` counts as in the future.
    #[arg(long, default_value_t = 60)]
    pub skew: u64,
    /// Exit 1 on any finding at or above this severity: info, warning or error.
    #[arg(long, default_value = "error", value_name = "LEVEL")]
    pub fail_on: crate::oauth::doctor::Severity,
    #[command(flatten)]
    pub endpoints: EndpointArgs,
    #[command(flatten)]
    pub output: OutputArgs,
}

/// `doctor --as`: an access token or an ID token.
#[derive(Debug, Clone, Copy, clap::ValueEnum)]
pub enum TokenUseArg {
    Access,
    Id,
}

/// `oauthscope explain [NAME] [--as CONTEXT]`
#[derive(Debug, clap::Args)]
pub struct ExplainArgs {
    /// A parameter, response field, claim, header or error code (`state`, `at_hash`,
    /// `invalid_grant`, `AADSTS50011`), or a pasted error message. Without it, lists them all.
    pub name: Option<String>,
    /// Only the meaning in this context (the same name can be a parameter and a claim).
    #[arg(long = "as", value_enum, value_name = "CONTEXT")]
    pub context: Option<crate::explain::Context>,
    /// Print one JSON document on stdout instead of text.
    #[arg(long)]
    pub json: bool,
}

pub fn explain(args: ExplainArgs) -> ExitCode {
    explain::run(args)
}
pub fn keygen(args: KeygenArgs) -> ExitCode {
    keygen::run(args)
}
pub async fn discover(args: DiscoverArgs) -> ExitCode {
    discover::run(args).await
}
pub async fn run_flow(args: RunArgs) -> ExitCode {
    run::run(args).await
}
pub async fn introspect(args: TokenArgs) -> ExitCode {
    token::run(token::TokenCommand::Introspect, args).await
}
pub async fn revoke(args: TokenArgs) -> ExitCode {
    token::run(token::TokenCommand::Revoke, args).await
}
pub async fn userinfo(args: TokenArgs) -> ExitCode {
    token::run(token::TokenCommand::Userinfo, args).await
}
pub async fn register(args: RegisterArgs) -> ExitCode {
    register::register(args).await
}
pub async fn client(args: ClientArgs) -> ExitCode {
    register::client(args).await
}
pub async fn decode(args: DecodeArgs) -> ExitCode {
    decode::run(args).await
}
pub async fn doctor(args: DoctorArgs) -> ExitCode {
    doctor::run(args).await
}

/// A recording client with default limits; the error is already one line.
fn http_client() -> Result<RecordingClient, String> {
    RecordingClient::new().map_err(|e| e.to_string())
}

/// Discovers `issuer`, with the endpoints given by hand over what it says. When the server
/// has no metadata at all, the error says how to describe it by hand.
async fn discover_quietly(
    http: &RecordingClient,
    issuer: &str,
    given: &EndpointArgs,
) -> Result<Discovery, String> {
    let endpoints = given.endpoints()?;
    discovery::discover_with(http, issuer, &endpoints)
        .await
        .map_err(|e| match e {
            EngineError::Transport(_) if endpoints.is_empty() => format!(
                "{e}; for a server without discovery, give its endpoints by hand ({})",
                discovery::ENDPOINT_FLAGS.map(|(_, flag)| flag).join(", ")
            ),
            e => e.to_string(),
        })
}

/// Discovers `issuer` for a command that runs no flow, printing the warnings that concern it.
async fn discover_server(
    http: &RecordingClient,
    issuer: &str,
    given: &EndpointArgs,
) -> Result<Discovery, String> {
    discover_for(http, issuer, None, given).await
}

/// Discovers `issuer` (with the endpoints given by hand over what it says), printing on
/// stderr the warnings that concern `flow` (they matter, but are not the result): those
/// about the authorization response only for the flows that get one. The JSON document
/// keeps them all.
async fn discover_for(
    http: &RecordingClient,
    issuer: &str,
    flow: Option<FlowKind>,
    given: &EndpointArgs,
) -> Result<Discovery, String> {
    let found = discover_quietly(http, issuer, given).await?;
    note_warnings(&found, flow);
    Ok(found)
}

/// Prints on stderr the discovery warnings that concern `flow`.
fn note_warnings(found: &Discovery, flow: Option<FlowKind>) {
    // Without a flow, judge as a flow with no authorization leg would.
    let kind = flow.unwrap_or(FlowKind::ClientCredentials);
    for warning in found.warnings.iter().filter(|w| kind.concerns(w.code)) {
        note!(
            "warning: {}",
            crate::terminal_text::one_line(&warning.message)
        );
    }
}

/// The flow configuration from the discovered server and the client arguments.
fn flow_config(
    found: &Discovery,
    client: Option<ClientCredentials>,
    scope: Option<String>,
) -> FlowConfig {
    let client = client.unwrap_or_else(|| ClientCredentials::public(""));
    let mut config = FlowConfig::new(found.metadata.clone(), client);
    config.scope = scope;
    config
}

#[cfg(test)]
mod tests {
    use clap::{Args, FromArgMatches};

    use super::*;

    fn parse<A: Args + FromArgMatches>(argv: &[&str]) -> A {
        let matches = A::augment_args(clap::Command::new("oauthscope"))
            .try_get_matches_from(argv)
            .unwrap();
        A::from_arg_matches(&matches).unwrap()
    }

    const SECRET: &str = "Zq-9secret-value";

    #[test]
    fn debug_of_the_commands_arguments_shows_no_secret() {
        let shown = [
            format!(
                "{:?}",
                parse::<RunArgs>(&[
                    "t",
                    "refresh",
                    "--issuer",
                    "http://127.0.0.1",
                    "--client-secret",
                    SECRET,
                    "--refresh-token",
                    SECRET
                ])
            ),
            format!(
                "{:?}",
                parse::<TokenArgs>(&["t", "--issuer", "http://127.0.0.1", "--token", SECRET])
            ),
            format!(
                "{:?}",
                parse::<ClientTarget>(&[
                    "t",
                    "--registration-client-uri",
                    "http://127.0.0.1/r/c",
                    "--registration-access-token",
                    SECRET
                ])
            ),
            format!(
                "{:?}",
                parse::<DecodeArgs>(&["t", SECRET, "--secret", SECRET, "--access-token", SECRET])
            ),
        ];
        for text in shown {
            assert!(text.contains("[redacted]"), "{text}");
            assert!(!text.contains(SECRET), "{text}");
        }
    }
}
