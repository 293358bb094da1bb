//! The `?` overlay, generated from the live keymap so it cannot drift from what keys do.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Clear;

use crate::tui::app::App;
use crate::tui::keymap::Context;
use crate::tui::widgets;

const SECTIONS: [(Context, &str); 7] = [
    (Context::Global, "Everywhere"),
    (Context::Servers, "Servers"),
    (Context::Clients, "Clients"),
    (Context::Flow, "Flow"),
    (Context::Exchanges, "Exchanges"),
    (Context::Tokens, "Tokens"),
    (Context::Form, "Forms and editors"),
];

pub fn render(app: &App, frame: &mut Frame, area: Rect) {
    let theme = app.theme();
    let mut lines = Vec::new();
    for (context, heading) in SECTIONS {
        lines.push(Line::styled(heading, theme.title()));
        for binding in app.keymap.bindings_in(context) {
            lines.push(Line::from(vec![
                Span::styled(format!("  {:<17}", binding.label), theme.accent()),
                Span::styled(binding.desc.clone(), theme.text()),
            ]));
        }
    }
    let popup = widgets::centered(area, 96, area.height.saturating_sub(2));
    frame.render_widget(Clear, popup);
    let block = widgets::block(" Help · j/k scroll · any other key closes ", true, &theme)
        .style(theme.base());
    let inner = block.inner(popup);
    frame.render_widget(block, popup);
    // Two columns when wide enough; scrolled as one long list.
    let height = usize::from(inner.height);
    let start = usize::from(app.ui.scroll).min(lines.len().saturating_sub(1));
    let mut lines: Vec<Line> = lines.into_iter().skip(start).collect();
    if inner.width < 60 {
        frame.render_widget(ratatui::widgets::Paragraph::new(lines), inner);
    } else {
        let half = inner.width / 2;
        let right: Vec<Line> = lines.split_off(height.min(lines.len()));
        let left_area = Rect::new(inner.x, inner.y, half, inner.height);
        // A one-column gutter, so a full-width left entry never runs into a right heading.
        let right_area = Rect::new(
            inner.x + half + 1,
            inner.y,
            inner.width - half - 1,
            inner.height,
        );
        frame.render_widget(ratatui::widgets::Paragraph::new(lines), left_area);
        frame.render_widget(ratatui::widgets::Paragraph::new(right), right_area);
    }
}
