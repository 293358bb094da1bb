//! The Mock panel (`c` in Servers), in place of the server's details: the last action's
//! answer, then what the mock said about each subject (faults, clock, keys, claims, recent
//! requests), each as of the last answer about it. Every line is server text made safe
//! (`one_line`) by the engine before it gets here.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::Line;

use crate::oauth::mock_control::fault_line;
use crate::tui::app::{App, MockPanel};
use crate::tui::theme::Theme;
use crate::tui::widgets;

pub fn render(app: &App, panel: &MockPanel, frame: &mut Frame, area: Rect) {
    let theme = app.theme();
    let title = format!(" Mock · {}/_mock/ · esc closes ", panel.issuer);
    let block = widgets::block(title, true, &theme);
    let mut lines = Vec::new();
    match &panel.last {
        None => lines.push(Line::styled("asking the mock…", theme.waiting())),
        Some(Ok(said)) => lines.push(Line::styled(format!("✓ {said}"), theme.success())),
        Some(Err(why)) => lines.push(Line::styled(format!("✗ {why}"), theme.failure())),
    }
    let faults: Vec<String> = match &panel.faults {
        None => Vec::new(),
        Some(faults) if faults.is_empty() => vec!["none".into()],
        Some(faults) => faults.iter().map(|f| fault_line(f, "pending")).collect(),
    };
    section(
        &mut lines,
        &theme,
        "Pending faults · f add · l list · d clear",
        &faults,
    );
    let mut clock = Vec::new();
    if let Some((said, offset)) = &panel.clock {
        clock.push(said.clone());
        if *offset != 0 {
            clock.push(
                "the Tokens pane judges expiry by this machine's clock, not the mock's".into(),
            );
        }
    }
    section(
        &mut lines,
        &theme,
        "Clock · a advance or set · 0 real time",
        &clock,
    );
    section(
        &mut lines,
        &theme,
        "Signing keys · K rotate · h history",
        &panel.keys,
    );
    section(
        &mut lines,
        &theme,
        "Claims · u for a user · n for the next token",
        &panel.claims,
    );
    section(
        &mut lines,
        &theme,
        "Recent requests, secrets masked · v show",
        &panel.requests,
    );
    widgets::text(frame, area, block, lines, app.ui.scroll);
}

/// A heading with its keys, then what is known, or a hint that nothing is yet.
fn section(lines: &mut Vec<Line<'static>>, theme: &Theme, heading: &str, known: &[String]) {
    lines.push(Line::raw(""));
    lines.push(Line::styled(heading.to_owned(), theme.title()));
    if known.is_empty() {
        lines.push(Line::styled("  not asked yet", theme.hint()));
    }
    for line in known {
        lines.push(Line::styled(format!("  {line}"), theme.text()));
    }
}
