//! `oauth2_validate_token`: introspection (RFC 7662) where the server offers it and the client
//! can authenticate, plus local JWT verification against the server's JWKS.

use rmcp::handler::server::wrapper::Parameters;
use rmcp::{schemars, tool, tool_router};
use serde::Deserialize;

use super::errors::{ToolError, ToolResult};
use super::server::OAuthTools;

/// Arguments of `oauth2_validate_token`.
#[derive(Debug, Deserialize, schemars::JsonSchema)]
pub struct ValidateTokenArgs {
    /// Issuer URL of the authorization server that issued the token. Leave it out to use the
    /// default server.
    pub issuer: Option<String>,
    /// The token to check: an access token (JWT or opaque), an ID token, or a refresh token.
    pub token: String,
    /// A client allowed to introspect at this server (usually the one the token was issued
    /// to). Without client_id and client_secret only the local JWT checks run.
    pub client_id: Option<String>,
    /// The secret of client_id, used to authenticate the introspection request.
    pub client_secret: Option<String>,
}

#[tool_router(router = validate_token_router, vis = "pub(super)")]
impl OAuthTools {
    #[tool(
        name = "oauth2_validate_token",
        description = "Check whether a token is valid, two ways. (1) Introspection (RFC 7662): \
            asks the server, which knows about revocation; runs when the server has an \
            introspection endpoint and client_id and client_secret are given. (2) Local JWT \
            verification: decodes the token and verifies its signature against the server's \
            JWKS, then checks exp, nbf, iat and iss; runs when the token is a JWT. Returns \
            `active` (the server's answer when it introspected, else whether every local check \
            passed), `active_source`, the claims, and each check's verdict in words. A revoked \
            JWT still has a valid signature: only introspection sees the revocation."
    )]
    pub async fn oauth2_validate_token(
        &self,
        Parameters(args): Parameters<ValidateTokenArgs>,
    ) -> ToolResult {
        let issuer = args.issuer.clone();
        self.run_tool(
            "oauth2_validate_token",
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
