//! `oauthscope mcp --http [ADDR]`: the five OAuth tools over Streamable HTTP at `/mcp` (MCP
//! 2025-11-25 "Transports"), as an OAuth-protected resource (MCP "Authorization"):
//!
//! - `/mcp` without a valid token is refused with `WWW-Authenticate: Bearer
//!   resource_metadata="…", scope="…"` (RFC 9728 §5.1); the checks are in [`super::access`];
//! - `/.well-known/oauth-protected-resource/mcp` (RFC 9728 §3.1, path inserted) and the
//!   well-known path at the root both serve the RFC 9728 document naming the issuer.
//!
//! The MCP protocol itself is rmcp's Streamable HTTP server: the same [`OAuthTools`] as the
//! stdio server, one instance per session.

use std::net::SocketAddr;
use std::sync::Arc;

use axum::Json;
use axum::Router;
use axum::extract::{Request, State};
use axum::http::header;
use axum::middleware::{self, Next};
use axum::response::Response;
use axum::routing::get;
use rmcp::transport::streamable_http_server::session::local::LocalSessionManager;
use rmcp::transport::streamable_http_server::{StreamableHttpServerConfig, StreamableHttpService};
use tokio::net::TcpListener;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

use super::access::Access;
use super::server::OAuthTools;
use crate::http_server::{self, ConnectionLimits};
use crate::resource_server;
use crate::wire::{PROTECTED_RESOURCE_METADATA_PATH, ProtectedResourceMetadata};

/// Where the MCP endpoint is on this server.
pub const MCP_PATH: &str = "/mcp";
/// The scope every MCP request needs unless `--scope` says otherwise.
pub const DEFAULT_SCOPE: &str = "mcp:tools";
/// Where `--http` listens when given no address.
pub const DEFAULT_ADDR: &str = "127.0.0.1:8420";

/// The URL tokens must name in `aud` for a server listening on `addr`.
pub fn resource_url(addr: SocketAddr) -> String {
    format!("http://{addr}{MCP_PATH}")
}

/// The server's URL is built from the address it binds, and every token must name that URL
/// in `aud`: a wildcard address (0.0.0.0, ::) names no URL a client could use.
pub fn check_bind(addr: SocketAddr) -> Result<(), String> {
    if addr.ip().is_unspecified() {
        return Err(format!(
            "{addr} is a wildcard address; give the address clients reach this server at \
             (e.g. 127.0.0.1:8420 or 192.168.1.5:8420): the server's URL, which tokens must \
             name in aud (RFC 8707 section 2), is built from it"
        ));
    }
    Ok(())
}

/// What the protected resource is and whom it trusts.
struct Site {
    access: Access,
    metadata_url: String,
}

/// A running HTTP MCP server. Dropping it stops the server.
pub struct RunningHttp {
    addr: SocketAddr,
    url: String,
    metadata_url: String,
    stop: Option<oneshot::Sender<()>>,
    task: Option<JoinHandle<std::io::Result<()>>>,
}

impl RunningHttp {
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The MCP endpoint's URL (the protected resource).
    pub fn url(&self) -> &str {
        &self.url
    }

    /// The RFC 9728 document's URL.
    pub fn metadata_url(&self) -> &str {
        &self.metadata_url
    }

    /// Stops accepting and waits for the server to finish.
    pub async fn shutdown(mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(task) = self.task.take() {
            let _ = task.await;
        }
    }

    /// Serves until the server fails (the caller usually races this against Ctrl-C).
    pub async fn wait(&mut self) -> Result<(), String> {
        match self.task.take() {
            Some(task) => match task.await {
                Ok(Ok(())) => Ok(()),
                Ok(Err(err)) => Err(format!("the HTTP server stopped: {err}")),
                Err(err) => Err(format!("the HTTP server failed: {err}")),
            },
            None => Ok(()),
        }
    }
}

impl Drop for RunningHttp {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }
}

/// Serves `tools` on `listener`, for tokens `issuer` issues with `scope`. Returns once serving.
pub fn start(
    listener: TcpListener,
    tools: OAuthTools,
    issuer: &str,
    scope: &str,
) -> std::io::Result<RunningHttp> {
    let addr = listener.local_addr()?;
    let url = resource_url(addr);
    let metadata_url = resource_server::metadata_url(&url).unwrap_or_default();
    let site = Arc::new(Site {
        access: Access::new(issuer, url.clone(), scope),
        metadata_url: metadata_url.clone(),
    });
    let router = router(site, tools, addr);
    let (stop, stopped) = oneshot::channel::<()>();
    let task = tokio::spawn(http_server::serve(
        listener,
        router,
        ConnectionLimits::default(),
        stopped,
    ));
    Ok(RunningHttp {
        addr,
        url,
        metadata_url,
        stop: Some(stop),
        task: Some(task),
    })
}

fn router(site: Arc<Site>, tools: OAuthTools, addr: SocketAddr) -> Router {
    // rmcp refuses a Host it does not know (DNS rebinding); loopback names plus the address
    // actually bound, so `--http 192.168.1.5:8420` answers on that address too.
    let mut hosts = vec![
        "localhost".to_owned(),
        "127.0.0.1".to_owned(),
        "::1".to_owned(),
    ];
    hosts.push(addr.ip().to_string());
    let config = StreamableHttpServerConfig::default().with_allowed_hosts(hosts);
    let mcp = StreamableHttpService::new(
        move || Ok(tools.clone()),
        Arc::new(LocalSessionManager::default()),
        config,
    );
    let mcp = Router::new()
        .route_service(MCP_PATH, mcp)
        .layer(middleware::from_fn_with_state(Arc::clone(&site), guard));
    let metadata_path = format!("{PROTECTED_RESOURCE_METADATA_PATH}{MCP_PATH}");
    let documents = Router::new()
        .route(&metadata_path, get(metadata))
        .route(PROTECTED_RESOURCE_METADATA_PATH, get(metadata))
        .with_state(site);
    mcp.merge(documents)
}

/// Lets a request through to the MCP service only with a token [`Access`] accepts. The
/// `Authorization` header is dropped on the way in: the tools never see the caller's token.
async fn guard(State(site): State<Arc<Site>>, mut request: Request, next: Next) -> Response {
    match site.access.check(request.headers()).await {
        Ok(()) => {
            request.headers_mut().remove(header::AUTHORIZATION);
            next.run(request).await
        }
        Err(refusal) => {
            tracing::info!(
                status = refusal.status().as_u16(),
                "MCP request refused: {refusal:?}"
            );
            refusal.into_response(&site.metadata_url, site.access.scope())
        }
    }
}

/// The RFC 9728 §2 document (§3.2 response).
async fn metadata(State(site): State<Arc<Site>>) -> Json<ProtectedResourceMetadata> {
    Json(ProtectedResourceMetadata {
        resource: site.access.resource().to_owned(),
        authorization_servers: vec![site.access.issuer().to_owned()],
        scopes_supported: vec![site.access.scope().to_owned()],
        bearer_methods_supported: vec!["header".to_owned()],
        resource_name: Some("oauthscope OAuth tools".to_owned()),
        extra: Default::default(),
    })
}

/// The start-up banner: where the server is, whom it trusts, and how to add it to a client.
pub fn banner(server: &RunningHttp, issuer: &str, issuer_note: &str, scope: &str) -> String {
    let url = server.url();
    format!(
        "oauthscope MCP server (Streamable HTTP, OAuth-protected)\n\n  \
         MCP URL    {url}\n  \
         issuer     {issuer}{issuer_note}\n  \
         scope      {scope}\n  \
         metadata   {}\n\n\
         Add it to an MCP client by its URL:\n  \
         Claude Code      claude mcp add --transport http oauthscope {url}\n  \
         Claude Desktop   claude_desktop_config.json: {{\"mcpServers\": {{\"oauthscope\": {{\"command\": \"npx\", \"args\": [\"mcp-remote\", \"{url}\"]}}}}}}\n  \
         Cursor           ~/.cursor/mcp.json: {{\"mcpServers\": {{\"oauthscope\": {{\"url\": \"{url}\"}}}}}}\n\
         The client signs in at the issuer (OAuth 2.1 with PKCE and resource={url}).\n\
         Press Ctrl-C to stop.",
        server.metadata_url()
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_wildcard_address_names_no_url() {
        assert!(check_bind("0.0.0.0:8420".parse().unwrap()).is_err());
        assert!(check_bind("[::]:8420".parse().unwrap()).is_err());
        assert!(check_bind("127.0.0.1:0".parse().unwrap()).is_ok());
        assert_eq!(
            resource_url("[::1]:8420".parse().unwrap()),
            "http://[::1]:8420/mcp"
        );
    }
}
