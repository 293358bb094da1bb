//! The mock's client assertions (RFC 7523 §2.2 and §3, OIDC Core §9): `private_key_jwt` and
//! `client_secret_jwt` accepted at every endpoint where the client authenticates, and each
//! broken rule refused with `invalid_client` naming it.

#[path = "support/assertion_clients.rs"]
mod clients;
mod mock_support;

use std::time::{SystemTime, UNIX_EPOCH};

use clients::{HS_CLIENT as JWT_SECRET_CLIENT, HS_SECRET as JWT_SECRET, KEY_CLIENT};
use mock_support::{Mock, start_with};
use oauthscope::oauth::client_auth::{AuthMethod, ClientCredentials};
use oauthscope::oauth::jwt::Algorithm;
use oauthscope::oauth::keys::{ClientKey, sign_hs256};
use oauthscope::oauth::step::RequestDraft;
use reqwest::StatusCode;
use serde_json::{Value, json};

const ASSERTION_TYPE: &str = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";

/// A mock with a `private_key_jwt` client holding `key`'s public JWKS and a
/// `client_secret_jwt` client.
async fn mock_with(key: &ClientKey) -> Mock {
    let jwks = key.public_jwks();
    start_with(move |config| clients::add(config, jwks)).await
}

fn now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs()
}

/// Client credentials at /token with this assertion.
async fn token_with(mock: &Mock, assertion: &str) -> mock_support::Reply {
    let form = [
        ("grant_type", "client_credentials"),
        ("client_assertion_type", ASSERTION_TYPE),
        ("client_assertion", assertion),
    ];
    mock.post_form("/token", &form, None).await
}

fn claims(mock: &Mock, extra: Value) -> Value {
    let now = now();
    let mut claims = json!({
        "iss": KEY_CLIENT, "sub": KEY_CLIENT, "aud": format!("{}/token", mock.issuer()),
        "jti": format!("jti-{}", rand_suffix()), "iat": now, "exp": now + 60,
    });
    claims
        .as_object_mut()
        .unwrap()
        .extend(extra.as_object().unwrap().clone());
    claims
}

fn rand_suffix() -> String {
    oauthscope::oauth::pkce::random_token(8).unwrap()
}

#[tokio::test]
async fn the_engine_s_assertions_are_accepted_for_every_key_type() {
    for alg in [
        Algorithm::RS256,
        Algorithm::PS256,
        Algorithm::ES256,
        Algorithm::EdDSA,
    ] {
        let (key, _) = ClientKey::generate(alg).unwrap();
        let mock = mock_with(&key).await;
        let engine = ClientCredentials::with_private_key(KEY_CLIENT, key);
        let token_endpoint = format!("{}/token", mock.issuer());
        let mut draft = RequestDraft::new("POST", &token_endpoint);
        engine.apply(&mut draft, &token_endpoint).unwrap();
        let reply = token_with(&mock, draft.param("client_assertion").unwrap()).await;
        assert_eq!(
            reply.status,
            StatusCode::OK,
            "{}: {}",
            alg.name(),
            reply.text
        );
        let token = reply.json()["access_token"].as_str().unwrap().to_owned();
        // The same key at introspection, with the issuer as audience (RFC 7523 §3).
        let mut draft = RequestDraft::new("POST", &mock.url("/introspect"));
        engine.apply(&mut draft, mock.issuer()).unwrap();
        let mut form: Vec<(&str, &str)> = draft
            .params
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect();
        form.push(("token", &token));
        let reply = mock.post_form("/introspect", &form, None).await;
        assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
        assert_eq!(reply.json()["active"], true);
        assert_eq!(reply.json()["client_id"], KEY_CLIENT);
    }
}

#[tokio::test]
async fn client_secret_jwt_is_checked_with_the_secret() {
    let (key, _) = ClientKey::generate(Algorithm::ES256).unwrap();
    let mock = mock_with(&key).await;
    let engine =
        ClientCredentials::confidential(JWT_SECRET_CLIENT, JWT_SECRET, AuthMethod::ClientSecretJwt);
    let token_endpoint = format!("{}/token", mock.issuer());
    let assertion = engine.assertion(&token_endpoint).unwrap();
    let reply = token_with(&mock, &assertion).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);

    let mut wrong = claims(
        &mock,
        json!({"iss": JWT_SECRET_CLIENT, "sub": JWT_SECRET_CLIENT}),
    );
    wrong["jti"] = json!("another");
    let forged = sign_hs256("not-the-secret", "JWT", &wrong).unwrap();
    let description = token_with(&mock, &forged)
        .await
        .expect_error(400, "invalid_client");
    assert!(description.contains("bad signature"), "{description}");
    // An HS256 assertion for a client registered for private_key_jwt: the method is wrong.
    let hs_for_key_client = sign_hs256(JWT_SECRET, "JWT", &claims(&mock, json!({}))).unwrap();
    let description = token_with(&mock, &hs_for_key_client)
        .await
        .expect_error(400, "invalid_client");
    assert!(
        description.contains("registered for private_key_jwt"),
        "{description}"
    );
}

#[tokio::test]
async fn each_broken_rule_is_refused_by_name() {
    let (key, _) = ClientKey::generate(Algorithm::ES256).unwrap();
    let (stranger, _) = ClientKey::generate(Algorithm::ES256).unwrap();
    let mock = mock_with(&key).await;
    let now = now();
    let cases: Vec<(&str, String, &str)> = vec![
        (
            "wrong aud",
            key.sign_jwt(
                "JWT",
                &claims(&mock, json!({"aud": "https://elsewhere.example/token"})),
            )
            .unwrap(),
            "aud",
        ),
        (
            "no aud",
            {
                let mut c = claims(&mock, json!({}));
                c.as_object_mut().unwrap().remove("aud");
                key.sign_jwt("JWT", &c).unwrap()
            },
            "aud is missing",
        ),
        (
            "expired",
            key.sign_jwt(
                "JWT",
                &claims(&mock, json!({"iat": now - 600, "exp": now - 300})),
            )
            .unwrap(),
            "expired",
        ),
        (
            "long-lived",
            key.sign_jwt("JWT", &claims(&mock, json!({"exp": now + 3600})))
                .unwrap(),
            "at most 300s",
        ),
        (
            "no exp",
            {
                let mut c = claims(&mock, json!({}));
                c.as_object_mut().unwrap().remove("exp");
                key.sign_jwt("JWT", &c).unwrap()
            },
            "exp is missing",
        ),
        (
            "bad signature",
            stranger.sign_jwt("JWT", &claims(&mock, json!({}))).unwrap(),
            "bad signature",
        ),
        (
            "iss differs",
            key.sign_jwt("JWT", &claims(&mock, json!({"iss": "someone-else"})))
                .unwrap(),
            "iss is \"someone-else\"",
        ),
        (
            "no jti",
            {
                let mut c = claims(&mock, json!({}));
                c.as_object_mut().unwrap().remove("jti");
                key.sign_jwt("JWT", &c).unwrap()
            },
            "jti is missing",
        ),
        ("not a JWT", "not-a-jwt".to_owned(), "not a signed JWT"),
    ];
    for (case, assertion, expected) in cases {
        let description = token_with(&mock, &assertion)
            .await
            .expect_error(400, "invalid_client");
        assert!(description.contains(expected), "{case}: {description}");
        assert!(description.contains("RFC 7523"), "{case}: {description}");
    }
}

#[tokio::test]
async fn a_jti_is_used_once() {
    let (key, _) = ClientKey::generate(Algorithm::EdDSA).unwrap();
    let mock = mock_with(&key).await;
    let assertion = key.sign_jwt("JWT", &claims(&mock, json!({}))).unwrap();
    let first = token_with(&mock, &assertion).await;
    assert_eq!(first.status, StatusCode::OK, "{}", first.text);
    let description = token_with(&mock, &assertion)
        .await
        .expect_error(400, "invalid_client");
    assert!(description.contains("already used"), "{description}");
}

#[tokio::test]
async fn an_assertion_beside_a_secret_or_without_its_type_is_a_bad_request() {
    let (key, _) = ClientKey::generate(Algorithm::ES256).unwrap();
    let mock = mock_with(&key).await;
    let assertion = key.sign_jwt("JWT", &claims(&mock, json!({}))).unwrap();
    let both = [
        ("grant_type", "client_credentials"),
        ("client_assertion_type", ASSERTION_TYPE),
        ("client_assertion", assertion.as_str()),
    ];
    mock.post_form("/token", &both, Some(("demo-confidential", "demo-secret")))
        .await
        .expect_error(400, "invalid_request");
    let untyped = [
        ("grant_type", "client_credentials"),
        ("client_assertion", assertion.as_str()),
    ];
    mock.post_form("/token", &untyped, None)
        .await
        .expect_error(400, "invalid_request");
    let mistyped = [
        ("grant_type", "client_credentials"),
        ("client_assertion_type", "urn:example:saml"),
        ("client_assertion", assertion.as_str()),
    ];
    let description = mock
        .post_form("/token", &mistyped, None)
        .await
        .expect_error(400, "invalid_client");
    assert!(description.contains("not supported"), "{description}");
}

#[tokio::test]
async fn registration_takes_jwks_and_metadata_advertises_the_methods() {
    let (key, _) = ClientKey::generate(Algorithm::ES256).unwrap();
    let mock = mock_with(&key).await;
    let metadata = mock
        .get("/.well-known/oauth-authorization-server")
        .await
        .json();
    let methods = metadata["token_endpoint_auth_methods_supported"]
        .as_array()
        .unwrap();
    assert!(
        methods.contains(&json!("private_key_jwt"))
            && methods.contains(&json!("client_secret_jwt"))
    );
    assert_eq!(
        metadata["token_endpoint_auth_signing_alg_values_supported"],
        json!(["HS256", "RS256", "PS256", "ES256", "EdDSA"])
    );
    let registered = mock
        .http
        .post(mock.url("/register"))
        .json(&json!({
            "token_endpoint_auth_method": "private_key_jwt",
            "grant_types": ["client_credentials"],
            "jwks": key.public_jwks(),
        }))
        .send()
        .await
        .unwrap();
    let registered = Mock::reply(registered).await;
    assert_eq!(
        registered.status,
        StatusCode::CREATED,
        "{}",
        registered.text
    );
    let body = registered.json();
    assert!(body.get("client_secret").is_none(), "{body}");
    let client_id = body["client_id"].as_str().unwrap();
    let engine = ClientCredentials::with_private_key(client_id, key);
    let assertion = engine.assertion(mock.issuer()).unwrap();
    let reply = token_with(&mock, &assertion).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
}
