//! Colour themes. Colours are named by the role they play (success, failure, waiting, secret,
//! selected...), never by hue, so a theme can change every hue without changing meaning.
//!
//! The shipped themes are `themes/*.toml`, compiled in. A user theme file names a `base`
//! theme and overrides single roles. With `NO_COLOR` set every role is the terminal's default
//! colour and selection is shown by reversing; status still reads through glyphs and words.

use std::collections::BTreeMap;
use std::path::Path;
use std::str::FromStr;

use ratatui::style::{Color, Modifier, Style};
use serde::Deserialize;

/// The shipped themes, in the order `t` cycles through them.
pub const BUILT_IN: [(&str, &str); 4] = [
    ("dark", include_str!("../../themes/dark.toml")),
    ("light", include_str!("../../themes/light.toml")),
    (
        "high-contrast",
        include_str!("../../themes/high-contrast.toml"),
    ),
    ("workshop", include_str!("../../themes/workshop.toml")),
];

#[derive(Debug, thiserror::Error, PartialEq)]
pub enum ThemeError {
    #[error("theme file {file}: {message}")]
    Syntax { file: String, message: String },
    #[error("theme file {file}: `{role}` is not a colour role (known roles: {known})")]
    UnknownRole {
        file: String,
        role: String,
        known: String,
    },
    #[error(
        "theme file {file}: `{role} = \"{value}\"` is not a colour (use a name like \"red\", \"#rrggbb\" or 0-255)"
    )]
    BadColor {
        file: String,
        role: String,
        value: String,
    },
    #[error("theme file {file}: base theme `{base}` does not exist (built in: {known})")]
    UnknownBase {
        file: String,
        base: String,
        known: String,
    },
    #[error("theme file {file}: the role `{role}` is missing")]
    MissingRole { file: String, role: String },
    #[error("theme file {file}: cannot be read: {message}")]
    Io { file: String, message: String },
}

/// Every colour role a theme defines. One list, so parsing, checking and docs agree.
pub const ROLES: [&str; 13] = [
    "background",
    "text",
    "hint",
    "title",
    "border",
    "border_focused",
    "selected_fg",
    "selected_bg",
    "success",
    "failure",
    "waiting",
    "secret",
    "accent",
];

#[derive(Debug, Clone, PartialEq)]
pub struct Theme {
    pub name: String,
    colors: [Color; ROLES.len()],
    /// Set under NO_COLOR: selection is shown by reversing instead of a colour.
    monochrome: bool,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ThemeFile {
    name: String,
    base: Option<String>,
    #[serde(default)]
    colors: BTreeMap<String, String>,
}

impl Theme {
    /// A shipped theme by name.
    pub fn built_in(name: &str) -> Option<Theme> {
        let (_, source) = BUILT_IN.iter().find(|(n, _)| *n == name)?;
        // The shipped files are checked by a test, so this only fails if that test fails.
        Theme::parse(source, &format!("themes/{name}.toml"), None).ok()
    }

    /// Every shipped theme, in cycling order.
    pub fn all_built_in() -> Vec<Theme> {
        BUILT_IN
            .iter()
            .filter_map(|(name, _)| Theme::built_in(name))
            .collect()
    }

    /// Parses a theme file. A file with a `base` (or any user file: `fallback_base`) starts
    /// from that theme and overrides single roles; a file without one must define every role.
    pub fn parse(
        source: &str,
        file: &str,
        fallback_base: Option<&str>,
    ) -> Result<Theme, ThemeError> {
        let parsed: ThemeFile = toml::from_str(source).map_err(|e| ThemeError::Syntax {
            file: file.to_string(),
            message: e.message().to_string(),
        })?;
        let base_name = parsed.base.as_deref().or(fallback_base);
        let mut theme = match base_name {
            Some(base) => Theme::built_in(base).ok_or_else(|| ThemeError::UnknownBase {
                file: file.to_string(),
                base: base.to_string(),
                known: built_in_names(),
            })?,
            None => {
                if let Some(missing) = ROLES.iter().find(|r| !parsed.colors.contains_key(**r)) {
                    return Err(ThemeError::MissingRole {
                        file: file.to_string(),
                        role: missing.to_string(),
                    });
                }
                Theme {
                    name: String::new(),
                    colors: [Color::Reset; ROLES.len()],
                    monochrome: false,
                }
            }
        };
        theme.name = parsed.name;
        for (role, value) in &parsed.colors {
            let index =
                ROLES
                    .iter()
                    .position(|r| r == role)
                    .ok_or_else(|| ThemeError::UnknownRole {
                        file: file.to_string(),
                        role: role.clone(),
                        known: ROLES.join(", "),
                    })?;
            theme.colors[index] = Color::from_str(value).map_err(|_| ThemeError::BadColor {
                file: file.to_string(),
                role: role.clone(),
                value: value.clone(),
            })?;
        }
        Ok(theme)
    }

    /// Reads a user theme file (overrides on top of `base`, or dark when it names none).
    pub fn load_user_file(path: &Path) -> Result<Theme, ThemeError> {
        let file = path.display().to_string();
        let source = std::fs::read_to_string(path).map_err(|e| ThemeError::Io {
            file: file.clone(),
            message: e.to_string(),
        })?;
        Theme::parse(&source, &file, Some("dark"))
    }

    /// The same theme with every colour dropped, for NO_COLOR (https://no-color.org).
    pub fn without_color(&self) -> Theme {
        Theme {
            name: self.name.clone(),
            colors: [Color::Reset; ROLES.len()],
            monochrome: true,
        }
    }

    fn color(&self, role: &str) -> Color {
        ROLES
            .iter()
            .position(|r| *r == role)
            .map_or(Color::Reset, |i| self.colors[i])
    }

    fn fg(&self, role: &str) -> Style {
        Style::new().fg(self.color(role))
    }

    pub fn base(&self) -> Style {
        Style::new()
            .fg(self.color("text"))
            .bg(self.color("background"))
    }
    pub fn text(&self) -> Style {
        self.fg("text")
    }
    pub fn hint(&self) -> Style {
        let style = self.fg("hint");
        if self.monochrome {
            style.add_modifier(Modifier::DIM)
        } else {
            style
        }
    }
    pub fn title(&self) -> Style {
        self.fg("title").add_modifier(Modifier::BOLD)
    }
    pub fn border(&self, focused: bool) -> Style {
        if focused {
            self.fg("border_focused").add_modifier(Modifier::BOLD)
        } else {
            self.fg("border")
        }
    }
    pub fn selected(&self) -> Style {
        if self.monochrome {
            Style::new().add_modifier(Modifier::REVERSED)
        } else {
            Style::new()
                .fg(self.color("selected_fg"))
                .bg(self.color("selected_bg"))
        }
    }
    pub fn success(&self) -> Style {
        self.fg("success")
    }
    pub fn failure(&self) -> Style {
        self.fg("failure").add_modifier(Modifier::BOLD)
    }
    pub fn waiting(&self) -> Style {
        self.fg("waiting")
    }
    pub fn secret(&self) -> Style {
        self.fg("secret")
    }
    pub fn accent(&self) -> Style {
        self.fg("accent")
    }
}

fn built_in_names() -> String {
    BUILT_IN
        .iter()
        .map(|(n, _)| *n)
        .collect::<Vec<_>>()
        .join(", ")
}

/// True when the user asked for no colour: NO_COLOR set to anything but the empty string.
pub fn no_color_requested() -> bool {
    std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_shipped_theme_parses_and_defines_every_role() {
        for (name, source) in BUILT_IN {
            let theme = Theme::parse(source, name, None)
                .unwrap_or_else(|e| panic!("shipped theme {name} does not parse: {e}"));
            assert_eq!(theme.name, name, "the file name and `name` must agree");
        }
        assert_eq!(Theme::all_built_in().len(), BUILT_IN.len());
    }

    #[test]
    fn a_user_file_overrides_single_roles() {
        let theme = Theme::parse(
            "name = \"mine\"\nbase = \"light\"\n[colors]\nsuccess = \"#00ff00\"\n",
            "mine.toml",
            None,
        )
        .unwrap();
        let light = Theme::built_in("light").unwrap();
        assert_eq!(theme.color("success"), Color::Rgb(0, 255, 0));
        assert_eq!(theme.color("failure"), light.color("failure"));
    }

    #[test]
    fn a_bad_colour_is_an_error_that_quotes_it() {
        let err = Theme::parse(
            "name = \"x\"\n[colors]\nsuccess = \"greenish\"\n",
            "x.toml",
            Some("dark"),
        )
        .unwrap_err();
        assert!(
            err.to_string().contains("`success = \"greenish\"`"),
            "{err}"
        );
    }

    #[test]
    fn unknown_roles_bases_and_syntax_errors_are_errors() {
        let role = Theme::parse(
            "name = \"x\"\n[colors]\nsucess = \"red\"\n",
            "x",
            Some("dark"),
        );
        assert!(matches!(role, Err(ThemeError::UnknownRole { .. })));
        let base = Theme::parse("name = \"x\"\nbase = \"nope\"\n", "x", None);
        assert!(matches!(base, Err(ThemeError::UnknownBase { .. })));
        let syntax = Theme::parse("name = ", "x", None);
        assert!(matches!(syntax, Err(ThemeError::Syntax { .. })));
        let missing = Theme::parse("name = \"x\"\n[colors]\ntext = \"red\"\n", "x", None);
        assert!(matches!(missing, Err(ThemeError::MissingRole { .. })));
    }

    #[test]
    fn no_color_keeps_selection_visible_by_reversing() {
        let plain = Theme::built_in("dark").unwrap().without_color();
        assert_eq!(plain.success().fg, Some(Color::Reset));
        assert!(plain.selected().add_modifier.contains(Modifier::REVERSED));
    }
}
