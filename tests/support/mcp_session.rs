//! The MCP calls a client makes once it holds a token (MCP Lifecycle, then Tools):
//! `initialize`, the `notifications/initialized` notice, then `tools/list`, each later call
//! carrying the protocol version the server agreed to. Shared by the tests that drive the
//! engine's MCP pieces by hand against the built-in mock's demo server.
#![allow(dead_code)] // each test binary reads a different part of the session

use oauthscope::oauth::exchange::Exchange;
use oauthscope::oauth::flow::mcp::{self, McpTarget, Spec};
use oauthscope::oauth::http::RecordingClient;
use oauthscope::oauth::secret::Secret;
use serde_json::json;

/// What the server answered to each of the three messages.
pub struct Session {
    pub initialize: Exchange,
    pub initialized: Exchange,
    pub tools_list: Exchange,
    /// The revision the server answered `initialize` with.
    pub agreed: Option<String>,
}

/// Sends the three messages to `server_url` with `token`, offering `spec`. Panics only on a
/// transport or JSON-RPC failure of `initialize`, which no caller expects.
pub async fn initialize_and_list(
    http: &RecordingClient,
    server_url: &str,
    spec: Spec,
    token: &Secret,
) -> Session {
    let mut target = McpTarget {
        server_url,
        spec,
        protocol_version: None,
        dpop: false,
    };
    let initialize = http
        .send(&mcp::call_request(
            &target,
            token,
            1,
            "initialize",
            json!({}),
        ))
        .await;
    let agreed = mcp::negotiated_version(&mcp::process_call(&initialize).unwrap());
    target.protocol_version = agreed.as_deref();
    let initialized = http
        .send(&mcp::initialized_notification(&target, token))
        .await;
    let tools_list = http
        .send(&mcp::call_request(
            &target,
            token,
            2,
            "tools/list",
            json!({}),
        ))
        .await;
    Session {
        initialize,
        initialized,
        tools_list,
        agreed,
    }
}
