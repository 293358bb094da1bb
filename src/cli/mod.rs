//! The headless command line over the protocol engine: `discover`, `run`, `introspect`,
//! `revoke`, `userinfo`, `register`, `client`, `decode`. Built by the protocol engine issue.

use std::process::ExitCode;

#[derive(Debug, clap::Args)]
pub struct DiscoverArgs {
    pub issuer: String,
    #[arg(long)]
    pub json: bool,
}
#[derive(Debug, clap::Args)]
pub struct RunArgs {}
#[derive(Debug, clap::Args)]
pub struct TokenArgs {}
#[derive(Debug, clap::Args)]
pub struct RegisterArgs {}
#[derive(Debug, clap::Args)]
pub struct ClientArgs {}
#[derive(Debug, clap::Args)]
pub struct DecodeArgs {}

fn not_built(what: &str) -> ExitCode {
    eprintln!("oauthscope {what}: not built yet");
    ExitCode::FAILURE
}
pub async fn discover(_: DiscoverArgs) -> ExitCode {
    not_built("discover")
}
pub async fn run_flow(_: RunArgs) -> ExitCode {
    not_built("run")
}
pub async fn introspect(_: TokenArgs) -> ExitCode {
    not_built("introspect")
}
pub async fn revoke(_: TokenArgs) -> ExitCode {
    not_built("revoke")
}
pub async fn userinfo(_: TokenArgs) -> ExitCode {
    not_built("userinfo")
}
pub async fn register(_: RegisterArgs) -> ExitCode {
    not_built("register")
}
pub async fn client(_: ClientArgs) -> ExitCode {
    not_built("client")
}
pub async fn decode(_: DecodeArgs) -> ExitCode {
    not_built("decode")
}
