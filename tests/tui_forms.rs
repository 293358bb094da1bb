//! The client forms through the real loop against the built-in mock: fields are typed (the
//! secret is the one masked, the auth method is a picker), a refused value keeps the form
//! and its input, and the update form starts from the client's current values.

mod tui_support;

use tui_support::on_mock::{OnDemoMock, client_by_hand, register_client};

fn field_line<'a>(screen: &'a str, label: &str) -> &'a str {
    let lines: Vec<&str> = screen.lines().collect();
    let at = lines
        .iter()
        .position(|l| l.contains(label))
        .unwrap_or_else(|| panic!("no field {label:?} on screen:\n{screen}"));
    lines
        .get(at + 1)
        .unwrap_or_else(|| panic!("nothing under {label:?}:\n{screen}"))
}

#[tokio::test]
async fn the_secret_is_masked_and_the_auth_method_is_a_picker() {
    let harness = OnDemoMock::start().await;
    client_by_hand(&harness, "hand-client", Some("hand-secret")).await;
    harness.press("tab");
    let screen = harness
        .wait_until("both typed", |s| {
            s.contains("hand-client") && s.contains("•••••••••••")
        })
        .await;
    assert!(screen.contains("◀ client_secret_basic ▶"), "{screen}");
    assert!(!screen.contains("hand-secret"), "{screen}");
    assert!(
        field_line(&screen, "client_secret (empty").contains("•••••••••••"),
        "{screen}"
    );
    assert!(
        field_line(&screen, "token_endpoint_auth_method").contains("client_secret_basic"),
        "{screen}"
    );
    assert!(
        field_line(&screen, " client_id ").contains("hand-client"),
        "{screen}"
    );
    // Right, space and left move through the closed set; typing does not change it.
    harness.press("right");
    harness.wait_for("◀ client_secret_post ▶").await;
    harness.press(" ");
    harness.wait_for("◀ client_secret_jwt ▶").await;
    harness.type_text("xyz");
    harness.press("left");
    harness.wait_for("◀ client_secret_post ▶").await;
    harness.press("enter");
    let screen = harness
        .wait_for("auth method                client_secret_post")
        .await;
    assert!(
        screen.contains("client_id                  hand-client"),
        "{screen}"
    );
    harness.finish().await;
}

#[tokio::test]
async fn a_missing_secret_keeps_the_form_and_its_input() {
    let harness = OnDemoMock::start().await;
    client_by_hand(&harness, "no-secret-client", None).await;
    harness.press("enter");
    let screen = harness
        .wait_for("✗ client_secret_basic needs a client_secret")
        .await;
    assert!(
        field_line(&screen, " client_id ").contains("no-secret-client"),
        "{screen}"
    );
    harness.finish().await;
}

#[tokio::test]
async fn a_registration_the_server_refuses_opens_again_as_typed() {
    let harness = OnDemoMock::start().await;
    harness.press("2");
    harness.press("n");
    harness.wait_for("Register a client (RFC 7591)").await;
    harness.press("tab");
    harness.type_text(" javascript:alert(1)");
    harness.press("enter");
    let screen = harness.wait_for("invalid_redirect_uri").await;
    // The form is back, with what was typed and the server's answer in it.
    assert!(screen.contains("Register a client (RFC 7591)"), "{screen}");
    assert!(
        field_line(&screen, "redirect_uris (space-separated)")
            .contains("http://127.0.0.1/callback javascript:alert(1)"),
        "{screen}"
    );
    assert!(screen.contains("✗ "), "{screen}");
    harness.finish().await;
}

#[tokio::test]
async fn registered_clients_show_by_name_and_update_starts_from_their_values() {
    let harness = OnDemoMock::start().await;
    let id = register_client(&harness, "-lists").await;
    // Listed by its name; the id is in the detail.
    let screen = harness.wait_for("▸   oauthscope-lists").await;
    assert!(
        screen.contains(&format!("client_id                  {id}")),
        "{screen}"
    );
    harness.press("u");
    let screen = harness
        .wait_for(&format!("Update {id} at the server (RFC 7592 §2.2)"))
        .await;
    assert!(
        field_line(&screen, " client_name ").contains("oauthscope-lists"),
        "{screen}"
    );
    assert!(!screen.contains("(updated)"), "{screen}");
    assert!(screen.contains("◀ client_secret_basic ▶"), "{screen}");
    // Rename it and switch it to client_secret_post: the server's answer is kept.
    harness.type_text("-2");
    harness.press("tab");
    harness.press("right");
    harness.wait_for("◀ client_secret_post ▶").await;
    harness.press("enter");
    harness
        .wait_for(&format!("{id}: the server's copy is shown"))
        .await;
    let screen = harness.wait_for("▸   oauthscope-lists-2").await;
    assert!(screen.contains("client_secret_post"), "{screen}");
    harness.finish().await;
}
