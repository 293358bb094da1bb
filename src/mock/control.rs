//! The control API under `/_mock/` (below the issuer's path): faults, the clock, key
//! rotation, claim overrides and the recent requests, so a test, a CI job or the terminal app
//! can make the mock misbehave on purpose. Off with `oauthscope mock --no-control`; answers
//! loopback clients only unless a control token is configured, which every request must then
//! carry as a Bearer token.
//!
//! | method and path | body | what it does |
//! | --- | --- | --- |
//! | `POST /_mock/faults` | `{"endpoint", "error", "count"?, "client_id"?, "delay_ms"?}` | adds a fault |
//! | `GET /_mock/faults`, `DELETE /_mock/faults` | | lists / clears pending faults |
//! | `GET`, `POST /_mock/clock` | `{"advance": "90m"}`, `{"set": RFC 3339}`, `{"real": true}` | moves the clock |
//! | `GET /_mock/keys`, `POST /_mock/keys/rotate` | `{"retire_old": true}`? | key history / rotation |
//! | `PUT /_mock/users/{username}/claims` | a JSON object | claims for a user's tokens and userinfo |
//! | `POST /_mock/claims/next` | a JSON object | claims for the next token issued |
//! | `GET /_mock/claims` | | the overrides in force |
//! | `GET`, `DELETE /_mock/requests` | `?limit=N` | the last requests received, secrets masked |

use std::net::SocketAddr;
use std::sync::Arc;

use axum::Router;
use axum::body::{Bytes, to_bytes};
use axum::extract::{ConnectInfo, Path, RawQuery, Request, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post, put};
use serde::Deserialize;
use serde::de::DeserializeOwned;
use serde_json::{Map, Value, json};

use super::app::AppState;
use super::client_auth::basic_credentials;
use super::config::MockConfig;
use super::control_claims::ClaimOverrides;
use super::control_clock::{self, ControlClock};
use super::control_keys::{self, RotationLog};
use super::control_requests::{RecordedRequest, RequestLog};
use super::errors::OAuthError;
use super::faults::{self, Endpoint, FaultKind, FaultRequest, Faults};
use super::faults_shape;
use super::form::BODY_LIMIT;
use super::http::no_store_json;
use super::secrets::secrets_equal;
use crate::oauth::secret::Secret;

/// The path every control endpoint starts with, below the issuer's path.
pub const CONTROL_PREFIX: &str = "/_mock";

/// Whether the control API is served, and the token it then requires.
#[derive(Debug, Clone)]
pub struct ControlConfig {
    pub enabled: bool,
    /// When set, every control request needs `Authorization: Bearer <token>`, from any address.
    pub token: Option<Secret>,
}

impl Default for ControlConfig {
    fn default() -> Self {
        ControlConfig {
            enabled: true,
            token: None,
        }
    }
}

/// What the control API changes, held by the app beside the store.
#[derive(Debug)]
pub struct Lab {
    pub clock: Arc<ControlClock>,
    pub faults: Faults,
    pub claims: ClaimOverrides,
    pub requests: RequestLog,
    pub rotations: RotationLog,
    control: ControlConfig,
}

impl Lab {
    pub fn new(config: &MockConfig) -> Self {
        Lab {
            clock: Arc::new(ControlClock::over(Arc::clone(&config.clock))),
            faults: Faults::new(config.limits.pending_faults),
            claims: ClaimOverrides::new(config.limits.claim_overrides),
            requests: RequestLog::new(config.limits.logged_requests),
            rotations: RotationLog::default(),
            control: config.control.clone(),
        }
    }
}

/// The endpoints' routes with faults and the request log around them, and the control routes
/// beside them when the control API is on.
pub fn around(endpoints: Router<AppState>, app: &AppState) -> Router<AppState> {
    let observed = endpoints.layer(middleware::from_fn_with_state(Arc::clone(app), observe));
    if !app.lab.control.enabled {
        return observed;
    }
    let control = Router::new()
        .route(
            "/_mock/faults",
            post(add_fault).get(list_faults).delete(clear_faults),
        )
        .route("/_mock/clock", post(move_clock).get(show_clock))
        .route("/_mock/keys", get(keys))
        .route("/_mock/keys/rotate", post(rotate_keys))
        .route("/_mock/users/{username}/claims", put(user_claims))
        .route("/_mock/claims/next", post(next_claims))
        .route("/_mock/claims", get(show_claims))
        .route("/_mock/requests", get(requests).delete(clear_requests))
        .layer(middleware::from_fn_with_state(Arc::clone(app), guard));
    observed.merge(control)
}

/// Why a control request is refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refusal {
    /// No token is configured and the client is not on this machine.
    NotLoopback(Option<SocketAddr>),
    /// A token is configured and the request did not carry it.
    Token,
}

/// Who may use the control API: anyone with the token when one is set, else loopback clients.
pub fn admit(
    token: Option<&Secret>,
    peer: Option<SocketAddr>,
    headers: &HeaderMap,
) -> Result<(), Refusal> {
    match token {
        Some(expected) => {
            let presented = crate::resource_server::bearer_token(headers)
                .ok()
                .flatten()
                .unwrap_or_default();
            if secrets_equal(&presented, expected.secret()) {
                Ok(())
            } else {
                Err(Refusal::Token)
            }
        }
        None => match peer {
            Some(peer) if peer.ip().to_canonical().is_loopback() => Ok(()),
            other => Err(Refusal::NotLoopback(other)),
        },
    }
}

async fn guard(State(app): State<AppState>, request: Request, next: Next) -> Response {
    let peer = request
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map(|ConnectInfo(peer)| *peer);
    match admit(app.lab.control.token.as_ref(), peer, request.headers()) {
        Ok(()) => next.run(request).await,
        Err(Refusal::Token) => {
            let mut response = refused(
                StatusCode::UNAUTHORIZED,
                "the control API needs the mock's control token: send `Authorization: Bearer \
                 <token>` (the value given to --control-token)",
            );
            response.headers_mut().insert(
                header::WWW_AUTHENTICATE,
                HeaderValue::from_static(r#"Bearer realm="oauthscope mock control""#),
            );
            response
        }
        Err(Refusal::NotLoopback(peer)) => {
            let from = peer.map_or("an unknown address".to_owned(), |p| p.ip().to_string());
            tracing::warn!(
                peer = from,
                "control API request refused: not from loopback"
            );
            refused(
                StatusCode::FORBIDDEN,
                &format!(
                    "the control API answers clients on this machine only, and this request \
                     came from {from}; start the mock with --control-token to use it from \
                     elsewhere"
                ),
            )
        }
    }
}

fn refused(status: StatusCode, description: &str) -> Response {
    no_store_json(
        status,
        &json!({"error": "access_denied", "error_description": description}),
    )
}

fn bad_request(description: impl std::fmt::Display) -> Response {
    no_store_json(
        StatusCode::BAD_REQUEST,
        &json!({"error": "invalid_request", "error_description": description.to_string()}),
    )
}

fn ok(body: Value) -> Response {
    no_store_json(StatusCode::OK, &body)
}

/// A JSON body of the expected shape; an empty body is `{}`.
fn parse_body<T: DeserializeOwned>(body: &Bytes) -> Result<T, String> {
    let text: &[u8] = if body.iter().all(u8::is_ascii_whitespace) {
        b"{}"
    } else {
        body
    };
    serde_json::from_slice(text)
        .map_err(|err| format!("the body is not the JSON this endpoint takes: {err}"))
}

async fn add_fault(State(app): State<AppState>, body: Bytes) -> Response {
    let request: FaultRequest = match parse_body(&body) {
        Ok(request) => request,
        Err(why) => return bad_request(why),
    };
    match request
        .validate()
        .and_then(|fault| app.lab.faults.add(fault))
    {
        Ok(fault) => {
            tracing::info!(
                fault = fault.kind.label(),
                endpoint = fault.endpoint.name(),
                count = fault.remaining,
                "fault added"
            );
            no_store_json(StatusCode::CREATED, &fault)
        }
        Err(err @ faults::FaultError::Full(_)) => no_store_json(
            StatusCode::TOO_MANY_REQUESTS,
            &json!({"error": "slow_down", "error_description": err.to_string()}),
        ),
        Err(err) => bad_request(err),
    }
}

async fn list_faults(State(app): State<AppState>) -> Response {
    ok(json!({ "faults": app.lab.faults.list() }))
}

async fn clear_faults(State(app): State<AppState>) -> Response {
    ok(json!({ "cleared": app.lab.faults.clear() }))
}

/// The body of `POST /_mock/clock`: exactly one of the three.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ClockRequest {
    advance: Option<String>,
    set: Option<String>,
    real: Option<bool>,
}

fn clock_state(app: &AppState) -> Value {
    let now_ms = super::clock::Clock::now_ms(&*app.lab.clock);
    let now = now_ms / 1000;
    json!({
        "now": now,
        "now_rfc3339": crate::oauth::time::iso8601(i64::try_from(now).unwrap_or(i64::MAX)),
        "offset_ms": app.lab.clock.offset_ms(),
    })
}

async fn show_clock(State(app): State<AppState>) -> Response {
    ok(clock_state(&app))
}

async fn move_clock(State(app): State<AppState>, body: Bytes) -> Response {
    let request: ClockRequest = match parse_body(&body) {
        Ok(request) => request,
        Err(why) => return bad_request(why),
    };
    let clock = &app.lab.clock;
    let moved = match (request.advance, request.set, request.real) {
        (Some(by), None, None) => {
            control_clock::parse_duration(&by).and_then(|ms| clock.advance(ms, &by))
        }
        (None, Some(at), None) => control_clock::parse_rfc3339(&at).map(|ms| clock.set(ms)),
        (None, None, Some(true)) => {
            clock.real();
            Ok(())
        }
        _ => {
            return bad_request(
                "send exactly one of {\"advance\": \"3600s\"}, {\"set\": \"2030-01-01T00:00:00Z\"} \
                 or {\"real\": true}",
            );
        }
    };
    match moved {
        Ok(()) => {
            let state = clock_state(&app);
            tracing::info!(now = %state["now_rfc3339"], "mock clock moved");
            ok(state)
        }
        Err(err) => bad_request(err),
    }
}

async fn keys(State(app): State<AppState>) -> Response {
    match control_keys::history(&app).await {
        Ok(history) => ok(history),
        Err(err) => OAuthError::server_error(err.to_string()).into_response(),
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RotateRequest {
    #[serde(default)]
    retire_old: bool,
}

async fn rotate_keys(State(app): State<AppState>, body: Bytes) -> Response {
    let request: RotateRequest = match parse_body(&body) {
        Ok(request) => request,
        Err(why) => return bad_request(why),
    };
    match control_keys::rotate(&app, request.retire_old).await {
        Ok(rotation) => ok(json!(rotation)),
        Err(err) => OAuthError::server_error(err.to_string()).into_response(),
    }
}

async fn user_claims(
    State(app): State<AppState>,
    Path(username): Path<String>,
    body: Bytes,
) -> Response {
    let claims: Map<String, Value> = match parse_body(&body) {
        Ok(claims) => claims,
        Err(why) => return bad_request(why),
    };
    match app.lab.claims.set_user(&username, claims) {
        Ok(()) => ok(app.lab.claims.snapshot()),
        Err(err) => bad_request(err),
    }
}

async fn next_claims(State(app): State<AppState>, body: Bytes) -> Response {
    let claims: Map<String, Value> = match parse_body(&body) {
        Ok(claims) => claims,
        Err(why) => return bad_request(why),
    };
    match app.lab.claims.set_next(claims) {
        Ok(()) => ok(app.lab.claims.snapshot()),
        Err(err) => bad_request(err),
    }
}

async fn show_claims(State(app): State<AppState>) -> Response {
    ok(app.lab.claims.snapshot())
}

async fn requests(State(app): State<AppState>, RawQuery(query): RawQuery) -> Response {
    let limit = url::form_urlencoded::parse(query.unwrap_or_default().as_bytes())
        .find(|(name, _)| name == "limit")
        .map(|(_, value)| value.into_owned());
    let limit = match limit {
        None => usize::MAX,
        Some(text) => match text.parse::<usize>() {
            Ok(limit) => limit,
            Err(_) => return bad_request(format!("limit `{text}` is not a whole number")),
        },
    };
    ok(json!({ "requests": app.lab.requests.last(limit, &app.issuer_path) }))
}

async fn clear_requests(State(app): State<AppState>) -> Response {
    ok(json!({ "cleared": app.lab.requests.clear() }))
}

/// The client a request is from, as far as it says: the form's `client_id`, the Basic
/// credentials' user, or the query's `client_id`. Unauthenticated: only for matching faults.
fn claimed_client(headers: &HeaderMap, query: &[u8], form: &[u8]) -> Option<String> {
    let from = |raw: &[u8]| {
        url::form_urlencoded::parse(raw)
            .find(|(name, _)| name == "client_id")
            .map(|(_, value)| value.into_owned())
    };
    from(form)
        .or_else(|| basic_credentials(headers).ok().flatten().map(|(id, _)| id))
        .or_else(|| from(query))
}

/// Around every endpoint: applies a pending fault and records the request.
async fn observe(State(app): State<AppState>, request: Request, next: Next) -> Response {
    let (parts, body) = request.into_parts();
    let Ok(body) = to_bytes(body, BODY_LIMIT).await else {
        return OAuthError::payload_too_large(BODY_LIMIT).into_response();
    };
    let endpoint = Endpoint::of_path(parts.uri.path());
    let mut recorded =
        RecordedRequest::new(app.now(), &parts.method, &parts.uri, &parts.headers, &body);
    let query = parts.uri.query().unwrap_or("").as_bytes().to_vec();
    let is_form = parts
        .headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/x-www-form-urlencoded"));
    let client_id = claimed_client(&parts.headers, &query, if is_form { &body } else { b"" });
    let used_basic = parts
        .headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.len() > 6 && v[..6].eq_ignore_ascii_case("basic "));
    let request = Request::from_parts(parts, body.into());
    let fault = endpoint.and_then(|e| app.lab.faults.find(e, client_id.as_deref()));
    let response = match fault {
        None => next.run(request).await,
        Some(fault) => {
            faults::delay(&fault).await;
            let (mut response, applied) = match faults::replacement(&fault, used_basic) {
                Some(replacement) => (replacement, true),
                None => {
                    let response = next.run(request).await;
                    shape(&app, &fault, response).await
                }
            };
            if applied && app.lab.faults.use_once(fault.id) {
                faults::mark(&mut response, &fault, client_id.as_deref());
                recorded.fault = Some(fault.kind.label());
            }
            response
        }
    };
    recorded.status = response.status().as_u16();
    app.lab.requests.push(recorded);
    response
}

/// Applies a fault that changes the endpoint's real answer; whether it applied.
async fn shape(app: &AppState, fault: &faults::Fault, response: Response) -> (Response, bool) {
    match &fault.kind {
        FaultKind::Delay => (response, true),
        FaultKind::Token { fault: kind } => {
            faults_shape::token_response(app, *kind, response).await
        }
        FaultKind::OAuthError { error } => {
            let mut response = response;
            let description = faults::description(fault);
            let applied = faults_shape::authorization_error(&mut response, error, &description);
            (response, applied)
        }
        FaultKind::HttpStatus { .. } | FaultKind::MalformedJson | FaultKind::DropConnection => {
            (response, false)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

    fn peer(ip: IpAddr) -> Option<SocketAddr> {
        Some(SocketAddr::new(ip, 40_000))
    }

    #[test]
    fn without_a_token_only_loopback_clients_are_admitted() {
        let headers = HeaderMap::new();
        assert!(admit(None, peer(IpAddr::V4(Ipv4Addr::LOCALHOST)), &headers).is_ok());
        assert!(admit(None, peer(IpAddr::V6(Ipv6Addr::LOCALHOST)), &headers).is_ok());
        let mapped = IpAddr::V6(Ipv4Addr::LOCALHOST.to_ipv6_mapped());
        assert!(admit(None, peer(mapped), &headers).is_ok());
        let lan = IpAddr::V4(Ipv4Addr::new(192, 168, 1, 20));
        assert_eq!(
            admit(None, peer(lan), &headers),
            Err(Refusal::NotLoopback(peer(lan)))
        );
        assert_eq!(admit(None, None, &headers), Err(Refusal::NotLoopback(None)));
    }

    #[test]
    fn with_a_token_every_client_must_send_it() {
        let token = Secret::new("c0ntrol");
        let lan = peer(IpAddr::V4(Ipv4Addr::new(10, 0, 0, 7)));
        let local = peer(IpAddr::V4(Ipv4Addr::LOCALHOST));
        let mut headers = HeaderMap::new();
        assert_eq!(admit(Some(&token), local, &headers), Err(Refusal::Token));
        headers.insert(header::AUTHORIZATION, "Bearer wrong".parse().unwrap());
        assert_eq!(admit(Some(&token), lan, &headers), Err(Refusal::Token));
        headers.insert(header::AUTHORIZATION, "Bearer c0ntrol".parse().unwrap());
        assert!(admit(Some(&token), lan, &headers).is_ok());
    }

    #[test]
    fn the_claimed_client_comes_from_the_form_basic_or_query() {
        let mut headers = HeaderMap::new();
        assert_eq!(
            claimed_client(&headers, b"", b"client_id=a&x=1").as_deref(),
            Some("a")
        );
        headers.insert(header::AUTHORIZATION, "Basic Yjpz".parse().unwrap());
        assert_eq!(claimed_client(&headers, b"", b"").as_deref(), Some("b"));
        assert_eq!(
            claimed_client(&HeaderMap::new(), b"client_id=c", b"").as_deref(),
            Some("c")
        );
    }
}
