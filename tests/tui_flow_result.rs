//! Where the flow ends it shows what it got: the claims of its tokens on the last step, and
//! the redirect's parameters on the authorization step (the code masked until revealed).
//! Keys replayed through the real loop on the mock.

mod tui_support;

use oauthscope::mock::{MockConfig, MockServer};
use oauthscope::profile::ClientProfile;
use oauthscope::tui::app::Settings;
use tui_support::Harness;

/// The line on screen that holds `label` as a row label (`  code   …`).
fn row<'a>(screen: &'a str, label: &str) -> &'a str {
    let label = format!("  {label} ");
    screen
        .lines()
        .find(|l| l.contains(&label))
        .unwrap_or_else(|| panic!("no {label:?} row:\n{screen}"))
}

#[tokio::test]
async fn the_last_step_shows_the_claims_and_the_first_the_redirect() {
    let mock = MockServer::start(MockConfig::demo()).await.unwrap();
    let clients = vec![ClientProfile {
        client_id: "demo-public".into(),
        auth_method: "none".into(),
        ..ClientProfile::default()
    }];
    let settings = Settings {
        built_in: Some((mock.issuer().to_string(), clients)),
        ..Settings::in_memory()
    };
    let harness = Harness::start(settings, 140, 50);
    harness.wait_for("discovered Built-in mock").await;
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
    let screen = harness.wait_for("flow complete").await;
    assert!(screen.contains("Claims of the ID token"), "{screen}");
    assert!(screen.contains("alice@example.com"), "{screen}");
    assert!(
        row(&screen, "preferred_username").contains("\"alice\""),
        "{screen}"
    );
    assert!(screen.contains("Claims of the access token"), "{screen}");

    // The authorization step: what came back on the redirect.
    harness.press("g");
    let screen = harness.wait_for("Redirected back with").await;
    assert!(row(&screen, "code").contains("•••"), "masked:\n{screen}");
    assert!(
        row(&screen, "state").trim_end().len() > "  state".len(),
        "{screen}"
    );
    assert!(row(&screen, "iss").contains(mock.issuer()), "{screen}");
    harness.press("r");
    let screen = harness.wait_for("secrets shown").await;
    assert!(!row(&screen, "code").contains("•••"), "revealed:\n{screen}");
    harness.finish().await;
    mock.shutdown().await;
}
