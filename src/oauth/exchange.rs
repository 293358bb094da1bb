//! One HTTP request and its response, as the user sees it: the unit of evidence.
//!
//! Every request the engine sends is recorded as an [`Exchange`]. Secret values (client
//! secrets, tokens, codes, verifiers) are listed in `secrets` so the UI masks them and
//! exports redact them unless the user asks otherwise.

use std::time::{Duration, SystemTime};

use serde::Serialize;

/// What a masked secret looks like: a short prefix, so a user can tell tokens apart, then dots.
pub fn mask(secret: &str) -> String {
    let prefix: String = secret.chars().take(8).collect();
    if secret.chars().count() <= 8 {
        "•••".to_string()
    } else {
        format!("{prefix}…•••")
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct Exchange {
    pub started_at: SystemTime,
    pub method: String,
    pub url: String,
    pub request_headers: Vec<(String, String)>,
    pub request_body: Option<String>,
    /// `None` when no response arrived (connection refused, timeout...): see `error`.
    pub status: Option<u16>,
    pub response_headers: Vec<(String, String)>,
    pub response_body: Option<String>,
    pub duration: Duration,
    pub error: Option<String>,
    /// Secret values that appear somewhere in this exchange. Never serialized.
    #[serde(skip)]
    pub secrets: Vec<String>,
}

impl Exchange {
    pub fn new(method: impl Into<String>, url: impl Into<String>) -> Self {
        Exchange {
            started_at: SystemTime::now(),
            method: method.into(),
            url: url.into(),
            request_headers: Vec::new(),
            request_body: None,
            status: None,
            response_headers: Vec::new(),
            response_body: None,
            duration: Duration::ZERO,
            error: None,
            secrets: Vec::new(),
        }
    }

    /// Marks a value as secret, so views and exports of this exchange mask it.
    pub fn mark_secret(&mut self, value: &str) {
        if value.len() >= 4 && !self.secrets.iter().any(|s| s == value) {
            self.secrets.push(value.to_string());
        }
    }

    /// Replaces every marked secret in `text` by its mask (longest first, so a secret that
    /// contains another is masked whole).
    pub fn redact(&self, text: &str) -> String {
        let mut secrets: Vec<&String> = self.secrets.iter().collect();
        secrets.sort_by_key(|s| std::cmp::Reverse(s.len()));
        let mut out = text.to_string();
        for secret in secrets {
            out = out.replace(secret.as_str(), &mask(secret));
        }
        out
    }

    /// A copy with every secret masked in the URL, headers and bodies: safe to show or export.
    pub fn redacted(&self) -> Exchange {
        let headers = |hs: &[(String, String)]| {
            hs.iter()
                .map(|(k, v)| (k.clone(), self.redact(v)))
                .collect::<Vec<_>>()
        };
        Exchange {
            url: self.redact(&self.url),
            request_headers: headers(&self.request_headers),
            request_body: self.request_body.as_deref().map(|b| self.redact(b)),
            response_headers: headers(&self.response_headers),
            response_body: self.response_body.as_deref().map(|b| self.redact(b)),
            error: self.error.as_deref().map(|e| self.redact(e)),
            secrets: Vec::new(),
            ..self.clone()
        }
    }

    /// The request as a curl command a user can paste into a shell.
    /// With `reveal == false` secrets are masked (the command then will not work as is).
    pub fn to_curl(&self, reveal: bool) -> String {
        let shown = if reveal {
            self.clone()
        } else {
            self.redacted()
        };
        let mut cmd = String::from("curl");
        if shown.method != "GET" {
            cmd.push_str(&format!(" -X {}", shown.method));
        }
        cmd.push(' ');
        cmd.push_str(&shell_quote(&shown.url));
        for (name, value) in &shown.request_headers {
            cmd.push_str(&format!(
                " \\\n  -H {}",
                shell_quote(&format!("{name}: {value}"))
            ));
        }
        if let Some(body) = &shown.request_body {
            cmd.push_str(&format!(" \\\n  --data-raw {}", shell_quote(body)));
        }
        cmd
    }

    /// True when a response arrived with a 2xx status.
    pub fn is_success(&self) -> bool {
        matches!(self.status, Some(200..=299))
    }

    /// The response header `name` (case-insensitive), if present.
    pub fn response_header(&self, name: &str) -> Option<&str> {
        self.response_headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

/// Single-quotes a string for POSIX shells.
fn shell_quote(s: &str) -> String {
    format!("'{}'", s.replace('\'', r"'\''"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn token_exchange() -> Exchange {
        let mut ex = Exchange::new("POST", "http://127.0.0.1:9000/token");
        ex.request_headers.push((
            "Content-Type".into(),
            "application/x-www-form-urlencoded".into(),
        ));
        ex.request_body = Some("grant_type=authorization_code&code=SECRETCODE123".into());
        ex.mark_secret("SECRETCODE123");
        ex
    }

    #[test]
    fn curl_masks_secrets_unless_revealed() {
        let ex = token_exchange();
        let masked = ex.to_curl(false);
        assert!(!masked.contains("SECRETCODE123"), "{masked}");
        assert!(masked.contains("SECRETCO…•••"), "{masked}");
        assert!(masked.starts_with("curl -X POST 'http://127.0.0.1:9000/token'"));
        assert!(ex.to_curl(true).contains("code=SECRETCODE123"));
    }

    #[test]
    fn curl_quotes_single_quotes() {
        let mut ex = Exchange::new("GET", "http://h/x?a='b'");
        ex.request_body = None;
        assert_eq!(ex.to_curl(true), r"curl 'http://h/x?a='\''b'\'''");
    }

    #[test]
    fn short_secrets_are_fully_masked() {
        assert_eq!(mask("abc"), "•••");
        assert_eq!(mask("abcdefghijk"), "abcdefgh…•••");
    }
}
