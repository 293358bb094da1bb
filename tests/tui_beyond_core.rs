//! Rich authorization (RAR, `A`), signed request objects (JAR, `J`) and the JWT bearer grant
//! in the terminal app: keys replayed through the real loop against the mock on 127.0.0.1,
//! with the demo key client the app's built-in mock has (src/embedded.rs); the new forms
//! drawn at 80x24 from a hand-built state.

mod tui_support;

use oauthscope::tui::action::{Action, Command};
use oauthscope::tui::model::{Cursor, FlowView, ServerState};
use oauthscope::wire::ServerMetadata;
use tui_support::on_mock::{
    KEY_CLIENT, OnDemoMock, app_on_mock, mock_with_key_client, pick_flow, public,
    send_through_verification, sign_in_as_alice,
};
use tui_support::screens::{app_with_the_confidential_client, draw};

/// The picker's place of the JWT bearer grant.
const JWT_BEARER: usize = 9;

#[tokio::test]
async fn rar_is_offered_prefilled_sent_and_the_granted_details_shown_on_the_step_and_token() {
    let harness = OnDemoMock::start().await;
    pick_flow(&harness, 0);
    let screen = harness.wait_for("e edits it, enter sends it").await;
    assert!(
        screen.contains("A rich authorization (RFC 9396): the server takes payment_initiation"),
        "{screen}"
    );
    harness.press("A");
    let editor = harness.wait_for("Rich authorization (RFC 9396)").await;
    assert!(editor.contains("\"instructedAmount\""), "{editor}");
    harness.press("ctrl-s");
    let screen = harness
        .wait_until("the request with its details", |s| {
            s.contains("authorization_details asked for in the request below · enter sends it")
                && s.contains("[{\"actions\":[\"initiate\"")
        })
        .await;
    assert!(screen.contains("payment_initiation"), "{screen}");
    sign_in_as_alice(&harness).await;
    harness.press("enter");
    harness.wait_for("the next request is ready").await;
    // Back on the step that got the tokens, from the verification after it.
    harness.press("k");
    let screen = harness.wait_for("Granted authorization_details").await;
    assert!(
        screen.contains("\"creditorName\": \"Merchant A\""),
        "{screen}"
    );
    assert!(
        screen.contains("✓ the access token carries the same authorization_details claim"),
        "{screen}"
    );
    harness.press("5");
    harness.press("g");
    let tokens = harness
        .wait_for("granted authorization_details (RFC 9396 §7)")
        .await;
    assert!(tokens.contains("payment_initiation"), "{tokens}");
    harness.finish().await;
}

#[tokio::test]
async fn details_that_are_not_json_keep_the_editor_and_its_text_with_the_rule() {
    let harness = OnDemoMock::start().await;
    pick_flow(&harness, 0);
    harness.wait_for("e edits it, enter sends it").await;
    harness.press("A");
    harness.wait_for("Rich authorization (RFC 9396)").await;
    // The cursor is at the top: this makes the text no JSON at all.
    harness.type_text("oops ");
    harness.press("ctrl-s");
    let screen = harness.wait_for("authorization_details is not JSON").await;
    assert!(screen.contains("RFC 9396 §2"), "{screen}");
    assert!(screen.contains("oops ["), "the text is kept: {screen}");
    harness.press("esc");
    // In the request editor the same rule holds for a parameter typed by hand.
    harness.press("e");
    harness.wait_for("Edit the request").await;
    harness.press("enter");
    harness.type_text("authorization_details = {\"type\": \"payment_initiation\"}");
    harness.press("ctrl-s");
    let screen = harness.wait_for("must be a JSON array").await;
    assert!(screen.contains("Edit the request"), "{screen}");
    harness.finish().await;
}

#[tokio::test]
async fn jar_signs_the_request_the_mock_accepts_it_and_shows_it_decoded() {
    let (mock, client) = mock_with_key_client().await;
    let harness = app_on_mock(&mock, vec![client.profile.clone()], 160, 60).await;
    pick_flow(&harness, 0);
    let screen = harness.wait_for("e edits it, enter sends it").await;
    assert!(
        screen.contains("J signed request object (RFC 9101): the server takes"),
        "{screen}"
    );
    harness.press("J");
    harness
        .wait_for(&format!(
            "request objects on (RFC 9101), signed by {KEY_CLIENT}'s key"
        ))
        .await;
    let screen = harness
        .wait_for("request decoded (unverified, as sent)")
        .await;
    assert!(screen.contains("oauth-authz-req+jwt"), "{screen}");
    assert!(screen.contains("\"alg\":\"ES256\""), "{screen}");
    // The mock verifies the object at /authorize, signs alice in and sends the code back.
    sign_in_as_alice(&harness).await;
    send_through_verification(&harness).await;
    harness.finish().await;
    mock.shutdown().await;
}

#[tokio::test]
async fn a_broken_request_object_is_refused_with_the_rule_on_the_step() {
    let (mock, client) = mock_with_key_client().await;
    let harness = app_on_mock(&mock, vec![client.profile.clone()], 160, 60).await;
    pick_flow(&harness, 1);
    harness.wait_for("e edits it, enter sends it").await;
    harness.press("J");
    harness
        .wait_for("request decoded (unverified, as sent)")
        .await;
    // A request object whose signature is not the client's key's.
    harness.press("e");
    harness.wait_for("Edit the request").await;
    harness.press("enter");
    harness.type_text(
        "request = eyJhbGciOiJFUzI1NiIsInR5cCI6Im9hdXRoLWF1dGh6LXJlcStqd3QifQ\
         .eyJpc3MiOiJkZW1vLXByaXZhdGUta2V5In0.AAAA",
    );
    harness.press("ctrl-s");
    harness.wait_for("request changed").await;
    harness.press("enter");
    let screen = harness.wait_for("invalid_request_object").await;
    assert!(
        screen.contains("✗ 1 Push the authorization request"),
        "{screen}"
    );
    assert!(screen.contains("RFC 9101"), "{screen}");
    harness.finish().await;
    mock.shutdown().await;
}

#[tokio::test]
async fn without_a_key_jar_goes_unsigned_only_because_the_server_allows_none() {
    let harness = OnDemoMock::start().await;
    pick_flow(&harness, 0);
    harness.wait_for("e edits it, enter sends it").await;
    harness.press("J");
    let screen = harness
        .wait_for("unsigned (alg none, which the server allows)")
        .await;
    assert!(screen.contains("keygen --out FILE"), "{screen}");
    let screen = harness.wait_for("\"alg\":\"none\"").await;
    assert!(screen.contains("request decoded"), "{screen}");
    sign_in_as_alice(&harness).await;
    harness.finish().await;
}

#[tokio::test]
async fn the_jwt_bearer_grant_signs_an_assertion_with_the_demo_key_and_gets_a_token() {
    let (mock, client) = mock_with_key_client().await;
    let harness = app_on_mock(&mock, vec![client.profile.clone()], 160, 60).await;
    pick_flow(&harness, JWT_BEARER);
    let form = harness.wait_for("JWT bearer grant (RFC 7523 §2.1)").await;
    assert!(form.contains(KEY_CLIENT), "iss prefilled: {form}");
    assert!(form.contains(&format!("{}/token", mock.issuer())), "{form}");
    harness.press("enter");
    let screen = harness.wait_for("Trade the assertion for a token").await;
    assert!(
        screen.contains("urn:ietf:params:oauth:grant-type:jwt-bearer"),
        "{screen}"
    );
    let screen = harness
        .wait_for("assertion decoded (unverified, as sent)")
        .await;
    assert!(screen.contains("alice"), "{screen}");
    send_through_verification(&harness).await;
    harness.press("5");
    let tokens = harness.wait_for("access").await;
    assert!(tokens.contains("JWT bearer grant"), "{tokens}");
    harness.finish().await;
    mock.shutdown().await;
}

#[tokio::test]
async fn a_jwt_bearer_form_without_key_or_assertion_says_how_to_get_one() {
    let (mock, _client) = mock_with_key_client().await;
    let harness = app_on_mock(&mock, vec![public()], 160, 60).await;
    pick_flow(&harness, JWT_BEARER);
    harness.wait_for("JWT bearer grant (RFC 7523 §2.1)").await;
    harness.press("enter");
    let screen = harness.wait_for("none: paste an assertion").await;
    assert!(screen.contains("demo-public has"), "{screen}");
    assert!(screen.contains("keygen --out FILE"), "{screen}");
    assert!(
        screen.contains("JWT bearer grant (RFC 7523 §2.1)"),
        "kept open: {screen}"
    );
    harness.finish().await;
    mock.shutdown().await;
}

/// The hand-built app of the screens, on a server that advertises RAR and JAR.
fn app_on_an_advertising_server() -> oauthscope::tui::app::App {
    let mut app = app_with_the_confidential_client();
    let metadata: ServerMetadata = serde_json::from_value(serde_json::json!({
        "issuer": "http://127.0.0.1:9000",
        "authorization_endpoint": "http://127.0.0.1:9000/authorize",
        "token_endpoint": "http://127.0.0.1:9000/token",
        "authorization_details_types_supported": ["payment_initiation", "account_information"],
        "request_object_signing_alg_values_supported": ["ES256", "none"],
    }))
    .unwrap();
    app.servers[0].discovery = ServerState::Done {
        metadata: Box::new(metadata),
        sources: Default::default(),
        raw: String::new(),
        warnings: Vec::new(),
    };
    app.update(Action::Run(Command::FocusFlow));
    app
}

#[test]
fn the_new_forms_at_80x24() {
    let mut app = app_on_an_advertising_server();
    app.flow = FlowView::Picking(Cursor { index: JWT_BEARER });
    app.update(Action::Run(Command::Activate));
    insta::assert_snapshot!("jwt_bearer_form_80x24", draw(&mut app, 80, 24));
    app.update(Action::Run(Command::Cancel));
    app.update(Action::Run(Command::RichAuthorization));
    insta::assert_snapshot!("rich_authorization_editor_80x24", draw(&mut app, 80, 24));
}
