//! `register` and `client update` against small local servers that answer as deployed
//! servers do: LemonLDAP::NG (times as strings) and Glewlwyd (a string member read out as a
//! one-element array, refused when sent back that way). Through the real binary.

use std::sync::{Arc, Mutex};

use axum::Json;
use axum::Router;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::IntoResponse;
use axum::routing::{get, post};
use serde_json::{Value, json};
use tokio::net::TcpListener;

#[path = "support/cli.rs"]
mod cli;
use cli::{listener, oauthscope};

async fn serve(router: Router<()>, listener: TcpListener) {
    tokio::spawn(async move { axum::serve(listener, router).await });
}

/// A router that already serves RFC 8414 metadata naming a registration endpoint.
fn with_metadata(base: &str) -> Router<()> {
    let meta = json!({"issuer": base, "token_endpoint": format!("{base}/token"),
                      "registration_endpoint": format!("{base}/register")});
    Router::new().route(
        "/.well-known/oauth-authorization-server",
        get(move || async move { Json(meta) }),
    )
}

/// LemonLDAP::NG answers a registration with its times as strings.
async fn lemonldap() -> String {
    let (l, base) = listener().await;
    let router = with_metadata(&base).route(
        "/register",
        post(|Json(body): Json<Value>| async move {
            let mut client = json!({
                "client_id": "lemon-client",
                "client_secret": "lemon-s3cret-value",
                "client_id_issued_at": "1700000000",
                "client_secret_expires_at": "0",
            });
            client["redirect_uris"] = body["redirect_uris"].clone();
            (StatusCode::CREATED, Json(client))
        }),
    );
    serve(router, l).await;
    base
}

#[tokio::test]
async fn a_registration_with_times_as_strings_keeps_the_client_and_names_the_members() {
    let base = lemonldap().await;
    let args = [
        "register",
        "--issuer",
        &base,
        "--redirect-uri",
        "http://127.0.0.1:8765/cb",
    ];
    let out = oauthscope(&args).await;
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("client_id                  lemon-client"),
        "{text}"
    );
    // Shown once by the server: printed in clear, under a warning.
    assert!(text.contains("! shown once, in clear"), "{text}");
    assert!(
        text.contains("client_secret              lemon-s3cret-value"),
        "{text}"
    );
    assert!(
        stderr.contains("warning: client_id_issued_at is \"1700000000\""),
        "{stderr}"
    );
    assert!(
        stderr.contains("warning: client_secret_expires_at is \"0\""),
        "{stderr}"
    );

    let mut json_args = args.to_vec();
    json_args.push("--json");
    let out = oauthscope(&json_args).await;
    assert!(out.status.success());
    let doc: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(doc["client"]["client_id"], "lemon-client");
    assert_eq!(doc["client"]["client_id_issued_at"], 1_700_000_000);
    assert_eq!(doc["client"]["client_secret"], "lemon-s3cret-value");
    let codes: Vec<&str> = doc["warnings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|w| w["code"].as_str().unwrap())
        .collect();
    assert_eq!(
        codes,
        [
            "registration_member_mistyped",
            "registration_member_mistyped"
        ]
    );
}

#[tokio::test]
async fn a_response_without_client_id_is_still_an_error_that_says_so() {
    let (l, base) = listener().await;
    let router = with_metadata(&base).route(
        "/register",
        post(|| async { (StatusCode::CREATED, Json(json!({"client_secret": "x"}))) }),
    );
    serve(router, l).await;
    let out = oauthscope(&["register", "--issuer", &base]).await;
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("no client_id") && stderr.contains("RFC 7591 §3.2.1"),
        "{stderr}"
    );
}

/// Glewlwyd reads `token_endpoint_auth_method` out as a one-element array, and refuses an
/// update that sends it back so. A good update rotates the registration access token.
#[derive(Clone, Default)]
struct Glewlwyd {
    token: Arc<Mutex<String>>,
    updates: Arc<Mutex<Vec<Value>>>,
}

async fn glewlwyd() -> (String, Glewlwyd) {
    let (l, base) = listener().await;
    let state = Glewlwyd::default();
    *state.token.lock().unwrap() = "first-rat".into();
    let uri = format!("{base}/register/g1");
    let client = move |token: &str| {
        json!({
            "client_id": "g1",
            "client_secret": "g1-secret",
            "registration_access_token": token,
            "registration_client_uri": uri,
            "token_endpoint_auth_method": ["client_secret_basic"],
            "redirect_uris": ["http://127.0.0.1:8765/cb"],
        })
    };
    let authorized = |state: &Glewlwyd, headers: &HeaderMap| {
        let expected = format!("Bearer {}", state.token.lock().unwrap());
        headers.get("authorization").and_then(|v| v.to_str().ok()) == Some(expected.as_str())
    };
    let read = client.clone();
    let router = Router::new()
        .route(
            "/register/g1",
            get(
                move |State(state): State<Glewlwyd>, headers: HeaderMap| async move {
                    if !authorized(&state, &headers) {
                        return StatusCode::UNAUTHORIZED.into_response();
                    }
                    let token = state.token.lock().unwrap().clone();
                    Json(read(&token)).into_response()
                },
            )
            .put(
                move |State(state): State<Glewlwyd>,
                      headers: HeaderMap,
                      Json(body): Json<Value>| async move {
                    if !authorized(&state, &headers) {
                        return StatusCode::UNAUTHORIZED.into_response();
                    }
                    state.updates.lock().unwrap().push(body.clone());
                    if !body["token_endpoint_auth_method"].is_string() {
                        let refusal = json!({"error": "invalid_client_metadata",
                            "error_description": "token_endpoint_auth_method must be a string"});
                        return (StatusCode::BAD_REQUEST, Json(refusal)).into_response();
                    }
                    *state.token.lock().unwrap() = "rotated-rat".into();
                    Json(client("rotated-rat")).into_response()
                },
            ),
        )
        .with_state(state.clone());
    serve(router, l).await;
    (base, state)
}

#[tokio::test]
async fn client_update_sends_string_members_as_strings_and_shows_the_rotated_token() {
    let (base, state) = glewlwyd().await;
    let out = oauthscope(&[
        "client",
        "update",
        "--registration-client-uri",
        &format!("{base}/register/g1"),
        "--registration-access-token",
        "first-rat",
        "--redirect-uri",
        "http://127.0.0.1:9999/cb",
    ])
    .await;
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    let updates = state.updates.lock().unwrap().clone();
    assert_eq!(updates.len(), 1);
    assert_eq!(
        updates[0]["token_endpoint_auth_method"],
        "client_secret_basic"
    );
    assert_eq!(
        updates[0]["redirect_uris"],
        json!(["http://127.0.0.1:9999/cb"])
    );
    assert!(
        stderr.contains(
            "warning: token_endpoint_auth_method is read out as [\"client_secret_basic\"]"
        ),
        "{stderr}"
    );
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("! shown once, in clear"), "{text}");
    assert!(
        text.contains("registration_access_token  rotated-rat"),
        "{text}"
    );
}
