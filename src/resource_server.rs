//! The resource-server side of a Bearer token, shared by every protected resource oauthscope
//! serves (the mock's demo MCP server and `oauthscope mcp --http`): reading the token from
//! `Authorization` (RFC 6750 §2.1), where the RFC 9728 metadata lives, and the refusal with
//! its `WWW-Authenticate` challenge (RFC 6750 §3, RFC 9728 §5.1), in the `DPoP` scheme for a
//! request that presented a DPoP-bound token (RFC 9449 §7.1). What a token must be to get in
//! is each server's own business: the mock looks in its store, `mcp --http` verifies the
//! signature against the issuer's keys.

use axum::Json;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::json;

use crate::wire::PROTECTED_RESOURCE_METADATA_PATH;

/// The token from `Authorization: Bearer`, `None` if the header is absent or another scheme;
/// `Err` with the rule when it is `Bearer` but not one token.
pub fn bearer_token(headers: &HeaderMap) -> Result<Option<String>, &'static str> {
    let Some(value) = headers.get(header::AUTHORIZATION) else {
        return Ok(None);
    };
    let value = String::from_utf8_lossy(value.as_bytes());
    match value.trim().split_once(' ') {
        Some((scheme, token)) if scheme.eq_ignore_ascii_case("bearer") => {
            let token = token.trim();
            if token.is_empty() || token.contains(' ') {
                Err("the Authorization header must be `Bearer <token>` (RFC 6750 section 2.1)")
            } else {
                Ok(Some(token.to_owned()))
            }
        }
        _ => Ok(None),
    }
}

/// Where a resource's RFC 9728 document is: the well-known prefix inserted between the host
/// and the resource's path (RFC 9728 §3.1). `None` when `resource` is not a URL.
pub fn metadata_url(resource: &str) -> Option<String> {
    let url = url::Url::parse(resource).ok()?;
    Some(format!(
        "{}{}",
        url.origin().ascii_serialization(),
        metadata_path(&url)
    ))
}

/// The path part of [`metadata_url`], for a router. A resource at the host's root (`/`) has
/// its document at the bare well-known path.
pub fn metadata_path(resource: &url::Url) -> String {
    let path = resource.path().trim_end_matches('/');
    format!("{PROTECTED_RESOURCE_METADATA_PATH}{path}")
}

/// Why a request was not let in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refusal {
    /// No token: a bare challenge (RFC 6750 §3.1 says no error code then).
    NoToken,
    /// 401 `invalid_token`, 400 `invalid_request` or 500, with the rule that failed.
    Invalid {
        status: StatusCode,
        error: &'static str,
        description: String,
    },
    /// 403 `insufficient_scope` (RFC 6750 §3.1).
    Scope(String),
}

impl Refusal {
    pub fn invalid_token(description: impl Into<String>) -> Self {
        Refusal::Invalid {
            status: StatusCode::UNAUTHORIZED,
            error: "invalid_token",
            description: description.into(),
        }
    }

    pub fn invalid_request(description: impl Into<String>) -> Self {
        Refusal::Invalid {
            status: StatusCode::BAD_REQUEST,
            error: "invalid_request",
            description: description.into(),
        }
    }

    pub fn server(description: impl Into<String>) -> Self {
        Refusal::Invalid {
            status: StatusCode::INTERNAL_SERVER_ERROR,
            error: "server_error",
            description: description.into(),
        }
    }

    pub fn status(&self) -> StatusCode {
        match self {
            Refusal::NoToken => StatusCode::UNAUTHORIZED,
            Refusal::Invalid { status, .. } => *status,
            Refusal::Scope(_) => StatusCode::FORBIDDEN,
        }
    }

    fn error(&self) -> Option<(&'static str, &str)> {
        match self {
            Refusal::NoToken => None,
            Refusal::Invalid {
                error, description, ..
            } => Some((error, description)),
            Refusal::Scope(description) => Some(("insufficient_scope", description)),
        }
    }

    /// The `WWW-Authenticate` value. It names the metadata and the scope in every case, so a
    /// client can start (or step up) the authorization from any refusal (RFC 9728 §5.1, MCP
    /// "Authorization": the scope needed for the request).
    pub fn challenge(&self, scheme: &Scheme, metadata_url: &str, scope: &str) -> String {
        let mut challenge = match scheme {
            Scheme::Bearer => {
                format!(r#"Bearer resource_metadata="{metadata_url}", scope="{scope}""#)
            }
            Scheme::Dpop { algs, .. } => format!(
                r#"DPoP resource_metadata="{metadata_url}", scope="{scope}", algs="{algs}""#
            ),
        };
        if let Some((error, description)) = self.error() {
            // RFC 6750 §3: error_description may not hold `"` or `\`.
            let quoted: String = description
                .chars()
                .map(|c| if c == '"' || c == '\\' { '\'' } else { c })
                .collect();
            challenge.push_str(&format!(
                r#", error="{error}", error_description="{quoted}""#
            ));
        }
        challenge
    }

    /// The response: the status, the Bearer challenge, and the error as JSON when there is one.
    pub fn into_response(self, metadata_url: &str, scope: &str) -> Response {
        self.into_response_as(&Scheme::Bearer, metadata_url, scope)
    }

    /// The response with the challenge in `scheme`, and a DPoP nonce when it carries one.
    pub fn into_response_as(self, scheme: &Scheme, metadata_url: &str, scope: &str) -> Response {
        let challenge = self.challenge(scheme, metadata_url, scope);
        let mut response = match self.error() {
            Some((error, description)) => (
                self.status(),
                Json(json!({ "error": error, "error_description": description })),
            )
                .into_response(),
            None => self.status().into_response(),
        };
        if let Ok(value) = HeaderValue::from_str(&challenge) {
            response
                .headers_mut()
                .insert(header::WWW_AUTHENTICATE, value);
        }
        if let Scheme::Dpop {
            nonce: Some(nonce), ..
        } = scheme
            && let Ok(value) = HeaderValue::from_str(nonce)
        {
            response
                .headers_mut()
                .insert(crate::oauth::dpop::NONCE_HEADER, value);
        }
        forbid_caching(response.headers_mut());
        response
    }
}

/// The scheme a refusal challenges with (RFC 9110 §11.6.1).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Scheme {
    /// RFC 6750 §3.
    Bearer,
    /// RFC 9449 §7.1: for a request that presented a DPoP-bound token or a proof. `algs`
    /// names the proof algorithms accepted (space-separated); `nonce`, when the server wants
    /// one in the next proof, goes in `DPoP-Nonce` (§9).
    Dpop { algs: String, nonce: Option<String> },
}

/// `Cache-Control: no-store` and `Pragma: no-cache`: a response about a token is for this
/// request only (RFC 6749 §5.1, RFC 6750 §3).
pub fn forbid_caching(headers: &mut HeaderMap) {
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    headers.insert(header::PRAGMA, HeaderValue::from_static("no-cache"));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_metadata_url_inserts_the_well_known_prefix_before_the_path() {
        assert_eq!(
            metadata_url("http://127.0.0.1:8420/mcp").unwrap(),
            "http://127.0.0.1:8420/.well-known/oauth-protected-resource/mcp"
        );
        assert_eq!(
            metadata_url("https://example.com/").unwrap(),
            "https://example.com/.well-known/oauth-protected-resource"
        );
        assert!(metadata_url("not a url").is_none());
    }

    #[test]
    fn a_challenge_names_metadata_scope_and_the_error_without_quotes_inside() {
        let refusal = Refusal::Scope(r#"needs "mcp:tools""#.into());
        assert_eq!(refusal.status(), StatusCode::FORBIDDEN);
        assert_eq!(
            refusal.challenge(
                &Scheme::Bearer,
                "http://h/.well-known/oauth-protected-resource/mcp",
                "mcp:tools"
            ),
            "Bearer resource_metadata=\"http://h/.well-known/oauth-protected-resource/mcp\", \
             scope=\"mcp:tools\", error=\"insufficient_scope\", \
             error_description=\"needs 'mcp:tools'\""
        );
        assert_eq!(
            Refusal::NoToken.challenge(&Scheme::Bearer, "http://h/m", "s"),
            r#"Bearer resource_metadata="http://h/m", scope="s""#
        );
    }

    #[test]
    fn a_dpop_refusal_challenges_with_dpop_and_hands_out_the_nonce() {
        let scheme = Scheme::Dpop {
            algs: "ES256 EdDSA".into(),
            nonce: Some("n-1".into()),
        };
        let refusal = Refusal::invalid_token("bound to a key");
        assert_eq!(
            refusal.challenge(&scheme, "http://h/m", "s"),
            r#"DPoP resource_metadata="http://h/m", scope="s", algs="ES256 EdDSA", error="invalid_token", error_description="bound to a key""#
        );
        let response = refusal.into_response_as(&scheme, "http://h/m", "s");
        assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
        assert_eq!(response.headers()["dpop-nonce"], "n-1");
        let bearer = Refusal::NoToken.into_response("http://h/m", "s");
        assert!(bearer.headers().get("dpop-nonce").is_none());
    }

    #[test]
    fn bearer_needs_exactly_one_token() {
        let mut headers = HeaderMap::new();
        assert_eq!(bearer_token(&headers), Ok(None));
        headers.insert(header::AUTHORIZATION, HeaderValue::from_static("Basic abc"));
        assert_eq!(bearer_token(&headers), Ok(None));
        headers.insert(
            header::AUTHORIZATION,
            HeaderValue::from_static("bearer  abc "),
        );
        assert_eq!(bearer_token(&headers), Ok(Some("abc".into())));
        headers.insert(
            header::AUTHORIZATION,
            HeaderValue::from_static("Bearer a b"),
        );
        assert!(bearer_token(&headers).is_err());
    }
}
