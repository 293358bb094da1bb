//! `oauth2_authorize`: discovery, then the authorization URL with PKCE S256, state and nonce,
//! pushed through PAR first when asked (RFC 6749 §4.1.1, RFC 7636, RFC 9126).

use std::collections::BTreeMap;

use rmcp::handler::server::wrapper::Parameters;
use rmcp::{schemars, tool, tool_router};
use serde::Deserialize;

use super::errors::{ToolError, ToolResult};
use super::server::OAuthTools;

/// Arguments of `oauth2_authorize`.
#[derive(Debug, Deserialize, schemars::JsonSchema)]
pub struct AuthorizeArgs {
    /// Issuer URL of the authorization server, e.g. "https://login.example.com". Leave it out
    /// to use the default server (the built-in mock with --mock, or the saved default).
    pub issuer: Option<String>,
    /// The client's identifier at this server.
    pub client_id: String,
    /// Where the server sends the browser back with `code` and `state`. It must match one of
    /// the client's registered redirect URIs exactly (a loopback http://127.0.0.1 URI may use
    /// any port).
    pub redirect_uri: String,
    /// Space-separated scopes to ask for, e.g. "openid profile email". Leave it out to get the
    /// server's default scopes.
    pub scope: Option<String>,
    /// true to push the request to the server's PAR endpoint first (RFC 9126): the returned URL
    /// then carries only client_id and request_uri. Needed when the server requires PAR.
    /// Default false.
    pub use_par: Option<bool>,
    /// The client secret, used only to authenticate the PAR request of a confidential client.
    pub client_secret: Option<String>,
    /// Extra authorization request parameters, e.g. {"prompt": "consent", "login_hint":
    /// "alice"}. They cannot replace response_type, client_id, redirect_uri, scope, state,
    /// nonce or the PKCE parameters, which this tool sets.
    pub extra_params: Option<BTreeMap<String, String>>,
}

#[tool_router(router = authorize_router, vis = "pub(super)")]
impl OAuthTools {
    #[tool(
        name = "oauth2_authorize",
        description = "Start an authorization code flow with PKCE (RFC 6749 section 4.1, RFC 7636). \
            Runs discovery on the issuer, then builds the authorization URL with a fresh PKCE S256 \
            code_verifier, a random state and nonce (pushed through PAR first when use_par is true). \
            Returns authorization_url, state, nonce and code_verifier. Next: the user opens \
            authorization_url in a browser and signs in; the browser lands on redirect_uri with \
            `code` and `state` in the query. Check that `state` equals the one returned here, then \
            call oauth2_exchange_token with grant_type authorization_code, that code, this \
            code_verifier and the same redirect_uri. Codes expire within minutes and work once."
    )]
    pub async fn oauth2_authorize(
        &self,
        Parameters(args): Parameters<AuthorizeArgs>,
    ) -> ToolResult {
        let issuer = args.issuer.clone();
        self.run_tool(
            "oauth2_authorize",
            issuer.as_deref(),
            move |_issuer| async move {
                let _ = args;
                Err(ToolError::local(
                    "not_available",
                    "the engine is not wired yet",
                ))
            },
        )
        .await
    }
}
