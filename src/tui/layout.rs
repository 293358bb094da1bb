//! Where things go on screen. One pure function of the terminal size and focus, used by
//! both drawing and mouse hit-testing so a click lands where the eye sees.
//!
//! Wide (at least 100x28): servers over clients on the left, the inspector on the right
//! (the flow, or the details of whatever list has focus), the exchange or token log at the
//! bottom. Smaller: one pane at a time under a tab bar, so 80x24 stays readable.

use ratatui::layout::{Constraint, Layout, Rect};

use super::keymap::Context;

/// The smallest terminal the app draws on: the tab bar's first tabs, a few list rows and the
/// footer's first keys. Below it the screen says so.
pub const MIN_WIDTH: u16 = 40;
pub const MIN_HEIGHT: u16 = 10;

pub const WIDE_MIN_WIDTH: u16 = 100;
pub const WIDE_MIN_HEIGHT: u16 = 28;

/// The panes the screen is made of; one has the keyboard focus.
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

/// The first row shown so that `selected` stays visible in `height` rows.
pub fn window_start(selected: usize, height: usize) -> usize {
    if height == 0 || selected < height {
        0
    } else {
        selected + 1 - height
    }
}

/// The rows of a bordered list in `area`: its height less the two borders.
pub fn list_rows(area: Rect) -> usize {
    usize::from(area.height.saturating_sub(2))
}

#[derive(Debug, Clone, PartialEq)]
pub struct Areas {
    pub header: Rect,
    /// The tab bar of the narrow layout, with each tab's span.
    pub tabs: Option<Vec<(Pane, Rect)>>,
    /// List panes and where they are; in the narrow layout only the focused one.
    pub panes: Vec<(Pane, Rect)>,
    /// The wide layout's inspector: details of the focused pane, or the flow.
    pub inspector: Option<Rect>,
    pub status: Rect,
    pub footer: Rect,
}

impl Areas {
    pub fn is_wide(&self) -> bool {
        self.inspector.is_some()
    }

    pub fn pane_at(&self, x: u16, y: u16) -> Option<(Pane, Rect)> {
        let hit = |r: &Rect| x >= r.x && x < r.right() && y >= r.y && y < r.bottom();
        self.panes
            .iter()
            .copied()
            .find(|(_, r)| hit(r))
            .or_else(|| self.inspector.filter(hit).map(|r| (Pane::Flow, r)))
    }

    pub fn tab_at(&self, x: u16, y: u16) -> Option<Pane> {
        self.tabs.as_ref().and_then(|tabs| {
            tabs.iter()
                .find(|(_, r)| y == r.y && x >= r.x && x < r.right())
                .map(|(p, _)| *p)
        })
    }
}

/// The width of one tab label in the tab bar: " 1 Servers ".
pub fn tab_label(pane: Pane) -> String {
    format!(" {} {} ", pane.number(), pane.title())
}

pub fn compute(area: Rect, focus: Pane, bottom: Pane) -> Areas {
    let [header, body, status, footer] = Layout::vertical([
        Constraint::Length(1),
        Constraint::Min(0),
        Constraint::Length(1),
        Constraint::Length(1),
    ])
    .areas(area);

    if area.width >= WIDE_MIN_WIDTH && area.height >= WIDE_MIN_HEIGHT {
        let bottom_height = (body.height * 3 / 10).max(6);
        let [top, log] =
            Layout::vertical([Constraint::Min(0), Constraint::Length(bottom_height)]).areas(body);
        let left_width = (top.width / 4).clamp(24, 34);
        let [left, inspector] =
            Layout::horizontal([Constraint::Length(left_width), Constraint::Min(0)]).areas(top);
        let [servers, clients] =
            Layout::vertical([Constraint::Percentage(45), Constraint::Percentage(55)]).areas(left);
        Areas {
            header,
            tabs: None,
            panes: vec![
                (Pane::Servers, servers),
                (Pane::Clients, clients),
                (bottom, log),
            ],
            inspector: Some(inspector),
            status,
            footer,
        }
    } else {
        let [tab_bar, pane] =
            Layout::vertical([Constraint::Length(1), Constraint::Min(0)]).areas(body);
        let mut x = tab_bar.x;
        let tabs = Pane::ALL
            .iter()
            .map(|&p| {
                let width = tab_label(p).chars().count() as u16;
                let rect = Rect::new(
                    x,
                    tab_bar.y,
                    width.min(tab_bar.right().saturating_sub(x)),
                    1,
                );
                x = x.saturating_add(width + 1);
                (p, rect)
            })
            .collect();
        Areas {
            header,
            tabs: Some(tabs),
            panes: vec![(focus, pane)],
            inspector: None,
            status,
            footer,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn small_terminals_get_tabs_and_large_ones_get_panes() {
        let small = compute(Rect::new(0, 0, 80, 24), Pane::Flow, Pane::Exchanges);
        assert!(!small.is_wide());
        assert_eq!(small.panes.len(), 1);
        let large = compute(Rect::new(0, 0, 140, 40), Pane::Flow, Pane::Tokens);
        assert!(large.is_wide());
        assert!(large.panes.iter().any(|(p, _)| *p == Pane::Tokens));
    }

    #[test]
    fn lists_scroll_to_keep_the_selection_visible() {
        assert_eq!(window_start(2, 5), 0);
        assert_eq!(window_start(7, 5), 3);
        assert_eq!(window_start(7, 0), 0);
        assert_eq!(list_rows(Rect::new(0, 0, 10, 1)), 0);
    }

    #[test]
    fn clicks_find_tabs_and_panes() {
        let small = compute(Rect::new(0, 0, 80, 24), Pane::Flow, Pane::Exchanges);
        let (_, servers_tab) = small.tabs.as_ref().unwrap()[0];
        assert_eq!(
            small.tab_at(servers_tab.x + 1, servers_tab.y),
            Some(Pane::Servers)
        );
        let large = compute(Rect::new(0, 0, 140, 40), Pane::Flow, Pane::Exchanges);
        assert_eq!(large.pane_at(2, 3).map(|(p, _)| p), Some(Pane::Servers));
        assert_eq!(large.pane_at(100, 5).map(|(p, _)| p), Some(Pane::Flow));
    }
}
