//! Where the client may send its credentials and tokens.
//!
//! Metadata comes from the server being debugged, and a server that misbehaves can point its
//! endpoints anywhere. Before a request that carries a client secret, an assertion, a token,
//! a code, a verifier or a device code goes out, [`check`] decides whether it may:
//!
//! - never over plain `http` to a host that is not loopback (RFC 6749 §3.2 requires TLS for
//!   the clear-text credentials a token request carries; RFC 8252 §8.3 allows loopback);
//! - never over `http` when the issuer itself is `https`: the metadata downgrades the
//!   transport the issuer promised (RFC 6749 §3.2, RFC 8414 §2);
//! - not to a host other than the issuer's unless the user said so: a metadata document that
//!   names another host is how a mix-up attacker collects credentials (RFC 9700 §4.4).
//!
//! The stepper asks this module before every send, so no face can forget it. Requests that
//! carry nothing secret (discovery, the JWKS, the browser's authorization request) are not
//! checked: they reveal nothing.

use serde::Serialize;

use super::discovery::is_loopback_http;
use super::step::RequestDraft;

/// The rule a refused request broke.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum SendRule {
    /// Plain http to a host that is not loopback.
    PlainHttp,
    /// Plain http while the issuer is https.
    HttpDowngrade,
    /// Another host than the issuer's, without the user's consent.
    CrossHost,
}

impl SendRule {
    /// A stable code for scripts.
    pub fn code(self) -> &'static str {
        match self {
            SendRule::PlainHttp => "send_refused_plain_http",
            SendRule::HttpDowngrade => "send_refused_http_downgrade",
            SendRule::CrossHost => "send_refused_cross_host",
        }
    }

    /// The specification the rule comes from.
    pub fn reference(self) -> &'static str {
        match self {
            SendRule::PlainHttp => "RFC 6749 §3.2, RFC 8252 §8.3",
            SendRule::HttpDowngrade => "RFC 6749 §3.2, RFC 8414 §2",
            SendRule::CrossHost => "RFC 9700 §4.4",
        }
    }
}

/// A request the policy did not let go out. Nothing was sent.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, thiserror::Error)]
#[error("refused: {}", self.reason())]
pub struct SendRefusal {
    pub rule: SendRule,
    /// What the endpoint is, in words ("the token endpoint").
    pub endpoint_name: String,
    pub endpoint: String,
    /// The endpoint's host, as the user would allow it.
    pub host: String,
    pub issuer: String,
}

impl SendRefusal {
    fn reason(&self) -> String {
        let SendRefusal {
            endpoint_name: name,
            endpoint,
            issuer,
            host,
            ..
        } = self;
        let why = match self.rule {
            SendRule::PlainHttp => format!(
                "{name} {endpoint} is plain http on a host that is not loopback; \
                 credentials and tokens go only over TLS"
            ),
            SendRule::HttpDowngrade => {
                format!("{name} {endpoint} is plain http while the issuer {issuer} is https")
            }
            SendRule::CrossHost => format!(
                "{name} {endpoint} is on {host}, not on the issuer's host ({issuer}); \
                 credentials go there only if you allow that host \
                 (--allow-cross-host, or yes in the terminal app)"
            ),
        };
        format!("{why} ({})", self.rule.reference())
    }
}

/// The hosts other than the issuer's that the user agreed to send credentials to.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CrossHostConsent {
    any: bool,
    hosts: Vec<String>,
}

impl CrossHostConsent {
    /// Every host is allowed (`--allow-cross-host`).
    pub fn any() -> Self {
        CrossHostConsent {
            any: true,
            hosts: Vec::new(),
        }
    }

    /// Allows one more host.
    pub fn allow(&mut self, host: &str) {
        if !self.allows(host) {
            self.hosts.push(host.to_ascii_lowercase());
        }
    }

    pub fn allows(&self, host: &str) -> bool {
        self.any || self.hosts.iter().any(|h| h.eq_ignore_ascii_case(host))
    }
}

/// True when the request carries something that must not reach the wrong place: an
/// `Authorization` header, or a header or parameter that the one secret rule names.
pub fn carries_credentials(draft: &RequestDraft) -> bool {
    draft
        .headers
        .iter()
        .chain(draft.params.iter())
        .any(|(k, _)| draft.is_secret(k))
}

/// Decides whether `draft` may go to its URL, for a server whose issuer is `issuer`.
/// `endpoint_name` names the endpoint in the refusal ("the token endpoint").
pub fn check(
    issuer: &str,
    endpoint_name: &str,
    draft: &RequestDraft,
    consent: &CrossHostConsent,
) -> Result<(), SendRefusal> {
    if !carries_credentials(draft) {
        return Ok(());
    }
    // An unparseable URL cannot be sent at all; the transport says so on the step.
    let Ok(endpoint) = url::Url::parse(&draft.url) else {
        return Ok(());
    };
    let issuer_url = url::Url::parse(issuer).ok();
    let host = endpoint.host_str().unwrap_or_default().to_ascii_lowercase();
    let refuse = |rule| {
        Err(SendRefusal {
            rule,
            endpoint_name: endpoint_name.to_string(),
            endpoint: draft.url.clone(),
            host: host.clone(),
            issuer: issuer.to_string(),
        })
    };
    if endpoint.scheme() == "http" {
        if issuer_url.as_ref().is_some_and(|u| u.scheme() == "https") {
            return refuse(SendRule::HttpDowngrade);
        }
        if !is_loopback_http(&endpoint) {
            return refuse(SendRule::PlainHttp);
        }
    }
    let issuer_host = issuer_url
        .as_ref()
        .and_then(|u| u.host_str())
        .unwrap_or_default();
    if !host.eq_ignore_ascii_case(issuer_host) && !consent.allows(&host) {
        return refuse(SendRule::CrossHost);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn token_post(url: &str) -> RequestDraft {
        let mut draft = RequestDraft::new("POST", url);
        draft.set_param("grant_type", "client_credentials");
        draft
            .headers
            .push(("Authorization".into(), "Basic eDp5".into()));
        draft
    }

    fn rule(issuer: &str, url: &str, consent: &CrossHostConsent) -> Option<SendRule> {
        check(issuer, "the token endpoint", &token_post(url), consent)
            .err()
            .map(|r| r.rule)
    }

    #[test]
    fn http_under_an_https_issuer_is_a_downgrade_even_on_loopback() {
        let none = CrossHostConsent::default();
        assert_eq!(
            rule("https://as.example", "http://as.example/token", &none),
            Some(SendRule::HttpDowngrade)
        );
        assert_eq!(
            rule("https://127.0.0.1", "http://127.0.0.1/token", &none),
            Some(SendRule::HttpDowngrade)
        );
        assert_eq!(
            rule("https://as.example", "https://as.example/token", &none),
            None
        );
    }

    #[test]
    fn plain_http_is_for_loopback_only() {
        let none = CrossHostConsent::default();
        assert_eq!(
            rule("http://as.example", "http://as.example/token", &none),
            Some(SendRule::PlainHttp)
        );
        assert_eq!(
            rule("http://127.0.0.1:9", "http://127.0.0.1:10/token", &none),
            None
        );
        assert_eq!(
            rule("http://localhost:9", "http://LOCALHOST:9/token", &none),
            None
        );
        assert_eq!(rule("http://[::1]:9", "http://[::1]:9/token", &none), None);
    }

    #[test]
    fn another_host_needs_consent_for_that_host_or_any() {
        let none = CrossHostConsent::default();
        let (issuer, url) = ("http://127.0.0.1:9", "http://127.0.0.2:9/token");
        assert_eq!(rule(issuer, url, &none), Some(SendRule::CrossHost));
        assert_eq!(rule(issuer, url, &CrossHostConsent::any()), None);
        let mut one = CrossHostConsent::default();
        one.allow("127.0.0.3");
        assert_eq!(rule(issuer, url, &one), Some(SendRule::CrossHost));
        one.allow("127.0.0.2");
        assert_eq!(rule(issuer, url, &one), None);
        // Consent never lifts the transport rules.
        assert_eq!(
            rule(
                "https://as.example",
                "http://evil.example/t",
                &CrossHostConsent::any()
            ),
            Some(SendRule::HttpDowngrade)
        );
    }

    #[test]
    fn requests_without_credentials_are_not_checked() {
        let mut draft = RequestDraft::new("GET", "http://evil.example/jwks");
        draft.set_param("client_id", "public");
        assert!(!carries_credentials(&draft));
        let none = CrossHostConsent::default();
        assert!(check("https://as.example", "the JWKS", &draft, &none).is_ok());
        draft.set_param("code", "c");
        assert!(carries_credentials(&draft));
        draft.params.clear();
        draft.set_param("custom", "x");
        draft.secret_names.push("custom".into());
        assert!(carries_credentials(&draft));
    }

    #[test]
    fn the_refusal_names_the_endpoint_the_issuer_and_the_rule() {
        let err = check(
            "https://as.example",
            "the token endpoint",
            &token_post("http://as.example/token"),
            &CrossHostConsent::default(),
        )
        .unwrap_err();
        let text = err.to_string();
        assert!(text.starts_with("refused: the token endpoint http://as.example/token"));
        assert!(text.contains("https://as.example"), "{text}");
        assert!(text.contains("RFC 6749 §3.2"), "{text}");
        assert_eq!(err.rule.code(), "send_refused_http_downgrade");
    }
}
