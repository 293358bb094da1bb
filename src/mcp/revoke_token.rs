//! `oauth2_revoke_token`: RFC 7009 revocation.

use rmcp::handler::server::wrapper::Parameters;
use rmcp::{schemars, tool, tool_router};
use serde::{Deserialize, Serialize};

use super::connection::{Connection, ExchangeSummary, client, given};
use super::errors::{ToolResult, success};
use super::server::OAuthTools;
use crate::oauth::flow::revoke::{process_revocation, revocation_request};
use crate::oauth::secret::Secret;

/// Arguments of `oauth2_revoke_token`.
#[derive(Debug, Deserialize, schemars::JsonSchema)]
pub struct RevokeTokenArgs {
    /// Issuer URL of the authorization server that issued the token. Leave it out to use the
    /// default server.
    pub issuer: Option<String>,
    /// The access token or refresh token to revoke.
    pub token: Secret,
    /// The client the token was issued to.
    pub client_id: String,
    /// The secret of a confidential client. Leave it out for a public client.
    pub client_secret: Option<Secret>,
    /// How a confidential client authenticates: "client_secret_basic" (the default when
    /// client_secret is given) or "client_secret_post".
    pub client_auth_method: Option<String>,
    /// "access_token" or "refresh_token": a hint that helps the server find the token faster
    /// (RFC 7009 section 2.1). Optional; the server searches all tokens anyway.
    pub token_type_hint: Option<String>,
}

/// What `oauth2_revoke_token` returns.
#[derive(Debug, Serialize)]
struct Revocation {
    issuer: String,
    revoked: bool,
    token_type_hint: Option<String>,
    note: &'static str,
    exchanges: Vec<ExchangeSummary>,
}

#[tool_router(router = revoke_token_router, vis = "pub(super)")]
impl OAuthTools {
    #[tool(
        name = "oauth2_revoke_token",
        annotations(
            title = "Revoke a token",
            read_only_hint = false,
            destructive_hint = true,
            idempotent_hint = true,
            open_world_hint = true
        ),
        description = "Revoke an access token or a refresh token at the server's revocation \
            endpoint (RFC 7009). Revoking a refresh token usually revokes the access tokens \
            issued with it too. The server answers success also for tokens that are unknown or \
            already invalid (RFC 7009 section 2.2), so success means the token is no longer \
            usable, not that it was live. Use oauth2_validate_token afterwards to see the \
            server's view."
    )]
    pub async fn oauth2_revoke_token(
        &self,
        Parameters(args): Parameters<RevokeTokenArgs>,
    ) -> ToolResult {
        let issuer = args.issuer.clone();
        self.run_tool("oauth2_revoke_token", issuer.as_deref(), |issuer| {
            revoke_token(issuer, args)
        })
        .await
    }
}

async fn revoke_token(issuer: String, args: RevokeTokenArgs) -> ToolResult {
    let client = client(
        &args.client_id,
        args.client_secret.as_ref().map(Secret::secret),
        args.client_auth_method.as_deref(),
    )?;
    let hint = given(args.token_type_hint);
    let connection = Connection::open(&issuer).await?;
    let config = connection.flow_config(client);
    let draft = revocation_request(&config, args.token.secret(), hint.as_deref())?;
    process_revocation(&connection.send("the revocation endpoint", &draft).await?)?;
    success(&Revocation {
        issuer,
        revoked: true,
        token_type_hint: hint,
        note: "the server accepted the revocation; it answers the same for unknown or already \
               invalid tokens (RFC 7009 section 2.2)",
        exchanges: connection.exchanges(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_of_the_arguments_shows_no_secret() {
        let args: RevokeTokenArgs = serde_json::from_value(serde_json::json!({
            "token": "Zq-9token-value", "client_id": "c", "client_secret": "Zq-9secret-value",
        }))
        .unwrap();
        let shown = format!("{args:?}");
        assert!(!shown.contains("Zq-9"), "{shown}");
        assert!(shown.contains("[redacted]"), "{shown}");
    }
}
