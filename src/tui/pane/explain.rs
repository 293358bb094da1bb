//! The `x` overlay: the names in view on the left, the catalogue's entry for the selected
//! one on the right (below it when the screen is narrow).

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Clear, Paragraph, Wrap};

use crate::explain::{Context, Entry, ErrorEntry, catalogue};
use crate::tui::model::ExplainList;
use crate::tui::theme::Theme;
use crate::tui::widgets;

/// The widest the names column gets; longer names are cut with an ellipsis.
const NAMES_WIDTH: u16 = 30;
/// Below this width the entry goes under the names instead of beside them.
const SIDE_BY_SIDE: u16 = 70;

pub fn render(list: &ExplainList, frame: &mut Frame, area: Rect, theme: &Theme) {
    let popup = widgets::centered(
        area,
        area.width.saturating_sub(4),
        area.height.saturating_sub(2),
    );
    frame.render_widget(Clear, popup);
    let title = format!(" Explain · {} ", list.source);
    let block = widgets::block(
        widgets::ellipsize(&title, usize::from(popup.width)),
        true,
        theme,
    )
    .title_bottom(Line::styled(" j/k select · esc closes ", theme.hint()))
    .style(theme.base());
    let inner = block.inner(popup);
    frame.render_widget(block, popup);
    if inner.width == 0 || inner.height == 0 {
        return;
    }
    let tag_width = 7;
    let longest = list
        .names
        .iter()
        .map(|(n, _)| n.chars().count())
        .max()
        .unwrap_or(0);
    let wanted = u16::try_from(longest + tag_width + 2).unwrap_or(u16::MAX);
    let (names_area, entry_area) = if inner.width >= SIDE_BY_SIDE {
        let [names, _, entry] = Layout::horizontal([
            Constraint::Length(wanted.min(NAMES_WIDTH)),
            Constraint::Length(1),
            Constraint::Min(0),
        ])
        .areas(inner);
        (names, entry)
    } else {
        let rows = u16::try_from(list.names.len()).unwrap_or(u16::MAX);
        let [names, entry] = Layout::vertical([
            Constraint::Length(rows.min(inner.height / 3)),
            Constraint::Min(0),
        ])
        .areas(inner);
        (names, entry)
    };
    let name_width = usize::from(names_area.width).saturating_sub(tag_width + 1);
    let rows = list
        .names
        .iter()
        .map(|(name, context)| {
            Line::from(vec![
                Span::styled(
                    format!(
                        " {:<name_width$}",
                        widgets::ellipsize(name, name_width.saturating_sub(1))
                    ),
                    theme.text(),
                ),
                Span::styled(format!("{:<tag_width$}", tag(*context)), theme.hint()),
            ])
        })
        .collect();
    widgets::list(
        frame,
        names_area,
        Block::new(),
        rows,
        Some(list.cursor.index),
        theme,
    );
    if let Some((name, context)) = list.names.get(list.cursor.index) {
        let mut lines = match entry_for(name, *context) {
            Some(entry) => entry_lines(entry, theme),
            None => vec![
                Line::styled(name.clone(), theme.title()),
                Line::raw(""),
                Line::styled(
                    format!(
                        "Not in the catalogue: a {} this server added, or one the catalogue \
                         has yet to learn.",
                        context.label()
                    ),
                    theme.hint(),
                ),
            ],
        };
        let tells_the_error = name == "error" || name == "WWW-Authenticate";
        if let (Some(error), true) = (list.error, tells_the_error) {
            lines.extend(error_lines(error, theme));
        }
        frame.render_widget(Paragraph::new(lines).wrap(Wrap { trim: false }), entry_area);
    }
}

/// A name's entry in the context it was seen in, else in any (a response member of
/// userinfo or introspection is a claim): any meaning beats none.
fn entry_for(name: &str, context: Context) -> Option<&'static Entry> {
    let found = |context| catalogue().lookup(name, context).into_iter().next();
    found(Some(context)).or_else(|| found(None))
}

fn entry_lines<'a>(entry: &Entry, theme: &Theme) -> Vec<Line<'a>> {
    let contexts: Vec<&str> = entry.contexts.iter().map(|c| c.label()).collect();
    let mut lines = vec![
        Line::from(vec![
            Span::styled(entry.name.clone(), theme.title()),
            Span::styled(format!(" · {}", contexts.join(", ")), theme.hint()),
        ]),
        Line::raw(""),
    ];
    for (label, text) in [
        ("For", &entry.purpose),
        ("Check", &entry.check),
        ("Without it", &entry.without),
        ("Spec", &entry.spec),
    ] {
        lines.push(Line::from(vec![
            Span::styled(format!("{label}: "), theme.accent()),
            Span::styled(text.clone(), theme.text()),
        ]));
        lines.push(Line::raw(""));
    }
    lines.pop();
    lines
}

/// The answer's own error code, decoded: what it means, its likely causes, what to try.
fn error_lines<'a>(error: &ErrorEntry, theme: &Theme) -> Vec<Line<'a>> {
    let mut lines = vec![
        Line::raw(""),
        Line::from(vec![
            Span::styled(format!("This answer: {}", error.code), theme.title()),
            Span::styled(format!(" · {}", error.spec), theme.hint()),
        ]),
        Line::styled(error.meaning.clone(), theme.text()),
        Line::styled("Likely causes:", theme.accent()),
    ];
    lines.extend(
        error
            .causes
            .iter()
            .map(|c| Line::styled(format!("  - {c}"), theme.text())),
    );
    lines.push(Line::styled("Try:", theme.accent()));
    lines.extend(
        error
            .try_next
            .iter()
            .map(|t| Line::styled(format!("  - {t}"), theme.text())),
    );
    lines
}

fn tag(context: Context) -> &'static str {
    match context {
        Context::Parameter => "param",
        Context::Field => "field",
        Context::Claim => "claim",
        Context::Header => "header",
    }
}
