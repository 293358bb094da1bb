//! A step the server refused because of the client names a client of this server that can
//! do it, and `c` makes that one active and sends the step again. Keys replayed through the
//! real loop on the mock: introspection as the public client (it cannot authenticate), then
//! revocation as another client than the token's.

mod tui_support;

use tui_support::on_mock::{app_on_mock, code_flow_tokens, confidential, mock, public};

/// The header names the active client after the server and issuer.
fn active_client(screen: &str) -> &str {
    let header = screen.lines().next().unwrap_or_default();
    header
        .split(" · ")
        .nth(2)
        .and_then(|rest| rest.split_whitespace().next())
        .unwrap_or_default()
}

#[tokio::test]
async fn a_public_client_refused_introspection_offers_the_confidential_one() {
    let mock = mock().await;
    let harness = app_on_mock(&mock, vec![public(), confidential()], 140, 50).await;
    code_flow_tokens(&harness).await;
    harness.press("5");
    harness.press("g");
    harness.press("i");
    harness.wait_for("Introspect the token").await;
    harness.press("enter");
    let screen = harness.wait_for("c use demo-confidential").await;
    assert!(screen.contains("✗ "), "{screen}");
    assert!(
        screen.contains("it can authenticate (RFC 7662 §2.1)"),
        "{screen}"
    );
    harness.press("c");
    let screen = harness.wait_for("\"active\": true").await;
    assert_eq!(active_client(&screen), "demo-confidential", "{screen}");
    assert!(screen.contains("✓ 1 Introspect the token"), "{screen}");
    harness.finish().await;
    mock.shutdown().await;
}

#[tokio::test]
async fn revoking_another_clients_token_offers_the_client_it_was_issued_to() {
    let mock = mock().await;
    let harness = app_on_mock(&mock, vec![public(), confidential()], 140, 50).await;
    code_flow_tokens(&harness).await;
    harness.press("2");
    harness.press("j");
    harness.press("enter");
    harness
        .wait_for("flows now use client demo-confidential")
        .await;
    harness.press("5");
    harness.press("g");
    harness.press("v");
    harness.wait_for("Revoke the token").await;
    harness.press("enter");
    let screen = harness.wait_for("c use demo-public").await;
    assert!(
        screen.contains("the token was issued to it (RFC 7009 §2.1)"),
        "{screen}"
    );
    harness.press("c");
    let screen = harness
        .wait_until("revoked as demo-public", |s| {
            s.contains("flow complete") && s.contains("✓ 1 Revoke the token")
        })
        .await;
    assert_eq!(active_client(&screen), "demo-public", "{screen}");
    harness.finish().await;
    mock.shutdown().await;
}
