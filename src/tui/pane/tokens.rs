//! Every token of the session (and pasted JWTs): when it came, when it expires, and in the
//! details its decoded header and claims with the signature and claim verdicts.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};

use std::time::SystemTime;

use crate::oauth::flow::refresh::Rotation;
use crate::oauth::flow::tokens::DecodedToken;
use crate::oauth::jwt::Verdict;
use crate::oauth::time;
use crate::tui::app::App;
use crate::tui::model::{Learnt, TokenEntry, TokenKind, TokenState};
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
                widgets::secret(token.value.secret(), app.ui.reveal, &theme),
                Span::raw("  "),
                standing_span(token, now, &theme),
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

/// The list's word on a token: what the server said when it said it is dead, else when it
/// expires.
fn standing_span<'a>(token: &TokenEntry, now: SystemTime, theme: &Theme) -> Span<'a> {
    match token.standing(now) {
        Some(learnt) if learnt.state.is_dead() && learnt.state != TokenState::Expired => {
            Span::styled(format!("✗ {}", learnt.state.word()), theme.failure())
        }
        _ => expiry_span(token, now, theme),
    }
}

fn expiry_span<'a>(token: &TokenEntry, now: SystemTime, theme: &Theme) -> Span<'a> {
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
    let standing = token.standing(now);
    let dead = standing.is_some_and(|l| l.state.is_dead());
    // What the server said comes first: it overrides everything the token itself claims.
    let mut lines: Vec<Line> = standing
        .map(|learnt| vec![standing_line(learnt, &theme), Line::raw("")])
        .unwrap_or_default();
    // Then what the refresh that brought it changed: it is what the user just did.
    if let Some(rotation) = &token.rotation {
        lines.extend(rotation_lines(token, rotation, &theme));
        lines.push(Line::raw(""));
    }
    let mut expiry = expiry_span(token, now, &theme);
    if dead {
        expiry = expiry.style(theme.hint());
    }
    lines.extend([
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
        Line::from(vec![Span::raw(" ".repeat(10)), expiry]),
        widgets::kv(
            "value",
            9,
            widgets::secret(token.value.secret(), app.ui.reveal, &theme),
            &theme,
        ),
    ]);
    if let Some(granted) = app.granted_details(token) {
        lines.push(Line::raw(""));
        lines.push(Line::styled(
            "granted authorization_details (RFC 9396 §7)",
            theme.title(),
        ));
        let pretty = serde_json::to_string_pretty(&granted).unwrap_or_default();
        // The server's words, escaped for the terminal.
        lines.extend(widgets::styled_lines(
            &crate::terminal_text::block(&pretty),
            theme.text(),
        ));
    }
    if let Some(decoded) = &token.decoded {
        lines.extend(checks_lines(decoded, Some((now, standing)), &theme));
        lines.push(Line::raw(""));
        lines.push(Line::styled("header", theme.title()));
        lines.extend(json_lines(&decoded.header, now, &theme));
        lines.push(Line::styled("claims", theme.title()));
        lines.extend(json_lines(&decoded.claims, now, &theme));
    } else {
        lines.push(Line::styled(
            "opaque: not a JWT, so only the server can say what it means (i introspects it)",
            theme.hint(),
        ));
    }
    widgets::text(frame, area, block, lines, app.ui.scroll);
}

/// Old → new after a refresh: whether the refresh token rotated, and the claims of this
/// token that differ from the one it replaced (times as dates).
fn rotation_lines<'a>(token: &TokenEntry, rotation: &Rotation, theme: &Theme) -> Vec<Line<'a>> {
    let refresh = match rotation.refresh_token_rotated {
        Some(true) => "rotated: a new one came, the old one is retired (RFC 9700 §4.14.2)",
        Some(false) => "not rotated: the server sent the same one back",
        None => "none came back: the old one stays in use (RFC 6749 §6)",
    };
    let mut lines = vec![
        Line::styled("refreshed · old → new", theme.title()),
        widgets::kv("  refresh", 9, Span::styled(refresh, theme.text()), theme),
    ];
    if token.kind == TokenKind::Refresh {
        return lines;
    }
    let changes = token.claim_changes();
    let what = if token.decoded.is_none() {
        "new; opaque, so no claims to compare".to_string()
    } else if changes.is_empty() {
        "new; no claim changed".to_string()
    } else {
        format!("new; {} claims changed:", changes.len())
    };
    lines.push(widgets::kv(
        &format!("  {}", token.kind.label()),
        9,
        Span::styled(what, theme.text()),
        theme,
    ));
    let width = changes.iter().map(|c| c.claim.len()).max().unwrap_or(0);
    for change in changes {
        let show = |v: &Option<serde_json::Value>| match v {
            None => "—".to_string(),
            Some(value) => match time_of(&change.claim, value) {
                Some(at) => widgets::date_time(at),
                None => value.to_string(),
            },
        };
        lines.push(Line::from(vec![
            Span::styled(format!("    {:<width$}  ", change.claim), theme.hint()),
            Span::styled(show(&change.before), theme.hint()),
            Span::styled(" → ", theme.hint()),
            Span::styled(show(&change.after), theme.text()),
        ]));
    }
    lines
}

/// A time claim's value as a time, when it is one and plausible.
fn time_of(claim: &str, value: &serde_json::Value) -> Option<SystemTime> {
    let claim = TIME_CLAIMS.iter().find(|c| **c == claim)?;
    time::numeric_date(claim, value).ok().map(time::system_time)
}

/// `✗ revoked 14:02:11 (by revocation, RFC 7009)`: the token's standing, when and how learnt.
fn standing_line<'a>(learnt: Learnt, theme: &Theme) -> Line<'a> {
    let (glyph, style) = if learnt.state.is_dead() {
        ("✗", theme.failure())
    } else {
        ("✓", theme.success())
    };
    Line::from(vec![
        Span::styled(
            format!(
                "{glyph} {} {}",
                learnt.state.word(),
                widgets::clock_time(learnt.at)
            ),
            style,
        ),
        Span::styled(format!(" ({})", learnt.state.how()), theme.hint()),
    ])
}

/// The engine's checks, one per line, in words: signature (which key, which alg) first, their
/// relative times counted from `now` so they tick like everything else on screen.
pub(crate) fn verification_lines<'a>(
    decoded: &DecodedToken,
    now: SystemTime,
    theme: &Theme,
) -> Vec<Line<'a>> {
    checks_lines(decoded, Some((now, None)), theme)
}

/// The checks of a token in the tokens pane, with their relative times counted from `now`
/// (so they tick with the list beside them) and, when the server or the clock has since
/// said it is dead, no "valid" verdict.
fn checks_lines<'a>(
    decoded: &DecodedToken,
    live: Option<(SystemTime, Option<Learnt>)>,
    theme: &Theme,
) -> Vec<Line<'a>> {
    let Some(verification) = &decoded.verification else {
        return vec![
            Line::raw(""),
            Line::styled(
                "· not verified yet (the flow's verify step checks it)",
                theme.hint(),
            ),
        ];
    };
    let standing = live.and_then(|(_, standing)| standing);
    let mut lines = vec![Line::raw("")];
    let (summary, style) = match standing.map(|l| l.state) {
        _ if !verification.is_valid() => ("✗ not valid", theme.failure()),
        Some(TokenState::Expired) => (
            "· signature and claims checked out when verified; it has expired since",
            theme.hint(),
        ),
        Some(state) if state.is_dead() => (
            "· signature and claims check out, but the server no longer accepts it",
            theme.hint(),
        ),
        _ => (
            "✓ valid: signature and every claim check pass",
            theme.success(),
        ),
    };
    lines.push(Line::styled(summary, style));
    for check in &verification.checks {
        let mut verdict = check.verdict;
        let mut detail = check.detail.clone();
        if let Some((now, _)) = live
            && let Some(at) = decoded
                .claims
                .get(check.check)
                .and_then(|v| time::numeric_date(check.check, v).ok())
                .map(time::system_time)
        {
            detail = live_relative(&detail, at, now);
            // An expiry that passed since the check ran fails now.
            if check.check == "exp" && verdict == Verdict::Pass && at <= now {
                verdict = Verdict::Fail;
                detail = detail.replacen("expires at", "expired at", 1);
            }
        }
        let (glyph, style) = widgets::verdict(verdict, theme);
        lines.push(Line::from(vec![
            Span::styled(format!("  {glyph} {:<10}", check.check), style),
            Span::styled(detail, theme.text()),
        ]));
    }
    lines
}

/// A check's detail with its relative time ("(in 59m 57s", "(3s ago") counted again from
/// `now`: the engine wrote it when the check ran, and the screen must not freeze it there.
fn live_relative(detail: &str, at: SystemTime, now: SystemTime) -> String {
    let Some(open) = detail.rfind(" (") else {
        return detail.to_string();
    };
    let inside = &detail[open + 2..];
    let end = inside.find([',', ')']).unwrap_or(inside.len());
    let part = &inside[..end];
    if !(part.starts_with("in ") || part.ends_with(" ago")) {
        return detail.to_string();
    }
    format!(
        "{} ({}{}",
        &detail[..open],
        widgets::relative(at, now),
        &inside[end..]
    )
}

/// Claims as `name  value`, times also as a date and relative ("in 4m 12s").
pub(crate) fn json_lines<'a>(
    map: &serde_json::Map<String, serde_json::Value>,
    now: SystemTime,
    theme: &Theme,
) -> Vec<Line<'a>> {
    let width = map.keys().map(String::len).max().unwrap_or(0);
    map.iter()
        .map(|(name, value)| {
            let mut spans = vec![
                Span::styled(format!("  {name:<width$}  "), theme.hint()),
                Span::styled(value.to_string(), theme.text()),
            ];
            if let Some(claim) = TIME_CLAIMS.iter().find(|c| **c == name) {
                let when = match time::numeric_date(claim, value) {
                    Ok(secs) => {
                        let at = time::system_time(secs);
                        format!(
                            "  {} ({})",
                            widgets::date_time(at),
                            widgets::relative(at, now)
                        )
                    }
                    Err(implausible) => format!("  ({implausible})"),
                };
                spans.push(Span::styled(when, theme.accent()));
            }
            Line::from(spans)
        })
        .collect()
}

/// Claims that hold a Unix time (RFC 7519 §4.1, OIDC Core §2).
const TIME_CLAIMS: [&str; 4] = ["exp", "iat", "nbf", "auth_time"];

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    #[test]
    fn relative_times_are_counted_from_now() {
        let at = SystemTime::UNIX_EPOCH + Duration::from_secs(10_000);
        let now = at - Duration::from_secs(252);
        assert_eq!(
            live_relative("expires at 1970-01-01T02:46:40Z (in 59m 57s)", at, now),
            "expires at 1970-01-01T02:46:40Z (in 4m 12s)"
        );
        let later = at + Duration::from_secs(5);
        assert_eq!(
            live_relative("issued at X (0s ago)", at, later),
            "issued at X (5s ago)"
        );
        assert_eq!(
            live_relative("expired at X (3s ago, beyond the 60 s skew)", at, later),
            "expired at X (5s ago, beyond the 60 s skew)"
        );
        // Nothing relative in it: left as the engine wrote it.
        assert_eq!(live_relative("valid since X", at, now), "valid since X");
        assert_eq!(
            live_relative("\"a\" (nothing to compare with)", at, now),
            "\"a\" (nothing to compare with)"
        );
    }
}
