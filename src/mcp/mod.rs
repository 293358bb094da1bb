//! The MCP stdio server: five OAuth tools, thin adapters over the protocol engine.
//!
//! `oauthscope mcp [--mock] [--config FILE]` serves `oauth2_authorize`,
//! `oauth2_exchange_token`, `oauth2_validate_token`, `oauth2_revoke_token` and
//! `oauth2_register_client` over stdio. Every tool resolves its issuer (the one it is given,
//! else the default server), calls the engine in [`crate::oauth`], and shapes the answer for a
//! model to read. No protocol logic lives here.
//!
//! `oauthscope mcp --http [ADDR]` serves the same tools over Streamable HTTP as an
//! OAuth-protected resource (see [`http`]).

mod access;
mod authorize;
mod connection;
mod errors;
mod exchange_token;
pub mod http;
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
    /// Serve over Streamable HTTP at ADDR (default 127.0.0.1:8420) instead of stdio, as an
    /// OAuth-protected resource: clients need an access token for it.
    #[arg(long, value_name = "ADDR", num_args = 0..=1, default_missing_value = http::DEFAULT_ADDR)]
    pub http: Option<std::net::SocketAddr>,
    /// With --http: the authorization server whose access tokens are accepted (default: the
    /// built-in mock, started in this process).
    #[arg(long, value_name = "URL", requires = "http", conflicts_with = "mock")]
    pub issuer: Option<String>,
    /// With --http: the scope every MCP request needs.
    #[arg(long, default_value = http::DEFAULT_SCOPE, requires = "http")]
    pub scope: String,
    /// With --http on the built-in mock: complete every sign-in as this user, no page shown.
    #[arg(
        long,
        value_name = "USER",
        requires = "http",
        conflicts_with = "issuer"
    )]
    pub auto_approve: Option<String>,
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

/// Serves the tools over Streamable HTTP on `listener` until Ctrl-C, accepting tokens from
/// `--issuer`, else from the built-in mock `practice` describes.
pub async fn serve_http(
    args: McpArgs,
    listener: tokio::net::TcpListener,
    practice: Option<PracticeServer>,
) -> ExitCode {
    logging::init();
    let (issuer, note) = match (&args.issuer, &practice) {
        (Some(issuer), _) => (issuer.trim().to_string(), String::new()),
        (None, Some(practice)) => (practice.issuer.clone(), " (built-in mock)".to_string()),
        (None, None) => {
            eprintln!("oauthscope mcp --http: no authorization server: give --issuer URL");
            return ExitCode::FAILURE;
        }
    };
    let mut tools = OAuthTools::new(Some(issuer.clone()));
    // The note promises sign-ins with no browser, true only when the mock auto-approves.
    if let (Some(practice), Some(_)) = (&practice, &args.auto_approve) {
        tools = tools.with_default_note(practice_note(practice));
    }
    let mut server = match http::start(listener, tools, &issuer, &args.scope) {
        Ok(server) => server,
        Err(err) => {
            eprintln!("oauthscope mcp --http: cannot serve: {err}");
            return ExitCode::FAILURE;
        }
    };
    println!("{}", http::banner(&server, &issuer, &note, &args.scope));
    let ended = tokio::select! {
        ended = server.wait() => ended,
        signal = tokio::signal::ctrl_c() => signal
            .map_err(|err| format!("cannot listen for Ctrl-C ({err}); stopping")),
    };
    server.shutdown().await;
    match ended {
        Ok(()) => ExitCode::SUCCESS,
        Err(reason) => {
            eprintln!("oauthscope mcp --http: {reason}");
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
