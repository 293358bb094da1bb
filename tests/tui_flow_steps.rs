//! What the flow pane says about a step matches where the flow is: the device hints go once
//! the user answered and once the tokens came; the verify step of a flow without an ID token
//! does not explain ID token checks. Keys replayed through the real loop on the mock.

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

fn clients() -> Vec<ClientProfile> {
    vec![
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
    ]
}

async fn app_on_mock(mock: &RunningMock, clients: Vec<ClientProfile>) -> Harness {
    let settings = Settings {
        built_in: Some((mock.issuer().to_string(), clients)),
        ..Settings::in_memory()
    };
    let harness = Harness::start(settings, 140, 50);
    harness.wait_for("discovered Built-in mock").await;
    harness
}

/// Picks the flow at `index` in the picker (0 = authorization code).
fn pick_flow(harness: &Harness, index: usize) {
    harness.press("3");
    harness.press("n");
    harness.press("g");
    for _ in 0..index {
        harness.press("j");
    }
    harness.press("enter");
}

#[tokio::test]
async fn the_device_hints_go_once_answered_and_once_the_tokens_came() {
    let mock = mock().await;
    let harness = app_on_mock(&mock, clients()).await;
    pick_flow(&harness, 2);
    harness.wait_for("Ask for a device code").await;
    harness.press("enter");
    harness.wait_for("s approve here").await;
    harness.press("s");
    harness.wait_for("Alice").await;
    harness.press("enter");
    harness.wait_for("a approve").await;
    harness.press("a");
    let screen = harness.wait_for("enter starts polling").await;
    assert!(!screen.contains("s approve here"), "stale hint:\n{screen}");
    assert!(screen.contains("answered on the mock"), "{screen}");
    harness.press("enter");
    let screen = harness.wait_for("the next request is ready").await;
    assert!(
        !screen.contains("user code"),
        "the code is history:\n{screen}"
    );
    assert!(!screen.contains("enter polls"), "{screen}");
    harness.finish().await;
    mock.shutdown().await;
}

#[tokio::test]
async fn client_credentials_verification_speaks_of_the_access_token_only() {
    let mock = mock().await;
    let harness = app_on_mock(&mock, clients().split_off(1)).await;
    pick_flow(&harness, 3);
    harness.wait_for("Get a token as the client").await;
    harness.press("enter");
    let screen = harness.wait_for("the next request is ready").await;
    assert!(screen.contains("Verify the tokens"), "{screen}");
    assert!(screen.contains("no ID token"), "{screen}");
    assert!(!screen.contains("ID token's signature"), "{screen}");
    harness.press("enter");
    let screen = harness.wait_for("flow complete").await;
    assert!(
        screen.contains("access token"),
        "the verdict is shown:\n{screen}"
    );
    harness.finish().await;
    mock.shutdown().await;
}
