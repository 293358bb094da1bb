//! The concept pages of the help overlay: one page per flow (when to use it, which clients
//! may, the security rules), written as data in `assets/concepts.toml` and compiled in, so
//! the words can change without touching code. The page's rows are laid out here, wrapped to
//! a width, so the overlay draws them and the update side knows how far they scroll.

use std::sync::LazyLock;

use serde::Deserialize;

use super::layout::wrap_indented;

/// One flow's page.
#[derive(Debug, Clone, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct Concept {
    pub title: String,
    pub when: String,
    pub clients: String,
    pub rules: Vec<String>,
    pub refs: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Catalogue {
    page: Vec<Concept>,
}

const SOURCE: &str = include_str!("../../assets/concepts.toml");

static PAGES: LazyLock<Result<Vec<Concept>, String>> = LazyLock::new(|| parse(SOURCE));

fn parse(source: &str) -> Result<Vec<Concept>, String> {
    toml::from_str::<Catalogue>(source)
        .map(|c| c.page)
        .map_err(|e| format!("assets/concepts.toml does not parse: {e}"))
}

/// The concept pages in order; an unreadable catalogue is a message, never a panic (a test
/// keeps the shipped one readable).
pub fn pages() -> Result<&'static [Concept], &'static str> {
    PAGES.as_deref().map_err(String::as_str)
}

/// What a row of a page is, for its style.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RowKind {
    Heading,
    Text,
    /// The references line.
    Reference,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Row {
    pub kind: RowKind,
    pub text: String,
}

impl Concept {
    /// The page as rows of at most `width` columns: each part under its heading, each rule
    /// a bullet with its continuation lines indented under the bullet's text.
    pub fn rows(&self, width: usize) -> Vec<Row> {
        let mut rows = Vec::new();
        let heading = |rows: &mut Vec<Row>, text: &str| {
            rows.push(Row {
                kind: RowKind::Heading,
                text: text.to_string(),
            })
        };
        heading(&mut rows, &self.title);
        rows.push(blank());
        heading(&mut rows, "When to use it");
        wrapped(&mut rows, &self.when, "  ", "  ", width, RowKind::Text);
        rows.push(blank());
        heading(&mut rows, "Which clients may");
        wrapped(&mut rows, &self.clients, "  ", "  ", width, RowKind::Text);
        rows.push(blank());
        heading(&mut rows, "Security rules");
        for rule in &self.rules {
            wrapped(&mut rows, rule, "  • ", "    ", width, RowKind::Text);
        }
        rows.push(blank());
        wrapped(
            &mut rows,
            &format!("Read: {}", self.refs),
            "",
            "      ",
            width,
            RowKind::Reference,
        );
        rows
    }
}

fn blank() -> Row {
    Row {
        kind: RowKind::Text,
        text: String::new(),
    }
}

/// `text` wrapped at word boundaries, the first row after `first`, the others after `rest`.
fn wrapped(rows: &mut Vec<Row>, text: &str, first: &str, rest: &str, width: usize, kind: RowKind) {
    rows.extend(
        wrap_indented(text, first, rest, width)
            .into_iter()
            .map(|text| Row { kind, text }),
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_shipped_catalogue_has_a_page_for_every_flow() {
        let titles: Vec<&str> = pages().unwrap().iter().map(|p| p.title.as_str()).collect();
        assert_eq!(
            titles,
            [
                "Authorization code + PKCE",
                "Pushed authorization requests (PAR)",
                "Device authorization",
                "Client credentials",
                "Refresh",
                "Introspection",
                "Revocation",
                "UserInfo",
                "Dynamic client registration",
                "MCP authorization",
                "JWT bearer grant",
                "Rich authorization and request objects",
            ]
        );
        for page in pages().unwrap() {
            assert!(!page.rules.is_empty(), "{} has no rules", page.title);
        }
    }

    #[test]
    fn rows_fit_the_width_and_indent_under_their_bullet() {
        let page = &pages().unwrap()[0];
        let rows = page.rows(40);
        assert!(
            rows.iter().all(|r| r.text.chars().count() <= 40),
            "{rows:?}"
        );
        let bullet = rows
            .iter()
            .position(|r| r.text.starts_with("  • "))
            .unwrap();
        assert!(rows[bullet + 1].text.starts_with("    "), "{rows:?}");
        assert_eq!(rows[0].kind, RowKind::Heading);
        assert_eq!(rows.last().unwrap().kind, RowKind::Reference);
    }

    #[test]
    fn a_bad_catalogue_is_an_error_naming_the_file() {
        let err = parse("[[page]]\ntitle = 1\n").unwrap_err();
        assert!(err.contains("assets/concepts.toml"), "{err}");
    }
}
