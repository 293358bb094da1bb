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

/// The layout of the whole screen; the status line takes `status_rows` rows (see
/// [`status_rows`]).
pub fn compute(area: Rect, focus: Pane, bottom: Pane, status_rows: u16) -> Areas {
    let [header, body, status, footer] = Layout::vertical([
        Constraint::Length(1),
        Constraint::Min(0),
        Constraint::Length(status_rows),
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

/// The most rows the status line grows to: two, or three on a tall screen. A longer message
/// ends at a whole word with an ellipsis there; it is shown whole where it happened.
pub fn status_max_rows(height: u16) -> usize {
    if height >= 30 { 3 } else { 2 }
}

/// Rows of `width` columns holding `words` in order, broken between words: each row is the
/// range of words it shows. Only a word wider than a whole row is broken inside (it could
/// not be shown otherwise); the renderer cuts it at the row's end.
pub fn wrap_words(words: &[&str], width: usize) -> Vec<std::ops::Range<usize>> {
    let width = width.max(1);
    let mut rows = Vec::new();
    let (mut start, mut used) = (0, 0);
    for (i, word) in words.iter().enumerate() {
        let len = word.chars().count();
        let needed = if i == start { len } else { used + 1 + len };
        if i > start && needed > width {
            rows.push(start..i);
            start = i;
            used = len;
        } else {
            used = needed;
        }
    }
    if start < words.len() {
        rows.push(start..words.len());
    }
    rows
}

/// `text` broken between words into rows of at most `width` columns (a word wider than a
/// row stays whole): the first row after `first`, the others after `rest`, so a bullet's
/// continuation lines sit under its text.
pub fn wrap_indented(text: &str, first: &str, rest: &str, width: usize) -> Vec<String> {
    let words: Vec<&str> = text.split_whitespace().collect();
    let room = width
        .saturating_sub(first.chars().count().max(rest.chars().count()))
        .max(1);
    wrap_words(&words, room)
        .into_iter()
        .enumerate()
        .map(|(i, range)| {
            let lead = if i == 0 { first } else { rest };
            format!("{lead}{}", words[range].join(" "))
        })
        .collect()
}

/// How many rows the status line needs for `words` at `width`, within its maximum.
pub fn status_rows(words: &[&str], width: u16, height: u16) -> u16 {
    let rows = wrap_words(words, usize::from(width)).len();
    u16::try_from(rows.clamp(1, status_max_rows(height))).unwrap_or(1)
}

/// The help overlay's sections, in order: where the bindings work, and the heading.
pub const HELP_SECTIONS: [(Context, &str); 8] = [
    (Context::Global, "Everywhere"),
    (Context::Servers, "Servers"),
    (Context::Mock, "Mock panel (c in Servers)"),
    (Context::Clients, "Clients"),
    (Context::Flow, "Flow"),
    (Context::Exchanges, "Exchanges"),
    (Context::Tokens, "Tokens"),
    (Context::Form, "Forms and editors"),
];

/// The key column of a help line: `  {keys:<HELP_KEYS} {what it does}`.
pub const HELP_KEYS: usize = 17;

/// The width of a help line for a binding.
pub fn help_line_width(label: &str, desc: &str) -> usize {
    2 + label.chars().count().max(HELP_KEYS) + 1 + desc.chars().count()
}

/// Columns of the help overlay are this far apart.
const HELP_GUTTER: u16 = 2;
/// The help overlay grows no wider than this: past it, lines are too far apart to follow.
const HELP_MAX_WIDTH: u16 = 132;

/// Where the help overlay goes and how its sections fill it: whole sections, packed into as
/// many columns as the width allows, every column scrolled together one line at a time.
/// A section never breaks across columns, so every column starts with a heading.
#[derive(Debug, Clone, PartialEq)]
pub struct HelpLayout {
    /// The overlay with its border.
    pub popup: Rect,
    /// Inside the border: where the columns go.
    pub inner: Rect,
    /// For each column, the sections it shows (indexes into the section list), in order.
    pub columns: Vec<Vec<usize>>,
    pub column_width: u16,
    /// Rows in the tallest column: what scrolls past the `inner` height.
    pub content_rows: usize,
}

impl HelpLayout {
    /// `section_rows[i]` is the rows of section `i` (its heading and bindings); `widest` the
    /// widest line of any section.
    pub fn compute(area: Rect, section_rows: &[usize], widest: usize) -> HelpLayout {
        let width = area.width.min(HELP_MAX_WIDTH);
        let height = area.height.saturating_sub(2);
        let popup = Rect::new(
            area.x + (area.width - width) / 2,
            area.y + (area.height - height) / 2,
            width,
            height,
        );
        let inner = Rect::new(
            popup.x.saturating_add(1),
            popup.y.saturating_add(1),
            popup.width.saturating_sub(2),
            popup.height.saturating_sub(2),
        );
        let widest = u16::try_from(widest).unwrap_or(u16::MAX).max(1);
        let fit = (inner.width.saturating_add(HELP_GUTTER)) / widest.saturating_add(HELP_GUTTER);
        let most = usize::from(fit.max(1)).min(section_rows.len().max(1));
        let columns = pack(section_rows, most);
        let content_rows = columns
            .iter()
            .map(|c| c.iter().map(|&i| section_rows[i]).sum::<usize>())
            .max()
            .unwrap_or(0);
        let count = u16::try_from(columns.len().max(1)).unwrap_or(1);
        let column_width = (inner.width.saturating_sub(HELP_GUTTER * (count - 1)) / count).max(1);
        HelpLayout {
            popup,
            inner,
            columns,
            column_width,
            content_rows,
        }
    }

    /// How far the overlay can scroll: until its last row is at the bottom, never past.
    pub fn max_scroll(&self) -> usize {
        self.content_rows
            .saturating_sub(usize::from(self.inner.height))
    }

    /// Rows that one page key moves: a screenful, less one row to keep one's place.
    pub fn page(&self) -> usize {
        usize::from(self.inner.height.saturating_sub(1)).max(1)
    }

    /// Where column `index` is drawn.
    pub fn column_area(&self, index: usize) -> Rect {
        let offset = u16::try_from(index)
            .unwrap_or(u16::MAX)
            .saturating_mul(self.column_width + HELP_GUTTER);
        let x = self.inner.x.saturating_add(offset);
        Rect::new(
            x,
            self.inner.y,
            self.column_width.min(self.inner.right().saturating_sub(x)),
            self.inner.height,
        )
    }
}

/// Whole sections, in order, into at most `most` columns, as evenly as sections allow: the
/// shortest column height that holds every section whole in that many columns.
fn pack(section_rows: &[usize], most: usize) -> Vec<Vec<usize>> {
    let total: usize = section_rows.iter().sum();
    let longest = section_rows.iter().copied().max().unwrap_or(0);
    let mut height = total.div_ceil(most.max(1)).max(longest);
    loop {
        let mut columns: Vec<Vec<usize>> = vec![Vec::new()];
        let mut used = 0;
        for (i, &rows) in section_rows.iter().enumerate() {
            let column = columns.last_mut().expect("at least one column");
            if used + rows > height && !column.is_empty() {
                columns.push(vec![i]);
                used = rows;
            } else {
                column.push(i);
                used += rows;
            }
        }
        // At `total` everything fits in one column, so this ends.
        if columns.len() <= most || height >= total {
            return columns;
        }
        height += 1;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn small_terminals_get_tabs_and_large_ones_get_panes() {
        let small = compute(Rect::new(0, 0, 80, 24), Pane::Flow, Pane::Exchanges, 1);
        assert!(!small.is_wide());
        assert_eq!(small.panes.len(), 1);
        let large = compute(Rect::new(0, 0, 140, 40), Pane::Flow, Pane::Tokens, 1);
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
    fn status_text_wraps_between_words() {
        let words: Vec<&str> = "✗ not a JWT with readable claims: three parts"
            .split(' ')
            .collect();
        let rows = wrap_words(&words, 20);
        let shown: Vec<String> = rows.iter().map(|r| words[r.clone()].join(" ")).collect();
        assert_eq!(
            shown,
            ["✗ not a JWT with", "readable claims:", "three parts"]
        );
        assert!(shown.iter().all(|row| row.chars().count() <= 20));
        assert_eq!(
            status_rows(&words, 20, 24),
            2,
            "at most two rows on a short screen"
        );
        assert_eq!(status_rows(&words, 20, 40), 3);
        assert_eq!(status_rows(&words, 80, 24), 1);
        assert_eq!(status_rows(&[], 80, 24), 1);
        // A word wider than the row keeps a row of its own.
        assert_eq!(wrap_words(&["a", "abcdefghij", "b"], 4), [0..1, 1..2, 2..3]);
        assert_eq!(wrap_words(&["x"], 0).len(), 1);
    }

    #[test]
    fn help_sections_stay_whole_and_columns_balance() {
        let rows = [20, 7, 9, 12, 5, 8, 6];
        let two = HelpLayout::compute(Rect::new(0, 0, 90, 35), &rows, 38);
        assert_eq!(two.columns, [vec![0, 1, 2], vec![3, 4, 5, 6]]);
        assert_eq!(two.content_rows, 36);
        assert_eq!(two.max_scroll(), 36 - 31);
        let three = HelpLayout::compute(Rect::new(0, 0, 120, 35), &rows, 38);
        assert_eq!(three.columns, [vec![0, 1], vec![2, 3, 4], vec![5, 6]]);
        assert_eq!(three.max_scroll(), 0);
        // Too narrow for two: one column, scrolled to its last row and no further.
        let one = HelpLayout::compute(Rect::new(0, 0, 60, 24), &rows, 38);
        assert_eq!(one.columns.len(), 1);
        assert_eq!(one.max_scroll(), 67 - 20);
        // Enough room for everything: nothing scrolls.
        let wide = HelpLayout::compute(Rect::new(0, 0, 200, 60), &rows, 38);
        assert_eq!(wide.columns.len(), 3, "132 wide at most");
        assert_eq!(wide.max_scroll(), 0);
        for layout in [&two, &three, &one, &wide] {
            let shown: Vec<usize> = layout.columns.concat();
            assert_eq!(
                shown,
                (0..rows.len()).collect::<Vec<_>>(),
                "each section once"
            );
        }
    }

    #[test]
    fn help_layout_survives_tiny_and_empty_screens() {
        for (w, h) in [(0, 0), (1, 1), (3, 2), (40, 10)] {
            let layout = HelpLayout::compute(Rect::new(0, 0, w, h), &[3, 4], 38);
            assert!(layout.popup.width <= w && layout.popup.height <= h);
            let _ = layout.column_area(1);
        }
        assert!(HelpLayout::compute(Rect::new(0, 0, 80, 24), &[], 0).columns[0].is_empty());
    }

    #[test]
    fn clicks_find_tabs_and_panes() {
        let small = compute(Rect::new(0, 0, 80, 24), Pane::Flow, Pane::Exchanges, 1);
        let (_, servers_tab) = small.tabs.as_ref().unwrap()[0];
        assert_eq!(
            small.tab_at(servers_tab.x + 1, servers_tab.y),
            Some(Pane::Servers)
        );
        let large = compute(Rect::new(0, 0, 140, 40), Pane::Flow, Pane::Exchanges, 2);
        assert_eq!(large.status.height, 2);
        assert_eq!(large.pane_at(2, 3).map(|(p, _)| p), Some(Pane::Servers));
        assert_eq!(large.pane_at(100, 5).map(|(p, _)| p), Some(Pane::Flow));
    }
}
