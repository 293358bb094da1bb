//! The protocol engine: everything a client does, with no terminal and no server in it.
//! The TUI, the headless CLI and the MCP server are three faces of this one implementation.

pub mod exchange;
pub mod step;

pub use exchange::Exchange;
pub use step::{RequestDraft, Step, StepStatus};
