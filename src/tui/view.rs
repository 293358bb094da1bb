//! `render(&App, &mut Frame)`: a pure function of the state. Header (where, who, theme),
//! the panes, the status line and the footer of keys that work here.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Clear, Paragraph};

use super::action::Command;
use super::app::App;
use super::keymap::Context;
use super::layout::{self, Areas};
use super::model::{FlowView, Form, Input, Overlay, SearchPrompt, SignIn, SignInStage, StatusKind};
use super::pane::{self, Pane, explain, help};
use super::theme::Theme;
use super::widgets;

pub fn render(app: &App, frame: &mut Frame) {
    let theme = app.theme();
    let area = frame.area();
    frame.render_widget(Block::new().style(theme.base()), area);
    if area.width < layout::MIN_WIDTH || area.height < layout::MIN_HEIGHT {
        return too_small(frame, area, &theme);
    }
    let areas = app.areas_in(area);
    header(app, frame, areas.header, &theme);
    if let Some(tabs) = &areas.tabs {
        tab_bar(app, frame, tabs, &theme);
    }
    body(app, frame, &areas);
    match &app.ui.overlay {
        Some(Overlay::Search(prompt)) => search_prompt(prompt, frame, areas.status, &theme),
        _ => status_line(app, frame, areas.status, &theme),
    }
    footer(app, frame, areas.footer, &theme);
    match &app.ui.overlay {
        Some(Overlay::Help) => help::render(app, frame, area),
        Some(Overlay::Explain(list)) => explain::render(list, frame, area, &theme),
        // Drawn in the status line, above.
        Some(Overlay::Search(_)) => {}
        Some(Overlay::Form(form)) => form_popup(form, frame, area, &theme),
        Some(Overlay::SignIn(sign_in)) => sign_in_popup(app, sign_in, frame, area, &theme),
        Some(Overlay::CrossHost(prompt)) => question_popup(
            " Send credentials to another host? ",
            &prompt.question,
            "y send · n or esc keep it unsent (RFC 9700 §4.4)",
            frame,
            area,
            &theme,
        ),
        Some(Overlay::Confirm(prompt)) => question_popup(
            &prompt.title,
            &prompt.question,
            "y yes · n or esc no, keep it",
            frame,
            area,
            &theme,
        ),
        None => {}
    }
}

/// Below the smallest usable size, a message says what is needed instead of a squeezed,
/// unreadable screen (keys still work: `q` quits). The longest form that fits in whole
/// words is shown; where not even "too small" fits, nothing.
fn too_small(frame: &mut Frame, area: Rect, theme: &Theme) {
    let full = format!(
        "terminal too small (need at least {}x{})",
        layout::MIN_WIDTH,
        layout::MIN_HEIGHT
    );
    let fits = |message: &str| {
        let words: Vec<&str> = message.split(' ').collect();
        let width = usize::from(area.width);
        let rows = layout::wrap_words(&words, width);
        words.iter().all(|w| w.chars().count() <= width) && rows.len() <= usize::from(area.height)
    };
    let Some(message) = [full.as_str(), "terminal too small", "too small"]
        .into_iter()
        .find(|m| fits(m))
    else {
        return;
    };
    frame.render_widget(
        Paragraph::new(message)
            .style(theme.failure())
            .wrap(ratatui::widgets::Wrap { trim: true }),
        area,
    );
}

fn body(app: &App, frame: &mut Frame, areas: &Areas) {
    let focus = app.ui.focus;
    match areas.inspector {
        Some(inspector) => {
            for &(pane, rect) in &areas.panes {
                pane::render_list(app, frame, pane, rect, pane == focus);
            }
            if focus == Pane::Flow {
                pane::render_list(app, frame, Pane::Flow, inspector, true);
            } else {
                pane::render_detail(app, frame, focus, inspector);
            }
        }
        None => {
            for &(pane, rect) in &areas.panes {
                pane::render_whole(app, frame, pane, rect);
            }
        }
    }
}

fn header(app: &App, frame: &mut Frame, area: Rect, theme: &Theme) {
    let mut spans = vec![Span::styled(" oauthscope ", theme.title())];
    if let Some(server) = app.selected_server() {
        spans.push(Span::styled(
            format!(" {} · {}", server.name, server.issuer),
            theme.text(),
        ));
    }
    if let Some(client) = app.active_client() {
        spans.push(Span::styled(
            format!(" · {}", client.client_id),
            theme.accent(),
        ));
    }
    let right = format!("theme: {} ", theme.name);
    let used: usize = spans.iter().map(|s| s.width()).sum();
    let width = usize::from(area.width);
    if used + right.len() < width {
        spans.push(Span::raw(" ".repeat(width - used - right.len())));
        spans.push(Span::styled(right, theme.hint()));
    }
    frame.render_widget(Paragraph::new(Line::from(spans)), area);
}

fn tab_bar(app: &App, frame: &mut Frame, tabs: &[(Pane, Rect)], theme: &Theme) {
    for &(pane, rect) in tabs {
        let style = if pane == app.ui.focus {
            theme.selected()
        } else {
            theme.hint()
        };
        frame.render_widget(
            Paragraph::new(Span::styled(layout::tab_label(pane), style)),
            rect,
        );
    }
}

/// The work in flight and the last message, wrapped between words over the rows the layout
/// gave it; what does not fit ends at a whole word with an ellipsis.
fn status_line(app: &App, frame: &mut Frame, area: Rect, theme: &Theme) {
    let (words, busy) = app.status_words(widgets::spinner(app.ui.frame));
    let message_style = match app.ui.status.as_ref().map(|s| s.kind) {
        Some(StatusKind::Success) => theme.success(),
        Some(StatusKind::Error) => theme.failure(),
        _ => theme.text(),
    };
    // One column of margin on the left, as the other lines have.
    let width = usize::from(area.width.saturating_sub(1));
    let mut rows = layout::wrap_words(&words, width);
    let shown = usize::from(area.height);
    let cut = rows.len() > shown;
    rows.truncate(shown);
    if cut && let Some(last) = rows.last_mut() {
        // Room for " …" at the end of the last row shown.
        while last.len() > 1
            && words[last.clone()]
                .iter()
                .map(|w| w.chars().count() + 1)
                .sum::<usize>()
                + 1
                > width
        {
            last.end -= 1;
        }
    }
    let count = rows.len();
    let lines: Vec<Line> = rows
        .into_iter()
        .enumerate()
        .map(|(row, range)| {
            let mut spans = vec![Span::raw(" ")];
            for i in range {
                let style = if i < busy {
                    theme.waiting()
                } else {
                    message_style
                };
                if spans.len() > 1 {
                    spans.push(Span::styled(" ", style));
                }
                spans.push(Span::styled(words[i].to_string(), style));
            }
            if cut && row + 1 == count {
                spans.push(Span::styled(" …", theme.hint()));
            }
            Line::from(spans)
        })
        .collect();
    frame.render_widget(Paragraph::new(lines), area);
}

/// The `/` prompt, in the status line: the query, how many rows match, the keys.
fn search_prompt(prompt: &SearchPrompt, frame: &mut Frame, area: Rect, theme: &Theme) {
    let found = match (prompt.query.is_empty(), prompt.matches) {
        (true, _) => String::new(),
        (false, 0) => "  no match".into(),
        (false, 1) => "  1 match".into(),
        (false, n) => format!("  {n} matches"),
    };
    let style = if !prompt.query.is_empty() && prompt.matches == 0 {
        theme.failure()
    } else {
        theme.hint()
    };
    let line = Line::from(vec![
        Span::styled(format!(" / {}▏", prompt.query), theme.text()),
        Span::styled(found, style),
        Span::styled(
            format!(
                "  ↓↑ next/previous · enter keep · esc back ({})",
                prompt.pane.title()
            ),
            theme.hint(),
        ),
    ]);
    frame.render_widget(Paragraph::new(line), area);
}

/// The hinted keys of where the keyboard is, then the hinted global ones. The way to help
/// (`?`) and, in the flow pane, the way to another flow always show: when the line is too
/// narrow, other hints go first, from the end.
fn footer(app: &App, frame: &mut Frame, area: Rect, theme: &Theme) {
    // The sign-in dialog takes its own keys: the footer names the same ones.
    if let Some(Overlay::SignIn(sign_in)) = &app.ui.overlay {
        let hints = widgets::key_hints(sign_in.keys(), theme);
        frame.render_widget(Paragraph::new(hints), area);
        return;
    }
    let context = app.context();
    let mut contexts = vec![context];
    if context != Context::Form {
        contexts.push(Context::Global);
    }
    // On the diagram, enter opens the selected arrow's exchange and d goes back to the steps.
    let diagram = context == Context::Flow
        && matches!(&app.flow, FlowView::Running(run) if run.diagram.is_some());
    let picking = matches!(&app.flow, FlowView::Picking(_));
    // A form says how it is submitted: enter in a one-line form, ctrl-s in an editor.
    let multiline = matches!(&app.ui.overlay, Some(Overlay::Form(form)) if form.multiline);
    let items: Vec<(&str, &str, bool)> = contexts
        .into_iter()
        .flat_map(|c| app.keymap.bindings_in(c).filter(|b| b.hint))
        // In the flow pane only the keys that do something now: there are more than fit.
        .filter(|b| b.context != Context::Flow || app.flow_key_applies(b.command))
        .map(|b| {
            // "j/down" shows as "j"; the key "/" itself stays "/".
            let key = b
                .label
                .split('/')
                .find(|k| !k.is_empty())
                .unwrap_or(&b.label);
            let kept = b.command == Command::Help
                || (context == Context::Flow
                    && matches!(
                        b.command,
                        Command::New
                            | Command::ToggleDiagram
                            | Command::ToggleDpop
                            | Command::CallTool
                    ));
            let key = match (b.context, b.command) {
                (Context::Form, Command::Activate) if !multiline => "enter",
                _ => key,
            };
            let desc = match (b.context, diagram, b.command) {
                (Context::Flow, true, Command::Activate) => "open the exchange",
                (Context::Flow, true, Command::ToggleDiagram) => "steps",
                (Context::Flow, false, Command::Activate) if picking => "choose",
                (Context::Flow, false, Command::Activate) => "send",
                _ => b.footer_desc(),
            };
            (key, desc, kept)
        })
        .collect();
    // Each item is " key desc ·": its key, its words and three separators.
    let item_width =
        |(key, desc, _): &(&str, &str, bool)| key.chars().count() + desc.chars().count() + 4;
    let mut shown: Vec<bool> = vec![true; items.len()];
    let mut width: usize = 1 + items.iter().map(item_width).sum::<usize>();
    for i in (0..items.len()).rev() {
        if width <= usize::from(area.width) {
            break;
        }
        if !items[i].2 {
            shown[i] = false;
            width -= item_width(&items[i]);
        }
    }
    let mut spans = Vec::new();
    for ((key, desc, _), _) in items.iter().zip(&shown).filter(|(_, shown)| **shown) {
        spans.push(Span::styled(format!(" {key}"), theme.accent()));
        spans.push(Span::styled(format!(" {desc} ·"), theme.hint()));
    }
    if let Some(last) = spans.last_mut() {
        let trimmed = last.content.trim_end_matches(" ·").to_string();
        last.content = trimmed.into();
    }
    frame.render_widget(Paragraph::new(Line::from(spans)), area);
}

/// A yes/no question in a box: what a yes does, and the keys.
fn question_popup(
    title: &str,
    question: &str,
    keys: &str,
    frame: &mut Frame,
    area: Rect,
    theme: &Theme,
) {
    let popup = widgets::centered(area, 70, 9);
    frame.render_widget(Clear, popup);
    let block = widgets::block(title.to_string(), true, theme).style(theme.base());
    let inner = block.inner(popup);
    frame.render_widget(block, popup);
    let lines = vec![
        Line::raw(question.to_string()),
        Line::raw(""),
        Line::styled(keys.to_string(), theme.hint()),
    ];
    frame.render_widget(
        Paragraph::new(lines).wrap(ratatui::widgets::Wrap { trim: true }),
        inner,
    );
}

fn form_popup(form: &Form, frame: &mut Frame, area: Rect, theme: &Theme) {
    let field_height: u16 = if form.multiline {
        area.height.saturating_sub(8).max(3)
    } else {
        3
    };
    let fields = u16::try_from(form.fields.len()).unwrap_or(1);
    // The error wraps between words inside the popup's borders: it says what to do, whole.
    let inner_width = usize::from(area.width.min(90).saturating_sub(2));
    let error_rows: Vec<String> = form
        .error
        .as_deref()
        .map(|error| layout::wrap_indented(error, "✗ ", "  ", inner_width))
        .unwrap_or_default();
    let error_height = u16::try_from(error_rows.len()).unwrap_or(u16::MAX);
    let height = (fields * field_height)
        .saturating_add(3)
        .saturating_add(error_height);
    let popup = widgets::centered(area, 90, height);
    frame.render_widget(Clear, popup);
    let block = widgets::block(format!(" {} ", form.title), true, theme).style(theme.base());
    let inner = block.inner(popup);
    frame.render_widget(block, popup);
    let mut y = inner.y;
    for (i, field) in form.fields.iter().enumerate() {
        let rect = Rect::new(
            inner.x,
            y,
            inner.width,
            field_height.min(inner.bottom().saturating_sub(y)),
        );
        let focused = i == form.focused;
        let field_block = widgets::block(format!(" {} ", field.label), focused, theme);
        let field_inner = field_block.inner(rect);
        frame.render_widget(field_block, rect);
        match &field.input {
            Input::Text(area) | Input::Secret(area) => frame.render_widget(area, field_inner),
            Input::Choice { options, index } => frame.render_widget(
                Paragraph::new(choice_line(options, *index, theme)),
                field_inner,
            ),
        }
        y += field_height;
    }
    let mut lines: Vec<Line> = error_rows
        .into_iter()
        .map(|row| Line::styled(row, theme.failure()))
        .collect();
    let submit = if form.multiline {
        "ctrl-s submit"
    } else {
        "enter submit · tab next field"
    };
    lines.push(Line::styled(format!("{submit} · esc cancel"), theme.hint()));
    let rest = Rect::new(inner.x, y, inner.width, inner.bottom().saturating_sub(y));
    frame.render_widget(Paragraph::new(lines), rest);
}

/// A picker's options on one line, the chosen one marked (and selected-coloured).
fn choice_line<'a>(options: &[&'a str], index: usize, theme: &Theme) -> Line<'a> {
    let mut spans = Vec::new();
    for (i, option) in options.iter().enumerate() {
        spans.push(if i == index {
            Span::styled(format!("◀ {option} ▶"), theme.selected())
        } else {
            Span::styled(format!("  {option}  "), theme.hint())
        });
        spans.push(Span::raw(" "));
    }
    spans.push(Span::styled("(←/→ or space)", theme.hint()));
    Line::from(spans)
}

/// The in-terminal sign-in: what the mock's page offers, drawn as structure (who asks, the
/// scopes, the users to choose from), with the same keys the footer names.
fn sign_in_popup(app: &App, sign_in: &SignIn, frame: &mut Frame, area: Rect, theme: &Theme) {
    let heading = match &sign_in.stage {
        SignInStage::PickUser { page, .. } | SignInStage::Consent { page } => page.heading.clone(),
        SignInStage::Loading(_) if sign_in.device => "Approve the device".into(),
        SignInStage::Loading(_) => "Sign in".into(),
    };
    let title = format!(" {heading} · built-in mock, as a browser would ");
    let mut lines = Vec::new();
    match &sign_in.stage {
        SignInStage::Loading(what) => lines.push(Line::styled(
            format!("{} {what}", widgets::spinner(app.ui.frame)),
            theme.waiting(),
        )),
        SignInStage::PickUser { page, cursor } => {
            lines.extend(widgets::sign_in_request_lines(page, theme));
            lines.push(Line::raw(""));
            lines.push(Line::styled("Sign in as:", theme.title()));
            let width = page.users.iter().map(|u| u.label.chars().count()).max();
            for (i, user) in page.users.iter().enumerate() {
                let selected = i == cursor.index;
                let line = Line::from(vec![
                    Span::raw(if selected { "▸ " } else { "  " }),
                    Span::styled(
                        format!("{:<w$}  ", user.label, w = width.unwrap_or(0)),
                        theme.text(),
                    ),
                    Span::styled(user.username.clone(), theme.hint()),
                ]);
                lines.push(if selected {
                    line.style(theme.selected())
                } else {
                    line
                });
            }
        }
        SignInStage::Consent { page } => {
            if let Some(who) = &page.signed_in_as {
                lines.push(Line::from(vec![
                    Span::styled("Signed in as ", theme.hint()),
                    Span::styled(who.clone(), theme.text()),
                ]));
            }
            lines.extend(widgets::sign_in_request_lines(page, theme));
        }
    }
    if let Some(error) = &sign_in.error {
        lines.push(Line::raw(""));
        lines.push(Line::styled(format!("✗ {error}"), theme.failure()));
    }
    lines.push(Line::raw(""));
    lines.push(widgets::key_hints(sign_in.keys(), theme));
    let height = u16::try_from(lines.len())
        .unwrap_or(u16::MAX)
        .saturating_add(2);
    let popup = widgets::centered(area, 72, height);
    frame.render_widget(Clear, popup);
    let block = widgets::block(title, true, theme).style(theme.base());
    frame.render_widget(
        Paragraph::new(lines)
            .block(block)
            .wrap(ratatui::widgets::Wrap { trim: false }),
        popup,
    );
}

#[cfg(test)]
mod tests {
    use ratatui::Terminal;
    use ratatui::backend::TestBackend;

    use super::*;
    use crate::tui::app::Settings;

    fn screen(terminal: &Terminal<TestBackend>) -> String {
        let buffer = terminal.backend().buffer();
        buffer.content.iter().map(|c| c.symbol()).collect()
    }

    #[test]
    fn every_size_draws_with_every_pane_focused() {
        let (mut app, _rx) = App::new(Settings::in_memory());
        let widths = [1, 5, 10, 20, 39, 40, 80, 99, 100, 300];
        for pane in Pane::ALL {
            app.ui.focus = pane;
            for width in widths {
                for height in (1..=30).chain([35, 100]) {
                    let mut terminal = Terminal::new(TestBackend::new(width, height)).unwrap();
                    terminal
                        .draw(|frame| render(&app, frame))
                        .unwrap_or_else(|e| panic!("{width}x{height} {pane:?}: {e}"));
                    let small = width < layout::MIN_WIDTH || height < layout::MIN_HEIGHT;
                    let shown = screen(&terminal);
                    if small && width >= 20 {
                        assert!(shown.contains("too small"), "{width}x{height}: {shown}");
                    }
                    if !small {
                        assert!(shown.contains("oauthscope"), "{width}x{height}: {shown}");
                    }
                }
            }
        }
    }

    #[test]
    fn the_message_names_the_minimum() {
        let (app, _rx) = App::new(Settings::in_memory());
        let mut terminal = Terminal::new(TestBackend::new(30, 5)).unwrap();
        terminal.draw(|frame| render(&app, frame)).unwrap();
        let shown = screen(&terminal);
        let need = format!("{}x{}", layout::MIN_WIDTH, layout::MIN_HEIGHT);
        assert!(shown.contains("terminal too small"), "{shown}");
        assert!(shown.contains(&need), "{shown}");
    }
}
