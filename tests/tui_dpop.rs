//! DPoP in the terminal app: D turns it on for the next flows, the server's nonce shows as a
//! step of its own, and the step that got the tokens shows its proof decoded and the
//! binding checks. Keys replayed through the real loop on the mock.

mod tui_support;

use oauthscope::mock::{MockConfig, MockServer};
use tui_support::on_mock::{app_on_mock, confidential, pick_flow};

#[tokio::test]
async fn d_binds_the_next_flows_tokens_and_the_step_shows_proof_and_binding() {
    let mut config = MockConfig::demo();
    config.dpop_nonce = true;
    let mock = MockServer::start(config).await.unwrap();
    let harness = app_on_mock(&mock, vec![confidential()], 160, 60).await;
    harness.press("3");
    harness.press("n");
    harness.press("D");
    harness.wait_for("DPoP on, key").await;
    pick_flow(&harness, 3);
    harness.wait_for("Get a token as the client").await;
    harness.press("enter");
    let screen = harness.wait_for("the next request is ready").await;
    assert!(
        screen.contains("The server asks for a DPoP nonce"),
        "{screen}"
    );
    harness.press("k");
    let screen = harness.wait_for("DPoP binding (key").await;
    for shown in [
        "DPoP proof",
        "dpop+jwt",
        "htm",
        "htu",
        "nonce",
        "✓ token_type",
        "✓ cnf.jkt",
    ] {
        assert!(screen.contains(shown), "{shown} missing:\n{screen}");
    }
    harness.finish().await;
    mock.shutdown().await;
}
