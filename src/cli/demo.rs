//! `oauthscope demo [FLOW]`: workshop mode. Without a flow it lists them; with one, `main`
//! starts the built-in mock in this process and the terminal plays the flow step by step
//! ([`crate::tui::demo`]).

use std::process::ExitCode;

use crate::profile::ClientProfile;
use crate::tui::demo::{self, DemoFlow};

#[derive(Debug, clap::Args)]
pub struct DemoArgs {
    /// The flow to play; without one, the flows are listed.
    #[arg(value_enum)]
    pub flow: Option<DemoFlow>,
}

/// The flows, one a line, for `oauthscope demo` with no flow.
pub fn list_demo_flows() -> ExitCode {
    let flows = <DemoFlow as clap::ValueEnum>::value_variants();
    let width = flows.iter().map(|f| f.name().len()).max().unwrap_or(0);
    say!("Flows to play (oauthscope demo FLOW), on the built-in mock:");
    for flow in flows {
        say!("  {:<width$}  {}", flow.name(), flow.about());
    }
    say!("Keys: space or enter next step · ← back a step · q quit");
    ExitCode::SUCCESS
}

/// Plays `flow` on the built-in mock at `issuer`, whose clients are `clients`.
pub async fn demo(flow: DemoFlow, issuer: &str, clients: &[ClientProfile]) -> ExitCode {
    demo::run(flow, issuer, clients).await
}
