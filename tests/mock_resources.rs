//! `POST /introspect` (RFC 7662), `POST /revoke` (RFC 7009), `GET|POST /userinfo`
//! (OIDC Core §5.3, RFC 6750) and CORS for the endpoints browser apps call.

mod mock_support;

use mock_support::{CONFIDENTIAL, Mock, PUBLIC, Reply, SECRET, start, start_with};
use oauthscope::mock::ClientConfig;
use reqwest::StatusCode;

async fn with_second_client() -> Mock {
    start_with(|config| {
        config.auto_approve = Some("alice".into());
        config.clients.push(ClientConfig {
            client_id: "other".into(),
            client_secret: Some("other-secret".into()),
            token_endpoint_auth_methods: vec![],
            redirect_uris: vec![],
            grant_types: vec!["client_credentials".into()],
            scope: None,
            client_name: None,
            application_type: None,
            introspection: Default::default(),
            jwks: None,
            jwks_uri: None,
        });
    })
    .await
}

async fn userinfo(mock: &Mock, token: &str) -> Reply {
    let response = mock
        .http
        .get(mock.url("/userinfo"))
        .bearer_auth(token)
        .send()
        .await
        .unwrap();
    Mock::reply(response).await
}

#[tokio::test]
async fn introspection_describes_an_active_access_token() {
    let mock = start().await;
    let tokens = mock.code_flow("openid profile").await;
    let access = tokens["access_token"].as_str().unwrap();
    let reply = mock
        .post_form(
            "/introspect",
            &[("token", access)],
            Some((CONFIDENTIAL, SECRET)),
        )
        .await;
    assert_eq!(reply.header("cache-control"), "no-store");
    let body = reply.json();
    assert_eq!(body["active"], true);
    assert_eq!(body["scope"], "openid profile");
    assert_eq!(body["client_id"], CONFIDENTIAL);
    assert_eq!(body["username"], "alice");
    assert_eq!(body["token_type"], "Bearer");
    assert_eq!(body["iss"], mock.issuer());
    assert_eq!(body["aud"], mock.issuer());
    for field in ["exp", "iat", "sub", "jti"] {
        assert!(body.get(field).is_some(), "{field}");
    }
    let refresh = mock
        .introspect(tokens["refresh_token"].as_str().unwrap())
        .await;
    assert_eq!(refresh["active"], true);
    assert_eq!(refresh["token_type"], "refresh_token");
}

#[tokio::test]
async fn unknown_expired_or_revoked_tokens_are_inactive_not_errors() {
    let mock = start().await;
    assert_eq!(
        mock.introspect("not-a-token").await,
        serde_json::json!({"active": false})
    );
    let tokens = mock.client_credentials().await;
    let access = tokens["access_token"].as_str().unwrap();
    mock.advance(3600);
    assert_eq!(mock.introspect(access).await["active"], false);

    let fresh = mock.client_credentials().await;
    let fresh = fresh["access_token"].as_str().unwrap();
    let untouched = mock.client_credentials().await;
    let untouched = untouched["access_token"].as_str().unwrap();
    mock.post_form("/revoke", &[("token", fresh)], Some((CONFIDENTIAL, SECRET)))
        .await;
    assert_eq!(mock.introspect(fresh).await["active"], false);
    assert_eq!(mock.introspect(untouched).await["active"], true);

    let user = mock.code_flow("openid").await;
    let user_access = user["access_token"].as_str().unwrap();
    mock.post_form(
        "/revoke",
        &[("token", user_access)],
        Some((CONFIDENTIAL, SECRET)),
    )
    .await;
    assert_eq!(mock.introspect(user_access).await["active"], false);
    userinfo(&mock, user_access)
        .await
        .expect_error(401, "invalid_token");
}

#[tokio::test]
async fn only_access_tokens_this_server_signed_are_active() {
    let mock = start().await;
    let tokens = mock.code_flow("openid").await;
    // An ID token is signed by the same key but is not an access token (RFC 9068 section 4).
    let id_token = tokens["id_token"].as_str().unwrap();
    assert_eq!(mock.introspect(id_token).await["active"], false);
    userinfo(&mock, id_token)
        .await
        .expect_error(401, "invalid_token");

    // Changing a claim breaks the signature.
    let service = mock.client_credentials().await;
    let access = service["access_token"].as_str().unwrap();
    let mut parts: Vec<String> = access.split('.').map(str::to_owned).collect();
    let forged = serde_json::json!({
        "iss": mock.issuer(), "sub": "demo-confidential", "aud": mock.issuer(),
        "exp": 4_000_000_000u64, "iat": 1, "jti": "x", "client_id": "demo-confidential",
        "scope": "api:read api:write"
    });
    parts[1] = base64::Engine::encode(
        &base64::engine::general_purpose::URL_SAFE_NO_PAD,
        forged.to_string(),
    );
    assert_eq!(mock.introspect(&parts.join(".")).await["active"], false);

    // A token from another server instance (other keys) is unknown here.
    let other = start().await;
    let foreign = other.client_credentials().await;
    assert_eq!(
        mock.introspect(foreign["access_token"].as_str().unwrap())
            .await["active"],
        false
    );
}

#[tokio::test]
async fn introspection_requires_client_authentication() {
    let mock = start().await;
    let tokens = mock.client_credentials().await;
    let access = tokens["access_token"].as_str().unwrap();
    let anonymous = mock
        .post_form("/introspect", &[("token", access)], None)
        .await;
    anonymous.expect_error(400, "invalid_client");
    let public = mock
        .post_form(
            "/introspect",
            &[("token", access), ("client_id", PUBLIC)],
            None,
        )
        .await;
    let description = public.expect_error(400, "invalid_client");
    assert!(description.contains("RFC 7662 section 2.1"));
    let wrong = mock
        .post_form(
            "/introspect",
            &[("token", access)],
            Some((CONFIDENTIAL, "x")),
        )
        .await;
    wrong.expect_error(401, "invalid_client");
    let no_token = mock
        .post_form("/introspect", &[], Some((CONFIDENTIAL, SECRET)))
        .await;
    no_token.expect_error(400, "invalid_request");
}

#[tokio::test]
async fn revocation_answers_200_even_for_unknown_tokens() {
    let mock = start().await;
    let reply = mock
        .post_form(
            "/revoke",
            &[("token", "never-issued")],
            Some((CONFIDENTIAL, SECRET)),
        )
        .await;
    assert_eq!(reply.status, StatusCode::OK);
    let public = mock
        .post_form(
            "/revoke",
            &[("token", "never-issued"), ("client_id", PUBLIC)],
            None,
        )
        .await;
    assert_eq!(public.status, StatusCode::OK);
}

#[tokio::test]
async fn revoking_a_refresh_token_revokes_its_access_tokens() {
    let mock = start().await;
    let tokens = mock.code_flow("openid").await;
    let refresh = tokens["refresh_token"].as_str().unwrap();
    let reply = mock
        .post_form(
            "/revoke",
            &[("token", refresh), ("token_type_hint", "refresh_token")],
            Some((CONFIDENTIAL, SECRET)),
        )
        .await;
    assert_eq!(reply.status, StatusCode::OK);
    assert_eq!(mock.introspect(refresh).await["active"], false);
    assert_eq!(
        mock.introspect(tokens["access_token"].as_str().unwrap())
            .await["active"],
        false
    );
    let use_it = mock
        .token(&[("grant_type", "refresh_token"), ("refresh_token", refresh)])
        .await;
    use_it.expect_error(400, "invalid_grant");
}

#[tokio::test]
async fn token_type_hint_is_a_hint_not_a_filter() {
    let mock = start().await;
    let tokens = mock.code_flow("openid").await;
    let access = tokens["access_token"].as_str().unwrap();
    let reply = mock
        .post_form(
            "/revoke",
            &[("token", access), ("token_type_hint", "refresh_token")],
            Some((CONFIDENTIAL, SECRET)),
        )
        .await;
    assert_eq!(reply.status, StatusCode::OK);
    assert_eq!(mock.introspect(access).await["active"], false);
    // Only the access token went; the refresh token still works.
    assert_eq!(
        mock.introspect(tokens["refresh_token"].as_str().unwrap())
            .await["active"],
        true
    );
}

#[tokio::test]
async fn a_client_may_revoke_only_its_own_tokens() {
    let mock = with_second_client().await;
    let tokens = mock.client_credentials().await;
    let access = tokens["access_token"].as_str().unwrap();
    let reply = mock
        .post_form(
            "/revoke",
            &[("token", access)],
            Some(("other", "other-secret")),
        )
        .await;
    reply.expect_error(400, "unauthorized_client");
    assert_eq!(mock.introspect(access).await["active"], true);
    let anonymous = mock.post_form("/revoke", &[("token", access)], None).await;
    anonymous.expect_error(400, "invalid_client");
    let no_token = mock
        .post_form("/revoke", &[], Some((CONFIDENTIAL, SECRET)))
        .await;
    no_token.expect_error(400, "invalid_request");
}

#[tokio::test]
async fn userinfo_releases_claims_by_scope() {
    let mock = start().await;
    let all = mock.code_flow("openid profile email").await;
    let reply = userinfo(&mock, all["access_token"].as_str().unwrap()).await;
    assert_eq!(reply.status, StatusCode::OK);
    let claims = reply.json();
    assert_eq!(claims["sub"], "4c6a9b3e-1f2d-4e8a-9c7b-5d0e3f1a2b6c");
    assert_eq!(claims["name"], "Alice Liddell");
    assert_eq!(claims["email_verified"], true);

    let email_only = mock.code_flow("openid email").await;
    let claims = userinfo(&mock, email_only["access_token"].as_str().unwrap())
        .await
        .json();
    assert_eq!(claims["email"], "alice@example.com");
    assert!(claims.get("name").is_none());

    let openid_only = mock.code_flow("openid").await;
    let claims = userinfo(&mock, openid_only["access_token"].as_str().unwrap())
        .await
        .json();
    assert_eq!(claims.as_object().unwrap().len(), 1);
}

#[tokio::test]
async fn userinfo_accepts_the_token_in_a_post_body() {
    let mock = start().await;
    let tokens = mock.code_flow("openid profile").await;
    let access = tokens["access_token"].as_str().unwrap();
    let body = mock
        .post_form("/userinfo", &[("access_token", access)], None)
        .await;
    assert_eq!(body.status, StatusCode::OK);
    assert_eq!(body.json()["given_name"], "Alice");
    let header = Mock::reply(
        mock.http
            .post(mock.url("/userinfo"))
            .bearer_auth(access)
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(header.status, StatusCode::OK);
    let both = Mock::reply(
        mock.http
            .post(mock.url("/userinfo"))
            .bearer_auth(access)
            .form(&[("access_token", access)])
            .send()
            .await
            .unwrap(),
    )
    .await;
    both.expect_error(400, "invalid_request");
}

#[tokio::test]
async fn userinfo_rejects_missing_bad_and_expired_tokens_with_a_bearer_challenge() {
    let mock = start().await;
    let none = mock.get("/userinfo").await;
    assert_eq!(none.status, StatusCode::UNAUTHORIZED);
    assert_eq!(
        none.header("www-authenticate"),
        r#"Bearer realm="oauthscope mock""#
    );

    let bad = userinfo(&mock, "garbage").await;
    bad.expect_error(401, "invalid_token");
    assert!(
        bad.header("www-authenticate")
            .starts_with(r#"Bearer realm="oauthscope mock", error="invalid_token""#)
    );

    let tokens = mock.code_flow("openid").await;
    let access = tokens["access_token"].as_str().unwrap();
    mock.advance(3600);
    userinfo(&mock, access)
        .await
        .expect_error(401, "invalid_token");
}

#[tokio::test]
async fn userinfo_needs_the_openid_scope_and_a_user() {
    let mock = start().await;
    let service = mock.client_credentials().await;
    let reply = userinfo(&mock, service["access_token"].as_str().unwrap()).await;
    reply.expect_error(403, "insufficient_scope");
    assert!(
        reply
            .header("www-authenticate")
            .contains("insufficient_scope")
    );
    let api_only = mock.code_flow("api:read").await;
    userinfo(&mock, api_only["access_token"].as_str().unwrap())
        .await
        .expect_error(403, "insufficient_scope");
}

#[tokio::test]
async fn browser_endpoints_answer_cors_preflights() {
    let mock = start().await;
    for path in [
        "/token",
        "/userinfo",
        "/jwks",
        "/.well-known/openid-configuration",
        "/register",
    ] {
        let preflight = mock
            .http
            .request(reqwest::Method::OPTIONS, mock.url(path))
            .header("origin", "http://localhost:3000")
            .header("access-control-request-method", "POST")
            .header(
                "access-control-request-headers",
                "authorization, content-type",
            )
            .send()
            .await
            .unwrap();
        assert_eq!(preflight.status(), StatusCode::NO_CONTENT, "{path}");
        let headers = preflight.headers();
        assert_eq!(headers["access-control-allow-origin"], "*");
        assert!(
            headers["access-control-allow-headers"]
                .to_str()
                .unwrap()
                .contains("Authorization")
        );
    }
    let jwks = mock.get("/jwks").await;
    assert_eq!(jwks.header("access-control-allow-origin"), "*");
    let error = mock.post_form("/token", &[], None).await;
    assert_eq!(error.header("access-control-allow-origin"), "*");
    // A browser client reads the challenge, and the nonce a DPoP proof must carry next.
    assert_eq!(
        error.header("access-control-expose-headers"),
        "WWW-Authenticate, DPoP-Nonce"
    );
    // The pages a person navigates to are not for fetch().
    let page = mock.get("/device").await;
    assert!(page.headers.get("access-control-allow-origin").is_none());
}
