//! The mock's demo MCP server as a DPoP resource server (RFC 9449 §7, §9), over real HTTP: a
//! token bound to a key is let in only as `Authorization: DPoP` with a proof of that key for
//! this POST to this URL, hashing the token; every broken rule is refused with a `DPoP`
//! challenge that names it; with `--dpop-nonce` the server's nonce is asked for and then
//! taken; the RFC 9728 metadata says which proofs it takes.

mod mock_support;

use mock_support::{CONFIDENTIAL, Mock, REDIRECT, Reply, SECRET, VERIFIER, start, start_with};
use oauthscope::oauth::dpop::DpopKey;
use reqwest::StatusCode;
use serde_json::{Value, json};

fn resource(mock: &Mock) -> String {
    format!("{}/mcp", mock.issuer())
}

/// The token endpoint's answer to a code redeemed with `proof`.
async fn redeem_with_proof(mock: &Mock, code: &str, proof: &str) -> Reply {
    let request = mock
        .http
        .post(mock.url("/token"))
        .basic_auth(CONFIDENTIAL, Some(SECRET))
        .header("DPoP", proof)
        .form(&[
            ("grant_type", "authorization_code"),
            ("code", code),
            ("redirect_uri", REDIRECT),
            ("code_verifier", VERIFIER),
        ]);
    Mock::reply(request.send().await.unwrap()).await
}

/// An access token for the MCP server bound to `key` (its proof carrying `nonce`).
async fn bound_token(mock: &Mock, key: &DpopKey, nonce: Option<&str>) -> String {
    let code = mock
        .code_with("openid mcp:tools", &[("resource", &resource(mock))])
        .await;
    let token_url = format!("{}/token", mock.issuer());
    let proof = key.proof("POST", &token_url, nonce, None).unwrap();
    let reply = redeem_with_proof(mock, &code, &proof).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    assert_eq!(reply.json()["token_type"], "DPoP");
    reply.json()["access_token"].as_str().unwrap().to_owned()
}

/// POST /mcp with an Authorization header and a DPoP header, each when given.
async fn mcp(
    mock: &Mock,
    authorization: Option<&str>,
    proof: Option<&str>,
    message: Value,
) -> Reply {
    let mut request = mock
        .http
        .post(mock.url("/mcp"))
        .header("accept", "application/json, text/event-stream")
        .json(&message);
    if let Some(authorization) = authorization {
        request = request.header("authorization", authorization);
    }
    if let Some(proof) = proof {
        request = request.header("DPoP", proof);
    }
    Mock::reply(request.send().await.unwrap()).await
}

fn tools_list() -> Value {
    json!({ "jsonrpc": "2.0", "id": 2, "method": "tools/list" })
}

/// Asserts a 401 in the DPoP scheme with `error`, naming `rule`; the description back.
fn refused(reply: &Reply, error: &str, rule: &str) -> String {
    let description = reply.expect_error(401, error);
    assert!(description.contains(rule), "{rule} in {description}");
    let challenge = reply.header("www-authenticate");
    assert!(challenge.starts_with("DPoP "), "{challenge}");
    assert!(
        challenge.contains(&format!(r#"error="{error}""#)),
        "{challenge}"
    );
    assert!(challenge.contains("resource_metadata="), "{challenge}");
    assert!(challenge.contains(r#"algs="ES256"#), "{challenge}");
    description
}

#[tokio::test]
async fn a_bound_token_with_a_fresh_proof_for_each_call_reaches_the_tool() {
    let mock = start().await;
    let key = DpopKey::generate().unwrap();
    let token = bound_token(&mock, &key, None).await;
    let authorization = format!("DPoP {token}");
    let url = resource(&mock);
    let initialize = json!({ "jsonrpc": "2.0", "id": 1, "method": "initialize",
        "params": { "protocolVersion": "2025-11-25", "capabilities": {},
                    "clientInfo": { "name": "test", "version": "1" } } });
    let notification = json!({ "jsonrpc": "2.0", "method": "notifications/initialized" });
    let call = json!({ "jsonrpc": "2.0", "id": 3, "method": "tools/call",
        "params": { "name": "whoami", "arguments": {} } });
    let mut answers = Vec::new();
    for message in [initialize, notification, tools_list(), call] {
        let proof = key.proof("POST", &url, None, Some(&token)).unwrap();
        let reply = mcp(&mock, Some(&authorization), Some(&proof), message).await;
        assert!(reply.status.is_success(), "{}", reply.text);
        answers.push(reply);
    }
    assert_eq!(answers[1].status, StatusCode::ACCEPTED);
    let claims = &answers[3].json()["result"]["structuredContent"];
    assert_eq!(claims["cnf"]["jkt"], key.thumbprint(), "{claims}");
    assert_eq!(claims["aud"], url.as_str());
}

#[tokio::test]
async fn a_bound_token_presented_as_bearer_is_refused_in_the_dpop_scheme() {
    let mock = start().await;
    let key = DpopKey::generate().unwrap();
    let token = bound_token(&mock, &key, None).await;
    let reply = mcp(&mock, Some(&format!("Bearer {token}")), None, tools_list()).await;
    let why = refused(&reply, "invalid_token", "RFC 9449 section 7.1");
    assert!(why.contains("bound to a DPoP key"), "{why}");
    // Even with a good proof beside it: the scheme is what says the token is DPoP-bound.
    let proof = key
        .proof("POST", &resource(&mock), None, Some(&token))
        .unwrap();
    let reply = mcp(
        &mock,
        Some(&format!("Bearer {token}")),
        Some(&proof),
        tools_list(),
    )
    .await;
    refused(&reply, "invalid_token", "RFC 9449 section 7.1");
}

#[tokio::test]
async fn each_broken_proof_is_refused_naming_its_rule() {
    let mock = start().await;
    let key = DpopKey::generate().unwrap();
    let token = bound_token(&mock, &key, None).await;
    let authorization = format!("DPoP {token}");
    let url = resource(&mock);
    let token_url = format!("{}/token", mock.issuer());
    let other = DpopKey::generate().unwrap();
    let cases = [
        (
            key.proof("POST", &token_url, None, Some(&token)).unwrap(),
            "invalid_dpop_proof",
            "htu is",
        ),
        (
            key.proof("GET", &url, None, Some(&token)).unwrap(),
            "invalid_dpop_proof",
            "htm is",
        ),
        (
            key.proof("POST", &url, None, None).unwrap(),
            "invalid_dpop_proof",
            "ath is missing",
        ),
        (
            key.proof("POST", &url, None, Some("another token"))
                .unwrap(),
            "invalid_dpop_proof",
            "ath is not the SHA-256",
        ),
        (
            other.proof("POST", &url, None, Some(&token)).unwrap(),
            "invalid_token",
            "cnf.jkt",
        ),
    ];
    for (proof, error, rule) in cases {
        let reply = mcp(&mock, Some(&authorization), Some(&proof), tools_list()).await;
        refused(&reply, error, rule);
    }
    // The DPoP scheme without a proof, and a proof without its token.
    let reply = mcp(&mock, Some(&authorization), None, tools_list()).await;
    refused(&reply, "invalid_dpop_proof", "needs a DPoP header");
    let proof = key.proof("POST", &url, None, Some(&token)).unwrap();
    let reply = mcp(&mock, None, Some(&proof), tools_list()).await;
    refused(&reply, "invalid_token", "without the access token");
    // A proof is good for one request: the same jti again is a replay (RFC 9449 §11.1).
    let proof = key.proof("POST", &url, None, Some(&token)).unwrap();
    let first = mcp(&mock, Some(&authorization), Some(&proof), tools_list()).await;
    assert_eq!(first.status, StatusCode::OK, "{}", first.text);
    let again = mcp(&mock, Some(&authorization), Some(&proof), tools_list()).await;
    refused(&again, "invalid_dpop_proof", "already used");
    // A proof older than the server's window, on the mock's clock.
    let proof = key.proof("POST", &url, None, Some(&token)).unwrap();
    mock.advance(400);
    let late = mcp(&mock, Some(&authorization), Some(&proof), tools_list()).await;
    refused(&late, "invalid_dpop_proof", "s old");
}

#[tokio::test]
async fn with_nonces_on_the_server_asks_for_its_nonce_then_takes_the_proof() {
    let mock = start_with(|config| {
        config.auto_approve = Some("alice".into());
        config.dpop_nonce = true;
    })
    .await;
    let key = DpopKey::generate().unwrap();
    // The token endpoint hands out the nonce on a first refusal (RFC 9449 §8).
    let code = mock
        .code_with("openid mcp:tools", &[("resource", &resource(&mock))])
        .await;
    let token_url = format!("{}/token", mock.issuer());
    let bare = key.proof("POST", &token_url, None, None).unwrap();
    let first = redeem_with_proof(&mock, &code, &bare).await;
    first.expect_error(400, "use_dpop_nonce");
    let nonce = first.header("dpop-nonce").to_owned();
    let token = bound_token(&mock, &key, Some(&nonce)).await;
    let authorization = format!("DPoP {token}");
    let url = resource(&mock);

    // The resource asks in its own way: a 401 DPoP challenge and DPoP-Nonce (§9).
    let proof = key.proof("POST", &url, None, Some(&token)).unwrap();
    let reply = mcp(&mock, Some(&authorization), Some(&proof), tools_list()).await;
    refused(&reply, "use_dpop_nonce", "RFC 9449 section 8");
    let given = reply.header("dpop-nonce").to_owned();
    assert!(!given.is_empty());
    let proof = key.proof("POST", &url, Some(&given), Some(&token)).unwrap();
    let reply = mcp(&mock, Some(&authorization), Some(&proof), tools_list()).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    assert_eq!(reply.json()["result"]["tools"][0]["name"], "whoami");
}

#[tokio::test]
async fn the_resource_metadata_says_which_proofs_it_takes() {
    let mock = start().await;
    let document = mock
        .get("/.well-known/oauth-protected-resource/mcp")
        .await
        .json();
    let algs = document["dpop_signing_alg_values_supported"]
        .as_array()
        .unwrap();
    assert!(algs.contains(&json!("ES256")), "{document}");
    assert!(!algs.contains(&json!("none")), "{document}");
    assert_eq!(document["dpop_bound_access_tokens_required"], false);
    // Unbound tokens are still let in as Bearer, so the challenge without a token is Bearer.
    let reply = mcp(&mock, None, None, tools_list()).await;
    assert!(reply.header("www-authenticate").starts_with("Bearer "));
}
