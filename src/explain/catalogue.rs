//! The catalogue's shape, how its files are read, and how names and error codes are found.

use serde::{Deserialize, Serialize};

/// Where a name appears: the same name can mean different things in different places
/// (`scope` sent as a parameter, returned as a field, carried as a claim).
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Deserialize, Serialize, clap::ValueEnum,
)]
#[serde(rename_all = "snake_case")]
pub enum Context {
    /// A request parameter (query, form body, or the redirect back to the client).
    Parameter,
    /// A member of a JSON response (token, metadata, registration, introspection...).
    Field,
    /// A JWT claim (ID token, JWT access token, userinfo).
    Claim,
    /// A JOSE header member or an HTTP header.
    Header,
}

impl Context {
    pub fn label(self) -> &'static str {
        match self {
            Context::Parameter => "parameter",
            Context::Field => "response field",
            Context::Claim => "claim",
            Context::Header => "header",
        }
    }

    /// The heading of a list of such names.
    pub fn heading(self) -> &'static str {
        match self {
            Context::Parameter => "Parameters",
            Context::Field => "Response fields",
            Context::Claim => "Claims",
            Context::Header => "Headers",
        }
    }
}

/// One parameter, field, claim or header.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Entry {
    pub name: String,
    /// Other spellings that mean the same thing (`S256` for the method's value...).
    #[serde(default)]
    pub aliases: Vec<String>,
    pub contexts: Vec<Context>,
    /// What it is for.
    pub purpose: String,
    /// What a client (or a person reading it) should check.
    pub check: String,
    /// What goes wrong without it, or when it is wrong.
    pub without: String,
    /// The spec sections that define it (`RFC 6749 §10.12`).
    pub spec: String,
}

impl Entry {
    fn answers_to(&self, name: &str) -> bool {
        self.name.eq_ignore_ascii_case(name)
            || self.aliases.iter().any(|a| a.eq_ignore_ascii_case(name))
    }

    /// The first sentence of the purpose, for lists.
    pub fn summary(&self) -> &str {
        match self.purpose.find(". ") {
            Some(end) => &self.purpose[..=end],
            None => &self.purpose,
        }
    }
}

/// Who defines an error code.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Vendor {
    /// The OAuth and OpenID Connect specifications.
    Standard,
    Entra,
    Okta,
    Auth0,
    Google,
}

impl Vendor {
    pub fn label(self) -> &'static str {
        match self {
            Vendor::Standard => "OAuth / OpenID Connect",
            Vendor::Entra => "Microsoft Entra ID",
            Vendor::Okta => "Okta",
            Vendor::Auth0 => "Auth0",
            Vendor::Google => "Google",
        }
    }
}

/// One error code, with what usually causes it and what to try.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct ErrorEntry {
    pub code: String,
    #[serde(default = "standard")]
    pub vendor: Vendor,
    /// Where it is defined (a spec section, or the vendor's error reference).
    pub spec: String,
    pub meaning: String,
    pub causes: Vec<String>,
    #[serde(rename = "try")]
    pub try_next: Vec<String>,
}

fn standard() -> Vendor {
    Vendor::Standard
}

/// How many causes and remedies the short hint under an error shows.
const HINT_ITEMS: usize = 2;

impl ErrorEntry {
    /// Two short lines to show under a failed step: the likeliest causes, then what to try.
    pub fn hint_lines(&self) -> Vec<String> {
        let short = |items: &[String]| {
            items
                .iter()
                .take(HINT_ITEMS)
                .map(String::as_str)
                .collect::<Vec<_>>()
                .join("; ")
        };
        vec![
            format!("likely causes ({}): {}", self.code, short(&self.causes)),
            format!("try: {}", short(&self.try_next)),
        ]
    }
}

/// Why a catalogue file is unusable.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum CatalogueError {
    #[error("{file}: {message}")]
    Syntax { file: String, message: String },
    #[error("{0}: an entry has an empty field")]
    Incomplete(String),
    #[error("{0} is explained twice in the same context")]
    Duplicate(String),
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    #[serde(default)]
    entry: Vec<Entry>,
    #[serde(default)]
    error: Vec<ErrorEntry>,
}

/// Every entry and error code, as read from the catalogue files.
#[derive(Debug, Clone)]
pub struct Catalogue {
    entries: Vec<Entry>,
    errors: Vec<ErrorEntry>,
}

impl Catalogue {
    /// Reads the files (name, text); errors name the file.
    pub fn parse(sources: &[(&str, &str)]) -> Result<Catalogue, CatalogueError> {
        let mut entries = Vec::new();
        let mut errors = Vec::new();
        for (file, text) in sources {
            let parsed: File = toml::from_str(text).map_err(|e| CatalogueError::Syntax {
                file: file.to_string(),
                message: e.message().to_string(),
            })?;
            entries.extend(parsed.entry);
            errors.extend(parsed.error);
        }
        // The standard meaning of a code comes before a vendor's reading of it.
        errors.sort_by_key(|e| e.vendor);
        Ok(Catalogue { entries, errors })
    }

    pub fn entries(&self) -> &[Entry] {
        &self.entries
    }

    pub fn errors(&self) -> &[ErrorEntry] {
        &self.errors
    }

    /// Every entry and error field filled in, and no name twice in one context.
    pub fn check_complete(&self) -> Result<(), CatalogueError> {
        for entry in &self.entries {
            let texts = [
                &entry.name,
                &entry.purpose,
                &entry.check,
                &entry.without,
                &entry.spec,
            ];
            if texts.iter().any(|t| t.trim().is_empty()) || entry.contexts.is_empty() {
                return Err(CatalogueError::Incomplete(entry.name.clone()));
            }
        }
        for (i, entry) in self.entries.iter().enumerate() {
            let clash = self.entries[i + 1..].iter().find(|other| {
                other.contexts.iter().any(|c| entry.contexts.contains(c))
                    && std::iter::once(&other.name)
                        .chain(&other.aliases)
                        .any(|n| entry.answers_to(n))
            });
            if clash.is_some() {
                return Err(CatalogueError::Duplicate(entry.name.clone()));
            }
        }
        for (i, error) in self.errors.iter().enumerate() {
            let texts = [&error.code, &error.spec, &error.meaning];
            if texts.iter().any(|t| t.trim().is_empty())
                || error
                    .causes
                    .iter()
                    .chain(&error.try_next)
                    .any(|t| t.trim().is_empty())
                || error.causes.is_empty()
                || error.try_next.is_empty()
            {
                return Err(CatalogueError::Incomplete(error.code.clone()));
            }
            let twice = self.errors[i + 1..]
                .iter()
                .any(|o| o.vendor == error.vendor && o.code.eq_ignore_ascii_case(&error.code));
            if twice {
                return Err(CatalogueError::Duplicate(error.code.clone()));
            }
        }
        Ok(())
    }

    /// The entries for `name` (or one of its aliases, any case), in one context or all.
    pub fn lookup(&self, name: &str, context: Option<Context>) -> Vec<&Entry> {
        let name = name.trim();
        self.entries
            .iter()
            .filter(|e| e.answers_to(name))
            .filter(|e| context.is_none_or(|c| e.contexts.contains(&c)))
            .collect()
    }

    /// Whether `name` has an entry in `context`.
    pub fn explains(&self, name: &str, context: Context) -> bool {
        !self.lookup(name, Some(context)).is_empty()
    }

    /// The error entries for exactly `code`, any case (the standard one first).
    pub fn error(&self, code: &str) -> Vec<&ErrorEntry> {
        let code = code.trim();
        self.errors
            .iter()
            .filter(|e| e.code.eq_ignore_ascii_case(code))
            .collect()
    }

    /// The error entries for a code, or for the first code found inside a pasted message
    /// ("AADSTS50011: The redirect URI … does not match", "error=invalid_grant&…"). Inside
    /// a message only code-shaped words count (with `_` or a digit), so the word
    /// "unauthorized" in "401 Unauthorized" is not read as a code.
    pub fn errors_in(&self, text: &str) -> Vec<&ErrorEntry> {
        let exact = self.error(text);
        if !exact.is_empty() {
            return exact;
        }
        text.split(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
            .filter(|word| word.contains('_') || word.chars().any(|c| c.is_ascii_digit()))
            .map(|word| self.error(word))
            .find(|found| !found.is_empty())
            .unwrap_or_default()
    }

    /// Every name, alias and code a user may ask for.
    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.entries
            .iter()
            .flat_map(|e| std::iter::once(&e.name).chain(&e.aliases))
            .chain(self.errors.iter().map(|e| &e.code))
            .map(String::as_str)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const ONE: &str = r#"
[[entry]]
name = "scope"
contexts = ["parameter", "claim"]
purpose = "What access is asked for. More."
check = "c"
without = "w"
spec = "RFC 6749 §3.3"

[[error]]
code = "invalid_grant"
spec = "RFC 6749 §5.2"
meaning = "m"
causes = ["the code was used", "it expired", "a third"]
try = ["start again"]

[[error]]
code = "AADSTS50011"
vendor = "entra"
spec = "Entra error codes"
meaning = "redirect URI mismatch"
causes = ["c"]
try = ["t"]
"#;

    fn one() -> Catalogue {
        Catalogue::parse(&[("one.toml", ONE)]).unwrap()
    }

    #[test]
    fn lookup_is_by_name_or_alias_in_any_case_and_context() {
        let c = one();
        assert_eq!(c.lookup("SCOPE", None).len(), 1);
        assert_eq!(c.lookup("scope", Some(Context::Claim)).len(), 1);
        assert!(c.lookup("scope", Some(Context::Field)).is_empty());
        assert_eq!(
            c.lookup("scope", None)[0].summary(),
            "What access is asked for."
        );
    }

    #[test]
    fn error_codes_are_found_alone_or_inside_a_message() {
        let c = one();
        assert_eq!(c.error("Invalid_Grant").len(), 1);
        assert_eq!(c.errors_in("aadsts50011").len(), 1);
        let pasted =
            "AADSTS50011: The redirect URI 'http://x' specified in the request does not match";
        assert_eq!(c.errors_in(pasted)[0].code, "AADSTS50011");
        assert_eq!(
            c.errors_in("error=invalid_grant&error_description=x")[0].code,
            "invalid_grant"
        );
        assert!(c.errors_in("nothing to see").is_empty());
    }

    #[test]
    fn hint_lines_keep_two_causes_and_the_remedies() {
        let c = one();
        let lines = c.error("invalid_grant")[0].hint_lines();
        assert_eq!(
            lines,
            [
                "likely causes (invalid_grant): the code was used; it expired",
                "try: start again"
            ]
        );
    }

    #[test]
    fn a_bad_file_is_named_and_gaps_or_twins_are_refused() {
        let err = Catalogue::parse(&[("bad.toml", "[[entry]]\nname = 1")]).unwrap_err();
        assert!(err.to_string().starts_with("bad.toml: "), "{err}");
        let empty = ONE.replace("check = \"c\"", "check = \" \"");
        let c = Catalogue::parse(&[("e.toml", &empty)]).unwrap();
        assert_eq!(
            c.check_complete(),
            Err(CatalogueError::Incomplete("scope".into()))
        );
        let twice = Catalogue::parse(&[("a.toml", ONE), ("b.toml", ONE)]).unwrap();
        assert!(matches!(
            twice.check_complete(),
            Err(CatalogueError::Duplicate(_))
        ));
    }
}
