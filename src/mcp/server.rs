//! The MCP server itself: its identity, its instructions, and the router of the five tools.
//!
//! Each tool lives in its own file (an `impl OAuthTools` block with its own router); this file
//! joins the routers and answers `initialize`.

use rmcp::handler::server::router::tool::ToolRouter;
use rmcp::model::{Implementation, ServerCapabilities, ServerConfig};
use rmcp::{ServerHandler, tool_handler};

use super::errors::{ToolError, ToolResult};
use super::logging;

/// The MCP face of oauthscope: five OAuth tools over the protocol engine.
#[derive(Clone)]
pub struct OAuthTools {
    /// Used when a call leaves `issuer` out: the built-in mock, or the saved default server.
    default_issuer: Option<String>,
    /// What a model should know about the default server (the demo clients of the mock...).
    default_note: Option<String>,
    tool_router: ToolRouter<Self>,
}

impl OAuthTools {
    pub fn new(default_issuer: Option<String>) -> Self {
        OAuthTools {
            default_issuer,
            default_note: None,
            tool_router: Self::authorize_router()
                + Self::exchange_token_router()
                + Self::validate_token_router()
                + Self::revoke_token_router()
                + Self::register_client_router(),
        }
    }

    /// Adds what a model should know about the default server to the instructions.
    pub fn with_default_note(mut self, note: impl Into<String>) -> Self {
        self.default_note = Some(note.into());
        self
    }

    pub fn default_issuer(&self) -> Option<&str> {
        self.default_issuer.as_deref()
    }

    /// The issuer a call talks to: the one it names, else the default server. Kept exactly as
    /// written (a trailing `/` included): the metadata's issuer must match it character for
    /// character (RFC 8414 §3.3), and some servers' issuers do end in `/`.
    pub(super) fn resolve_issuer(&self, given: Option<&str>) -> Result<String, ToolError> {
        let given = given.map(str::trim).filter(|issuer| !issuer.is_empty());
        match (given, self.default_issuer()) {
            (Some(issuer), _) | (None, Some(issuer)) => Ok(issuer.to_string()),
            (None, None) => Err(ToolError::invalid_request(
                "no issuer given and no default server is set: pass `issuer` (the authorization \
                 server's issuer URL), or start `oauthscope mcp --mock`, or mark a saved server \
                 `default = true` in the profile file",
            )),
        }
    }

    /// Runs one tool call: resolves its issuer, runs `body` on it, and logs how it ended (the
    /// tool, the server and the error code; never an argument or a result value).
    pub(super) async fn run_tool<F, Fut>(
        &self,
        tool: &str,
        issuer: Option<&str>,
        body: F,
    ) -> ToolResult
    where
        F: FnOnce(String) -> Fut,
        Fut: Future<Output = ToolResult>,
    {
        let (issuer, result) = match self.resolve_issuer(issuer) {
            Ok(issuer) => (Some(issuer.clone()), body(issuer).await),
            Err(err) => (None, Err(err)),
        };
        logging::call_finished(
            tool,
            issuer.as_deref(),
            result.as_ref().err().map(|err| err.error.as_str()),
        );
        result
    }

    /// The tool names and definitions, as `tools/list` reports them.
    pub fn tools(&self) -> Vec<rmcp::model::Tool> {
        self.tool_router.list_all()
    }

    fn instructions(&self) -> String {
        let default = match self.default_issuer() {
            Some(issuer) => format!(
                "Calls that leave `issuer` out use the default server {issuer}. {}",
                self.default_note.as_deref().unwrap_or_default()
            ),
            None => "No default server is set: pass `issuer` on every call.".to_string(),
        };
        format!(
            "OAuth 2.0 / OpenID Connect tools that run against any authorization server with the \
             user's own credentials, locally. A typical flow: oauth2_register_client (or use a \
             client you have) -> oauth2_authorize (open the URL it returns; the browser ends on \
             redirect_uri with `code` and `state`; check `state`) -> oauth2_exchange_token with \
             grant_type authorization_code, the code and the code_verifier -> \
             oauth2_validate_token -> oauth2_revoke_token. Failures come back as tool errors \
             with `error` and `error_description`. Results contain live secrets (tokens, client \
             secrets): do not repeat them to anyone but the user. {default}"
        )
    }
}

#[tool_handler(router = self.tool_router)]
impl ServerHandler for OAuthTools {
    fn get_info(&self) -> ServerConfig {
        ServerConfig::new(ServerCapabilities::builder().enable_tools().build())
            .with_server_info(
                Implementation::new("oauthscope", env!("CARGO_PKG_VERSION"))
                    .with_title("oauthscope")
                    .with_description(
                        "OAuth 2.0 and OpenID Connect tools: authorize, exchange, validate, \
                         revoke, register.",
                    ),
            )
            .with_instructions(self.instructions())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_named_issuer_wins_over_the_default() {
        let tools = OAuthTools::new(Some("http://127.0.0.1:9000".into()));
        assert_eq!(
            tools.resolve_issuer(Some(" https://as.example/ ")).unwrap(),
            "https://as.example/"
        );
        assert_eq!(
            tools.resolve_issuer(Some("  ")).unwrap(),
            "http://127.0.0.1:9000"
        );
        assert_eq!(tools.resolve_issuer(None).unwrap(), "http://127.0.0.1:9000");
    }

    #[test]
    fn no_issuer_and_no_default_is_a_readable_error() {
        let err = OAuthTools::new(None).resolve_issuer(None).unwrap_err();
        assert_eq!(err.error, "invalid_request");
        assert!(err.error_description.contains("--mock"), "{err}");
    }

    #[test]
    fn reports_its_own_name_and_the_default_server() {
        let info = OAuthTools::new(Some("http://127.0.0.1:9000".into()))
            .with_default_note("Client demo-public is registered.")
            .get_info();
        assert_eq!(info.server_info.name, "oauthscope");
        assert!(info.capabilities.tools.is_some());
        let instructions = info.instructions.unwrap();
        assert!(instructions.contains("default server http://127.0.0.1:9000"));
        assert!(instructions.contains("Client demo-public is registered."));
    }

    #[test]
    fn lists_the_five_tools_each_described() {
        let tools = OAuthTools::new(None).tools();
        let mut names: Vec<&str> = tools.iter().map(|t| t.name.as_ref()).collect();
        names.sort();
        assert_eq!(
            names,
            [
                "oauth2_authorize",
                "oauth2_exchange_token",
                "oauth2_register_client",
                "oauth2_revoke_token",
                "oauth2_validate_token",
            ]
        );
        for tool in &tools {
            let description = tool.description.as_deref().unwrap_or_default();
            assert!(description.len() > 40, "{} is barely described", tool.name);
            let properties = tool.input_schema["properties"].as_object().unwrap();
            for (name, schema) in properties {
                assert!(
                    schema.get("description").is_some(),
                    "{}.{name} has no description",
                    tool.name
                );
            }
        }
    }
}
