//! The built-in authorization server (axum). No terminal in here, and nothing from `oauth`:
//! the server stands alone, and shares only JSON shapes (`crate::wire`) with the client side,
//! and the Bearer side of a protected resource (`crate::resource_server`) with `mcp --http`.
//!
//! Embedded use (tests, the terminal app):
//!
//! ```no_run
//! # async fn demo() -> Result<(), oauthscope::mock::MockError> {
//! use oauthscope::mock::{MockConfig, MockServer};
//! let mut config = MockConfig::demo(); // 127.0.0.1, free port, alice/bob, demo clients
//! config.auto_approve = Some("alice".into());
//! let mock = MockServer::start(config).await?; // returns once the socket is bound
//! println!("issuer: {}", mock.issuer());
//! mock.shutdown().await;
//! # Ok(()) }
//! ```
//!
//! Standalone use: `oauthscope mock [--port N] [--bind ADDR] [--issuer URL] [--config FILE]
//! [--auto-approve USER] [--resource URL]... [--allow-loopback-cimd] [--tenant NAME]...
//! [--no-control | --control-token TOKEN]`. The control API (`/_mock/`, see `control.rs`)
//! lets a test inject faults, move the clock, rotate keys and set claims over HTTP.

mod app;
mod authorization_details;
mod authorize;
mod cimd;
mod client_assertion;
mod client_auth;
mod client_keys;
mod clock;
mod config;
mod control;
mod control_claims;
mod control_clock;
mod control_keys;
mod control_requests;
mod device;
mod dpop;
mod errors;
mod faults;
mod faults_shape;
mod fetch;
mod form;
pub mod fuzzing;
mod http;
mod interaction;
mod introspect;
mod jwks;
mod jwt_bearer;
mod keys;
mod limits;
mod metadata;
mod pages;
mod par;
mod redirect;
mod register;
mod request_object;
mod resource;
mod resource_indicators;
mod revoke;
mod scopes;
mod secrets;
mod signed_jwt;
mod state;
mod tenants;
mod token;
mod token_exchange;
mod tokens;
mod userinfo;

use std::net::SocketAddr;
use std::process::ExitCode;
use std::sync::Arc;

use tokio::net::TcpListener;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

pub use clock::{Clock, ManualClock, SystemClock};
pub use config::{
    ApplicationType, AuthMethod, ClientConfig, DEMO_CONFIDENTIAL_CLIENT, DEMO_EXCHANGE_AUDIENCE,
    DEMO_PUBLIC_CLIENT, DEMO_REDIRECT_URIS, DEMO_SECRET, IntrospectionAccess, Lifetimes,
    MockConfig, SigningAlg, TrustedIssuer, User,
};
pub use control::{CONTROL_PREFIX, ControlConfig};
pub use errors::MockError;
pub use faults::FAULT_HEADER;
pub use form::BODY_LIMIT;
pub use keys::SigningKey;
pub use limits::{Limits, StoreKind};
pub use state::EXPIRED_DEVICE_CODE_KEPT_SECS;
pub use tenants::TenantConfig;

use app::App;
use keys::Keys;

/// `oauthscope mock` options.
#[derive(Debug, clap::Args)]
pub struct MockArgs {
    /// Port to listen on.
    #[arg(long, default_value_t = 9000)]
    pub port: u16,
    /// Address to bind (loopback unless you say otherwise).
    #[arg(long, default_value = "127.0.0.1")]
    pub bind: std::net::IpAddr,
    /// Issuer URL to advertise (default: http://BIND:PORT).
    #[arg(long)]
    pub issuer: Option<String>,
    /// TOML file with users, clients, token lifetimes and signing algorithm.
    #[arg(long)]
    pub config: Option<std::path::PathBuf>,
    /// Complete sign-in and consent as this user with no page shown.
    #[arg(long, value_name = "USER")]
    pub auto_approve: Option<String>,
    /// Also issue tokens for this protected resource (RFC 8707 `resource`); repeatable.
    #[arg(long, value_name = "URL")]
    pub resource: Vec<String>,
    /// Accept Client ID Metadata Documents and client key sets (`jwks_uri`) served over http
    /// from 127.0.0.1/localhost/[::1].
    #[arg(long)]
    pub allow_loopback_cimd: bool,
    /// Require a server nonce in every DPoP proof (RFC 9449 §8): proofs without it are
    /// answered `use_dpop_nonce` with the nonce in `DPoP-Nonce`.
    #[arg(long)]
    pub dpop_nonce: bool,
    /// Refuse authorization requests (at /authorize and /par) that are not a signed request
    /// object (RFC 9101); advertised as `require_signed_request_object`.
    #[arg(long)]
    pub require_signed_request_object: bool,
    /// Do not serve the control API (/_mock/: faults, clock, keys, claims, requests).
    #[arg(long)]
    pub no_control: bool,
    /// Serve the control API to any address, to requests carrying this Bearer token.
    #[arg(
        long,
        value_name = "TOKEN",
        env = "OAUTHSCOPE_MOCK_CONTROL_TOKEN",
        hide_env_values = true
    )]
    pub control_token: Option<crate::oauth::secret::Secret>,
    /// Also serve an issuer at /NAME with its own keys, clients and users; repeatable.
    #[arg(long, value_name = "NAME")]
    pub tenant: Vec<String>,
}

/// Starts the mock.
pub struct MockServer;

impl MockServer {
    /// Binds the socket and starts serving; returns as soon as the socket is bound. Signing keys
    /// are generated in the background, and requests that need them wait for them.
    pub async fn start(config: MockConfig) -> Result<RunningMock, MockError> {
        let config = config.validate()?;
        let requested = SocketAddr::new(config.bind, config.port);
        let listener = TcpListener::bind(requested)
            .await
            .map_err(|source| MockError::Bind {
                addr: requested,
                source,
            })?;
        let addr = listener.local_addr().map_err(|source| MockError::Bind {
            addr: requested,
            source,
        })?;
        let issuer = match &config.issuer {
            Some(issuer) => normalize_issuer(issuer)?,
            None => format!("http://{addr}"),
        };
        let tenant_configs = tenants::configs(&config)?;
        let keys = Keys::generate_in_background(config.signing_alg);
        let app = Arc::new(App::new(&config, issuer.clone(), keys));
        let tenants = tenants::apps(&tenant_configs, &issuer);
        let router = tenants
            .iter()
            .fold(app::router(Arc::clone(&app)), |router, tenant| {
                router.merge(app::router(Arc::clone(tenant)))
            });
        // Either an explicit shutdown or the handle being dropped stops the server.
        let (stop, stopped) = oneshot::channel::<()>();
        let task = tokio::spawn(crate::http_server::serve(
            listener,
            router,
            config.limits.connections(),
            stopped,
        ));
        let sweepers = std::iter::once(&app)
            .chain(&tenants)
            .map(|app| tokio::spawn(sweep_periodically(Arc::clone(app))))
            .collect();
        Ok(RunningMock {
            addr,
            issuer,
            app,
            tenants,
            stop: Some(stop),
            task: Some(task),
            sweepers,
        })
    }
}

/// Drops expired entries from every store, every `limits.sweep_interval_secs`, so memory
/// is returned even when no request comes to trigger a sweep.
async fn sweep_periodically(app: Arc<App>) {
    let mut ticks = tokio::time::interval(app.limits.sweep_interval());
    ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        ticks.tick().await;
        app.store.lock().sweep(app.now());
    }
}

/// The issuer must be an http(s) URL without query or fragment (RFC 8414 §2); a trailing `/`
/// is dropped so endpoint URLs are `issuer + path`.
fn normalize_issuer(issuer: &str) -> Result<String, MockError> {
    let parsed = url::Url::parse(issuer)
        .map_err(|err| MockError::Config(format!("issuer `{issuer}` is not a URL: {err}")))?;
    if !matches!(parsed.scheme(), "http" | "https")
        || parsed.query().is_some()
        || parsed.fragment().is_some()
    {
        return Err(MockError::Config(format!(
            "issuer `{issuer}` must be an http(s) URL with no query or fragment (RFC 8414 section 2)"
        )));
    }
    Ok(issuer.trim_end_matches('/').to_owned())
}

/// A running mock. Dropping it stops the server too; `shutdown` also waits for it to finish.
pub struct RunningMock {
    addr: SocketAddr,
    issuer: String,
    app: Arc<App>,
    /// The further issuers under `/{name}`.
    tenants: Vec<Arc<App>>,
    stop: Option<oneshot::Sender<()>>,
    task: Option<JoinHandle<std::io::Result<()>>>,
    sweepers: Vec<JoinHandle<()>>,
}

impl RunningMock {
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    pub fn issuer(&self) -> &str {
        &self.issuer
    }

    /// The tenants' issuers, in the order they were configured.
    pub fn tenant_issuers(&self) -> Vec<&str> {
        self.tenants.iter().map(|t| t.issuer.as_str()).collect()
    }

    /// How many entries one of the server's stores holds now (for tests and diagnostics).
    pub fn stored(&self, kind: StoreKind) -> usize {
        self.app.store.lock().len(kind)
    }

    /// Waits until the signing keys exist (normally a few tens of milliseconds after start).
    pub async fn keys_ready(&self) -> Result<(), MockError> {
        self.app.keys.ring().await.map(|_| ())
    }

    /// Replaces the signing keys. The old public keys stay in /jwks until every token they
    /// signed has expired, so verifiers holding such a token still find its `kid`.
    pub async fn rotate_keys(&self) -> Result<(), MockError> {
        control_keys::rotate(&self.app, false).await.map(|_| ())
    }

    /// Stops accepting connections, lets requests in flight finish, and waits for the server.
    pub async fn shutdown(mut self) {
        for sweeper in &self.sweepers {
            sweeper.abort();
        }
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(task) = self.task.take() {
            match task.await {
                Ok(Ok(())) => {}
                Ok(Err(err)) => tracing::warn!("the mock server stopped with an error: {err}"),
                Err(err) => tracing::warn!("the mock server task failed: {err}"),
            }
        }
    }
}

impl Drop for RunningMock {
    fn drop(&mut self) {
        for sweeper in &self.sweepers {
            sweeper.abort();
        }
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }
}

/// `oauthscope mock`: serve until Ctrl-C.
pub async fn run_standalone(args: MockArgs) -> ExitCode {
    // One log line per request: written by a background thread, so a request never waits
    // on stderr (a slow terminal or pipe). Not lossy: under a flood the request path waits
    // rather than drops lines. The guard flushes what is queued when the mock stops.
    let (log_writer, _log_flush) = tracing_appender::non_blocking::NonBlockingBuilder::default()
        .lossy(false)
        .thread_name("oauthscope-mock-log")
        .finish(std::io::stderr());
    let _ = tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info")),
        )
        .with_writer(log_writer)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .try_init();
    let config = match &args.config {
        Some(path) => MockConfig::from_toml_file(path),
        None => Ok(MockConfig::demo()),
    };
    let mut config = match config {
        Ok(config) => config,
        Err(err) => {
            eprintln!("oauthscope mock: {err}");
            return ExitCode::FAILURE;
        }
    };
    config.bind = args.bind;
    config.port = args.port;
    config.issuer = args.issuer;
    config.auto_approve = args.auto_approve;
    config.resources.extend(args.resource);
    config.allow_loopback_cimd = args.allow_loopback_cimd;
    config.dpop_nonce = args.dpop_nonce;
    config.require_signed_request_object |= args.require_signed_request_object;
    config
        .tenants
        .extend(args.tenant.into_iter().map(TenantConfig::named));
    config.control = ControlConfig {
        enabled: !args.no_control,
        token: args.control_token,
    };
    let summary = banner(&config);
    let mock = match MockServer::start(config).await {
        Ok(mock) => mock,
        Err(err) => {
            eprintln!("oauthscope mock: {err}");
            return ExitCode::FAILURE;
        }
    };
    println!("oauthscope mock authorization server\n");
    println!("  issuer     {}", mock.issuer());
    println!(
        "  discovery  {}{}",
        mock.issuer(),
        crate::wire::OIDC_METADATA_PATH
    );
    for tenant in mock.tenant_issuers() {
        println!("  tenant     {tenant}");
    }
    println!("{summary}");
    println!("Press Ctrl-C to stop.");
    if let Err(err) = tokio::signal::ctrl_c().await {
        eprintln!("oauthscope mock: cannot listen for Ctrl-C ({err}); stopping");
    }
    eprintln!("oauthscope mock: shutting down");
    mock.shutdown().await;
    ExitCode::SUCCESS
}

/// Users and clients for the start-up banner. Only the well-known demo secret is printed.
fn banner(config: &MockConfig) -> String {
    let users: Vec<&str> = config.users.iter().map(|u| u.username.as_str()).collect();
    let mut lines = vec![format!("  users      {}", users.join(", "))];
    if let Some(user) = &config.auto_approve {
        lines.push(format!(
            "  auto-approve as {user} (no login or consent pages)"
        ));
    }
    for client in &config.clients {
        let auth = match (client.client_secret.as_deref(), &client.jwks_uri) {
            (Some(DEMO_SECRET), _) => format!("client_secret {DEMO_SECRET}"),
            (Some(_), _) => "client_secret from the config file".to_owned(),
            (None, Some(uri)) => format!("private_key_jwt, keys from jwks_uri {uri}"),
            (None, None) if client.jwks.is_some() => "private_key_jwt, keys in jwks".to_owned(),
            (None, None) => "public, PKCE required".to_owned(),
        };
        lines.push(format!("  client     {}  ({auth})", client.client_id));
    }
    let demo_redirects = config
        .clients
        .iter()
        .flat_map(|c| &c.redirect_uris)
        .any(|uri| DEMO_REDIRECT_URIS.contains(&uri.as_str()));
    if demo_redirects {
        lines.push(format!(
            "  redirect   {} (any port on loopback)",
            DEMO_REDIRECT_URIS.join(", ")
        ));
    }
    lines.join("\n") + "\n"
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_banner_says_how_each_client_authenticates() {
        let mut config = MockConfig::demo();
        config.clients.push(ClientConfig {
            client_id: "remote-keys".into(),
            jwks_uri: Some("https://app.example/jwks.json".into()),
            ..ClientConfig::default()
        });
        let config = config.validate().unwrap();
        let banner = banner(&config);
        assert!(
            banner.contains(
                "remote-keys  (private_key_jwt, keys from jwks_uri https://app.example/jwks.json)"
            ),
            "{banner}"
        );
        assert!(
            banner.contains("demo-public  (public, PKCE required)"),
            "{banner}"
        );
    }

    #[test]
    fn issuer_override_is_checked_and_trimmed() {
        assert_eq!(
            normalize_issuer("http://localhost:9000/").unwrap(),
            "http://localhost:9000"
        );
        assert!(normalize_issuer("ftp://x").is_err());
        assert!(normalize_issuer("http://x/?a=b").is_err());
        assert!(normalize_issuer("not a url").is_err());
    }
}
