//! Workshop mode (`oauthscope demo FLOW`) through its real loop on the built-in mock started
//! in this process: each flow played step by step with the presenter's keys, one step back
//! (shown again, nothing sent), forward again and on to the summary, at the projector's
//! 100x30 and at 80x24.

mod tui_support;

use oauthscope::mock::RunningMock;
use oauthscope::tui::demo::{Demo, DemoFlow, run_demo};
use tui_support::Harness;
use tui_support::on_mock::{confidential, mock, public};

/// The demo of `flow` on `mock`, at `width` x `height`.
fn start(mock: &RunningMock, flow: DemoFlow, width: u16, height: u16) -> Harness {
    let demo = Demo::new(flow, mock.issuer(), &[public(), confidential()]).expect("the demo");
    Harness::start_loop(width, height, move |mut terminal, events| async move {
        run_demo(&mut terminal, events, demo).await
    })
}

/// The demo of `flow` on `mock`, at `width` x `height`, showing its intro.
async fn demo_on(mock: &RunningMock, flow: DemoFlow, width: u16, height: u16) -> Harness {
    let harness = start(mock, flow, width, height);
    harness.wait_for("Press space to start").await;
    harness
}

/// Presses space and waits until step `step` of `of` has played and shows.
async fn next_step(harness: &Harness, step: usize, of: usize) -> String {
    harness.press(" ");
    let place = format!("step {step} of {of}");
    harness
        .wait_until(&place, |s| s.contains(&place) && !s.contains("… sending"))
        .await
}

/// The screen with what differs between runs (the device's random user code) made fixed.
fn stable(screen: &str) -> String {
    match screen.find("user code: ") {
        Some(at) => {
            let start = at + "user code: ".len();
            let code: String = screen[start..].chars().take(9).collect();
            screen.replace(&code, "XXXX-XXXX")
        }
        None => screen.to_string(),
    }
}

/// Plays every step of `flow`, checking `expect[i]` on step i + 1; goes one step back from
/// the last (the earlier step is shown again with the notice, and nothing is sent), forward
/// again, then to the summary. Returns the last step's screen and the summary.
async fn play(harness: &Harness, flow: DemoFlow, expect: &[&str]) -> (String, String) {
    let steps = flow.acts().len();
    assert_eq!(expect.len(), steps, "one expectation per step");
    let mut last = String::new();
    for (i, want) in expect.iter().enumerate() {
        last = next_step(harness, i + 1, steps).await;
        assert!(
            last.contains(want),
            "step {}: {want:?} missing in\n{last}",
            i + 1
        );
        assert!(!last.contains("did not go as the demo shows"), "{last}");
    }
    harness.press("left");
    let earlier = format!("step {} of {steps}", steps - 1);
    let back = harness.wait_for(&earlier).await;
    assert!(
        back.contains("Shown again: nothing is undone on the server."),
        "{back}"
    );
    assert!(back.contains(flow.acts()[steps - 2].title()), "{back}");
    harness.press(" ");
    let again = harness.wait_for(&format!("step {steps} of {steps}")).await;
    assert_eq!(
        again, last,
        "forward again shows the same step, nothing re-sent"
    );
    harness.press("enter");
    let summary = harness.wait_for("steps played").await;
    assert!(
        summary.contains(&format!("{steps} of {steps} steps played")),
        "{summary}"
    );
    // From the summary, ← goes back to the last step.
    harness.press("left");
    harness.wait_for(&format!("step {steps} of {steps}")).await;
    harness.press(" ");
    harness.wait_for("steps played").await;
    (stable(&last), stable(&summary))
}

async fn quit(harness: Harness) {
    harness.press("q");
    tokio::time::timeout(std::time::Duration::from_secs(10), harness.loop_task)
        .await
        .expect("q ends the demo")
        .expect("loop task")
        .expect("loop result");
}

/// Plays `flow` through at 100x30 and 80x24 on one mock, checking each step and the
/// count of failed checks (each a refusal the flow shows), and snapshots its last step and
/// its summary at both sizes as `{name}_last_WxH` and `{name}_summary_WxH`.
async fn plays_at_both_sizes(flow: DemoFlow, expect: &[&str], failed: usize, name: &str) {
    let mock = mock().await;
    for (width, height) in [(100, 30), (80, 24)] {
        let harness = demo_on(&mock, flow, width, height).await;
        if flow == DemoFlow::Code {
            insta::assert_snapshot!(format!("{name}_intro_{width}x{height}"), harness.screen());
        }
        let (last, summary) = play(&harness, flow, expect).await;
        assert!(summary.contains(&format!("· {failed} failed")), "{summary}");
        insta::assert_snapshot!(format!("{name}_last_{width}x{height}"), last);
        insta::assert_snapshot!(format!("{name}_summary_{width}x{height}"), summary);
        quit(harness).await;
    }
}

#[tokio::test]
async fn code_flow() {
    let steps = [
        "PKCE: S256 supported",
        "code_challenge_method = S256",
        "login page: sign in as alice",
        "✓ state is the one sent",
        "refresh_token R1",
        "✓ ID token: signature",
    ];
    plays_at_both_sizes(DemoFlow::Code, &steps, 0, "code").await;
}

#[tokio::test]
async fn device_flow() {
    let steps = [
        "device: /device/code",
        "user code: ",
        "authorization_pending",
        "login page: sign in as alice",
        "refresh_token R1",
        "✓ ID token: signature",
    ];
    plays_at_both_sizes(DemoFlow::Device, &steps, 0, "device").await;
}

#[tokio::test]
async fn refresh_reuse() {
    let steps = [
        "PKCE: S256 supported",
        "refresh_token R1",
        "✓ a new refresh token replaces the old one",
        "✗ the refresh token was not used before",
        "✗ the newest refresh token is still live",
    ];
    plays_at_both_sizes(DemoFlow::Refresh, &steps, 2, "refresh").await;
}

#[tokio::test]
async fn forged_state() {
    let steps = [
        "PKCE: S256 supported",
        "state = 22 random characters",
        "redirected back to",
        "✗ state is the one sent",
    ];
    plays_at_both_sizes(DemoFlow::ForgedState, &steps, 1, "forged_state").await;
}

#[tokio::test]
async fn replayed_code() {
    let steps = [
        "PKCE: S256 supported",
        "client_id = demo-public",
        "consent: ",
        "✓ iss is the server asked",
        "access_token (Bearer",
        "✗ the code was not used before",
        "✗ the first access token is still active",
    ];
    plays_at_both_sizes(DemoFlow::ReplayedCode, &steps, 2, "replayed_code").await;
}

#[tokio::test]
async fn alg_none() {
    let steps = [
        "keys (jwks_uri): /jwks",
        "as the client demo-confidential",
        "✓ token: signature",
        "\"alg\":\"none\"",
        "✗ token signature: alg is",
    ];
    plays_at_both_sizes(DemoFlow::AlgNone, &steps, 1, "alg_none").await;
}

#[tokio::test]
async fn q_quits_while_a_step_is_on_screen_and_before_any() {
    let mock = mock().await;
    let harness = demo_on(&mock, DemoFlow::Code, 100, 30).await;
    quit(harness).await;
    let harness = demo_on(&mock, DemoFlow::Code, 100, 30).await;
    next_step(&harness, 1, 6).await;
    quit(harness).await;
}

#[tokio::test]
async fn a_terminal_too_small_says_so() {
    let mock = mock().await;
    let harness = start(&mock, DemoFlow::Code, 40, 10);
    harness.wait_for("The demo needs at least 60x16").await;
    quit(harness).await;
}

/// The rows of the explanation panel (right of the steps column), without its borders.
/// The explanation panel's part of each row, at the 60x16 the scrolling test runs at.
fn panel_rows(screen: &str) -> Vec<String> {
    let left = oauthscope::tui::demo::view::areas(ratatui::layout::Rect::new(0, 0, 60, 16))
        .right
        .x;
    screen
        .lines()
        .map(|row| row.chars().skip(usize::from(left)).collect::<String>())
        .collect()
}

#[tokio::test]
async fn a_step_longer_than_the_panel_scrolls_with_the_arrows_and_stops_at_its_end() {
    let mock = mock().await;
    let harness = start(&mock, DemoFlow::Code, 60, 16);
    harness.wait_for("space/enter start").await;
    next_step(&harness, 1, 6).await;
    let top = next_step(&harness, 2, 6).await;
    assert!(top.contains("↓ more · ↑/↓ scroll"), "{top}");
    harness.press("down");
    let down = harness
        .wait_until("one row down", |s| panel_rows(s)[2] == panel_rows(&top)[3])
        .await;
    assert_ne!(down, top);
    for _ in 0..40 {
        harness.press("down");
    }
    let end = harness
        .wait_until("the end", |s| {
            !s.contains("↓ more") && s.contains("↑/↓ scroll")
        })
        .await;
    assert!(end.contains("code_challenge_method ="), "{end}");
    // Past the end nothing moves, so one up is one row above the end.
    harness.press("up");
    harness.wait_for("↓ more").await;
    // The next step starts at its top.
    let third = next_step(&harness, 3, 6).await;
    assert!(third.contains("The browser takes the user"), "{third}");
    quit(harness).await;
}
