//! The doctor's view in the Tokens pane (`d`): what is wrong or risky about the selected
//! token, then about the whole session, each finding with its severity, code, section and
//! evidence. Evidence holds claim values and names, never a token.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};

use crate::oauth::doctor::{Finding, Severity};
use crate::terminal_text::one_line;
use crate::tui::app::App;
use crate::tui::theme::Theme;
use crate::tui::widgets;

pub fn render(app: &App, frame: &mut Frame, area: Rect) {
    let theme = app.theme();
    let block = widgets::block(" Doctor · d back to the token ", false, &theme);
    let mut lines = vec![Line::styled("this token", theme.title())];
    match app.doctor_token_findings() {
        None if app.tokens.is_empty() => lines.push(Line::styled(
            "no token selected (p pastes one)",
            theme.hint(),
        )),
        None => lines.push(Line::styled(
            "opaque: not a JWT, nothing in it to judge",
            theme.hint(),
        )),
        Some(findings) => finding_lines(&findings, &theme, &mut lines),
    }
    lines.push(Line::raw(""));
    lines.push(Line::styled(
        format!("the session · {} exchanges", app.exchanges.entries.len()),
        theme.title(),
    ));
    finding_lines(&app.doctor_session_findings(), &theme, &mut lines);
    widgets::text(frame, area, block, lines, app.ui.scroll);
}

fn finding_lines<'a>(findings: &[Finding], theme: &Theme, lines: &mut Vec<Line<'a>>) {
    if findings.is_empty() {
        lines.push(Line::styled("✓ nothing to report", theme.success()));
        return;
    }
    for finding in findings {
        let (glyph, style) = match finding.severity {
            Severity::Error => ("✗", theme.failure()),
            Severity::Warning => ("!", theme.waiting()),
            Severity::Info => ("·", theme.hint()),
        };
        lines.push(Line::from(vec![
            Span::styled(format!("{glyph} {:<7} ", finding.severity.name()), style),
            Span::styled(finding.code, theme.accent()),
            Span::styled(format!("  {}", finding.reference), theme.hint()),
        ]));
        lines.push(Line::styled(
            format!("  {}", one_line(&finding.message)),
            theme.text(),
        ));
        for (name, value) in &finding.evidence {
            // Claim values come from whoever wrote the token.
            let (name, value) = (one_line(name), one_line(value));
            lines.push(Line::styled(format!("  {name}: {value}"), theme.hint()));
        }
    }
}
