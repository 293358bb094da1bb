//! Errors: the mock's own failures ([`MockError`]) and the OAuth error responses it sends
//! ([`OAuthError`]), whose `error_description` always names the rule and where it comes from.

use std::net::SocketAddr;
use std::path::PathBuf;

use axum::Json;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

use super::http::forbid_caching;
use super::limits::StoreFull;
use crate::wire::ErrorResponse;

/// Why the mock could not start or run.
#[derive(Debug, thiserror::Error)]
pub enum MockError {
    #[error("cannot listen on {addr}: {source}")]
    Bind {
        addr: SocketAddr,
        source: std::io::Error,
    },
    #[error("cannot read config file {}: {source}", path.display())]
    ReadConfig {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("config file {} is not valid TOML for the mock: {source}", path.display())]
    ParseConfig {
        path: PathBuf,
        source: Box<toml::de::Error>,
    },
    #[error("invalid mock configuration: {0}")]
    Config(String),
    #[error("generating the signing keys failed: {0}")]
    Keys(String),
    #[error("signing a token failed: {0}")]
    Signing(String),
    #[error("the server stopped with an error: {0}")]
    Serve(std::io::Error),
}

/// Which HTTP authentication challenge goes with a 401.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Challenge {
    None,
    /// RFC 6749 §5.2: a client that tried Basic gets `WWW-Authenticate: Basic`.
    Basic,
    /// RFC 6750 §3: protected resources answer with a Bearer challenge.
    Bearer,
    /// A Bearer challenge without error attributes, for requests that sent no token.
    BareBearer,
    /// RFC 9449 §7.1: a resource refusing a DPoP proof or a DPoP-bound token.
    Dpop,
}

/// An OAuth error response: JSON `{error, error_description}` (RFC 6749 §5.2).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OAuthError {
    pub status: StatusCode,
    pub error: &'static str,
    pub description: String,
    challenge: Challenge,
    /// A nonce for the next DPoP proof, sent as `DPoP-Nonce` (RFC 9449 §8, §9).
    dpop_nonce: Option<String>,
}

impl OAuthError {
    fn new(status: StatusCode, error: &'static str, description: impl Into<String>) -> Self {
        OAuthError {
            status,
            error,
            description: description.into(),
            challenge: Challenge::None,
            dpop_nonce: None,
        }
    }

    /// RFC 9449 §5 `invalid_dpop_proof`: the DPoP proof broke the rule the description names.
    pub fn invalid_dpop_proof(description: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, "invalid_dpop_proof", description)
    }

    /// RFC 9449 §8 `use_dpop_nonce`: the proof must carry `nonce`, given in `DPoP-Nonce`.
    pub fn use_dpop_nonce(description: impl Into<String>, nonce: &str) -> Self {
        let mut err = Self::new(StatusCode::BAD_REQUEST, "use_dpop_nonce", description);
        err.dpop_nonce = Some(nonce.to_owned());
        err
    }

    /// The same refusal from a protected resource: 401 with a `DPoP` challenge (RFC 9449
    /// §7.1, §9) instead of a token endpoint's 400.
    pub fn at_resource(mut self) -> Self {
        self.status = StatusCode::UNAUTHORIZED;
        self.challenge = Challenge::Dpop;
        self
    }

    /// A 400 with any error code (for codes shared with other endpoints, e.g. PAR).
    pub fn bad_request(error: &'static str, description: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, error, description)
    }

    pub fn invalid_request(description: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, "invalid_request", description)
    }

    /// `invalid_client`: 401 with a Basic challenge when the client tried Basic, else 400.
    pub fn invalid_client(description: impl Into<String>, used_basic: bool) -> Self {
        let mut err = Self::new(StatusCode::BAD_REQUEST, "invalid_client", description);
        if used_basic {
            err.status = StatusCode::UNAUTHORIZED;
            err.challenge = Challenge::Basic;
        }
        err
    }

    pub fn invalid_grant(description: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, "invalid_grant", description)
    }

    pub fn unauthorized_client(description: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, "unauthorized_client", description)
    }

    pub fn unsupported_grant_type(description: impl Into<String>) -> Self {
        Self::new(
            StatusCode::BAD_REQUEST,
            "unsupported_grant_type",
            description,
        )
    }

    pub fn invalid_scope(description: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, "invalid_scope", description)
    }

    /// A device-flow polling answer (RFC 8628 §3.5): authorization_pending, slow_down, ...
    pub fn device(error: &'static str, description: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, error, description)
    }

    pub fn invalid_redirect_uri(description: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, "invalid_redirect_uri", description)
    }

    pub fn invalid_client_metadata(description: impl Into<String>) -> Self {
        Self::new(
            StatusCode::BAD_REQUEST,
            "invalid_client_metadata",
            description,
        )
    }

    /// RFC 8707 §2 `invalid_target`: a resource the server does not issue tokens for.
    pub fn invalid_target(description: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, "invalid_target", description)
    }

    /// RFC 6750 §3.1 `invalid_token`: 401 with a Bearer challenge.
    pub fn invalid_token(description: impl Into<String>) -> Self {
        let mut err = Self::new(StatusCode::UNAUTHORIZED, "invalid_token", description);
        err.challenge = Challenge::Bearer;
        err
    }

    /// RFC 6750 §3.1: a request with no token gets a bare Bearer challenge, no error code in it.
    pub fn missing_bearer(description: impl Into<String>) -> Self {
        let mut err = Self::new(StatusCode::UNAUTHORIZED, "invalid_request", description);
        err.challenge = Challenge::BareBearer;
        err
    }

    /// RFC 6750 §3.1 `insufficient_scope`: 403 with a Bearer challenge.
    pub fn insufficient_scope(description: impl Into<String>) -> Self {
        let mut err = Self::new(StatusCode::FORBIDDEN, "insufficient_scope", description);
        err.challenge = Challenge::Bearer;
        err
    }

    pub fn payload_too_large(limit_bytes: usize) -> Self {
        Self::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "invalid_request",
            crate::http_server::too_large_description(limit_bytes),
        )
    }

    /// A store is at its cap (see `limits.rs`): 429 `slow_down`, naming the limit's key.
    pub fn store_full(full: StoreFull) -> Self {
        Self::new(StatusCode::TOO_MANY_REQUESTS, "slow_down", full.to_string())
    }

    /// A full store seen by dynamic registration: `invalid_client_metadata` (RFC 7591 §3.2.2
    /// has no better code), with the same message.
    pub fn registration_full(full: StoreFull) -> Self {
        Self::invalid_client_metadata(full.to_string())
    }

    pub fn server_error(description: impl Into<String>) -> Self {
        Self::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "server_error",
            description,
        )
    }

    fn challenge_header(&self) -> Option<String> {
        // RFC 6750 §3: error_description may not hold `"` or `\`.
        let description: String = self
            .description
            .chars()
            .map(|c| if c == '"' || c == '\\' { '\'' } else { c })
            .collect();
        match self.challenge {
            Challenge::None => None,
            Challenge::Basic => Some(r#"Basic realm="oauthscope mock""#.to_owned()),
            Challenge::BareBearer => Some(r#"Bearer realm="oauthscope mock""#.to_owned()),
            Challenge::Bearer => Some(format!(
                r#"Bearer realm="oauthscope mock", error="{}", error_description="{description}""#,
                self.error
            )),
            Challenge::Dpop => Some(format!(
                r#"DPoP algs="{}", error="{}", error_description="{description}""#,
                super::dpop::ALGS_SUPPORTED.join(" "),
                self.error
            )),
        }
    }
}

impl From<StoreFull> for OAuthError {
    fn from(full: StoreFull) -> Self {
        OAuthError::store_full(full)
    }
}

impl From<MockError> for OAuthError {
    fn from(err: MockError) -> Self {
        OAuthError::server_error(err.to_string())
    }
}

impl IntoResponse for OAuthError {
    fn into_response(self) -> Response {
        let challenge = self.challenge_header();
        let body = ErrorResponse {
            error: self.error.to_owned(),
            error_description: Some(self.description),
            error_uri: None,
        };
        let mut response = (self.status, Json(body)).into_response();
        forbid_caching(response.headers_mut());
        if let Some(value) = challenge.and_then(|c| HeaderValue::from_str(&c).ok()) {
            response
                .headers_mut()
                .insert(header::WWW_AUTHENTICATE, value);
        }
        if let Some(value) = self
            .dpop_nonce
            .as_deref()
            .and_then(|n| HeaderValue::from_str(n).ok())
        {
            response
                .headers_mut()
                .insert(crate::oauth::dpop::NONCE_HEADER, value);
        }
        response
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn basic_invalid_client_is_401_with_challenge() {
        let response = OAuthError::invalid_client("wrong secret", true).into_response();
        assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
        assert!(
            response.headers()[header::WWW_AUTHENTICATE]
                .to_str()
                .unwrap()
                .starts_with("Basic")
        );
        let response = OAuthError::invalid_client("wrong secret", false).into_response();
        assert_eq!(response.status(), StatusCode::BAD_REQUEST);
        assert!(response.headers().get(header::WWW_AUTHENTICATE).is_none());
    }

    #[test]
    fn bearer_challenge_escapes_quotes() {
        let err = OAuthError::invalid_token(r#"token "x" expired"#);
        let header = err.challenge_header().unwrap();
        assert!(header.contains(r#"error="invalid_token""#));
        assert!(header.contains("token 'x' expired"));
    }
}
