//! Every HTTP exchange of the session, newest selected; details show headers and bodies.
//! `Y` copies the request as a curl command.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use crate::oauth::Exchange;
use crate::tui::app::App;
use crate::tui::model::FlowView;
use crate::tui::pane::flow;
use crate::tui::theme::Theme;
use crate::tui::widgets;

pub fn render_list(app: &App, frame: &mut Frame, area: Rect, focused: bool) {
    let theme = app.theme();
    let entries = &app.exchanges.entries;
    // Room for the note after the path on small screens; aligned columns on large ones.
    let path_width = if area.width < 100 { 24 } else { 40 };
    let selected = (!entries.is_empty()).then_some(app.exchanges.cursor.index);
    let title = Line::from(vec![
        Span::styled(
            format!(" 4 Exchanges {} ", app.exchanges.entries.len()),
            theme.title(),
        ),
        Span::styled(format!("│ 5 Tokens {} ", app.tokens.len()), theme.hint()),
    ]);
    let block = widgets::block(title, focused, &theme);
    if entries.is_empty() {
        let hint = vec![Line::styled(
            "No HTTP yet. Every request a flow sends shows up here, with its response.",
            theme.hint(),
        )];
        return widgets::text(frame, area, block, hint, 0);
    }
    widgets::lazy_list(frame, area, block, entries.len(), selected, &theme, |i| {
        entries
            .get(i)
            .map(|exchange| row(exchange, path_width, &theme))
    });
}

fn row<'a>(exchange: &Exchange, path_width: usize, theme: &Theme) -> Line<'a> {
    let (status, style) = match exchange.status {
        Some(code) if code < 400 => (code.to_string(), theme.success()),
        Some(code) => (code.to_string(), theme.failure()),
        None => ("---".to_string(), theme.failure()),
    };
    let path = url::Url::parse(&exchange.url)
        .map_or_else(|_| exchange.url.clone(), |u| u.path().to_string());
    Line::from(vec![
        Span::styled(
            format!(" {}  ", widgets::clock_time(exchange.started_at)),
            theme.hint(),
        ),
        Span::styled(format!("{:<6} ", exchange.method), theme.accent()),
        Span::styled(
            format!("{:<path_width$} ", widgets::ellipsize(&path, path_width)),
            theme.text(),
        ),
        Span::styled(format!("{status:>3} "), style),
        Span::styled(
            format!("{:>7}", widgets::millis(exchange.duration)),
            theme.hint(),
        ),
        note(exchange, theme),
    ])
}

/// What the answer amounts to, in a few words: where a redirect goes, which OAuth error,
/// which tokens came back.
fn note<'a>(exchange: &Exchange, theme: &Theme) -> Span<'a> {
    if let Some(error) = &exchange.error {
        return Span::styled(
            format!("  {}", widgets::ellipsize(error, 60)),
            theme.failure(),
        );
    }
    if let Some(location) = exchange.redacted().response_header("location") {
        return Span::styled(format!("  → {location}"), theme.hint());
    }
    let json = exchange
        .response_body
        .as_deref()
        .filter(|b| b.len() < 64 * 1024)
        .and_then(|b| serde_json::from_str::<serde_json::Value>(b).ok());
    let Some(json) = json else {
        return Span::raw("");
    };
    if let Some(error) = json.get("error").and_then(|e| e.as_str()) {
        return Span::styled(format!("  {error}"), theme.failure());
    }
    let tokens: Vec<&str> = ["access_token", "id_token", "refresh_token"]
        .into_iter()
        .filter(|t| json.get(*t).is_some())
        .map(|t| t.trim_end_matches("_token"))
        .collect();
    if !tokens.is_empty() {
        return Span::styled(format!("  tokens: {}", tokens.join(" ")), theme.success());
    }
    match json.get("active").and_then(|a| a.as_bool()) {
        Some(true) => Span::styled("  active", theme.success()),
        Some(false) => Span::styled("  not active", theme.waiting()),
        None => Span::raw(""),
    }
}

pub fn render_detail(app: &App, frame: &mut Frame, area: Rect) {
    let theme = app.theme();
    if let Some((before, after)) = resent_pair(app) {
        return render_comparison(app, before, after, frame, area, &theme);
    }
    let block = widgets::block(" Exchange · Y copy as curl · y copy body ", false, &theme);
    let Some(exchange) = app.exchanges.selected() else {
        return widgets::text(frame, area, block, Vec::new(), 0);
    };
    let shown = if app.ui.reveal {
        exchange.clone()
    } else {
        exchange.redacted()
    };
    let mut lines = vec![
        Line::from(vec![
            Span::styled(format!("{} ", shown.method), theme.accent()),
            Span::styled(shown.url.clone(), theme.text()),
        ]),
        Line::styled(
            format!("sent {}", widgets::date_time(shown.started_at)),
            theme.hint(),
        ),
    ];
    for (name, value) in &shown.request_headers {
        lines.push(header_line(name, value, &theme));
    }
    if let Some(body) = &shown.request_body {
        lines.push(Line::styled(body.clone(), theme.text()));
    }
    lines.push(Line::raw(""));
    lines.extend(
        flow::response_lines(exchange, app.ui.reveal, &theme)
            .into_iter()
            .take(1),
    );
    for (name, value) in &shown.response_headers {
        lines.push(header_line(name, value, &theme));
    }
    if let Some(error) = &shown.error {
        lines.push(Line::styled(error.clone(), theme.failure()));
    }
    if let Some(body) = &shown.response_body {
        lines.extend(widgets::styled_lines(
            &widgets::pretty_json(body),
            theme.text(),
        ));
    }
    widgets::text(frame, area, block, lines, app.ui.scroll);
}

fn header_line<'a>(name: &str, value: &str, theme: &Theme) -> Line<'a> {
    Line::from(vec![
        Span::styled(format!("  {name}: "), theme.hint()),
        Span::styled(value.to_string(), theme.text()),
    ])
}

/// The exchange before and after, when the selected one is the answer to a step sent again.
fn resent_pair(app: &App) -> Option<(&Exchange, &Exchange)> {
    let FlowView::Running(run) = &app.flow else {
        return None;
    };
    let resent = run.resent.as_ref()?;
    let after = run.steps().get(resent.step)?.exchange.as_ref()?;
    let selected = app.exchanges.selected()?;
    let same = selected.started_at == after.started_at
        && selected.url == after.url
        && selected.method == after.method;
    same.then_some((&resent.before, selected))
}

/// A step sent again: the two answers side by side, the lines only in the first marked `-`,
/// the lines only in the second `+`. The bodies are compared as sent, and shown masked.
fn render_comparison(
    app: &App,
    before: &Exchange,
    after: &Exchange,
    frame: &mut Frame,
    area: Rect,
    theme: &Theme,
) {
    let block = widgets::block(
        " Sent again · the answer before │ the answer now ",
        false,
        theme,
    );
    let inner = block.inner(area);
    frame.render_widget(block, area);
    let [head, columns] =
        Layout::vertical([Constraint::Length(2), Constraint::Min(0)]).areas(inner);
    let request = Line::from(vec![
        Span::styled(format!("{} ", after.method), theme.accent()),
        Span::styled(after.url.clone(), theme.text()),
    ]);
    frame.render_widget(
        Paragraph::new(widgets::fit(request, usize::from(head.width))),
        head,
    );
    let [left, right] =
        Layout::horizontal([Constraint::Percentage(50), Constraint::Percentage(50)])
            .spacing(1)
            .areas(columns);
    let (old, new) = (
        body_lines(before, app.ui.reveal),
        body_lines(after, app.ui.reveal),
    );
    let rows = line_diff(&old.compared, &new.compared);
    let mut left_lines = vec![flow::response_lines(before, app.ui.reveal, theme).remove(0)];
    let mut right_lines = vec![flow::response_lines(after, app.ui.reveal, theme).remove(0)];
    let (lw, rw) = (usize::from(left.width), usize::from(right.width));
    let cell = |text: &str, mark: &str, style, width| {
        widgets::fit(Line::styled(format!("{mark} {text}"), style), width)
    };
    match rows {
        Some(rows) => {
            for row in rows {
                let (l, r) = match row {
                    DiffRow::Both(a, b) => (
                        cell(&old.shown[a], " ", theme.text(), lw),
                        cell(&new.shown[b], " ", theme.text(), rw),
                    ),
                    DiffRow::First(a) => {
                        (cell(&old.shown[a], "-", theme.failure(), lw), Line::raw(""))
                    }
                    DiffRow::Second(b) => {
                        (Line::raw(""), cell(&new.shown[b], "+", theme.success(), rw))
                    }
                };
                left_lines.push(l);
                right_lines.push(r);
            }
        }
        None => {
            let note = "too long to compare line by line";
            left_lines.push(Line::styled(note, theme.hint()));
            right_lines.push(Line::styled(note, theme.hint()));
            left_lines.extend(old.shown.iter().map(|l| cell(l, " ", theme.text(), lw)));
            right_lines.extend(new.shown.iter().map(|l| cell(l, " ", theme.text(), rw)));
        }
    }
    let scroll = (app.ui.scroll, 0);
    frame.render_widget(Paragraph::new(left_lines).scroll(scroll), left);
    frame.render_widget(Paragraph::new(right_lines).scroll(scroll), right);
}

/// A response body as lines: the ones compared (as the server sent them, so two tokens that
/// mask alike still differ) and the ones shown (masked unless revealed). When masking changed
/// the shape of the body, the masked lines are compared too.
struct BodyLines {
    compared: Vec<String>,
    shown: Vec<String>,
}

fn body_lines(exchange: &Exchange, reveal: bool) -> BodyLines {
    let lines = |e: &Exchange| -> Vec<String> {
        e.response_body
            .as_deref()
            .map(|b| {
                widgets::pretty_json(b)
                    .lines()
                    .map(str::to_string)
                    .collect()
            })
            .unwrap_or_default()
    };
    let raw = lines(exchange);
    let shown = if reveal {
        raw.clone()
    } else {
        lines(&exchange.redacted())
    };
    if raw.len() == shown.len() {
        BodyLines {
            compared: raw,
            shown,
        }
    } else {
        BodyLines {
            compared: shown.clone(),
            shown,
        }
    }
}

/// One row of a side-by-side comparison: a line in both, or only in one of them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum DiffRow {
    Both(usize, usize),
    First(usize),
    Second(usize),
}

/// The longest-common-subsequence table grows with the product of the lengths: past this,
/// bodies are shown without aligning them, so a large answer costs no more than drawing it.
const MAX_DIFF_CELLS: usize = 1_000_000;

/// Lines of `a` and `b` aligned on their longest common subsequence, in order. `None` when
/// they are too long to compare (see [`MAX_DIFF_CELLS`]).
fn line_diff(a: &[String], b: &[String]) -> Option<Vec<DiffRow>> {
    let (n, m) = (a.len(), b.len());
    let cells = (n + 1).checked_mul(m + 1)?;
    if cells > MAX_DIFF_CELLS {
        return None;
    }
    // lcs[i][j]: the longest common subsequence of a[i..] and b[j..].
    let mut lcs = vec![0u32; cells];
    let at = |i: usize, j: usize| i * (m + 1) + j;
    for i in (0..n).rev() {
        for j in (0..m).rev() {
            lcs[at(i, j)] = if a[i] == b[j] {
                lcs[at(i + 1, j + 1)] + 1
            } else {
                lcs[at(i + 1, j)].max(lcs[at(i, j + 1)])
            };
        }
    }
    let (mut i, mut j) = (0, 0);
    let mut rows = Vec::with_capacity(n.max(m));
    while i < n || j < m {
        if i < n && j < m && a[i] == b[j] {
            rows.push(DiffRow::Both(i, j));
            i += 1;
            j += 1;
        } else if j < m && (i == n || lcs[at(i, j + 1)] > lcs[at(i + 1, j)]) {
            // Only in the second, when taking it keeps more in common; on a tie the line
            // only in the first goes first, as diffs read: what went, then what came.
            rows.push(DiffRow::Second(j));
            j += 1;
        } else {
            rows.push(DiffRow::First(i));
            i += 1;
        }
    }
    Some(rows)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lines(text: &str) -> Vec<String> {
        text.lines().map(str::to_string).collect()
    }

    #[test]
    fn the_diff_keeps_common_lines_and_marks_the_rest() {
        let a = lines("{\n  \"active\": true,\n  \"scope\": \"a\"\n}");
        let b = lines("{\n  \"active\": false\n}");
        let rows = line_diff(&a, &b).unwrap();
        assert_eq!(
            rows,
            [
                DiffRow::Both(0, 0),
                DiffRow::First(1),
                DiffRow::First(2),
                DiffRow::Second(1),
                DiffRow::Both(3, 2),
            ]
        );
        assert_eq!(line_diff(&a, &a).unwrap().len(), a.len());
        assert!(line_diff(&[], &[]).unwrap().is_empty());
    }

    #[test]
    fn bodies_too_long_are_not_aligned() {
        let long = vec!["x".to_string(); 2_000];
        assert_eq!(line_diff(&long, &long), None);
    }

    #[test]
    fn tokens_that_mask_alike_still_differ() {
        let answer = |token: &str| {
            let mut e = Exchange::new("POST", "http://as/token");
            e.status = Some(200);
            e.response_body = Some(format!("{{\"access_token\":\"{token}\"}}"));
            e.locate_secrets(&[]);
            e
        };
        let (one, two) = (
            body_lines(&answer("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa1"), false),
            body_lines(&answer("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa2"), false),
        );
        assert_eq!(one.shown, two.shown, "masked alike");
        let rows = line_diff(&one.compared, &two.compared).unwrap();
        assert!(rows.contains(&DiffRow::First(1)), "{rows:?}");
        assert!(
            one.shown
                .iter()
                .all(|l| !l.contains("aaaaaaaaaaaaaaaaaaaaaaaaaaaaa"))
        );
    }
}
