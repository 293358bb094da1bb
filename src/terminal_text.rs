//! Text from a server made safe to print on a terminal.
//!
//! A server under test controls error bodies, metadata strings, `error_description` and JWT
//! payloads. Printed raw, an escape sequence in them can rewrite the clipboard (OSC 52), set the
//! window title or clear the screen, and a bidi override can make a URL read as another. So
//! everything the CLI prints passes [`block`] (in `write_line`), which shows every control and
//! spoofing character as a visible escape (`\x1b`, `\u{202e}`) and keeps only line breaks and
//! tabs. A server string inside one line of output also passes [`one_line`], which escapes
//! those too, so it cannot start lines that look like oauthscope's own output; the terminal
//! app's sequence diagram labels pass it as well.

use std::borrow::Cow;
use std::fmt::Write as _;

/// Text that may span lines (a body, pretty JSON, a whole output line): every control or
/// invisible formatting character escaped except `\n` and `\t`.
pub fn block(text: &str) -> Cow<'_, str> {
    escape(text, |c| c == '\n' || c == '\t')
}

/// A value shown within one line (a URL, an `error_description`, a reason): line breaks and
/// tabs escaped too.
pub fn one_line(text: &str) -> Cow<'_, str> {
    escape(text, |_| false)
}

fn escape(text: &str, keep: impl Fn(char) -> bool) -> Cow<'_, str> {
    if !text.chars().any(|c| is_unsafe(c) && !keep(c)) {
        return Cow::Borrowed(text);
    }
    let mut shown = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        if !is_unsafe(c) || keep(c) {
            shown.push(c);
            continue;
        }
        match c {
            '\n' => shown.push_str("\\n"),
            '\t' => shown.push_str("\\t"),
            '\r' => shown.push_str("\\r"),
            c if u32::from(c) < 0x80 => {
                let _ = write!(shown, "\\x{:02x}", u32::from(c));
            }
            c => {
                let _ = write!(shown, "\\u{{{:x}}}", u32::from(c));
            }
        }
    }
    Cow::Owned(shown)
}

/// Characters a terminal acts on or that change how the text around them reads.
fn is_unsafe(c: char) -> bool {
    matches!(c,
        // C0 controls (ESC among them) and DEL; C1 controls (CSI, OSC and ST as one byte each).
        '\u{0}'..='\u{1f}' | '\u{7f}'..='\u{9f}'
        // Arabic letter mark; zero-width space, joiners and directional marks.
        | '\u{61c}' | '\u{200b}'..='\u{200f}'
        // Line and paragraph separators; bidi embeddings and overrides.
        | '\u{2028}'..='\u{202e}'
        // Word joiner, invisible operators; bidi isolates; deprecated format controls.
        | '\u{2060}'..='\u{206f}'
        // Byte order mark (zero-width no-break space); interlinear annotation.
        | '\u{feff}' | '\u{fff9}'..='\u{fffb}')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escape_sequences_are_shown_not_sent() {
        // OSC 52 (clipboard), a title change and a screen clear.
        let hostile = "a\x1b]52;c;aGk=\x07b\x1b]0;pwned\x1b\\c\x1b[2J";
        let shown = block(hostile);
        assert_eq!(shown, "a\\x1b]52;c;aGk=\\x07b\\x1b]0;pwned\\x1b\\c\\x1b[2J");
        assert!(!shown.contains('\x1b'));
    }

    #[test]
    fn c1_controls_del_and_carriage_return_are_escaped() {
        assert_eq!(
            block("\u{9b}2J\u{9d}0;x\u{9c}"),
            "\\u{9b}2J\\u{9d}0;x\\u{9c}"
        );
        assert_eq!(block("a\x7fb"), "a\\x7fb");
        assert_eq!(block("ok\rfake"), "ok\\rfake");
        assert_eq!(block("\0"), "\\x00");
    }

    #[test]
    fn bidi_overrides_and_invisible_characters_are_escaped() {
        let spoof = "https://example.com/\u{202e}lmth.exe\u{2066}\u{200b}\u{feff}\u{2028}";
        assert_eq!(
            one_line(spoof),
            "https://example.com/\\u{202e}lmth.exe\\u{2066}\\u{200b}\\u{feff}\\u{2028}"
        );
    }

    #[test]
    fn blocks_keep_line_breaks_and_tabs_single_lines_do_not() {
        let text = "first\n\tsecond";
        assert_eq!(block(text), text);
        assert_eq!(one_line(text), "first\\n\\tsecond");
        assert_eq!(
            one_line("bad\n✓ 2. Token request"),
            "bad\\n✓ 2. Token request"
        );
    }

    #[test]
    fn ordinary_text_is_borrowed_unchanged() {
        let text = "café ✓ → 東京 \\x1b (a literal backslash stays)";
        assert!(matches!(block(text), Cow::Borrowed(_)));
        assert!(matches!(one_line(text), Cow::Borrowed(_)));
    }

    #[test]
    fn no_unsafe_character_survives_either_mode() {
        for code in (0u32..0x3000).chain(0xfe00..0x10000) {
            let Some(c) = char::from_u32(code) else {
                continue;
            };
            let text = c.to_string();
            for shown in [block(&text), one_line(&text)] {
                let leaked = shown
                    .chars()
                    .any(|s| is_unsafe(s) && s != '\n' && s != '\t');
                assert!(!leaked, "U+{code:04X} reached the terminal");
            }
            assert!(!one_line(&text).contains(['\n', '\t']));
        }
    }
}
