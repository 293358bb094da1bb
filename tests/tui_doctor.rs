//! The doctor's view in the Tokens pane (`d`): the selected token's findings and the
//! session's, drawn from a hand-built state with a fixed clock at 80x24 and 120x35.

mod tui_support;

use std::time::Duration;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use oauthscope::oauth::Exchange;
use oauthscope::tui::action::{Action, Command};
use oauthscope::tui::app::App;
use oauthscope::tui::model::{TokenEntry, TokenKind};
use serde_json::json;
use tui_support::screens::{app_with_the_confidential_client, draw, fixed_now};

/// An unsigned ID token, issued a minute ago, handed out as an access token; and a request
/// that carried a bearer token in its URL.
fn careless_session() -> App {
    let mut app = app_with_the_confidential_client();
    let now = fixed_now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs();
    let part = |v: serde_json::Value| URL_SAFE_NO_PAD.encode(v.to_string());
    let token = format!(
        "{}.{}.",
        part(json!({"alg": "none"})),
        part(
            json!({"iss": "http://127.0.0.1:9000", "sub": "alice", "nonce": "n-1",
                    "iat": now - 60, "exp": now + 90 * 86_400})
        )
    );
    app.tokens.push(TokenEntry {
        kind: TokenKind::Access,
        value: token.into(),
        source: "authorization code".into(),
        obtained_at: fixed_now() - Duration::from_secs(60),
        expires_at: None,
        decoded: None,
        rotation: None,
        response: None,
        family: None,
        server: None,
    });
    let mut leak = Exchange::new(
        "GET",
        "http://127.0.0.1:9000/userinfo?access_token=2YotnFZFEjr1zCsicMWpAA",
    );
    leak.started_at = fixed_now();
    leak.status = Some(200);
    leak.locate_secrets(&[]);
    app.record(leak);
    app.update(Action::Run(Command::FocusTokens));
    app.update(Action::Run(Command::ToggleDoctor));
    app
}

#[test]
fn the_doctor_view_at_80x24() {
    let mut app = careless_session();
    let screen = draw(&mut app, 80, 24);
    assert!(screen.contains("alg-none"), "{screen}");
    assert!(!screen.contains("2YotnFZFEjr1zCsicMWpAA"));
    insta::assert_snapshot!(screen);
}

#[test]
fn the_doctor_view_at_120x35() {
    let mut app = careless_session();
    let screen = draw(&mut app, 120, 35);
    for code in [
        "alg-none",
        "long-lived-access-token",
        "token-type-confusion",
        "bearer-in-url",
    ] {
        assert!(screen.contains(code), "{code} in\n{screen}");
    }
    insta::assert_snapshot!(screen);
}

#[test]
fn d_again_goes_back_to_the_token() {
    let mut app = careless_session();
    app.update(Action::Run(Command::ToggleDoctor));
    let screen = draw(&mut app, 120, 35);
    assert!(!screen.contains("Doctor"), "{screen}");
    assert!(screen.contains("Token · y copy"), "{screen}");
}
