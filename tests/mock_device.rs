//! The device authorization grant (RFC 8628): /device/code, the verification page and polling.

mod mock_support;

use mock_support::{CONFIDENTIAL, Mock, PUBLIC, Reply, SECRET, start, start_with};
use oauthscope::mock::ClientConfig;
use reqwest::StatusCode;
use serde_json::Value;

const DEVICE_GRANT: &str = "urn:ietf:params:oauth:grant-type:device_code";

async fn device_authorization(mock: &Mock, scope: &str) -> Value {
    let reply = mock
        .post_form(
            "/device/code",
            &[("client_id", PUBLIC), ("scope", scope)],
            None,
        )
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    assert_eq!(reply.header("cache-control"), "no-store");
    reply.json()
}

async fn poll(mock: &Mock, device_code: &str) -> Reply {
    mock.post_form(
        "/token",
        &[
            ("grant_type", DEVICE_GRANT),
            ("device_code", device_code),
            ("client_id", PUBLIC),
        ],
        None,
    )
    .await
}

fn tx_of(page: &Reply) -> String {
    let marker = "name=\"tx\" value=\"";
    let start = page.text.find(marker).expect("hidden tx field") + marker.len();
    let end = page.text[start..].find('"').unwrap() + start;
    page.text[start..end].to_owned()
}

/// Enters the code on the verification page, signs in as `user` and decides.
async fn verify(mock: &Mock, user_code: &str, user: &str, decision: &str) -> Reply {
    let login = mock
        .post_form("/device", &[("user_code", user_code)], None)
        .await;
    assert_eq!(login.status, StatusCode::OK, "{}", login.text);
    assert!(
        login.text.contains("Device code"),
        "the page shows the code"
    );
    let tx = tx_of(&login);
    mock.post_form("/login", &[("tx", &tx), ("username", user)], None)
        .await;
    mock.post_form("/consent", &[("tx", &tx), ("decision", decision)], None)
        .await
}

#[tokio::test]
async fn device_authorization_response_has_every_field() {
    let mock = start_with(|_| {}).await;
    let body = device_authorization(&mock, "openid profile").await;
    let user_code = body["user_code"].as_str().unwrap();
    assert_eq!(user_code.len(), 9);
    assert!(
        user_code
            .chars()
            .all(|c| c == '-' || "BCDFGHJKLMNPQRSTVWXZ".contains(c)),
        "{user_code}"
    );
    assert_eq!(
        body["verification_uri"],
        format!("{}/device", mock.issuer())
    );
    assert_eq!(
        body["verification_uri_complete"],
        format!("{}/device?user_code={user_code}", mock.issuer())
    );
    assert_eq!(body["expires_in"], 600);
    assert_eq!(body["interval"], 5);
    assert!(body["device_code"].as_str().unwrap().len() >= 43);
}

#[tokio::test]
async fn pending_then_approved_on_the_verification_page() {
    let mock = start_with(|_| {}).await;
    let body = device_authorization(&mock, "openid profile").await;
    let device_code = body["device_code"].as_str().unwrap();

    let pending = poll(&mock, device_code).await;
    pending.expect_error(400, "authorization_pending");

    let entry = mock.get("/device").await;
    assert_eq!(entry.status, StatusCode::OK);
    assert!(entry.text.contains("name=\"user_code\""));

    // Typed in lower case with a space instead of the dash: still accepted.
    let user_code = body["user_code"].as_str().unwrap();
    let typed = user_code.to_lowercase().replace('-', " ");
    let done = verify(&mock, &typed, "bob", "approve").await;
    assert_eq!(done.status, StatusCode::OK);
    assert!(done.text.contains("return to your device"));

    mock.advance(5);
    let tokens = poll(&mock, device_code).await;
    assert_eq!(tokens.status, StatusCode::OK, "{}", tokens.text);
    let tokens = tokens.json();
    assert!(tokens["refresh_token"].is_string());
    let (_, claims) = mock
        .verify_jwt(tokens["id_token"].as_str().unwrap(), PUBLIC)
        .await;
    assert_eq!(claims["preferred_username"], "bob");

    mock.advance(5);
    let again = poll(&mock, device_code).await;
    again.expect_error(400, "invalid_grant");
}

#[tokio::test]
async fn polling_faster_than_the_interval_is_slow_down_and_adds_5_seconds() {
    let mock = start_with(|_| {}).await;
    let body = device_authorization(&mock, "openid").await;
    let device_code = body["device_code"].as_str().unwrap();
    poll(&mock, device_code)
        .await
        .expect_error(400, "authorization_pending");
    mock.advance(4);
    let fast = poll(&mock, device_code).await;
    let description = fast.expect_error(400, "slow_down");
    assert!(description.contains("now 10 s"), "{description}");
    // The interval is now 10 s: 6 s later is still too fast, 10 s later is fine.
    mock.advance(6);
    poll(&mock, device_code)
        .await
        .expect_error(400, "slow_down");
    mock.advance(15);
    poll(&mock, device_code)
        .await
        .expect_error(400, "authorization_pending");
}

#[tokio::test]
async fn a_denied_request_is_access_denied() {
    let mock = start_with(|_| {}).await;
    let body = device_authorization(&mock, "openid").await;
    let done = verify(&mock, body["user_code"].as_str().unwrap(), "alice", "deny").await;
    assert_eq!(done.status, StatusCode::OK);
    assert!(done.text.contains("denied"));
    poll(&mock, body["device_code"].as_str().unwrap())
        .await
        .expect_error(400, "access_denied");
}

#[tokio::test]
async fn an_expired_device_code_is_expired_token() {
    let mock = start_with(|_| {}).await;
    let body = device_authorization(&mock, "openid").await;
    mock.advance(600);
    poll(&mock, body["device_code"].as_str().unwrap())
        .await
        .expect_error(400, "expired_token");
    // Its user code no longer works either.
    let page = mock
        .post_form(
            "/device",
            &[("user_code", body["user_code"].as_str().unwrap())],
            None,
        )
        .await;
    assert_eq!(page.status, StatusCode::BAD_REQUEST);
}

/// The store's sweep runs on a timer: a device code it has just seen expire must still be
/// answered `expired_token` when the device polls late, not forgotten as if never issued.
#[tokio::test]
async fn a_late_poll_after_the_sweep_still_hears_expired_token() {
    let mock = start_with(|config| config.limits.sweep_interval_secs = 1).await;
    let body = device_authorization(&mock, "openid").await;
    mock.advance(601);
    // Long enough for the one-second sweep to run at least once.
    tokio::time::sleep(std::time::Duration::from_millis(1_500)).await;
    poll(&mock, body["device_code"].as_str().unwrap())
        .await
        .expect_error(400, "expired_token");
}

#[tokio::test]
async fn auto_approve_completes_through_verification_uri_complete() {
    let mock = start().await;
    let body = device_authorization(&mock, "openid").await;
    let complete = body["verification_uri_complete"].as_str().unwrap();
    let path = complete.strip_prefix(mock.issuer()).unwrap();
    let page = mock.get(path).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.text.contains("alice"));
    let tokens = poll(&mock, body["device_code"].as_str().unwrap()).await;
    assert_eq!(tokens.status, StatusCode::OK, "{}", tokens.text);
}

#[tokio::test]
async fn auto_approve_completes_on_submitting_the_code() {
    let mock = start().await;
    let body = device_authorization(&mock, "openid").await;
    let page = mock
        .post_form(
            "/device",
            &[("user_code", body["user_code"].as_str().unwrap())],
            None,
        )
        .await;
    assert_eq!(page.status, StatusCode::OK);
    let tokens = poll(&mock, body["device_code"].as_str().unwrap()).await;
    assert_eq!(tokens.status, StatusCode::OK, "{}", tokens.text);
}

#[tokio::test]
async fn a_wrong_user_code_is_shown_again_with_an_error() {
    let mock = start_with(|_| {}).await;
    let page = mock
        .post_form("/device", &[("user_code", "BCDF-GHJK")], None)
        .await;
    assert_eq!(page.status, StatusCode::BAD_REQUEST);
    assert!(page.text.contains("unknown, expired or already used"));
    assert!(page.text.contains("value=\"BCDF-GHJK\""));
}

#[tokio::test]
async fn the_device_code_is_bound_to_its_client() {
    let mock = start().await;
    let body = device_authorization(&mock, "openid").await;
    let other = mock
        .post_form(
            "/token",
            &[
                ("grant_type", DEVICE_GRANT),
                ("device_code", body["device_code"].as_str().unwrap()),
            ],
            Some((CONFIDENTIAL, SECRET)),
        )
        .await;
    other.expect_error(400, "invalid_grant");
    poll(&mock, "no-such-device-code")
        .await
        .expect_error(400, "invalid_grant");
}

#[tokio::test]
async fn device_authorization_needs_a_client_allowed_the_grant() {
    let mock = start_with(|config| {
        config.clients.push(ClientConfig {
            client_id: "web-only".into(),
            client_secret: None,
            token_endpoint_auth_methods: vec![],
            redirect_uris: vec!["https://app.example/cb".into()],
            grant_types: vec!["authorization_code".into()],
            scope: None,
            client_name: None,
            application_type: None,
            introspection: Default::default(),
            jwks: None,
            jwks_uri: None,
        });
    })
    .await;
    let reply = mock
        .post_form("/device/code", &[("client_id", "web-only")], None)
        .await;
    reply.expect_error(400, "unauthorized_client");
    let unknown = mock
        .post_form("/device/code", &[("client_id", "ghost")], None)
        .await;
    unknown.expect_error(400, "invalid_client");
    let bad_scope = mock
        .post_form(
            "/device/code",
            &[("client_id", PUBLIC), ("scope", "root")],
            None,
        )
        .await;
    bad_scope.expect_error(400, "invalid_scope");
}
