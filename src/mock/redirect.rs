//! Redirect URIs: what may be registered, how a request's URI matches a registered one, and
//! how response parameters are added to it.

use std::net::IpAddr;

use url::Url;

/// Checks a URI a client wants to register (RFC 7591 §2, RFC 6749 §3.1.2).
pub fn validate_registered(uri: &str) -> Result<(), String> {
    let parsed = Url::parse(uri).map_err(|_| {
        format!("redirect_uri `{uri}` is not an absolute URI (RFC 6749 section 3.1.2)")
    })?;
    if parsed.fragment().is_some() {
        return Err(format!(
            "redirect_uri `{uri}` has a fragment, which RFC 6749 section 3.1.2 forbids"
        ));
    }
    if parsed.cannot_be_a_base() {
        return Err(format!(
            "redirect_uri `{uri}` has no authority or path to redirect to (RFC 6749 section 3.1.2)"
        ));
    }
    Ok(())
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

    #[test]
    fn registration_rules() {
        assert!(validate_registered("https://app.example/cb").is_ok());
        assert!(validate_registered("com.example.app:/cb").is_ok());
        assert!(validate_registered("/relative").is_err());
        assert!(validate_registered("https://app.example/cb#x").is_err());
    }

    #[test]
    fn params_keep_existing_query() {
        let uri = with_params("https://app.example/cb?a=1", &[("code", "x y")]);
        assert_eq!(uri, "https://app.example/cb?a=1&code=x+y");
    }
}
