//! The terminal app on the built-in mock, for the key-replay tests: the demo clients, the app
//! started on a fresh mock and discovered, the flow picker, and the code flow signed in as
//! alice in the terminal.

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
    let harness = Harness::start(settings, width, height);
    harness.wait_for("discovered Built-in mock").await;
    harness
}

/// Picks the flow at `index` in the picker (0 = authorization code, 2 device, 3 client
/// credentials).
pub fn pick_flow(harness: &Harness, index: usize) {
    harness.press("3");
    harness.press("n");
    harness.press("g");
    for _ in 0..index {
        harness.press("j");
    }
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
    pick_flow(harness, 0);
    harness.wait_for("e edits it, enter sends it").await;
    sign_in_as_alice(harness).await;
    harness.press("enter");
    harness.wait_for("the next request is ready").await;
    harness.press("enter");
    harness.wait_for("flow complete").await;
}
