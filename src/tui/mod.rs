//! The terminal app. Built by the terminal app issue.

use std::process::ExitCode;

/// Options of the terminal app (`oauthscope` with no command).
#[derive(Debug, clap::Args)]
pub struct TuiArgs {
    /// Open on this server (discovery runs at once) instead of the built-in mock.
    #[arg(long, global = false)]
    pub issuer: Option<String>,
    /// Use this profile file instead of the one in the config directory.
    #[arg(long, global = false)]
    pub config: Option<std::path::PathBuf>,
}

pub async fn run(_args: TuiArgs) -> ExitCode {
    eprintln!("oauthscope: the terminal app is not built yet");
    ExitCode::FAILURE
}
