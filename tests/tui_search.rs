//! `/` searches the focused list through the real loop against the built-in mock: the
//! cursor goes to the first match, ↓↑ (and n / N once kept) step between matches, esc goes
//! back to where the search started.

mod tui_support;

use tui_support::on_mock::{app_on_demo_mock, code_flow_with_in_terminal_login, mock};

/// The `kind` line of the selected token's detail.
fn selected_kind(screen: &str) -> &str {
    screen
        .lines()
        .find(|l| l.contains("kind      "))
        .unwrap_or_else(|| panic!("no token detail:\n{screen}"))
}

#[tokio::test]
async fn slash_finds_tokens_and_n_steps_through_the_matches() {
    let mock = mock().await;
    let harness = app_on_demo_mock(&mock).await;
    code_flow_with_in_terminal_login(&harness, 0).await;
    // access, id, refresh: the flow selected the access token.
    harness.press("5");
    let screen = harness.wait_for("kind      access token").await;
    assert!(
        screen.contains("/ search"),
        "the footer offers it: {screen}"
    );
    harness.press("/");
    harness.type_text("refresh");
    let screen = harness.wait_for("1 match").await;
    assert!(screen.contains(" / refresh▏"), "{screen}");
    assert!(selected_kind(&screen).contains("refresh token"), "{screen}");
    harness.press("enter");
    harness
        .wait_for("1 match for \"refresh\": n / N step them")
        .await;

    // The client is in the claims of the access token (client_id) and the ID token (aud,
    // azp), not in the opaque refresh token.
    harness.press("/");
    harness.type_text("demo-public");
    let screen = harness.wait_for("2 matches").await;
    assert!(selected_kind(&screen).contains("access token"), "{screen}");
    harness.press("down");
    let screen = harness.wait_for("kind      id token").await;
    assert!(screen.contains("2 matches"), "{screen}");
    harness.press("enter");
    harness.wait_for("2 matches for \"demo-public\"").await;
    // n wraps round to the first match, N goes back.
    harness.press("n");
    harness.wait_for("match 1 of 2 for \"demo-public\"").await;
    harness.wait_for("kind      access token").await;
    harness.press("N");
    harness.wait_for("match 2 of 2 for \"demo-public\"").await;
    harness.wait_for("kind      id token").await;

    // Nothing matches: the prompt says so and the cursor stays; esc goes back.
    harness.press("g");
    harness.wait_for("kind      access token").await;
    harness.press("/");
    harness.type_text("zzz-nothing");
    harness.wait_for("no match").await;
    harness.press("backspace");
    harness.press("esc");
    let screen = harness
        .wait_until("the prompt closed", |s| !s.contains(" / zzz-nothin"))
        .await;
    assert!(selected_kind(&screen).contains("access token"), "{screen}");
    harness.press("n");
    harness
        .wait_for("no search in this list: / starts one")
        .await;
    harness.finish().await;
    mock.shutdown().await;
}

#[tokio::test]
async fn slash_in_exchanges_and_clients() {
    let mock = mock().await;
    let harness = app_on_demo_mock(&mock).await;
    // Exchanges: discovery made two; the newest (OpenID Connect's) is selected, and the
    // detail shows the selected one's URL after its method.
    harness.press("4");
    let issuer = mock.issuer().to_string();
    harness
        .wait_for(&format!("GET {issuer}/.well-known/openid-configuration"))
        .await;
    harness.press("/");
    harness.type_text("oauth-authorization");
    harness.wait_for("1 match").await;
    harness
        .wait_for(&format!(
            "GET {issuer}/.well-known/oauth-authorization-server"
        ))
        .await;
    // esc goes back to where the search started.
    harness.press("esc");
    harness
        .wait_for(&format!("GET {issuer}/.well-known/openid-configuration"))
        .await;

    // Clients: the cursor moves to the match, and that only selects (n still registers).
    harness.press("2");
    harness.press("/");
    harness.type_text("CONF");
    let screen = harness.wait_for("▸   demo-confidential").await;
    assert!(screen.contains("  ● demo-public "), "{screen}");
    harness.press("enter");
    harness.wait_for("/ and ↓↑ step them").await;
    harness.press("n");
    harness.wait_for("Register a client (RFC 7591)").await;
    harness.finish().await;
    mock.shutdown().await;
}
