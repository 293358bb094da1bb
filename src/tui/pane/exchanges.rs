//! Every HTTP exchange of the session, newest selected; details show headers and bodies.
//! `Y` copies the request as a curl command.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};

use crate::oauth::Exchange;
use crate::tui::app::App;
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
