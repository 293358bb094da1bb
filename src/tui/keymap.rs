//! Keys as data. The shipped keymap (`keymap.toml`, compiled in) maps keys to [`Command`]s per
//! context; the footer hints and the help screen are generated from the same table, so they
//! stay true when the keymap changes.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use serde::Deserialize;

use super::action::Command;

const DEFAULT_KEYMAP: &str = include_str!("keymap.toml");

/// Where a binding works.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Context {
    Global,
    Servers,
    Clients,
    Flow,
    Exchanges,
    Tokens,
    /// The Mock panel, open over Servers.
    Mock,
    /// While a form, an editor or the in-terminal sign-in has the keyboard.
    Form,
}

/// One key: a code and the modifiers that matter (shift is folded into the character).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Key {
    code: KeyCode,
    ctrl: bool,
}

#[derive(Debug, Clone)]
pub struct Binding {
    pub keys: Vec<Key>,
    /// The keys as written in the keymap, for hints ("j/down").
    pub label: String,
    pub command: Command,
    pub desc: String,
    /// What the footer says, when `desc` is too long for it.
    pub short: Option<String>,
    pub context: Context,
    pub hint: bool,
}

impl Binding {
    /// The words the footer shows for it.
    pub fn footer_desc(&self) -> &str {
        self.short.as_deref().unwrap_or(&self.desc)
    }
}

#[derive(Debug, thiserror::Error)]
pub enum KeymapError {
    #[error("keymap: {0}")]
    Syntax(String),
    #[error("keymap: `{0}` is not a key (try \"a\", \"ctrl-s\", \"shift-tab\", \"enter\")")]
    BadKey(String),
}

#[derive(Deserialize)]
struct KeymapFile {
    bind: Vec<BindingFile>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct BindingFile {
    on: Vec<String>,
    run: Command,
    desc: String,
    #[serde(default)]
    short: Option<String>,
    #[serde(rename = "in")]
    context: Context,
    #[serde(default)]
    hint: bool,
}

#[derive(Debug, Clone)]
pub struct Keymap {
    bindings: Vec<Binding>,
}

impl Keymap {
    /// The shipped keymap. It is checked by a test, so a failure here is a build defect.
    pub fn default_keymap() -> Keymap {
        Keymap::parse(DEFAULT_KEYMAP).expect("the shipped keymap parses (see its test)")
    }

    pub fn parse(source: &str) -> Result<Keymap, KeymapError> {
        let file: KeymapFile =
            toml::from_str(source).map_err(|e| KeymapError::Syntax(e.message().to_string()))?;
        let bindings = file
            .bind
            .into_iter()
            .map(|b| {
                let keys =
                    b.on.iter()
                        .map(|k| parse_key(k).ok_or_else(|| KeymapError::BadKey(k.clone())))
                        .collect::<Result<Vec<_>, _>>()?;
                Ok(Binding {
                    keys,
                    label: b.on.join("/"),
                    command: b.run,
                    desc: b.desc,
                    short: b.short,
                    context: b.context,
                    hint: b.hint,
                })
            })
            .collect::<Result<Vec<_>, KeymapError>>()?;
        Ok(Keymap { bindings })
    }

    /// The command `event` runs in `context`. A pane's own bindings win over global ones;
    /// in a form only form bindings apply, so typed letters reach the form.
    pub fn lookup(&self, context: Context, event: &KeyEvent) -> Option<Command> {
        let key = Key::from_event(event);
        let find = |ctx: Context| {
            self.bindings
                .iter()
                .find(|b| b.context == ctx && b.keys.contains(&key))
                .map(|b| b.command)
        };
        match context {
            Context::Form => find(Context::Form),
            pane => find(pane).or_else(|| find(Context::Global)),
        }
    }

    /// The footer: the hinted bindings of `context`, then the hinted global ones.
    pub fn hints(&self, context: Context) -> Vec<(&str, &str)> {
        let mut own: Vec<(&str, &str)> = self
            .bindings
            .iter()
            .filter(|b| b.hint && b.context == context)
            .map(|b| (b.label.as_str(), b.footer_desc()))
            .collect();
        if context != Context::Form {
            own.extend(
                self.bindings
                    .iter()
                    .filter(|b| b.hint && b.context == Context::Global)
                    .map(|b| (b.label.as_str(), b.footer_desc())),
            );
        }
        own
    }

    /// Every binding of `context`, for the help screen.
    pub fn bindings_in(&self, context: Context) -> impl Iterator<Item = &Binding> {
        self.bindings.iter().filter(move |b| b.context == context)
    }
}

impl Key {
    fn from_event(event: &KeyEvent) -> Key {
        // Shift is not compared: it is already in the character ('G') or the code (BackTab).
        Key {
            code: event.code,
            ctrl: event.modifiers.contains(KeyModifiers::CONTROL),
        }
    }
}

fn parse_key(text: &str) -> Option<Key> {
    let (ctrl, rest) = match text.strip_prefix("ctrl-") {
        Some(rest) => (true, rest),
        None => (false, text),
    };
    let code = match rest {
        "enter" => KeyCode::Enter,
        "esc" => KeyCode::Esc,
        "tab" => KeyCode::Tab,
        "shift-tab" | "backtab" => KeyCode::BackTab,
        "up" => KeyCode::Up,
        "down" => KeyCode::Down,
        "left" => KeyCode::Left,
        "right" => KeyCode::Right,
        "home" => KeyCode::Home,
        "end" => KeyCode::End,
        "pageup" => KeyCode::PageUp,
        "pagedown" => KeyCode::PageDown,
        "delete" => KeyCode::Delete,
        "backspace" => KeyCode::Backspace,
        "space" => KeyCode::Char(' '),
        single => {
            let mut chars = single.chars();
            let c = chars.next()?;
            if chars.next().is_some() {
                return None;
            }
            KeyCode::Char(c)
        }
    };
    Some(Key { code, ctrl })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(code: KeyCode) -> KeyEvent {
        KeyEvent::new(code, KeyModifiers::NONE)
    }

    #[test]
    fn the_shipped_keymap_parses() {
        let map = Keymap::parse(DEFAULT_KEYMAP).unwrap();
        assert!(map.bindings.len() > 20);
    }

    #[test]
    fn pane_bindings_win_over_global_ones() {
        let map = Keymap::default_keymap();
        let enter = key(KeyCode::Enter);
        assert_eq!(map.lookup(Context::Flow, &enter), Some(Command::Activate));
        assert_eq!(
            map.lookup(Context::Exchanges, &key(KeyCode::Char('Y'))),
            Some(Command::CopyCurl)
        );
        assert_eq!(
            map.lookup(Context::Tokens, &key(KeyCode::Char('j'))),
            Some(Command::Down)
        );
    }

    #[test]
    fn forms_keep_letters_but_ctrl_c_always_quits() {
        let map = Keymap::default_keymap();
        assert_eq!(map.lookup(Context::Form, &key(KeyCode::Char('q'))), None);
        let ctrl_c = KeyEvent::new(KeyCode::Char('c'), KeyModifiers::CONTROL);
        for ctx in [Context::Form, Context::Servers, Context::Flow] {
            assert_eq!(map.lookup(ctx, &ctrl_c), Some(Command::Quit));
        }
    }

    #[test]
    fn hints_come_from_the_keymap() {
        let map = Keymap::default_keymap();
        let hints = map.hints(Context::Exchanges);
        assert!(hints.contains(&("Y", "copy as curl")));
        assert!(hints.contains(&("?", "help")));
    }

    #[test]
    fn bad_keys_and_commands_are_errors() {
        let bad_key = "[[bind]]\non=[\"ctrl-nope\"]\nrun=\"quit\"\ndesc=\"q\"\nin=\"global\"\n";
        assert!(matches!(
            Keymap::parse(bad_key),
            Err(KeymapError::BadKey(_))
        ));
        let bad_cmd = "[[bind]]\non=[\"q\"]\nrun=\"explode\"\ndesc=\"q\"\nin=\"global\"\n";
        assert!(matches!(
            Keymap::parse(bad_cmd),
            Err(KeymapError::Syntax(_))
        ));
    }
}
