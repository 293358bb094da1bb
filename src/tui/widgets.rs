//! Small drawing helpers the panes share: framed blocks, scrolling lists, key/value lines,
//! masking, times and durations in words.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, BorderType, Borders, Paragraph, Wrap};

use crate::oauth::jwt::{Check, Verdict};
use crate::oauth::secret::mask;
use crate::oauth::time;

use super::layout::window_start;
use super::sign_in::Page;
use super::theme::Theme;

const SPINNER: [&str; 8] = ["⠋", "⠙", "⠹", "⠸", "⠼", "⠴", "⠦", "⠧"];

pub fn spinner(frame: usize) -> &'static str {
    SPINNER[frame % SPINNER.len()]
}

/// A bordered block with the title in the title colour; focus thickens the border.
pub fn block<'a>(title: impl Into<Line<'a>>, focused: bool, theme: &Theme) -> Block<'a> {
    Block::new()
        .borders(Borders::ALL)
        .border_type(if focused {
            BorderType::Thick
        } else {
            BorderType::Plain
        })
        .border_style(theme.border(focused))
        .title(title.into().style(theme.title()))
}

/// Draws rows inside `block`, highlighting `selected` and scrolling to keep it in view.
pub fn list(
    frame: &mut Frame,
    area: Rect,
    block: Block,
    rows: Vec<Line>,
    selected: Option<usize>,
    theme: &Theme,
) {
    let len = rows.len();
    let mut rows: Vec<Option<Line>> = rows.into_iter().map(Some).collect();
    lazy_list(frame, area, block, len, selected, theme, |i| {
        rows.get_mut(i).and_then(Option::take)
    });
}

/// Like [`list`], but builds only the rows on screen: `row(i)` is asked for each visible `i`.
/// For long logs, where building every row each frame would cost.
pub fn lazy_list<'a>(
    frame: &mut Frame,
    area: Rect,
    block: Block,
    len: usize,
    selected: Option<usize>,
    theme: &Theme,
    mut row: impl FnMut(usize) -> Option<Line<'a>>,
) {
    let inner = block.inner(area);
    frame.render_widget(block, area);
    let start = window_start(selected.unwrap_or(0), usize::from(inner.height));
    let end = len.min(start + usize::from(inner.height));
    let shown: Vec<Line> = (start..end)
        .filter_map(|i| row(i).map(|line| (i, line)))
        .map(|(i, line)| {
            let line = fit(line, usize::from(inner.width));
            if Some(i) == selected {
                highlighted(line, theme.selected())
            } else {
                line
            }
        })
        .collect();
    frame.render_widget(Paragraph::new(shown), inner);
}

/// A selected row: the selection's colours win over each span's own (a green ✓, a grey
/// hint), so the row keeps its contrast whatever it contains.
fn highlighted(mut line: Line<'_>, selection: Style) -> Line<'_> {
    for span in &mut line.spans {
        span.style = span.style.patch(selection);
    }
    line.style(selection)
}

/// Cuts a line to `width` characters, ending in an ellipsis when something was cut, so no
/// row is cut mid-word without a sign.
pub fn fit(line: Line<'_>, width: usize) -> Line<'_> {
    let total: usize = line.spans.iter().map(|s| s.content.chars().count()).sum();
    if total <= width {
        return line;
    }
    let mut left = width.saturating_sub(1);
    let mut spans = Vec::new();
    for span in line.spans {
        if left == 0 {
            break;
        }
        let count = span.content.chars().count();
        if count <= left {
            left -= count;
            spans.push(span);
        } else {
            let kept: String = span.content.chars().take(left).collect();
            spans.push(Span::styled(kept, span.style));
            left = 0;
        }
    }
    let last_style = spans.last().map(|s| s.style).unwrap_or_default();
    spans.push(Span::styled("…", last_style));
    Line::from(spans).style(line.style)
}

/// Text in a block, wrapped, scrolled by `scroll` lines.
pub fn text(frame: &mut Frame, area: Rect, block: Block, lines: Vec<Line>, scroll: u16) {
    frame.render_widget(
        Paragraph::new(lines)
            .block(block)
            .wrap(Wrap { trim: false })
            .scroll((scroll, 0)),
        area,
    );
}

/// "label  value" with the label dimmed and padded to `width`.
/// A check's verdict as a glyph in its colour.
pub fn verdict(verdict: Verdict, theme: &Theme) -> (&'static str, Style) {
    match verdict {
        Verdict::Pass => ("✓", theme.success()),
        Verdict::Fail => ("✗", theme.failure()),
        Verdict::Skipped => ("·", theme.hint()),
    }
}

/// One check as a line: its verdict, its name in a column of `width`, what it found.
pub fn check_line<'a>(check: &Check, width: usize, theme: &Theme) -> Line<'a> {
    let (glyph, style) = verdict(check.verdict, theme);
    // A name as long as the column still gets a space before its detail.
    let name = if check.check.chars().count() >= width {
        format!("{} ", check.check)
    } else {
        format!("{:<width$}", check.check)
    };
    Line::from(vec![
        Span::styled(format!("{glyph} {name}"), style),
        Span::styled(check.detail.clone(), theme.text()),
    ])
}

pub fn kv<'a>(label: &str, width: usize, value: impl Into<Span<'a>>, theme: &Theme) -> Line<'a> {
    Line::from(vec![
        Span::styled(format!("{label:<width$} "), theme.hint()),
        value.into(),
    ])
}

/// A secret as shown: masked unless the user revealed secrets, in the secret colour.
pub fn secret<'a>(value: &str, reveal: bool, theme: &Theme) -> Span<'a> {
    let shown = if reveal {
        value.to_string()
    } else {
        mask(value)
    };
    Span::styled(shown, theme.secret())
}

/// Cuts `text` to `width` characters, ending with an ellipsis when cut.
pub fn ellipsize(text: &str, width: usize) -> String {
    if text.chars().count() <= width {
        return text.to_string();
    }
    let kept: String = text.chars().take(width.saturating_sub(1)).collect();
    format!("{kept}…")
}

/// "4m 12s", "2h 5m", "38s": a duration the way people say it.
pub fn duration_words(d: Duration) -> String {
    time::span_words(d.as_secs())
}

/// "in 4m 12s" or "3m 02s ago", relative to `now`.
pub fn relative(at: SystemTime, now: SystemTime) -> String {
    match at.duration_since(now) {
        Ok(ahead) => format!("in {}", duration_words(ahead)),
        Err(behind) => format!("{} ago", duration_words(behind.duration())),
    }
}

/// A milliseconds figure for timings.
pub fn millis(d: Duration) -> String {
    format!("{} ms", d.as_millis())
}

/// "2026-11-25 14:02:11 UTC". UTC because the app has no time zone database, and says so.
pub fn date_time(at: SystemTime) -> String {
    let secs = at.duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs());
    time::date_time_utc(i64::try_from(secs).unwrap_or(i64::MAX))
}

/// "14:02:11": the time of day in UTC, for log rows.
pub fn clock_time(at: SystemTime) -> String {
    let secs = at.duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs()) % 86_400;
    format!(
        "{:02}:{:02}:{:02}",
        secs / 3600,
        (secs % 3600) / 60,
        secs % 60
    )
}

pub use super::model::pretty_json;

/// Lines of `text`, each in `style`.
pub fn styled_lines<'a>(text: &str, style: Style) -> Vec<Line<'a>> {
    text.lines()
        .map(|l| Line::styled(l.to_string(), style))
        .collect()
}

/// A centred rectangle of at most `width` x `height` inside `area`.
pub fn centered(area: Rect, width: u16, height: u16) -> Rect {
    let w = width.min(area.width);
    let h = height.min(area.height);
    Rect::new(
        area.x + (area.width - w) / 2,
        area.y + (area.height - h) / 2,
        w,
        h,
    )
}

/// What the mock's sign-in or consent page asks, as a browser shows it: who asks, the
/// device code being approved, and the scopes as a list.
pub fn sign_in_request_lines<'a>(page: &Page, theme: &Theme) -> Vec<Line<'a>> {
    let mut lines = Vec::new();
    if let Some(client) = &page.client_name {
        lines.push(Line::from(vec![
            Span::styled(client.clone(), theme.title()),
            Span::styled(" wants to access your account.", theme.text()),
        ]));
    }
    if let Some(code) = &page.user_code {
        lines.push(Line::from(vec![
            Span::styled("Device code  ", theme.hint()),
            Span::styled(code.clone(), theme.title()),
        ]));
    }
    if page.scopes.is_empty() {
        lines.push(Line::styled("No scopes asked for.", theme.hint()));
    } else {
        lines.push(Line::styled("It asks for:", theme.hint()));
        lines.extend(
            page.scopes
                .iter()
                .map(|scope| Line::styled(format!("  • {scope}"), theme.text())),
        );
    }
    lines
}

/// Keys and what they do, styled as the footer styles them: `enter sign in · esc cancel`.
pub fn key_hints<'a>(keys: &[(&str, &str)], theme: &Theme) -> Line<'a> {
    let mut spans = Vec::new();
    for (i, (key, desc)) in keys.iter().enumerate() {
        let sep = if i + 1 < keys.len() { " ·" } else { "" };
        spans.push(Span::styled(format!(" {key}"), theme.accent()));
        spans.push(Span::styled(format!(" {desc}{sep}"), theme.hint()));
    }
    Line::from(spans)
}

/// The light margin drawn around a QR code, in modules. The standard asks for four; one,
/// with the code drawn dark on light, is what phone scanners need in practice, and it lets
/// the device code fit whole beside its QR at 80x24.
const QR_QUIET_MODULES: usize = 1;

/// A QR code of `data` as text lines in half blocks (`▀ ▄ █` and space: two modules per
/// cell row), for a phone to scan the device flow's verification URI. Dark modules are the
/// foreground: draw it black on white, as scanners need whatever the theme. `None` when the
/// data is too long for a QR code.
pub fn qr_lines(data: &str) -> Option<Vec<String>> {
    let code = qrcode::QrCode::with_error_correction_level(data, qrcode::EcLevel::L).ok()?;
    let width = code.width();
    let colors = code.to_colors();
    let side = width + 2 * QR_QUIET_MODULES;
    let dark = |x: usize, y: usize| {
        let (Some(x), Some(y)) = (
            x.checked_sub(QR_QUIET_MODULES),
            y.checked_sub(QR_QUIET_MODULES),
        ) else {
            return false;
        };
        x < width && y < width && colors[y * width + x] == qrcode::Color::Dark
    };
    let lines = (0..side)
        .step_by(2)
        .map(|y| {
            (0..side)
                .map(|x| match (dark(x, y), dark(x, y + 1)) {
                    (true, true) => '█',
                    (true, false) => '▀',
                    (false, true) => '▄',
                    (false, false) => ' ',
                })
                .collect()
        })
        .collect();
    Some(lines)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_selected_row_takes_the_selection_colours_over_its_spans() {
        use ratatui::style::Color;
        let selection = Style::new().fg(Color::Black).bg(Color::Cyan);
        let line = Line::from(vec![
            Span::styled("✓", Style::new().fg(Color::Green)),
            Span::styled(" Verify", Style::new().fg(Color::Gray)),
        ]);
        let line = highlighted(line, selection);
        for span in &line.spans {
            assert_eq!(span.style.fg, Some(Color::Black), "{span:?}");
            assert_eq!(span.style.bg, Some(Color::Cyan), "{span:?}");
        }
    }

    #[test]
    fn a_check_name_longer_than_its_column_keeps_a_space_before_the_detail() {
        let theme = Theme::built_in("dark").unwrap();
        let text = |check: &Check, width| -> String {
            check_line(check, width, &theme)
                .spans
                .iter()
                .map(|s| s.content.as_ref())
                .collect()
        };
        let long = Check::pass("code_challenge_methods_supported", "S256");
        assert_eq!(text(&long, 20), "✓ code_challenge_methods_supported S256");
        let short = Check::pass("iss", "matches");
        assert_eq!(text(&short, 6), "✓ iss   matches");
    }

    #[test]
    fn durations_read_like_speech() {
        assert_eq!(duration_words(Duration::from_secs(38)), "38s");
        assert_eq!(duration_words(Duration::from_secs(252)), "4m 12s");
        assert_eq!(duration_words(Duration::from_secs(7500)), "2h 05m");
        let now = UNIX_EPOCH + Duration::from_secs(1_000);
        assert_eq!(relative(now + Duration::from_secs(252), now), "in 4m 12s");
        assert_eq!(relative(now - Duration::from_secs(5), now), "5s ago");
    }

    #[test]
    fn dates_are_civil_utc() {
        assert_eq!(date_time(UNIX_EPOCH), "1970-01-01 00:00:00 UTC");
        // 2024-02-29 12:34:56 UTC, a leap day.
        assert_eq!(
            date_time(UNIX_EPOCH + Duration::from_secs(1_709_210_096)),
            "2024-02-29 12:34:56 UTC"
        );
    }

    #[test]
    fn qr_codes_are_square_blocks_of_half_blocks() {
        let data = "http://127.0.0.1:9000/device?user_code=BCDF-GHJK";
        let lines = qr_lines(data).unwrap();
        let width = lines[0].chars().count();
        assert!(lines.iter().all(|l| l.chars().count() == width));
        // Two modules per row: half as many lines as columns, rounded up.
        assert_eq!(lines.len(), width.div_ceil(2), "{}", lines.join("\n"));
        assert!(
            lines.concat().chars().all(|c| " ▀▄█".contains(c)),
            "{}",
            lines.join("\n")
        );
        // The module grid read back from the half blocks is the code's own.
        let code = qrcode::QrCode::with_error_correction_level(data, qrcode::EcLevel::L).unwrap();
        let colors = code.to_colors();
        for y in 0..code.width() {
            for x in 0..code.width() {
                let row = (y + QR_QUIET_MODULES) / 2;
                let cell = lines[row].chars().nth(x + QR_QUIET_MODULES).unwrap();
                let top = (y + QR_QUIET_MODULES).is_multiple_of(2);
                let dark = match cell {
                    '█' => true,
                    '▀' => top,
                    '▄' => !top,
                    _ => false,
                };
                assert_eq!(dark, colors[y * code.width() + x] == qrcode::Color::Dark);
            }
        }
        assert_eq!(qr_lines(&"x".repeat(8000)), None, "too long for a QR code");
    }

    #[test]
    fn lists_scroll_to_keep_the_selection_visible() {
        assert_eq!(window_start(2, 5), 0);
        assert_eq!(window_start(7, 5), 3);
        assert_eq!(ellipsize("authorization", 6), "autho…");
        assert_eq!(ellipsize("code", 6), "code");
        let cut = fit(Line::from(vec![Span::raw("abc"), Span::raw("defgh")]), 6);
        assert_eq!(cut.to_string(), "abcde…");
        assert_eq!(fit(Line::raw("abc"), 3).to_string(), "abc");
    }
}
