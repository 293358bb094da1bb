//! The panes, one file each. A list pane draws its list in its slot and its details in the
//! inspector (wide layout) or below the list (narrow layout). The flow pane is one view.

pub mod clients;
pub mod exchanges;
pub mod flow;
pub mod help;
pub mod servers;
pub mod tokens;

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};

use super::app::App;
use super::keymap::Context;
use super::widgets;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Pane {
    Servers,
    Clients,
    Flow,
    Exchanges,
    Tokens,
}

impl Pane {
    pub const ALL: [Pane; 5] = [
        Pane::Servers,
        Pane::Clients,
        Pane::Flow,
        Pane::Exchanges,
        Pane::Tokens,
    ];

    pub fn title(self) -> &'static str {
        match self {
            Pane::Servers => "Servers",
            Pane::Clients => "Clients",
            Pane::Flow => "Flow",
            Pane::Exchanges => "Exchanges",
            Pane::Tokens => "Tokens",
        }
    }

    /// Its number key (1-5).
    pub fn number(self) -> usize {
        Pane::ALL.iter().position(|p| *p == self).unwrap_or(0) + 1
    }

    pub fn next(self) -> Pane {
        Pane::ALL[self.number() % Pane::ALL.len()]
    }

    pub fn prev(self) -> Pane {
        Pane::ALL[(self.number() + Pane::ALL.len() - 2) % Pane::ALL.len()]
    }

    pub fn context(self) -> Context {
        match self {
            Pane::Servers => Context::Servers,
            Pane::Clients => Context::Clients,
            Pane::Flow => Context::Flow,
            Pane::Exchanges => Context::Exchanges,
            Pane::Tokens => Context::Tokens,
        }
    }
}

/// How many selectable rows a pane's list has.
pub fn list_len(app: &App, pane: Pane) -> usize {
    match pane {
        Pane::Servers => app.servers.len(),
        Pane::Clients => app.selected_server().map_or(0, |s| s.clients.len()),
        Pane::Flow => flow::list_len(app),
        Pane::Exchanges => app.exchanges.entries.len(),
        Pane::Tokens => app.tokens.len(),
    }
}

/// The first list row drawn in `area` (lists scroll to keep the selection in view).
pub fn list_window_start(app: &App, pane: Pane, area: Rect) -> usize {
    let selected = match pane {
        Pane::Servers => app.server_cursor.index,
        Pane::Clients => app.selected_server().map_or(0, |s| s.client_cursor.index),
        // The flow's lists are short and drawn from their first row.
        Pane::Flow => 0,
        Pane::Exchanges => app.exchanges.cursor.index,
        Pane::Tokens => app.token_cursor.index,
    };
    widgets::window_start(selected, usize::from(area.height.saturating_sub(2)))
}

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
        Pane::Servers => servers::render_detail(app, frame, area),
        Pane::Clients => clients::render_detail(app, frame, area),
        Pane::Flow => flow::render(app, frame, area, false),
        Pane::Exchanges => exchanges::render_detail(app, frame, area),
        Pane::Tokens => tokens::render_detail(app, frame, area),
    }
}

/// The narrow layout: one pane fills the screen, its list above its details.
pub fn render_whole(app: &App, frame: &mut Frame, pane: Pane, area: Rect) {
    if pane == Pane::Flow {
        return flow::render(app, frame, area, true);
    }
    let rows = u16::try_from(list_len(app, pane)).unwrap_or(u16::MAX);
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
