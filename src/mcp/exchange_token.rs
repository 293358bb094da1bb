//! `oauth2_exchange_token`: one token request (RFC 6749 §3.2) for the authorization code,
//! refresh token, client credentials or device code grant, with the JWTs it returns decoded.

use rmcp::handler::server::wrapper::Parameters;
use rmcp::{schemars, tool, tool_router};
use serde::Deserialize;

use super::errors::{ToolError, ToolResult};
use super::server::OAuthTools;

/// The grant to use at the token endpoint.
// Inlined in the schema: some MCP clients do not follow `$ref`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
#[schemars(inline)]
pub enum GrantType {
    /// Trade the `code` from the redirect after oauth2_authorize for tokens. Needs code,
    /// code_verifier and the same redirect_uri (RFC 6749 section 4.1.3, RFC 7636).
    AuthorizationCode,
    /// Get fresh tokens with a refresh_token (RFC 6749 section 6).
    RefreshToken,
    /// A token for the client itself, with no user: needs a confidential client and its
    /// client_secret (RFC 6749 section 4.4).
    ClientCredentials,
    /// Poll for the tokens of a device authorization (RFC 8628 section 3.4). Needs device_code.
    /// The URN urn:ietf:params:oauth:grant-type:device_code is accepted too.
    #[serde(alias = "urn:ietf:params:oauth:grant-type:device_code")]
    DeviceCode,
}

/// Arguments of `oauth2_exchange_token`.
#[derive(Debug, Deserialize, schemars::JsonSchema)]
pub struct ExchangeTokenArgs {
    /// Issuer URL of the authorization server. Leave it out to use the default server.
    pub issuer: Option<String>,
    /// Which grant to use: authorization_code, refresh_token, client_credentials or device_code.
    pub grant_type: GrantType,
    /// The client's identifier at this server.
    pub client_id: String,
    /// The client secret of a confidential client, sent with HTTP Basic authentication
    /// (client_secret_basic). Leave it out for a public client.
    pub client_secret: Option<String>,
    /// authorization_code only: the `code` query parameter of the redirect.
    pub code: Option<String>,
    /// authorization_code only: the code_verifier that oauth2_authorize returned with the URL.
    pub code_verifier: Option<String>,
    /// authorization_code only: the redirect_uri given to oauth2_authorize, exactly.
    pub redirect_uri: Option<String>,
    /// refresh_token only: the refresh token to use. The server may rotate it: keep the new one
    /// from the response.
    pub refresh_token: Option<String>,
    /// device_code only: the device_code of the device authorization response.
    pub device_code: Option<String>,
    /// Space-separated scopes: for client_credentials the scopes to ask for; for refresh_token
    /// a narrower set than originally granted. Leave it out to get the default.
    pub scope: Option<String>,
}

#[tool_router(router = exchange_token_router, vis = "pub(super)")]
impl OAuthTools {
    #[tool(
        name = "oauth2_exchange_token",
        description = "Send one token request to the server's token endpoint (RFC 6749 section \
            3.2) and return the token response with its JWTs decoded (header and claims of the \
            access token and the ID token; signatures are not checked here, use \
            oauth2_validate_token for that). grant_type authorization_code needs code, \
            code_verifier and redirect_uri from oauth2_authorize; refresh_token needs \
            refresh_token; client_credentials needs client_secret; device_code needs device_code \
            (an `authorization_pending` or `slow_down` error then means: wait `interval` seconds \
            and call again). An OAuth refusal comes back as a tool error with the server's \
            `error` and `error_description`."
    )]
    pub async fn oauth2_exchange_token(
        &self,
        Parameters(args): Parameters<ExchangeTokenArgs>,
    ) -> ToolResult {
        let issuer = args.issuer.clone();
        self.run_tool(
            "oauth2_exchange_token",
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
