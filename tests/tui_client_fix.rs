//! A step the server refused because of the client names a client of this server that can
//! do it, and `c` makes that one active and sends the step again. Keys replayed through the
//! real loop on the mock: introspection as the public client (it cannot authenticate), then
//! revocation as another client than the token's.

mod tui_support;

use oauthscope::mock::{MockConfig, MockServer, RunningMock};
use oauthscope::profile::ClientProfile;
use oauthscope::tui::app::Settings;
use tui_support::Harness;

async fn mock() -> RunningMock {
    MockServer::start(MockConfig::demo())
        .await
        .expect("the mock starts")
}

async fn app_on_mock(mock: &RunningMock) -> Harness {
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
    let settings = Settings {
        built_in: Some((mock.issuer().to_string(), clients)),
        ..Settings::in_memory()
    };
    let harness = Harness::start(settings, 140, 50);
    harness.wait_for("discovered Built-in mock").await;
    harness
}

/// The code flow as demo-public, signed in as alice in the terminal, up to its tokens.
async fn tokens_of_demo_public(harness: &Harness) {
    harness.press("3");
    harness.press("enter");
    harness.wait_for("e edits it, enter sends it").await;
    harness.press("enter");
    harness.wait_for("waiting for the redirect").await;
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

/// The header names the active client after the server and issuer.
fn active_client(screen: &str) -> &str {
    let header = screen.lines().next().unwrap_or_default();
    header
        .split(" · ")
        .nth(2)
        .and_then(|rest| rest.split_whitespace().next())
        .unwrap_or_default()
}

#[tokio::test]
async fn a_public_client_refused_introspection_offers_the_confidential_one() {
    let mock = mock().await;
    let harness = app_on_mock(&mock).await;
    tokens_of_demo_public(&harness).await;
    harness.press("5");
    harness.press("g");
    harness.press("i");
    harness.wait_for("Introspect the token").await;
    harness.press("enter");
    let screen = harness.wait_for("c use demo-confidential").await;
    assert!(screen.contains("✗ "), "{screen}");
    assert!(
        screen.contains("it can authenticate (RFC 7662 §2.1)"),
        "{screen}"
    );
    harness.press("c");
    let screen = harness.wait_for("\"active\": true").await;
    assert_eq!(active_client(&screen), "demo-confidential", "{screen}");
    assert!(screen.contains("✓ 1 Introspect the token"), "{screen}");
    harness.finish().await;
    mock.shutdown().await;
}

#[tokio::test]
async fn revoking_another_clients_token_offers_the_client_it_was_issued_to() {
    let mock = mock().await;
    let harness = app_on_mock(&mock).await;
    tokens_of_demo_public(&harness).await;
    harness.press("2");
    harness.press("j");
    harness.press("enter");
    harness
        .wait_for("flows now use client demo-confidential")
        .await;
    harness.press("5");
    harness.press("g");
    harness.press("v");
    harness.wait_for("Revoke the token").await;
    harness.press("enter");
    let screen = harness.wait_for("c use demo-public").await;
    assert!(
        screen.contains("the token was issued to it (RFC 7009 §2.1)"),
        "{screen}"
    );
    harness.press("c");
    let screen = harness
        .wait_until("revoked as demo-public", |s| {
            s.contains("flow complete") && s.contains("✓ 1 Revoke the token")
        })
        .await;
    assert_eq!(active_client(&screen), "demo-public", "{screen}");
    harness.finish().await;
    mock.shutdown().await;
}
