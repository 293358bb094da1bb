//! Token exchange in the terminal app: the flow takes the token selected in Tokens as its
//! subject and trades it at the token endpoint. Keys replayed through the real loop on the
//! mock.

mod tui_support;

use tui_support::on_mock::{app_on_mock, confidential, mock, pick_flow};

#[tokio::test]
async fn the_selected_access_token_is_the_subject_of_the_exchange() {
    let mock = mock().await;
    let harness = app_on_mock(&mock, vec![confidential()], 160, 60).await;
    pick_flow(&harness, 3);
    harness.wait_for("Get a token as the client").await;
    harness.press("enter");
    harness.wait_for("the next request is ready").await;
    harness.press("enter");
    harness.wait_for("flow complete").await;
    pick_flow(&harness, 8);
    harness.wait_for("Exchange the token").await;
    let screen = harness.wait_for("subject_token_type").await;
    assert!(
        screen.contains("urn:ietf:params:oauth:token-type:access_token"),
        "{screen}"
    );
    harness.press("enter");
    let screen = harness.wait_for("issued_token_type").await;
    assert!(!screen.contains("✗ Exchange the token"), "{screen}");
    harness.finish().await;
    mock.shutdown().await;
}
