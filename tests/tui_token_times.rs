//! A pasted token says what its verification said, and the relative times in its checks
//! count from the app's clock at each frame, like the list beside them. Against the
//! built-in mock on 127.0.0.1, with the app's clock fixed and then moved between frames.

mod tui_support;

use std::time::{Duration, UNIX_EPOCH};

use oauthscope::mock::RunningMock;
use oauthscope::oauth::secret::Secret;
use oauthscope::tui::action::{Action, Command};
use oauthscope::tui::app::{App, Settings};
use oauthscope::tui::effect::Runtime;
use tui_support::Harness;
use tui_support::on_mock::{client_credentials_token, mock, settings, started};
use tui_support::screens::draw;

/// An access token from the mock, fetched the way any client would, with its `iat`.
async fn token_from(mock: &RunningMock) -> (String, u64) {
    let token = client_credentials_token(mock).await;
    let claims = token.split('.').nth(1).unwrap();
    let claims: serde_json::Value = serde_json::from_slice(
        &base64::Engine::decode(&base64::engine::general_purpose::URL_SAFE_NO_PAD, claims).unwrap(),
    )
    .unwrap();
    (token, claims["iat"].as_u64().unwrap())
}

#[tokio::test]
async fn a_token_pasted_again_reads_verified_like_the_status_says() {
    let mock = mock().await;
    let (token, _) = token_from(&mock).await;
    let harness = started(Harness::start(settings(&mock), 120, 35)).await;
    harness.press("5");
    for count in ["Tokens 1", "Tokens 2"] {
        harness.press("p");
        harness.wait_for("Paste a JWT").await;
        harness.send(crossterm::event::Event::Paste(token.clone()));
        harness.press("enter");
        // The newest paste is selected; its detail must say what the status says.
        harness
            .wait_until("the selected paste verified", |s| {
                s.contains(count)
                    && s.contains("the pasted token verifies against the server's keys")
                    && s.contains("✓ valid")
                    && !s.contains("not verified yet")
            })
            .await;
    }
    harness.finish().await;
    mock.shutdown().await;
}

/// Runs the app's background work to its end, outside the event loop.
async fn settle(app: &mut App, runtime: &mut Runtime) {
    while app.busy_with().is_some() {
        let result = tokio::time::timeout(Duration::from_secs(10), runtime.next_result())
            .await
            .expect("background work ends")
            .expect("the task channel is open");
        runtime.execute(app.update(Action::Task(result)));
    }
}

#[tokio::test]
async fn relative_times_in_the_checks_tick_with_the_clock() {
    let mock = mock().await;
    let (token, iat) = token_from(&mock).await;
    let issued = UNIX_EPOCH + Duration::from_secs(iat);
    let (mut app, mut runtime) = App::new(Settings {
        fixed_now: Some(issued),
        ..settings(&mock)
    });
    runtime.execute(app.start());
    settle(&mut app, &mut runtime).await;
    for action in [
        Action::Run(Command::FocusTokens),
        Action::Run(Command::PasteToken),
        Action::Paste(Secret::from(token)),
        Action::Run(Command::Activate),
    ] {
        runtime.execute(app.update(action));
    }
    settle(&mut app, &mut runtime).await;

    let first = draw(&mut app, 120, 35);
    assert!(first.contains("✓ valid"), "{first}");
    // The mock's access tokens live an hour.
    assert!(first.contains("(in 1h 00m)"), "{first}");

    app.set_fixed_now(issued + Duration::from_secs(90));
    let later = draw(&mut app, 120, 35);
    assert!(later.contains("(in 58m 30s)"), "{later}");
    assert!(later.contains("(1m 30s ago)"), "{later}");
    assert!(!later.contains("(in 1h 00m)"), "{later}");

    // Past its expiry the check fails and the verdict no longer says valid.
    app.set_fixed_now(issued + Duration::from_secs(3_700));
    let expired = draw(&mut app, 120, 35);
    assert!(expired.contains("✗ exp       expired at"), "{expired}");
    assert!(expired.contains("(1m 40s ago)"), "{expired}");
    assert!(!expired.contains("✓ valid"), "{expired}");
    assert!(expired.contains("✗ expired "), "{expired}");
    mock.shutdown().await;
}

/// The flow's verify step draws the same checks as the Tokens pane: their relative times
/// tick with the clock too, not frozen at the moment of the check.
#[tokio::test]
async fn the_verify_steps_checks_tick_with_the_clock() {
    let mock = mock().await;
    let (mut app, mut runtime) = App::new(Settings {
        fixed_now: Some(std::time::SystemTime::now()),
        built_in: Some((
            mock.issuer().to_string(),
            vec![tui_support::on_mock::confidential()],
        )),
        ..Settings::in_memory()
    });
    runtime.execute(app.start());
    settle(&mut app, &mut runtime).await;
    // Client credentials (the fourth flow), its token request, then its verify step.
    let mut actions = vec![Action::Run(Command::FocusFlow)];
    actions.extend([0, 1, 2].map(|_| Action::Run(Command::Down)));
    for action in actions {
        runtime.execute(app.update(action));
    }
    for _ in 0..3 {
        runtime.execute(app.update(Action::Run(Command::Activate)));
        settle(&mut app, &mut runtime).await;
    }
    let exp_check = |screen: &str| {
        screen
            .lines()
            .find(|l| l.contains("✓ exp") && l.contains("expires at"))
            .unwrap_or_else(|| panic!("an exp check on the verify step: {screen}"))
            .to_string()
    };
    // Times counted from the token's own exp, so how long the request took does not matter.
    let exp = app.tokens[0]
        .decoded
        .as_ref()
        .and_then(|d| d.claims["exp"].as_u64())
        .expect("the access token's exp");
    let exp = UNIX_EPOCH + Duration::from_secs(exp);
    app.set_fixed_now(exp - Duration::from_secs(1800));
    let first = draw(&mut app, 120, 35);
    assert!(first.contains("Verify the tokens"), "{first}");
    assert!(exp_check(&first).contains("(in 30m 00s)"), "{first}");
    app.set_fixed_now(exp - Duration::from_secs(600));
    let later = draw(&mut app, 120, 35);
    assert!(exp_check(&later).contains("(in 10m 00s)"), "{later}");
    mock.shutdown().await;
}
