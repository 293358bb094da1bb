//! Redirect URIs: what may be registered, how a request's URI matches a registered one, and
//! how response parameters are added to it.

use std::net::IpAddr;

use url::Url;

use super::config::ApplicationType;

/// Longest redirect URI accepted, in bytes.
pub const MAX_REDIRECT_URI: usize = 2000;

/// Schemes that run code or read local files in a browser: never a redirect target.
const DANGEROUS_SCHEMES: [&str; 4] = ["javascript", "data", "vbscript", "file"];

/// Checks a URI a client wants to register (RFC 7591 §2, RFC 6749 §3.1.2, RFC 8252 §7,
/// OIDC Dynamic Registration §2): `https`, loopback `http` (127.0.0.1, [::1], localhost) or a
/// private-use scheme in reverse-DNS form such as `com.example.app:/cb`. A `native` client
/// may not use `https` (OIDC Registration §2). Error messages quote the value with control
/// characters escaped, so they are safe to show.
pub fn validate_registered(uri: &str, application_type: ApplicationType) -> Result<(), String> {
    if uri.len() > MAX_REDIRECT_URI {
        return Err(format!(
            "a redirect_uri is {} bytes, longer than this server's limit of {MAX_REDIRECT_URI}",
            uri.len()
        ));
    }
    // Checked on the raw text: the URL parser silently drops tabs and newlines.
    if uri.chars().any(|c| c.is_control() || c.is_whitespace()) {
        return Err(format!(
            "redirect_uri {uri:?} contains a control character or whitespace \
             (RFC 3986 section 2)"
        ));
    }
    let parsed = Url::parse(uri).map_err(|_| {
        format!("redirect_uri {uri:?} is not an absolute URI (RFC 6749 section 3.1.2)")
    })?;
    let scheme = parsed.scheme();
    if DANGEROUS_SCHEMES.contains(&scheme) {
        return Err(format!(
            "redirect_uri {uri:?} uses the `{scheme}` scheme, which is never a redirect target \
             (RFC 9700 section 4.1; RFC 8252 section 7)"
        ));
    }
    if parsed.fragment().is_some() {
        return Err(format!(
            "redirect_uri {uri:?} has a fragment, which RFC 6749 section 3.1.2 forbids"
        ));
    }
    if parsed.cannot_be_a_base() {
        return Err(format!(
            "redirect_uri {uri:?} has no authority or path to redirect to (RFC 6749 section 3.1.2)"
        ));
    }
    match scheme {
        "https" if application_type == ApplicationType::Native => Err(format!(
            "redirect_uri {uri:?}: a native client uses a loopback http URI or a private-use \
             scheme, not https (OIDC Dynamic Client Registration section 2)"
        )),
        "https" => Ok(()),
        "http" if is_loopback_host(&parsed) => Ok(()),
        "http" => Err(format!(
            "redirect_uri {uri:?} uses plain http on a host that is not loopback; use https, or \
             http on 127.0.0.1, [::1] or localhost (RFC 8252 section 7.3)"
        )),
        private if private.contains('.') => Ok(()),
        other => Err(format!(
            "redirect_uri {uri:?}: `{other}` is neither https, loopback http nor a private-use \
             scheme in reverse-DNS form such as `com.example.app` (RFC 8252 section 7.1)"
        )),
    }
}

/// `http` on an address or name that never leaves the machine (RFC 8252 §7.3, §8.3).
fn is_loopback_host(url: &Url) -> bool {
    is_loopback_http(url) || url.host() == Some(url::Host::Domain("localhost"))
}

/// Whether `requested` matches `registered`: exact string comparison (RFC 9700 §2.1), except
/// that a loopback IP literal with `http` may use any port (RFC 8252 §7.3).
///
/// The loopback case compares the raw text with the port taken out, never parsed URLs: a
/// parser normalises dot segments, case and percent-encoding, and would let
/// `/callback/../callback` pass for `/callback`.
pub fn matches(registered: &str, requested: &str) -> bool {
    if registered == requested {
        return true;
    }
    let (Ok(reg), Ok(req)) = (Url::parse(registered), Url::parse(requested)) else {
        return false;
    };
    is_loopback_http(&reg)
        && is_loopback_http(&req)
        && without_port(registered).is_some_and(|r| Some(r) == without_port(requested))
}

/// `http://HOST:PORT/rest` as `http://HOST/rest`, on the raw text. `None` when the text does
/// not start with `http://` (a scheme in another case is not an exact match either).
fn without_port(uri: &str) -> Option<String> {
    let rest = uri.strip_prefix("http://")?;
    let authority_end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let (authority, tail) = rest.split_at(authority_end);
    // The port is what follows the last `:` after any IPv6 `]`, and only digits.
    let host = match authority.rfind(':') {
        Some(colon)
            if !authority[colon..].contains(']')
                && authority[colon + 1..].bytes().all(|b| b.is_ascii_digit()) =>
        {
            &authority[..colon]
        }
        _ => authority,
    };
    Some(format!("http://{host}{tail}"))
}

fn is_loopback_http(url: &Url) -> bool {
    url.scheme() == "http"
        && match url.host() {
            Some(url::Host::Ipv4(ip)) => IpAddr::V4(ip).is_loopback(),
            Some(url::Host::Ipv6(ip)) => IpAddr::V6(ip).is_loopback(),
            _ => false,
        }
}

/// Adds response parameters to a redirect URI, keeping any query it already has
/// (RFC 6749 §3.1.2: the query component MUST be retained).
pub fn with_params(redirect_uri: &str, params: &[(&str, &str)]) -> String {
    match Url::parse(redirect_uri) {
        Ok(mut url) => {
            url.query_pairs_mut().extend_pairs(params);
            url.to_string()
        }
        // Only validated URIs reach here; fall back to plain concatenation all the same.
        Err(_) => {
            let encoded = url::form_urlencoded::Serializer::new(String::new())
                .extend_pairs(params)
                .finish();
            let separator = if redirect_uri.contains('?') { '&' } else { '?' };
            format!("{redirect_uri}{separator}{encoded}")
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn loopback_port_may_vary() {
        let reg = "http://127.0.0.1/callback";
        assert!(matches(reg, "http://127.0.0.1:53117/callback"));
        assert!(matches(
            "http://[::1]/callback",
            "http://[::1]:8080/callback"
        ));
        assert!(!matches(reg, "http://127.0.0.1:53117/other"));
        assert!(!matches(reg, "http://127.0.0.1:53117/callback?x=1"));
        assert!(!matches(reg, "https://127.0.0.1:53117/callback"));
    }

    #[test]
    fn loopback_paths_are_compared_as_written() {
        let reg = "http://127.0.0.1/callback";
        assert!(!matches(reg, "http://127.0.0.1/callback/../callback"));
        assert!(!matches(reg, "http://127.0.0.1:8080/x/../callback"));
        assert!(!matches(reg, "http://127.0.0.1:8080/%63allback"));
        assert!(!matches(reg, "HTTP://127.0.0.1:8080/callback"));
        assert!(!matches(reg, "http://127.0.0.1:8080/callback#frag"));
        assert!(!matches(reg, "http://127.0.0.1:/callback?"));
        assert!(matches(
            "http://[::1]:9/cb?a=1",
            "http://[::1]:53117/cb?a=1"
        ));
        assert!(!matches("http://[::1]/cb", "http://[::1]:x/cb"));
    }

    #[test]
    fn other_hosts_match_exactly() {
        let reg = "https://app.example/cb";
        assert!(matches(reg, "https://app.example/cb"));
        assert!(!matches(reg, "https://app.example:444/cb"));
        assert!(!matches(reg, "https://app.example/cb/"));
        assert!(!matches("http://localhost/cb", "http://localhost:9999/cb"));
    }

    fn web(uri: &str) -> Result<(), String> {
        validate_registered(uri, ApplicationType::Web)
    }

    fn native(uri: &str) -> Result<(), String> {
        validate_registered(uri, ApplicationType::Native)
    }

    #[test]
    fn registration_rules() {
        assert!(web("https://app.example/cb").is_ok());
        assert!(web("com.example.app:/cb").is_ok());
        assert!(web("/relative").is_err());
        assert!(web("https://app.example/cb#x").is_err());
    }

    #[test]
    fn loopback_http_is_allowed_for_web_and_native_clients() {
        for uri in [
            "http://127.0.0.1/cb",
            "http://127.0.0.1:8080/cb",
            "http://[::1]/cb",
            "http://localhost:3000/cb",
        ] {
            assert!(web(uri).is_ok(), "{uri}");
            assert!(native(uri).is_ok(), "{uri}");
        }
        assert!(native("com.example.app:/oauth2redirect").is_ok());
    }

    #[test]
    fn dangerous_and_loose_uris_are_refused() {
        for uri in [
            "javascript://example.com/%0aalert(1)",
            "javascript:alert(1)",
            "JavaScript://example.com/x",
            "vbscript://x/y",
            "data:text/html,<script>alert(1)</script>",
            "data://x/y",
            "file:///etc/passwd",
            "http://app.example/cb",
            "http://127.0.0.1.example/cb",
            "myapp:/cb",
            "https://app.example/cb\r\nSet-Cookie: x=1",
            "https://app.example/c b",
            "https://app.example/\tcb",
        ] {
            assert!(web(uri).is_err(), "{uri:?}");
            assert!(native(uri).is_err(), "{uri:?}");
        }
        assert!(native("https://app.example/cb").is_err());
        assert!(
            web(&format!(
                "https://app.example/{}",
                "a".repeat(MAX_REDIRECT_URI)
            ))
            .is_err()
        );
    }

    #[test]
    fn errors_quote_control_characters_escaped() {
        let err = web("https://app.example/cb\r\nX: y").unwrap_err();
        assert!(err.contains(r"\r\n"), "{err}");
        assert!(!err.contains('\n'), "{err}");
    }

    #[test]
    fn params_keep_existing_query() {
        let uri = with_params("https://app.example/cb?a=1", &[("code", "x y")]);
        assert_eq!(uri, "https://app.example/cb?a=1&code=x+y");
    }
}
