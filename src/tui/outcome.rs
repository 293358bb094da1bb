//! What background tasks bring back to the app.

use crate::oauth::Exchange;
use crate::oauth::discovery::Discovery;
use crate::oauth::flow::tokens::DecodedToken;
use crate::oauth::flow::{Advance, Flow};
use crate::oauth::jwt::Check;
use crate::oauth::mock_control::{ControlError, ControlRequest};
use crate::oauth::redirect::LoopbackListener;
use crate::oauth::registration::RegisteredClient;
use crate::oauth::secret::Secret;

use serde_json::Value;

use super::sign_in::Page;

/// The result of one background task, handed to `App::update` as `Action::Task`.
/// Errors arrive as readable text: the engine's messages, shown where they happened.
#[derive(Debug)]
pub enum Outcome {
    /// An exchange the recording client made (any task's): for the exchange log.
    Recorded(Box<Exchange>),
    /// The system clipboard was tried with `text`; on error the app falls back to OSC 52.
    Copied {
        /// Often a secret (a token, a client secret): `Debug` redacts it.
        text: Secret,
        what: String,
        result: Result<(), String>,
    },
    Discovered {
        issuer: String,
        result: Result<Box<Discovery>, String>,
    },
    /// A URL added in Servers answered as an MCP server: the authorization server its
    /// protected resource metadata names, or why that metadata is unusable.
    McpFound {
        server_url: String,
        result: Result<McpResource, String>,
    },
    /// A new flow is ready to show (the code flows first bind their loopback listener).
    FlowReady {
        generation: u64,
        result: Result<(Box<Flow>, Option<LoopbackListener>), String>,
    },
    /// The MCP flow ran its discovery and registration and is ready at its browser step, or
    /// stopped at the step that failed; with the client it registered on the way, to keep.
    McpFlowReady {
        generation: u64,
        server_url: String,
        flow: Box<Flow>,
        listener: Option<LoopbackListener>,
        registered: Option<Box<RegisteredClient>>,
    },
    /// A step was sent; the flow comes back with its new state.
    Advanced {
        generation: u64,
        flow: Box<Flow>,
        result: Result<Advance, String>,
    },
    /// The browser came back to the loopback listener (or the wait ended). The redirect URL
    /// carries the code.
    Redirected {
        generation: u64,
        result: Result<Secret, String>,
    },
    /// The device flow's next poll is due.
    PollDue { generation: u64 },
    /// The in-terminal sign-in fetched or posted a page.
    SignInPage { result: Result<Box<Page>, String> },
    /// The in-terminal sign-in ended: the redirect URL (authorization) or the final page
    /// text (device approval).
    SignInDone {
        generation: u64,
        result: Result<SignInEnd, String>,
    },
    /// A registration call (create, read, update) answered.
    Registration {
        issuer: String,
        /// The client it was about (`None` for a new registration).
        client_id: Option<String>,
        result: Result<Box<RegisteredClient>, String>,
    },
    ClientDeleted {
        issuer: String,
        client_id: String,
        result: Result<(), String>,
    },
    /// A pasted JWT was verified against the selected server's keys.
    TokenChecked {
        value: Secret,
        decoded: Box<DecodedToken>,
    },
    /// The profile file was written (off the loop), or why not.
    ProfileSaved(Result<(), String>),
    /// The OSC 52 escape went to the terminal after the system clipboard failed.
    Osc52Written {
        what: String,
        why_not_system: String,
        result: Result<(), String>,
    },
    /// The browser was started with this program, or why not.
    BrowserOpened(Result<String, String>),
    /// The mock's control API answered one of the Mock panel's requests.
    MockAnswered {
        issuer: String,
        request: Box<ControlRequest>,
        result: Result<Value, ControlError>,
    },
    /// The session's transcript was written (off the loop): the files, or why not.
    TranscriptWritten(Result<Vec<std::path::PathBuf>, String>),
}

/// An MCP server's authorization server, and the checks its metadata passed.
#[derive(Debug)]
pub struct McpResource {
    pub issuer: String,
    /// The scope to ask for: the challenge's, else the metadata's `scopes_supported`.
    pub scope: Option<String>,
    pub checks: Vec<Check>,
}

#[derive(Debug)]
pub enum SignInEnd {
    /// The redirect URL, with the code in it.
    Redirect(Secret),
    DeviceApproved(String),
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_of_a_copy_a_checked_token_or_a_redirect_shows_no_secret() {
        let copied = Outcome::Copied {
            text: "Zq-9copied-secret".into(),
            what: "client secret".into(),
            result: Ok(()),
        };
        let checked = Outcome::TokenChecked {
            value: "Zq-9pasted-token".into(),
            decoded: Box::new(DecodedToken {
                header: Default::default(),
                claims: Default::default(),
                verification: None,
            }),
        };
        let redirected = Outcome::Redirected {
            generation: 1,
            result: Ok("http://127.0.0.1/cb?code=Zq-9code".into()),
        };
        let signed_in = SignInEnd::Redirect("http://127.0.0.1/cb?code=Zq-9code".into());
        for shown in [
            format!("{copied:?}"),
            format!("{checked:?}"),
            format!("{redirected:?}"),
            format!("{signed_in:?}"),
        ] {
            assert!(!shown.contains("Zq-9"), "{shown}");
            assert!(shown.contains("[redacted]"), "{shown}");
        }
    }
}
