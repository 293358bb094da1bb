//! The end of the browser leg of the code flow: a loopback listener on 127.0.0.1 with an
//! ephemeral port (RFC 8252 §7.3, §8.3), or a redirect URL pasted by the user, and the checks
//! the client must make on what came back: `state` (RFC 6749 §10.12), `iss` (RFC 9207) and
//! the error response (RFC 6749 §4.1.2.1).

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::time::Duration;

use serde::Serialize;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

use super::discovery::is_loopback_http;
use super::error::EngineError;
use super::secret::Secret;

/// The parameters the authorization server sent back on the redirect. The code, the state
/// and every parameter value are [`Secret`]s, so `Debug` redacts them; a view masks the
/// values the one rule ([`super::secret::is_secret_name`]) names and shows the others.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct AuthorizationResponse {
    pub code: Option<Secret>,
    pub state: Option<Secret>,
    pub iss: Option<String>,
    pub error: Option<String>,
    pub error_description: Option<String>,
    /// Every parameter as received, in order. A server may put a token anywhere (an
    /// implicit-style `access_token`, an unknown extension), so every value is a [`Secret`].
    pub params: Vec<(String, Secret)>,
}

/// Reads the parameters of a redirect URL (query, or fragment when the query has none).
pub fn parse_redirect_url(url: &str) -> Result<AuthorizationResponse, EngineError> {
    let parsed = url::Url::parse(url.trim()).map_err(|e| {
        EngineError::config(format!("that is not a URL ({e}): paste the whole address"))
    })?;
    let mut pairs: Vec<(String, String)> = parsed.query_pairs().into_owned().collect();
    if pairs.is_empty()
        && let Some(fragment) = parsed.fragment()
    {
        pairs = url::form_urlencoded::parse(fragment.as_bytes())
            .into_owned()
            .collect();
    }
    let get = |name: &str| {
        pairs
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.clone())
    };
    Ok(AuthorizationResponse {
        code: get("code").map(Secret::from),
        state: get("state").map(Secret::from),
        iss: get("iss"),
        error: get("error"),
        error_description: get("error_description"),
        params: pairs
            .into_iter()
            .map(|(k, v)| (k, Secret::from(v)))
            .collect(),
    })
}

/// What the client expects back from the authorization server.
#[derive(Debug, Clone)]
pub struct ExpectedResponse {
    /// The state sent, if one was (the user may have removed it to see what happens).
    pub state: Option<Secret>,
    pub issuer: String,
    /// Why `iss` is mandatory, if it is: the server advertised
    /// `authorization_response_iss_parameter_supported` (RFC 9207 §2.4), or the client's
    /// profile asks for it always (MCP 2026-07-28).
    pub iss_required: Option<&'static str>,
}

/// Why `iss` is mandatory when the server advertises it.
pub const ISS_ADVERTISED: &str =
    "the server promises (authorization_response_iss_parameter_supported)";

/// Applies the client-side checks and returns the code.
///
/// The order matters: `iss` first (a mix-up attack must not even look at the rest, RFC 9207
/// §2.4), then `state` (CSRF, RFC 6749 §10.12), then an error, then the code.
pub fn check_authorization_response(
    response: &AuthorizationResponse,
    expected: &ExpectedResponse,
) -> Result<Secret, EngineError> {
    match &response.iss {
        Some(iss) if iss != &expected.issuer => {
            return Err(EngineError::protocol(
                "RFC 9207 §2.4",
                format!(
                    "the response came from issuer {iss:?}, not {:?}: possible mix-up attack",
                    expected.issuer
                ),
            ));
        }
        None => {
            if let Some(why) = expected.iss_required {
                return Err(EngineError::protocol(
                    "RFC 9207 §2.4",
                    format!("the response has no iss parameter, which {why}"),
                ));
            }
        }
        _ => {}
    }
    match (&response.state, &expected.state) {
        (_, None) => {}
        (Some(state), Some(sent)) if state == sent => {}
        (Some(_), Some(_)) => {
            return Err(EngineError::protocol(
                "RFC 6749 §10.12",
                "the state that came back is not the one sent: possible CSRF, the response is discarded",
            ));
        }
        (None, Some(_)) => {
            return Err(EngineError::protocol(
                "RFC 6749 §4.1.2",
                "the response carries no state, but one was sent",
            ));
        }
    }
    if let Some(error) = &response.error {
        return Err(EngineError::Authorization {
            error: error.clone(),
            description: response.error_description.clone(),
        });
    }
    response.code.clone().ok_or_else(|| {
        EngineError::protocol("RFC 6749 §4.1.2", "the response has neither code nor error")
    })
}

/// True when a redirect URI is `http` on a loopback address: it can be listened on.
pub fn is_loopback_redirect(uri: &str) -> bool {
    url::Url::parse(uri).is_ok_and(|u| u.scheme() == "http" && is_loopback_http(&u))
}

/// A one-shot HTTP listener for the redirect, bound to 127.0.0.1 only.
#[derive(Debug)]
pub struct LoopbackListener {
    listener: TcpListener,
    redirect_uri: String,
    path: String,
}

impl LoopbackListener {
    /// Binds for `redirect_uri`, or for `http://127.0.0.1:<ephemeral>/callback` when `None`.
    /// `http://[::1]/…` listens on the IPv6 loopback.
    /// A loopback URI without a port (or with port 0) gets an ephemeral one (RFC 8252 §7.3).
    pub async fn bind(redirect_uri: Option<&str>) -> Result<Self, EngineError> {
        let requested = redirect_uri.unwrap_or("http://127.0.0.1/callback");
        let mut url = url::Url::parse(requested)
            .map_err(|e| EngineError::config(format!("invalid redirect URI {requested:?}: {e}")))?;
        if !is_loopback_redirect(requested) {
            return Err(EngineError::config(format!(
                "{requested} is not an http loopback URI; it cannot be listened on (paste the redirect instead)"
            )));
        }
        let port = url.port().unwrap_or(0);
        // Listen where the browser will connect: the literal loopback address of the URI, and
        // 127.0.0.1 for "localhost". Never beyond the loopback (RFC 8252 §8.3).
        let ip: IpAddr = match url.host() {
            Some(url::Host::Ipv6(ip)) => IpAddr::V6(ip),
            Some(url::Host::Ipv4(ip)) => IpAddr::V4(ip),
            _ => IpAddr::V4(Ipv4Addr::LOCALHOST),
        };
        let listener = TcpListener::bind(SocketAddr::new(ip, port))
            .await
            .map_err(|e| EngineError::Local(format!("cannot listen on {ip}:{port}: {e}")))?;
        let actual = listener
            .local_addr()
            .map_err(|e| EngineError::Local(e.to_string()))?
            .port();
        if port == 0 {
            // `set_port` only fails for URLs that cannot have a port; http always can.
            let _ = url.set_port(Some(actual));
        }
        Ok(LoopbackListener {
            listener,
            path: url.path().to_string(),
            redirect_uri: url.to_string(),
        })
    }

    /// The redirect URI to send in the authorization request.
    pub fn redirect_uri(&self) -> &str {
        &self.redirect_uri
    }

    /// Waits for the browser to arrive on the redirect path and returns the full URL it was
    /// sent to. Other paths (a favicon request) get a 404 and the wait goes on.
    pub async fn wait(self) -> Result<String, EngineError> {
        loop {
            let (stream, _) =
                self.listener.accept().await.map_err(|e| {
                    EngineError::Local(format!("the redirect listener failed: {e}"))
                })?;
            if let Some(target) = self.serve(stream).await {
                let base = self.redirect_uri.split('?').next().unwrap_or_default();
                let query = target.split_once('?').map(|(_, q)| q).unwrap_or_default();
                return Ok(format!("{base}?{query}"));
            }
        }
    }

    /// Answers one connection; returns the request target when it is the redirect.
    async fn serve(&self, mut stream: TcpStream) -> Option<String> {
        let target = read_request_target(&mut stream).await?;
        let path = target.split('?').next().unwrap_or_default();
        let (status, body, hit) = if path == self.path {
            ("200 OK", DONE_PAGE, true)
        } else {
            ("404 Not Found", "Not found", false)
        };
        let response = format!(
            "HTTP/1.1 {status}\r\nContent-Type: text/html; charset=utf-8\r\nContent-Length: {}\r\n\
             Cache-Control: no-store\r\nConnection: close\r\n\r\n{body}",
            body.len()
        );
        // A browser that went away early changes nothing: the parameters arrived.
        let _ = stream.write_all(response.as_bytes()).await;
        let _ = stream.shutdown().await;
        hit.then_some(target)
    }
}

const DONE_PAGE: &str = "<!doctype html><meta charset=utf-8><title>oauthscope</title>\
<p>The authorization response reached oauthscope. You can close this tab.</p>";

/// Reads the request line of one HTTP request (`GET /path?query HTTP/1.1`).
async fn read_request_target(stream: &mut TcpStream) -> Option<String> {
    let mut buf = Vec::with_capacity(1024);
    let mut chunk = [0u8; 1024];
    let read = async {
        while !buf.windows(4).any(|w| w == b"\r\n\r\n") && buf.len() < 16 * 1024 {
            let n = stream.read(&mut chunk).await.ok()?;
            if n == 0 {
                break;
            }
            buf.extend_from_slice(&chunk[..n]);
        }
        Some(())
    };
    tokio::time::timeout(Duration::from_secs(10), read)
        .await
        .ok()??;
    let text = String::from_utf8_lossy(&buf);
    let mut parts = text.lines().next()?.split_whitespace();
    let _method = parts.next()?;
    parts.next().map(str::to_string)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn expected() -> ExpectedResponse {
        ExpectedResponse {
            state: Some("s-1".into()),
            issuer: "https://as.example".into(),
            iss_required: Some(ISS_ADVERTISED),
        }
    }

    fn response(url: &str) -> AuthorizationResponse {
        parse_redirect_url(url).unwrap()
    }

    #[test]
    fn good_response_yields_the_code() {
        let r = response("http://127.0.0.1:1/cb?code=c-1&state=s-1&iss=https%3A%2F%2Fas.example");
        assert_eq!(
            check_authorization_response(&r, &expected()).unwrap(),
            Secret::from("c-1")
        );
    }

    #[test]
    fn state_mismatch_is_refused() {
        let r = response("http://127.0.0.1:1/cb?code=c&state=other&iss=https%3A%2F%2Fas.example");
        let err = check_authorization_response(&r, &expected()).unwrap_err();
        assert!(err.to_string().contains("RFC 6749 §10.12"), "{err}");
    }

    #[test]
    fn iss_mismatch_and_missing_iss_are_refused() {
        let r = response("http://127.0.0.1:1/cb?code=c&state=s-1&iss=https%3A%2F%2Fevil.example");
        let err = check_authorization_response(&r, &expected()).unwrap_err();
        assert!(err.to_string().contains("mix-up"), "{err}");
        let r = response("http://127.0.0.1:1/cb?code=c&state=s-1");
        let err = check_authorization_response(&r, &expected()).unwrap_err();
        assert!(err.to_string().contains("the server promises"), "{err}");
        let lenient = ExpectedResponse {
            iss_required: None,
            ..expected()
        };
        assert_eq!(
            check_authorization_response(&r, &lenient).unwrap(),
            Secret::from("c")
        );
    }

    #[test]
    fn error_response_is_reported_after_the_state_check() {
        let r = response(
            "http://127.0.0.1:1/cb?error=access_denied&error_description=User+said+no&state=s-1&iss=https%3A%2F%2Fas.example",
        );
        let err = check_authorization_response(&r, &expected()).unwrap_err();
        assert_eq!(err.oauth_code(), Some("access_denied"));
        assert!(err.to_string().contains("User said no"));
    }

    #[test]
    fn debug_redacts_the_code_the_state_and_secret_params() {
        let r = response(
            "http://127.0.0.1:1/cb?code=c0de-s3cret&state=st4te-s3cret&access_token=at-s3cret&iss=https%3A%2F%2Fas.example",
        );
        let shown = format!("{r:?}");
        assert!(!shown.contains("s3cret"), "{shown}");
        assert!(shown.contains("https://as.example"), "{shown}");
        assert!(shown.contains("access_token"), "{shown}");
    }

    /// The JSON of a redirect (in `--json` output and MCP answers) keeps its shape: values
    /// are plain strings, secret or not.
    #[test]
    fn serialized_redirect_params_stay_plain_strings() {
        let r = response("http://127.0.0.1:1/cb?code=c&state=s&iss=i");
        assert_eq!(
            serde_json::to_value(&r).unwrap(),
            serde_json::json!({
                "code": "c",
                "state": "s",
                "iss": "i",
                "error": null,
                "error_description": null,
                "params": [["code", "c"], ["state", "s"], ["iss", "i"]]
            })
        );
    }

    #[test]
    fn fragment_parameters_are_read_too() {
        let r = response("https://app.example/cb#code=c&state=s");
        assert_eq!(r.code, Some(Secret::from("c")));
        assert!(parse_redirect_url("not a url").is_err());
    }

    #[tokio::test]
    async fn listener_binds_an_ephemeral_port_and_receives_the_redirect() {
        let listener = LoopbackListener::bind(None).await.unwrap();
        let uri = listener.redirect_uri().to_string();
        assert!(
            uri.starts_with("http://127.0.0.1:") && uri.ends_with("/callback"),
            "{uri}"
        );
        assert!(!uri.contains(":0/"));
        let waiting = tokio::spawn(listener.wait());
        let client = reqwest::Client::new();
        let miss = client
            .get(uri.replace("/callback", "/favicon.ico"))
            .send()
            .await
            .unwrap();
        assert_eq!(miss.status(), 404);
        let hit = client
            .get(format!("{uri}?code=abc&state=xyz"))
            .send()
            .await
            .unwrap();
        assert_eq!(hit.status(), 200);
        let url = waiting.await.unwrap().unwrap();
        assert_eq!(url, format!("{uri}?code=abc&state=xyz"));
    }

    #[tokio::test]
    async fn ipv6_loopback_uri_listens_on_ipv6() {
        // Skip quietly where the machine has no IPv6 loopback.
        if std::net::TcpListener::bind("[::1]:0").is_err() {
            return;
        }
        let listener = LoopbackListener::bind(Some("http://[::1]/callback"))
            .await
            .unwrap();
        assert!(listener.redirect_uri().starts_with("http://[::1]:"));
        assert!(listener.listener.local_addr().unwrap().is_ipv6());
    }

    #[tokio::test]
    async fn non_loopback_redirect_cannot_be_listened_on() {
        let err = LoopbackListener::bind(Some("https://app.example/cb"))
            .await
            .unwrap_err();
        assert!(err.to_string().contains("paste"));
    }
}
