//! The mock as the authorization server of an MCP server (RFC 8707 resource indicators) and
//! its demo protected MCP resource (RFC 9728, RFC 6750 challenges), over real HTTP.

mod mock_support;

use mock_support::{CHALLENGE, CONFIDENTIAL, Mock, REDIRECT, Reply, SECRET, VERIFIER, start};
use reqwest::StatusCode;
use serde_json::{Value, json};

fn resource(mock: &Mock) -> String {
    format!("{}/mcp", mock.issuer())
}

/// An auto-approved code for demo-confidential with `extra` parameters (resource, scope).
async fn code_with(mock: &Mock, extra: &[(&str, &str)]) -> Reply {
    let mut params = vec![
        ("client_id", CONFIDENTIAL),
        ("redirect_uri", REDIRECT),
        ("state", "st-1"),
        ("code_challenge", CHALLENGE),
        ("code_challenge_method", "S256"),
    ];
    params.extend_from_slice(extra);
    mock.authorize(&params).await
}

async fn redeem(mock: &Mock, code: &str, extra: &[(&str, &str)]) -> Reply {
    let mut form = vec![
        ("grant_type", "authorization_code"),
        ("code", code),
        ("redirect_uri", REDIRECT),
        ("code_verifier", VERIFIER),
    ];
    form.extend_from_slice(extra);
    mock.token(&form).await
}

/// A token for `scope`, asked for `resource` at /authorize (and nothing at /token).
async fn token_for(mock: &Mock, scope: &str, resource: Option<&str>) -> Value {
    let mut extra = vec![("scope", scope)];
    if let Some(resource) = resource {
        extra.push(("resource", resource));
    }
    let reply = code_with(mock, &extra).await;
    let code = reply.location_param("code").expect("a code");
    let reply = redeem(mock, &code, &[]).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    reply.json()
}

async fn mcp(mock: &Mock, token: Option<&str>, message: Value) -> Reply {
    let mut request = mock
        .http
        .post(mock.url("/mcp"))
        .header("accept", "application/json, text/event-stream")
        .json(&message);
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    Mock::reply(request.send().await.unwrap()).await
}

fn rpc(id: u64, method: &str, params: Value) -> Value {
    json!({ "jsonrpc": "2.0", "id": id, "method": method, "params": params })
}

#[tokio::test]
async fn the_resource_becomes_the_access_tokens_audience() {
    let mock = start().await;
    let resource = resource(&mock);
    let tokens = token_for(&mock, "openid mcp:tools", Some(&resource)).await;
    let access = tokens["access_token"].as_str().unwrap();
    let (_, claims) = mock.verify_jwt(access, &resource).await;
    assert_eq!(claims["aud"], resource.as_str());
    assert_eq!(mock.introspect(access).await["aud"], resource.as_str());

    // The refresh keeps the grant's resource; without one the audience is the issuer.
    let refresh = tokens["refresh_token"].as_str().unwrap();
    let reply = mock
        .token(&[("grant_type", "refresh_token"), ("refresh_token", refresh)])
        .await;
    let refreshed = reply.json()["access_token"].as_str().unwrap().to_owned();
    assert_eq!(
        mock.verify_jwt(&refreshed, &resource).await.1["aud"],
        resource.as_str()
    );
    let plain = token_for(&mock, "openid", None).await;
    let (_, claims) = mock
        .verify_jwt(plain["access_token"].as_str().unwrap(), mock.issuer())
        .await;
    assert_eq!(claims["aud"], mock.issuer());

    // client_credentials names its resource at /token.
    let reply = mock
        .token(&[
            ("grant_type", "client_credentials"),
            ("resource", &resource),
        ])
        .await;
    let access = reply.json()["access_token"].as_str().unwrap().to_owned();
    assert_eq!(
        mock.verify_jwt(&access, &resource).await.1["aud"],
        resource.as_str()
    );
}

#[tokio::test]
async fn a_resource_the_server_does_not_protect_is_invalid_target() {
    let mock = start().await;
    for bad in [
        "https://elsewhere.example/mcp".to_string(),
        format!("{}#frag", resource(&mock)),
        "not a uri".to_string(),
    ] {
        let reply = code_with(&mock, &[("resource", &bad)]).await;
        assert_eq!(reply.status, StatusCode::FOUND, "{}", reply.text);
        assert_eq!(
            reply.location_param("error").as_deref(),
            Some("invalid_target")
        );
        let description = reply.location_param("error_description").unwrap();
        assert!(description.contains("RFC 8707 section 2"), "{description}");
        assert_eq!(reply.location_param("state").as_deref(), Some("st-1"));

        let reply = mock
            .token(&[("grant_type", "client_credentials"), ("resource", &bad)])
            .await;
        reply.expect_error(400, "invalid_target");
        let reply = mock
            .post_form(
                "/par",
                &[
                    ("response_type", "code"),
                    ("redirect_uri", REDIRECT),
                    ("code_challenge", CHALLENGE),
                    ("code_challenge_method", "S256"),
                    ("resource", &bad),
                ],
                Some((CONFIDENTIAL, SECRET)),
            )
            .await;
        reply.expect_error(400, "invalid_target");
    }
}

#[tokio::test]
async fn the_token_request_may_narrow_the_resources_never_widen_them() {
    let mock = start().await;
    let resource = resource(&mock);
    // No resource at /authorize: the token request may still name one the server protects.
    let code = code_with(&mock, &[]).await.location_param("code").unwrap();
    let reply = redeem(&mock, &code, &[("resource", &resource)]).await;
    let access = reply.json()["access_token"].as_str().unwrap().to_owned();
    assert_eq!(
        mock.verify_jwt(&access, &resource).await.1["aud"],
        resource.as_str()
    );

    // A code granted for the MCP resource cannot be redeemed for the issuer.
    let code = code_with(&mock, &[("resource", &resource)])
        .await
        .location_param("code")
        .unwrap();
    let reply = redeem(&mock, &code, &[("resource", mock.issuer())]).await;
    let description = reply.expect_error(400, "invalid_target");
    assert!(description.contains("RFC 8707"), "{description}");
    // The refusal did not use the code up.
    let reply = redeem(&mock, &code, &[("resource", &resource)]).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
}

#[tokio::test]
async fn a_pushed_request_carries_its_resource() {
    let mock = start().await;
    let resource = resource(&mock);
    let reply = mock
        .post_form(
            "/par",
            &[
                ("response_type", "code"),
                ("redirect_uri", REDIRECT),
                ("scope", "mcp:tools"),
                ("code_challenge", CHALLENGE),
                ("code_challenge_method", "S256"),
                ("resource", &resource),
            ],
            Some((CONFIDENTIAL, SECRET)),
        )
        .await;
    assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.text);
    let request_uri = reply.json()["request_uri"].as_str().unwrap().to_owned();
    let reply = mock
        .authorize(&[("client_id", CONFIDENTIAL), ("request_uri", &request_uri)])
        .await;
    let code = reply.location_param("code").expect("a code");
    let reply = redeem(&mock, &code, &[]).await;
    let access = reply.json()["access_token"].as_str().unwrap().to_owned();
    assert_eq!(
        mock.verify_jwt(&access, &resource).await.1["aud"],
        resource.as_str()
    );
}

#[tokio::test]
async fn without_a_token_the_mcp_server_points_to_its_metadata() {
    let mock = start().await;
    let reply = mcp(&mock, None, rpc(1, "initialize", json!({}))).await;
    assert_eq!(reply.status, StatusCode::UNAUTHORIZED);
    let metadata_url = format!(
        "http://{}/.well-known/oauth-protected-resource/mcp",
        mock.server.addr()
    );
    let challenge = reply.header("www-authenticate");
    assert!(challenge.starts_with("Bearer "), "{challenge}");
    assert!(
        challenge.contains(&format!(r#"resource_metadata="{metadata_url}""#)),
        "{challenge}"
    );
    assert!(challenge.contains(r#"scope="mcp:tools""#), "{challenge}");

    let document = mock
        .get("/.well-known/oauth-protected-resource/mcp")
        .await
        .json();
    assert_eq!(document["resource"], resource(&mock).as_str());
    assert_eq!(document["authorization_servers"], json!([mock.issuer()]));
    assert_eq!(document["scopes_supported"], json!(["mcp:tools"]));

    let server = mock
        .get("/.well-known/oauth-authorization-server")
        .await
        .json();
    assert_eq!(server["protected_resources"], json!([resource(&mock)]));
    assert!(
        server["scopes_supported"]
            .as_array()
            .unwrap()
            .contains(&json!("mcp:tools"))
    );
}

#[tokio::test]
async fn tokens_for_another_audience_or_scope_are_refused() {
    let mock = start().await;
    // Audience: the issuer, not the MCP server.
    let tokens = token_for(&mock, "mcp:tools", None).await;
    let reply = mcp(
        &mock,
        tokens["access_token"].as_str(),
        rpc(1, "tools/list", json!({})),
    )
    .await;
    assert_eq!(reply.status, StatusCode::UNAUTHORIZED, "{}", reply.text);
    assert_eq!(reply.json()["error"], "invalid_token");
    let challenge = reply.header("www-authenticate");
    assert!(
        challenge.contains(r#"error="invalid_token""#),
        "{challenge}"
    );
    assert!(challenge.contains("RFC 8707"), "{challenge}");

    // The right audience, without the scope.
    let tokens = token_for(&mock, "openid", Some(&resource(&mock))).await;
    let reply = mcp(
        &mock,
        tokens["access_token"].as_str(),
        rpc(1, "tools/list", json!({})),
    )
    .await;
    assert_eq!(reply.status, StatusCode::FORBIDDEN, "{}", reply.text);
    let challenge = reply.header("www-authenticate");
    assert!(
        challenge.contains(r#"error="insufficient_scope""#),
        "{challenge}"
    );
    assert!(challenge.contains(r#"scope="mcp:tools""#), "{challenge}");

    // Not a token of this server at all.
    let reply = mcp(&mock, Some("opaque-junk"), rpc(1, "tools/list", json!({}))).await;
    assert_eq!(reply.status, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn a_good_token_lists_and_calls_whoami_until_it_is_revoked() {
    let mock = start().await;
    let tokens = token_for(&mock, "openid mcp:tools", Some(&resource(&mock))).await;
    let token = tokens["access_token"].as_str().unwrap();

    let reply = mcp(
        &mock,
        Some(token),
        rpc(
            1,
            "initialize",
            json!({ "protocolVersion": "2025-06-18", "capabilities": {},
            "clientInfo": { "name": "test", "version": "1" } }),
        ),
    )
    .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    let body = reply.json();
    assert_eq!(body["id"], 1);
    assert_eq!(body["result"]["protocolVersion"], "2025-06-18");
    assert!(body["result"]["capabilities"]["tools"].is_object());

    let note = json!({ "jsonrpc": "2.0", "method": "notifications/initialized" });
    assert_eq!(
        mcp(&mock, Some(token), note).await.status,
        StatusCode::ACCEPTED
    );

    let tools = mcp(&mock, Some(token), rpc(2, "tools/list", json!({})))
        .await
        .json();
    assert_eq!(tools["result"]["tools"][0]["name"], "whoami");

    let called = mcp(
        &mock,
        Some(token),
        rpc(
            3,
            "tools/call",
            json!({ "name": "whoami", "arguments": {} }),
        ),
    )
    .await
    .json();
    let claims = &called["result"]["structuredContent"];
    assert_eq!(claims["aud"], resource(&mock).as_str());
    assert_eq!(claims["client_id"], CONFIDENTIAL);
    assert!(claims["scope"].as_str().unwrap().contains("mcp:tools"));

    let unknown = mcp(&mock, Some(token), rpc(4, "resources/list", json!({})))
        .await
        .json();
    assert_eq!(unknown["error"]["code"], -32601);

    let reply = mock
        .post_form("/revoke", &[("token", token)], Some((CONFIDENTIAL, SECRET)))
        .await;
    assert_eq!(reply.status, StatusCode::OK);
    let reply = mcp(&mock, Some(token), rpc(5, "tools/list", json!({}))).await;
    assert_eq!(reply.status, StatusCode::UNAUTHORIZED, "{}", reply.text);
}

#[tokio::test]
async fn a_token_for_the_mcp_server_is_not_taken_at_userinfo() {
    let mock = start().await;
    // openid at /authorize, but the token is for the MCP server only.
    let tokens = token_for(&mock, "openid mcp:tools", Some(&resource(&mock))).await;
    let token = tokens["access_token"].as_str().unwrap();
    let reply = Mock::reply(
        mock.http
            .get(mock.url("/userinfo"))
            .bearer_auth(token)
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(reply.status, StatusCode::UNAUTHORIZED, "{}", reply.text);
    assert_eq!(reply.json()["error"], "invalid_token");
    assert!(reply.text.contains("RFC 8707"), "{}", reply.text);

    // The same user's token with no resource is for the server itself: userinfo answers.
    let tokens = token_for(&mock, "openid", None).await;
    let reply = Mock::reply(
        mock.http
            .get(mock.url("/userinfo"))
            .bearer_auth(tokens["access_token"].as_str().unwrap())
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
}
