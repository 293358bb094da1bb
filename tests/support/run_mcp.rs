//! What the `run mcp` tests share: the built-in mock with its demo MCP server, the binary run
//! with a `$BROWSER` that follows the redirects down to the loopback listener (the one the
//! conformance client uses too), and readers of its JSON document.
#![allow(dead_code)] // each test binary uses a different subset

use std::process::{Output, Stdio};

use oauthscope::mock::{MockConfig, MockServer, RunningMock};
use serde_json::Value;
use tokio::process::Command;

/// The demo mock, approving every authorization as alice.
pub async fn mock() -> RunningMock {
    let mut config = MockConfig::demo();
    config.auto_approve = Some("alice".into());
    MockServer::start(config).await.expect("the mock starts")
}

/// The `$BROWSER` that GETs the URL and follows the redirects down to the loopback listener.
pub const BROWSER: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/conformance/browser.sh");

/// Runs `oauthscope ARGS` with `browser` as `$BROWSER`. The user's profile is never touched:
/// the config directory is the test's own (a test that looks at the profile gives --config).
pub async fn run(args: &[&str], browser: &str) -> Output {
    Command::new(env!("CARGO_BIN_EXE_oauthscope"))
        .args(args)
        .env_remove("OAUTHSCOPE_CLIENT_SECRET")
        .env("XDG_CONFIG_HOME", env!("CARGO_TARGET_TMPDIR"))
        .env("HOME", env!("CARGO_TARGET_TMPDIR"))
        .env("BROWSER", browser)
        .stdin(Stdio::null())
        .output()
        .await
        .expect("the binary runs")
}

/// The one JSON document `--json` printed.
pub fn json_of(out: &Output) -> Value {
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "not one JSON document ({e}); stdout: {}; stderr: {}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        )
    })
}

/// Each step as "STATUS TITLE".
pub fn titles(doc: &Value) -> Vec<String> {
    doc["steps"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| format!("{} {}", s["status"]["status"].as_str().unwrap(), s["title"]))
        .collect()
}

/// Every check of every step.
pub fn checks(doc: &Value) -> Vec<&Value> {
    doc["steps"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|s| s["checks"].as_array().into_iter().flatten())
        .collect()
}

/// The URL of the mock's demo MCP server.
pub fn mcp_url(mock: &RunningMock) -> String {
    format!("{}/mcp", mock.issuer())
}

/// `oauthscope run mcp <the mock's MCP server> ARGS --json` against a fresh mock, returned
/// with the output and its JSON document so that it lives as long as the test needs it.
pub async fn run_on_mock(args: &[&str]) -> (RunningMock, Output, Value) {
    let mock = mock().await;
    let server_url = mcp_url(&mock);
    let mut argv = vec!["run", "mcp", server_url.as_str()];
    argv.extend_from_slice(args);
    argv.push("--json");
    let out = run(&argv, BROWSER).await;
    let doc = json_of(&out);
    (mock, out, doc)
}

/// Fails the test, with what the run printed, unless it exited 0.
pub fn assert_success(out: &Output, doc: &Value) {
    assert!(
        out.status.success(),
        "{}\n{doc}",
        String::from_utf8_lossy(&out.stderr)
    );
}
