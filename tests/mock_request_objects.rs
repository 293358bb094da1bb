//! The mock's request objects (RFC 9101): `request` at /authorize and /par verified with the
//! client's registered keys, its claims winning over the query, and the refusals that name
//! the rule (unsigned when signing is required, a bad signature, a client_id mismatch).

mod mock_support;

use mock_support::{CHALLENGE, Mock, REDIRECT, start_with};
use oauthscope::mock::ClientConfig;
use oauthscope::oauth::jwt::Algorithm;
use oauthscope::oauth::keys::{ClientKey, compact_jws};
use reqwest::StatusCode;
use serde_json::{Value, json};

const JAR_CLIENT: &str = "jar-app";

async fn mock(key: &ClientKey, require_signed: bool) -> Mock {
    let jwks = key.public_jwks();
    start_with(move |config| {
        config.auto_approve = Some("alice".into());
        config.require_signed_request_object = require_signed;
        config.clients.push(ClientConfig {
            client_id: JAR_CLIENT.into(),
            token_endpoint_auth_methods: vec![oauthscope::mock::AuthMethod::None],
            redirect_uris: vec![REDIRECT.into()],
            jwks: Some(jwks),
            ..ClientConfig::default()
        });
    })
    .await
}

/// The claims of a request object for the jar client, with `extra` over them.
fn claims(mock: &Mock, extra: Value) -> Value {
    let mut claims = json!({
        "iss": JAR_CLIENT, "aud": mock.issuer(), "client_id": JAR_CLIENT,
        "response_type": "code", "redirect_uri": REDIRECT, "scope": "openid",
        "state": "from-object", "code_challenge": CHALLENGE, "code_challenge_method": "S256",
    });
    claims
        .as_object_mut()
        .unwrap()
        .extend(extra.as_object().unwrap().clone());
    claims
}

fn signed(key: &ClientKey, claims: &Value) -> String {
    key.sign_jwt("oauth-authz-req+jwt", claims).unwrap()
}

fn unsigned(claims: &Value) -> String {
    compact_jws(&json!({"alg": "none"}), claims, |_| Ok(Vec::new())).unwrap()
}

async fn authorize_with(mock: &Mock, object: &str, query: &[(&str, &str)]) -> mock_support::Reply {
    let mut params = vec![("client_id", JAR_CLIENT), ("request", object)];
    params.extend_from_slice(query);
    mock.authorize(&params).await
}

#[tokio::test]
async fn the_object_s_claims_win_over_the_query() {
    let (key, _) = ClientKey::generate(Algorithm::ES256).unwrap();
    let mock = mock(&key, false).await;
    let object = signed(&key, &claims(&mock, json!({})));
    let reply = authorize_with(
        &mock,
        &object,
        &[("state", "from-query"), ("scope", "api:read")],
    )
    .await;
    assert_eq!(reply.status, StatusCode::FOUND, "{}", reply.text);
    assert_eq!(
        reply.location_param("state").as_deref(),
        Some("from-object")
    );
    assert!(reply.location_param("code").is_some());
    // A parameter only in the query is not used either (RFC 9101 §5): a redirect_uri the
    // object does not carry cannot send the code elsewhere.
    let object = signed(&key, &claims(&mock, json!({"state": "second"})));
    let reply = authorize_with(
        &mock,
        &object,
        &[("redirect_uri", "http://evil.example/cb")],
    )
    .await;
    assert_eq!(reply.status, StatusCode::FOUND, "{}", reply.text);
    assert!(
        reply.header("location").starts_with(REDIRECT),
        "{:?}",
        reply.headers
    );
}

#[tokio::test]
async fn broken_objects_are_refused_by_name() {
    let (key, _) = ClientKey::generate(Algorithm::ES256).unwrap();
    let (stranger, _) = ClientKey::generate(Algorithm::ES256).unwrap();
    let mock = mock(&key, false).await;
    let cases = [
        (
            signed(&stranger, &claims(&mock, json!({}))),
            "bad signature",
        ),
        (
            signed(&key, &claims(&mock, json!({"client_id": "someone-else"}))),
            "must match",
        ),
        (
            signed(
                &key,
                &claims(&mock, json!({"aud": "https://elsewhere.example"})),
            ),
            "aud",
        ),
        (
            signed(&key, &claims(&mock, json!({"iss": "someone-else"}))),
            "iss",
        ),
        (signed(&key, &claims(&mock, json!({"exp": 1}))), "expired"),
        ("garbage".to_owned(), "not a JWT"),
    ];
    for (object, expected) in cases {
        let reply = authorize_with(&mock, &object, &[]).await;
        assert_eq!(
            reply.status,
            StatusCode::BAD_REQUEST,
            "{expected}: {}",
            reply.text
        );
        assert!(
            reply.text.contains("invalid_request_object"),
            "{expected}: {}",
            reply.text
        );
        assert!(reply.text.contains(expected), "{expected}: {}", reply.text);
    }
    // Unsigned objects are taken when signing is not required.
    let reply = authorize_with(&mock, &unsigned(&claims(&mock, json!({}))), &[]).await;
    assert_eq!(reply.status, StatusCode::FOUND, "{}", reply.text);
}

#[tokio::test]
async fn signing_required_refuses_unsigned_and_plain_requests() {
    let (key, _) = ClientKey::generate(Algorithm::EdDSA).unwrap();
    let mock = mock(&key, true).await;
    let metadata = mock
        .get("/.well-known/oauth-authorization-server")
        .await
        .json();
    assert_eq!(metadata["require_signed_request_object"], true);
    assert!(
        !metadata["request_object_signing_alg_values_supported"]
            .as_array()
            .unwrap()
            .contains(&json!("none"))
    );
    let reply = authorize_with(&mock, &unsigned(&claims(&mock, json!({}))), &[]).await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST);
    assert!(
        reply.text.contains("unsigned") && reply.text.contains("RFC 9101"),
        "{}",
        reply.text
    );
    let plain = mock
        .authorize(&[
            ("client_id", JAR_CLIENT),
            ("redirect_uri", REDIRECT),
            ("code_challenge", CHALLENGE),
            ("code_challenge_method", "S256"),
        ])
        .await;
    assert_eq!(plain.status, StatusCode::BAD_REQUEST);
    assert!(
        plain.text.contains("require_signed_request_object"),
        "{}",
        plain.text
    );
    let reply = authorize_with(&mock, &signed(&key, &claims(&mock, json!({}))), &[]).await;
    assert_eq!(reply.status, StatusCode::FOUND, "{}", reply.text);
}

#[tokio::test]
async fn a_request_object_can_be_pushed() {
    let (key, _) = ClientKey::generate(Algorithm::RS256).unwrap();
    let mock = mock(&key, true).await;
    let object = signed(&key, &claims(&mock, json!({"state": "pushed"})));
    let pushed = mock
        .post_form(
            "/par",
            &[("client_id", JAR_CLIENT), ("request", &object)],
            None,
        )
        .await;
    assert_eq!(pushed.status, StatusCode::CREATED, "{}", pushed.text);
    let request_uri = pushed.json()["request_uri"].as_str().unwrap().to_owned();
    let reply = mock
        .authorize(&[("client_id", JAR_CLIENT), ("request_uri", &request_uri)])
        .await;
    assert_eq!(reply.status, StatusCode::FOUND, "{}", reply.text);
    assert_eq!(reply.location_param("state").as_deref(), Some("pushed"));
    let refused = mock
        .post_form(
            "/par",
            &[
                ("client_id", JAR_CLIENT),
                ("request", &unsigned(&claims(&mock, json!({})))),
            ],
            None,
        )
        .await;
    refused.expect_error(400, "invalid_request_object");
}
