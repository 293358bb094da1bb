//! The control API under `/_mock/` over real HTTP: the clock expiring codes and refresh
//! tokens, key rotation and retirement as a verifier sees it, claim overrides, the request
//! log with its secrets masked, who may use the API, and bad input refused in words.

mod mock_support;

use std::net::{IpAddr, UdpSocket};

use mock_support::{CONFIDENTIAL, Mock, REDIRECT, SECRET, VERIFIER, start, start_with};
use oauthscope::mock::{ControlConfig, MockConfig};
use oauthscope::oauth::RecordingClient;
use oauthscope::oauth::jwks::KeyStore;
use oauthscope::oauth::jwt::{self, ClaimRules, Jwt};
use oauthscope::oauth::secret::Secret;
use reqwest::StatusCode;
use serde_json::{Value, json};

mod support {
    use super::*;

    /// A control request with a JSON body; the status and the JSON answer.
    pub async fn control(
        mock: &Mock,
        method: &str,
        path: &str,
        body: Option<Value>,
    ) -> (StatusCode, Value) {
        let method = reqwest::Method::from_bytes(method.as_bytes()).unwrap();
        let mut request = mock.http.request(method, mock.url(path));
        if let Some(body) = body {
            request = request.json(&body);
        }
        let response = request.send().await.unwrap();
        let status = response.status();
        let text = response.text().await.unwrap();
        let json = serde_json::from_str(&text).unwrap_or_else(|_| json!({ "text": text }));
        (status, json)
    }
}
use support::control;

async fn ok(mock: &Mock, method: &str, path: &str, body: Option<Value>) -> Value {
    let (status, json) = control(mock, method, path, body).await;
    assert!(status.is_success(), "{status}: {json}");
    json
}

/// A 400 whose description contains `words`.
async fn refused(mock: &Mock, method: &str, path: &str, body: Value, words: &str) {
    let (status, json) = control(mock, method, path, Some(body.clone())).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}: {json}");
    let description = json["error_description"].as_str().unwrap();
    assert!(description.contains(words), "{body}: {description}");
}

#[tokio::test]
async fn advancing_the_clock_expires_a_code() {
    let mock = start().await;
    let code = mock.code("openid").await;
    let moved = ok(
        &mock,
        "POST",
        "/_mock/clock",
        Some(json!({"advance": "61s"})),
    )
    .await;
    assert_eq!(moved["offset_ms"], 61_000);
    let reply = mock
        .token(&[
            ("grant_type", "authorization_code"),
            ("code", &code),
            ("redirect_uri", REDIRECT),
            ("code_verifier", VERIFIER),
        ])
        .await;
    let why = reply.expect_error(400, "invalid_grant");
    assert!(why.contains("expired"), "{why}");
}

#[tokio::test]
async fn advancing_the_clock_expires_a_refresh_token_and_real_time_comes_back() {
    let mock = start().await;
    let tokens = mock.code_flow("openid").await;
    let refresh = tokens["refresh_token"].as_str().unwrap().to_owned();
    ok(
        &mock,
        "POST",
        "/_mock/clock",
        Some(json!({"advance": "1d"})),
    )
    .await;
    ok(
        &mock,
        "POST",
        "/_mock/clock",
        Some(json!({"advance": "1s"})),
    )
    .await;
    let reply = mock
        .token(&[("grant_type", "refresh_token"), ("refresh_token", &refresh)])
        .await;
    let why = reply.expect_error(400, "invalid_grant");
    assert!(why.contains("expired"), "{why}");
    let back = ok(&mock, "POST", "/_mock/clock", Some(json!({"real": true}))).await;
    assert_eq!(back["offset_ms"], 0);
    let set = ok(
        &mock,
        "POST",
        "/_mock/clock",
        Some(json!({"set": "2030-01-01T00:00:00Z"})),
    )
    .await;
    assert_eq!(set["now"], 1_893_456_000u64);
    let issued = mock.client_credentials().await;
    let token = issued["access_token"].as_str().unwrap();
    let claims = Jwt::decode(token).unwrap();
    assert_eq!(claims.unverified_claims()["iat"], 1_893_456_000u64);
}

/// Verifies `token` the way the engine does: by kid against the live /jwks, refetching once.
async fn engine_verifies(mock: &Mock, token: &str) -> Result<(), String> {
    let http = RecordingClient::new().unwrap();
    let mut keys = KeyStore::from_url(mock.url("/jwks"));
    let rules = ClaimRules {
        issuer: Some(mock.issuer().to_owned()),
        ..ClaimRules::default()
    };
    let verdict = jwt::verify(&Jwt::decode(token).unwrap(), &mut keys, &http, &rules).await;
    match verdict.failure_summary() {
        None => Ok(()),
        Some(why) => Err(why),
    }
}

#[tokio::test]
async fn rotation_keeps_old_tokens_verifiable_until_the_keys_are_retired() {
    let mock = start().await;
    let before = mock.client_credentials().await;
    let old_token = before["access_token"].as_str().unwrap().to_owned();
    let old_kid = Jwt::decode(&old_token).unwrap().unverified_header()["kid"].clone();

    let rotation = ok(&mock, "POST", "/_mock/keys/rotate", None).await;
    assert!(rotation["retired"].as_array().unwrap().contains(&old_kid));
    engine_verifies(&mock, &old_token)
        .await
        .expect("the old key is still published");
    let history = ok(&mock, "GET", "/_mock/keys", None).await;
    assert!(!history["current"].as_array().unwrap().contains(&old_kid));
    assert!(history["published"].as_array().unwrap().contains(&old_kid));
    assert_eq!(history["rotations"].as_array().unwrap().len(), 1);

    let newer = mock.client_credentials().await;
    let newer_token = newer["access_token"].as_str().unwrap().to_owned();
    assert_ne!(
        Jwt::decode(&newer_token).unwrap().unverified_header()["kid"],
        old_kid
    );

    ok(
        &mock,
        "POST",
        "/_mock/keys/rotate",
        Some(json!({"retire_old": true})),
    )
    .await;
    let why = engine_verifies(&mock, &newer_token).await.unwrap_err();
    assert!(why.contains("kid"), "{why}");
    // The first keys are still within their window; the clock moving past it drops them.
    engine_verifies(&mock, &old_token)
        .await
        .expect("its window is not over");
    ok(
        &mock,
        "POST",
        "/_mock/clock",
        Some(json!({"advance": "3601s"})),
    )
    .await;
    let history = ok(&mock, "GET", "/_mock/keys", None).await;
    assert_eq!(history["published"].as_array().unwrap().len(), 2);
}

#[tokio::test]
async fn user_claims_reach_the_id_token_the_access_token_and_userinfo() {
    let mock = start().await;
    ok(
        &mock,
        "PUT",
        "/_mock/users/alice/claims",
        Some(json!({"role": "admin", "email": "alice@corp.example", "groups": ["ops"]})),
    )
    .await;
    let tokens = mock.code_flow("openid email").await;
    let (_, id) = mock
        .verify_jwt(tokens["id_token"].as_str().unwrap(), CONFIDENTIAL)
        .await;
    assert_eq!(id["role"], "admin");
    assert_eq!(id["email"], "alice@corp.example");
    assert_eq!(id["groups"], json!(["ops"]));
    let access = tokens["access_token"].as_str().unwrap();
    assert_eq!(
        Jwt::decode(access).unwrap().unverified_claims().clone()["role"],
        "admin"
    );
    let userinfo = mock
        .http
        .get(mock.url("/userinfo"))
        .bearer_auth(access)
        .send()
        .await
        .unwrap()
        .json::<Value>()
        .await
        .unwrap();
    assert_eq!(userinfo["role"], "admin");
    assert_eq!(userinfo["email"], "alice@corp.example");
}

#[tokio::test]
async fn next_token_claims_apply_once() {
    let mock = start().await;
    ok(
        &mock,
        "POST",
        "/_mock/claims/next",
        Some(json!({"acr": "urn:mace:incommon:iap:silver"})),
    )
    .await;
    let first = mock.client_credentials().await;
    let claims = Jwt::decode(first["access_token"].as_str().unwrap())
        .unwrap()
        .unverified_claims()
        .clone();
    assert_eq!(claims["acr"], "urn:mace:incommon:iap:silver");
    let second = mock.client_credentials().await;
    let claims = Jwt::decode(second["access_token"].as_str().unwrap())
        .unwrap()
        .unverified_claims()
        .clone();
    assert!(claims.get("acr").is_none());
}

#[tokio::test]
async fn config_file_claims_are_issued_for_their_user() {
    let parsed = MockConfig::from_toml_str(
        r#"
        [[users]]
        username = "carol"
        [users.claims]
        tenant = "acme"
        roles = ["reader", "writer"]
        "#,
    )
    .unwrap();
    let mock = start_with(|config| {
        config.users = parsed.users.clone();
        config.auto_approve = Some("carol".into());
    })
    .await;
    let tokens = mock.code_flow("openid").await;
    let (_, id) = mock
        .verify_jwt(tokens["id_token"].as_str().unwrap(), CONFIDENTIAL)
        .await;
    assert_eq!(id["tenant"], "acme");
    assert_eq!(id["roles"], json!(["reader", "writer"]));
}

#[tokio::test]
async fn the_request_log_shows_what_was_sent_with_secrets_masked() {
    let mock = start().await;
    let code = mock.code("openid").await;
    mock.token(&[
        ("grant_type", "authorization_code"),
        ("code", &code),
        ("redirect_uri", REDIRECT),
        ("code_verifier", VERIFIER),
    ])
    .await;
    let log = ok(&mock, "GET", "/_mock/requests?limit=1", None).await;
    let requests = log["requests"].as_array().unwrap();
    assert_eq!(requests.len(), 1);
    let token = &requests[0];
    assert_eq!(token["path"], "/token");
    assert_eq!(token["status"], 200);
    let text = token.to_string();
    assert!(text.contains("authorization_code"), "{text}");
    assert!(!text.contains(&code), "the code is masked: {text}");
    assert!(!text.contains(VERIFIER), "the verifier is masked: {text}");
    let basic = base64::Engine::encode(
        &base64::engine::general_purpose::STANDARD,
        format!("{CONFIDENTIAL}:{SECRET}"),
    );
    assert!(!text.contains(&basic) && !text.contains(SECRET), "{text}");
    let all = ok(&mock, "GET", "/_mock/requests", None).await;
    assert!(all["requests"].as_array().unwrap().len() >= 2);
    assert!(
        !all.to_string().contains("/_mock/"),
        "control requests are not logged"
    );
}

#[tokio::test]
async fn faults_are_listed_cleared_and_marked_on_the_answer() {
    let mock = start().await;
    let added = ok(
        &mock,
        "POST",
        "/_mock/faults",
        Some(json!({"endpoint": "jwks", "error": "500", "count": 3})),
    )
    .await;
    assert_eq!(added["remaining"], 3);
    let reply = mock.get("/jwks").await;
    assert_eq!(reply.status, 500);
    assert_eq!(reply.header("x-oauthscope-fault"), "http_500");
    let listed = ok(&mock, "GET", "/_mock/faults", None).await;
    assert_eq!(listed["faults"][0]["remaining"], 2);
    let log = ok(&mock, "GET", "/_mock/requests?limit=1", None).await;
    assert_eq!(log["requests"][0]["fault"], "http_500");
    let cleared = ok(&mock, "DELETE", "/_mock/faults", None).await;
    assert_eq!(cleared["cleared"], 1);
    assert_eq!(mock.get("/jwks").await.status, 200);
}

#[tokio::test]
async fn bad_input_is_refused_naming_the_problem() {
    let mock = start().await;
    let (status, json) = {
        let response = mock
            .http
            .post(mock.url("/_mock/faults"))
            .header("content-type", "application/json")
            .body("{not json")
            .send()
            .await
            .unwrap();
        (response.status(), response.json::<Value>().await.unwrap())
    };
    assert_eq!(status, 400);
    assert!(json["error_description"].as_str().unwrap().contains("JSON"));
    refused(
        &mock,
        "POST",
        "/_mock/faults",
        json!({"endpoint": "token", "error": "teapot"}),
        "invalid_grant",
    )
    .await;
    refused(
        &mock,
        "POST",
        "/_mock/faults",
        json!({"endpoint": "nowhere", "error": "500"}),
        "unknown endpoint",
    )
    .await;
    refused(&mock, "POST", "/_mock/faults", json!({"endpoint": "token", "error": "invalid_grant", "count": 18_446_744_073_709_551_615u64}), "count must be").await;
    refused(
        &mock,
        "POST",
        "/_mock/faults",
        json!({"endpoint": "token", "delay_ms": 3_600_000}),
        "delay_ms",
    )
    .await;
    refused(
        &mock,
        "POST",
        "/_mock/faults",
        json!({"endpoint": "token", "error": "invalid_grant", "extra": 1}),
        "unknown field",
    )
    .await;
    refused(
        &mock,
        "POST",
        "/_mock/clock",
        json!({"advance": "99999999999d"}),
        "9999",
    )
    .await;
    refused(
        &mock,
        "POST",
        "/_mock/clock",
        json!({"advance": "soon"}),
        "not a duration",
    )
    .await;
    refused(
        &mock,
        "POST",
        "/_mock/clock",
        json!({"set": "tomorrow"}),
        "RFC 3339",
    )
    .await;
    refused(
        &mock,
        "POST",
        "/_mock/clock",
        json!({"advance": "1s", "real": true}),
        "exactly one",
    )
    .await;
    refused(
        &mock,
        "PUT",
        "/_mock/users/alice/claims",
        json!(["not", "an", "object"]),
        "JSON",
    )
    .await;
    refused(
        &mock,
        "POST",
        "/_mock/claims/next",
        json!({"blob": "x".repeat(20_000)}),
        "bytes",
    )
    .await;
    let (status, _) = control(&mock, "GET", "/_mock/requests?limit=lots", None).await;
    assert_eq!(status, 400);
}

#[tokio::test]
async fn pending_faults_are_capped() {
    let mock = start_with(|config| config.limits.pending_faults = 2).await;
    for _ in 0..2 {
        ok(
            &mock,
            "POST",
            "/_mock/faults",
            Some(json!({"endpoint": "jwks", "error": "500"})),
        )
        .await;
    }
    let (status, json) = control(
        &mock,
        "POST",
        "/_mock/faults",
        Some(json!({"endpoint": "jwks", "error": "500"})),
    )
    .await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS);
    assert!(
        json["error_description"]
            .as_str()
            .unwrap()
            .contains("limits.pending_faults")
    );
}

#[tokio::test]
async fn no_control_means_no_control_routes() {
    let mock = start_with(|config| {
        config.control = ControlConfig {
            enabled: false,
            token: None,
        }
    })
    .await;
    let (status, _) = control(&mock, "GET", "/_mock/faults", None).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(mock.get("/jwks").await.status, 200);
}

#[tokio::test]
async fn a_control_token_is_required_once_set() {
    let mock = start_with(|config| {
        config.control = ControlConfig {
            enabled: true,
            token: Some(Secret::new("lab-t0ken")),
        }
    })
    .await;
    let (status, json) = control(&mock, "GET", "/_mock/faults", None).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "{json}");
    let wrong = mock
        .http
        .get(mock.url("/_mock/faults"))
        .bearer_auth("lab-t0keN")
        .send()
        .await
        .unwrap();
    assert_eq!(wrong.status(), StatusCode::UNAUTHORIZED);
    let right = mock
        .http
        .get(mock.url("/_mock/faults"))
        .bearer_auth("lab-t0ken")
        .send()
        .await
        .unwrap();
    assert_eq!(right.status(), StatusCode::OK);
}

/// This machine's address on its default route: not loopback, yet local.
fn own_address() -> IpAddr {
    let socket = UdpSocket::bind("0.0.0.0:0").unwrap();
    // Connecting a UDP socket sends nothing; it only picks the route and so the address.
    socket
        .connect("192.0.2.1:9")
        .expect("this test needs a non-loopback IPv4 address on the machine");
    let ip = socket.local_addr().unwrap().ip();
    assert!(!ip.is_loopback() && !ip.is_unspecified(), "{ip}");
    ip
}

#[tokio::test]
async fn the_control_api_refuses_a_non_loopback_client_without_the_token() {
    let ip = own_address();
    let mock = start_with(|config| config.bind = ip).await;
    let url = format!("http://{}/_mock/faults", mock.server.addr());
    let response = mock.http.get(&url).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::FORBIDDEN);
    let body: Value = response.json().await.unwrap();
    let description = body["error_description"].as_str().unwrap();
    assert!(
        description.contains(&ip.to_string()) && description.contains("--control-token"),
        "{description}"
    );
    // The endpoints themselves still answer.
    let jwks = mock
        .http
        .get(format!("http://{}/jwks", mock.server.addr()))
        .send()
        .await
        .unwrap();
    assert_eq!(jwks.status(), StatusCode::OK);

    let with_token = start_with(|config| {
        config.bind = ip;
        config.control.token = Some(Secret::new("lab-t0ken"));
    })
    .await;
    let url = format!("http://{}/_mock/faults", with_token.server.addr());
    let response = with_token
        .http
        .get(&url)
        .bearer_auth("lab-t0ken")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
}
