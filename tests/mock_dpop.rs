//! DPoP at the mock (RFC 9449): bound tokens from /token, proofs checked there and at
//! /userinfo, each broken rule refused with `invalid_dpop_proof` naming it, nonces on demand.

mod mock_support;

use mock_support::{
    CONFIDENTIAL, Mock, PUBLIC, REDIRECT, Reply, SECRET, VERIFIER, start, start_with,
};
use oauthscope::oauth::dpop::{self, DpopKey};
use oauthscope::oauth::jwt::Jwt;
use serde_json::Value;

/// POST /token with an optional DPoP header.
async fn token_with_proof(
    mock: &Mock,
    form: &[(&str, &str)],
    basic: Option<(&str, &str)>,
    proof: Option<&str>,
) -> Reply {
    let mut request = mock.http.post(mock.url("/token")).form(form);
    if let Some((id, secret)) = basic {
        request = request.basic_auth(id, Some(secret));
    }
    if let Some(proof) = proof {
        request = request.header("DPoP", proof);
    }
    Mock::reply(request.send().await.unwrap()).await
}

/// GET /userinfo with `authorization` and an optional DPoP header.
async fn userinfo(mock: &Mock, authorization: &str, proof: Option<&str>) -> Reply {
    let mut request = mock
        .http
        .get(mock.url("/userinfo"))
        .header("Authorization", authorization);
    if let Some(proof) = proof {
        request = request.header("DPoP", proof);
    }
    Mock::reply(request.send().await.unwrap()).await
}

fn token_url(mock: &Mock) -> String {
    format!("{}/token", mock.issuer())
}

fn userinfo_url(mock: &Mock) -> String {
    format!("{}/userinfo", mock.issuer())
}

/// A DPoP-bound token set from a code flow as demo-confidential, and the key it is bound to.
async fn bound_tokens(mock: &Mock) -> (DpopKey, Value) {
    let key = DpopKey::generate().unwrap();
    let code = mock.code("openid profile").await;
    let proof = key.proof("POST", &token_url(mock), None, None).unwrap();
    let reply = token_with_proof(
        mock,
        &code_form(&code),
        Some((CONFIDENTIAL, SECRET)),
        Some(&proof),
    )
    .await;
    assert_eq!(reply.status, 200, "{}", reply.text);
    (key, reply.json())
}

fn code_form(code: &str) -> Vec<(&str, &str)> {
    vec![
        ("grant_type", "authorization_code"),
        ("code", code),
        ("redirect_uri", REDIRECT),
        ("code_verifier", VERIFIER),
    ]
}

fn client_credentials() -> Vec<(&'static str, &'static str)> {
    vec![("grant_type", "client_credentials")]
}

#[tokio::test]
async fn metadata_advertises_the_proof_algorithms() {
    let mock = start().await;
    let meta = mock
        .get("/.well-known/oauth-authorization-server")
        .await
        .json();
    let algs = meta["dpop_signing_alg_values_supported"]
        .as_array()
        .unwrap();
    assert!(algs.iter().any(|a| a == "ES256"), "{meta}");
}

#[tokio::test]
async fn a_proof_binds_the_access_token_to_the_key() {
    let mock = start().await;
    let (key, tokens) = bound_tokens(&mock).await;
    assert_eq!(tokens["token_type"], "DPoP");
    let access = tokens["access_token"].as_str().unwrap();
    let (_, claims) = mock.verify_jwt(access, mock.issuer()).await;
    assert_eq!(claims["cnf"]["jkt"], key.thumbprint());

    // Presented with its proof, the token gets the user's claims.
    let proof = key
        .proof("GET", &userinfo_url(&mock), None, Some(access))
        .unwrap();
    let reply = userinfo(&mock, &format!("DPoP {access}"), Some(&proof)).await;
    assert_eq!(reply.status, 200, "{}", reply.text);
    assert_eq!(reply.json()["preferred_username"], "alice");
}

#[tokio::test]
async fn without_a_proof_the_tokens_stay_bearer() {
    let mock = start().await;
    let reply = token_with_proof(
        &mock,
        &client_credentials(),
        Some((CONFIDENTIAL, SECRET)),
        None,
    )
    .await;
    assert_eq!(reply.json()["token_type"], "Bearer");
}

#[tokio::test]
async fn userinfo_refuses_a_bound_token_without_its_proof() {
    let mock = start().await;
    let (key, tokens) = bound_tokens(&mock).await;
    let access = tokens["access_token"].as_str().unwrap();

    let as_bearer = userinfo(&mock, &format!("Bearer {access}"), None).await;
    let why = as_bearer.expect_error(401, "invalid_token");
    assert!(why.contains("bound to a DPoP key"), "{why}");
    assert!(as_bearer.header("www-authenticate").starts_with("DPoP "));

    let no_proof = userinfo(&mock, &format!("DPoP {access}"), None).await;
    let why = no_proof.expect_error(401, "invalid_dpop_proof");
    assert!(why.contains("needs a DPoP header"), "{why}");

    let other_key = DpopKey::generate().unwrap();
    let proof = other_key
        .proof("GET", &userinfo_url(&mock), None, Some(access))
        .unwrap();
    let stolen = userinfo(&mock, &format!("DPoP {access}"), Some(&proof)).await;
    let why = stolen.expect_error(401, "invalid_token");
    assert!(why.contains(key.thumbprint()), "{why}");
}

#[tokio::test]
async fn a_wrong_ath_is_refused_at_userinfo() {
    let mock = start().await;
    let (key, tokens) = bound_tokens(&mock).await;
    let access = tokens["access_token"].as_str().unwrap();
    let proof = key
        .proof("GET", &userinfo_url(&mock), None, Some("another token"))
        .unwrap();
    let reply = userinfo(&mock, &format!("DPoP {access}"), Some(&proof)).await;
    let why = reply.expect_error(401, "invalid_dpop_proof");
    assert!(why.contains("ath"), "{why}");
    assert!(
        reply
            .header("www-authenticate")
            .contains("invalid_dpop_proof")
    );
}

#[tokio::test]
async fn each_broken_rule_at_the_token_endpoint_is_named() {
    let mock = start().await;
    let key = DpopKey::generate().unwrap();
    let basic = Some((CONFIDENTIAL, SECRET));
    let refuse = async |proof: String| {
        let reply = token_with_proof(&mock, &client_credentials(), basic, Some(&proof)).await;
        reply.expect_error(400, "invalid_dpop_proof")
    };
    let wrong_htm = key.proof("GET", &token_url(&mock), None, None).unwrap();
    assert!(refuse(wrong_htm).await.contains("htm is \"GET\""));
    let wrong_htu = key
        .proof("POST", &format!("{}/par", mock.issuer()), None, None)
        .unwrap();
    assert!(refuse(wrong_htu).await.contains("htu"));
    assert!(refuse("not-a-jwt".into()).await.contains("not a JWS"));

    let replayed = key.proof("POST", &token_url(&mock), None, None).unwrap();
    let first = token_with_proof(&mock, &client_credentials(), basic, Some(&replayed)).await;
    assert_eq!(first.status, 200, "{}", first.text);
    assert!(refuse(replayed).await.contains("already used"));

    let old = key.proof("POST", &token_url(&mock), None, None).unwrap();
    mock.advance(3600);
    assert!(refuse(old).await.contains("s old"));
}

#[tokio::test]
async fn a_proof_with_a_private_or_mismatched_key_is_refused() {
    let mock = start().await;
    let key = DpopKey::generate().unwrap();
    let proof = key.proof("POST", &token_url(&mock), None, None).unwrap();
    // The same claims under another key's jwk header: the signature no longer verifies.
    let other = DpopKey::generate().unwrap();
    let decoded = Jwt::decode(&proof).unwrap();
    let mut header = decoded.unverified_header().clone();
    header.insert("jwk".into(), other.public_jwk().clone());
    let parts: Vec<&str> = proof.split('.').collect();
    use base64::Engine as _;
    let swapped = format!(
        "{}.{}.{}",
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(Value::Object(header).to_string()),
        parts[1],
        parts[2]
    );
    let reply = token_with_proof(
        &mock,
        &client_credentials(),
        Some((CONFIDENTIAL, SECRET)),
        Some(&swapped),
    )
    .await;
    let why = reply.expect_error(400, "invalid_dpop_proof");
    assert!(why.contains("signature"), "{why}");
}

#[tokio::test]
async fn a_public_clients_refresh_token_needs_a_proof_of_the_same_key() {
    let mock = start().await;
    let key = DpopKey::generate().unwrap();
    let params = [
        ("client_id", PUBLIC),
        ("redirect_uri", REDIRECT),
        ("scope", "openid"),
        ("state", "s"),
        ("code_challenge", mock_support::CHALLENGE),
        ("code_challenge_method", "S256"),
    ];
    let code = mock
        .authorize(&params)
        .await
        .location_param("code")
        .unwrap();
    let mut form = code_form(&code);
    form.push(("client_id", PUBLIC));
    let proof = key.proof("POST", &token_url(&mock), None, None).unwrap();
    let tokens = token_with_proof(&mock, &form, None, Some(&proof))
        .await
        .json();
    let refresh = tokens["refresh_token"]
        .as_str()
        .expect("a refresh token")
        .to_owned();
    let refresh_form = [
        ("grant_type", "refresh_token"),
        ("refresh_token", refresh.as_str()),
        ("client_id", PUBLIC),
    ];

    let bare = token_with_proof(&mock, &refresh_form, None, None).await;
    assert!(
        bare.expect_error(400, "invalid_dpop_proof")
            .contains("bound to a DPoP key")
    );
    let other = DpopKey::generate().unwrap();
    let wrong = other.proof("POST", &token_url(&mock), None, None).unwrap();
    let reply = token_with_proof(&mock, &refresh_form, None, Some(&wrong)).await;
    assert!(
        reply
            .expect_error(400, "invalid_dpop_proof")
            .contains("not the one")
    );

    let right = key.proof("POST", &token_url(&mock), None, None).unwrap();
    let reply = token_with_proof(&mock, &refresh_form, None, Some(&right)).await;
    assert_eq!(reply.status, 200, "{}", reply.text);
    assert_eq!(reply.json()["token_type"], "DPoP");
}

#[tokio::test]
async fn a_required_nonce_is_given_then_accepted() {
    let mock = start_with(|config| {
        config.auto_approve = Some("alice".into());
        config.dpop_nonce = true;
    })
    .await;
    let key = DpopKey::generate().unwrap();
    let basic = Some((CONFIDENTIAL, SECRET));
    let bare = key.proof("POST", &token_url(&mock), None, None).unwrap();
    let reply = token_with_proof(&mock, &client_credentials(), basic, Some(&bare)).await;
    assert!(
        reply
            .expect_error(400, dpop::USE_DPOP_NONCE)
            .contains("nonce")
    );
    let nonce = reply.header("dpop-nonce").to_owned();
    let with = key
        .proof("POST", &token_url(&mock), Some(&nonce), None)
        .unwrap();
    let reply = token_with_proof(&mock, &client_credentials(), basic, Some(&with)).await;
    assert_eq!(reply.status, 200, "{}", reply.text);

    // At a resource, the same demand is a 401 with a DPoP challenge.
    let code = mock.code("openid").await;
    let proof = key
        .proof("POST", &token_url(&mock), Some(&nonce), None)
        .unwrap();
    let tokens = token_with_proof(&mock, &code_form(&code), basic, Some(&proof))
        .await
        .json();
    let user_token = tokens["access_token"].as_str().unwrap();
    let proof = key
        .proof("GET", &userinfo_url(&mock), None, Some(user_token))
        .unwrap();
    let reply = userinfo(&mock, &format!("DPoP {user_token}"), Some(&proof)).await;
    reply.expect_error(401, dpop::USE_DPOP_NONCE);
    assert!(reply.header("www-authenticate").contains("use_dpop_nonce"));
    assert_eq!(reply.header("dpop-nonce"), nonce);
}

#[tokio::test]
async fn introspection_names_the_key_a_token_is_bound_to() {
    let mock = start().await;
    let (key, tokens) = bound_tokens(&mock).await;
    let answer = mock
        .introspect(tokens["access_token"].as_str().unwrap())
        .await;
    assert_eq!(answer["active"], true);
    assert_eq!(answer["token_type"], "DPoP");
    assert_eq!(answer["cnf"]["jkt"], key.thumbprint());
}
