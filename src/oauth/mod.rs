//! The protocol engine: everything a client does, with no terminal and no server in it.
//! The TUI, the headless CLI and the MCP server are three faces of this one implementation.
//!
//! # The public API at a glance
//!
//! **Talking HTTP.** [`http::RecordingClient`] sends everything (reqwest, redirects never
//! followed, timeouts, a body size limit). Every request becomes an [`Exchange`] pushed to the
//! client's [`http::ExchangeLog`] (an `Arc<Mutex<Vec<Exchange>>>` shared by clones, with an
//! optional `tokio::sync::mpsc::UnboundedSender<Exchange>` listener for UIs:
//! `ExchangeLog::with_listener(tx)`). Each exchange records where its secrets are (form or
//! query pair, JSON member, `Authorization` credential; [`secret`] holds the one rule that
//! names them), so [`Exchange::redacted`] and [`Exchange::to_curl`] mask them by structure. Transport failures do not raise:
//! they are recorded on the exchange; [`response`] turns an exchange into a typed result or a
//! readable [`EngineError`]. The client also implements `oauth2::AsyncHttpClient`, so the
//! `oauth2` crate's traffic is recorded the same way.
//!
//! **Knowing the server.** [`discovery::discover`]`(&client, issuer)` → [`discovery::Discovery`]
//! (RFC 8414, then OIDC; issuer mismatch refused; [`discovery::Capabilities`] and
//! [`discovery::Warning`]s). [`discovery::Discovery::manual`] for servers without metadata.
//!
//! **Running a flow.** [`flow::Flow`] is a state machine over visible [`Step`]s:
//! `Flow::authorization_code / par / device / refresh / client_credentials / introspect /
//! revoke / userinfo / token_exchange (FlowConfig, …)`; `FlowConfig::dpop` (a
//! [`dpop::DpopKey`]) makes every token request and UserInfo call carry a DPoP proof, with a
//! server's `use_dpop_nonce` answered once as a step of its own, and
//! `FlowConfig::authorization_details` sends a rich authorization request (RFC 9396); `flow.draft_mut()` edits the current request;
//! `flow.advance(&client).await` sends it and returns [`flow::Advance`] (`Next`,
//! `Browser { url }`, `Poll { wait }`, `Finished`); `flow.complete_redirect(url)` finishes the
//! browser leg (checks iss, state, errors); `flow.outcome()` holds tokens, decoded and verified
//! tokens, device codes, introspection / userinfo results. Each flow file also exposes its
//! build-request / process-response functions for one-off use (e.g. an MCP tool).
//!
//! **Around the flows.** [`redirect::LoopbackListener`] (127.0.0.1, ephemeral port) and
//! [`redirect::parse_redirect_url`] for pasted URLs; [`browser::open`] (`$BROWSER`, else the
//! system opener); [`pkce`]; [`client_auth::ClientCredentials`] (client_secret_basic with
//! form-urlencoding before Base64, client_secret_post, none); [`registration`] (RFC 7591 create,
//! RFC 7592 read / update / delete).
//!
//! **Tokens.** [`jwt::Jwt::decode`] decodes any compact JWS (`unverified_header()`,
//! `unverified_claims()`); [`jwt::verify`] (JWKS by kid via [`jwks::KeyStore`], refetched once on
//! an unknown kid), [`jwt::verify_with_set`] and [`jwt::verify_with_secret`] return a
//! [`jwt::Verification`]: one [`jwt::Check`] per rule (signature, exp, nbf, iat, iss, aud, azp,
//! nonce, at_hash) with a verdict and the reason in words. [`jwt::ClaimRules::now`] is the
//! injectable clock.

pub mod browser;
pub mod challenge;
pub mod client_auth;
pub mod discovery;
pub mod doctor;
pub mod dpop;
pub mod error;
pub mod exchange;
pub mod flow;
pub mod http;
pub mod jwks;
pub mod jwt;
pub mod keys;
pub mod mcp_discovery;
pub mod mock_control;
pub mod pkce;
pub mod protected_resource;
pub mod redirect;
pub mod registration;
pub mod request_object;
pub mod response;
pub mod secret;
pub mod send_policy;
pub mod step;
pub mod time;
pub mod transcript;

pub use error::EngineError;
pub use exchange::Exchange;
pub use http::{ExchangeLog, RecordingClient};
pub use step::{RequestDraft, Step, StepKind, StepStatus};
