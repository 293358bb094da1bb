//! `oauth2_register_client`: dynamic client registration (RFC 7591).

use rmcp::handler::server::wrapper::Parameters;
use rmcp::{schemars, tool, tool_router};
use serde::{Deserialize, Serialize};

use super::connection::{Connection, ExchangeSummary, given};
use super::errors::{ToolError, ToolResult, success};
use super::server::OAuthTools;
use crate::oauth::discovery::Warning;
use crate::oauth::registration::{RegisteredClient, Registrar, client_metadata};
use crate::oauth::send_policy::CrossHostConsent;

/// Arguments of `oauth2_register_client`.
#[derive(Debug, Deserialize, schemars::JsonSchema)]
pub struct RegisterClientArgs {
    /// Issuer URL of the authorization server. Leave it out to use the default server.
    pub issuer: Option<String>,
    /// The redirect URIs the client will use, absolute and without fragment, e.g.
    /// ["http://127.0.0.1/callback"]. A loopback http://127.0.0.1 URI may be used with any port.
    pub redirect_uris: Vec<String>,
    /// A human-readable name shown on the server's consent page.
    pub client_name: Option<String>,
    /// How the client authenticates at the token endpoint: "client_secret_basic" (the default
    /// at most servers), "client_secret_post", or "none" for a public client (no secret; PKCE
    /// protects its code exchange).
    pub token_endpoint_auth_method: Option<String>,
    /// Grants the client may use, e.g. ["authorization_code", "refresh_token"]. The server's
    /// default is usually ["authorization_code"].
    pub grant_types: Option<Vec<String>>,
    /// Space-separated scopes the client may ask for, e.g. "openid profile email".
    pub scope: Option<String>,
}

/// What `oauth2_register_client` returns: the server's registration response, whole.
#[derive(Debug, Serialize)]
struct Registration {
    issuer: String,
    #[serde(flatten)]
    client: RegisteredClient,
    /// Members the server sent mistyped (RFC 7591 §3.2.1): the client is kept, each is named.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    warnings: Vec<Warning>,
    exchanges: Vec<ExchangeSummary>,
}

#[tool_router(router = register_client_router, vis = "pub(super)")]
impl OAuthTools {
    #[tool(
        name = "oauth2_register_client",
        annotations(
            title = "Register an OAuth client",
            read_only_hint = false,
            destructive_hint = false,
            idempotent_hint = false,
            open_world_hint = true
        ),
        description = "Register a new OAuth client at the server's registration endpoint \
            (RFC 7591 dynamic client registration). Returns what the server accepted: \
            client_id, client_secret (unless token_endpoint_auth_method is none), \
            registration_access_token and registration_client_uri (keep both to read, update or \
            delete the client later, RFC 7592), the registered metadata, and warnings naming \
            any member the server sent mistyped (the client is kept). Use the client_id and \
            client_secret with the other tools."
    )]
    pub async fn oauth2_register_client(
        &self,
        Parameters(args): Parameters<RegisterClientArgs>,
    ) -> ToolResult {
        let issuer = args.issuer.clone();
        self.run_tool("oauth2_register_client", issuer.as_deref(), |issuer| {
            register_client(issuer, args)
        })
        .await
    }
}

async fn register_client(issuer: String, args: RegisterClientArgs) -> ToolResult {
    let connection = Connection::open(&issuer).await?;
    let endpoint = connection
        .metadata
        .registration_endpoint
        .clone()
        .ok_or_else(|| {
            ToolError::invalid_request(format!(
                "{issuer} does not offer dynamic client registration (its metadata has no \
                 registration_endpoint): register the client in the server's console instead"
            ))
        })?;
    let auth_method = given(args.token_endpoint_auth_method);
    let scope = given(args.scope);
    let client_name = given(args.client_name);
    let metadata = client_metadata(
        &args.redirect_uris,
        auth_method.as_deref(),
        scope.as_deref(),
        &args.grant_types.unwrap_or_default(),
        client_name.as_deref(),
    );
    // A tool has no user to ask: another host than the issuer's is refused.
    let consent = CrossHostConsent::default();
    let registrar = Registrar::new(&connection.http, &connection.metadata.issuer, &consent);
    let client = registrar.register(&endpoint, &metadata).await?;
    success(&Registration {
        issuer,
        warnings: client.warnings.clone(),
        client,
        exchanges: connection.exchanges(),
    })
}
