//! `x` explains what is in view: a step's parameters and response fields, an exchange's,
//! a token's claims, each with its catalogue entry; a failed step shows the likely causes
//! and what to try under its error. Through the real loop on the mock, and drawn from a
//! hand-built state with a fixed clock at 80x24 and 120x35.

mod tui_support;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use oauthscope::oauth::client_auth::{AuthMethod, ClientCredentials};
use oauthscope::oauth::flow::{Flow, FlowConfig};
use oauthscope::profile::ClientProfile;
use oauthscope::tui::action::{Action, Command};
use oauthscope::tui::app::App;
use oauthscope::tui::model::TokenKind;
use oauthscope::wire::ServerMetadata;
use tui_support::on_mock::{app_on_mock, mock, pick_flow};
use tui_support::screens::{app_with_the_confidential_client, draw};

const ISSUER: &str = "http://127.0.0.1:9000";

fn run(app: &mut App, commands: &[Command]) {
    for command in commands {
        app.update(Action::Run(*command));
    }
}

/// An ID token with fixed claims (its signature is not checked in these screens).
fn id_token() -> String {
    let part = |v: serde_json::Value| URL_SAFE_NO_PAD.encode(v.to_string());
    format!(
        "{}.{}.c2lnbmF0dXJl",
        part(serde_json::json!({"alg": "RS256", "kid": "k1"})),
        part(serde_json::json!({
            "iss": ISSUER, "sub": "alice", "aud": "demo-public", "azp": "demo-public",
            "at_hash": "x4Q8HQ3VfEAgbiEXs0CtYQ", "nonce": "n-0S6_WzA2Mj",
            "iat": 1_795_615_000, "exp": 1_795_615_600,
        }))
    )
}

/// The client credentials flow with its token request ready to send.
fn app_with_a_flow_and_a_token() -> App {
    let mut app = app_with_the_confidential_client();
    let metadata = ServerMetadata {
        issuer: ISSUER.into(),
        token_endpoint: Some(format!("{ISSUER}/token")),
        ..ServerMetadata::default()
    };
    let client = ClientCredentials::confidential(
        "demo-confidential",
        "demo-secret",
        AuthMethod::ClientSecretBasic,
    );
    let mut config = FlowConfig::new(metadata, client);
    config.scope = Some("api:read".into());
    app.show_flow(Flow::client_credentials(config).unwrap());
    app.add_token(TokenKind::Id, id_token(), "authorization code", None);
    app
}

#[test]
fn a_tokens_claims_are_listed_and_the_selected_one_explained() {
    for (width, height) in [(80, 24), (120, 35)] {
        let mut app = app_with_a_flow_and_a_token();
        // alg, kid, then the claims in order: the third is at_hash.
        run(
            &mut app,
            &[
                Command::FocusTokens,
                Command::Explain,
                Command::Down,
                Command::Down,
            ],
        );
        let screen = draw(&mut app, width, height);
        assert!(screen.contains("OIDC Core §3.1.3.6"), "{screen}");
        insta::assert_snapshot!(format!("explain_claims_{width}x{height}"), screen);
    }
}

#[test]
fn a_steps_parameters_are_listed_and_esc_closes_the_list() {
    for (width, height) in [(80, 24), (120, 35)] {
        let mut app = app_with_a_flow_and_a_token();
        run(&mut app, &[Command::FocusFlow, Command::Explain]);
        let screen = draw(&mut app, width, height);
        assert!(screen.contains("Explain · Get a token"), "{screen}");
        assert!(
            screen.contains("RFC 6749 §4.1.3"),
            "grant_type is selected:\n{screen}"
        );
        insta::assert_snapshot!(format!("explain_parameters_{width}x{height}"), screen);
        run(&mut app, &[Command::Cancel]);
        assert!(!draw(&mut app, width, height).contains("Explain ·"));
    }
}

#[test]
fn with_nothing_in_view_the_key_says_so() {
    let mut app = app_with_the_confidential_client();
    run(&mut app, &[Command::FocusTokens, Command::Explain]);
    let screen = draw(&mut app, 80, 24);
    assert!(screen.contains("nothing to explain here"), "{screen}");
    assert!(!screen.contains("Explain ·"), "{screen}");
}

#[tokio::test]
async fn a_refused_step_shows_likely_causes_and_its_fields_explain() {
    let mock = mock().await;
    let wrong = ClientProfile {
        client_id: "demo-confidential".into(),
        client_secret: Some("not-the-secret".into()),
        auth_method: "client_secret_basic".into(),
        ..ClientProfile::default()
    };
    let harness = app_on_mock(&mock, vec![wrong], 120, 35).await;
    pick_flow(&harness, 3);
    harness.wait_for("e edits it, enter sends it").await;
    harness.press("enter");
    let screen = harness.wait_for("likely causes (invalid_client)").await;
    assert!(
        screen.contains("wrong or expired client secret"),
        "{screen}"
    );
    assert!(screen.contains("try: check the secret"), "{screen}");

    // The failed step's names: what it sent, then what the server answered.
    harness.press("x");
    harness.wait_for("Explain · ").await;
    // grant_type and the Basic credentials sent, then error and error_description.
    for _ in 0..3 {
        harness.press("j");
    }
    let screen = harness
        .wait_for("Human-readable text that explains the error")
        .await;
    assert!(screen.contains("error_description"), "{screen}");
    // The `error` field comes with the answer's own code, decoded.
    harness.press("k");
    let screen = harness.wait_for("This answer: invalid_client").await;
    assert!(screen.contains("Likely causes:"), "{screen}");
    harness.press("esc");
    harness
        .wait_until("closed", |s| !s.contains("Explain · "))
        .await;
    harness.finish().await;
    mock.shutdown().await;
}
