//! The app on the built-in mock, started in this process on 127.0.0.1: the helpers the
//! whole-flow tests share (start, pick a flow, switch client, run the code flow).

use super::Harness;
use oauthscope::mock::{MockConfig, MockServer, RunningMock};
use oauthscope::profile::ClientProfile;
use oauthscope::tui::app::Settings;

pub async fn mock() -> RunningMock {
    MockServer::start(MockConfig::demo())
        .await
        .expect("the mock starts")
}

pub fn settings(mock: &RunningMock) -> Settings {
    let clients = vec![
        ClientProfile {
            client_id: "demo-public".into(),
            auth_method: "none".into(),
            ..ClientProfile::default()
        },
        ClientProfile {
            client_id: "demo-confidential".into(),
            client_secret: Some("demo-secret".into()),
            auth_method: "client_secret_basic".into(),
            ..ClientProfile::default()
        },
    ];
    Settings {
        built_in: Some((mock.issuer().to_string(), clients)),
        ..Settings::in_memory()
    }
}

/// Starts the app on the mock and waits for discovery to finish.
pub async fn app_on_mock(mock: &RunningMock) -> Harness {
    started(Harness::start(settings(mock), 140, 50)).await
}

/// Waits until the app has discovered the built-in mock it opened on.
pub async fn started(harness: Harness) -> Harness {
    harness.wait_for("discovered Built-in mock").await;
    harness
}

/// Picks the flow at `index` in the picker (0 = authorization code).
pub fn pick_flow(harness: &Harness, index: usize) {
    harness.press("3");
    harness.press("n");
    harness.press("g");
    for _ in 0..index {
        harness.press("j");
    }
    harness.press("enter");
}

pub fn use_confidential_client(harness: &Harness) {
    harness.press("2");
    harness.press("j");
    harness.press("enter");
}

/// Runs the code flow up to the tokens, signing in as alice in the terminal.
pub async fn code_flow_with_in_terminal_login(harness: &Harness, flow_index: usize) {
    pick_flow(harness, flow_index);
    harness.wait_for("e edits it, enter sends it").await;
    if flow_index == 1 {
        // PAR: the push goes first.
        harness.press("enter");
        harness.wait_for("the next request is ready").await;
    }
    harness.press("enter");
    harness
        .wait_for("waiting for the redirect on 127.0.0.1:")
        .await;
    harness.press("s");
    harness.wait_for("Sign in as:").await;
    harness.press("enter");
    harness.wait_for("a approve").await;
    harness.press("a");
    harness.wait_for("state/iss check out").await;
    harness.press("enter");
    harness.wait_for("the next request is ready").await;
    harness.press("enter");
    harness.wait_for("flow complete").await;
}

/// Sends the refresh flow started on the selected refresh token (`f` in Tokens) to its end.
pub async fn refresh_from_the_selected_token(harness: &Harness) {
    harness.press("f");
    harness.wait_for("Refresh the tokens").await;
    harness.press("enter");
    harness
        .wait_until("refresh done", |s| {
            s.contains("flow complete") || s.contains("the next request is ready")
        })
        .await;
    harness.press("enter");
    harness.wait_for("flow complete").await;
}

/// Registers a client (RFC 7591) with the form as it opens, `suffix` typed after its
/// client_name; returns the client_id the server gave.
pub async fn register_client(harness: &Harness, suffix: &str) -> String {
    harness.press("2");
    harness.press("n");
    harness.wait_for("Register a client (RFC 7591)").await;
    harness.type_text(suffix);
    harness.press("ctrl-s");
    let screen = harness.wait_for("✓ registered ").await;
    screen
        .split("registered ")
        .nth(1)
        .and_then(|rest| rest.split_whitespace().next())
        .expect("the new client id")
        .to_string()
}

/// An access token of the mock for demo-confidential, fetched the way any client would.
pub async fn client_credentials_token(mock: &RunningMock) -> String {
    let response: serde_json::Value = reqwest::Client::new()
        .post(format!("{}/token", mock.issuer()))
        .basic_auth("demo-confidential", Some("demo-secret"))
        .form(&[("grant_type", "client_credentials")])
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    response["access_token"].as_str().unwrap().to_string()
}
