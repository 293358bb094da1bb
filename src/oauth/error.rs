//! The engine's errors: typed, readable, and naming the rule that failed.
//!
//! Every error a user can meet on a step lands here, from "the server hung" to "the `state`
//! that came back is not the one we sent". `Display` is one line in plain words, so the CLI
//! can print it as its exit reason and the TUI can show it on the failed step.

use thiserror::Error;

use super::send_policy::SendRefusal;

/// Anything that can go wrong while the engine talks to a server or checks what it said.
#[derive(Debug, Clone, Error, PartialEq)]
pub enum EngineError {
    /// No response arrived: connection refused, timeout, TLS failure, truncated body...
    #[error("{0}")]
    Transport(String),

    /// The server answered with a redirect. Redirects are never followed: an OAuth endpoint
    /// answers directly, and following them blindly is an SSRF and token-leak risk.
    #[error("the server answered {status} redirecting to {location}; redirects are not followed")]
    Redirect { status: u16, location: String },

    /// The server answered with an OAuth error document (RFC 6749 §5.2).
    #[error("the server refused ({status}): {error}{}", description.as_deref().map(|d| format!(" — {d}")).unwrap_or_default())]
    OAuth {
        status: u16,
        error: String,
        description: Option<String>,
    },

    /// The authorization server sent the user back with an error (RFC 6749 §4.1.2.1).
    #[error("the authorization was refused: {error}{}", description.as_deref().map(|d| format!(" — {d}")).unwrap_or_default())]
    Authorization {
        error: String,
        description: Option<String>,
    },

    /// A non-success status with a body that is not an OAuth error (an HTML error page...).
    #[error("the server answered {status} {reason}: {snippet}")]
    Status {
        status: u16,
        reason: String,
        snippet: String,
    },

    /// A success status whose body is not JSON.
    #[error("expected a JSON response but got {content_type}: {snippet}")]
    NotJson {
        content_type: String,
        snippet: String,
    },

    /// JSON that does not have the shape the specification requires.
    #[error("the response is JSON but not a valid {what}: {detail}")]
    WrongShape { what: String, detail: String },

    /// A protocol rule was broken (issuer mismatch, state mismatch, ...). `rule` cites the RFC.
    #[error("{message} ({rule})")]
    Protocol { rule: String, message: String },

    /// The caller asked for something the configuration cannot provide
    /// (no token endpoint, an invalid URL, ...).
    #[error("{0}")]
    Config(String),

    /// A token could not be decoded or verified.
    #[error("{0}")]
    Jwt(String),

    /// The local redirect listener or the browser opener failed.
    #[error("{0}")]
    Local(String),

    /// The send policy kept a request with credentials from going out
    /// ([`crate::oauth::send_policy`]). Nothing was sent.
    #[error(transparent)]
    Refused(#[from] SendRefusal),

    /// An error with advice on what to try next (a known server quirk that may be the cause).
    #[error("{error}; {hint}")]
    Hinted {
        error: Box<EngineError>,
        hint: String,
    },
}

impl EngineError {
    pub fn protocol(rule: &str, message: impl Into<String>) -> Self {
        EngineError::Protocol {
            rule: rule.to_string(),
            message: message.into(),
        }
    }

    pub fn config(message: impl Into<String>) -> Self {
        EngineError::Config(message.into())
    }

    /// The OAuth `error` code, when the server sent one.
    pub fn oauth_code(&self) -> Option<&str> {
        match self {
            EngineError::OAuth { error, .. } | EngineError::Authorization { error, .. } => {
                Some(error)
            }
            EngineError::Hinted { error, .. } => error.oauth_code(),
            _ => None,
        }
    }

    /// A stable code for scripts: what kind of failure this is, whatever its words.
    pub fn code(&self) -> &'static str {
        match self {
            EngineError::Transport(_) => "transport",
            EngineError::Redirect { .. } => "redirect",
            EngineError::OAuth { .. } => "oauth_error",
            EngineError::Authorization { .. } => "authorization_error",
            EngineError::Status { .. } => "http_status",
            EngineError::NotJson { .. } => "not_json",
            EngineError::WrongShape { .. } => "wrong_shape",
            EngineError::Protocol { .. } => "protocol",
            EngineError::Config(_) => "config",
            EngineError::Jwt(_) => "jwt",
            EngineError::Local(_) => "local",
            EngineError::Refused(refusal) => refusal.rule.code(),
            EngineError::Hinted { error, .. } => error.code(),
        }
    }

    /// The send policy's refusal, when that is what stopped the request.
    pub fn refusal(&self) -> Option<&SendRefusal> {
        match self {
            EngineError::Refused(refusal) => Some(refusal),
            EngineError::Hinted { error, .. } => error.refusal(),
            _ => None,
        }
    }
}

/// Cuts text to a length that fits on one line of an error message.
pub(crate) fn snippet(text: &str) -> String {
    const LIMIT: usize = 120;
    let flat: String = text
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    let flat = flat.split_whitespace().collect::<Vec<_>>().join(" ");
    if flat.is_empty() {
        return "(empty body)".to_string();
    }
    if flat.chars().count() > LIMIT {
        let cut: String = flat.chars().take(LIMIT).collect();
        format!("{cut}…")
    } else {
        flat
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn oauth_error_reads_as_one_line() {
        let err = EngineError::OAuth {
            status: 400,
            error: "invalid_grant".into(),
            description: Some("code already used".into()),
        };
        assert_eq!(
            err.to_string(),
            "the server refused (400): invalid_grant — code already used"
        );
        assert_eq!(err.oauth_code(), Some("invalid_grant"));
    }

    #[test]
    fn snippet_flattens_and_cuts() {
        assert_eq!(snippet("<h1>\n Oops </h1>"), "<h1> Oops </h1>");
        assert_eq!(snippet(""), "(empty body)");
        assert!(snippet(&"x".repeat(500)).ends_with('…'));
    }
}
