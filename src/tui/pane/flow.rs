//! The flow: pick one, then walk its steps. The selected step shows the request it will send
//! (before sending) and the response it got (after), with why the step exists.

use std::time::SystemTime;

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};

use crate::explain;
use crate::oauth::flow::FlowKind;
use crate::oauth::flow::tokens::DecodedToken;
use crate::oauth::secret::{Secret, is_secret_name};
use crate::oauth::{Exchange, RequestDraft, Step, StepKind, StepStatus};
use crate::terminal_text::{block, one_line};
use crate::tui::action::Command;
use crate::tui::app::App;
use crate::tui::diagram::SequenceDiagram;
use crate::tui::keymap::Context;
use crate::tui::model::{FLOWS, FlowRun, FlowView, Waiting, flow_summary, flow_title};
use crate::tui::pane::tokens;
use crate::tui::theme::Theme;
use crate::tui::widgets;
use crate::wire::AUTHORIZATION_DETAILS;

pub fn render(app: &App, frame: &mut Frame, area: Rect, focused: bool) {
    let theme = app.theme();
    match &app.flow {
        FlowView::Picking(cursor) => {
            let mcp = app.selected_server().is_some_and(|s| s.mcp_url.is_some());
            let rows = FLOWS
                .iter()
                .enumerate()
                .map(|(i, kind)| {
                    let marker = if i == cursor.index { "▸" } else { " " };
                    let (title, summary) = match kind {
                        FlowKind::AuthorizationCode if mcp => (MCP_TITLE, MCP_SUMMARY),
                        _ => (flow_title(*kind), flow_summary(*kind)),
                    };
                    Line::from(vec![
                        Span::raw(marker),
                        Span::styled(format!("{title:<36}"), theme.text()),
                        Span::styled(summary, theme.hint()),
                    ])
                })
                .collect();
            // What the next flows carry, each with the key that turns it off.
            let mut title = " 3 Flow · choose one (enter)".to_string();
            if let Some(key) = app.dpop_key() {
                title.push_str(&format!(" · DPoP on, key {} (D)", key.thumbprint()));
            }
            if app.request_options.request_object {
                title.push_str(" · JAR on (J)");
            }
            if app.request_options.authorization_details.is_some() {
                title.push_str(" · RAR on (A)");
            }
            title.push(' ');
            let block = widgets::block(title, focused, &theme);
            widgets::list(frame, area, block, rows, Some(cursor.index), &theme);
        }
        FlowView::Running(run) if run.diagram.is_some() => {
            let title = Line::from(vec![
                Span::styled(format!(" 3 {} ", run_title(run)), theme.hint()),
                Span::styled("┬ Diagram ", theme.title()),
            ]);
            let block = widgets::block(title, focused, &theme);
            let inner = block.inner(area);
            frame.render_widget(block, area);
            let diagram = run.sequence(&app.exchanges.entries);
            let mut state = run.diagram.unwrap_or_default();
            frame.render_stateful_widget(SequenceDiagram::new(&diagram, &theme), inner, &mut state);
        }
        FlowView::Running(run) => {
            let block = widgets::block(format!(" 3 {} ", run_title(run)), focused, &theme);
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
            // Step numbers take the width of the last one, so the titles stay in a column
            // past step 9 (an MCP flow with a tool call has ten).
            let number_width = run.steps().len().to_string().len();
            let rows = run
                .steps()
                .iter()
                .enumerate()
                .map(|(i, step)| {
                    step_row(
                        (i, number_width),
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
                let mut lines = waiting_lines(app, run, &theme, detail_area);
                lines.extend(redirect_lines(run, step, app.ui.reveal, &theme));
                // What the MCP server answered first: the tools, a tool's answer.
                lines.extend(tool_lines(run, step, &theme));
                lines.extend(claim_lines(run, app.now(), &theme));
                lines.extend(verdict_lines(run, step, app.now(), &theme));
                lines.extend(warning_lines(step, &theme));
                lines.extend(offer_lines(app, run, step, &theme));
                lines.extend(granted_lines(run, step, &theme));
                lines.extend(dpop_lines(run, step, app.now(), &theme));
                lines.extend(learnt_lines(step, &theme));
                lines.extend(step_detail(
                    step,
                    fix_line(app, &theme),
                    app.ui.reveal,
                    &theme,
                ));
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
fn waiting_lines<'a>(app: &App, run: &FlowRun, theme: &Theme, area: Rect) -> Vec<Line<'a>> {
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
    // Only while the poll is the current step: once the tokens came, the code is history.
    let polling_step = run
        .flow
        .current()
        .is_some_and(|i| run.flow.steps()[i].kind == StepKind::PollDevice);
    if let Some(device) = &outcome.device
        && polling_step
    {
        lines.extend(device_lines(app, run, device, &countdown, theme, area));
    }
    lines
}

/// The device step while it polls: the user code, where to enter it and the keys, beside a
/// QR code of the verification URI so both fit whole, at 80x24 too. The QR code carries the
/// URI with the code in it when that fits the height, else the plain URI.
fn device_lines<'a>(
    app: &App,
    run: &FlowRun,
    device: &crate::wire::DeviceAuthorizationResponse,
    countdown: &str,
    theme: &Theme,
    area: Rect,
) -> Vec<Line<'a>> {
    let mut text = vec![
        Line::from(vec![
            Span::styled("user code  ", theme.hint()),
            Span::styled(device.user_code.secret().to_string(), theme.title()),
        ]),
        Line::from(vec![
            Span::styled("go to      ", theme.hint()),
            Span::styled(device.verification_uri.clone(), theme.accent()),
        ]),
        Line::raw(""),
    ];
    if let Some(Waiting::Poll { .. }) = run.waiting {
        text.push(Line::styled(
            format!(
                "▶ polling every {} s · next poll in {countdown}",
                run.flow.poll_interval().as_secs()
            ),
            theme.waiting(),
        ));
    }
    let hints: &[&str] = if run.device_answered {
        &[
            "answered on the mock:",
            "the next poll gets the server's verdict",
            "y copy the code",
        ]
    } else {
        &[
            "s approve here (built-in mock)",
            "enter polls",
            "y copy the code",
        ]
    };
    text.extend(hints.iter().map(|h| Line::styled(*h, theme.hint())));

    let height = usize::from(area.height);
    let qr = device
        .verification_uri_complete
        .as_ref()
        .map(Secret::secret)
        .and_then(widgets::qr_lines)
        .filter(|qr| qr.len() <= height)
        .or_else(|| widgets::qr_lines(&device.verification_uri));
    let Some(qr) = qr else {
        let mut lines = vec![Line::raw("")];
        lines.extend(text);
        return lines;
    };
    // Scanners need dark modules on light; NO_COLOR leaves it to the terminal.
    let scan = if app.ui.no_color {
        Style::new()
    } else {
        Style::new()
            .fg(ratatui::style::Color::Black)
            .bg(ratatui::style::Color::White)
    };
    let qr_width = qr.first().map_or(0, |l| l.chars().count());
    let text_width = usize::from(area.width).saturating_sub(qr_width + 4);
    let mut lines = Vec::new();
    if qr.len() < height {
        lines.push(Line::raw(""));
    }
    if text_width < MIN_TEXT_BESIDE_QR {
        // Too narrow to sit side by side: the words first, the code under them.
        lines.extend(
            text.into_iter()
                .map(|l| widgets::fit(l, usize::from(area.width))),
        );
        lines.extend(
            qr.into_iter()
                .map(|l| Line::from(vec![Span::raw("  "), Span::styled(l, scan)])),
        );
        return lines;
    }
    let rows = qr.len().max(text.len());
    let mut text = text.into_iter();
    for row in 0..rows {
        let mut spans = vec![Span::raw("  ")];
        match qr.get(row) {
            Some(l) => spans.push(Span::styled(l.clone(), scan)),
            None => spans.push(Span::raw(" ".repeat(qr_width))),
        }
        spans.push(Span::raw("  "));
        if let Some(line) = text.next() {
            spans.extend(widgets::fit(line, text_width).spans);
        }
        lines.push(Line::from(spans));
    }
    lines
}

/// The narrowest column of words worth drawing beside the QR code.
const MIN_TEXT_BESIDE_QR: usize = 24;

/// On the authorization step once the browser came back: the redirect's parameters as the
/// server sent them (code, state, iss, or an error), the code masked unless revealed.
fn redirect_lines<'a>(run: &FlowRun, step: &Step, reveal: bool, theme: &Theme) -> Vec<Line<'a>> {
    let response = match &run.flow.outcome().authorization_response {
        Some(response) if step.kind == StepKind::Authorize => response,
        _ => return Vec::new(),
    };
    let width = response
        .params
        .iter()
        .map(|(k, _)| k.len())
        .max()
        .unwrap_or(0);
    let mut lines = vec![
        Line::raw(""),
        Line::styled("Redirected back with", theme.title()),
    ];
    lines.extend(response.params.iter().map(|(name, value)| {
        let shown = if is_secret_name(name) {
            widgets::secret(value.secret(), reveal, theme)
        } else {
            Span::styled(value.secret().to_string(), theme.text())
        };
        Line::from(vec![
            Span::styled(format!("  {name:<width$}  "), theme.hint()),
            shown,
        ])
    }));
    lines
}

/// Where the flow ends: the claims of the tokens it got, so the result is read where it
/// came, not only in the Tokens pane.
fn claim_lines<'a>(run: &FlowRun, now: SystemTime, theme: &Theme) -> Vec<Line<'a>> {
    let last = run.steps().len().saturating_sub(1);
    if !run.flow.is_finished() || run.cursor.index != last {
        return Vec::new();
    }
    per_token(run, |name, decoded| {
        let mut lines = vec![Line::styled(format!("Claims of the {name}"), theme.title())];
        lines.extend(tokens::json_lines(&decoded.claims, now, theme));
        lines
    })
}

/// A section for each token the flow got (the ID token, then the access token), each after
/// a blank line.
fn per_token<'a>(
    run: &FlowRun,
    mut section: impl FnMut(&str, &DecodedToken) -> Vec<Line<'a>>,
) -> Vec<Line<'a>> {
    let outcome = run.flow.outcome();
    let mut lines = Vec::new();
    for (name, token) in [
        ("ID token", &outcome.id_token),
        ("access token", &outcome.access_token),
    ] {
        if let Some(decoded) = token {
            lines.push(Line::raw(""));
            lines.extend(section(name, decoded));
        }
    }
    lines
}

/// On the verify step: each token's verdict, check by check, as the engine gave it.
fn verdict_lines<'a>(run: &FlowRun, step: &Step, now: SystemTime, theme: &Theme) -> Vec<Line<'a>> {
    if step.kind != StepKind::VerifyTokens || step.status != StepStatus::Done {
        return Vec::new();
    }
    let mut lines = per_token(run, |name, decoded| {
        let mut lines = vec![Line::styled(name.to_string(), theme.title())];
        lines.extend(
            tokens::verification_lines(decoded, now, theme)
                .into_iter()
                .skip(1),
        );
        lines
    });
    for note in &run.flow.outcome().notes {
        lines.push(Line::styled(format!("! {note}"), theme.waiting()));
    }
    lines
}

/// The code flow of an MCP server's entry: with `resource`, then the calls with the token.
const MCP_TITLE: &str = "MCP authorization";
const MCP_SUMMARY: &str =
    "code + PKCE with resource (RFC 8707), then initialize and tools/list with the token";

/// The running flow's name: an MCP server's flow by its steps, else the flow's own.
fn run_title(run: &FlowRun) -> &'static str {
    let mcp = run.flow.mcp_server().is_some()
        || run.steps().iter().any(|s| s.kind.runs_before_the_flow());
    if mcp {
        MCP_TITLE
    } else {
        flow_title(run.flow.kind())
    }
}

/// The tools an MCP server listed, on the step that listed them.
fn tool_lines<'a>(run: &FlowRun, step: &Step, theme: &Theme) -> Vec<Line<'a>> {
    match &run.flow.outcome().mcp_tools {
        Some(tools) if step.kind == StepKind::McpListTools => vec![
            Line::from(vec![
                Span::styled("tools ", theme.hint()),
                Span::styled(tools.join(", "), theme.success()),
            ]),
            Line::raw(""),
        ],
        _ => answer_lines(run, step, theme),
    }
}

/// The DPoP proof the step carried, decoded (RFC 9449 §4.2), and on the step that got the
/// tokens, whether they came bound to the key.
fn dpop_lines<'a>(run: &FlowRun, step: &Step, now: SystemTime, theme: &Theme) -> Vec<Line<'a>> {
    let Some(proof) = &step.dpop_proof else {
        return Vec::new();
    };
    let mut lines = vec![Line::styled("DPoP proof", theme.title())];
    lines.extend(tokens::json_lines(&proof.header, now, theme));
    lines.extend(tokens::json_lines(&proof.claims, now, theme));
    let binding = run.flow.outcome().dpop.as_ref();
    let got_tokens =
        step.exchange.as_ref().is_some_and(|e| e.is_success()) && step.kind != StepKind::Userinfo;
    if let (Some(binding), true) = (binding, got_tokens) {
        lines.push(Line::styled(
            format!("DPoP binding (key {})", binding.jkt),
            theme.title(),
        ));
        for check in &binding.checks {
            let (glyph, style) = widgets::verdict(check.verdict, theme);
            lines.push(Line::from(vec![
                Span::styled(format!("  {glyph} {:<10}", check.check), style),
                Span::styled(check.detail.clone(), theme.text()),
            ]));
        }
    }
    lines.push(Line::raw(""));
    lines
}

/// On the first step of a code or PAR flow not sent yet: what else the server takes in the
/// authorization request (rich authorization, request objects), with the key for each.
fn offer_lines<'a>(app: &App, run: &FlowRun, step: &Step, theme: &Theme) -> Vec<Line<'a>> {
    let first = run.steps().first().is_some_and(|s| std::ptr::eq(s, step));
    if !first || !app.flow_key_applies(Command::RichAuthorization) {
        return Vec::new();
    }
    let offers = app.authorization_offers();
    if offers.is_empty() {
        return Vec::new();
    }
    let mut lines = vec![Line::styled("Also possible here", theme.title())];
    for offer in offers {
        let (key, words) = offer.split_once(' ').unwrap_or(("", &offer));
        lines.push(Line::from(vec![
            Span::styled(format!("  {key} "), theme.accent()),
            Span::styled(one_line(words).into_owned(), theme.hint()),
        ]));
    }
    lines.push(Line::raw(""));
    lines
}

/// On the step that got the tokens: the rich authorization the server granted (RFC 9396
/// §7), from the token response, and whether the access token carries it too.
fn granted_lines<'a>(run: &FlowRun, step: &Step, theme: &Theme) -> Vec<Line<'a>> {
    let outcome = run.flow.outcome();
    let token_step = matches!(
        step.kind,
        StepKind::ExchangeCode
            | StepKind::PollDevice
            | StepKind::RefreshToken
            | StepKind::ClientCredentials
            | StepKind::TokenExchange
            | StepKind::JwtBearer
    );
    let got_tokens = token_step && step.exchange.as_ref().is_some_and(|e| e.is_success());
    let Some(granted) = outcome
        .authorization_details
        .as_ref()
        .filter(|_| got_tokens)
    else {
        return Vec::new();
    };
    let mut lines = vec![Line::styled(
        "Granted authorization_details (RFC 9396 §7)",
        theme.title(),
    )];
    let pretty = serde_json::to_string_pretty(granted).unwrap_or_default();
    // The server's words, escaped for the terminal.
    lines.extend(widgets::styled_lines(&block(&pretty), theme.text()));
    let in_token = outcome
        .access_token
        .as_ref()
        .and_then(|t| t.claims.get(AUTHORIZATION_DETAILS));
    lines.push(match in_token {
        Some(claim) if claim == granted => Line::styled(
            "  ✓ the access token carries the same authorization_details claim",
            theme.success(),
        ),
        Some(_) => Line::styled(
            "  ! the access token's authorization_details claim differs from the response",
            theme.waiting(),
        ),
        None => Line::styled(
            "  · the access token carries no authorization_details claim (opaque, or not put in)",
            theme.hint(),
        ),
    });
    lines.push(Line::raw(""));
    lines
}

/// What the called tool answered, on the call's step: its text, escaped for the terminal.
fn answer_lines<'a>(run: &FlowRun, step: &Step, theme: &Theme) -> Vec<Line<'a>> {
    let answer = match &run.flow.outcome().mcp_call {
        Some(answer) if step.kind == StepKind::McpCallTool && step.exchange.is_some() => answer,
        _ => return Vec::new(),
    };
    let style = if answer.is_error {
        theme.failure()
    } else {
        theme.success()
    };
    let mut lines = vec![Line::from(vec![
        Span::styled(
            format!("{} answered", one_line(&answer.tool)),
            theme.title(),
        ),
        Span::styled(
            if answer.is_error { " (isError)" } else { "" },
            theme.failure(),
        ),
    ])];
    lines.extend(
        block(&answer.text)
            .lines()
            .map(|line| Line::styled(line.to_string(), style)),
    );
    lines.push(Line::raw(""));
    lines
}

/// The checks the step made, each with its verdict, then what it learnt on the way (each
/// URL tried and why, the challenge, the registration chosen and why).
fn learnt_lines<'a>(step: &Step, theme: &Theme) -> Vec<Line<'a>> {
    let width = step
        .checks
        .iter()
        .map(|c| c.check.chars().count())
        .max()
        .unwrap_or(0)
        + 1;
    let mut lines: Vec<Line<'a>> = step
        .checks
        .iter()
        .map(|check| widgets::check_line(check, width, theme))
        .collect();
    lines.extend(
        step.notes
            .iter()
            .map(|note| Line::styled(format!("· {note}"), theme.hint())),
    );
    if !lines.is_empty() {
        lines.push(Line::raw(""));
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
    (index, number_width): (usize, usize),
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
            format!("{glyph} {:<number_width$} ", index + 1),
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

/// The fix a failed step offers, with the key that applies it as the keymap binds it.
fn fix_line<'a>(app: &App, theme: &Theme) -> Option<Line<'a>> {
    let fix = app.client_fix()?;
    let key = app
        .keymap
        .bindings_in(Context::Flow)
        .find(|b| b.command == Command::UseOfferedClient)?
        .label
        .clone();
    Some(Line::from(vec![
        Span::styled("→ ", theme.accent()),
        Span::styled(key, theme.accent()),
        Span::styled(format!(" use {}", fix.client_id), theme.title()),
        Span::styled(format!(": {}, and send it again", fix.why), theme.hint()),
    ]))
}

fn step_detail<'a>(
    step: &Step,
    fix: Option<Line<'a>>,
    reveal: bool,
    theme: &Theme,
) -> Vec<Line<'a>> {
    let mut lines = vec![Line::raw("")];
    if let StepStatus::Failed(reason) = &step.status {
        lines.push(Line::styled(format!("✗ {reason}"), theme.failure()));
        let hints = explain::error_hints(reason);
        for hint in &hints {
            lines.push(Line::styled(format!("  {hint}"), theme.hint()));
        }
        // The causes end before the request starts, so neither reads as the other.
        if !hints.is_empty() {
            lines.push(Line::raw(""));
        }
        lines.extend(fix);
    }
    match (&step.request, &step.exchange) {
        (Some(request), _) => lines.extend(request_lines(request, reveal, theme)),
        // A step run before the flow keeps only what it sent (the Exchanges pane has all).
        (None, Some(exchange)) => lines.push(Line::from(vec![
            Span::styled("Sent     ", theme.title()),
            Span::styled(
                format!("{} {}", exchange.method, one_line(&exchange.url)),
                theme.accent(),
            ),
        ])),
        (None, None) => {}
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
    for decoded in request.decoded_jwts() {
        let part = |label: &str, map: serde_json::Map<String, serde_json::Value>| {
            let text = serde_json::Value::Object(map).to_string();
            Line::from(vec![
                Span::styled(format!("    {label} "), theme.hint()),
                Span::styled(one_line(&text).into_owned(), theme.text()),
            ])
        };
        lines.push(Line::styled(
            format!("  {} decoded (unverified, as sent)", decoded.name),
            theme.title(),
        ));
        lines.push(part("header", decoded.header));
        lines.push(part("claims", decoded.claims));
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
