//! HTTP plumbing shared by the endpoints: CORS, the per-request log line, `no-store` JSON
//! responses and redirects.

use std::time::Instant;

use axum::Json;
use axum::extract::Request;
use axum::http::{HeaderMap, HeaderName, HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use serde::Serialize;

use super::errors::OAuthError;

/// The client a response was for, attached by handlers so the log line can name it.
#[derive(Debug, Clone)]
pub struct LoggedClient(pub String);

/// Attaches the client_id to a response for the request log.
pub fn for_client(mut response: Response, client_id: &str) -> Response {
    response
        .extensions_mut()
        .insert(LoggedClient(client_id.to_owned()));
    response
}

/// A handler's outcome, tagged with its client when authentication got that far.
pub fn finish(client_id: Option<String>, result: Result<Response, OAuthError>) -> Response {
    let mut response = result.unwrap_or_else(IntoResponse::into_response);
    if let Some(id) = client_id {
        response.extensions_mut().insert(LoggedClient(id));
    }
    response
}

/// One log line per request: method, path, status, client_id, duration. Never the query
/// string or body, which carry codes, tokens and secrets.
pub async fn log_request(request: Request, next: Next) -> Response {
    let method = request.method().clone();
    // A clone of the URI shares its text rather than copying it.
    let uri = request.uri().clone();
    let started = Instant::now();
    let response = next.run(request).await;
    let client_id = response
        .extensions()
        .get::<LoggedClient>()
        .map_or("-", |c| c.0.as_str());
    tracing::info!(
        %method,
        path = uri.path(),
        status = response.status().as_u16(),
        client_id,
        elapsed_us = u64::try_from(started.elapsed().as_micros()).unwrap_or(u64::MAX),
        "request"
    );
    response
}

/// The token from `Authorization: Bearer`, `None` if the header is absent or another scheme.
pub fn bearer_token(headers: &HeaderMap) -> Result<Option<String>, OAuthError> {
    crate::resource_server::bearer_token(headers).map_err(OAuthError::invalid_request)
}

/// CORS for endpoints that single-page apps call (Fetch standard): any origin, no cookies
/// (the mock uses none), preflights answered here.
pub async fn cors(request: Request, next: Next) -> Response {
    let is_preflight = request.method() == Method::OPTIONS
        && request
            .headers()
            .contains_key(header::ACCESS_CONTROL_REQUEST_METHOD);
    let mut response = if is_preflight {
        let mut response = StatusCode::NO_CONTENT.into_response();
        set_headers(
            response.headers_mut(),
            [
                (
                    header::ACCESS_CONTROL_ALLOW_METHODS,
                    "GET, POST, PUT, DELETE",
                ),
                (
                    header::ACCESS_CONTROL_ALLOW_HEADERS,
                    "Authorization, Content-Type, DPoP",
                ),
                (header::ACCESS_CONTROL_MAX_AGE, "600"),
            ],
        );
        response
    } else {
        next.run(request).await
    };
    set_headers(
        response.headers_mut(),
        [
            (header::ACCESS_CONTROL_ALLOW_ORIGIN, "*"),
            (
                header::ACCESS_CONTROL_EXPOSE_HEADERS,
                "WWW-Authenticate, DPoP-Nonce",
            ),
        ],
    );
    response
}

/// Sets fixed header values, replacing any the response already had.
fn set_headers<const N: usize>(headers: &mut HeaderMap, values: [(HeaderName, &'static str); N]) {
    for (name, value) in values {
        headers.insert(name, HeaderValue::from_static(value));
    }
}

/// Marks a response that carries secrets (tokens, or an error about them) as not cacheable
/// (RFC 6749 §5.1).
pub use crate::resource_server::forbid_caching;

/// JSON that must not be cached: token responses and anything else carrying secrets
/// (RFC 6749 §5.1).
pub fn no_store_json(status: StatusCode, body: &impl Serialize) -> Response {
    let mut response = (status, Json(body)).into_response();
    forbid_caching(response.headers_mut());
    response
}

/// A redirect to `location` with the given status (302 from GET /authorize, 303 after a
/// form POST so the browser follows with GET).
pub fn redirect(status: StatusCode, location: &str) -> Response {
    match HeaderValue::from_str(location) {
        Ok(value) => {
            let mut response = status.into_response();
            response.headers_mut().insert(header::LOCATION, value);
            response
                .headers_mut()
                .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
            response
        }
        Err(_) => (
            StatusCode::INTERNAL_SERVER_ERROR,
            "the redirect URI cannot be sent as a Location header",
        )
            .into_response(),
    }
}
