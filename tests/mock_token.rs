//! `POST /token` (RFC 6749 §3.2, §4.1.3, §4.4, §5, §6; RFC 7636 §4.6; RFC 9068; RFC 9700)
//! and client authentication (RFC 6749 §2.3).

mod mock_support;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use mock_support::{CONFIDENTIAL, PUBLIC, REDIRECT, SECRET, VERIFIER, s256, start, start_with};
use oauthscope::mock::{ClientConfig, MockConfig};
use reqwest::StatusCode;
use serde_json::Value;

fn exchange<'a>(code: &'a str, verifier: &'a str) -> Vec<(&'a str, &'a str)> {
    vec![
        ("grant_type", "authorization_code"),
        ("code", code),
        ("redirect_uri", REDIRECT),
        ("code_verifier", verifier),
    ]
}

#[tokio::test]
async fn code_exchange_returns_rfc9068_access_token_and_oidc_id_token() {
    let mock = start().await;
    let code = mock.code("openid profile email api:read").await;
    let reply = mock.token(&exchange(&code, VERIFIER)).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    assert_eq!(reply.header("cache-control"), "no-store");
    let tokens = reply.json();
    assert_eq!(tokens["token_type"], "Bearer");
    assert_eq!(tokens["expires_in"], 3600);
    assert_eq!(tokens["scope"], "openid profile email api:read");
    assert!(tokens["refresh_token"].is_string());

    let access_token = tokens["access_token"].as_str().unwrap();
    let (header, claims) = mock.verify_jwt(access_token, mock.issuer()).await;
    assert_eq!(header.typ.as_deref(), Some("at+jwt"));
    for claim in [
        "iss",
        "sub",
        "aud",
        "exp",
        "iat",
        "jti",
        "client_id",
        "scope",
    ] {
        assert!(claims.get(claim).is_some(), "access token lacks {claim}");
    }
    assert_eq!(claims["sub"], "4c6a9b3e-1f2d-4e8a-9c7b-5d0e3f1a2b6c");
    assert_eq!(claims["client_id"], CONFIDENTIAL);

    let (_, id) = mock
        .verify_jwt(tokens["id_token"].as_str().unwrap(), CONFIDENTIAL)
        .await;
    for claim in [
        "iss",
        "sub",
        "aud",
        "exp",
        "iat",
        "auth_time",
        "nonce",
        "at_hash",
        "azp",
    ] {
        assert!(id.get(claim).is_some(), "ID token lacks {claim}");
    }
    assert_eq!(id["nonce"], "n-1");
    assert_eq!(id["azp"], CONFIDENTIAL);
    assert_eq!(id["email"], "alice@example.com");
    let digest = aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA256, access_token.as_bytes());
    assert_eq!(
        id["at_hash"],
        URL_SAFE_NO_PAD.encode(&digest.as_ref()[..16])
    );
}

#[tokio::test]
async fn without_openid_there_is_no_id_token() {
    let mock = start().await;
    let tokens = mock.code_flow("api:read").await;
    assert!(tokens.get("id_token").is_none());
}

#[tokio::test]
async fn a_replayed_code_is_invalid_grant_and_revokes_what_it_issued() {
    let mock = start().await;
    let code = mock.code("openid").await;
    let first = mock.token(&exchange(&code, VERIFIER)).await.json();
    let replay = mock.token(&exchange(&code, VERIFIER)).await;
    let description = replay.expect_error(400, "invalid_grant");
    assert!(description.contains("RFC 6749 section 4.1.2"));
    for token in ["access_token", "refresh_token"] {
        let status = mock.introspect(first[token].as_str().unwrap()).await;
        assert_eq!(status["active"], false, "{token} survived the replay");
    }
    let refresh = mock
        .token(&[
            ("grant_type", "refresh_token"),
            ("refresh_token", first["refresh_token"].as_str().unwrap()),
        ])
        .await;
    refresh.expect_error(400, "invalid_grant");
}

#[tokio::test]
async fn a_code_expires_after_60_seconds() {
    let mock = start().await;
    let code = mock.code("openid").await;
    mock.advance(60);
    let reply = mock.token(&exchange(&code, VERIFIER)).await;
    let description = reply.expect_error(400, "invalid_grant");
    assert!(description.contains("expired"));
    let unknown = mock.token(&exchange("no-such-code", VERIFIER)).await;
    unknown.expect_error(400, "invalid_grant");
}

#[tokio::test]
async fn pkce_is_verified() {
    let mock = start().await;
    let code = mock.code("openid").await;
    let other_verifier = "x".repeat(43);
    let wrong = mock.token(&exchange(&code, &other_verifier)).await;
    let description = wrong.expect_error(400, "invalid_grant");
    assert!(
        description.contains("code_verifier does not match the code_challenge sent to /authorize")
            && description.contains("RFC 7636 section 4.6"),
        "{description}"
    );
    let missing = mock
        .token(&[
            ("grant_type", "authorization_code"),
            ("code", &code),
            ("redirect_uri", REDIRECT),
        ])
        .await;
    missing.expect_error(400, "invalid_grant");
    // The failed attempts did not burn the code.
    let ok = mock.token(&exchange(&code, VERIFIER)).await;
    assert_eq!(ok.status, StatusCode::OK);
}

#[tokio::test]
async fn a_verifier_without_a_challenge_is_refused() {
    let mock = start().await;
    let reply = mock
        .authorize(&[("client_id", CONFIDENTIAL), ("redirect_uri", REDIRECT)])
        .await;
    let code = reply.location_param("code").unwrap();
    let downgrade = mock.token(&exchange(&code, VERIFIER)).await;
    let description = downgrade.expect_error(400, "invalid_grant");
    assert!(description.contains("RFC 9700 section 2.1.1"));
}

#[tokio::test]
async fn plain_pkce_works_too() {
    let mock = start().await;
    let verifier = "plain-verifier-plain-verifier-plain-verifier-0123";
    let reply = mock
        .authorize(&[
            ("client_id", PUBLIC),
            ("redirect_uri", REDIRECT),
            ("code_challenge", verifier),
            ("code_challenge_method", "plain"),
        ])
        .await;
    let code = reply.location_param("code").unwrap();
    let mut form = exchange(&code, verifier);
    form.push(("client_id", PUBLIC));
    let ok = mock.post_form("/token", &form, None).await;
    assert_eq!(ok.status, StatusCode::OK, "{}", ok.text);
}

#[tokio::test]
async fn a_public_client_identifies_itself_with_client_id_only() {
    let mock = start().await;
    let verifier = "public-client-verifier-public-client-verifier";
    let challenge = s256(verifier);
    let reply = mock
        .authorize(&[
            ("client_id", PUBLIC),
            ("redirect_uri", REDIRECT),
            ("scope", "openid"),
            ("code_challenge", &challenge),
            ("code_challenge_method", "S256"),
        ])
        .await;
    let code = reply.location_param("code").unwrap();
    let mut form = exchange(&code, verifier);
    let no_client = mock.post_form("/token", &form, None).await;
    no_client.expect_error(400, "invalid_client");
    let with_secret = mock
        .post_form("/token", &form, Some((PUBLIC, "anything")))
        .await;
    let description = with_secret.expect_error(401, "invalid_client");
    assert!(description.contains("public client"));
    form.push(("client_id", PUBLIC));
    let ok = mock.post_form("/token", &form, None).await;
    assert_eq!(ok.status, StatusCode::OK, "{}", ok.text);
}

#[tokio::test]
async fn client_authentication_rules() {
    let mock = start().await;
    let cc = [("grant_type", "client_credentials")];

    let basic = mock
        .post_form("/token", &cc, Some((CONFIDENTIAL, SECRET)))
        .await;
    assert_eq!(basic.status, StatusCode::OK);

    let post = mock
        .post_form(
            "/token",
            &[
                ("grant_type", "client_credentials"),
                ("client_id", CONFIDENTIAL),
                ("client_secret", SECRET),
            ],
            None,
        )
        .await;
    assert_eq!(post.status, StatusCode::OK);

    let wrong_basic = mock
        .post_form("/token", &cc, Some((CONFIDENTIAL, "nope")))
        .await;
    let description = wrong_basic.expect_error(401, "invalid_client");
    assert!(description.contains("does not match"));
    assert!(wrong_basic.header("www-authenticate").starts_with("Basic"));

    let wrong_post = mock
        .post_form(
            "/token",
            &[
                ("grant_type", "client_credentials"),
                ("client_id", CONFIDENTIAL),
                ("client_secret", "nope"),
            ],
            None,
        )
        .await;
    wrong_post.expect_error(400, "invalid_client");
    assert!(wrong_post.headers.get("www-authenticate").is_none());

    let both = mock
        .post_form(
            "/token",
            &[
                ("grant_type", "client_credentials"),
                ("client_secret", SECRET),
            ],
            Some((CONFIDENTIAL, SECRET)),
        )
        .await;
    both.expect_error(400, "invalid_request");

    let mismatch = mock
        .post_form(
            "/token",
            &[("grant_type", "client_credentials"), ("client_id", PUBLIC)],
            Some((CONFIDENTIAL, SECRET)),
        )
        .await;
    let description = mismatch.expect_error(400, "invalid_request");
    assert!(description.contains("differs"));

    let unknown = mock.post_form("/token", &cc, Some(("ghost", "x"))).await;
    unknown.expect_error(401, "invalid_client");

    let secretless = mock
        .post_form(
            "/token",
            &[
                ("grant_type", "client_credentials"),
                ("client_id", CONFIDENTIAL),
            ],
            None,
        )
        .await;
    let description = secretless.expect_error(400, "invalid_client");
    assert!(description.contains("confidential"));

    let nothing = mock.post_form("/token", &cc, None).await;
    nothing.expect_error(400, "invalid_client");

    let garbage = mock
        .http
        .post(mock.url("/token"))
        .header("authorization", "Basic %%%")
        .form(&cc)
        .send()
        .await
        .unwrap();
    assert_eq!(garbage.status(), StatusCode::UNAUTHORIZED);
}

/// RFC 6749 §2.3.1: id and secret are form-urlencoded before base64.
#[tokio::test]
async fn basic_credentials_are_form_urldecoded() {
    let mock = start_with(|config| {
        config.clients.push(ClientConfig {
            client_id: "svc:reports".into(),
            client_secret: Some("p@ss w+rd%".into()),
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
    .await;
    let cc = [("grant_type", "client_credentials")];
    let encoded = mock
        .post_form("/token", &cc, Some(("svc%3Areports", "p%40ss+w%2Brd%25")))
        .await;
    assert_eq!(encoded.status, StatusCode::OK, "{}", encoded.text);
    // Sent raw, the `+` decodes to a space and the secret no longer matches.
    let raw = mock
        .post_form("/token", &cc, Some(("svc%3Areports", "p@ss w+rd%")))
        .await;
    assert_eq!(raw.status, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn refresh_tokens_rotate_and_reuse_revokes_the_family() {
    let mock = start().await;
    let first = mock.code_flow("openid profile").await;
    let rt1 = first["refresh_token"].as_str().unwrap();
    let second = mock
        .token(&[("grant_type", "refresh_token"), ("refresh_token", rt1)])
        .await;
    assert_eq!(second.status, StatusCode::OK, "{}", second.text);
    assert_eq!(second.header("cache-control"), "no-store");
    let second = second.json();
    let rt2 = second["refresh_token"].as_str().unwrap();
    assert_ne!(rt1, rt2);
    assert_eq!(second["scope"], "openid profile");
    assert!(second["id_token"].is_string());

    let reuse = mock
        .token(&[("grant_type", "refresh_token"), ("refresh_token", rt1)])
        .await;
    let description = reuse.expect_error(400, "invalid_grant");
    assert!(description.contains("family"), "{description}");
    // The whole family is gone: the newest refresh token and every access token.
    let rt2_after = mock
        .token(&[("grant_type", "refresh_token"), ("refresh_token", rt2)])
        .await;
    rt2_after.expect_error(400, "invalid_grant");
    for token in [&first["access_token"], &second["access_token"]] {
        assert_eq!(
            mock.introspect(token.as_str().unwrap()).await["active"],
            false
        );
    }
}

#[tokio::test]
async fn refresh_may_narrow_the_scope_but_never_widen_it() {
    let mock = start().await;
    let tokens = mock.code_flow("openid profile").await;
    let rt = tokens["refresh_token"].as_str().unwrap();
    let wider = mock
        .token(&[
            ("grant_type", "refresh_token"),
            ("refresh_token", rt),
            ("scope", "openid profile email"),
        ])
        .await;
    wider.expect_error(400, "invalid_scope");
    let narrower = mock
        .token(&[
            ("grant_type", "refresh_token"),
            ("refresh_token", rt),
            ("scope", "openid"),
        ])
        .await
        .json();
    assert_eq!(narrower["scope"], "openid");
    // The new refresh token keeps the original scope (RFC 6749 §6).
    let back = mock
        .token(&[
            ("grant_type", "refresh_token"),
            ("refresh_token", narrower["refresh_token"].as_str().unwrap()),
        ])
        .await
        .json();
    assert_eq!(back["scope"], "openid profile");
}

#[tokio::test]
async fn refresh_tokens_are_bound_to_their_client_and_expire() {
    let mock = start().await;
    let tokens = mock.code_flow("openid").await;
    let rt = tokens["refresh_token"].as_str().unwrap();
    let other = mock
        .post_form(
            "/token",
            &[
                ("grant_type", "refresh_token"),
                ("refresh_token", rt),
                ("client_id", PUBLIC),
            ],
            None,
        )
        .await;
    other.expect_error(400, "invalid_grant");
    mock.advance(86_400);
    let expired = mock
        .token(&[("grant_type", "refresh_token"), ("refresh_token", rt)])
        .await;
    let description = expired.expect_error(400, "invalid_grant");
    assert!(description.contains("expired"));
    let unknown = mock
        .token(&[("grant_type", "refresh_token"), ("refresh_token", "nope")])
        .await;
    unknown.expect_error(400, "invalid_grant");
}

#[tokio::test]
async fn client_credentials_is_for_confidential_clients_and_has_no_user() {
    let mock = start().await;
    let tokens = mock.client_credentials().await;
    assert!(tokens.get("refresh_token").is_none());
    assert!(tokens.get("id_token").is_none());
    assert_eq!(tokens["scope"], "api:read api:write mcp:tools");
    let (_, claims) = mock
        .verify_jwt(tokens["access_token"].as_str().unwrap(), mock.issuer())
        .await;
    assert_eq!(claims["sub"], CONFIDENTIAL);

    let narrowed = mock
        .token(&[("grant_type", "client_credentials"), ("scope", "api:read")])
        .await
        .json();
    assert_eq!(narrowed["scope"], "api:read");

    let openid = mock
        .token(&[("grant_type", "client_credentials"), ("scope", "openid")])
        .await;
    openid.expect_error(400, "invalid_scope");

    let public = mock
        .post_form(
            "/token",
            &[("grant_type", "client_credentials"), ("client_id", PUBLIC)],
            None,
        )
        .await;
    public.expect_error(400, "unauthorized_client");
}

#[tokio::test]
async fn a_client_without_a_grant_is_unauthorized_for_it() {
    let mock = start_with(|config: &mut MockConfig| {
        config.clients.push(ClientConfig {
            client_id: "cc-only".into(),
            client_secret: Some("s".into()),
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
    .await;
    let reply = mock
        .post_form(
            "/token",
            &[("grant_type", "refresh_token"), ("refresh_token", "x")],
            Some(("cc-only", "s")),
        )
        .await;
    reply.expect_error(400, "unauthorized_client");
}

#[tokio::test]
async fn unknown_or_missing_grant_types() {
    let mock = start().await;
    let password = mock
        .token(&[("grant_type", "password"), ("username", "alice")])
        .await;
    password.expect_error(400, "unsupported_grant_type");
    let missing = mock.token(&[("scope", "openid")]).await;
    missing.expect_error(400, "invalid_request");
    let missing_code = mock.token(&[("grant_type", "authorization_code")]).await;
    missing_code.expect_error(400, "invalid_request");
}

#[tokio::test]
async fn the_token_endpoint_takes_only_proper_forms() {
    let mock = start().await;
    let json = mock
        .http
        .post(mock.url("/token"))
        .basic_auth(CONFIDENTIAL, Some(SECRET))
        .json(&serde_json::json!({"grant_type": "client_credentials"}))
        .send()
        .await
        .unwrap();
    assert_eq!(json.status(), StatusCode::BAD_REQUEST);
    let body: Value = json.json().await.unwrap();
    assert_eq!(body["error"], "invalid_request");
    assert!(
        body["error_description"]
            .as_str()
            .unwrap()
            .contains("application/json")
    );

    let repeated = mock
        .http
        .post(mock.url("/token"))
        .basic_auth(CONFIDENTIAL, Some(SECRET))
        .header("content-type", "application/x-www-form-urlencoded")
        .body("grant_type=client_credentials&scope=api:read&scope=api:write")
        .send()
        .await
        .unwrap();
    let body: Value = repeated.json().await.unwrap();
    assert_eq!(body["error"], "invalid_request");
    assert!(
        body["error_description"]
            .as_str()
            .unwrap()
            .contains("RFC 6749 section 3.1")
    );

    let huge = mock
        .http
        .post(mock.url("/token"))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(format!(
            "grant_type=client_credentials&pad={}",
            "a".repeat(100_000)
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(huge.status(), StatusCode::PAYLOAD_TOO_LARGE);
    let body: Value = huge.json().await.unwrap();
    assert_eq!(body["error"], "invalid_request");

    let charset = mock
        .http
        .post(mock.url("/token"))
        .basic_auth(CONFIDENTIAL, Some(SECRET))
        .header(
            "content-type",
            "application/x-www-form-urlencoded; charset=UTF-8",
        )
        .body("grant_type=client_credentials")
        .send()
        .await
        .unwrap();
    assert_eq!(charset.status(), StatusCode::OK);
}
