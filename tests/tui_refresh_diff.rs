//! After a refresh the new tokens say what rotated and which claims changed, old → new:
//! through the real loop against the built-in mock, and drawn from a hand-built state with
//! a fixed clock at 80x24 and 120x35.

mod tui_support;

use std::time::UNIX_EPOCH;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use oauthscope::oauth::flow::refresh;
use oauthscope::tui::action::{Action, Command};
use oauthscope::tui::app::App;
use oauthscope::tui::model::TokenKind;
use oauthscope::wire::TokenResponse;
use tui_support::on_mock::{confidential_code_flow, mock, refresh_from_the_selected_token};
use tui_support::screens::{app_with_the_confidential_client, draw, fixed_now};

#[tokio::test]
async fn a_refresh_shows_what_rotated_and_which_claims_changed() {
    let mock = mock().await;
    let harness = confidential_code_flow(&mock).await;
    harness.press("5");
    harness.press("G");
    refresh_from_the_selected_token(&harness).await;
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
    let mut app = app_with_the_confidential_client();
    let now_secs = fixed_now().duration_since(UNIX_EPOCH).unwrap().as_secs();
    let before = TokenResponse {
        access_token: access_token("at-1", now_secs - 1200).into(),
        token_type: "Bearer".into(),
        refresh_token: Some("refresh-1".into()),
        ..TokenResponse::default()
    };
    let after = TokenResponse {
        access_token: access_token("at-2", now_secs).into(),
        token_type: "Bearer".into(),
        refresh_token: Some("refresh-2".into()),
        ..TokenResponse::default()
    };
    let rotation = refresh::rotation("refresh-1", Some(&before), &after);
    app.add_token(
        TokenKind::Access,
        before.access_token.secret().to_string(),
        "Authorization code + PKCE",
        None,
    );
    app.add_token(
        TokenKind::Access,
        after.access_token.secret().to_string(),
        "Refresh",
        None,
    );
    app.tokens[1].rotation = Some(rotation);
    app.update(Action::Run(Command::FocusTokens));
    app
}

#[test]
fn old_and_new_after_a_refresh_at_80x24() {
    let mut app = app_after_a_refresh();
    let shown = draw(&mut app, 80, 24);
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
    let shown = draw(&mut app, 120, 35);
    assert!(shown.contains("new; 3 claims changed:"), "{shown}");
    insta::assert_snapshot!("refreshed_120x35", shown);
}
