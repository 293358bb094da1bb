//! Clients of the selected server: entered by hand or registered (RFC 7591), read, updated
//! and deleted (RFC 7592). Secrets and registration access tokens are masked until `r`.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};

use crate::tui::app::App;
use crate::tui::widgets;

pub fn render_list(app: &App, frame: &mut Frame, area: Rect, focused: bool) {
    let theme = app.theme();
    let width = usize::from(area.width.saturating_sub(4));
    let (mut rows, selected) = match app.selected_server() {
        Some(server) => {
            let active = server.active_client().map(|c| c.client_id.clone());
            let rows: Vec<Line> = server
                .clients
                .iter()
                .enumerate()
                .map(|(i, client)| {
                    let marker = if i == server.client_cursor.index {
                        "▸ "
                    } else {
                        "  "
                    };
                    let active = if Some(&client.client_id) == active.as_ref() {
                        Span::styled("● ", theme.success())
                    } else {
                        Span::raw("  ")
                    };
                    let method = short_method(&client.auth_method);
                    let id_width = width.saturating_sub(method.len() + 5);
                    // Registered clients by the name people gave them; the id is in the detail.
                    let shown = client.client_name.as_deref().unwrap_or(&client.client_id);
                    Line::from(vec![
                        Span::raw(marker),
                        active,
                        Span::styled(
                            format!("{:<id_width$}", widgets::ellipsize(shown, id_width)),
                            theme.text(),
                        ),
                        Span::styled(format!(" {method}"), theme.hint()),
                    ])
                })
                .collect();
            let selected = (!server.clients.is_empty()).then_some(server.client_cursor.index);
            (rows, selected)
        }
        None => (Vec::new(), None),
    };
    rows.push(Line::styled("  + register (n) · by hand (a)", theme.hint()));
    let block = widgets::block(" 2 Clients ", focused, &theme);
    widgets::list(frame, area, block, rows, selected, &theme);
}

/// The client authentication method, short enough for a narrow column.
fn short_method(method: &str) -> &str {
    match method {
        "client_secret_basic" => "basic",
        "client_secret_post" => "post",
        other => other,
    }
}

pub fn render_detail(app: &App, frame: &mut Frame, area: Rect) {
    let theme = app.theme();
    let block = widgets::block(" Client ", false, &theme);
    let Some(client) = app.selected_client() else {
        let hint = vec![Line::styled(
            "No client for this server: press n to register one (RFC 7591) or a to enter one by hand.",
            theme.hint(),
        )];
        return widgets::text(frame, area, block, hint, 0);
    };
    let reveal = app.ui.reveal;
    let optional_secret = |value: &Option<String>| match value {
        Some(v) => widgets::secret(v, reveal, &theme),
        None => Span::styled("—", theme.hint()),
    };
    let active = app.active_client().map(|c| &c.client_id) == Some(&client.client_id);
    let in_use = if active {
        Span::styled("● the flows run as this client", theme.success())
    } else {
        Span::styled(
            "no: enter makes it the client the flows run as",
            theme.hint(),
        )
    };
    let mut lines = vec![
        widgets::kv("in use", 26, in_use, &theme),
        widgets::kv(
            "client_name",
            26,
            Span::styled(
                client.client_name.clone().unwrap_or_else(|| "—".into()),
                theme.text(),
            ),
            &theme,
        ),
        widgets::kv(
            "client_id",
            26,
            Span::styled(client.client_id.clone(), theme.text()),
            &theme,
        ),
        widgets::kv(
            "client_secret",
            26,
            optional_secret(&client.client_secret),
            &theme,
        ),
        widgets::kv(
            "auth method",
            26,
            Span::styled(client.auth_method.clone(), theme.text()),
            &theme,
        ),
        widgets::kv(
            "scope",
            26,
            Span::styled(
                client
                    .scope
                    .clone()
                    .unwrap_or_else(|| "(server default)".into()),
                theme.text(),
            ),
            &theme,
        ),
        widgets::kv(
            "registration_client_uri",
            26,
            Span::styled(
                client
                    .registration_client_uri
                    .clone()
                    .unwrap_or_else(|| "—".into()),
                theme.text(),
            ),
            &theme,
        ),
        widgets::kv(
            "registration_access_token",
            26,
            optional_secret(&client.registration_access_token),
            &theme,
        ),
        Line::raw(""),
    ];
    let hint = if client.registration_client_uri.is_some() {
        "enter: use in flows · R read · u update · d delete (RFC 7592) · y copy secret · r reveal"
    } else {
        "enter: use in flows · y copy secret · r reveal"
    };
    lines.push(Line::styled(hint, theme.hint()));
    widgets::text(frame, area, block, lines, app.ui.scroll);
}
