//! The MCP stdio server: five OAuth tools, thin adapters over the protocol engine.
//! Built by the MCP issue.

use std::process::ExitCode;

#[derive(Debug, clap::Args)]
pub struct McpArgs {
    /// Also start the built-in mock in this process and make it the default server.
    #[arg(long)]
    pub mock: bool,
    /// Profile file with saved servers (one may be marked default).
    #[arg(long)]
    pub config: Option<std::path::PathBuf>,
}

pub async fn serve(_args: McpArgs) -> ExitCode {
    eprintln!("oauthscope mcp: not built yet");
    ExitCode::FAILURE
}
