//! A hostile authorization server on 127.0.0.1 for the CLI and terminal app suites: escape
//! sequences in every string it controls, numbers no clock can hold.

#![allow(dead_code)] // each test file uses part of it

use axum::Router;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde_json::{Value, json};
use tokio::net::TcpListener;

/// What a hostile server writes into its strings: OSC 52 (sets the clipboard), OSC 0 (the
/// window title), a screen clear, a C1 CSI, a bidi override, and a line that fakes output.
pub const EVIL: &str =
    "\x1b]52;c;cHduZWQ=\x07\x1b]0;pwned\x07\x1b[2J\u{9b}31m\u{202e}exe.txt\r\n✓ 9. All good\x7f";

/// `u64::MAX`, as the numbers of a server that means harm.
pub const HUGE: u64 = u64::MAX;

/// Starts a server built from its own base URL on an ephemeral loopback port.
pub async fn serve(build: impl FnOnce(String) -> Router) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let router = build(base.clone());
    tokio::spawn(async move { axum::serve(listener, router).await });
    base
}

/// RFC 8414 metadata naming every endpoint below, with `extra` merged over it.
pub fn metadata(base: &str, extra: Value) -> Router {
    let mut doc = json!({
        "issuer": base,
        "authorization_endpoint": format!("{base}/authorize"),
        "token_endpoint": format!("{base}/token"),
        "device_authorization_endpoint": format!("{base}/device"),
        "introspection_endpoint": format!("{base}/introspect"),
        "revocation_endpoint": format!("{base}/revoke"),
        "userinfo_endpoint": format!("{base}/userinfo"),
        "registration_endpoint": format!("{base}/register"),
        "response_types_supported": ["code"],
        "grant_types_supported": ["authorization_code", "client_credentials",
            "urn:ietf:params:oauth:grant-type:device_code"],
        "code_challenge_methods_supported": ["S256"],
        "token_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post"],
    });
    if let (Value::Object(doc), Value::Object(extra)) = (&mut doc, extra) {
        doc.extend(extra);
    }
    Router::new().route(
        "/.well-known/oauth-authorization-server",
        get(move || async move { axum::Json(doc) }),
    )
}

/// A compact JWS with this payload (unsigned for our purpose: `decode` shows it unverified).
pub fn jwt_with_payload(payload: &[u8]) -> String {
    let header = URL_SAFE_NO_PAD.encode(br#"{"alg":"HS256","typ":"JWT"}"#);
    let payload = URL_SAFE_NO_PAD.encode(payload);
    format!("{header}.{payload}.c2lnbmF0dXJl")
}

pub fn json_response(status: StatusCode, body: Value) -> Response {
    (status, axum::Json(body)).into_response()
}

/// A device authorization endpoint answering with these numbers.
pub async fn device_server(expires_in: Value, interval: Value, poll: Value) -> String {
    serve(move |base| {
        let uri = format!("{base}/verify{EVIL}");
        metadata(&base, json!({}))
            .route(
                "/device",
                post(move || async move {
                    json_response(
                        StatusCode::OK,
                        json!({ "device_code": "dc", "user_code": EVIL, "verification_uri": uri,
                                "expires_in": expires_in, "interval": interval }),
                    )
                }),
            )
            .route(
                "/token",
                post(move || async move { json_response(StatusCode::BAD_REQUEST, poll) }),
            )
    })
    .await
}
