//! After a refresh the new tokens say what rotated and which claims changed, old → new:
//! through the real loop against the built-in mock, and drawn from a hand-built state with
//! a fixed clock at 80x24 and 120x35.

mod tui_support;

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use oauthscope::oauth::flow::refresh;
use oauthscope::profile::ClientProfile;
use oauthscope::tui::action::{Action, Command};
use oauthscope::tui::app::{App, Settings};
use oauthscope::tui::model::TokenKind;
use oauthscope::tui::view;
use oauthscope::wire::TokenResponse;
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use tui_support::on_mock::{
    app_on_mock, code_flow_with_in_terminal_login, mock, use_confidential_client,
};

#[tokio::test]
async fn a_refresh_shows_what_rotated_and_which_claims_changed() {
    let mock = mock().await;
    let harness = app_on_mock(&mock).await;
    use_confidential_client(&harness);
    code_flow_with_in_terminal_login(&harness, 0).await;
    harness.press("5");
    harness.press("G");
    harness.press("f");
    harness.wait_for("Refresh the tokens").await;
    harness.press("enter");
    harness
        .wait_until("refresh done", |s| {
            s.contains("flow complete") || s.contains("the next request is ready")
        })
        .await;
    harness.press("enter");
    harness.wait_for("flow complete").await;
    // The new access token is selected, and says what the refresh did first.
    harness.press("5");
    let screen = harness.wait_for("refreshed · old → new").await;
    assert!(
        screen.contains("rotated: a new one came, the old one is retired"),
        "{screen}"
    );
    assert!(screen.contains("claims changed:"), "{screen}");
    let jti = screen
        .lines()
        .find(|l| l.contains("    jti ") && l.contains(" → "))
        .unwrap_or_else(|| panic!("no jti change:\n{screen}"));
    assert!(jti.matches('"').count() == 4, "{jti}");
    harness.finish().await;
    mock.shutdown().await;
}

fn now() -> SystemTime {
    // 2026-11-25 14:02:11 UTC
    UNIX_EPOCH + Duration::from_secs(1_795_615_331)
}

/// An unsigned JWT with these claims (its signature is not checked in these screens).
fn jwt(claims: serde_json::Value) -> String {
    let part = |v: serde_json::Value| URL_SAFE_NO_PAD.encode(v.to_string());
    format!(
        "{}.{}.c2lnbmF0dXJl",
        part(serde_json::json!({"alg": "RS256", "kid": "k1", "typ": "at+jwt"})),
        part(claims)
    )
}

fn access_token(jti: &str, iat: u64) -> String {
    jwt(serde_json::json!({
        "iss": "http://127.0.0.1:9000",
        "sub": "alice",
        "client_id": "demo-confidential",
        "scope": "openid profile",
        "jti": jti,
        "iat": iat,
        "exp": iat + 3600,
    }))
}

/// The tokens pane just after a refresh, 20 minutes after the first grant, that rotated
/// the refresh token.
fn app_after_a_refresh() -> App {
    let (mut app, _rx) = App::new(Settings {
        built_in: Some((
            "http://127.0.0.1:9000".into(),
            vec![ClientProfile {
                client_id: "demo-confidential".into(),
                client_secret: Some("demo-secret".into()),
                auth_method: "client_secret_basic".into(),
                ..ClientProfile::default()
            }],
        )),
        fixed_now: Some(now()),
        ..Settings::in_memory()
    });
    let now_secs = now().duration_since(UNIX_EPOCH).unwrap().as_secs();
    let before = TokenResponse {
        access_token: access_token("at-1", now_secs - 1200),
        token_type: "Bearer".into(),
        refresh_token: Some("refresh-1".into()),
        ..TokenResponse::default()
    };
    let after = TokenResponse {
        access_token: access_token("at-2", now_secs),
        token_type: "Bearer".into(),
        refresh_token: Some("refresh-2".into()),
        ..TokenResponse::default()
    };
    let rotation = refresh::rotation("refresh-1", Some(&before), &after);
    app.add_token(
        TokenKind::Access,
        before.access_token.clone(),
        "Authorization code + PKCE",
        None,
    );
    app.add_token(
        TokenKind::Access,
        after.access_token.clone(),
        "Refresh",
        None,
    );
    app.tokens[1].rotation = Some(rotation);
    app.update(Action::Run(Command::FocusTokens));
    app
}

fn screen(app: &mut App, width: u16, height: u16) -> String {
    app.update(Action::Resize(width, height));
    let mut terminal = Terminal::new(TestBackend::new(width, height)).unwrap();
    terminal.draw(|frame| view::render(app, frame)).unwrap();
    terminal.backend().to_string()
}

#[test]
fn old_and_new_after_a_refresh_at_80x24() {
    let mut app = app_after_a_refresh();
    let shown = screen(&mut app, 80, 24);
    assert!(
        shown.contains("exp  2026-11-25 14:42:11 UTC → 2026-11-25 15:02:11 UTC"),
        "{shown}"
    );
    assert!(shown.contains("jti  \"at-1\" → \"at-2\""), "{shown}");
    insta::assert_snapshot!("refreshed_80x24", shown);
}

#[test]
fn old_and_new_after_a_refresh_at_120x35() {
    let mut app = app_after_a_refresh();
    let shown = screen(&mut app, 120, 35);
    assert!(shown.contains("new; 3 claims changed:"), "{shown}");
    insta::assert_snapshot!("refreshed_120x35", shown);
}
