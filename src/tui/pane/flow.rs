//! The flow: pick one, then walk its steps. The selected step shows the request it will send
//! (before sending) and the response it got (after), with why the step exists.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};

use crate::oauth::secret::Secret;
use crate::oauth::{Exchange, RequestDraft, Step, StepStatus};
use crate::tui::app::App;
use crate::tui::model::{FLOWS, FlowRun, FlowView, Waiting, flow_summary, flow_title};
use crate::tui::pane::tokens;
use crate::tui::theme::Theme;
use crate::tui::widgets;

pub fn list_len(app: &App) -> usize {
    match &app.flow {
        FlowView::Picking(_) => FLOWS.len(),
        FlowView::Running(run) => run.steps().len(),
    }
}

pub fn render(app: &App, frame: &mut Frame, area: Rect, focused: bool) {
    let theme = app.theme();
    match &app.flow {
        FlowView::Picking(cursor) => {
            let rows = FLOWS
                .iter()
                .enumerate()
                .map(|(i, kind)| {
                    let marker = if i == cursor.index { "▸" } else { " " };
                    Line::from(vec![
                        Span::raw(marker),
                        Span::styled(format!("{:<36}", flow_title(*kind)), theme.text()),
                        Span::styled(flow_summary(*kind), theme.hint()),
                    ])
                })
                .collect();
            let block = widgets::block(" 3 Flow · choose one (enter) ", focused, &theme);
            widgets::list(frame, area, block, rows, Some(cursor.index), &theme);
        }
        FlowView::Running(run) => {
            let block = widgets::block(
                format!(" 3 {} ", flow_title(run.flow.kind())),
                focused,
                &theme,
            );
            let inner = block.inner(area);
            frame.render_widget(block, area);
            let steps_height = u16::try_from(run.steps().len())
                .unwrap_or(u16::MAX)
                .min(inner.height / 2);
            let [steps_area, detail_area] =
                Layout::vertical([Constraint::Length(steps_height), Constraint::Min(0)])
                    .areas(inner);
            let title_width = run
                .steps()
                .iter()
                .map(|s| s.title.chars().count())
                .max()
                .unwrap_or(0)
                + 2;
            let rows = run
                .steps()
                .iter()
                .enumerate()
                .map(|(i, step)| {
                    step_row(
                        i,
                        i == run.cursor.index,
                        step,
                        title_width,
                        app.ui.frame,
                        &theme,
                    )
                })
                .collect();
            widgets::list(
                frame,
                steps_area,
                ratatui::widgets::Block::new(),
                rows,
                Some(run.cursor.index),
                &theme,
            );
            if let Some(step) = run.selected_step() {
                let mut lines = waiting_lines(app, run, &theme);
                lines.extend(verdict_lines(run, step, &theme));
                lines.extend(warning_lines(step, &theme));
                lines.extend(step_detail(step, app.ui.reveal, &theme));
                frame.render_widget(
                    ratatui::widgets::Paragraph::new(lines)
                        .wrap(ratatui::widgets::Wrap { trim: false })
                        .scroll((app.ui.scroll, 0)),
                    detail_area,
                );
            }
        }
    }
}

/// What the flow waits for outside the app: the browser (URL, countdown, the three ways
/// on) or the user at another device (code, URI, QR code, polling countdown).
fn waiting_lines<'a>(app: &App, run: &FlowRun, theme: &Theme) -> Vec<Line<'a>> {
    let mut lines = Vec::new();
    let countdown = app
        .countdown()
        .map(|d| format!("{}:{:02}", d.as_secs() / 60, d.as_secs() % 60))
        .unwrap_or_default();
    let outcome = run.flow.outcome();
    let current_waits = run
        .flow
        .current()
        .is_some_and(|i| matches!(run.flow.steps()[i].status, StepStatus::Waiting(_)));
    if let (true, Some(url)) = (current_waits, &outcome.authorization_url) {
        lines.push(Line::raw(""));
        let listening = match &run.waiting {
            Some(Waiting::Redirect {
                port: Some(port), ..
            }) => {
                format!("waiting for the redirect on 127.0.0.1:{port}  {countdown}")
            }
            _ => "waiting for the redirect".to_string(),
        };
        lines.push(Line::styled(format!("▶ {listening}"), theme.waiting()));
        lines.push(Line::from(vec![
            Span::styled("  open  ", theme.hint()),
            Span::styled(url.clone(), theme.accent()),
        ]));
        lines.push(Line::styled(
            "  s sign in here (built-in mock) · b open the browser · p paste the redirect URL · y copy the URL",
            theme.hint(),
        ));
    }
    if let Some(device) = &outcome.device
        && run.flow.current().is_some()
    {
        lines.push(Line::raw(""));
        lines.push(Line::from(vec![
            Span::styled("  user code  ", theme.hint()),
            Span::styled(device.user_code.secret().to_string(), theme.title()),
        ]));
        lines.push(Line::from(vec![
            Span::styled("  go to      ", theme.hint()),
            Span::styled(device.verification_uri.clone(), theme.accent()),
        ]));
        if let Some(Waiting::Poll { .. }) = run.waiting {
            lines.push(Line::styled(
                format!(
                    "  ▶ polling every {} s · next poll in {countdown}",
                    run.flow.poll_interval().as_secs()
                ),
                theme.waiting(),
            ));
        }
        lines.push(Line::styled(
            "  s approve here (built-in mock) · enter polls · y copy the code",
            theme.hint(),
        ));
        let qr_data = device
            .verification_uri_complete
            .as_ref()
            .map(Secret::secret)
            .unwrap_or(&device.verification_uri);
        if let Some(qr) = widgets::qr_lines(qr_data) {
            // Scanners need dark modules on light; NO_COLOR leaves it to the terminal.
            let scan = if app.ui.no_color {
                Style::new()
            } else {
                Style::new()
                    .fg(ratatui::style::Color::Black)
                    .bg(ratatui::style::Color::White)
            };
            lines.extend(
                qr.into_iter()
                    .map(|l| Line::from(vec![Span::raw("  "), Span::styled(l, scan)])),
            );
        }
    }
    lines
}

/// On the verify step: each token's verdict, check by check, as the engine gave it.
fn verdict_lines<'a>(run: &FlowRun, step: &Step, theme: &Theme) -> Vec<Line<'a>> {
    let jwks_uri = run.flow.config().metadata.jwks_uri.as_deref();
    let is_verify = step.request.as_ref().map(|r| r.url.as_str()) == jwks_uri && jwks_uri.is_some();
    if !is_verify || step.status != StepStatus::Done {
        return Vec::new();
    }
    let outcome = run.flow.outcome();
    let mut lines = Vec::new();
    for (name, token) in [
        ("ID token", &outcome.id_token),
        ("access token", &outcome.access_token),
    ] {
        if let Some(decoded) = token {
            lines.push(Line::raw(""));
            lines.push(Line::styled(name, theme.title()));
            lines.extend(
                tokens::verification_lines(decoded, theme)
                    .into_iter()
                    .skip(1),
            );
        }
    }
    for note in &outcome.notes {
        lines.push(Line::styled(format!("! {note}"), theme.waiting()));
    }
    lines
}

/// What the engine warned about on this step (an unknown token type, an implausible
/// lifetime...): kept on the step that received it, so it stays where it happened.
fn warning_lines<'a>(step: &Step, theme: &Theme) -> Vec<Line<'a>> {
    step.warnings
        .iter()
        .map(|w| Line::styled(format!("! {w}"), theme.waiting()))
        .collect()
}

fn status_style(status: &StepStatus, theme: &Theme) -> Style {
    match status {
        StepStatus::Pending => theme.hint(),
        StepStatus::Ready => theme.accent(),
        StepStatus::Waiting(_) => theme.waiting(),
        StepStatus::Done => theme.success(),
        StepStatus::Failed(_) => theme.failure(),
    }
}

fn step_row<'a>(
    index: usize,
    selected: bool,
    step: &Step,
    title_width: usize,
    frame: usize,
    theme: &Theme,
) -> Line<'a> {
    let glyph = match step.status {
        StepStatus::Waiting(_) => widgets::spinner(frame),
        ref other => other.glyph(),
    };
    let note = match &step.status {
        StepStatus::Waiting(what) | StepStatus::Failed(what) => what.clone(),
        _ => step
            .request
            .as_ref()
            .map(|r| format!("{} {}", r.method, path_of(&r.url)))
            .unwrap_or_default(),
    };
    // The marker shows the selection without colour too (NO_COLOR, screen captures).
    let marker = if selected { "▸" } else { " " };
    Line::from(vec![
        Span::raw(marker),
        Span::styled(
            format!("{glyph} {} ", index + 1),
            status_style(&step.status, theme),
        ),
        Span::styled(format!("{:<title_width$}", step.title), theme.text()),
        Span::styled(note, status_style(&step.status, theme)),
    ])
}

/// The path of a URL, for compact rows ("/token").
fn path_of(url: &str) -> String {
    url::Url::parse(url).map_or_else(|_| url.to_string(), |u| u.path().to_string())
}

fn step_detail<'a>(step: &Step, reveal: bool, theme: &Theme) -> Vec<Line<'a>> {
    let mut lines = vec![Line::raw("")];
    if let StepStatus::Failed(reason) = &step.status {
        lines.push(Line::styled(format!("✗ {reason}"), theme.failure()));
    }
    if let Some(request) = &step.request {
        lines.extend(request_lines(request, reveal, theme));
    }
    if let Some(exchange) = &step.exchange {
        lines.push(Line::raw(""));
        lines.extend(response_lines(exchange, reveal, theme));
    }
    lines.push(Line::raw(""));
    lines.push(Line::from(vec![
        Span::styled("Why: ", theme.title()),
        Span::styled(step.explanation.clone(), theme.hint()),
    ]));
    lines
}

/// The request a step will send: method, URL, then each parameter (secrets masked).
pub fn request_lines<'a>(request: &RequestDraft, reveal: bool, theme: &Theme) -> Vec<Line<'a>> {
    let mut lines = vec![Line::from(vec![
        Span::styled("Request  ", theme.title()),
        Span::styled(
            format!("{} {}", request.method, request.url),
            theme.accent(),
        ),
    ])];
    let width = request
        .params
        .iter()
        .chain(request.headers.iter())
        .map(|(k, _)| k.len())
        .max()
        .unwrap_or(0);
    for (name, value) in request.headers.iter().chain(request.params.iter()) {
        // The draft's own list, plus every parameter the engine treats as secret.
        let shown = if request.is_secret(name) {
            Span::styled(request.shown_value(name, value, reveal), theme.secret())
        } else {
            Span::styled(value.clone(), theme.text())
        };
        lines.push(Line::from(vec![
            Span::styled(format!("  {name:<width$}  "), theme.hint()),
            shown,
        ]));
    }
    let json = if reveal {
        request.json_body.clone()
    } else {
        request.masked_json_body()
    };
    if let Some(json) = json {
        let pretty = serde_json::to_string_pretty(&json).unwrap_or_default();
        lines.extend(widgets::styled_lines(&pretty, theme.text()));
    }
    lines
}

/// What came back: status and timing, then the body as pretty JSON (secrets masked).
pub fn response_lines<'a>(exchange: &Exchange, reveal: bool, theme: &Theme) -> Vec<Line<'a>> {
    let shown = if reveal {
        exchange.clone()
    } else {
        exchange.redacted()
    };
    let (status, style) = match shown.status {
        Some(code) if shown.is_success() || (300..400).contains(&code) => {
            (code.to_string(), theme.success())
        }
        Some(code) => (code.to_string(), theme.failure()),
        None => ("no response".to_string(), theme.failure()),
    };
    let mut lines = vec![Line::from(vec![
        Span::styled("Response ", theme.title()),
        Span::styled(status, style),
        Span::styled(
            format!("  {}", widgets::millis(shown.duration)),
            theme.hint(),
        ),
    ])];
    if let Some(location) = shown.response_header("location") {
        lines.push(Line::from(vec![
            Span::styled("  location  ", theme.hint()),
            Span::styled(location.to_string(), theme.text()),
        ]));
    }
    if let Some(error) = &shown.error {
        lines.push(Line::styled(format!("  {error}"), theme.failure()));
    }
    if let Some(body) = &shown.response_body {
        lines.extend(widgets::styled_lines(
            &widgets::pretty_json(body),
            theme.text(),
        ));
    }
    lines
}
