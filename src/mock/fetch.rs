//! Fetching a JSON document that a client names by URL: its Client ID Metadata Document
//! (`cimd.rs`) or the JWK Set at its `jwks_uri` (`client_keys.rs`). Someone else's URL is
//! fetched carefully: https only (plain http on loopback only under
//! `--allow-loopback-cimd`), no redirects followed, a few seconds at most, a bounded body,
//! and a JSON object or nothing. Errors say what went wrong in words; the caller adds the
//! rule of the document it was fetching.

use std::time::Duration;

use reqwest::header::CACHE_CONTROL;
use serde_json::{Map, Value};

/// How long one fetch may take, connection included.
pub const FETCH_TIMEOUT: Duration = Duration::from_secs(5);

/// The HTTP client for outbound fetches, and the loopback rule.
pub struct Fetcher {
    allow_loopback: bool,
    http: Option<reqwest::Client>,
}

/// A document fetched: its JSON object and its `Cache-Control: max-age`, if any.
pub struct Fetched {
    pub document: Map<String, Value>,
    pub max_age: Option<u64>,
}

impl Fetcher {
    pub fn new(allow_loopback: bool) -> Self {
        let http = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .timeout(FETCH_TIMEOUT)
            .connect_timeout(FETCH_TIMEOUT)
            .user_agent(concat!("oauthscope-mock/", env!("CARGO_PKG_VERSION")))
            .build();
        if let Err(err) = &http {
            tracing::error!(
                "client metadata documents and jwks_uri are off: no HTTP client ({err})"
            );
        }
        Fetcher {
            allow_loopback,
            http: http.ok(),
        }
    }

    /// Whether plain http on loopback is fetched (`--allow-loopback-cimd`).
    pub fn allows_loopback(&self) -> bool {
        self.allow_loopback
    }

    /// [`check_url`] with this fetcher's loopback rule.
    pub fn check_url(&self, text: &str) -> Result<url::Url, String> {
        check_url(text, self.allow_loopback)
    }

    /// GETs `url` (already checked) and reads a JSON object of at most `max_bytes`. `what`
    /// names the document for messages: "the client metadata document", "the JWK Set".
    pub async fn json_object(
        &self,
        url: url::Url,
        what: &str,
        max_bytes: usize,
    ) -> Result<Fetched, String> {
        let http = self
            .http
            .as_ref()
            .ok_or_else(|| "this server has no HTTP client to fetch with".to_owned())?;
        let mut response = http
            .get(url.clone())
            .header(reqwest::header::ACCEPT, "application/json")
            .send()
            .await
            .map_err(|err| format!("{what} at {url} could not be fetched: {err}"))?;
        let status = response.status();
        if status.is_redirection() {
            return Err(format!(
                "{url} answered with a redirect ({status}); {what} must be served at that URL \
                 itself, and redirects are not followed"
            ));
        }
        if status != reqwest::StatusCode::OK {
            return Err(format!("{url} answered {status}, not 200 with {what}"));
        }
        let max_age = response
            .headers()
            .get(CACHE_CONTROL)
            .and_then(|v| v.to_str().ok())
            .and_then(max_age);
        let mut body = Vec::new();
        while let Some(chunk) = response
            .chunk()
            .await
            .map_err(|err| format!("reading {what} at {url} failed: {err}"))?
        {
            if body.len() + chunk.len() > max_bytes {
                return Err(format!(
                    "{what} at {url} is larger than {max_bytes} bytes, the limit this server \
                     applies"
                ));
            }
            body.extend_from_slice(&chunk);
        }
        match serde_json::from_slice::<Value>(&body) {
            Ok(Value::Object(document)) => Ok(Fetched { document, max_age }),
            _ => Err(format!("{what} at {url} is not a JSON object")),
        }
    }
}

/// The URL rules every fetched document shares: an absolute https URL without fragment or
/// credentials; plain http only on loopback and only when `allow_loopback`. `Err` says why
/// not, to follow the name of the URL in a message.
pub fn check_url(text: &str, allow_loopback: bool) -> Result<url::Url, String> {
    let url = url::Url::parse(text).map_err(|_| "is not a URL".to_owned())?;
    let loopback = matches!(url.host_str(), Some("127.0.0.1" | "localhost" | "[::1]"));
    match url.scheme() {
        "https" => {}
        "http" if loopback && allow_loopback => {}
        "http" if loopback => {
            return Err(
                "uses http; it must be https (this mock accepts http on loopback only \
                        when started with --allow-loopback-cimd)"
                    .into(),
            );
        }
        _ => return Err("must use the https scheme".into()),
    }
    if url.fragment().is_some() {
        return Err("must not contain a fragment".into());
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err("must not contain a username or password".into());
    }
    Ok(url)
}

/// `max-age=N` from a Cache-Control value; `no-store` / `no-cache` count as zero (then the
/// caller's minimum freshness applies).
fn max_age(value: &str) -> Option<u64> {
    value.split(',').map(str::trim).find_map(|directive| {
        let lower = directive.to_ascii_lowercase();
        if lower == "no-store" || lower == "no-cache" {
            return Some(0);
        }
        lower
            .strip_prefix("max-age=")
            .and_then(|n| n.trim_matches('"').parse::<u64>().ok())
    })
}

/// How long a fetched document is trusted: its `max-age` within `[min, max]`, else `default`.
pub fn freshness(max_age: Option<u64>, default: u64, min: u64, max: u64) -> u64 {
    max_age.unwrap_or(default).clamp(min, max)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_are_checked_before_any_fetch() {
        let strict = |url| check_url(url, false);
        let loose = |url| check_url(url, true);
        assert!(strict("https://app.example/jwks").is_ok());
        for (url, expected) in [
            ("not a url", "not a URL"),
            ("http://app.example/jwks", "https scheme"),
            ("ftp://app.example/jwks", "https scheme"),
            ("http://127.0.0.1:9/jwks", "--allow-loopback-cimd"),
            ("https://app.example/jwks#x", "fragment"),
            ("https://u:p@app.example/jwks", "username or password"),
        ] {
            let err = strict(url).unwrap_err();
            assert!(err.contains(expected), "{url}: {err}");
        }
        assert!(loose("http://127.0.0.1:9/jwks").is_ok());
        assert!(loose("http://[::1]:9/jwks").is_ok());
        assert!(loose("http://app.example/jwks").is_err());
    }

    #[test]
    fn max_age_is_read_from_cache_control() {
        assert_eq!(max_age("public, max-age=600"), Some(600));
        assert_eq!(max_age("no-store"), Some(0));
        assert_eq!(max_age("public"), None);
        assert_eq!(max_age("max-age=abc"), None);
        assert_eq!(freshness(Some(0), 300, 30, 600), 30);
        assert_eq!(freshness(None, 300, 30, 600), 300);
        assert_eq!(freshness(Some(99_999), 300, 30, 600), 600);
    }
}
