//! The request editor (`e` on a flow step): one header or parameter a line, the cursor moving
//! between them, a bad edit kept with its error, esc leaving it unchanged. Drawn at 80x24 and
//! 120x35 from a state built by hand; the keys replayed through the real loop on the mock.

mod tui_support;

use crossterm::event::{Event, KeyCode, KeyEvent, KeyModifiers};
use oauthscope::mock::RunningMock;
use oauthscope::oauth::client_auth::{AuthMethod, ClientCredentials};
use oauthscope::oauth::flow::{Flow, FlowConfig};
use oauthscope::tui::action::{Action, Command};
use oauthscope::tui::app::{App, Settings};
use oauthscope::tui::model::ServerState;
use oauthscope::wire::ServerMetadata;
use tui_support::Harness;
use tui_support::on_mock::{app_on_mock, confidential, mock, pick_flow};
use tui_support::screens::draw;

const ISSUER: &str = "http://127.0.0.1:9000";

/// The app with a client credentials request ready, on a server described by hand.
fn app_with_a_request() -> App {
    let settings = Settings {
        built_in: Some((ISSUER.into(), vec![confidential()])),
        ..Settings::in_memory()
    };
    let (mut app, _rx) = App::new(settings);
    let metadata = ServerMetadata {
        issuer: ISSUER.into(),
        token_endpoint: Some(format!("{ISSUER}/token")),
        ..ServerMetadata::default()
    };
    app.servers[0].discovery = ServerState::Done {
        metadata: Box::new(metadata.clone()),
        sources: Default::default(),
        raw: String::new(),
        warnings: vec![],
    };
    let client = ClientCredentials::confidential(
        "demo-confidential",
        "demo-secret",
        AuthMethod::ClientSecretBasic,
    );
    let mut config = FlowConfig::new(metadata, client);
    config.scope = Some("api:read api:write".into());
    app.show_flow(Flow::client_credentials(config).unwrap());
    app
}

#[test]
fn the_editor_shows_one_header_or_parameter_a_line() {
    for (width, height) in [(80, 24), (120, 35)] {
        let mut app = app_with_a_request();
        app.update(Action::Run(Command::Edit));
        let screen = draw(&mut app, width, height);
        let line_with = |text: &str| {
            screen
                .lines()
                .position(|l| l.contains(text))
                .unwrap_or_else(|| panic!("{text:?} not on screen:\n{screen}"))
        };
        let rows = [
            line_with("POST http://127.0.0.1:9000/token"),
            line_with("Authorization: Basic ••••••"),
            line_with("grant_type = client_credentials"),
            line_with("scope = api:read api:write"),
        ];
        assert!(rows.windows(2).all(|w| w[1] == w[0] + 1), "{screen}");
        assert!(!screen.contains("demo-secret"), "{screen}");
        insta::assert_snapshot!(format!("editor_{width}x{height}"), screen);
    }
}

/// The app on the mock, as the confidential client, with the client credentials request ready.
async fn client_credentials_ready(mock: &RunningMock) -> Harness {
    let harness = app_on_mock(mock, vec![confidential()], 100, 30).await;
    pick_flow(&harness, 3);
    harness.wait_for("Get a token as the client").await;
    harness
}

fn press_code(harness: &Harness, code: KeyCode) {
    harness.send(Event::Key(KeyEvent::new(code, KeyModifiers::NONE)));
}

#[tokio::test]
async fn up_and_down_move_between_the_lines() {
    let mock = mock().await;
    let harness = client_credentials_ready(&mock).await;
    harness.press("e");
    harness.wait_for("grant_type = client_credentials").await;
    // From the last line up to the first, down to the header, and a new header above it.
    harness.press("up");
    harness.press("up");
    harness.press("down");
    press_code(&harness, KeyCode::Home);
    harness.type_text("X-Note: hi");
    harness.press("enter");
    harness.press("ctrl-s");
    let screen = harness.wait_for("request changed").await;
    let note = screen.find("X-Note").expect("the new header is on screen");
    let authorization = screen.find("Authorization").expect("the header is kept");
    assert!(note < authorization, "inserted above it:\n{screen}");
    assert!(screen.contains("grant_type"), "{screen}");
    // The secret behind the mask was kept: the request still authenticates.
    harness.press("enter");
    harness.wait_for("tokens: access").await;
    harness.finish().await;
    mock.shutdown().await;
}

#[tokio::test]
async fn a_bad_edit_keeps_the_text_and_says_why_and_esc_leaves() {
    let mock = mock().await;
    let harness = client_credentials_ready(&mock).await;
    harness.press("e");
    harness.wait_for("grant_type = client_credentials").await;
    harness.press("enter");
    harness.type_text("not a parameter");
    harness.press("ctrl-s");
    let screen = harness
        .wait_for("is neither a header `Name: value` nor a parameter")
        .await;
    assert!(screen.contains("Edit the request"), "still open:\n{screen}");
    assert!(
        screen.contains("not a parameter"),
        "the text is kept:\n{screen}"
    );
    harness.press("esc");
    let screen = harness
        .wait_until("the editor closes", |s| !s.contains("Edit the request"))
        .await;
    assert!(!screen.contains("not a parameter"), "{screen}");
    assert!(screen.contains("grant_type"), "{screen}");
    harness.finish().await;
    mock.shutdown().await;
}
