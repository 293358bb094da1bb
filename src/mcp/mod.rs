//! The MCP stdio server: five OAuth tools, thin adapters over the protocol engine.
//!
//! `oauthscope mcp [--mock] [--config FILE]` serves `oauth2_authorize`,
//! `oauth2_exchange_token`, `oauth2_validate_token`, `oauth2_revoke_token` and
//! `oauth2_register_client` over stdio. Every tool resolves its issuer (the one it is given,
//! else the default server), calls the engine in [`crate::oauth`], and shapes the answer for a
//! model to read. No protocol logic lives here.

mod authorize;
mod connection;
mod errors;
mod exchange_token;
mod logging;
mod register_client;
mod revoke_token;
mod server;
mod validate_token;

use std::process::ExitCode;

use rmcp::ServiceExt;

use crate::mock::{
    DEMO_CONFIDENTIAL_CLIENT, DEMO_PUBLIC_CLIENT, DEMO_REDIRECT_URIS, DEMO_SECRET, MockConfig,
    MockServer, RunningMock,
};
use crate::profile::{self, Profile};

pub use errors::{ReportedBy, ToolError};
pub use server::OAuthTools;

#[derive(Debug, clap::Args)]
pub struct McpArgs {
    /// Also start the built-in mock in this process and make it the default server.
    #[arg(long)]
    pub mock: bool,
    /// Profile file with saved servers (the one marked `default = true` is the default server);
    /// else the terminal app's profile in the config directory.
    #[arg(long)]
    pub config: Option<std::path::PathBuf>,
}

/// The user the built-in mock signs in as under `--mock`: the assistant has no browser.
pub const MOCK_USER: &str = "alice";

pub async fn serve(args: McpArgs) -> ExitCode {
    logging::init();
    // Kept alive for the whole session: dropping it stops the mock.
    let mock = if args.mock {
        match start_mock().await {
            Ok(mock) => Some(mock),
            Err(reason) => {
                tracing::error!("{reason}");
                return ExitCode::FAILURE;
            }
        }
    } else {
        None
    };
    let default_issuer = match &mock {
        Some(mock) => Some(mock.issuer().to_string()),
        None => saved_default_issuer(args.config.as_deref()),
    };
    match &default_issuer {
        Some(issuer) => tracing::info!("default server: {issuer}"),
        None => tracing::info!("no default server: every call must name its issuer"),
    }
    let mut tools = OAuthTools::new(default_issuer);
    if mock.is_some() {
        tools = tools.with_default_note(mock_note());
    }
    let served = serve_on(tools, rmcp::transport::stdio()).await;
    if let Some(mock) = mock {
        mock.shutdown().await;
    }
    match served {
        Ok(()) => ExitCode::SUCCESS,
        Err(reason) => {
            tracing::error!("{reason}");
            ExitCode::FAILURE
        }
    }
}

/// The built-in mock on an ephemeral 127.0.0.1 port, approving every sign-in as [`MOCK_USER`].
async fn start_mock() -> Result<RunningMock, String> {
    let mut config = MockConfig::demo();
    config.auto_approve = Some(MOCK_USER.to_string());
    let mock = MockServer::start(config)
        .await
        .map_err(|err| format!("cannot start the built-in mock: {err}"))?;
    tracing::info!(
        "built-in mock serving at {} (sign-in auto-approved as {MOCK_USER})",
        mock.issuer()
    );
    Ok(mock)
}

/// What a model needs to practise on the built-in mock without asking the user.
fn mock_note() -> String {
    format!(
        "It is oauthscope's built-in mock authorization server. Registered clients: \
         {DEMO_PUBLIC_CLIENT} (public: no secret, PKCE) and {DEMO_CONFIDENTIAL_CLIENT} (secret \
         {DEMO_SECRET}), both with redirect URIs {} (a loopback URI may use any port). Sign-in \
         is approved at once as {MOCK_USER}: fetching the authorization URL answers with a \
         redirect to redirect_uri carrying the code, no browser needed.",
        DEMO_REDIRECT_URIS.join(" and ")
    )
}

/// Serves the tools on any MCP transport until the client goes away.
pub async fn serve_on<T, E, A>(tools: OAuthTools, transport: T) -> Result<(), String>
where
    T: rmcp::transport::IntoTransport<rmcp::RoleServer, E, A>,
    E: std::error::Error + Send + Sync + 'static,
{
    let running = tools
        .serve(transport)
        .await
        .map_err(|err| format!("the MCP session did not start: {err}"))?;
    running
        .waiting()
        .await
        .map(|_| ())
        .map_err(|err| format!("the MCP session ended abnormally: {err}"))
}

/// The saved server marked `default = true` in the profile file, if any. A missing file means
/// nothing was saved yet; a file that cannot be read or parsed is reported on stderr and
/// otherwise ignored: the tools still work with an explicit `issuer`.
fn saved_default_issuer(config: Option<&std::path::Path>) -> Option<String> {
    let path = match config.map_or_else(profile::default_path, |path| Ok(path.to_path_buf())) {
        Ok(path) => path,
        Err(err) => {
            tracing::warn!("{err}; no default server");
            return None;
        }
    };
    if config.is_some() && !path.exists() {
        tracing::warn!("profile file {} does not exist", path.display());
    }
    match Profile::load(&path) {
        Ok(saved) => saved
            .default_server()
            .map(|server| server.issuer.trim().to_string())
            .filter(|issuer| !issuer.is_empty()),
        Err(err) => {
            tracing::error!("{err}; no default server");
            None
        }
    }
}
