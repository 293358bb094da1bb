//! What the flow pane says about a step matches where the flow is: the device hints go once
//! the user answered and once the tokens came; the verify step of a flow without an ID token
//! does not explain ID token checks. Keys replayed through the real loop on the mock.

mod tui_support;

use tui_support::on_mock::{app_on_mock, confidential, mock, pick_flow, public};

#[tokio::test]
async fn the_device_hints_go_once_answered_and_once_the_tokens_came() {
    let mock = mock().await;
    let harness = app_on_mock(&mock, vec![public()], 140, 50).await;
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
    let harness = app_on_mock(&mock, vec![confidential()], 140, 50).await;
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
