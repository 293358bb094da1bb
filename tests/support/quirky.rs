//! A small authorization server that answers like the deployed servers oauthscope meets:
//! metadata pointing at another host, plain http, odd `token_type`s, Basic credentials decoded
//! without the form-decoding RFC 6749 §2.3.1 asks for, a device endpoint that wants
//! `client_id` in the body (oauthlib), a registration endpoint whose `registration_client_uri`
//! follows the other endpoints. It counts what reaches it, so a test can tell that a refused
//! request was never sent.

// Each test binary uses the part of this server it needs.
#![allow(dead_code)]

use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use axum::Router;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use base64::Engine as _;
use serde_json::json;
use tokio::net::TcpListener;

pub const CLIENT_ID: &str = "app";
/// The registration access token the registration endpoint issues and management accepts.
pub const REGISTRATION_TOKEN: &str = "reg-access-token";

/// How the server behaves.
#[derive(Debug, Clone)]
pub struct Quirks {
    /// The `token_type` of every token response.
    pub token_type: &'static str,
    /// Where the metadata puts the token, introspection and device endpoints and where the
    /// registration response puts the `registration_client_uri`:
    /// `None` on the issuer itself, `Some(base)` elsewhere (`Other` for the second listener).
    pub endpoints: Endpoints,
    /// Decode Basic credentials as plain HTTP Basic does, without form-decoding them.
    pub plain_basic: bool,
    /// Advertise `authorization_response_iss_parameter_supported`.
    pub iss_supported: bool,
    /// The client secret the server accepts.
    pub secret: &'static str,
}

#[derive(Debug, Clone)]
pub enum Endpoints {
    Issuer,
    /// The second listener, on 127.0.0.2: another host, loopback too.
    OtherHost,
    /// A fixed base URL (one never reached, such as a TEST-NET address).
    At(String),
}

impl Default for Quirks {
    fn default() -> Self {
        Quirks {
            token_type: "Bearer",
            endpoints: Endpoints::Issuer,
            plain_basic: false,
            iss_supported: false,
            secret: "s3cret",
        }
    }
}

/// What reached the server.
#[derive(Debug, Default)]
pub struct Seen {
    pub token_requests: AtomicUsize,
    /// Requests to the client configuration endpoint (RFC 7592), which carry the token.
    pub management_requests: AtomicUsize,
    pub device_bodies: Mutex<Vec<String>>,
}

pub struct Quirky {
    pub issuer: String,
    /// Where the metadata and the registration response put the endpoints (see [`Endpoints`]).
    pub endpoint_base: String,
    pub seen: Arc<Seen>,
}

struct Shared {
    quirks: Quirks,
    issuer: String,
    endpoint_base: String,
    seen: Arc<Seen>,
}

impl Quirky {
    pub async fn start(quirks: Quirks) -> Quirky {
        let main = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let other = TcpListener::bind("127.0.0.2:0").await.unwrap();
        let issuer = base(main.local_addr().unwrap());
        let endpoint_base = match &quirks.endpoints {
            Endpoints::Issuer => issuer.clone(),
            Endpoints::OtherHost => base(other.local_addr().unwrap()),
            Endpoints::At(url) => url.clone(),
        };
        let seen = Arc::new(Seen::default());
        let shared = Arc::new(Shared {
            quirks,
            issuer: issuer.clone(),
            endpoint_base: endpoint_base.clone(),
            seen: seen.clone(),
        });
        let router = Router::new()
            .route("/.well-known/oauth-authorization-server", get(metadata))
            .route("/token", post(token))
            .route("/introspect", post(introspect))
            .route("/device", post(device))
            .route("/register", post(register))
            .route(
                "/register/{id}",
                get(manage).put(manage).delete(manage_delete),
            )
            .with_state(shared);
        tokio::spawn(axum::serve(main, router.clone()).into_future());
        tokio::spawn(axum::serve(other, router).into_future());
        Quirky {
            issuer,
            endpoint_base,
            seen,
        }
    }

    pub fn token_requests(&self) -> usize {
        self.seen.token_requests.load(Ordering::SeqCst)
    }

    pub fn management_requests(&self) -> usize {
        self.seen.management_requests.load(Ordering::SeqCst)
    }
}

fn base(addr: SocketAddr) -> String {
    format!("http://{addr}")
}

async fn metadata(State(s): State<Arc<Shared>>) -> Response {
    let e = &s.endpoint_base;
    let mut doc = json!({
        "issuer": s.issuer,
        "authorization_endpoint": format!("{}/authorize", s.issuer),
        "token_endpoint": format!("{e}/token"),
        "introspection_endpoint": format!("{e}/introspect"),
        "device_authorization_endpoint": format!("{e}/device"),
        "registration_endpoint": format!("{}/register", s.issuer),
        "response_types_supported": ["code"],
        "code_challenge_methods_supported": ["S256"],
    });
    if s.quirks.iss_supported {
        doc["authorization_response_iss_parameter_supported"] = json!(true);
    }
    axum::Json(doc).into_response()
}

fn form(body: &str) -> Vec<(String, String)> {
    url::form_urlencoded::parse(body.as_bytes())
        .into_owned()
        .collect()
}

fn param<'a>(form: &'a [(String, String)], name: &str) -> Option<&'a str> {
    form.iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
}

/// The client id and secret from Basic (decoded the way the quirks say) or the form.
fn credentials(
    s: &Shared,
    headers: &HeaderMap,
    form: &[(String, String)],
) -> Option<(String, String)> {
    if let Some(basic) = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Basic "))
    {
        let decoded = base64::engine::general_purpose::STANDARD
            .decode(basic)
            .ok()?;
        let pair = String::from_utf8(decoded).ok()?;
        let (id, secret) = pair.split_once(':')?;
        if s.quirks.plain_basic {
            return Some((id.to_string(), secret.to_string()));
        }
        let decode = |v: &str| {
            url::form_urlencoded::parse(format!("v={v}").as_bytes())
                .next()
                .map(|(_, v)| v.into_owned())
                .unwrap_or_default()
        };
        return Some((decode(id), decode(secret)));
    }
    Some((
        param(form, "client_id")?.to_string(),
        param(form, "client_secret")?.to_string(),
    ))
}

fn invalid_client() -> Response {
    (
        StatusCode::UNAUTHORIZED,
        [(header::WWW_AUTHENTICATE, "Basic realm=\"quirky\"")],
        axum::Json(
            json!({"error": "invalid_client", "error_description": "client authentication failed"}),
        ),
    )
        .into_response()
}

fn authenticated(s: &Shared, headers: &HeaderMap, form: &[(String, String)]) -> bool {
    credentials(s, headers, form)
        .is_some_and(|(id, secret)| id == CLIENT_ID && secret == s.quirks.secret)
}

async fn token(State(s): State<Arc<Shared>>, headers: HeaderMap, body: String) -> Response {
    s.seen.token_requests.fetch_add(1, Ordering::SeqCst);
    let form = form(&body);
    if !authenticated(&s, &headers, &form) {
        return invalid_client();
    }
    axum::Json(json!({
        "access_token": "opaque-access-token",
        "token_type": s.quirks.token_type,
        "expires_in": 60,
    }))
    .into_response()
}

async fn introspect(State(s): State<Arc<Shared>>, headers: HeaderMap, body: String) -> Response {
    s.seen.token_requests.fetch_add(1, Ordering::SeqCst);
    if !authenticated(&s, &headers, &form(&body)) {
        return invalid_client();
    }
    axum::Json(json!({"active": true, "client_id": CLIENT_ID})).into_response()
}

/// Like oauthlib's device endpoint: `client_id` must be in the body, whatever else
/// authenticates the client.
async fn device(State(s): State<Arc<Shared>>, headers: HeaderMap, body: String) -> Response {
    s.seen.device_bodies.lock().unwrap().push(body.clone());
    let form = form(&body);
    if param(&form, "client_id").is_none() {
        return (
            StatusCode::BAD_REQUEST,
            axum::Json(json!({"error": "invalid_request", "error_description": "Missing client_id parameter."})),
        )
            .into_response();
    }
    if !authenticated(&s, &headers, &form) {
        return invalid_client();
    }
    axum::Json(json!({
        "device_code": "device-code-1",
        "user_code": "BCDF-GHJK",
        "verification_uri": format!("{}/device", s.issuer),
        "expires_in": 600,
        "interval": 1,
    }))
    .into_response()
}

/// Open registration (RFC 7591) on the issuer; the client is then managed where the quirks
/// put the endpoints.
async fn register(State(s): State<Arc<Shared>>) -> Response {
    let client = json!({
        "client_id": "registered",
        "registration_access_token": REGISTRATION_TOKEN,
        "registration_client_uri": format!("{}/register/registered", s.endpoint_base),
        "redirect_uris": ["http://127.0.0.1/cb"],
    });
    (StatusCode::CREATED, axum::Json(client)).into_response()
}

fn management_allowed(s: &Shared, headers: &HeaderMap) -> bool {
    s.seen.management_requests.fetch_add(1, Ordering::SeqCst);
    let expected = format!("Bearer {REGISTRATION_TOKEN}");
    headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        == Some(expected.as_str())
}

/// Read and update (RFC 7592 §2.1, §2.2): the client as registered.
async fn manage(State(s): State<Arc<Shared>>, headers: HeaderMap) -> Response {
    if !management_allowed(&s, &headers) {
        return StatusCode::UNAUTHORIZED.into_response();
    }
    axum::Json(json!({
        "client_id": "registered",
        "redirect_uris": ["http://127.0.0.1/cb"],
    }))
    .into_response()
}

async fn manage_delete(State(s): State<Arc<Shared>>, headers: HeaderMap) -> Response {
    if !management_allowed(&s, &headers) {
        return StatusCode::UNAUTHORIZED.into_response();
    }
    StatusCode::NO_CONTENT.into_response()
}
