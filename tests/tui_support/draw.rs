//! One frame of an app built by hand, drawn on a test backend: for snapshots that need no loop.

use oauthscope::tui::action::Action;
use oauthscope::tui::app::App;
use oauthscope::tui::view;
use ratatui::Terminal;
use ratatui::backend::TestBackend;

/// The screen of `app` at `width` x `height`, as text.
pub fn draw(app: &mut App, width: u16, height: u16) -> String {
    app.update(Action::Resize(width, height));
    let mut terminal = Terminal::new(TestBackend::new(width, height)).unwrap();
    terminal.draw(|frame| view::render(app, frame)).unwrap();
    terminal.backend().to_string()
}
