//! `R` sends a done step again, as it stands or after an edit, and the exchange pane shows
//! the answer before beside the answer now, marking the lines only in one of them. Keys
//! replayed through the real loop on the mock.

mod tui_support;

use tui_support::Harness;
use tui_support::on_mock::{app_on_mock, confidential, mock, pick_flow};

/// The rows of the comparison that mark `text` as only in the first (`-`) or second (`+`)
/// answer.
fn marked(screen: &str, mark: char, text: &str) -> bool {
    screen.lines().any(|line| {
        line.split(['│', '┃'])
            .any(|cell| cell.trim_start().starts_with(mark) && cell.contains(text))
    })
}

/// `R` on the selected step, then the exchange pane on its answer: the comparison.
async fn resend_and_compare(harness: &Harness) -> String {
    harness.press("R");
    harness
        .wait_for("sent again: 4 shows the answer before")
        .await;
    harness.press("4");
    harness.wait_for("Sent again").await
}

#[tokio::test]
async fn a_step_sent_again_is_compared_with_its_answer_before() {
    let mock = mock().await;
    let harness = app_on_mock(&mock, vec![confidential()], 160, 50).await;
    pick_flow(&harness, 3);
    harness.wait_for("Get a token as the client").await;
    harness.press("enter");
    harness.wait_for("the next request is ready").await;

    // The token request again, as it was: a new token, masked alike but not the same.
    harness.press("g");
    let screen = resend_and_compare(&harness).await;
    assert!(marked(&screen, '-', "\"access_token\""), "{screen}");
    assert!(marked(&screen, '+', "\"access_token\""), "{screen}");
    assert!(
        !marked(&screen, '-', "\"token_type\""),
        "a line in both:\n{screen}"
    );

    // Then with an edit: one scope asked for, and the answer says so.
    harness.press("3");
    harness.press("g");
    harness.press("e");
    harness.wait_for("Edit the request").await;
    harness.press("enter");
    harness.type_text("scope = api:read");
    harness.press("ctrl-s");
    harness.wait_for("request changed").await;
    let screen = resend_and_compare(&harness).await;
    assert!(marked(&screen, '+', "api:read"), "{screen}");
    harness.finish().await;
    mock.shutdown().await;
}
