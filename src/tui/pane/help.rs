//! The `?` overlay, generated from the live keymap so it cannot drift from what keys do.
//! Where its sections go (whole, in columns) is the layout's [`HelpLayout`], which the
//! update side also reads to keep scrolling within the end.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Clear, Paragraph};

use crate::tui::app::App;
use crate::tui::layout::{HELP_KEYS, HELP_SECTIONS, HelpLayout};
use crate::tui::theme::Theme;
use crate::tui::widgets;

pub fn render(app: &App, frame: &mut Frame, area: Rect) {
    let theme = app.theme();
    let layout: HelpLayout = app.help_layout();
    if layout.inner.width == 0 || layout.inner.height == 0 {
        return;
    }
    let scroll = usize::from(app.ui.scroll).min(layout.max_scroll());
    let height = usize::from(layout.inner.height);
    frame.render_widget(Clear, layout.popup.intersection(area));
    let mut block = widgets::block(
        " Help · j/k line · pgdn/pgup page · any other key closes ",
        true,
        &theme,
    )
    .style(theme.base());
    if layout.max_scroll() > 0 {
        let last = (scroll + height).min(layout.content_rows);
        block = block.title_bottom(Line::styled(
            format!(" rows {}-{last} of {} ", scroll + 1, layout.content_rows),
            theme.hint(),
        ));
    }
    frame.render_widget(block, layout.popup);
    for (index, sections) in layout.columns.iter().enumerate() {
        let lines: Vec<Line> = sections
            .iter()
            .flat_map(|&section| section_lines(app, section, &theme))
            .skip(scroll)
            .take(height)
            .collect();
        frame.render_widget(Paragraph::new(lines), layout.column_area(index));
    }
}

/// A section: its heading, then one line per binding.
fn section_lines<'a>(app: &'a App, section: usize, theme: &Theme) -> Vec<Line<'a>> {
    let (context, heading) = HELP_SECTIONS[section];
    let mut lines = vec![Line::styled(heading, theme.title())];
    lines.extend(app.keymap.bindings_in(context).map(|binding| {
        Line::from(vec![
            Span::styled(format!("  {:<HELP_KEYS$} ", binding.label), theme.accent()),
            Span::styled(binding.desc.clone(), theme.text()),
        ])
    }));
    lines
}
