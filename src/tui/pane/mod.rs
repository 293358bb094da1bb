//! The panes, one file each. A list pane draws its list in its slot and its details in the
//! inspector (wide layout) or below the list (narrow layout). The flow pane is one view.

pub mod clients;
pub mod doctor;
pub mod exchanges;
pub mod explain;
pub mod flow;
pub mod help;
pub mod mock;
pub mod servers;
pub mod tokens;

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};

use super::app::App;

pub use super::layout::Pane;

/// A pane's list in its slot.
pub fn render_list(app: &App, frame: &mut Frame, pane: Pane, area: Rect, focused: bool) {
    match pane {
        Pane::Servers => servers::render_list(app, frame, area, focused),
        Pane::Clients => clients::render_list(app, frame, area, focused),
        Pane::Flow => flow::render(app, frame, area, focused),
        Pane::Exchanges => exchanges::render_list(app, frame, area, focused),
        Pane::Tokens => tokens::render_list(app, frame, area, focused),
    }
}

/// A pane's details: what its selected row holds.
pub fn render_detail(app: &App, frame: &mut Frame, pane: Pane, area: Rect) {
    match pane {
        Pane::Servers => match &app.mock {
            Some(panel) => mock::render(app, panel, frame, area),
            None => servers::render_detail(app, frame, area),
        },
        Pane::Clients => clients::render_detail(app, frame, area),
        Pane::Flow => flow::render(app, frame, area, false),
        Pane::Exchanges => exchanges::render_detail(app, frame, area),
        Pane::Tokens if app.ui.doctor => doctor::render(app, frame, area),
        Pane::Tokens => tokens::render_detail(app, frame, area),
    }
}

/// The narrow layout: one pane fills the screen, its list above its details.
pub fn render_whole(app: &App, frame: &mut Frame, pane: Pane, area: Rect) {
    if pane == Pane::Flow {
        return flow::render(app, frame, area, true);
    }
    let rows = u16::try_from(app.list_len(pane)).unwrap_or(u16::MAX);
    // Its rows and borders, at least 4, at most half the screen; `min` last, because on a
    // short screen half of it is less than 4 (`clamp` would panic there).
    let list_height = rows
        .saturating_add(3)
        .min(area.height / 2)
        .max(4)
        .min(area.height);
    let [list, detail] =
        Layout::vertical([Constraint::Length(list_height), Constraint::Min(0)]).areas(area);
    render_list(app, frame, pane, list, true);
    render_detail(app, frame, pane, detail);
}
