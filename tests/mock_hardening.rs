//! Rules a security reviewer checks on the mock: which redirect URIs may be registered (by
//! /register, PUT /register/{id} and the config file), the initial access token, who may
//! introspect what, `no-store` on /userinfo and the user-code rate limit.

mod mock_support;

use std::net::{IpAddr, Ipv4Addr};

use mock_support::{CONFIDENTIAL, Mock, PUBLIC, Reply, SECRET, start, start_with};
use oauthscope::mock::MockConfig;
use reqwest::StatusCode;
use serde_json::{Value, json};

/// Redirect URIs that must never be registered, whoever asks.
const REJECTED: [&str; 9] = [
    "javascript://example.com/%0aalert(1)",
    "javascript:alert(1)",
    "vbscript://x/y",
    "file:///etc/passwd",
    "data:text/html,<script>alert(1)</script>",
    "https://app.example/cb\r\nSet-Cookie: a=b",
    "https://app.example/c b",
    "http://app.example/cb",
    "myapp:/cb",
];

async fn register(mock: &Mock, metadata: &Value, token: Option<&str>) -> Reply {
    let mut request = mock.http.post(mock.url("/register")).json(metadata);
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    Mock::reply(request.send().await.unwrap()).await
}

fn with_redirect(uri: &str) -> Value {
    json!({"redirect_uris": [uri], "token_endpoint_auth_method": "none"})
}

#[tokio::test]
async fn registration_refuses_every_dangerous_redirect_uri() {
    let mock = start().await;
    for uri in REJECTED {
        let reply = register(&mock, &with_redirect(uri), None).await;
        reply.expect_error(400, "invalid_redirect_uri");
        assert!(!reply.text.contains('\r'), "{}", reply.text);
    }
    let native = json!({"application_type": "native", "redirect_uris": ["https://app.example/cb"],
        "token_endpoint_auth_method": "none"});
    register(&mock, &native, None)
        .await
        .expect_error(400, "invalid_redirect_uri");
    for uri in [
        "https://app.example/cb",
        "http://127.0.0.1/cb",
        "http://[::1]:8080/cb",
        "http://localhost:3000/cb",
        "com.example.app:/oauth2redirect",
    ] {
        let reply = register(&mock, &with_redirect(uri), None).await;
        assert_eq!(reply.status, StatusCode::CREATED, "{uri}: {}", reply.text);
    }
}

#[tokio::test]
async fn an_update_refuses_the_same_redirect_uris() {
    let mock = start().await;
    let created = register(&mock, &with_redirect("https://app.example/cb"), None)
        .await
        .json();
    let client_id = created["client_id"].as_str().unwrap();
    let token = created["registration_access_token"].as_str().unwrap();
    for uri in REJECTED {
        let mut update = with_redirect(uri);
        update["client_id"] = client_id.into();
        let response = mock
            .http
            .put(mock.url(&format!("/register/{client_id}")))
            .bearer_auth(token)
            .json(&update)
            .send()
            .await
            .unwrap();
        Mock::reply(response)
            .await
            .expect_error(400, "invalid_redirect_uri");
    }
}

#[test]
fn the_config_file_refuses_the_same_redirect_uris_and_quotes_them() {
    for uri in REJECTED {
        let toml = format!(
            "[[clients]]\nclient_id = \"x\"\nredirect_uris = [{}]\n",
            toml_string(uri)
        );
        let err = MockConfig::from_toml_str(&toml).unwrap_err().to_string();
        assert!(err.contains("client x"), "{err}");
        assert!(err.contains(&format!("{uri:?}")), "{uri:?}: {err}");
    }
    let native = "[[clients]]\nclient_id = \"n\"\napplication_type = \"native\"\n\
                  redirect_uris = [\"https://app.example/cb\"]\n";
    assert!(MockConfig::from_toml_str(native).is_err());
}

/// A TOML basic string, with the control characters escaped.
fn toml_string(value: &str) -> String {
    serde_json::to_string(value).unwrap()
}

#[test]
fn limits_and_registration_come_from_the_config_file() {
    let config = MockConfig::from_toml_str(
        "[limits]\nauthorization_codes = 10\nheader_read_timeout_secs = 3\n\
         [registration]\ninitial_access_token = \"iat-1\"\n",
    )
    .unwrap();
    assert_eq!(config.limits.authorization_codes, 10);
    assert_eq!(config.limits.header_read_timeout_secs, 3);
    assert_eq!(config.limits.sign_ins, MockConfig::demo().limits.sign_ins);
    assert_eq!(config.initial_access_token.as_deref(), Some("iat-1"));
    assert!(!format!("{config:?}").contains("iat-1"));
    let err = MockConfig::from_toml_str("[limits]\ndevice_codes = 0\n")
        .unwrap_err()
        .to_string();
    assert!(err.contains("limits.device_codes"), "{err}");
    assert!(MockConfig::from_toml_str("[limits]\nbogus = 1\n").is_err());
}

#[tokio::test]
async fn an_initial_access_token_gates_registration_when_configured() {
    let mock = start_with(|config| config.initial_access_token = Some("iat-1".into())).await;
    let metadata = json!({"grant_types": ["client_credentials"]});
    register(&mock, &metadata, None)
        .await
        .expect_error(401, "invalid_token");
    register(&mock, &metadata, Some("wrong"))
        .await
        .expect_error(401, "invalid_token");
    let reply = register(&mock, &metadata, Some("iat-1")).await;
    assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.text);
    // The demo (no config) stays open.
    let open = start().await;
    assert_eq!(
        register(&open, &metadata, None).await.status,
        StatusCode::CREATED
    );
}

async fn introspect(mock: &Mock, token: &str, client: (&str, &str)) -> Value {
    mock.post_form("/introspect", &[("token", token)], Some(client))
        .await
        .json()
}

#[tokio::test]
async fn a_client_introspects_only_its_own_tokens_unless_it_is_a_resource_server() {
    let mock = start().await;
    let user_token = mock.code_flow("openid profile").await["access_token"]
        .as_str()
        .unwrap()
        .to_owned();
    let other = register(
        &mock,
        &json!({"grant_types": ["client_credentials"], "scope": "api:read"}),
        None,
    )
    .await
    .json();
    let other_id = other["client_id"].as_str().unwrap();
    let other_secret = other["client_secret"].as_str().unwrap();

    let foreign = introspect(&mock, &user_token, (other_id, other_secret)).await;
    assert_eq!(foreign, json!({"active": false}));

    let own_token = mock
        .post_form(
            "/token",
            &[("grant_type", "client_credentials"), ("scope", "api:read")],
            Some((other_id, other_secret)),
        )
        .await
        .json()["access_token"]
        .as_str()
        .unwrap()
        .to_owned();
    let own = introspect(&mock, &own_token, (other_id, other_secret)).await;
    assert_eq!(own["active"], true);
    assert_eq!(own["client_id"], other_id);

    // demo-confidential is configured as a resource server: it sees every token.
    let any = introspect(&mock, &own_token, (CONFIDENTIAL, SECRET)).await;
    assert_eq!(any["active"], true);
    let users = introspect(&mock, &user_token, (CONFIDENTIAL, SECRET)).await;
    assert_eq!(users["username"], "alice");
}

#[tokio::test]
async fn userinfo_is_never_cached() {
    let mock = start().await;
    let token = mock.code_flow("openid").await["access_token"]
        .as_str()
        .unwrap()
        .to_owned();
    for response in [
        mock.http
            .get(mock.url("/userinfo"))
            .bearer_auth(&token)
            .send()
            .await
            .unwrap(),
        mock.http
            .post(mock.url("/userinfo"))
            .bearer_auth(&token)
            .send()
            .await
            .unwrap(),
    ] {
        let reply = Mock::reply(response).await;
        assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
        assert_eq!(reply.header("cache-control"), "no-store");
    }
}

/// A client whose requests come from `address` (any 127.x address is loopback on Linux).
fn client_from(address: Ipv4Addr) -> reqwest::Client {
    reqwest::Client::builder()
        .local_address(IpAddr::V4(address))
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

async fn enter_code(mock: &Mock, http: &reqwest::Client, code: &str) -> Reply {
    let response = http
        .post(mock.url("/device"))
        .form(&[("user_code", code)])
        .send()
        .await
        .unwrap();
    Mock::reply(response).await
}

#[tokio::test]
async fn user_code_guesses_are_rate_limited_per_address() {
    let mock = start_with(|config| config.limits.user_code_attempts_per_minute = 3).await;
    let here = client_from(Ipv4Addr::new(127, 0, 0, 1));
    for _ in 0..3 {
        let reply = enter_code(&mock, &here, "BCDF-GHJK").await;
        assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{}", reply.text);
    }
    let limited = enter_code(&mock, &here, "BCDF-GHJK").await;
    assert_eq!(limited.status, StatusCode::TOO_MANY_REQUESTS);
    assert!(limited.text.contains("Too many codes"), "{}", limited.text);
    assert!(limited.text.contains("RFC 8628 section 5.1"));
    // Another address still has its attempts; a minute later this one has them again.
    let elsewhere = client_from(Ipv4Addr::new(127, 0, 0, 2));
    assert_eq!(
        enter_code(&mock, &elsewhere, "BCDF-GHJK").await.status,
        StatusCode::BAD_REQUEST
    );
    mock.advance(60);
    assert_eq!(
        enter_code(&mock, &here, "BCDF-GHJK").await.status,
        StatusCode::BAD_REQUEST
    );
}

#[tokio::test]
async fn one_device_code_takes_a_limited_number_of_entries_from_all_addresses() {
    let mock = start_with(|config| config.limits.user_code_attempts_per_minute = 2).await;
    let device = mock
        .post_form("/device/code", &[("client_id", PUBLIC)], None)
        .await
        .json();
    let user_code = device["user_code"].as_str().unwrap();
    let first = client_from(Ipv4Addr::new(127, 0, 0, 3));
    for _ in 0..2 {
        let login = enter_code(&mock, &first, user_code).await;
        assert_eq!(login.status, StatusCode::OK, "{}", login.text);
    }
    let second = client_from(Ipv4Addr::new(127, 0, 0, 4));
    let limited = enter_code(&mock, &second, user_code).await;
    assert_eq!(limited.status, StatusCode::TOO_MANY_REQUESTS);
    // The second address itself is not limited: a wrong code is just unknown.
    assert_eq!(
        enter_code(&mock, &second, "BCDF-GHJK").await.status,
        StatusCode::BAD_REQUEST
    );
}
