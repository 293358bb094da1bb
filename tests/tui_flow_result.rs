//! Where the flow ends it shows what it got: the claims of its tokens on the last step, and
//! the redirect's parameters on the authorization step (the code masked until revealed).
//! Keys replayed through the real loop on the mock.

mod tui_support;

use tui_support::on_mock::{app_on_mock, code_flow_tokens, mock, public};

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
    let mock = mock().await;
    let harness = app_on_mock(&mock, vec![public()], 140, 50).await;
    code_flow_tokens(&harness).await;
    let screen = harness.screen();
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
