//! Dynamic client registration (RFC 7591) and management (RFC 7592).

mod mock_support;

use mock_support::{CHALLENGE, Mock, Reply, VERIFIER, start};
use reqwest::StatusCode;
use serde_json::{Value, json};

async fn register(mock: &Mock, metadata: Value) -> Reply {
    mock.register(&metadata).await
}

async fn manage(
    mock: &Mock,
    method: reqwest::Method,
    client_id: &str,
    token: Option<&str>,
    body: Option<Value>,
) -> Reply {
    let mut request = mock
        .http
        .request(method, mock.url(&format!("/register/{client_id}")));
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    if let Some(body) = body {
        request = request.json(&body);
    }
    Mock::reply(request.send().await.unwrap()).await
}

fn web_app() -> Value {
    json!({
        "redirect_uris": ["https://app.example/cb"],
        "grant_types": ["authorization_code", "refresh_token", "client_credentials"],
        "client_name": "Example App",
        "logo_uri": "https://app.example/logo.png",
        "scope": "openid profile api:read"
    })
}

#[tokio::test]
async fn registration_returns_credentials_and_the_accepted_metadata() {
    let mock = start().await;
    let reply = register(&mock, web_app()).await;
    assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.text);
    assert_eq!(reply.header("cache-control"), "no-store");
    let body = reply.json();
    let client_id = body["client_id"].as_str().unwrap();
    assert!(body["client_secret"].as_str().unwrap().len() >= 43);
    assert_eq!(body["client_secret_expires_at"], 0);
    assert!(body["client_id_issued_at"].as_u64().unwrap() > 1_600_000_000);
    assert!(body["registration_access_token"].is_string());
    assert_eq!(
        body["registration_client_uri"],
        format!("{}/register/{client_id}", mock.issuer())
    );
    assert_eq!(body["token_endpoint_auth_method"], "client_secret_basic");
    assert_eq!(body["response_types"], json!(["code"]));
    assert_eq!(body["client_name"], "Example App");
    assert_eq!(body["logo_uri"], "https://app.example/logo.png");

    // The new client works at once.
    let cc = mock
        .post_form(
            "/token",
            &[("grant_type", "client_credentials")],
            Some((client_id, body["client_secret"].as_str().unwrap())),
        )
        .await;
    assert_eq!(cc.status, StatusCode::OK, "{}", cc.text);
    assert_eq!(cc.json()["scope"], "api:read");
}

#[tokio::test]
async fn a_public_client_gets_no_secret_and_uses_pkce() {
    let mock = start().await;
    let body = register(
        &mock,
        json!({
            "redirect_uris": ["com.example.app:/oauth2redirect"],
            "token_endpoint_auth_method": "none"
        }),
    )
    .await
    .json();
    assert!(body.get("client_secret").is_none());
    let client_id = body["client_id"].as_str().unwrap();
    let reply = mock
        .authorize(&[
            ("client_id", client_id),
            ("redirect_uri", "com.example.app:/oauth2redirect"),
            ("code_challenge", CHALLENGE),
            ("code_challenge_method", "S256"),
        ])
        .await;
    assert_eq!(reply.status, StatusCode::FOUND, "{}", reply.text);
    let code = reply.location_param("code").unwrap();
    let tokens = mock
        .post_form(
            "/token",
            &[
                ("grant_type", "authorization_code"),
                ("code", &code),
                ("redirect_uri", "com.example.app:/oauth2redirect"),
                ("code_verifier", VERIFIER),
                ("client_id", client_id),
            ],
            None,
        )
        .await;
    assert_eq!(tokens.status, StatusCode::OK, "{}", tokens.text);
}

#[tokio::test]
async fn invalid_metadata_is_refused_with_the_rule() {
    let mock = start().await;
    let cases = [
        (
            json!({"redirect_uris": ["https://app.example/cb#frag"]}),
            "invalid_redirect_uri",
        ),
        (
            json!({"redirect_uris": ["/relative/cb"]}),
            "invalid_redirect_uri",
        ),
        (
            json!({"grant_types": ["authorization_code"]}),
            "invalid_redirect_uri",
        ),
        (
            json!({"grant_types": ["client_credentials"], "response_types": ["code"]}),
            "invalid_client_metadata",
        ),
        (
            json!({"redirect_uris": ["https://app.example/cb"], "response_types": ["token"]}),
            "invalid_client_metadata",
        ),
        (
            json!({"redirect_uris": ["https://app.example/cb"], "token_endpoint_auth_method": "private_key_jwt"}),
            "invalid_client_metadata",
        ),
        (
            json!({"grant_types": ["client_credentials"], "token_endpoint_auth_method": "none"}),
            "invalid_client_metadata",
        ),
        (
            json!({"grant_types": ["password"]}),
            "invalid_client_metadata",
        ),
        (
            json!({"redirect_uris": "https://app.example/cb"}),
            "invalid_client_metadata",
        ),
        (json!(["not", "an", "object"]), "invalid_client_metadata"),
    ];
    for (metadata, error) in cases {
        let reply = register(&mock, metadata.clone()).await;
        assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{metadata}");
        reply.expect_error(400, error);
    }
}

#[tokio::test]
async fn registration_needs_valid_json() {
    let mock = start().await;
    let broken = mock
        .http
        .post(mock.url("/register"))
        .header("content-type", "application/json")
        .body("{\"redirect_uris\": [")
        .send()
        .await
        .unwrap();
    Mock::reply(broken)
        .await
        .expect_error(400, "invalid_client_metadata");
    let form = mock
        .post_form(
            "/register",
            &[("redirect_uris", "https://app.example/cb")],
            None,
        )
        .await;
    form.expect_error(400, "invalid_client_metadata");
}

#[tokio::test]
async fn read_update_delete_with_the_registration_access_token() {
    let mock = start().await;
    let created = register(&mock, web_app()).await.json();
    let client_id = created["client_id"].as_str().unwrap();
    let rat = created["registration_access_token"].as_str().unwrap();
    let secret = created["client_secret"].as_str().unwrap();

    let read = manage(&mock, reqwest::Method::GET, client_id, Some(rat), None).await;
    assert_eq!(read.status, StatusCode::OK);
    assert_eq!(read.json(), created);

    // PUT replaces everything: fields it leaves out are gone.
    let update = json!({
        "client_id": client_id,
        "client_secret": secret,
        "redirect_uris": ["https://app.example/new-cb"],
        "grant_types": ["authorization_code"]
    });
    let updated = manage(
        &mock,
        reqwest::Method::PUT,
        client_id,
        Some(rat),
        Some(update),
    )
    .await;
    assert_eq!(updated.status, StatusCode::OK, "{}", updated.text);
    let updated = updated.json();
    assert_eq!(
        updated["redirect_uris"],
        json!(["https://app.example/new-cb"])
    );
    assert!(updated.get("client_name").is_none());
    assert!(updated.get("logo_uri").is_none());
    assert_eq!(updated["client_secret"], secret);
    let old_redirect = mock
        .authorize(&[
            ("client_id", client_id),
            ("redirect_uri", "https://app.example/cb"),
        ])
        .await;
    assert_eq!(old_redirect.status, StatusCode::BAD_REQUEST);

    // The secret survived the update: authentication passes, only the made-up code fails.
    let token = mock
        .post_form(
            "/token",
            &[("grant_type", "authorization_code"), ("code", "x")],
            Some((client_id, secret)),
        )
        .await;
    token.expect_error(400, "invalid_grant");
    let deleted = manage(&mock, reqwest::Method::DELETE, client_id, Some(rat), None).await;
    assert_eq!(deleted.status, StatusCode::NO_CONTENT);
    let gone = manage(&mock, reqwest::Method::GET, client_id, Some(rat), None).await;
    gone.expect_error(401, "invalid_token");
}

#[tokio::test]
async fn deleting_a_client_deactivates_its_tokens() {
    let mock = start().await;
    let created = register(&mock, web_app()).await.json();
    let client_id = created["client_id"].as_str().unwrap();
    let secret = created["client_secret"].as_str().unwrap();
    let tokens = mock
        .post_form(
            "/token",
            &[("grant_type", "client_credentials")],
            Some((client_id, secret)),
        )
        .await
        .json();
    let access = tokens["access_token"].as_str().unwrap();
    assert_eq!(mock.introspect(access).await["active"], true);
    let rat = created["registration_access_token"].as_str().unwrap();
    manage(&mock, reqwest::Method::DELETE, client_id, Some(rat), None).await;
    assert_eq!(mock.introspect(access).await["active"], false);
    let cc = mock
        .post_form(
            "/token",
            &[("grant_type", "client_credentials")],
            Some((client_id, secret)),
        )
        .await;
    cc.expect_error(401, "invalid_client");
}

#[tokio::test]
async fn a_wrong_token_or_unknown_client_is_401_without_a_leak() {
    let mock = start().await;
    let created = register(&mock, web_app()).await.json();
    let client_id = created["client_id"].as_str().unwrap();
    let wrong = manage(&mock, reqwest::Method::GET, client_id, Some("nope"), None).await;
    let unknown = manage(&mock, reqwest::Method::GET, "ghost", Some("nope"), None).await;
    let missing = manage(&mock, reqwest::Method::DELETE, client_id, None, None).await;
    let wrong_description = wrong.expect_error(401, "invalid_token");
    let unknown_description = unknown.expect_error(401, "invalid_token");
    missing.expect_error(401, "invalid_token");
    assert_eq!(wrong_description, unknown_description);
    assert!(wrong.header("www-authenticate").starts_with("Bearer"));
    // Configured clients have no registration access token and cannot be managed.
    let demo = manage(
        &mock,
        reqwest::Method::DELETE,
        "demo-confidential",
        Some("x"),
        None,
    )
    .await;
    demo.expect_error(401, "invalid_token");
}

#[tokio::test]
async fn an_update_must_name_the_client_and_leave_server_fields_alone() {
    let mock = start().await;
    let created = register(&mock, web_app()).await.json();
    let client_id = created["client_id"].as_str().unwrap();
    let rat = created["registration_access_token"].as_str().unwrap();
    let put = |body: Value| {
        manage(
            &mock,
            reqwest::Method::PUT,
            client_id,
            Some(rat),
            Some(body),
        )
    };

    let no_id = put(json!({"redirect_uris": ["https://app.example/cb"]})).await;
    no_id.expect_error(400, "invalid_request");
    let other_id =
        put(json!({"client_id": "someone-else", "redirect_uris": ["https://app.example/cb"]}))
            .await;
    other_id.expect_error(400, "invalid_request");
    let wrong_secret = put(json!({
        "client_id": client_id,
        "client_secret": "guess",
        "redirect_uris": ["https://app.example/cb"]
    }))
    .await;
    wrong_secret.expect_error(400, "invalid_request");
    let server_field = put(json!({
        "client_id": client_id,
        "registration_access_token": "mine",
        "redirect_uris": ["https://app.example/cb"]
    }))
    .await;
    server_field.expect_error(400, "invalid_request");
    let invalid = put(json!({"client_id": client_id, "redirect_uris": ["https://x/cb#f"]})).await;
    invalid.expect_error(400, "invalid_redirect_uri");
}
