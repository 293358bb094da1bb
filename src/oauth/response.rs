//! Reading a recorded exchange as a protocol response: the "process response" half of each
//! step. Bad servers (HTML error pages, non-JSON bodies, wrong shapes, redirects, 5xx) all
//! become one readable [`EngineError`] here, never a panic.

use serde::de::DeserializeOwned;

use super::error::{EngineError, snippet};
use super::exchange::Exchange;
use crate::wire::ErrorResponse;

/// Fails when no complete response arrived, or when the server redirected.
pub fn check_transport(exchange: &Exchange) -> Result<u16, EngineError> {
    if let Some(error) = &exchange.error {
        return Err(EngineError::Transport(error.clone()));
    }
    let status = exchange
        .status
        .ok_or_else(|| EngineError::Transport("no response arrived".into()))?;
    if (300..400).contains(&status) {
        return Err(EngineError::Redirect {
            status,
            // Masked: a redirect may carry a code or a token in its query.
            location: exchange
                .redacted()
                .response_header("location")
                .unwrap_or("(no Location header)")
                .to_string(),
        });
    }
    Ok(status)
}

/// Fails unless the server answered one of `expected`; an error status becomes the OAuth error
/// it carries (RFC 6749 §5.2) or, failing that, a snippet of what the server sent.
pub fn expect_status(exchange: &Exchange, expected: &[u16]) -> Result<u16, EngineError> {
    let status = check_transport(exchange)?;
    if expected.contains(&status) {
        return Ok(status);
    }
    Err(error_from_status(exchange, status))
}

/// Parses a successful JSON response as `T`. `what` names the document in errors
/// ("token response", "server metadata"...).
pub fn expect_json<T: DeserializeOwned>(
    exchange: &Exchange,
    what: &str,
    expected: &[u16],
) -> Result<T, EngineError> {
    expect_status(exchange, expected)?;
    let value = json_body(exchange)?;
    serde_json::from_value(value).map_err(|e| EngineError::WrongShape {
        what: what.to_string(),
        detail: e.to_string(),
    })
}

/// The body as JSON, whatever its status (for documents where the status was checked apart).
pub fn json_body(exchange: &Exchange) -> Result<serde_json::Value, EngineError> {
    let body = exchange.response_body.as_deref().unwrap_or_default();
    serde_json::from_str(body).map_err(|_| EngineError::NotJson {
        content_type: exchange
            .response_header("content-type")
            .unwrap_or("no Content-Type")
            .to_string(),
        snippet: masked_snippet(exchange),
    })
}

fn error_from_status(exchange: &Exchange, status: u16) -> EngineError {
    let body = exchange.response_body.as_deref().unwrap_or_default();
    if let Ok(err) = serde_json::from_str::<ErrorResponse>(body) {
        return EngineError::OAuth {
            status,
            error: err.error,
            description: err.error_description,
        };
    }
    // A 401 from a resource server carries its error in WWW-Authenticate (RFC 6750 §3).
    if let Some(challenge) = exchange.response_header("www-authenticate")
        && let Some(error) = auth_param(challenge, "error")
    {
        return EngineError::OAuth {
            status,
            error,
            description: auth_param(challenge, "error_description"),
        };
    }
    EngineError::Status {
        status,
        reason: http_reason(status).to_string(),
        snippet: masked_snippet(exchange),
    }
}

/// The start of the body for an error message, from the masked view: a form-encoded body
/// with a token in it is quoted masked. (Free text from the server is quoted as sent: see
/// [`crate::oauth::exchange`].)
fn masked_snippet(exchange: &Exchange) -> String {
    snippet(&exchange.masked_response_body().unwrap_or_default())
}

/// One `name="value"` parameter of a WWW-Authenticate challenge.
fn auth_param(challenge: &str, name: &str) -> Option<String> {
    let start = challenge.find(&format!("{name}="))? + name.len() + 1;
    let rest = &challenge[start..];
    if let Some(quoted) = rest.strip_prefix('"') {
        quoted.split('"').next().map(str::to_string)
    } else {
        rest.split([',', ' ']).next().map(str::to_string)
    }
}

fn http_reason(status: u16) -> &'static str {
    oauth2::http::StatusCode::from_u16(status)
        .ok()
        .and_then(|s| s.canonical_reason())
        .unwrap_or("")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::wire::TokenResponse;

    fn response(status: u16, content_type: &str, body: &str) -> Exchange {
        let mut ex = Exchange::new("POST", "http://127.0.0.1:1/token");
        ex.status = Some(status);
        ex.response_headers
            .push(("content-type".into(), content_type.into()));
        ex.response_body = Some(body.into());
        ex
    }

    #[test]
    fn oauth_error_document_is_read() {
        let ex = response(
            400,
            "application/json",
            r#"{"error":"invalid_grant","error_description":"bad code"}"#,
        );
        let err = expect_json::<TokenResponse>(&ex, "token response", &[200]).unwrap_err();
        assert_eq!(err.oauth_code(), Some("invalid_grant"));
    }

    #[test]
    fn html_error_page_is_a_status_error_with_a_snippet() {
        let ex = response(502, "text/html", "<html><h1>Bad Gateway</h1></html>");
        let err = expect_json::<TokenResponse>(&ex, "token response", &[200]).unwrap_err();
        assert_eq!(
            err.to_string(),
            "the server answered 502 Bad Gateway: <html><h1>Bad Gateway</h1></html>"
        );
    }

    #[test]
    fn bearer_challenge_becomes_an_oauth_error() {
        let mut ex = response(401, "text/plain", "");
        ex.response_headers.push((
            "WWW-Authenticate".into(),
            r#"Bearer error="invalid_token", error_description="expired""#.into(),
        ));
        let err = expect_status(&ex, &[200]).unwrap_err();
        assert_eq!(err.oauth_code(), Some("invalid_token"));
        assert!(err.to_string().contains("expired"));
    }

    #[test]
    fn wrong_shape_names_the_missing_field() {
        let ex = response(200, "application/json", r#"{"token_type":"Bearer"}"#);
        let err = expect_json::<TokenResponse>(&ex, "token response", &[200]).unwrap_err();
        assert!(err.to_string().contains("access_token"), "{err}");
    }

    #[test]
    fn error_snippets_quote_the_masked_body() {
        let mut ex = response(
            400,
            "application/x-www-form-urlencoded",
            "error_hint=x&access_token=s3cr%2Ft%2Bv4lue%3D%3D",
        );
        ex.locate_secrets(&[]);
        let err = expect_json::<TokenResponse>(&ex, "token response", &[200]).unwrap_err();
        let text = err.to_string();
        assert!(!text.contains("s3cr"), "{text}");
        assert!(text.contains("access_token=•••••• (14 chars)"), "{text}");
    }

    #[test]
    fn redirect_is_refused() {
        let mut ex = response(302, "text/html", "");
        ex.response_headers
            .push(("location".into(), "http://elsewhere/".into()));
        let err = check_transport(&ex).unwrap_err();
        assert!(err.to_string().contains("http://elsewhere/"));
    }
}
