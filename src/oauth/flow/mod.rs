//! Every flow as an explicit state machine over visible [`Step`]s.
//!
//! A [`Flow`] holds one step per stage. The current step's request is built as a
//! [`RequestDraft`] as soon as the step becomes current, so the user can read and edit it
//! ([`Flow::draft_mut`]) before [`Flow::advance`] sends it, records the [`Exchange`] on the step
//! and processes the response. Each step is the pair *build request → process response*; the
//! pairs live in one file per flow (`authorization_code`, `par`, `device`, `refresh`,
//! `client_credentials`, `introspect`, `revoke`, `userinfo`) as plain functions that callers
//! may also use on their own.
//!
//! The browser leg is the caller's: `advance` on the authorization step returns
//! [`Advance::Browser`] with the URL; the caller opens it (see [`crate::oauth::browser`]),
//! gets the redirect URL from a [`crate::oauth::redirect::LoopbackListener`] or the user's
//! paste, and hands it to [`Flow::complete_redirect`], which checks `iss`, `state` and errors.
//! The device flow's poll step returns [`Advance::Poll`] with how long to wait before the next
//! `advance`. Nothing here touches a terminal.
//!
//! Requests are built here rather than by the `oauth2` crate's request builders because those
//! build and send in one call: an explorer must show and let the user edit each request first.
//! The crate remains usable over the same recording client (it implements
//! `oauth2::AsyncHttpClient`).
//!
//! What a step sends is what is checked: `state` and `nonce` are read back from the request as
//! sent, so a user who edits them sees the check that follows fail or pass accordingly.

pub mod authorization_code;
pub mod client_credentials;
pub mod device;
pub mod introspect;
pub mod jwt_bearer;
pub mod mcp;
pub mod mcp_prelude;
pub mod par;
pub mod refresh;
pub mod revoke;
pub mod token_exchange;
pub mod tokens;
pub mod userinfo;

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use serde::Serialize;

use crate::oauth::client_auth::{AuthMethod, ClientCredentials};
use crate::oauth::dpop::{self, DpopKey};
use crate::oauth::error::EngineError;
use crate::oauth::exchange::Exchange;
use crate::oauth::http::RecordingClient;
use crate::oauth::jwks::KeyStore;
use crate::oauth::pkce::{Pkce, PkceMethod, random_token};
use crate::oauth::redirect::{
    AuthorizationResponse, ExpectedResponse, ISS_ADVERTISED, check_authorization_response,
    parse_redirect_url,
};
use crate::oauth::request_object;
use crate::oauth::secret::Secret;
use crate::oauth::send_policy::{self, CrossHostConsent, SendRefusal};
use crate::oauth::step::{RequestDraft, Step, StepStatus};
// The stages of a flow are the public kinds of its steps; what each one builds, sends and
// explains lives here, beside the stepper.
use crate::oauth::step::StepKind as Stage;
use crate::oauth::time;
use crate::wire::{
    AUTHORIZATION_DETAILS, DeviceAuthorizationResponse, ServerMetadata, TokenResponse,
};

use self::authorization_code::AuthorizationSent;
use self::device::PollOutcome;
use self::refresh::Rotation;
use self::tokens::{DecodedToken, DpopBinding};

/// What a flow runs against and as whom.
#[derive(Debug, Clone)]
pub struct FlowConfig {
    pub metadata: ServerMetadata,
    pub client: ClientCredentials,
    pub scope: Option<String>,
    /// The redirect URI registered for the client (code and PAR flows).
    pub redirect_uri: Option<String>,
    /// PKCE method; `None` sends no PKCE (to see how a server reacts).
    pub pkce: Option<PkceMethod>,
    /// Clock skew allowed when checking token times.
    pub skew: Duration,
    /// Hosts other than the issuer's that may receive credentials ([`send_policy`]).
    pub cross_host: CrossHostConsent,
    /// Why the authorization response must carry `iss` even when the server does not
    /// advertise it (RFC 9207), if a profile the client follows says so (MCP 2026-07-28).
    pub require_iss: Option<&'static str>,
    /// The key that signs DPoP proofs (RFC 9449) for the token endpoint and resource calls;
    /// `None` presents tokens as Bearer.
    pub dpop: Option<DpopKey>,
    /// Rich authorization (RFC 9396): the JSON array sent as `authorization_details` at the
    /// authorization request (or PAR), or at the token request of client credentials.
    pub authorization_details: Option<String>,
    /// Send the authorization parameters as a request object (RFC 9101).
    pub request_object: bool,
}

impl FlowConfig {
    pub fn new(metadata: ServerMetadata, client: ClientCredentials) -> Self {
        FlowConfig {
            metadata,
            client,
            scope: None,
            redirect_uri: None,
            pkce: Some(PkceMethod::S256),
            skew: Duration::from_secs(60),
            cross_host: CrossHostConsent::default(),
            require_iss: None,
            dpop: None,
            authorization_details: None,
            request_object: false,
        }
    }

    fn endpoint<'a>(&self, name: &str, value: &'a Option<String>) -> Result<&'a str, EngineError> {
        value.as_deref().ok_or_else(|| {
            let flag = super::discovery::endpoint_flag(name).unwrap_or("an endpoint flag");
            EngineError::config(format!(
                "the server {} has no {name} (not in its metadata); give it by hand: \
                 {flag} URL on the command line, or e on the server in the terminal app",
                self.metadata.issuer
            ))
        })
    }

    /// A POST that carries a token to an endpoint where the client authenticates:
    /// introspection (RFC 7662 §2.1) and revocation (RFC 7009 §2.1) share this shape.
    fn token_request(
        &self,
        name: &str,
        endpoint: &Option<String>,
        token: &str,
        token_type_hint: Option<&str>,
    ) -> Result<RequestDraft, EngineError> {
        let mut draft = RequestDraft::new("POST", self.endpoint(name, endpoint)?);
        draft.set_param("token", token);
        if let Some(hint) = token_type_hint {
            draft.set_param("token_type_hint", hint);
        }
        self.client.apply(&mut draft, &self.metadata.issuer)?;
        Ok(draft)
    }

    fn wants_openid(&self) -> bool {
        self.scope
            .as_deref()
            .is_some_and(|s| s.split(' ').any(|x| x == "openid"))
    }
}

/// The values a flow generates and learns. Each is a [`Secret`], so `Debug` redacts them.
#[derive(Debug, Clone, Default, Serialize)]
pub struct FlowSecrets {
    pub state: Option<Secret>,
    pub nonce: Option<Secret>,
    pub pkce: Option<Pkce>,
    pub request_uri: Option<String>,
    pub code: Option<Secret>,
    pub device_code: Option<Secret>,
    /// The token an introspect / revoke / userinfo / refresh flow works on.
    pub subject_token: Option<Secret>,
    /// What the authorization request sent that the token request repeats.
    pub sent: AuthorizationSent,
    /// What a token exchange presents and asks for (RFC 8693).
    #[serde(skip)]
    pub exchange: Option<token_exchange::Exchange>,
}

/// Which flow this is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum FlowKind {
    AuthorizationCode,
    Par,
    Device,
    Refresh,
    ClientCredentials,
    JwtBearer,
    Introspect,
    Revoke,
    Userinfo,
    TokenExchange,
}

/// Discovery warnings about the authorization request and its response (PKCE, RFC 9207
/// `iss`): they matter only to the flows that send the user to the authorization endpoint.
const AUTHORIZATION_LEG_WARNINGS: &[&str] = &["no_iss_parameter", "pkce_not_advertised", "no_s256"];

impl FlowKind {
    /// True for the flows with an authorization request and response (code, PAR).
    pub fn has_authorization_leg(self) -> bool {
        matches!(self, FlowKind::AuthorizationCode | FlowKind::Par)
    }

    /// Whether the discovery warning `code` concerns this flow.
    pub fn concerns(self, code: &str) -> bool {
        self.has_authorization_leg() || !AUTHORIZATION_LEG_WARNINGS.contains(&code)
    }
}

/// What a flow produced so far. Tokens are in clear here: masking is the view's job.
#[derive(Debug, Clone, Default, Serialize)]
pub struct FlowOutcome {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub authorization_url: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub authorization_response: Option<AuthorizationResponse>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub device: Option<DeviceAuthorizationResponse>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tokens: Option<TokenResponse>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id_token: Option<DecodedToken>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub access_token: Option<DecodedToken>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rotation: Option<Rotation>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub introspection: Option<serde_json::Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub userinfo: Option<serde_json::Value>,
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub revoked: bool,
    /// Things worth knowing that are not failures.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub notes: Vec<String>,
    /// The tools an MCP server listed with the token (MCP "Tools").
    #[serde(skip_serializing_if = "Option::is_none")]
    pub mcp_tools: Option<Vec<String>>,
    /// Whether the tokens came bound to the client's DPoP key (RFC 9449 §5, §6).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub dpop: Option<DpopBinding>,
    /// The rich authorization the server granted, from the token response (RFC 9396 §7).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub authorization_details: Option<serde_json::Value>,
    /// What the last `tools/call` answered.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub mcp_call: Option<mcp::ToolAnswer>,
}

/// What the caller does next.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Advance {
    /// The next step is ready: its draft can be read and edited, then `advance` again.
    Next,
    /// Open `url` in a browser, then call [`Flow::complete_redirect`] with where it ended.
    Browser { url: String },
    /// Device flow: the user has not approved yet; `advance` again after `wait`.
    Poll { wait: Duration },
    /// Every step is done.
    Finished,
}

impl Stage {
    /// A new step of this kind: its title and why it exists, with the sections it follows.
    pub fn step(self) -> Step {
        let (title, explanation) = match self {
            Stage::PushAuthorization => (
                "Push the authorization request",
                "The client POSTs the authorization parameters to the server with its \
                 credentials and gets a short-lived request_uri back, so the parameters never \
                 travel through the browser (RFC 9126 §2).",
            ),
            Stage::Authorize => (
                "Send the user to the authorization endpoint",
                "The browser carries the request to the server, where the user signs in and \
                 consents; the server redirects back with a code, the state and iss, which the \
                 client checks (RFC 6749 §4.1.1–4.1.2, RFC 7636 §4.3, RFC 9207).",
            ),
            Stage::ExchangeCode => (
                "Exchange the code for tokens",
                "The client trades the one-time code and the PKCE verifier for tokens at the \
                 token endpoint (RFC 6749 §4.1.3, RFC 7636 §4.5).",
            ),
            Stage::DeviceAuthorize => (
                "Ask for a device code",
                "The device asks the server for a user code and a verification URI to show \
                 the user (RFC 8628 §3.1–3.2).",
            ),
            Stage::PollDevice => (
                "Poll the token endpoint",
                "While the user approves on another device, the client polls at the interval \
                 the server gave, 5 s slower after each slow_down, until approval, denial or \
                 expiry (RFC 8628 §3.4–3.5).",
            ),
            Stage::RefreshToken => (
                "Refresh the tokens",
                "The client presents its refresh token for fresh tokens; a server that rotates \
                 refresh tokens returns a new one and retires the old (RFC 6749 §6, RFC 9700 \
                 §4.14.2).",
            ),
            Stage::JwtBearer => (
                "Trade the assertion for a token",
                "The client presents a JWT that an issuer the server trusts signed about a \
                 subject, and gets an access token for that subject (RFC 7523 §2.1). The \
                 server checks its signature, iss, aud, exp and jti (RFC 7523 §3).",
            ),
            Stage::ClientCredentials => (
                "Get a token as the client",
                "A confidential client authenticates and gets a token for itself, no user \
                 involved (RFC 6749 §4.4).",
            ),
            Stage::Introspect => (
                "Introspect the token",
                "The client asks the server whether the token is active and what it carries \
                 (RFC 7662 §2).",
            ),
            Stage::Revoke => (
                "Revoke the token",
                "The client tells the server the token is no longer needed; 200 even for an \
                 unknown token (RFC 7009 §2).",
            ),
            Stage::Userinfo => (
                "Fetch the user's claims",
                "The client presents the access token to the UserInfo endpoint (OIDC Core \
                 §5.3).",
            ),
            Stage::VerifyTokens => (
                "Verify the tokens",
                "The client fetches the server's keys from jwks_uri and checks the ID token's \
                 signature, then iss, aud, azp, exp, iat, nonce and at_hash (OIDC Core \
                 §3.1.3.7); a JWT access token gets its signature, iss and times checked \
                 (RFC 9068).",
            ),
            Stage::McpUnauthenticated => (
                "Call the MCP server without a token",
                "The client sends initialize over Streamable HTTP; a protected server answers \
                 401 with a Bearer challenge naming its resource_metadata and the scope it \
                 needs (MCP 2025-11-25 Authorization, RFC 9728 §5.1, RFC 6750 §3).",
            ),
            Stage::ResourceMetadata => (
                "Fetch the protected resource metadata",
                "The client reads the server's RFC 9728 document from the challenge's URL, else \
                 the well-known URI with the server's path inserted, then at the root; its \
                 resource must be the server's URL and it names the authorization servers \
                 (RFC 9728 §3, §3.3).",
            ),
            Stage::ServerMetadata => (
                "Fetch the authorization server metadata",
                "The client tries the authorization server's metadata URLs in the order the MCP \
                 revision lists (RFC 8414, then OpenID Connect Discovery with the issuer's \
                 path inserted, then appended), stops at the first that answers, and refuses \
                 the server unless PKCE with S256 is advertised (MCP 2025-11-25 Authorization \
                 Server Metadata Discovery, Authorization Code Protection).",
            ),
            Stage::Register => (
                "Register the client",
                "The client uses a pre-registered client id, else the URL of its Client ID \
                 Metadata Document when the server advertises \
                 client_id_metadata_document_supported, else registers itself dynamically \
                 (MCP 2025-11-25 Client Registration Approaches, RFC 7591 §3).",
            ),
            Stage::McpInitialize => (
                "Initialize with the token",
                "The client repeats initialize with Authorization: Bearer; the server checks \
                 that the token was issued for it (MCP 2025-11-25 Token Requirements, RFC 8707 \
                 §2, RFC 9068 §4).",
            ),
            Stage::McpListTools => (
                "List the tools",
                "With the session initialized, tools/list shows what the token may use (MCP \
                 2025-11-25 Tools).",
            ),
            Stage::McpCallTool => (
                "Call the tool",
                "The client calls the tool asked for with tools/call and the token; a tool that \
                 needs more than the token allows is where 403 insufficient_scope typically \
                 appears (MCP 2025-11-25 Tools, Scope Challenge Handling).",
            ),
            Stage::TokenExchange => (
                "Exchange the token",
                "The client presents the subject token (and an actor token, to act for the \
                 subject) at the token endpoint and gets a new token for the audience, \
                 resource and scope it asks; the answer names the issued_token_type (RFC 8693 \
                 §2.1, §2.2).",
            ),
            Stage::DpopNonce => (
                "The server asks for a DPoP nonce",
                "The server refused the proof with use_dpop_nonce and sent a nonce in the \
                 DPoP-Nonce header; the client signs a new proof with that nonce and sends the \
                 request once more, once only (RFC 9449 §8, §9).",
            ),
            Stage::McpStepUp => (
                "Step up the authorization",
                "The server answered 403 insufficient_scope naming the scope it needs: the \
                 client authorizes again asking for that scope too, a bounded number of times, \
                 then repeats the call with the new token (MCP 2025-11-25 Scope Challenge \
                 Handling, RFC 6750 §3.1).",
            ),
        };
        Step::new(self, title, explanation)
    }
}

/// The verify step's explanation when only an access token came (client credentials, or a
/// code flow without openid): the ID token checks do not apply.
const VERIFY_ACCESS_TOKEN_ONLY: &str = "The client fetches the server's keys from jwks_uri \
     and checks the JWT access token's signature, iss and times (RFC 9068 §4); no ID token \
     came, so there is no nonce or at_hash to check.";

impl Stage {
    /// Whether the stage's request carries a DPoP proof when the flow has a key: the token
    /// requests and the resource calls (RFC 9449 §5, §7).
    fn proves_possession(self) -> bool {
        matches!(
            self,
            Stage::ExchangeCode
                | Stage::PollDevice
                | Stage::RefreshToken
                | Stage::ClientCredentials
                | Stage::TokenExchange
        ) || self.presents_token()
    }

    /// Whether the stage presents an access token to a resource (its proof carries `ath`).
    fn presents_token(self) -> bool {
        matches!(
            self,
            Stage::Userinfo | Stage::McpInitialize | Stage::McpListTools | Stage::McpCallTool
        )
    }

    /// The MCP flow's discovery and registration, which its caller runs ([`mcp_prelude`])
    /// before the code flow, and which are shown among its steps.
    pub fn runs_before_the_flow(self) -> bool {
        matches!(
            self,
            Stage::McpUnauthenticated
                | Stage::ResourceMetadata
                | Stage::ServerMetadata
                | Stage::Register
        )
    }

    /// The endpoint the stage's request goes to, in words, for the send policy's refusal.
    fn endpoint_name(self) -> &'static str {
        match self {
            Stage::PushAuthorization => "the pushed authorization request endpoint",
            Stage::Authorize => "the authorization endpoint",
            Stage::ExchangeCode
            | Stage::PollDevice
            | Stage::RefreshToken
            | Stage::ClientCredentials
            | Stage::TokenExchange
            | Stage::JwtBearer => "the token endpoint",
            Stage::DeviceAuthorize => "the device authorization endpoint",
            Stage::Introspect => "the introspection endpoint",
            Stage::Revoke => "the revocation endpoint",
            Stage::Userinfo => "the UserInfo endpoint",
            Stage::VerifyTokens => "the JWKS endpoint",
            Stage::McpUnauthenticated
            | Stage::McpInitialize
            | Stage::McpListTools
            | Stage::McpCallTool
            | Stage::McpStepUp => "the MCP server",
            Stage::ResourceMetadata => "the protected resource metadata",
            Stage::ServerMetadata => "the authorization server metadata",
            Stage::Register => "the registration endpoint",
            Stage::DpopNonce => "the server that asked for a nonce",
        }
    }
}

/// A request as it went out with its proof, and the attempt a nonce demand refused.
struct Sent {
    exchange: Exchange,
    proof: Option<DecodedToken>,
    refused: Option<Step>,
}

/// The origin a DPoP nonce belongs to (RFC 9449 §8, §9: each server hands out its own).
fn origin_of(url: &str) -> String {
    url::Url::parse(url).map_or_else(|_| url.to_string(), |u| u.origin().ascii_serialization())
}

#[derive(Debug, Clone)]
struct Polling {
    interval: Duration,
    deadline: Option<Instant>,
    count: u32,
}

/// One run of one flow.
#[derive(Debug, Clone)]
pub struct Flow {
    kind: FlowKind,
    config: FlowConfig,
    stages: Vec<Stage>,
    steps: Vec<Step>,
    cursor: usize,
    secrets: FlowSecrets,
    outcome: FlowOutcome,
    polling: Polling,
    previous: Option<TokenResponse>,
    /// The MCP server the token is for, when the flow goes on to call it.
    mcp: Option<mcp::McpServer>,
    /// The last nonce each server (by origin) gave for DPoP proofs: an authorization server's
    /// and a resource server's are their own (RFC 9449 §8, §9).
    dpop_nonces: BTreeMap<String, String>,
}

impl Flow {
    /// Authorization code + PKCE, with fresh state, nonce (scope openid) and verifier.
    pub fn authorization_code(config: FlowConfig) -> Result<Self, EngineError> {
        let secrets = Self::front_channel_secrets(&config)?;
        Self::start(
            FlowKind::AuthorizationCode,
            config,
            vec![Stage::Authorize, Stage::ExchangeCode],
            secrets,
        )
    }

    /// PAR + authorization code: the parameters are pushed first (RFC 9126).
    pub fn par(config: FlowConfig) -> Result<Self, EngineError> {
        let secrets = Self::front_channel_secrets(&config)?;
        Self::start(
            FlowKind::Par,
            config,
            vec![
                Stage::PushAuthorization,
                Stage::Authorize,
                Stage::ExchangeCode,
            ],
            secrets,
        )
    }

    /// Only the token request of the code flow, for a code obtained elsewhere (an MCP tool,
    /// a pasted code): the verifier and nonce are those of the original authorization request.
    pub fn exchange_code(
        config: FlowConfig,
        code: &str,
        code_verifier: Option<&str>,
        nonce: Option<&str>,
    ) -> Result<Self, EngineError> {
        let method = config.pkce.unwrap_or_default();
        let secrets = FlowSecrets {
            code: Some(code.into()),
            pkce: code_verifier.map(|v| Pkce::from_verifier(v.into(), method)),
            nonce: nonce.map(Secret::from),
            sent: AuthorizationSent::new(config.redirect_uri.as_deref(), code_verifier),
            ..FlowSecrets::default()
        };
        Self::start(
            FlowKind::AuthorizationCode,
            config,
            vec![Stage::ExchangeCode],
            secrets,
        )
    }

    /// The device authorization grant.
    pub fn device(config: FlowConfig) -> Result<Self, EngineError> {
        Self::start(
            FlowKind::Device,
            config,
            vec![Stage::DeviceAuthorize, Stage::PollDevice],
            FlowSecrets::default(),
        )
    }

    /// A refresh. `previous` (the tokens being refreshed) lets the outcome show a claims diff.
    pub fn refresh(
        config: FlowConfig,
        refresh_token: &str,
        previous: Option<TokenResponse>,
    ) -> Result<Self, EngineError> {
        let mut flow = Self::start(
            FlowKind::Refresh,
            config,
            vec![Stage::RefreshToken],
            Self::subject(refresh_token),
        )?;
        flow.previous = previous;
        Ok(flow)
    }

    /// A token exchange (RFC 8693) of what `exchange` presents.
    pub fn token_exchange(
        config: FlowConfig,
        exchange: token_exchange::Exchange,
    ) -> Result<Self, EngineError> {
        Self::start(
            FlowKind::TokenExchange,
            config,
            vec![Stage::TokenExchange],
            FlowSecrets {
                exchange: Some(exchange),
                ..FlowSecrets::default()
            },
        )
    }

    /// The JWT bearer grant with `assertion` (RFC 7523 §2.1).
    pub fn jwt_bearer(config: FlowConfig, assertion: &str) -> Result<Self, EngineError> {
        Self::start(
            FlowKind::JwtBearer,
            config,
            vec![Stage::JwtBearer],
            Self::subject(assertion),
        )
    }

    pub fn client_credentials(config: FlowConfig) -> Result<Self, EngineError> {
        Self::start(
            FlowKind::ClientCredentials,
            config,
            vec![Stage::ClientCredentials],
            FlowSecrets::default(),
        )
    }

    /// Introspection of `token`; `token_type_hint` is `access_token` or `refresh_token`.
    pub fn introspect(
        config: FlowConfig,
        token: &str,
        token_type_hint: Option<&str>,
    ) -> Result<Self, EngineError> {
        let mut flow = Self::start(
            FlowKind::Introspect,
            config,
            vec![Stage::Introspect],
            Self::subject(token),
        )?;
        flow.set_hint(token_type_hint);
        Ok(flow)
    }

    pub fn revoke(
        config: FlowConfig,
        token: &str,
        token_type_hint: Option<&str>,
    ) -> Result<Self, EngineError> {
        let mut flow = Self::start(
            FlowKind::Revoke,
            config,
            vec![Stage::Revoke],
            Self::subject(token),
        )?;
        flow.set_hint(token_type_hint);
        Ok(flow)
    }

    pub fn userinfo(config: FlowConfig, access_token: &str) -> Result<Self, EngineError> {
        Self::start(
            FlowKind::Userinfo,
            config,
            vec![Stage::Userinfo],
            Self::subject(access_token),
        )
    }

    /// Says on the UserInfo step that the token it presents was issued as `token_type`, when
    /// that is not Bearer. The step still sends it as Bearer, the only scheme UserInfo
    /// defines for this client (OIDC Core §5.3.1): the user chose to present this token, and
    /// an explorer shows how the server reacts rather than guessing for it.
    pub fn presenting_token_type(&mut self, token_type: &str) {
        if self.config.dpop.is_some() {
            // Presented with the DPoP scheme and a proof, whatever it was issued as.
            return;
        }
        let Some(warning) = tokens::token_type_warning(token_type) else {
            return;
        };
        if self.kind == FlowKind::Userinfo
            && let Some(i) = self.current()
        {
            self.steps[i]
                .warnings
                .push(format!("sent as Bearer all the same: {warning}"));
        }
    }

    fn subject(token: &str) -> FlowSecrets {
        FlowSecrets {
            subject_token: Some(token.into()),
            ..FlowSecrets::default()
        }
    }

    fn set_hint(&mut self, hint: Option<&str>) {
        if let (Some(hint), Some(draft)) = (hint, self.draft_mut()) {
            draft.set_param("token_type_hint", hint);
        }
    }

    fn front_channel_secrets(config: &FlowConfig) -> Result<FlowSecrets, EngineError> {
        Ok(FlowSecrets {
            state: Some(random_token(16)?.into()),
            nonce: if config.wants_openid() {
                Some(random_token(16)?.into())
            } else {
                None
            },
            pkce: config.pkce.map(Pkce::generate).transpose()?,
            ..FlowSecrets::default()
        })
    }

    fn start(
        kind: FlowKind,
        config: FlowConfig,
        stages: Vec<Stage>,
        secrets: FlowSecrets,
    ) -> Result<Self, EngineError> {
        let steps = stages.iter().map(|s| s.step()).collect();
        let mut flow = Flow::assemble(kind, config, stages, steps, secrets);
        flow.prepare_current()?;
        Ok(flow)
    }

    pub fn kind(&self) -> FlowKind {
        self.kind
    }

    pub fn config(&self) -> &FlowConfig {
        &self.config
    }

    /// The MCP server the flow calls after its code flow, if it does.
    pub fn mcp_server(&self) -> Option<&mcp::McpServer> {
        self.mcp.as_ref()
    }

    pub fn steps(&self) -> &[Step] {
        &self.steps
    }

    /// The index of the step `advance` works on, or `None` when the flow is over.
    pub fn current(&self) -> Option<usize> {
        (self.cursor < self.steps.len() && !self.is_failed()).then_some(self.cursor)
    }

    /// The current step's request, to edit before it is sent.
    pub fn draft_mut(&mut self) -> Option<&mut RequestDraft> {
        let i = self.current()?;
        self.steps[i].request.as_mut()
    }

    pub fn outcome(&self) -> &FlowOutcome {
        &self.outcome
    }

    /// The generated and learned values (PKCE verifier, state, nonce, code...).
    pub fn secrets(&self) -> &FlowSecrets {
        &self.secrets
    }

    pub fn is_finished(&self) -> bool {
        self.cursor >= self.steps.len()
    }

    pub fn is_failed(&self) -> bool {
        self.failure().is_some()
    }

    /// Why the flow stopped, when a step failed.
    pub fn failure(&self) -> Option<&str> {
        self.steps.iter().find_map(|s| match &s.status {
            StepStatus::Failed(reason) => Some(reason.as_str()),
            _ => None,
        })
    }

    /// Every exchange the steps made, in order.
    pub fn exchanges(&self) -> Vec<&Exchange> {
        self.steps
            .iter()
            .filter_map(|s| s.exchange.as_ref())
            .collect()
    }

    /// Makes a failed step current and ready again, keeping its (possibly edited) request, so
    /// the user can change something and resend. Returns false when no step failed.
    pub fn retry(&mut self) -> bool {
        match self
            .steps
            .iter()
            .position(|s| matches!(s.status, StepStatus::Failed(_)))
        {
            Some(i) => self.retry_at(i),
            None => false,
        }
    }

    /// Makes step `i`, done or failed, current and ready again with its request as it stands,
    /// to send it once more and compare what comes back. The steps after it depend on its
    /// answer: they go back to pending, and a verify step its tokens added goes (the answer
    /// adds it again). Its last exchange stays until the new one replaces it. Returns false
    /// when step `i` was neither done nor failed.
    pub fn retry_at(&mut self, i: usize) -> bool {
        let resendable = self.steps.get(i).is_some_and(|s| {
            s.kind != Stage::DpopNonce
                && matches!(s.status, StepStatus::Done | StepStatus::Failed(_))
        });
        // What ran before the flow began is no request of the flow's to send again.
        if !resendable || self.stages[i].runs_before_the_flow() {
            return false;
        }
        let mut j = i + 1;
        while j < self.steps.len() {
            if self.stages[j] == Stage::VerifyTokens {
                self.stages.remove(j);
                self.steps.remove(j);
                continue;
            }
            let step = &mut self.steps[j];
            step.status = StepStatus::Pending;
            step.request = None;
            step.exchange = None;
            step.warnings.clear();
            j += 1;
        }
        self.steps[i].status = StepStatus::Ready;
        self.steps[i].warnings.clear();
        self.cursor = i;
        true
    }

    /// Sends the current step's request and processes the response.
    pub async fn advance(&mut self, http: &RecordingClient) -> Result<Advance, EngineError> {
        if let Some(reason) = self.failure() {
            return Err(EngineError::config(format!(
                "the flow stopped on a failed step ({reason}); retry it or start over"
            )));
        }
        let Some(i) = self.current() else {
            return Ok(Advance::Finished);
        };
        let draft = self.steps[i]
            .request
            .clone()
            .ok_or_else(|| EngineError::config("this step has no request"))?;
        let result = match self.stages[i] {
            Stage::Authorize => return self.open_authorization(i, &draft),
            Stage::PollDevice => return self.poll(http, i, &draft).await,
            Stage::VerifyTokens => self.verify(http, i, &draft).await,
            Stage::McpListTools => {
                // The handshake ends with the initialized notification (MCP "Lifecycle").
                let mut i = i;
                if let Some(server) = &self.mcp {
                    let token = self.access_token()?;
                    let note =
                        mcp::initialized_notification(&server.target(self.dpop_bound()), &token);
                    // The notification presents the token too: with a proof of its own.
                    let sent = self.send_with_proof(http, Stage::McpListTools, &note).await;
                    let answered = sent.and_then(|sent| {
                        if let Some(refused) = sent.refused {
                            self.stages.insert(i, Stage::DpopNonce);
                            self.steps.insert(i, refused);
                            i += 1;
                            self.cursor = i;
                        }
                        mcp::process_notification(&sent.exchange)
                    });
                    if let Err(err) = answered {
                        self.steps[i]
                            .warnings
                            .push(format!("the initialized notification: {err}"));
                    }
                }
                return self.call_mcp(http, i, &draft).await;
            }
            Stage::McpInitialize | Stage::McpCallTool => {
                return self.call_mcp(http, i, &draft).await;
            }
            stage => match self.send(http, i, &draft).await {
                Ok(exchange) => self.process(stage, &draft, &exchange),
                Err(refused) => Err(refused),
            },
        };
        // A DPoP nonce step may have come in before step `i`: the cursor is where it went.
        let i = self.cursor;
        match result {
            Ok(()) => self.finish_step(i),
            Err(err) => {
                let err = self.with_hint(err);
                Err(self.fail(i, err))
            }
        }
    }

    /// Sends MCP call step `i`. A `403 insufficient_scope` is answered by a step-up (MCP
    /// 2025-11-25 Scope Challenge Handling), not taken as the call's failure.
    async fn call_mcp(
        &mut self,
        http: &RecordingClient,
        i: usize,
        draft: &RequestDraft,
    ) -> Result<Advance, EngineError> {
        let stage = self.stages[i];
        let sent = self.send(http, i, draft).await;
        // A DPoP nonce step may have come in before step `i`: the cursor is where it went.
        let i = self.cursor;
        let result = match sent {
            Ok(exchange) => match mcp::insufficient_scope(&exchange) {
                Some(needed) => return self.step_up(i, &needed),
                None => self.process(stage, draft, &exchange),
            },
            Err(refused) => Err(refused),
        };
        match result {
            Ok(()) => self.finish_step(i),
            Err(err) => Err(self.fail(i, err)),
        }
    }

    /// The one way a step's request goes out: the send policy decides first, and when it
    /// refuses nothing is sent. A step that proves possession of the DPoP key goes with a
    /// fresh proof (RFC 9449 §4); when the server refuses it with `use_dpop_nonce`, the
    /// refused attempt becomes a step of its own before step `i`, and the request goes once
    /// more with the nonce (§8, §9). Records the exchange on the step, which `self.cursor`
    /// names afterwards.
    async fn send(
        &mut self,
        http: &RecordingClient,
        i: usize,
        draft: &RequestDraft,
    ) -> Result<Exchange, EngineError> {
        let stage = self.stages[i];
        self.check_send(stage, draft)?;
        let sent = self.send_with_proof(http, stage, draft).await?;
        let mut i = i;
        if let Some(refused) = sent.refused {
            self.stages.insert(i, Stage::DpopNonce);
            self.steps.insert(i, refused);
            i += 1;
            self.cursor = i;
        }
        self.steps[i].dpop_proof = sent.proof;
        self.steps[i].exchange = Some(sent.exchange.clone());
        Ok(sent.exchange)
    }

    /// Sends `draft` for `stage`, with a fresh proof when it proves possession; a
    /// `use_dpop_nonce` refusal is answered once with the nonce it gave, and kept as a
    /// [`Stage::DpopNonce`] step for the caller to show.
    async fn send_with_proof(
        &mut self,
        http: &RecordingClient,
        stage: Stage,
        draft: &RequestDraft,
    ) -> Result<Sent, EngineError> {
        let (mut request, mut proof) = self.with_proof(stage, draft)?;
        let mut exchange = http.send(&request).await;
        let mut refused = None;
        if proof.is_some()
            && let Some(nonce) = dpop::nonce_demanded(&exchange)
        {
            let mut step = Stage::DpopNonce.step();
            step.status = StepStatus::Done;
            step.dpop_proof = proof;
            step.exchange = Some(exchange);
            step.request = Some(request);
            refused = Some(step);
            self.dpop_nonces.insert(origin_of(&draft.url), nonce);
            (request, proof) = self.with_proof(stage, draft)?;
            exchange = http.send(&request).await;
        }
        self.learn_nonce(&exchange);
        Ok(Sent {
            exchange,
            proof,
            refused,
        })
    }

    /// Whether the flow presents its token with the DPoP scheme: it holds a key, so its
    /// tokens were asked for bound to it (RFC 9449 §7.1).
    fn dpop_bound(&self) -> bool {
        self.config.dpop.is_some()
    }

    /// `draft` with a fresh DPoP proof for it, when the flow has a key and `stage` proves
    /// possession; the proof decoded, for the step to show. A resource call's proof hashes
    /// the token its Authorization header presents (`ath`).
    fn with_proof(
        &self,
        stage: Stage,
        draft: &RequestDraft,
    ) -> Result<(RequestDraft, Option<DecodedToken>), EngineError> {
        let Some(key) = self
            .config
            .dpop
            .as_ref()
            .filter(|_| stage.proves_possession())
        else {
            return Ok((draft.clone(), None));
        };
        let presented = stage
            .presents_token()
            .then(|| {
                draft
                    .headers
                    .iter()
                    .find(|(k, _)| k.eq_ignore_ascii_case("authorization"))
                    .and_then(|(_, v)| v.split_once(' '))
                    .map(|(_, token)| token.trim().to_string())
            })
            .flatten();
        let proof = key.proof(
            &draft.method,
            &draft.url,
            self.dpop_nonces
                .get(&origin_of(&draft.url))
                .map(String::as_str),
            presented.as_deref(),
        )?;
        let mut sent = draft.clone();
        sent.headers
            .retain(|(k, _)| !k.eq_ignore_ascii_case(dpop::HEADER));
        sent.headers.push((dpop::HEADER.into(), proof.clone()));
        Ok((sent, DecodedToken::decode(&proof)))
    }

    /// Keeps the nonce a server hands out for the next proof (RFC 9449 §8.2, §9).
    fn learn_nonce(&mut self, exchange: &Exchange) {
        if self.config.dpop.is_none() {
            return;
        }
        if let Some(nonce) = exchange
            .response_header(dpop::NONCE_HEADER)
            .filter(|n| !n.is_empty() && n.len() <= dpop::NONCE_MAX_LEN)
        {
            self.dpop_nonces
                .insert(origin_of(&exchange.url), nonce.to_string());
        }
    }

    fn check_send(&self, stage: Stage, draft: &RequestDraft) -> Result<(), SendRefusal> {
        send_policy::check(
            &self.config.metadata.issuer,
            stage.endpoint_name(),
            draft,
            &self.config.cross_host,
        )
    }

    /// What the send policy would say about the current step's request as it stands: lets a
    /// face ask the user about another host before sending.
    pub fn send_refusal(&self) -> Option<SendRefusal> {
        let i = self.current()?;
        let draft = self.steps[i].request.as_ref()?;
        self.check_send(self.stages[i], draft).err()
    }

    /// The user agreed to send credentials to `host` (another host than the issuer's).
    pub fn allow_host(&mut self, host: &str) {
        self.config.cross_host.allow(host);
    }

    /// Adds what to try next to errors a known server quirk may explain.
    fn with_hint(&self, err: EngineError) -> EngineError {
        let client = &self.config.client;
        // RFC 6749 §2.3.1 has the id and secret form-encoded before Base64; servers that
        // decode Basic the plain way then compare `a%2Bb` with `a+b` and call it invalid.
        if err.oauth_code() == Some("invalid_client")
            && client.auth_method == AuthMethod::ClientSecretBasic
            && client.basic_encoding_changes()
        {
            return EngineError::Hinted {
                error: Box::new(err),
                hint: "the client id or secret has characters that client_secret_basic \
                       form-encodes (RFC 6749 §2.3.1), and some servers mis-decode them: \
                       try client_secret_post (--auth-method client_secret_post)"
                    .into(),
            };
        }
        err
    }

    /// Completes the browser step with the URL the browser was redirected to (from the
    /// loopback listener, or pasted by the user).
    pub fn complete_redirect(&mut self, redirect_url: &str) -> Result<Advance, EngineError> {
        let i = self
            .current()
            .filter(|i| self.stages[*i] == Stage::Authorize)
            .ok_or_else(|| EngineError::config("no authorization is waiting for a redirect"))?;
        let response = match parse_redirect_url(redirect_url) {
            Ok(r) => r,
            Err(err) => return Err(self.fail(i, err)),
        };
        self.outcome.authorization_response = Some(response.clone());
        let expected = ExpectedResponse {
            state: self.secrets.state.clone(),
            issuer: self.config.metadata.issuer.clone(),
            iss_required: match self
                .config
                .metadata
                .authorization_response_iss_parameter_supported
            {
                Some(true) => Some(ISS_ADVERTISED),
                _ => self.config.require_iss,
            },
        };
        match check_authorization_response(&response, &expected) {
            Ok(code) => {
                self.secrets.code = Some(code);
                self.finish_step(i)
            }
            Err(err) => Err(self.fail(i, err)),
        }
    }

    /// How long the device flow waits between polls now.
    pub fn poll_interval(&self) -> Duration {
        self.polling.interval
    }

    fn open_authorization(
        &mut self,
        i: usize,
        draft: &RequestDraft,
    ) -> Result<Advance, EngineError> {
        let url = match authorization_code::authorization_url(draft) {
            Ok(url) => url,
            Err(err) => return Err(self.fail(i, err)),
        };
        // Check against what is actually sent (for PAR, what was pushed).
        if self.kind != FlowKind::Par {
            self.remember_sent(i, draft);
        }
        self.outcome.authorization_url = Some(url.clone());
        self.steps[i].status = StepStatus::Waiting("the browser: sign in and consent".into());
        Ok(Advance::Browser { url })
    }

    async fn poll(
        &mut self,
        http: &RecordingClient,
        i: usize,
        draft: &RequestDraft,
    ) -> Result<Advance, EngineError> {
        if self.polling.deadline.is_some_and(|d| Instant::now() >= d) {
            let err = EngineError::protocol(
                "RFC 8628 §3.5",
                "the device code expired before the user approved",
            );
            return Err(self.fail(i, err));
        }
        let exchange = match self.send(http, i, draft).await {
            Ok(exchange) => exchange,
            Err(err) => return Err(self.fail(i, err)),
        };
        let i = self.cursor;
        self.polling.count += 1;
        let outcome = match device::process_poll(&exchange) {
            Ok(o) => o,
            Err(err) => return Err(self.fail(i, err)),
        };
        let waiting = |flow: &mut Flow, why: &str| {
            flow.steps[i].status = StepStatus::Waiting(format!(
                "{why} (poll {}, next in {} s)",
                flow.polling.count,
                flow.polling.interval.as_secs()
            ));
            Ok(Advance::Poll {
                wait: device::next_wait(
                    flow.polling.interval,
                    flow.polling.deadline,
                    Instant::now(),
                ),
            })
        };
        match outcome {
            PollOutcome::Pending => {
                waiting(self, "authorization_pending: the user has not approved yet")
            }
            PollOutcome::SlowDown => {
                self.polling.interval = device::slowed_down(self.polling.interval);
                waiting(self, "slow_down: polling 5 s less often")
            }
            PollOutcome::Denied(why) => {
                let err = EngineError::Authorization {
                    error: "access_denied".into(),
                    description: why.or_else(|| Some("the user denied the request".into())),
                };
                Err(self.fail(i, err))
            }
            PollOutcome::Expired(why) => {
                let err = EngineError::Authorization {
                    error: "expired_token".into(),
                    description: why.or_else(|| Some("the device code expired".into())),
                };
                Err(self.fail(i, err))
            }
            PollOutcome::Tokens(tokens) => {
                self.take_tokens(i, *tokens);
                self.finish_step(i)
            }
        }
    }

    fn process(
        &mut self,
        stage: Stage,
        draft: &RequestDraft,
        exchange: &Exchange,
    ) -> Result<(), EngineError> {
        let i = self.cursor;
        match stage {
            Stage::PushAuthorization => {
                let pushed = par::process_par_response(exchange)?;
                self.remember_sent(i, draft);
                self.secrets.request_uri = Some(pushed.request_uri);
            }
            Stage::ExchangeCode
            | Stage::RefreshToken
            | Stage::ClientCredentials
            | Stage::TokenExchange
            | Stage::JwtBearer => {
                let tokens = tokens::process_token_response(exchange)?;
                if stage == Stage::TokenExchange {
                    self.steps[i]
                        .warnings
                        .extend(token_exchange::issued_token_type_warning(&tokens));
                }
                if stage == Stage::RefreshToken {
                    let old = self
                        .secrets
                        .subject_token
                        .as_ref()
                        .map(Secret::secret)
                        .unwrap_or_default();
                    self.outcome.rotation =
                        Some(refresh::rotation(old, self.previous.as_ref(), &tokens));
                }
                if stage == Stage::ExchangeCode
                    && self.config.wants_openid()
                    && tokens.id_token.is_none()
                {
                    self.outcome.notes.push(
                        "scope openid was requested but no id_token came back (OIDC Core §3.1.3.3)"
                            .into(),
                    );
                }
                self.take_tokens(i, tokens);
            }
            Stage::DeviceAuthorize => {
                let device = device::process_device_authorization(exchange)?;
                self.secrets.device_code = Some(device.device_code.clone());
                let schedule = device::schedule(&device, Instant::now())?;
                self.polling.interval = schedule.interval;
                self.polling.deadline = Some(schedule.deadline);
                self.outcome.device = Some(device);
            }
            Stage::Introspect => {
                self.outcome.introspection = Some(introspect::process_introspection(exchange)?);
            }
            Stage::Revoke => {
                revoke::process_revocation(exchange)?;
                self.outcome.revoked = true;
            }
            Stage::Userinfo => {
                self.outcome.userinfo = Some(userinfo::process_userinfo(exchange)?);
            }
            Stage::Authorize | Stage::PollDevice | Stage::VerifyTokens => {}
            Stage::McpInitialize => {
                let result = mcp::process_call(exchange)?;
                if let Some(server) = &mut self.mcp {
                    server.protocol_version = mcp::negotiated_version(&result);
                }
            }
            Stage::McpListTools => {
                let result = mcp::process_call(exchange)?;
                self.outcome.mcp_tools = Some(mcp::tool_names(&result));
            }
            Stage::McpCallTool => {
                let result = mcp::process_call(exchange)?;
                let (text, is_error) = mcp::tool_result_text(&result);
                let tool = draft.json_body.as_ref().map_or(String::new(), |b| {
                    b["params"]["name"].as_str().unwrap_or_default().to_string()
                });
                self.outcome.mcp_call = Some(mcp::ToolAnswer {
                    tool: tool.clone(),
                    text,
                    is_error,
                    result,
                });
                if is_error {
                    return Err(EngineError::protocol(
                        "MCP 2025-11-25 Tools",
                        format!("the tool {tool} reported an error (isError)"),
                    ));
                }
            }
            // The discovery and registration run before the flow ([`mcp_prelude`]); a
            // step-up is the flow's decision, made when the call is refused.
            Stage::McpUnauthenticated
            | Stage::ResourceMetadata
            | Stage::ServerMetadata
            | Stage::Register
            | Stage::McpStepUp => {}
            // Only ever a record of a refused attempt, inserted by `send`.
            Stage::DpopNonce => {}
        }
        Ok(())
    }

    /// Keeps what authorization request `draft` (step `i`) sent, for the checks on the way
    /// back (state, nonce) and for the token request to repeat (redirect URI, PKCE, resource).
    fn remember_sent(&mut self, i: usize, draft: &RequestDraft) {
        let draft = &*request_object::as_sent(draft);
        self.secrets.state = draft.param("state").map(Secret::from);
        self.secrets.nonce = draft.param("nonce").map(Secret::from);
        let (sent, warning) = AuthorizationSent::read(draft, self.secrets.pkce.as_ref());
        self.secrets.sent = sent;
        self.steps[i].warnings.extend(warning);
    }

    /// Keeps the tokens and, when there is something to verify and keys to verify it with,
    /// adds a verification step right after step `i`.
    fn take_tokens(&mut self, i: usize, tokens: TokenResponse) {
        if let Some(Err(implausible)) = tokens.expires_in.map(|s| time::lifetime("expires_in", s)) {
            self.steps[i].warnings.push(format!(
                "{implausible}: when the access token expires is not known (RFC 6749 §5.1)"
            ));
        }
        self.outcome.id_token = tokens
            .id_token
            .as_ref()
            .and_then(|t| DecodedToken::decode(t.secret()));
        self.outcome.access_token = DecodedToken::decode(tokens.access_token.secret());
        self.outcome.authorization_details = tokens.extra.0.get(AUTHORIZATION_DETAILS).cloned();
        if self.config.authorization_details.is_some()
            && self.outcome.authorization_details.is_none()
        {
            self.steps[i].warnings.push(
                "authorization_details were asked for, but the token response grants none \
                 (RFC 9396 §7)"
                    .into(),
            );
        }
        match &self.config.dpop {
            Some(key) => {
                let binding = DpopBinding::check(key, &tokens, self.outcome.access_token.as_ref());
                self.steps[i].warnings.extend(binding.failures());
                self.outcome.dpop = Some(binding);
            }
            None => self.steps[i]
                .warnings
                .extend(tokens::token_type_warning(&tokens.token_type)),
        }
        let verifiable = self.outcome.id_token.is_some() || self.outcome.access_token.is_some();
        if verifiable && self.config.metadata.jwks_uri.is_some() {
            let mut step = Stage::VerifyTokens.step();
            if self.outcome.id_token.is_none() {
                step.explanation = VERIFY_ACCESS_TOKEN_ONLY.into();
            }
            self.stages.insert(i + 1, Stage::VerifyTokens);
            self.steps.insert(i + 1, step);
        } else if tokens.id_token.is_some() {
            self.outcome
                .notes
                .push("the server publishes no jwks_uri: the ID token cannot be verified".into());
        }
        self.outcome.tokens = Some(tokens);
    }

    async fn verify(
        &mut self,
        http: &RecordingClient,
        i: usize,
        draft: &RequestDraft,
    ) -> Result<(), EngineError> {
        let Some(tokens) = self.outcome.tokens.clone() else {
            return Ok(());
        };
        let mut keys = KeyStore::from_url(&draft.url);
        let (id_token, access_token) = tokens::verify_tokens(
            http,
            &mut keys,
            &self.config,
            &tokens,
            self.secrets.nonce.as_ref().map(Secret::secret),
        )
        .await;
        self.steps[i].exchange = keys.exchanges.last().cloned();
        let id_failure = id_token
            .as_ref()
            .and_then(|t| t.verification.as_ref())
            .and_then(|v| v.failure_summary());
        if let Some(summary) = access_token
            .as_ref()
            .and_then(|t| t.verification.as_ref())
            .and_then(|v| v.failure_summary())
        {
            self.outcome
                .notes
                .push(format!("the access token did not verify: {summary}"));
        }
        self.outcome.id_token = id_token;
        self.outcome.access_token = access_token;
        match id_failure {
            Some(summary) => Err(EngineError::Jwt(format!(
                "the ID token failed verification: {summary}"
            ))),
            None => Ok(()),
        }
    }

    fn finish_step(&mut self, i: usize) -> Result<Advance, EngineError> {
        self.steps[i].status = StepStatus::Done;
        self.cursor = i + 1;
        if self.is_finished() {
            return Ok(Advance::Finished);
        }
        self.prepare_current()?;
        Ok(Advance::Next)
    }

    /// Builds the current step's draft from what the earlier steps learned.
    fn prepare_current(&mut self) -> Result<(), EngineError> {
        let i = self.cursor;
        match self.build_draft(self.stages[i]) {
            Ok(draft) => {
                self.steps[i].request = Some(draft);
                self.steps[i].status = StepStatus::Ready;
                Ok(())
            }
            Err(err) => Err(self.fail(i, err)),
        }
    }

    fn build_draft(&self, stage: Stage) -> Result<RequestDraft, EngineError> {
        let c = &self.config;
        let s = &self.secrets;
        let subject = || {
            s.subject_token
                .as_ref()
                .map(Secret::secret)
                .ok_or_else(|| EngineError::config("no token given"))
        };
        match stage {
            Stage::PushAuthorization => {
                par::par_request(c, &authorization_code::authorization_params(c, s)?)
            }
            Stage::Authorize => match &s.request_uri {
                Some(request_uri) => par::authorize_with_request_uri(c, request_uri),
                None => {
                    let mut draft = authorization_code::authorization_request(c, s)?;
                    // A step-up asks for the MCP server's resource again (RFC 8707 §2.1).
                    if let Some(server) = &self.mcp {
                        draft.set_param("resource", &server.resource);
                    }
                    Ok(draft)
                }
            },
            Stage::ExchangeCode => {
                let code = s
                    .code
                    .as_ref()
                    .map(Secret::secret)
                    .ok_or_else(|| EngineError::config("no authorization code yet"))?;
                authorization_code::code_token_request(c, code, &s.sent)
            }
            Stage::DeviceAuthorize => device::device_authorization_request(c),
            Stage::PollDevice => {
                let code = s
                    .device_code
                    .as_ref()
                    .map(Secret::secret)
                    .ok_or_else(|| EngineError::config("no device code yet"))?;
                device::poll_request(c, code)
            }
            Stage::RefreshToken => refresh::refresh_request(c, subject()?),
            Stage::ClientCredentials => client_credentials::client_credentials_request(c),
            Stage::TokenExchange => {
                let exchange = s
                    .exchange
                    .as_ref()
                    .ok_or_else(|| EngineError::config("no subject token given"))?;
                token_exchange::token_exchange_request(c, exchange)
            }
            Stage::JwtBearer => jwt_bearer::jwt_bearer_request(c, subject()?),
            Stage::Introspect => introspect::introspection_request(c, subject()?, None),
            Stage::Revoke => revoke::revocation_request(c, subject()?, None),
            Stage::Userinfo => userinfo::userinfo_request(c, subject()?),
            Stage::VerifyTokens => {
                let jwks_uri = c.endpoint("jwks_uri", &c.metadata.jwks_uri)?;
                Ok(RequestDraft::new("GET", jwks_uri))
            }
            Stage::McpInitialize | Stage::McpListTools => {
                let server = self
                    .mcp
                    .as_ref()
                    .ok_or_else(|| EngineError::config("this flow calls no MCP server"))?;
                let (id, method) = match stage {
                    Stage::McpInitialize => (1, "initialize"),
                    _ => (2, "tools/list"),
                };
                let token = self.access_token()?;
                Ok(mcp::call_request(
                    &server.target(self.dpop_bound()),
                    &token,
                    id,
                    method,
                    serde_json::json!({}),
                ))
            }
            Stage::McpCallTool => {
                let server = self
                    .mcp
                    .as_ref()
                    .ok_or_else(|| EngineError::config("this flow calls no MCP server"))?;
                let params = server
                    .call
                    .clone()
                    .ok_or_else(|| EngineError::config("no tool chosen to call"))?;
                let token = self.access_token()?;
                Ok(mcp::call_request(
                    &server.target(self.dpop_bound()),
                    &token,
                    3,
                    "tools/call",
                    params,
                ))
            }
            Stage::McpUnauthenticated
            | Stage::ResourceMetadata
            | Stage::ServerMetadata
            | Stage::Register
            | Stage::McpStepUp => Err(EngineError::config(
                "an MCP step is built by the MCP flow, not by a grant's flow",
            )),
            Stage::DpopNonce => Err(EngineError::config(
                "a DPoP nonce step records a refused attempt; it is never built",
            )),
        }
    }

    /// The access token the flow got, for the calls made with it.
    fn access_token(&self) -> Result<Secret, EngineError> {
        self.outcome
            .tokens
            .as_ref()
            .map(|t| t.access_token.clone())
            .ok_or_else(|| EngineError::config("no access token yet"))
    }

    /// Puts steps the caller ran before this flow began (the MCP flow's discovery and
    /// registration, [`mcp_prelude`]) in front of the flow's own, done.
    pub(crate) fn prepend(&mut self, done: Vec<Step>) {
        let count = done.len();
        self.stages.splice(0..0, done.iter().map(|s| s.kind));
        self.steps.splice(0..0, done);
        self.cursor += count;
    }

    /// A flow of steps the caller ran, stopped at the one that failed: where an MCP flow
    /// ended before its code flow could begin.
    pub(crate) fn stopped(kind: FlowKind, steps: Vec<Step>) -> Flow {
        let config = FlowConfig::new(ServerMetadata::default(), ClientCredentials::public(""));
        let stages = steps.iter().map(|s| s.kind).collect();
        let mut flow = Flow::assemble(kind, config, stages, steps, FlowSecrets::default());
        flow.cursor = flow
            .steps
            .iter()
            .position(|s| matches!(s.status, StepStatus::Failed(_)))
            .unwrap_or(flow.steps.len());
        flow
    }

    /// A flow of these steps at its first, nothing learnt yet.
    fn assemble(
        kind: FlowKind,
        config: FlowConfig,
        stages: Vec<Stage>,
        steps: Vec<Step>,
        secrets: FlowSecrets,
    ) -> Flow {
        Flow {
            kind,
            stages,
            steps,
            config,
            cursor: 0,
            secrets,
            outcome: FlowOutcome::default(),
            polling: Polling {
                interval: device::DEFAULT_INTERVAL,
                deadline: None,
                count: 0,
            },
            previous: None,
            mcp: None,
            dpop_nonces: BTreeMap::new(),
        }
    }

    /// Goes on after the code flow to call `server` with the token: initialize, then
    /// tools/list (MCP "Lifecycle", "Tools").
    pub(crate) fn then_call(&mut self, server: mcp::McpServer) {
        for stage in [Stage::McpInitialize, Stage::McpListTools] {
            self.stages.push(stage);
            self.steps.push(stage.step());
        }
        self.mcp = Some(server);
    }

    /// Calls the MCP tool `name` with `arguments` after tools/list, as a new step at the
    /// end of the flow; a failed call before it is replaced by this one.
    pub fn call_tool(
        &mut self,
        name: &str,
        arguments: serde_json::Value,
    ) -> Result<(), EngineError> {
        if self.outcome.mcp_tools.is_none() {
            return Err(EngineError::config(
                "list the tools first: tools/call comes after tools/list with the token",
            ));
        }
        let last_failed_call = self.steps.last().is_some_and(|s| {
            s.kind == Stage::McpCallTool && matches!(s.status, StepStatus::Failed(_))
        });
        if !last_failed_call && (self.is_failed() || !self.is_finished()) {
            return Err(EngineError::config(
                "the flow is not at its end: finish its steps before calling a tool",
            ));
        }
        let server = self
            .mcp
            .as_mut()
            .ok_or_else(|| EngineError::config("this flow calls no MCP server"))?;
        server.call = Some(serde_json::json!({ "name": name, "arguments": arguments }));
        if last_failed_call {
            self.steps.pop();
            self.stages.pop();
        }
        self.stages.push(Stage::McpCallTool);
        self.steps.push(Stage::McpCallTool.step());
        self.cursor = self.steps.len() - 1;
        self.outcome.mcp_call = None;
        self.prepare_current()
    }

    /// Answers `403 insufficient_scope` on MCP call step `i` (MCP 2025-11-25 Scope
    /// Challenge Handling): at most [`mcp::MAX_STEP_UPS`] times, authorizes again with the
    /// scope asked before and the scope needed, then repeats the call with the new token,
    /// each as a step after the refused call.
    fn step_up(&mut self, i: usize, needed: &str) -> Result<Advance, EngineError> {
        // What the last authorization asked for, as sent (the user may have edited it).
        let asked = self.steps[..i]
            .iter()
            .rev()
            .find(|s| s.kind == Stage::Authorize)
            .and_then(|s| s.request.as_ref())
            .and_then(|r| r.param("scope"))
            .map(str::to_string)
            .or_else(|| self.config.scope.clone());
        let Some(server) = self.mcp.as_mut() else {
            return Err(self.fail(i, EngineError::config("this flow calls no MCP server")));
        };
        if server.step_ups.len() >= mcp::MAX_STEP_UPS {
            let err = EngineError::protocol(
                "MCP 2025-11-25 Scope Challenge Handling",
                format!(
                    "403 insufficient_scope: the server still needs scope {needed:?} after {} \
                     step-up authorizations, and the client stops there",
                    mcp::MAX_STEP_UPS
                ),
            );
            return Err(self.fail(i, err));
        }
        let stage = self.stages[i];
        let count = server.step_ups.len() + 1;
        let (wider, decision_check) = mcp::step_up_decision(asked.as_deref(), needed, count);
        server.step_ups.push(mcp::StepUp {
            method: match stage {
                Stage::McpInitialize => "initialize",
                Stage::McpListTools => "tools/list",
                _ => "tools/call",
            },
            needed: needed.to_string(),
            scope: wider.clone(),
        });
        let refused = &mut self.steps[i];
        refused.title = format!("{}: refused, the token needs more scope", refused.title);
        refused.warnings.push(format!(
            "403 insufficient_scope: the server needs scope {needed:?} (RFC 6750 §3.1)"
        ));
        refused.status = StepStatus::Done;
        let mut decision = Stage::McpStepUp.step();
        decision.checks.push(decision_check);
        decision.status = StepStatus::Done;
        self.config.scope = Some(wider);
        // A new authorization: a new state, nonce and PKCE verifier (RFC 6749 §10.12,
        // RFC 7636 §4.1).
        self.secrets = match Self::front_channel_secrets(&self.config) {
            Ok(secrets) => secrets,
            Err(err) => return Err(self.fail(i, err)),
        };
        let again = [Stage::Authorize, Stage::ExchangeCode, stage];
        self.stages
            .splice(i + 1..i + 1, std::iter::once(Stage::McpStepUp).chain(again));
        self.steps.splice(
            i + 1..i + 1,
            std::iter::once(decision).chain(again.iter().map(|s| s.step())),
        );
        self.cursor = i + 2;
        self.prepare_current()?;
        Ok(Advance::Next)
    }

    fn fail(&mut self, i: usize, err: EngineError) -> EngineError {
        self.steps[i].status = StepStatus::Failed(err.to_string());
        err
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::oauth::StepKind;
    use crate::oauth::client_auth::AuthMethod;

    fn metadata() -> ServerMetadata {
        ServerMetadata {
            issuer: "http://127.0.0.1:1".into(),
            authorization_endpoint: Some("http://127.0.0.1:1/authorize".into()),
            token_endpoint: Some("http://127.0.0.1:1/token".into()),
            authorization_response_iss_parameter_supported: Some(true),
            ..Default::default()
        }
    }

    fn code_flow() -> Flow {
        let mut config = FlowConfig::new(metadata(), ClientCredentials::public("spa"));
        config.scope = Some("openid profile".into());
        config.redirect_uri = Some("http://127.0.0.1:2/callback".into());
        Flow::authorization_code(config).unwrap()
    }

    #[test]
    fn code_flow_starts_with_an_editable_authorization_request() {
        let mut flow = code_flow();
        assert_eq!(flow.current(), Some(0));
        assert_eq!(flow.steps()[0].status, StepStatus::Ready);
        assert_eq!(flow.steps()[1].status, StepStatus::Pending);
        let draft = flow.draft_mut().unwrap();
        assert_eq!(draft.param("code_challenge_method"), Some("S256"));
        assert!(draft.param("nonce").is_some());
        draft.set_param("state", "edited");
        assert_eq!(
            flow.steps()[0].request.as_ref().unwrap().param("state"),
            Some("edited")
        );
    }

    #[tokio::test]
    async fn redirect_checks_the_state_that_was_actually_sent() {
        let http = RecordingClient::new().unwrap();
        let mut flow = code_flow();
        flow.draft_mut().unwrap().set_param("state", "edited");
        let Advance::Browser { url } = flow.advance(&http).await.unwrap() else {
            panic!("expected the browser step");
        };
        assert!(url.contains("state=edited"));
        assert!(matches!(flow.steps()[0].status, StepStatus::Waiting(_)));
        let back =
            "http://127.0.0.1:2/callback?code=c1&state=edited&iss=http%3A%2F%2F127.0.0.1%3A1";
        assert_eq!(flow.complete_redirect(back).unwrap(), Advance::Next);
        let token_draft = flow.steps()[1].request.as_ref().unwrap();
        assert_eq!(token_draft.param("code"), Some("c1"));
        assert_eq!(
            token_draft.param("code_verifier"),
            flow.secrets().pkce.as_ref().map(|p| p.verifier.secret())
        );
        assert_eq!(token_draft.param("client_id"), Some("spa"));
    }

    #[tokio::test]
    async fn a_forged_state_fails_the_step() {
        let http = RecordingClient::new().unwrap();
        let mut flow = code_flow();
        flow.advance(&http).await.unwrap();
        let err = flow
            .complete_redirect(
                "http://127.0.0.1:2/callback?code=c1&state=forged&iss=http%3A%2F%2F127.0.0.1%3A1",
            )
            .unwrap_err();
        assert!(err.to_string().contains("CSRF"));
        assert!(flow.is_failed());
        assert_eq!(flow.current(), None);
    }

    #[tokio::test]
    async fn a_client_profile_can_require_iss_from_a_server_that_does_not_promise_it() {
        let http = RecordingClient::new().unwrap();
        let mut config = code_flow().config().clone();
        config
            .metadata
            .authorization_response_iss_parameter_supported = None;
        let state_of = |flow: &Flow| {
            flow.steps()[0]
                .request
                .as_ref()
                .and_then(|d| d.param("state"))
                .unwrap()
                .to_string()
        };
        // Not promised, not required: a response without iss is taken.
        let mut lenient = Flow::authorization_code(config.clone()).unwrap();
        lenient.advance(&http).await.unwrap();
        let back = format!(
            "http://127.0.0.1:2/callback?code=c1&state={}",
            state_of(&lenient)
        );
        assert_eq!(lenient.complete_redirect(&back).unwrap(), Advance::Next);
        // Required by the profile: refused before the code is redeemed, saying by whom.
        config.require_iss = Some("the profile requires");
        let mut strict = Flow::authorization_code(config).unwrap();
        strict.advance(&http).await.unwrap();
        let back = format!(
            "http://127.0.0.1:2/callback?code=c1&state={}",
            state_of(&strict)
        );
        let err = strict.complete_redirect(&back).unwrap_err();
        assert!(err.to_string().contains("the profile requires"), "{err}");
        assert!(err.to_string().contains("RFC 9207 §2.4"), "{err}");
        assert!(strict.secrets().code.is_none(), "no code kept to redeem");
    }

    #[tokio::test]
    async fn a_failed_step_can_be_retried_with_its_edited_request() {
        let http = RecordingClient::new().unwrap();
        let mut flow = code_flow();
        flow.advance(&http).await.unwrap();
        let forged =
            "http://127.0.0.1:2/callback?code=c1&state=forged&iss=http%3A%2F%2F127.0.0.1%3A1";
        assert!(flow.complete_redirect(forged).is_err());
        assert!(flow.retry());
        assert_eq!(flow.current(), Some(0));
        assert_eq!(flow.steps()[0].status, StepStatus::Ready);
        assert!(!flow.retry(), "nothing failed any more");
    }

    #[test]
    fn each_step_carries_its_kind() {
        let kinds: Vec<StepKind> = code_flow().steps().iter().map(|s| s.kind).collect();
        assert_eq!(kinds, [StepKind::Authorize, StepKind::ExchangeCode]);
        let client = ClientCredentials::confidential("app", "s", AuthMethod::ClientSecretBasic);
        let flow = Flow::client_credentials(FlowConfig::new(metadata(), client)).unwrap();
        assert_eq!(flow.steps()[0].kind, StepKind::ClientCredentials);
    }

    #[tokio::test]
    async fn a_done_step_sent_again_puts_the_steps_after_it_back_to_pending() {
        let http = RecordingClient::new().unwrap();
        let mut flow = code_flow();
        flow.advance(&http).await.unwrap();
        let state = flow.secrets().state.clone().unwrap();
        let state = state.secret();
        let back = format!(
            "http://127.0.0.1:2/callback?code=c1&state={state}&iss=http%3A%2F%2F127.0.0.1%3A1"
        );
        flow.complete_redirect(&back).unwrap();
        assert_eq!(flow.steps()[0].status, StepStatus::Done);
        assert!(flow.steps()[1].request.is_some());
        assert!(!flow.retry_at(1), "the token request is ready, not done");
        assert!(flow.retry_at(0));
        assert_eq!(flow.current(), Some(0));
        assert_eq!(flow.steps()[0].status, StepStatus::Ready);
        assert_eq!(flow.steps()[1].status, StepStatus::Pending);
        assert!(flow.steps()[1].request.is_none());
        assert!(!flow.retry_at(7), "no such step");
    }

    #[test]
    fn exchange_code_starts_at_the_token_request() {
        let config = FlowConfig {
            redirect_uri: Some("http://127.0.0.1:2/callback".into()),
            ..FlowConfig::new(metadata(), ClientCredentials::public("spa"))
        };
        let flow = Flow::exchange_code(config, "the-code", Some("the-verifier"), None).unwrap();
        let draft = flow.steps()[0].request.as_ref().unwrap();
        assert_eq!(draft.param("code"), Some("the-code"));
        assert_eq!(draft.param("code_verifier"), Some("the-verifier"));
        assert_eq!(draft.param("grant_type"), Some("authorization_code"));
    }

    /// Every value a flow generates or learns is redacted by its type: the verifier, state and
    /// nonce of a fresh code flow, and a code and verifier given from outside.
    #[test]
    fn debug_of_the_flow_secrets_shows_none_of_them() {
        let flow = code_flow();
        let secrets = flow.secrets();
        let shown = format!("{secrets:?}");
        let pkce = secrets.pkce.as_ref().unwrap();
        for value in [
            pkce.verifier.secret(),
            secrets.state.as_ref().unwrap().secret(),
            secrets.nonce.as_ref().unwrap().secret(),
        ] {
            assert!(!shown.contains(value), "{value} in {shown}");
        }
        assert!(shown.contains(&pkce.challenge), "{shown}");

        let config = FlowConfig {
            redirect_uri: Some("http://127.0.0.1:2/callback".into()),
            ..FlowConfig::new(metadata(), ClientCredentials::public("spa"))
        };
        let flow =
            Flow::exchange_code(config, "c0de-s3cret", Some("v3rifier-s3cret"), None).unwrap();
        let shown = format!("{:?}", flow.secrets());
        assert!(!shown.contains("s3cret"), "{shown}");
    }

    #[test]
    fn engine_futures_can_run_on_background_tasks() {
        fn assert_send<T: Send>(_: &T) {}
        let http = RecordingClient::new().unwrap();
        let mut flow = code_flow();
        assert_send(&flow.advance(&http));
        assert_send(&crate::oauth::discovery::discover(
            &http,
            "http://127.0.0.1:1",
        ));
        let mut store = crate::oauth::jwks::KeyStore::from_url("http://127.0.0.1:1/jwks");
        let jwt = crate::oauth::jwt::Jwt::decode("e30.e30.").unwrap();
        let rules = crate::oauth::jwt::ClaimRules::default();
        assert_send(&crate::oauth::jwt::verify(&jwt, &mut store, &http, &rules));
    }

    #[test]
    fn userinfo_warns_before_presenting_a_token_that_is_not_bearer() {
        let config = FlowConfig {
            metadata: ServerMetadata {
                userinfo_endpoint: Some("http://127.0.0.1:1/userinfo".into()),
                ..metadata()
            },
            ..FlowConfig::new(metadata(), ClientCredentials::public("spa"))
        };
        let mut flow = Flow::userinfo(config.clone(), "tok").unwrap();
        flow.presenting_token_type("Bearer");
        assert!(flow.steps()[0].warnings.is_empty());
        flow.presenting_token_type("mac");
        assert!(flow.steps()[0].warnings[0].contains("sent as Bearer"));
        let draft = flow.steps()[0].request.as_ref().unwrap();
        assert!(
            draft
                .headers
                .iter()
                .any(|(k, v)| k == "Authorization" && v == "Bearer tok")
        );
    }

    #[test]
    fn missing_endpoint_is_a_readable_config_error() {
        let config = FlowConfig::new(metadata(), ClientCredentials::public("tv"));
        let err = Flow::device(config).unwrap_err();
        assert!(
            err.to_string().contains("device_authorization_endpoint"),
            "{err}"
        );
    }

    #[test]
    fn confidential_basic_client_sends_no_secret_in_the_body() {
        let client =
            ClientCredentials::confidential("app", "s3cret", AuthMethod::ClientSecretBasic);
        let flow = Flow::client_credentials(FlowConfig::new(metadata(), client)).unwrap();
        let draft = flow.steps()[0].request.as_ref().unwrap();
        assert_eq!(draft.param("grant_type"), Some("client_credentials"));
        assert!(draft.param("client_secret").is_none());
        assert!(
            draft
                .headers
                .iter()
                .any(|(k, v)| k == "Authorization" && v.starts_with("Basic "))
        );
    }
}
