//! The terminal app on the built-in mock, started in this process on 127.0.0.1: the demo
//! clients, the app started on a fresh mock and discovered, the flow picker, and the steps
//! the whole-flow tests share (the code flow signed in as alice in the terminal, a refresh,
//! a registration, a token fetched as any client would).

use oauthscope::mock::{MockConfig, MockServer, RunningMock};
use oauthscope::profile::ClientProfile;
use oauthscope::tui::app::Settings;

use super::Harness;

pub async fn mock() -> RunningMock {
    MockServer::start(MockConfig::demo())
        .await
        .expect("the mock starts")
}

/// The mock's public demo client (PKCE, no secret).
pub fn public() -> ClientProfile {
    ClientProfile {
        client_id: "demo-public".into(),
        auth_method: "none".into(),
        ..ClientProfile::default()
    }
}

/// The mock's confidential demo client (client_secret_basic).
pub fn confidential() -> ClientProfile {
    ClientProfile {
        client_id: "demo-confidential".into(),
        client_secret: Some("demo-secret".into()),
        auth_method: "client_secret_basic".into(),
        ..ClientProfile::default()
    }
}

/// Settings for the app on `mock` with both demo clients, the public one active.
pub fn settings(mock: &RunningMock) -> Settings {
    Settings {
        built_in: Some((mock.issuer().to_string(), vec![public(), confidential()])),
        ..Settings::in_memory()
    }
}

/// The app on `mock` with `clients` (the first one active), at `width` x `height`, once
/// discovery is done.
pub async fn app_on_mock(
    mock: &RunningMock,
    clients: Vec<ClientProfile>,
    width: u16,
    height: u16,
) -> Harness {
    let settings = Settings {
        built_in: Some((mock.issuer().to_string(), clients)),
        ..Settings::in_memory()
    };
    started(Harness::start(settings, width, height)).await
}

/// The app on `mock` with both demo clients at 140x50, once discovery is done.
pub async fn app_on_demo_mock(mock: &RunningMock) -> Harness {
    started(Harness::start(settings(mock), 140, 50)).await
}

/// Waits until the app has discovered the built-in mock it opened on.
pub async fn started(harness: Harness) -> Harness {
    harness.wait_for("discovered Built-in mock").await;
    harness
}

/// Picks the flow at `index` in the picker (0 = authorization code, 1 PAR, 2 device,
/// 3 client credentials).
pub fn pick_flow(harness: &Harness, index: usize) {
    harness.press("3");
    harness.press("n");
    harness.press("g");
    for _ in 0..index {
        harness.press("j");
    }
    harness.press("enter");
}

/// Makes demo-confidential (the second client) the active one.
pub fn use_confidential_client(harness: &Harness) {
    harness.press("2");
    harness.press("j");
    harness.press("enter");
}

/// Sends the authorization step of the code flow on screen and signs in as alice in the
/// terminal, up to the redirect being checked.
pub async fn sign_in_as_alice(harness: &Harness) {
    harness.press("enter");
    harness.wait_for("waiting for the redirect").await;
    harness.press("s");
    harness.wait_for("Sign in as:").await;
    harness.press("enter");
    harness.wait_for("a approve").await;
    harness.press("a");
    harness.wait_for("state/iss check out").await;
}

/// The whole code flow as the active client, signed in as alice, up to its tokens verified.
pub async fn code_flow_tokens(harness: &Harness) {
    code_flow_with_in_terminal_login(harness, 0).await;
}

/// Runs the code flow (`flow_index` 0) or PAR (1) up to the tokens, signing in as alice in
/// the terminal.
pub async fn code_flow_with_in_terminal_login(harness: &Harness, flow_index: usize) {
    pick_flow(harness, flow_index);
    harness.wait_for("e edits it, enter sends it").await;
    if flow_index == 1 {
        // PAR: the push goes first.
        harness.press("enter");
        harness.wait_for("the next request is ready").await;
    }
    sign_in_as_alice(harness).await;
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

/// The app on `mock` with demo-confidential active, through the code flow to its tokens:
/// where the tests of what a server says about a token start.
pub async fn confidential_code_flow(mock: &RunningMock) -> Harness {
    let harness = app_on_demo_mock(mock).await;
    use_confidential_client(&harness);
    code_flow_with_in_terminal_login(&harness, 0).await;
    harness
}

/// Starts the flow `key` runs on the selected token (`i` introspect, `v` revoke), waits for
/// its `title`, sends it, and returns the screen once `done` shows.
pub async fn token_flow(harness: &Harness, key: &str, title: &str, done: &str) -> String {
    harness.press(key);
    harness.wait_for(title).await;
    harness.press("enter");
    harness.wait_for(done).await
}
