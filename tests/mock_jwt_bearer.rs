//! The mock's JWT bearer grant (RFC 7523 §2.1, §3): an assertion from a configured trusted
//! issuer becomes an access token for its subject; each broken rule is `invalid_grant`
//! naming it.

mod mock_support;

use std::time::{SystemTime, UNIX_EPOCH};

use mock_support::{Mock, start_with};
use oauthscope::mock::TrustedIssuer;
use oauthscope::oauth::client_auth::assertion_claims;
use oauthscope::oauth::jwt::Algorithm;
use oauthscope::oauth::keys::ClientKey;
use reqwest::StatusCode;
use serde_json::{Value, json};

const TRUSTED: &str = "https://idp.example";
const GRANT: &str = "urn:ietf:params:oauth:grant-type:jwt-bearer";

async fn mock(key: &ClientKey) -> Mock {
    let jwks = key.public_jwks();
    start_with(move |config| {
        config.trusted_issuers.push(TrustedIssuer {
            issuer: TRUSTED.into(),
            jwks,
        });
    })
    .await
}

fn claims(mock: &Mock, subject: &str, extra: Value) -> Value {
    let mut claims =
        assertion_claims(TRUSTED, subject, &format!("{}/token", mock.issuer())).unwrap();
    claims
        .as_object_mut()
        .unwrap()
        .extend(extra.as_object().unwrap().clone());
    claims
}

async fn grant(mock: &Mock, assertion: &str) -> mock_support::Reply {
    mock.token(&[
        ("grant_type", GRANT),
        ("assertion", assertion),
        ("scope", "api:read"),
    ])
    .await
}

#[tokio::test]
async fn a_trusted_assertion_gets_a_token_for_its_subject() {
    let (key, _) = ClientKey::generate(Algorithm::ES256).unwrap();
    let mock = mock(&key).await;
    let metadata = mock
        .get("/.well-known/oauth-authorization-server")
        .await
        .json();
    assert!(
        metadata["grant_types_supported"]
            .as_array()
            .unwrap()
            .contains(&json!(GRANT))
    );
    let reply = grant(
        &mock,
        &key.sign_jwt("JWT", &claims(&mock, "alice", json!({})))
            .unwrap(),
    )
    .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    let tokens = reply.json();
    assert!(tokens.get("refresh_token").is_none(), "{tokens}");
    let (_, access) = mock
        .verify_jwt(tokens["access_token"].as_str().unwrap(), mock.issuer())
        .await;
    assert_eq!(access["sub"], "alice");
    assert_eq!(access["scope"], "api:read");
    assert_eq!(access["client_id"], "demo-confidential");
}

#[tokio::test]
async fn each_broken_rule_is_refused_by_name() {
    let (key, _) = ClientKey::generate(Algorithm::RS256).unwrap();
    let (stranger, _) = ClientKey::generate(Algorithm::RS256).unwrap();
    let mock = mock(&key).await;
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs();
    let sign = |extra: Value| key.sign_jwt("JWT", &claims(&mock, "alice", extra)).unwrap();
    let cases = [
        (
            sign(json!({"iss": "https://untrusted.example"})),
            "not an issuer this server trusts",
        ),
        (sign(json!({"aud": "https://elsewhere.example"})), "aud"),
        (sign(json!({"iat": now - 900, "exp": now - 600})), "expired"),
        (sign(json!({"sub": ""})), "no sub"),
        (
            stranger
                .sign_jwt("JWT", &claims(&mock, "alice", json!({})))
                .unwrap(),
            "bad signature",
        ),
        ("not.a.jwt".to_owned(), "not a signed JWT"),
    ];
    for (assertion, expected) in cases {
        let description = grant(&mock, &assertion)
            .await
            .expect_error(400, "invalid_grant");
        assert!(description.contains(expected), "{expected}: {description}");
    }
    let once = sign(json!({}));
    assert_eq!(grant(&mock, &once).await.status, StatusCode::OK);
    let description = grant(&mock, &once).await.expect_error(400, "invalid_grant");
    assert!(description.contains("already used"), "{description}");
}
