//! What the server said about a token shows on its row and in its detail: revoked by us,
//! rotated out by a refresh, its family revoked on reuse, active or not per introspection.
//! The behaviours run through the real loop against the built-in mock; the screens are
//! drawn from a hand-built state with a fixed clock.

mod tui_support;

use std::time::Duration;

use oauthscope::oauth::flow::tokens::DecodedToken;
use oauthscope::oauth::jwt::{Check, Verdict, Verification};
use oauthscope::tui::action::{Action, Command};
use oauthscope::tui::app::App;
use oauthscope::tui::model::{Learnt, TokenKind, TokenState};
use tui_support::on_mock::{
    app_on_demo_mock, client_credentials_token, code_flow_with_in_terminal_login,
    confidential_code_flow, mock, refresh_from_the_selected_token, token_flow,
    use_confidential_client,
};
use tui_support::screens::{app_with_the_confidential_client, draw, fixed_now};

#[tokio::test]
async fn a_revoked_token_reads_revoked() {
    let mock = mock().await;
    let harness = app_on_demo_mock(&mock).await;
    // Revocation needs client authentication (RFC 7009 §2.1).
    use_confidential_client(&harness);
    code_flow_with_in_terminal_login(&harness, 0).await;
    // The flow selected its access token: revoke it.
    harness.press("5");
    let before = harness.wait_for("✓ valid").await;
    assert!(!before.contains("revoked"), "{before}");
    token_flow(&harness, "v", "Revoke the token", "flow complete").await;
    harness.press("5");
    let screen = harness.wait_for("(by revocation, RFC 7009)").await;
    assert!(screen.contains("✗ revoked "), "{screen}");
    assert!(screen.contains("access  "), "{screen}");
    // The checks still pass, but they do not call a revoked token valid.
    assert!(!screen.contains("✓ valid"), "{screen}");
    assert!(
        screen.contains("but the server no longer accepts it"),
        "{screen}"
    );
    harness.finish().await;
    mock.shutdown().await;
}

#[tokio::test]
async fn a_rotated_out_refresh_token_reused_revokes_the_family() {
    let mock = mock().await;
    let harness = confidential_code_flow(&mock).await;
    // Refresh with the refresh token (the last of access, id, refresh).
    harness.press("5");
    harness.press("G");
    refresh_from_the_selected_token(&harness).await;
    // The old refresh token (third row) is rotated out.
    harness.press("5");
    harness.press("g");
    harness.press("j");
    harness.press("j");
    let screen = harness
        .wait_for("a refresh returned a new refresh token, RFC 9700 §4.14.2")
        .await;
    assert!(screen.contains("✗ rotated out"), "{screen}");

    // Presenting it again is refused, and the server revokes the whole grant.
    harness.press("f");
    harness.wait_for("Refresh the tokens").await;
    harness.press("enter");
    harness.wait_for("invalid_grant").await;
    harness.press("5");
    let screen = harness.wait_for("the grant's tokens are revoked").await;
    // Old and new access and refresh tokens: four rows (the ID tokens are not revocable).
    let rows = |source: &str| {
        screen
            .matches(&format!("✗ family revoked  {source}"))
            .count()
    };
    assert_eq!(rows("Authorization code") + rows("Refresh"), 4, "{screen}");
    harness.finish().await;
    mock.shutdown().await;
}

#[tokio::test]
async fn introspection_says_active_then_inactive_after_revocation() {
    let mock = mock().await;
    let harness = confidential_code_flow(&mock).await;
    harness.press("5");
    token_flow(&harness, "i", "Introspect the token", "flow complete").await;
    harness.press("5");
    let screen = harness.wait_for("(by introspection, RFC 7662)").await;
    assert!(screen.contains("✓ active "), "{screen}");
    assert!(screen.contains("✓ valid"), "{screen}");

    token_flow(&harness, "v", "Revoke the token", "flow complete").await;
    harness.press("5");
    token_flow(&harness, "i", "Introspect the token", "\"active\": false").await;
    harness.press("5");
    let screen = harness.wait_for("(by introspection, RFC 7662)").await;
    assert!(screen.contains("✗ inactive "), "{screen}");
    harness.finish().await;
    mock.shutdown().await;
}

#[tokio::test]
async fn every_copy_of_a_revoked_token_reads_revoked() {
    let mock = mock().await;
    let token = client_credentials_token(&mock).await;
    let harness = app_on_demo_mock(&mock).await;
    use_confidential_client(&harness);
    harness.press("5");
    for count in ["Tokens 1", "Tokens 2"] {
        harness.press("p");
        harness.wait_for("Paste a JWT").await;
        harness.send(crossterm::event::Event::Paste(token.clone()));
        harness.press("enter");
        harness.wait_for(count).await;
    }
    harness.wait_for("the pasted token verifies").await;
    token_flow(&harness, "v", "Revoke the token", "flow complete").await;
    harness.press("5");
    let screen = harness.wait_for("(by revocation, RFC 7009)").await;
    assert_eq!(screen.matches("✗ revoked  pasted").count(), 2, "{screen}");
    harness.finish().await;
    mock.shutdown().await;
}

/// An access token of the built-in mock with fixed claims (header alg RS256, kid k1).
const JWT: &str = "eyJhbGciOiJSUzI1NiIsImtpZCI6ImsxIiwidHlwIjoiYXQrand0In0.eyJpc3MiOiJodHRwOi8vMTI3LjAuMC4xOjkwMDAiLCJzdWIiOiJhbGljZSIsImF1ZCI6ImRlbW8tcHVibGljIiwiZXhwIjoxNzk1NjE1NTgzLCJpYXQiOjE3OTU2MTUyODMsInNjb3BlIjoib3BlbmlkIHByb2ZpbGUifQ.c2lnbmF0dXJl";

/// The tokens pane with one access token whose checks pass and which the server has since
/// been told to revoke.
fn app_with_a_revoked_token() -> App {
    let mut app = app_with_the_confidential_client();
    app.add_token(
        TokenKind::Access,
        JWT.into(),
        "Authorization code + PKCE",
        None,
    );
    let token = &mut app.tokens[0];
    let mut decoded = DecodedToken::decode(JWT).expect("a JWT");
    let pass = |check, detail: &str| Check {
        check,
        verdict: Verdict::Pass,
        detail: detail.into(),
    };
    decoded.verification = Some(Verification {
        checks: vec![
            pass("signature", "RS256 with key k1 from the server's JWKS"),
            pass("iss", "http://127.0.0.1:9000"),
        ],
    });
    token.decoded = Some(decoded);
    token.server = Some(Learnt {
        state: TokenState::Revoked,
        at: fixed_now() - Duration::from_secs(20),
    });
    app.update(Action::Run(Command::FocusTokens));
    app
}

#[test]
fn a_revoked_token_at_80x24() {
    let mut app = app_with_a_revoked_token();
    let shown = draw(&mut app, 80, 24);
    assert!(
        shown.contains("✗ revoked 14:01:51 (by revocation, RFC 7009)"),
        "{shown}"
    );
    insta::assert_snapshot!("revoked_token_80x24", shown);
}

#[test]
fn a_revoked_token_at_120x35() {
    let mut app = app_with_a_revoked_token();
    let shown = draw(&mut app, 120, 35);
    assert!(!shown.contains("✓ valid"), "{shown}");
    insta::assert_snapshot!("revoked_token_120x35", shown);
}
