//! Injected faults (`POST /_mock/faults`): the next requests to an endpoint fail the way a
//! test asks for — an OAuth error code of that endpoint, an HTTP status with an HTML page, a
//! malformed JSON body, a dropped connection, added latency, or a token that is wrong in one
//! way (see [`super::faults_token`]). Each faulted answer says so in `X-Oauthscope-Fault` and
//! in the mock's log.
//!
//! The pending faults are a short list, capped by `limits.pending_faults`; each is used up
//! after `count` matching requests.

use std::sync::Mutex;
use std::time::Duration;

use axum::body::Body;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use serde_json::json;

use super::http::forbid_caching;

/// The response header naming the fault that shaped an answer.
pub const FAULT_HEADER: &str = "x-oauthscope-fault";
/// Most requests one fault may apply to.
pub const MAX_COUNT: u32 = 1000;
/// Longest added latency, in milliseconds: longer than any client's timeout is pointless.
pub const MAX_DELAY_MS: u64 = 60_000;

/// An endpoint a fault can target, by the last part of its path.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Endpoint {
    Authorize,
    Token,
    Userinfo,
    Introspect,
    Revoke,
    Device,
    Par,
    Register,
    Jwks,
    Metadata,
}

impl Endpoint {
    pub const ALL: [Endpoint; 10] = [
        Endpoint::Authorize,
        Endpoint::Token,
        Endpoint::Userinfo,
        Endpoint::Introspect,
        Endpoint::Revoke,
        Endpoint::Device,
        Endpoint::Par,
        Endpoint::Register,
        Endpoint::Jwks,
        Endpoint::Metadata,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Endpoint::Authorize => "authorize",
            Endpoint::Token => "token",
            Endpoint::Userinfo => "userinfo",
            Endpoint::Introspect => "introspect",
            Endpoint::Revoke => "revoke",
            Endpoint::Device => "device",
            Endpoint::Par => "par",
            Endpoint::Register => "register",
            Endpoint::Jwks => "jwks",
            Endpoint::Metadata => "metadata",
        }
    }

    fn parse(name: &str) -> Option<Self> {
        Endpoint::ALL.into_iter().find(|e| e.name() == name)
    }

    /// The endpoint a request path (below the issuer's path) belongs to. The sign-in pages
    /// count as `authorize`: the authorization response comes from whichever page finishes.
    pub fn of_path(path: &str) -> Option<Self> {
        use super::app::*;
        match path {
            AUTHORIZE_PATH | LOGIN_PATH | CONSENT_PATH => Some(Endpoint::Authorize),
            TOKEN_PATH => Some(Endpoint::Token),
            USERINFO_PATH => Some(Endpoint::Userinfo),
            INTROSPECT_PATH => Some(Endpoint::Introspect),
            REVOKE_PATH => Some(Endpoint::Revoke),
            DEVICE_AUTHORIZATION_PATH => Some(Endpoint::Device),
            PAR_PATH => Some(Endpoint::Par),
            JWKS_PATH => Some(Endpoint::Jwks),
            crate::wire::OAUTH_METADATA_PATH | crate::wire::OIDC_METADATA_PATH => {
                Some(Endpoint::Metadata)
            }
            _ if path == REGISTER_PATH || path.starts_with("/register/") => {
                Some(Endpoint::Register)
            }
            _ => None,
        }
    }

    /// The OAuth error codes this endpoint may answer with, and where they are defined.
    fn error_codes(self) -> (&'static [&'static str], &'static str) {
        match self {
            Endpoint::Authorize => (
                &[
                    "invalid_request",
                    "unauthorized_client",
                    "access_denied",
                    "unsupported_response_type",
                    "invalid_scope",
                    "server_error",
                    "temporarily_unavailable",
                    "interaction_required",
                    "login_required",
                    "account_selection_required",
                    "consent_required",
                ],
                "RFC 6749 section 4.1.2.1, OIDC Core section 3.1.2.6",
            ),
            Endpoint::Token => (
                &[
                    "invalid_request",
                    "invalid_client",
                    "invalid_grant",
                    "unauthorized_client",
                    "unsupported_grant_type",
                    "invalid_scope",
                    "invalid_target",
                    "authorization_pending",
                    "slow_down",
                    "access_denied",
                    "expired_token",
                    "server_error",
                    "temporarily_unavailable",
                ],
                "RFC 6749 section 5.2, RFC 8628 section 3.5, RFC 8707 section 2",
            ),
            Endpoint::Device => (
                &[
                    "invalid_request",
                    "invalid_client",
                    "unauthorized_client",
                    "invalid_scope",
                    "server_error",
                    "temporarily_unavailable",
                ],
                "RFC 8628 section 3.2, RFC 6749 section 5.2",
            ),
            Endpoint::Par => (
                &[
                    "invalid_request",
                    "invalid_client",
                    "unauthorized_client",
                    "invalid_scope",
                    "access_denied",
                    "server_error",
                    "temporarily_unavailable",
                ],
                "RFC 9126 section 2.3",
            ),
            Endpoint::Introspect => (
                &[
                    "invalid_request",
                    "invalid_client",
                    "server_error",
                    "temporarily_unavailable",
                ],
                "RFC 7662 section 2.3",
            ),
            Endpoint::Revoke => (
                &[
                    "invalid_request",
                    "invalid_client",
                    "unsupported_token_type",
                    "server_error",
                    "temporarily_unavailable",
                ],
                "RFC 7009 section 2.2.1",
            ),
            Endpoint::Userinfo => (
                &["invalid_request", "invalid_token", "insufficient_scope"],
                "RFC 6750 section 3.1",
            ),
            Endpoint::Register => (
                &[
                    "invalid_redirect_uri",
                    "invalid_client_metadata",
                    "invalid_software_statement",
                    "unapproved_software_statement",
                ],
                "RFC 7591 section 3.2.2",
            ),
            Endpoint::Jwks | Endpoint::Metadata => (&[], "no OAuth error codes"),
        }
    }

    /// Whether the endpoint answers in JSON (so a malformed body is a meaningful fault).
    fn answers_json(self) -> bool {
        !matches!(self, Endpoint::Authorize)
    }
}

/// A token the token endpoint issues, wrong in one way.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TokenFault {
    /// Signed by a key that is not in /jwks, with that key's `kid`.
    UnknownKid,
    WrongIss,
    WrongAud,
    /// `exp` already in the past.
    Expired,
    /// The ID token has no `at_hash` (OIDC Core §3.1.3.6).
    MissingAtHash,
    /// The ID token's `nonce` is not the one the client sent (OIDC Core §3.1.3.7).
    WrongNonce,
}

impl TokenFault {
    const ALL: [TokenFault; 6] = [
        TokenFault::UnknownKid,
        TokenFault::WrongIss,
        TokenFault::WrongAud,
        TokenFault::Expired,
        TokenFault::MissingAtHash,
        TokenFault::WrongNonce,
    ];

    pub fn name(self) -> &'static str {
        match self {
            TokenFault::UnknownKid => "unknown_kid",
            TokenFault::WrongIss => "wrong_iss",
            TokenFault::WrongAud => "wrong_aud",
            TokenFault::Expired => "expired",
            TokenFault::MissingAtHash => "missing_at_hash",
            TokenFault::WrongNonce => "wrong_nonce",
        }
    }

    /// Faults that only an ID token can carry.
    pub fn id_token_only(self) -> bool {
        matches!(self, TokenFault::MissingAtHash | TokenFault::WrongNonce)
    }
}

/// What the fault does to the answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum FaultKind {
    /// `{"error": code}` with the status the code goes with.
    #[serde(rename = "oauth_error")]
    OAuthError { error: &'static str },
    /// An HTML page with this status, as a proxy or a crashed server sends.
    HttpStatus { status: u16 },
    /// 200 with `Content-Type: application/json` and a body that is not JSON.
    MalformedJson,
    /// The connection closes before a complete answer.
    DropConnection,
    /// Only the added latency; the answer itself is the real one.
    Delay,
    /// The issued token is wrong in one way.
    Token { fault: TokenFault },
}

impl FaultKind {
    /// The value of `X-Oauthscope-Fault` (and the log's `fault` field).
    pub fn label(&self) -> String {
        match self {
            FaultKind::OAuthError { error } => (*error).to_owned(),
            FaultKind::HttpStatus { status } => format!("http_{status}"),
            FaultKind::MalformedJson => "malformed_json".into(),
            FaultKind::DropConnection => "drop_connection".into(),
            FaultKind::Delay => "delay".into(),
            FaultKind::Token { fault } => fault.name().into(),
        }
    }
}

/// One pending fault.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Fault {
    pub id: u64,
    pub endpoint: Endpoint,
    #[serde(flatten)]
    pub kind: FaultKind,
    /// Only requests from this client match, when set.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub client_id: Option<String>,
    /// Matching requests left.
    pub remaining: u32,
    #[serde(skip_serializing_if = "is_zero")]
    pub delay_ms: u64,
}

fn is_zero(value: &u64) -> bool {
    *value == 0
}

/// The body of `POST /_mock/faults`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FaultRequest {
    pub endpoint: String,
    /// An OAuth error code, an HTTP status (`"503"`), `malformed_json`, `drop_connection`,
    /// `delay`, or a token fault (`unknown_kid`, `wrong_iss`, ...). Absent with `delay_ms`
    /// means `delay`.
    #[serde(default)]
    pub error: Option<String>,
    #[serde(default)]
    pub count: Option<u64>,
    #[serde(default)]
    pub client_id: Option<String>,
    #[serde(default)]
    pub delay_ms: Option<u64>,
}

/// Why a fault request is refused; the message names the field and what it may be.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FaultError {
    #[error("unknown endpoint `{0}`; one of: {list}", list = endpoint_list())]
    UnknownEndpoint(String),
    #[error("`{error}` is not a fault for the {endpoint} endpoint; it takes {allowed}")]
    UnknownKind {
        endpoint: &'static str,
        error: String,
        allowed: String,
    },
    #[error("count must be from 1 to {MAX_COUNT}, not {0}")]
    Count(u64),
    #[error("delay_ms must be at most {MAX_DELAY_MS} (one minute), not {0}")]
    Delay(u64),
    #[error("client_id must be 1 to 255 printable characters")]
    ClientId,
    #[error(
        "{0} faults are already pending, the limit; clear them with DELETE /_mock/faults, or \
         raise `limits.pending_faults` in the mock's config file"
    )]
    Full(usize),
}

fn endpoint_list() -> String {
    Endpoint::ALL.map(Endpoint::name).join(", ")
}

impl FaultRequest {
    /// Checks every field; the fault gets its id when stored.
    pub fn validate(self) -> Result<Fault, FaultError> {
        let endpoint = Endpoint::parse(&self.endpoint)
            .ok_or_else(|| FaultError::UnknownEndpoint(self.endpoint.clone()))?;
        let delay_ms = self.delay_ms.unwrap_or(0);
        if delay_ms > MAX_DELAY_MS {
            return Err(FaultError::Delay(delay_ms));
        }
        let count = self.count.unwrap_or(1);
        let remaining = u32::try_from(count)
            .ok()
            .filter(|c| (1..=MAX_COUNT).contains(c))
            .ok_or(FaultError::Count(count))?;
        if let Some(id) = &self.client_id
            && (id.is_empty() || id.len() > 255 || id.chars().any(char::is_control))
        {
            return Err(FaultError::ClientId);
        }
        let error = match (self.error.as_deref(), delay_ms) {
            (None, 1..) => "delay",
            (None, 0) => "",
            (Some(error), _) => error,
        };
        let kind = parse_kind(endpoint, error)?;
        Ok(Fault {
            id: 0,
            endpoint,
            kind,
            client_id: self.client_id,
            remaining,
            delay_ms,
        })
    }
}

fn parse_kind(endpoint: Endpoint, error: &str) -> Result<FaultKind, FaultError> {
    let (codes, _) = endpoint.error_codes();
    if let Some(code) = codes.iter().find(|c| **c == error) {
        return Ok(FaultKind::OAuthError { error: code });
    }
    if let Ok(status) = error.parse::<u16>()
        && (400..=599).contains(&status)
    {
        return Ok(FaultKind::HttpStatus { status });
    }
    match error {
        "delay" => return Ok(FaultKind::Delay),
        "drop_connection" => return Ok(FaultKind::DropConnection),
        "malformed_json" if endpoint.answers_json() => return Ok(FaultKind::MalformedJson),
        _ => {}
    }
    if endpoint == Endpoint::Token
        && let Some(fault) = TokenFault::ALL.into_iter().find(|f| f.name() == error)
    {
        return Ok(FaultKind::Token { fault });
    }
    Err(FaultError::UnknownKind {
        endpoint: endpoint.name(),
        error: error.to_owned(),
        allowed: allowed_kinds(endpoint),
    })
}

fn allowed_kinds(endpoint: Endpoint) -> String {
    let (codes, rule) = endpoint.error_codes();
    let mut kinds: Vec<String> = Vec::new();
    if !codes.is_empty() {
        kinds.push(format!(
            "its OAuth error codes ({}; {rule})",
            codes.join(", ")
        ));
    }
    kinds.push("an HTTP status from 400 to 599 (an HTML page)".into());
    if endpoint.answers_json() {
        kinds.push("malformed_json".into());
    }
    kinds.push("drop_connection".into());
    kinds.push("delay (with delay_ms)".into());
    if endpoint == Endpoint::Token {
        kinds.push(format!(
            "a token fault ({})",
            TokenFault::ALL.map(TokenFault::name).join(", ")
        ));
    }
    kinds.join(", ")
}

/// The pending faults.
#[derive(Debug)]
pub struct Faults {
    pending: Mutex<Pending>,
    cap: usize,
}

#[derive(Debug, Default)]
struct Pending {
    faults: Vec<Fault>,
    next_id: u64,
}

impl Faults {
    pub fn new(cap: usize) -> Self {
        Faults {
            pending: Mutex::new(Pending::default()),
            cap,
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Pending> {
        // A panic while holding this lock cannot leave the list half-changed.
        self.pending
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    pub fn add(&self, mut fault: Fault) -> Result<Fault, FaultError> {
        let mut pending = self.lock();
        if pending.faults.len() >= self.cap {
            return Err(FaultError::Full(self.cap));
        }
        pending.next_id += 1;
        fault.id = pending.next_id;
        pending.faults.push(fault.clone());
        Ok(fault)
    }

    pub fn list(&self) -> Vec<Fault> {
        self.lock().faults.clone()
    }

    pub fn clear(&self) -> usize {
        std::mem::take(&mut self.lock().faults).len()
    }

    /// The first pending fault for this request (oldest first), without using it up.
    pub fn find(&self, endpoint: Endpoint, client_id: Option<&str>) -> Option<Fault> {
        self.lock()
            .faults
            .iter()
            .find(|f| {
                f.endpoint == endpoint
                    && f.client_id
                        .as_deref()
                        .is_none_or(|wanted| Some(wanted) == client_id)
            })
            .cloned()
    }

    /// Counts one use of a fault, which goes once its count is spent; `false` when another
    /// request used it up first.
    pub fn use_once(&self, id: u64) -> bool {
        let mut pending = self.lock();
        let Some(at) = pending.faults.iter().position(|f| f.id == id) else {
            return false;
        };
        let fault = &mut pending.faults[at];
        fault.remaining = fault.remaining.saturating_sub(1);
        if fault.remaining == 0 {
            pending.faults.remove(at);
        }
        true
    }
}

/// Waits the fault's added latency.
pub async fn delay(fault: &Fault) {
    if fault.delay_ms > 0 {
        tokio::time::sleep(Duration::from_millis(fault.delay_ms)).await;
    }
}

/// The answer a fault gives in place of the endpoint's, or `None` when the endpoint must run
/// (delays, token faults and authorization errors shape the real answer).
pub fn replacement(fault: &Fault, used_basic: bool) -> Option<Response> {
    let description = description(fault);
    let response = match &fault.kind {
        FaultKind::OAuthError { .. } if fault.endpoint == Endpoint::Authorize => return None,
        FaultKind::OAuthError { error } => {
            oauth_error(fault.endpoint, error, &description, used_basic)
        }
        FaultKind::HttpStatus { status } => html_status(*status),
        FaultKind::MalformedJson => (
            StatusCode::OK,
            [(header::CONTENT_TYPE, "application/json")],
            r#"{"access_token": "eyJhbGciOi"#,
        )
            .into_response(),
        FaultKind::DropConnection => dropped(),
        FaultKind::Delay | FaultKind::Token { .. } => return None,
    };
    Some(response)
}

/// The `error_description` of an injected error: where it came from, and where its code is
/// defined.
pub fn description(fault: &Fault) -> String {
    let (_, rule) = fault.endpoint.error_codes();
    format!(
        "injected by the mock's control API (fault {}, POST /_mock/faults); the code is defined \
         in {rule}",
        fault.id
    )
}

/// An OAuth error with the status its code goes with (RFC 6749 §5.2, RFC 6750 §3.1).
fn oauth_error(endpoint: Endpoint, error: &str, description: &str, used_basic: bool) -> Response {
    let status = match error {
        "server_error" => StatusCode::INTERNAL_SERVER_ERROR,
        "temporarily_unavailable" => StatusCode::SERVICE_UNAVAILABLE,
        "invalid_client" if used_basic => StatusCode::UNAUTHORIZED,
        "invalid_token" => StatusCode::UNAUTHORIZED,
        "insufficient_scope" => StatusCode::FORBIDDEN,
        _ => StatusCode::BAD_REQUEST,
    };
    let mut response = (
        status,
        axum::Json(json!({"error": error, "error_description": description})),
    )
        .into_response();
    let challenge = match (endpoint, error) {
        (Endpoint::Userinfo, "invalid_token" | "insufficient_scope") => Some(format!(
            r#"Bearer realm="oauthscope mock", error="{error}""#
        )),
        (_, "invalid_client") if used_basic => Some(r#"Basic realm="oauthscope mock""#.into()),
        _ => None,
    };
    if let Some(value) = challenge.and_then(|c| HeaderValue::from_str(&c).ok()) {
        response
            .headers_mut()
            .insert(header::WWW_AUTHENTICATE, value);
    }
    forbid_caching(response.headers_mut());
    response
}

fn html_status(status: u16) -> Response {
    let code = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let reason = code.canonical_reason().unwrap_or("Error");
    let page = format!(
        "<!DOCTYPE html>\n<html><head><title>{status} {reason}</title></head>\
         <body><h1>{status} {reason}</h1><p>nginx</p></body></html>\n"
    );
    (
        code,
        [(header::CONTENT_TYPE, "text/html; charset=utf-8")],
        page,
    )
        .into_response()
}

/// A response whose body fails at once: the server closes the connection without a complete
/// answer, as a crashed upstream or a reset connection does.
fn dropped() -> Response {
    let failing = futures_util::stream::once(async {
        Err::<axum::body::Bytes, std::io::Error>(std::io::Error::new(
            std::io::ErrorKind::ConnectionReset,
            "connection dropped by an injected fault",
        ))
    });
    Response::new(Body::from_stream(failing))
}

/// Marks a response as shaped by `fault` and logs it.
pub fn mark(response: &mut Response, fault: &Fault, client_id: Option<&str>) {
    let label = fault.kind.label();
    tracing::warn!(
        fault = label,
        endpoint = fault.endpoint.name(),
        client_id = client_id.unwrap_or("-"),
        fault_id = fault.id,
        "injected fault"
    );
    if let Ok(value) = HeaderValue::from_str(&label) {
        response.headers_mut().insert(FAULT_HEADER, value);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request(endpoint: &str, error: &str) -> FaultRequest {
        FaultRequest {
            endpoint: endpoint.into(),
            error: Some(error.into()),
            count: None,
            client_id: None,
            delay_ms: None,
        }
    }

    #[test]
    fn kinds_follow_the_endpoint() {
        let kind = |e, k| request(e, k).validate().map(|f| f.kind);
        assert_eq!(
            kind("token", "invalid_grant"),
            Ok(FaultKind::OAuthError {
                error: "invalid_grant"
            })
        );
        assert_eq!(
            kind("token", "503"),
            Ok(FaultKind::HttpStatus { status: 503 })
        );
        assert_eq!(
            kind("token", "unknown_kid"),
            Ok(FaultKind::Token {
                fault: TokenFault::UnknownKid
            })
        );
        let err = kind("userinfo", "invalid_grant").unwrap_err().to_string();
        assert!(
            err.contains("invalid_token") && err.contains("RFC 6750"),
            "{err}"
        );
        assert!(kind("authorize", "malformed_json").is_err());
        assert!(kind("userinfo", "wrong_iss").is_err());
        assert!(kind("token", "200").is_err());
        assert!(matches!(
            kind("tokne", "invalid_grant"),
            Err(FaultError::UnknownEndpoint(_))
        ));
    }

    #[test]
    fn numbers_from_the_request_are_checked() {
        let mut big = request("token", "invalid_grant");
        big.count = Some(u64::MAX);
        assert_eq!(big.validate(), Err(FaultError::Count(u64::MAX)));
        let mut zero = request("token", "invalid_grant");
        zero.count = Some(0);
        assert_eq!(zero.validate(), Err(FaultError::Count(0)));
        let mut slow = request("token", "delay");
        slow.delay_ms = Some(MAX_DELAY_MS + 1);
        assert_eq!(slow.validate(), Err(FaultError::Delay(MAX_DELAY_MS + 1)));
        let only_delay = FaultRequest {
            endpoint: "jwks".into(),
            error: None,
            count: None,
            client_id: None,
            delay_ms: Some(10),
        };
        assert_eq!(only_delay.validate().unwrap().kind, FaultKind::Delay);
    }

    #[test]
    fn faults_match_by_client_are_used_up_and_capped() {
        let faults = Faults::new(2);
        let mut only_svc = request("token", "invalid_grant");
        only_svc.client_id = Some("svc".into());
        only_svc.count = Some(2);
        let stored = faults.add(only_svc.validate().unwrap()).unwrap();
        assert!(faults.find(Endpoint::Token, Some("other")).is_none());
        assert!(faults.find(Endpoint::Userinfo, Some("svc")).is_none());
        assert_eq!(
            faults.find(Endpoint::Token, Some("svc")).unwrap().id,
            stored.id
        );
        assert!(faults.use_once(stored.id));
        assert_eq!(faults.list()[0].remaining, 1);
        assert!(faults.use_once(stored.id));
        assert!(faults.list().is_empty());
        assert!(!faults.use_once(stored.id));
        faults
            .add(request("jwks", "500").validate().unwrap())
            .unwrap();
        faults
            .add(request("jwks", "500").validate().unwrap())
            .unwrap();
        let full = faults.add(request("jwks", "500").validate().unwrap());
        assert_eq!(full, Err(FaultError::Full(2)));
        assert_eq!(faults.clear(), 2);
    }
}
