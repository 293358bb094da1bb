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

use crate::profile::{self, ClientProfile, Profile};

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

/// The built-in mock when `--mock` started it in this process (main starts it): the
/// default server, described to the model so it can practise without asking the user.
pub struct PracticeServer {
    pub issuer: String,
    pub clients: Vec<ClientProfile>,
    /// The redirect URIs registered for the clients (a loopback URI may use any port).
    pub redirect_uris: Vec<String>,
    /// The user every sign-in is approved as.
    pub signs_in_as: String,
}

pub async fn serve(args: McpArgs, practice: Option<PracticeServer>) -> ExitCode {
    logging::init();
    if let Some(practice) = &practice {
        tracing::info!(
            "built-in mock serving at {} (sign-in auto-approved as {})",
            practice.issuer,
            practice.signs_in_as
        );
    }
    let default_issuer = match &practice {
        Some(practice) => Some(practice.issuer.clone()),
        None => saved_default_issuer(args.config.as_deref()),
    };
    match &default_issuer {
        Some(issuer) => tracing::info!("default server: {issuer}"),
        None => tracing::info!("no default server: every call must name its issuer"),
    }
    let mut tools = OAuthTools::new(default_issuer);
    if let Some(practice) = &practice {
        tools = tools.with_default_note(practice_note(practice));
    }
    match serve_on(tools, rmcp::transport::stdio()).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(reason) => {
            tracing::error!("{reason}");
            ExitCode::FAILURE
        }
    }
}

/// What a model needs to practise on the built-in mock without asking the user.
fn practice_note(practice: &PracticeServer) -> String {
    let clients: Vec<String> = practice
        .clients
        .iter()
        .map(|client| match &client.client_secret {
            None => format!("{} (public: no secret, PKCE)", client.client_id),
            Some(secret) => format!("{} (secret {secret})", client.client_id),
        })
        .collect();
    format!(
        "It is oauthscope's built-in mock authorization server. Registered clients: {}, each \
         with redirect URIs {} (a loopback URI may use any port). Sign-in is approved at once \
         as {}: fetching the authorization URL answers with a redirect to redirect_uri \
         carrying the code, no browser needed.",
        clients.join(" and "),
        practice.redirect_uris.join(" and "),
        practice.signs_in_as
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
