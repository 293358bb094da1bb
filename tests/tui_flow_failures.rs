//! A flow that failed or finished: the cursor stays on the failed step, which shows the whole
//! error wrapped at words, and esc goes back to the flow list. Keys replayed through the real
//! loop on the mock, at 80x24 where the room is shortest.

mod tui_support;

use crossterm::event::Event;
use tui_support::on_mock::{app_on_mock, confidential, mock, public};

/// The text of the screen inside the pane borders, as one line of words: wrapped text reads
/// as it was written.
fn words(screen: &str) -> String {
    screen
        .lines()
        .map(|l| l.trim_matches(|c: char| "│┃".contains(c) || c.is_whitespace()))
        .collect::<Vec<_>>()
        .join(" ")
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

#[tokio::test]
async fn a_failed_step_keeps_the_cursor_and_shows_its_whole_error() {
    let mock = mock().await;
    let harness = app_on_mock(&mock, vec![public()], 80, 24).await;
    harness.press("3");
    harness.press("enter");
    harness.wait_for("e edits it").await;
    harness.press("enter");
    harness.wait_for("waiting for the redirect").await;
    // A redirect whose state is not the one sent: the authorization step fails.
    harness.press("p");
    harness.wait_for("Paste the URL").await;
    let issuer = url::form_urlencoded::byte_serialize(mock.issuer().as_bytes()).collect::<String>();
    harness.send(Event::Paste(format!(
        "http://127.0.0.1/callback?code=c&state=forged&iss={issuer}"
    )));
    harness.press("enter");
    let screen = harness.wait_for("✗ 1").await;
    assert!(
        screen.contains("▸✗ 1"),
        "the cursor stays on the failed step:\n{screen}"
    );
    let message = "the state that came back is not the one sent: possible CSRF, the response \
                   is discarded (RFC 6749 §10.12)";
    assert!(
        words(&screen).contains(message),
        "the whole error:\n{screen}"
    );
    // Wrapped at words: no line of the detail ends inside one of the message's words.
    for line in screen.lines().filter(|l| l.contains("✗ the state")) {
        let inner = line.trim_matches(|c: char| "│┃".contains(c) || c.is_whitespace());
        let last = inner.split_whitespace().last().unwrap_or_default();
        assert!(
            message.split(' ').any(|w| w == last),
            "cut mid-word: {line}"
        );
    }
    harness.press("esc");
    let screen = harness.wait_for("choose one (enter)").await;
    assert!(screen.contains("▸Authorization code"), "{screen}");
    harness.finish().await;
    mock.shutdown().await;
}

#[tokio::test]
async fn esc_on_a_finished_flow_returns_to_the_flow_list() {
    let mock = mock().await;
    let harness = app_on_mock(&mock, vec![confidential()], 80, 24).await;
    harness.press("3");
    for _ in 0..3 {
        harness.press("j");
    }
    harness.press("enter");
    harness.wait_for("Get a token as the client").await;
    // Under way, esc leaves the flow where it is.
    harness.press("esc");
    harness.press("enter");
    harness.wait_for("the next request is ready").await;
    harness.press("enter");
    harness.wait_for("flow complete").await;
    harness.press("esc");
    let screen = harness.wait_for("choose one (enter)").await;
    assert!(screen.contains("▸Client credentials"), "{screen}");
    harness.finish().await;
    mock.shutdown().await;
}
