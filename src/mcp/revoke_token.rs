//! `oauth2_revoke_token`.

use rmcp::handler::server::wrapper::Parameters;
use rmcp::{schemars, tool, tool_router};
use serde::Deserialize;

use super::errors::{ToolError, ToolResult};
use super::server::OAuthTools;

/// Arguments of `oauth2_revoke_token`.
#[derive(Debug, Deserialize, schemars::JsonSchema)]
pub struct Args {
    /// Issuer URL of the authorization server. Leave it out to use the default server.
    pub issuer: Option<String>,
}

#[tool_router(router = revoke_token_router, vis = "pub(super)")]
impl OAuthTools {
    #[tool(
        name = "oauth2_revoke_token",
        description = "placeholder placeholder placeholder placeholder placeholder"
    )]
    pub async fn oauth2_revoke_token(&self, Parameters(args): Parameters<Args>) -> ToolResult {
        self.run_tool(
            "oauth2_revoke_token",
            args.issuer.as_deref(),
            move |_issuer| async move {
                Err(ToolError::local(
                    "not_available",
                    "the engine is not wired yet",
                ))
            },
        )
        .await
    }
}
