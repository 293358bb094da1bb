//! Screens drawn from a hand-built state with a test backend and a fixed clock, so they
//! are reproducible.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use oauthscope::profile::ClientProfile;
use oauthscope::tui::action::Action;
use oauthscope::tui::app::{App, Settings};
use oauthscope::tui::view;
use ratatui::Terminal;
use ratatui::backend::TestBackend;

/// 2026-11-25 14:02:11 UTC.
pub fn fixed_now() -> SystemTime {
    UNIX_EPOCH + Duration::from_secs(1_795_615_331)
}

/// The app on a built-in mock at a fixed address with the confidential demo client, its
/// clock at [`fixed_now`]; nothing discovered, nothing running.
pub fn app_with_the_confidential_client() -> App {
    let (app, _results) = App::new(Settings {
        built_in: Some((
            "http://127.0.0.1:9000".into(),
            vec![ClientProfile {
                client_id: "demo-confidential".into(),
                client_secret: Some("demo-secret".into()),
                auth_method: "client_secret_basic".into(),
                ..ClientProfile::default()
            }],
        )),
        fixed_now: Some(fixed_now()),
        ..Settings::in_memory()
    });
    app
}

/// The screen `app` draws at `width` x `height`.
pub fn draw(app: &mut App, width: u16, height: u16) -> String {
    app.update(Action::Resize(width, height));
    let mut terminal = Terminal::new(TestBackend::new(width, height)).unwrap();
    terminal.draw(|frame| view::render(app, frame)).unwrap();
    terminal.backend().to_string()
}
