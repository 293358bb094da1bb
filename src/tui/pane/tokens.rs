//! Every token of the session (and pasted JWTs): when it came, when it expires, and in the
//! details its decoded header and claims with the signature and claim verdicts.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};

use crate::tui::app::App;
use crate::tui::model::TokenEntry;
use crate::tui::theme::Theme;
use crate::tui::widgets;

pub fn render_list(app: &App, frame: &mut Frame, area: Rect, focused: bool) {
    let theme = app.theme();
    let now = app.now();
    let rows = app
        .tokens
        .iter()
        .map(|token| {
            Line::from(vec![
                Span::styled(
                    format!(" {}  ", widgets::clock_time(token.obtained_at)),
                    theme.hint(),
                ),
                Span::styled(format!("{:<8}", token.kind.label()), theme.accent()),
                widgets::secret(&token.value, app.ui.reveal, &theme),
                Span::raw("  "),
                expiry_span(token, now, &theme),
                Span::styled(format!("  {}", token.source), theme.hint()),
            ])
        })
        .collect::<Vec<_>>();
    let title = Line::from(vec![
        Span::styled(
            format!(" 4 Exchanges {} │", app.exchanges.entries.len()),
            theme.hint(),
        ),
        Span::styled(format!(" 5 Tokens {} ", app.tokens.len()), theme.title()),
    ]);
    let block = widgets::block(title, focused, &theme);
    if rows.is_empty() {
        let hint = vec![Line::styled(
            "No tokens yet. Run a flow, or press p to paste any JWT and inspect it.",
            theme.hint(),
        )];
        return widgets::text(frame, area, block, hint, 0);
    }
    let selected = Some(app.token_cursor.index);
    widgets::list(frame, area, block, rows, selected, &theme);
}

fn expiry_span<'a>(token: &TokenEntry, now: std::time::SystemTime, theme: &Theme) -> Span<'a> {
    match token.expires_at {
        Some(at) if at > now => Span::styled(
            format!("expires {}", widgets::relative(at, now)),
            theme.success(),
        ),
        Some(at) => Span::styled(
            format!("expired {}", widgets::relative(at, now)),
            theme.failure(),
        ),
        None => Span::styled("no expiry given", theme.hint()),
    }
}

pub fn render_detail(app: &App, frame: &mut Frame, area: Rect) {
    let theme = app.theme();
    let block = widgets::block(
        " Token · y copy · f refresh · i introspect · v revoke ",
        false,
        &theme,
    );
    let Some(token) = app.tokens.get(app.token_cursor.index) else {
        return widgets::text(frame, area, block, Vec::new(), 0);
    };
    let now = app.now();
    let mut lines = vec![
        widgets::kv(
            "kind",
            9,
            Span::styled(format!("{} token", token.kind.label()), theme.text()),
            &theme,
        ),
        widgets::kv(
            "from",
            9,
            Span::styled(token.source.clone(), theme.text()),
            &theme,
        ),
        widgets::kv(
            "obtained",
            9,
            Span::styled(widgets::date_time(token.obtained_at), theme.text()),
            &theme,
        ),
        widgets::kv(
            "expires",
            9,
            Span::styled(
                token
                    .expires_at
                    .map_or_else(|| "—".to_string(), widgets::date_time),
                theme.text(),
            ),
            &theme,
        ),
        Line::from(vec![
            Span::raw(" ".repeat(10)),
            expiry_span(token, now, &theme),
        ]),
        widgets::kv(
            "value",
            9,
            widgets::secret(&token.value, app.ui.reveal, &theme),
            &theme,
        ),
    ];
    lines.push(Line::raw(""));
    widgets::text(frame, area, block, lines, 0);
}
