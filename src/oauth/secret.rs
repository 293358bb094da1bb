//! Secrets: one redacting type for values that must not be printed, one rule for which
//! protocol names carry a secret, and one mask for showing them.
//!
//! [`Secret`] is modelled on the `oauth2` crate's secret newtypes: `Debug` prints the kind of
//! thing it is and its length, never the value; `.secret()` reads it. The rule
//! ([`is_secret_name`]) is the single list every face asks (TUI, CLI text and `--json`, MCP
//! summaries, copy-as-curl), and [`mask`] is how a masked value looks everywhere.

use std::fmt;

use serde::{Deserialize, Serialize};

/// Parameter and JSON member names whose values are secrets wherever they appear: in a query,
/// a form body, a JSON document (request or response) or a redirect URL.
///
/// `state` and `nonce` are left out on purpose: they protect against replay rather than grant
/// access, and users debugging a state mismatch need to see them.
const SECRET_NAMES: &[&str] = &[
    "client_secret",
    "code",
    "code_verifier",
    "refresh_token",
    "access_token",
    "id_token",
    "token",
    "device_code",
    "password",
    "client_assertion",
    "assertion",
    "id_token_hint",
    "subject_token",
    "actor_token",
    "registration_access_token",
];

/// True when a parameter or member called `name` holds a secret (case-insensitive).
pub fn is_secret_name(name: &str) -> bool {
    SECRET_NAMES.iter().any(|s| s.eq_ignore_ascii_case(name))
}

/// How many leading characters of a long value a mask may show (a JWT's `eyJhbG`).
const PREFIX_CHARS: usize = 6;
/// Values shorter than this never show a prefix: six characters of a short secret are too
/// much of it.
const PREFIX_MIN_LEN: usize = 32;

/// What a masked secret looks like: its length and, for long values, a short prefix so a user
/// can tell tokens apart: `eyJhbG…••• (812 chars)`, `•••••• (11 chars)`.
///
/// The prefix is shown only when it is plain token characters (letters, digits, `-_.`), so a
/// mask can be written into a URL, form or header as is, without escaping.
pub fn mask(secret: &str) -> String {
    mask_with(secret, true)
}

fn mask_with(secret: &str, allow_prefix: bool) -> String {
    let len = secret.chars().count();
    let unit = if len == 1 { "char" } else { "chars" };
    let prefix: String = secret.chars().take(PREFIX_CHARS).collect();
    let plain = prefix
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'));
    if allow_prefix && len >= PREFIX_MIN_LEN && plain {
        format!("{prefix}…••• ({len} {unit})")
    } else {
        format!("•••••• ({len} {unit})")
    }
}

/// An `Authorization`-style header value with its credential masked, the scheme kept.
pub fn mask_credential(value: &str) -> String {
    match value.split_once(' ') {
        // A Basic credential is the client id and secret in Base64: no prefix of it is shown.
        Some((scheme, credential)) if !scheme.is_empty() => {
            let basic = scheme.eq_ignore_ascii_case("basic");
            format!("{scheme} {}", mask_with(credential.trim(), !basic))
        }
        _ => mask(value),
    }
}

/// A secret value: a client secret, token, code, verifier or key. `Debug` redacts it.
#[derive(Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Secret(String);

impl Secret {
    pub fn new(value: impl Into<String>) -> Self {
        Secret(value.into())
    }

    /// The value itself: call only where it is sent, verified or deliberately revealed.
    pub fn secret(&self) -> &str {
        &self.0
    }

    pub fn into_secret(self) -> String {
        self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Secret([redacted], {} chars)", self.0.chars().count())
    }
}

/// A secret in a JSON schema (an MCP tool's arguments) is a plain string.
impl schemars::JsonSchema for Secret {
    fn inline_schema() -> bool {
        true
    }

    fn schema_name() -> std::borrow::Cow<'static, str> {
        String::schema_name()
    }

    fn schema_id() -> std::borrow::Cow<'static, str> {
        String::schema_id()
    }

    fn json_schema(generator: &mut schemars::SchemaGenerator) -> schemars::Schema {
        String::json_schema(generator)
    }
}

impl From<String> for Secret {
    fn from(value: String) -> Self {
        Secret(value)
    }
}

impl From<&str> for Secret {
    fn from(value: &str) -> Self {
        Secret(value.to_string())
    }
}

/// A stand-in for a secret field in a hand-written `Debug`: `[redacted]` and the length.
pub fn redacted(value: &str) -> String {
    format!("[redacted, {} chars]", value.chars().count())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_secrets_show_only_their_length() {
        assert_eq!(mask("demo-secret"), "•••••• (11 chars)");
        assert_eq!(mask("abc"), "•••••• (3 chars)");
        assert_eq!(mask("x"), "•••••• (1 char)");
    }

    #[test]
    fn long_tokens_show_a_short_prefix() {
        let jwt = format!("eyJhbGciOiJSUzI1NiJ9.{}", "a".repeat(40));
        assert_eq!(mask(&jwt), "eyJhbG…••• (61 chars)");
        // A prefix with characters that would need escaping is not shown.
        assert_eq!(mask(&"a&b=c/".repeat(8)), "•••••• (48 chars)");
    }

    #[test]
    fn credentials_keep_their_scheme() {
        assert_eq!(mask_credential("Basic YTpi"), "Basic •••••• (4 chars)");
        assert_eq!(mask_credential("opaque"), "•••••• (6 chars)");
        let long = "ZGVtby1jbGllbnQ6ZGVtby1zZWNyZXQtdmFsdWU=";
        assert_eq!(
            mask_credential(&format!("Basic {long}")),
            "Basic •••••• (40 chars)"
        );
        assert_eq!(
            mask_credential(&format!("Bearer {long}")),
            "Bearer ZGVtby…••• (40 chars)"
        );
    }

    #[test]
    fn debug_prints_the_length_not_the_value() {
        let s = Secret::new("s3cr/t+v4lue==");
        let shown = format!("{s:?}");
        assert!(!shown.contains("s3cr"), "{shown}");
        assert_eq!(shown, "Secret([redacted], 14 chars)");
        assert_eq!(s.secret(), "s3cr/t+v4lue==");
    }

    #[test]
    fn the_rule_ignores_case_and_spares_state() {
        assert!(is_secret_name("Client_Secret"));
        assert!(is_secret_name("id_token"));
        assert!(!is_secret_name("state"));
        assert!(!is_secret_name("client_id"));
    }
}
