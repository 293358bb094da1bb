//! The footer and the status line at 80 columns: `? help` always shows, and in the flow
//! pane the key for another flow; other hints give way first. A status message that does
//! not fit wraps between words (the status line grows to two rows) and is never cut
//! inside a word.

mod tui_support;

use oauthscope::mock::{MockConfig, MockServer, RunningMock};
use oauthscope::profile::ClientProfile;
use oauthscope::tui::action::{Action, Command};
use oauthscope::tui::app::{App, Settings};
use oauthscope::tui::model::{Status, StatusKind};
use oauthscope::tui::view;
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use tui_support::Harness;

fn on_mock(mock: &RunningMock) -> Settings {
    let client = ClientProfile {
        client_id: "demo-public".into(),
        auth_method: "none".into(),
        ..ClientProfile::default()
    };
    Settings {
        built_in: Some((mock.issuer().to_string(), vec![client])),
        ..Settings::in_memory()
    }
}

fn footer(screen: &str) -> &str {
    screen.lines().last().unwrap_or("")
}

#[tokio::test]
async fn at_80_columns_every_pane_shows_help_and_the_flow_pane_another_flow() {
    let mock = MockServer::start(MockConfig::demo()).await.unwrap();
    let harness = Harness::start(on_mock(&mock), 80, 24);
    harness.wait_for("discovered Built-in mock").await;
    for (key, title) in [
        ("1", "1 Servers"),
        ("2", "2 Clients"),
        ("4", "4 Exchanges"),
        ("5", "5 Tokens"),
        ("3", "3 Flow"),
    ] {
        harness.press(key);
        let screen = harness
            .wait_until(title, |s| {
                s.lines().nth(1).is_some_and(|l| l.contains(title))
            })
            .await;
        assert!(footer(&screen).contains("? help"), "{key}: {screen}");
    }
    // In the flow pane, before and during a flow.
    let picker = harness.screen();
    assert!(footer(&picker).contains("n other flow"), "{picker}");
    harness.press("enter");
    let running = harness.wait_for("enter sends it").await;
    assert!(footer(&running).contains("? help"), "{running}");
    assert!(footer(&running).contains("n other flow"), "{running}");
    assert!(
        footer(&running).chars().count() <= 80,
        "the footer fits: {running}"
    );
    // The status and footer rows only: the request above carries a random state and port.
    let rows: Vec<&str> = running.lines().collect();
    insta::assert_snapshot!("footer_flow_80x24", rows[rows.len() - 2..].join("\n"));
    harness.finish().await;
    mock.shutdown().await;
}

fn draw(app: &App, width: u16, height: u16) -> String {
    let mut terminal = Terminal::new(TestBackend::new(width, height)).unwrap();
    terminal.draw(|frame| view::render(app, frame)).unwrap();
    let buffer = terminal.backend().buffer();
    (0..height)
        .map(|y| {
            (0..width)
                .map(|x| buffer[(x, y)].symbol())
                .collect::<String>()
                + "\n"
        })
        .collect()
}

/// The rows between the body and the footer that hold the status message.
fn status_rows(screen: &str, rows: usize) -> Vec<String> {
    let lines: Vec<&str> = screen.lines().collect();
    lines[lines.len() - 1 - rows..lines.len() - 1]
        .iter()
        .map(|l| l.trim().to_string())
        .collect()
}

const MESSAGE: &str = "not a JWT with readable claims: a JWT has three base64url parts \
                       separated by dots (RFC 7519 §7.2); this one has one";

#[test]
fn a_long_error_wraps_over_two_rows_between_words() {
    for (width, height) in [(80, 24), (120, 35)] {
        let (mut app, _runtime) = App::new(Settings::in_memory());
        app.ui.status = Some(Status {
            text: MESSAGE.into(),
            kind: StatusKind::Error,
        });
        let screen = draw(&app, width, height);
        let rows = if width == 80 { 2 } else { 1 };
        let shown = status_rows(&screen, rows).join(" ");
        assert_eq!(shown, format!("✗ {MESSAGE}"), "{screen}");
        insta::assert_snapshot!(format!("status_wrapped_{width}x{height}"), screen);
    }
}

#[test]
fn a_message_longer_than_its_rows_ends_at_a_whole_word() {
    let (mut app, _runtime) = App::new(Settings::in_memory());
    let long = [MESSAGE; 3].join(" · ");
    app.ui.status = Some(Status {
        text: long.clone(),
        kind: StatusKind::Error,
    });
    let screen = draw(&app, 80, 24);
    let shown = status_rows(&screen, 2).join(" ");
    let kept = shown
        .strip_suffix(" …")
        .expect("an ellipsis says there is more");
    let kept = kept.strip_prefix("✗ ").unwrap();
    assert!(long.starts_with(kept), "{shown}");
    assert!(
        long[kept.len()..].starts_with(' '),
        "cut between words: {shown}"
    );
}

/// The flow keys that are there but were hidden: `D` in every flow, `T` once an MCP flow has
/// listed the tools, each at 80 columns.
#[tokio::test]
async fn at_80_columns_the_flow_footer_names_dpop_and_the_tool_call_when_they_apply() {
    let mock = MockServer::start(MockConfig::demo()).await.unwrap();
    let harness = Harness::start(on_mock(&mock), 80, 24);
    harness.wait_for("discovered Built-in mock").await;
    harness.press("3");
    let picker = harness.wait_for("3 Flow").await;
    assert!(footer(&picker).contains("D DPoP"), "{picker}");
    assert!(footer(&picker).contains("enter choose"), "{picker}");
    harness.press("enter");
    let running = harness.wait_for("enter sends it").await;
    assert!(footer(&running).contains("D DPoP"), "{running}");
    assert!(footer(&running).contains("enter send"), "{running}");
    assert!(!footer(&running).contains("T call a tool"), "{running}");
    // The MCP demo, through tools/list, drawn large to follow it, then at 80 columns again.
    harness.resize(160, 60);
    harness.press("1");
    harness.press("M");
    harness.wait_for("✓ Mock MCP server (MCP)").await;
    tui_support::on_mock::pick_flow(&harness, 0);
    harness
        .wait_for("found and registered: read the request")
        .await;
    tui_support::on_mock::sign_in_as_alice(&harness).await;
    for step in [
        "6 Exchange the code",
        "7 Verify the tokens",
        "8 Initialize",
        "9 List the tools",
    ] {
        harness.press("enter");
        harness.wait_for(&format!("✓ {step}")).await;
    }
    harness.resize(80, 24);
    let listed = harness
        .wait_until("the footer at 80 columns", |s| {
            s.lines().count() == 24 && footer(s).contains("T call a tool")
        })
        .await;
    assert!(footer(&listed).contains("? help"), "{listed}");
    assert!(footer(&listed).chars().count() <= 80, "{listed}");
    harness.finish().await;
    mock.shutdown().await;
}

/// A one-line form is submitted with enter, as the form itself says; an editor with ctrl-s.
#[test]
fn the_footer_of_a_form_names_the_key_the_form_names() {
    let mut app = tui_support::screens::app_with_the_confidential_client();
    app.update(Action::Run(Command::FocusServers));
    app.update(Action::Run(Command::MockPanel));
    app.update(Action::Run(Command::MockFault));
    let screen = tui_support::screens::draw(&mut app, 80, 24);
    assert!(screen.contains("enter submit · tab next field"), "{screen}");
    assert!(footer(&screen).contains("enter submit"), "{screen}");
    assert!(!footer(&screen).contains("ctrl-s"), "{screen}");
    app.update(Action::Run(Command::Cancel));
    app.update(Action::Run(Command::FocusFlow));
    app.update(Action::Run(Command::RichAuthorization));
    let screen = tui_support::screens::draw(&mut app, 80, 24);
    assert!(footer(&screen).contains("ctrl-s submit"), "{screen}");
}
