//! The token doctor: what is wrong or risky about a token, a server or a session of
//! exchanges, as findings in words. Each finding has a severity, a stable code scripts and
//! CI gates can match on, the evidence (claim values, parameter names, masked URLs: never a
//! token or another secret) and the RFC or BCP section it rests on.
//!
//! The doctor decides nothing from the network: its inputs are a decoded token with the
//! server's keys and metadata when known ([`token`]), the metadata alone ([`server`]), and
//! the steps and exchanges of a run ([`session`]), so the CLI, the terminal app and an
//! imported transcript ask the same rules.

pub mod server;
pub mod session;
pub mod token;

use serde::Serialize;

pub use server::diagnose_server;
pub use session::{Session, diagnose_session};
pub use token::{TokenContext, TokenUse, diagnose_token};

/// How much a finding matters. Ordered: `Info < Warning < Error`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    /// Worth knowing; not a fault by itself.
    Info,
    /// Against a best practice: works today, but weakens the deployment.
    Warning,
    /// Against a MUST of the specification, or a token that must be refused.
    Error,
}

impl Severity {
    pub fn name(self) -> &'static str {
        match self {
            Severity::Info => "info",
            Severity::Warning => "warning",
            Severity::Error => "error",
        }
    }
}

impl std::str::FromStr for Severity {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        [Severity::Info, Severity::Warning, Severity::Error]
            .into_iter()
            .find(|s| s.name().eq_ignore_ascii_case(text))
            .ok_or_else(|| format!("{text:?} is not a severity: info, warning or error"))
    }
}

/// One thing the doctor noticed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Finding {
    pub severity: Severity,
    /// Stable, kebab-case (`alg-none`, `no-pkce`): scripts match on it.
    pub code: &'static str,
    /// What is wrong and why it matters, in words.
    pub message: String,
    /// The names and values it was seen in (claim values, parameter names, masked URLs).
    pub evidence: Vec<(String, String)>,
    /// The section of the RFC or BCP the finding rests on.
    pub reference: &'static str,
}

impl Finding {
    fn new(
        severity: Severity,
        code: &'static str,
        reference: &'static str,
        message: impl Into<String>,
    ) -> Self {
        Finding {
            severity,
            code,
            message: message.into(),
            evidence: Vec::new(),
            reference,
        }
    }

    fn with(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.evidence.push((name.into(), value.into()));
        self
    }
}

/// The most severe finding's severity, if any.
pub fn worst(findings: &[Finding]) -> Option<Severity> {
    findings.iter().map(|f| f.severity).max()
}

/// Every code the doctor can report, for the catalogue and for the tests that each is
/// reachable.
pub const CODES: &[&str] = &[
    "alg-none",
    "hs-from-public-issuer",
    "rsa-key-short",
    "signature-invalid",
    "expired",
    "bad-date",
    "no-exp",
    "long-lived-access-token",
    "no-aud",
    "aud-not-api",
    "iat-in-future",
    "kid-missing",
    "kid-not-in-jwks",
    "token-type-confusion",
    "bearer-in-url",
    "no-pkce",
    "plain-pkce",
    "no-state",
    "refresh-not-rotated",
    "implicit-offered",
    "password-offered",
    "no-iss-parameter",
    "scope-wider-than-asked",
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn severities_order_from_info_to_error() {
        assert!(Severity::Info < Severity::Warning && Severity::Warning < Severity::Error);
        let f = |s| Finding::new(s, "x", "RFC 0", "m");
        assert_eq!(
            worst(&[f(Severity::Warning), f(Severity::Info)]),
            Some(Severity::Warning)
        );
        assert_eq!(worst(&[]), None);
        assert_eq!("Warning".parse(), Ok(Severity::Warning));
        assert!("fatal".parse::<Severity>().is_err());
    }
}
