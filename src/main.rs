use std::io::Write as _;
use std::process::ExitCode;

use clap::{CommandFactory, Parser, Subcommand};

mod embedded;

/// Explore OAuth 2.0 and OpenID Connect in the terminal, one visible request at a time.
///
/// With no command, opens the terminal app on the built-in mock authorization server.
#[derive(Parser)]
#[command(name = "oauthscope", version, about, long_about)]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
    #[command(flatten)]
    tui: oauthscope::tui::TuiArgs,
}

#[derive(Subcommand)]
enum Command {
    /// Run the built-in authorization server on its own, or control a running one.
    Mock(oauthscope::cli::mock_control::MockCommand),
    /// Fetch and check a server's metadata (RFC 8414, OIDC Discovery).
    Discover(oauthscope::cli::DiscoverArgs),
    /// Run a flow step by step: code, par, device, client-credentials, refresh.
    Run(Box<oauthscope::cli::RunArgs>),
    /// Ask the server whether a token is active (RFC 7662).
    Introspect(oauthscope::cli::TokenArgs),
    /// Revoke a token (RFC 7009).
    Revoke(oauthscope::cli::TokenArgs),
    /// Fetch the user's claims with an access token (OIDC Core §5.3).
    Userinfo(oauthscope::cli::TokenArgs),
    /// Register a client dynamically (RFC 7591).
    Register(oauthscope::cli::RegisterArgs),
    /// Read, update or delete a registered client (RFC 7592).
    Client(oauthscope::cli::ClientArgs),
    /// Make a private key for private_key_jwt and print the public JWKS to register.
    Keygen(oauthscope::cli::KeygenArgs),
    /// Decode a JWT and verify its signature and claims.
    Decode(oauthscope::cli::DecodeArgs),
    /// Diagnose a token: findings with their severity, code and RFC section.
    Doctor(oauthscope::cli::DoctorArgs),
    /// Play a flow step by step for an audience, on the built-in mock (workshop mode).
    Demo(oauthscope::cli::DemoArgs),
    /// Explain a parameter, response field, claim, header or error code (or list them all).
    Explain(oauthscope::cli::ExplainArgs),
    /// Serve the OAuth tools over the Model Context Protocol on stdio (or HTTP with --http).
    Mcp(oauthscope::mcp::McpArgs),
    /// Print shell completions.
    Completions {
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    if let Some(Command::Completions { shell }) = cli.command {
        return print_completions(shell);
    }
    let runtime = match tokio::runtime::Runtime::new() {
        Ok(rt) => rt,
        Err(err) => {
            eprintln!("oauthscope: cannot start the async runtime: {err}");
            return ExitCode::FAILURE;
        }
    };
    runtime.block_on(async move {
        match cli.command {
            None => run_tui(cli.tui).await,
            Some(Command::Mock(mock)) => match mock.control {
                Some(control) => oauthscope::cli::mock_control::run(control).await,
                None => oauthscope::mock::run_standalone(mock.serve).await,
            },
            Some(Command::Discover(args)) => oauthscope::cli::discover(args).await,
            Some(Command::Run(args)) => oauthscope::cli::run_flow(*args).await,
            Some(Command::Introspect(args)) => oauthscope::cli::introspect(args).await,
            Some(Command::Revoke(args)) => oauthscope::cli::revoke(args).await,
            Some(Command::Userinfo(args)) => oauthscope::cli::userinfo(args).await,
            Some(Command::Register(args)) => oauthscope::cli::register(args).await,
            Some(Command::Client(args)) => oauthscope::cli::client(args).await,
            Some(Command::Decode(args)) => oauthscope::cli::decode(args).await,
            Some(Command::Doctor(args)) => oauthscope::cli::doctor(args).await,
            Some(Command::Explain(args)) => oauthscope::cli::explain(args),
            Some(Command::Keygen(args)) => oauthscope::cli::keygen(args),
            Some(Command::Mcp(args)) => run_mcp(args).await,
            Some(Command::Demo(args)) => run_demo(args).await,
            Some(Command::Completions { .. }) => unreachable!("handled before the runtime starts"),
        }
    })
}

/// The terminal app, on the built-in mock unless `--issuer` names another server.
async fn run_tui(args: oauthscope::tui::TuiArgs) -> ExitCode {
    if args.issuer.is_some() {
        return oauthscope::tui::run(args, Ok(None)).await;
    }
    match embedded::start_for_app().await {
        Ok(embedded) => {
            let built_in = (embedded.mock.issuer().to_string(), embedded.clients);
            let code = oauthscope::tui::run(args, Ok(Some(built_in))).await;
            embedded.mock.shutdown().await;
            code
        }
        // The app still opens, on the saved servers, and says why the mock is missing.
        Err(reason) => oauthscope::tui::run(args, Err(reason)).await,
    }
}

/// The MCP server; with `--mock`, on the built-in mock signing in as the demo user.
async fn run_mcp(args: oauthscope::mcp::McpArgs) -> ExitCode {
    if let Some(addr) = args.http {
        return run_mcp_http(args, addr).await;
    }
    if !args.mock {
        return oauthscope::mcp::serve(args, None).await;
    }
    let user = oauthscope::mcp::MOCK_USER;
    let embedded = match embedded::start(Some(user)).await {
        Ok(embedded) => embedded,
        Err(reason) => {
            eprintln!("oauthscope mcp: {reason}");
            return ExitCode::FAILURE;
        }
    };
    let practice = oauthscope::mcp::PracticeServer {
        issuer: embedded.mock.issuer().to_string(),
        clients: embedded.clients,
        redirect_uris: embedded.redirect_uris,
        signs_in_as: user.to_string(),
    };
    let code = oauthscope::mcp::serve(args, Some(practice)).await;
    embedded.mock.shutdown().await;
    code
}

/// Workshop mode: the flows listed, or one played on the built-in mock started here.
async fn run_demo(args: oauthscope::cli::DemoArgs) -> ExitCode {
    let Some(flow) = args.flow else {
        return oauthscope::cli::list_demo_flows();
    };
    let embedded = match embedded::start(None).await {
        Ok(embedded) => embedded,
        Err(reason) => {
            eprintln!("oauthscope demo: {reason}");
            return ExitCode::FAILURE;
        }
    };
    let code = oauthscope::cli::demo(flow, embedded.mock.issuer(), &embedded.clients).await;
    embedded.mock.shutdown().await;
    code
}

/// The MCP server over HTTP; without `--issuer`, on the built-in mock, which then issues
/// tokens for this server's URL (the listener is bound first so the URL is known).
async fn run_mcp_http(args: oauthscope::mcp::McpArgs, addr: std::net::SocketAddr) -> ExitCode {
    if let Err(reason) = oauthscope::mcp::http::check_bind(addr) {
        eprintln!("oauthscope mcp --http: {reason}");
        return ExitCode::FAILURE;
    }
    let listener = match tokio::net::TcpListener::bind(addr).await {
        Ok(listener) => listener,
        Err(err) => {
            eprintln!("oauthscope mcp --http: cannot listen on {addr}: {err}");
            return ExitCode::FAILURE;
        }
    };
    if args.issuer.is_some() {
        return oauthscope::mcp::serve_http(args, listener, None).await;
    }
    let resource = match listener.local_addr() {
        Ok(bound) => oauthscope::mcp::http::resource_url(bound),
        Err(err) => {
            eprintln!("oauthscope mcp --http: cannot read the bound address: {err}");
            return ExitCode::FAILURE;
        }
    };
    let user = args.auto_approve.clone();
    let embedded = match embedded::start_for(user.as_deref(), vec![resource]).await {
        Ok(embedded) => embedded,
        Err(reason) => {
            eprintln!("oauthscope mcp --http: {reason}");
            return ExitCode::FAILURE;
        }
    };
    let practice = oauthscope::mcp::PracticeServer {
        issuer: embedded.mock.issuer().to_string(),
        clients: embedded.clients,
        redirect_uris: embedded.redirect_uris,
        signs_in_as: user.unwrap_or_default(),
    };
    let code = oauthscope::mcp::serve_http(args, listener, Some(practice)).await;
    embedded.mock.shutdown().await;
    code
}

/// Prints shell completions. They are generated into memory first: clap_complete panics when
/// it cannot write, and `oauthscope completions bash | head` closes the pipe early, which is
/// not an error.
fn print_completions(shell: clap_complete::Shell) -> ExitCode {
    let mut script = Vec::new();
    clap_complete::generate(shell, &mut Cli::command(), "oauthscope", &mut script);
    match std::io::stdout().write_all(&script) {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) if err.kind() == std::io::ErrorKind::BrokenPipe => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("oauthscope completions: cannot write: {err}");
            ExitCode::FAILURE
        }
    }
}
