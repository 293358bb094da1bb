//! The built-in authorization server (axum). No terminal in here.
//! Built by the mock server issue; this file holds the entry points `main.rs` calls.

use std::process::ExitCode;

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
}

pub async fn run_standalone(_args: MockArgs) -> ExitCode {
    eprintln!("oauthscope mock: not built yet");
    ExitCode::FAILURE
}
