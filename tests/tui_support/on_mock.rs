//! The terminal app on the built-in mock, started in this process on 127.0.0.1: the demo
//! clients, the app started on a fresh mock and discovered, the flow picker, and the steps
//! the whole-flow tests share (the code flow signed in as alice in the terminal, a refresh,
//! a registration, a token fetched as any client would).

use std::ops::Deref;

use oauthscope::mock::{
    AuthMethod, ClientConfig, DEMO_REDIRECT_URIS, MockConfig, MockServer, RunningMock,
    TrustedIssuer,
};
use oauthscope::oauth::jwt::Algorithm;
use oauthscope::oauth::keys::ClientKey;
use oauthscope::profile::ClientProfile;
use oauthscope::tui::app::Settings;

use super::Harness;

/// The app on a fresh demo mock with both demo clients at 140x50, discovered: what most
/// whole-flow tests start from. It is the harness it holds; `finish` ends the app, then the
/// mock.
pub struct OnDemoMock {
    pub mock: RunningMock,
    pub harness: Harness,
}

impl OnDemoMock {
    pub async fn start() -> OnDemoMock {
        let mock = mock().await;
        let harness = app_on_demo_mock(&mock).await;
        OnDemoMock { mock, harness }
    }

    pub async fn finish(self) {
        self.harness.finish().await;
        self.mock.shutdown().await;
    }
}

impl Deref for OnDemoMock {
    type Target = Harness;

    fn deref(&self) -> &Harness {
        &self.harness
    }
}

/// The client id of the demo client with a private key, as the app's built-in mock has it.
pub const KEY_CLIENT: &str = "demo-private-key";

/// A client with a private key of its own (its file in a directory removed on drop).
pub struct KeyClient {
    pub profile: ClientProfile,
    _dir: tempfile::TempDir,
}

/// The demo mock with the key client the app's built-in mock has (src/embedded.rs): it
/// authenticates with private_key_jwt, signs request objects, and is the issuer the JWT
/// bearer grant trusts.
pub async fn mock_with_key_client() -> (RunningMock, KeyClient) {
    let (key, pem) = ClientKey::generate(Algorithm::ES256).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("key.pem");
    std::fs::write(&path, pem.secret()).unwrap();
    let mut config = MockConfig::demo();
    config.clients.push(ClientConfig {
        client_id: KEY_CLIENT.into(),
        token_endpoint_auth_methods: vec![AuthMethod::PrivateKeyJwt],
        redirect_uris: DEMO_REDIRECT_URIS.map(str::to_owned).to_vec(),
        jwks: Some(key.public_jwks()),
        ..ClientConfig::default()
    });
    config.trusted_issuers.push(TrustedIssuer {
        issuer: KEY_CLIENT.into(),
        jwks: key.public_jwks(),
    });
    let mock = MockServer::start(config).await.expect("the mock starts");
    let profile = ClientProfile {
        client_id: KEY_CLIENT.into(),
        auth_method: "private_key_jwt".into(),
        private_key: Some(path),
        ..ClientProfile::default()
    };
    (mock, KeyClient { profile, _dir: dir })
}

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

/// Sends the step that gets the tokens and then, when it is there, the verification step
/// after it, up to the end of the flow.
pub async fn send_through_verification(harness: &Harness) {
    harness.press("enter");
    harness
        .wait_until("the tokens", |s| {
            s.contains("flow complete") || s.contains("the next request is ready")
        })
        .await;
    harness.press("enter");
    harness.wait_for("flow complete").await;
}

/// Sends the refresh flow started on the selected refresh token (`f` in Tokens) to its end.
pub async fn refresh_from_the_selected_token(harness: &Harness) {
    harness.press("f");
    harness.wait_for("Refresh the tokens").await;
    send_through_verification(harness).await;
}

/// Opens "Enter a client by hand" in Clients and types `client_id`, then `secret` in the
/// next field (when given), leaving the form open.
pub async fn client_by_hand(harness: &Harness, client_id: &str, secret: Option<&str>) {
    harness.press("2");
    harness.press("a");
    harness.wait_for("Enter a client by hand").await;
    harness.type_text(client_id);
    if let Some(secret) = secret {
        harness.press("tab");
        harness.type_text(secret);
    }
}

/// `d` on the selected registered client, answered yes: it is deleted at the server, and
/// the DELETE is in the exchange log.
pub async fn delete_at_the_server(harness: &Harness, id: &str) {
    harness.press("d");
    harness
        .wait_for(&format!("delete {id} at the server (RFC 7592 §2.3)?"))
        .await;
    harness.press("y");
    harness
        .wait_for(&format!("deleted {id} at the server"))
        .await;
    harness.press("4");
    harness.wait_for("DELETE").await;
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
