//! The `?` overlay. Its first page, the keys, is generated from the live keymap so it cannot
//! drift from what keys do; the pages after it explain each flow (the concept catalogue,
//! [`crate::tui::concepts`]). Where the keys' sections go (whole, in columns) is the
//! layout's [`HelpLayout`], which the update side also reads to keep scrolling within the end.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Clear, Paragraph};

use crate::tui::app::App;
use crate::tui::concepts::{self, Row, RowKind};
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
    let pages = 1 + concepts::pages().map_or(1, <[_]>::len);
    let concept_rows = app.help_concept_rows(usize::from(layout.inner.width));
    let title = if concept_rows.is_some() {
        format!(
            " Help {}/{pages} · ←/→ page · j/k line · other keys close ",
            app.ui.help_page + 1
        )
    } else {
        format!(" Help 1/{pages} · ←/→ more pages · j/k line · pgdn/pgup page · other keys close ")
    };
    let mut block = widgets::block(title, true, &theme).style(theme.base());
    if layout.max_scroll() > 0 {
        let last = (scroll + height).min(layout.content_rows);
        block = block.title_bottom(Line::styled(
            format!(" rows {}-{last} of {} ", scroll + 1, layout.content_rows),
            theme.hint(),
        ));
    }
    frame.render_widget(block, layout.popup);
    if let Some(rows) = concept_rows {
        let lines: Vec<Line> = rows
            .into_iter()
            .skip(scroll)
            .take(height)
            .map(|row| concept_line(row, &theme))
            .collect();
        frame.render_widget(Paragraph::new(lines), layout.inner);
        return;
    }
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

fn concept_line(row: Row, theme: &Theme) -> Line<'static> {
    let style = match row.kind {
        RowKind::Heading => theme.title(),
        RowKind::Text => theme.text(),
        RowKind::Reference => theme.hint(),
    };
    Line::styled(row.text, style)
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
