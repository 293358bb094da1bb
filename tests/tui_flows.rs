//! Whole flows through the real event loop against the built-in mock on 127.0.0.1: keys are
//! replayed, the screen is read back, and every request goes over HTTP.

mod tui_support;

use tui_support::on_mock::{
    OnDemoMock, client_credentials_token, code_flow_with_in_terminal_login, delete_at_the_server,
    pick_flow, refresh_from_the_selected_token, register_client, send_through_verification,
    token_flow, use_confidential_client,
};

#[tokio::test]
async fn code_flow_with_pkce_and_the_in_terminal_login() {
    let harness = OnDemoMock::start().await;
    code_flow_with_in_terminal_login(&harness, 0).await;

    harness.press("5");
    let screen = harness.wait_for("✓ valid").await;
    assert!(screen.contains("signature"), "{screen}");
    // UserInfo with the access token the flow selected.
    harness.press("u");
    harness.wait_for("Fetch the user's claims").await;
    harness.press("enter");
    let screen = harness.wait_for("flow complete").await;
    assert!(screen.contains("\"sub\""), "{screen}");
    // The exchanges of the sign-in are in the log like any other.
    harness.press("4");
    let screen = harness.wait_for("/consent").await;
    assert!(screen.contains("/login"), "{screen}");
    assert!(screen.contains("/token"), "{screen}");
    harness.finish().await;
}

#[tokio::test]
async fn par_then_code_then_refresh_introspect_and_revoke() {
    let harness = OnDemoMock::start().await;
    // Introspection and revocation need client authentication (RFC 7662 §2.1).
    use_confidential_client(&harness);
    code_flow_with_in_terminal_login(&harness, 1).await;
    harness.press("4");
    harness.wait_for("/par").await;

    // Refresh from the tokens pane: select the refresh token (the last one), f.
    harness.press("5");
    harness.press("G");
    harness.wait_for("refresh ").await;
    refresh_from_the_selected_token(&harness).await;
    // The new access token is selected, with what the refresh changed.
    harness.press("5");
    let screen = harness.wait_for("refreshed · old → new").await;
    assert!(screen.contains(" → "), "{screen}");

    // Introspect the newest access token.
    harness.press("5");
    harness.press("G");
    harness.press("k");
    harness.press("k");
    let screen = token_flow(&harness, "i", "Introspect the token", "flow complete").await;
    assert!(screen.contains("\"active\": true"), "{screen}");

    // Revoke it, then introspection says inactive.
    harness.press("5");
    token_flow(&harness, "v", "Revoke the token", "flow complete").await;
    harness.press("5");
    token_flow(&harness, "i", "Introspect the token", "\"active\": false").await;
    harness.finish().await;
}

#[tokio::test]
async fn device_flow_approved_in_the_terminal() {
    let harness = OnDemoMock::start().await;
    pick_flow(&harness, 2);
    harness.wait_for("Ask for a device code").await;
    harness.press("enter");
    let screen = harness.wait_for("go to").await;
    assert!(screen.contains("user code"), "{screen}");
    harness.press("s");
    harness.wait_for("Sign in as:").await;
    harness.press("j");
    harness.press("enter");
    harness.wait_for("a approve").await;
    harness.press("a");
    harness.wait_for("enter starts polling").await;
    send_through_verification(&harness).await;
    harness.press("5");
    harness.wait_for("✓ valid").await;
    harness.finish().await;
}

#[tokio::test]
async fn client_credentials_with_the_confidential_client() {
    let harness = OnDemoMock::start().await;
    use_confidential_client(&harness);
    harness
        .wait_for("flows now use client demo-confidential")
        .await;
    pick_flow(&harness, 3);
    let screen = harness.wait_for("Get a token as the client").await;
    assert!(screen.contains("client_credentials"), "{screen}");
    // Edit the request before it goes: ask for one scope.
    harness.press("e");
    harness.wait_for("Edit the request").await;
    harness.press("enter");
    harness.type_text("scope = api:read");
    harness.press("ctrl-s");
    harness.wait_for("request changed").await;
    harness.wait_for("api:read").await;
    send_through_verification(&harness).await;
    harness.press("5");
    harness.wait_for("\"api:read\"").await;
    harness.finish().await;
}

#[tokio::test]
async fn a_client_is_registered_read_updated_and_deleted() {
    let harness = OnDemoMock::start().await;
    let id = register_client(&harness, "").await;
    harness.press("R");
    harness.wait_for(&format!("{id}: the server's copy")).await;
    harness.press("u");
    harness
        .wait_for(&format!("Update {id} at the server (RFC 7592 §2.2)"))
        .await;
    harness.press("ctrl-s");
    harness
        .wait_until("updated", |s| {
            s.matches(&format!("{id}: the server's copy")).count() > 0 && s.contains("PUT")
        })
        .await;
    delete_at_the_server(&harness, &id).await;
    harness.finish().await;
}

#[tokio::test]
async fn a_pasted_jwt_is_verified_against_the_servers_keys() {
    let harness = OnDemoMock::start().await;
    let token = client_credentials_token(&harness.mock).await;
    harness.press("5");
    harness.press("p");
    harness.wait_for("Paste a JWT").await;
    harness.send(crossterm::event::Event::Paste(format!("{token}\n")));
    harness.press("enter");
    harness
        .wait_for("the pasted token verifies against the server's keys")
        .await;
    let screen = harness.wait_for("✓ valid").await;
    assert!(screen.contains("pasted"), "{screen}");

    // A tampered copy does not verify.
    // One signature character changed, well inside the signature (not its padding bits).
    let at = token.len() - 10;
    let swapped = if &token[at..=at] == "A" { "B" } else { "A" };
    let tampered = format!("{}{swapped}{}", &token[..at], &token[at + 1..]);
    harness.press("p");
    harness.wait_for("Paste a JWT").await;
    harness.send(crossterm::event::Event::Paste(tampered));
    harness.press("enter");
    harness.wait_for("the pasted token does not verify").await;
    harness.wait_for("✗ not valid").await;
    harness.finish().await;
}
