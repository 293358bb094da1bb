//! Metadata (RFC 8414, OIDC Discovery) and keys (RFC 7517), start-up and shutdown.

mod mock_support;

use mock_support::{CHALLENGE, CONFIDENTIAL, REDIRECT, SECRET, start, start_with};
use oauthscope::mock::{MockConfig, MockError, MockServer, SigningAlg};
use reqwest::StatusCode;
use serde_json::Value;

fn strings(value: &Value) -> Vec<&str> {
    value
        .as_array()
        .unwrap_or_else(|| panic!("not an array: {value}"))
        .iter()
        .map(|v| v.as_str().unwrap())
        .collect()
}

#[tokio::test]
async fn both_metadata_documents_advertise_every_endpoint_and_capability() {
    let mock = start().await;
    let oauth = mock.get("/.well-known/oauth-authorization-server").await;
    let oidc = mock.get("/.well-known/openid-configuration").await;
    assert_eq!(oauth.status, StatusCode::OK);
    assert_eq!(oauth.json(), oidc.json());
    let meta = oauth.json();
    assert_eq!(meta["issuer"], mock.issuer());
    assert_eq!(mock.issuer(), format!("http://{}", mock.server.addr()));
    for (field, path) in [
        ("authorization_endpoint", "/authorize"),
        ("token_endpoint", "/token"),
        ("jwks_uri", "/jwks"),
        ("registration_endpoint", "/register"),
        ("introspection_endpoint", "/introspect"),
        ("revocation_endpoint", "/revoke"),
        ("userinfo_endpoint", "/userinfo"),
        ("device_authorization_endpoint", "/device/code"),
        ("pushed_authorization_request_endpoint", "/par"),
    ] {
        assert_eq!(meta[field], format!("{}{path}", mock.issuer()), "{field}");
    }
    let grants = strings(&meta["grant_types_supported"]);
    for grant in [
        "authorization_code",
        "refresh_token",
        "client_credentials",
        "urn:ietf:params:oauth:grant-type:device_code",
    ] {
        assert!(grants.contains(&grant), "{grant}");
    }
    assert_eq!(strings(&meta["response_types_supported"]), ["code"]);
    assert_eq!(
        strings(&meta["code_challenge_methods_supported"]),
        ["S256", "plain"]
    );
    assert_eq!(
        strings(&meta["token_endpoint_auth_methods_supported"]),
        [
            "client_secret_basic",
            "client_secret_post",
            "client_secret_jwt",
            "private_key_jwt",
            "none"
        ]
    );
    assert!(strings(&meta["scopes_supported"]).contains(&"openid"));
    assert_eq!(
        strings(&meta["id_token_signing_alg_values_supported"]),
        ["RS256", "ES256"]
    );
    assert_eq!(strings(&meta["subject_types_supported"]), ["public"]);
    assert_eq!(meta["authorization_response_iss_parameter_supported"], true);
}

#[tokio::test]
async fn an_issuer_override_is_advertised_exactly() {
    let mock = start_with(|config| config.issuer = Some("http://localhost:9999/".into())).await;
    let meta = mock.get("/.well-known/openid-configuration").await.json();
    assert_eq!(meta["issuer"], "http://localhost:9999");
    assert_eq!(meta["token_endpoint"], "http://localhost:9999/token");
}

#[tokio::test]
async fn a_bad_issuer_override_or_a_taken_port_fails_to_start() {
    let mut config = MockConfig::demo();
    config.issuer = Some("http://x/?q=1".into());
    assert!(matches!(
        MockServer::start(config).await,
        Err(MockError::Config(_))
    ));

    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let mut config = MockConfig::demo();
    config.port = taken.local_addr().unwrap().port();
    assert!(matches!(
        MockServer::start(config).await,
        Err(MockError::Bind { .. })
    ));
}

#[tokio::test]
async fn jwks_publishes_public_rs256_and_es256_keys_with_kid_use_alg() {
    let mock = start().await;
    let jwks = mock.get("/jwks").await.json();
    let keys = jwks["keys"].as_array().unwrap();
    assert_eq!(keys.len(), 2);
    let algs: Vec<&str> = keys.iter().map(|k| k["alg"].as_str().unwrap()).collect();
    assert_eq!(algs, ["RS256", "ES256"]);
    for key in keys {
        assert_eq!(key["use"], "sig");
        assert!(key["kid"].as_str().is_some_and(|k| k.len() == 43));
        for private in ["d", "p", "q", "dp", "dq", "qi"] {
            assert!(
                key.get(private).is_none(),
                "private member {private} published"
            );
        }
    }
    assert_eq!(keys[0]["kty"], "RSA");
    assert_eq!(keys[1]["kty"], "EC");
    assert_eq!(keys[1]["crv"], "P-256");
}

#[tokio::test]
async fn tokens_are_signed_rs256_by_default_and_verify_against_jwks() {
    let mock = start().await;
    let tokens = mock.client_credentials().await;
    let (header, claims) = mock
        .verify_jwt(tokens["access_token"].as_str().unwrap(), mock.issuer())
        .await;
    assert_eq!(header.alg, jsonwebtoken::Algorithm::RS256);
    assert_eq!(claims["client_id"], "demo-confidential");
}

#[tokio::test]
async fn the_config_can_choose_es256() {
    let mock = start_with(|config| {
        config.signing_alg = SigningAlg::ES256;
        config.auto_approve = Some("alice".into());
    })
    .await;
    let tokens = mock.code_flow("openid").await;
    for (token, audience) in [
        (&tokens["access_token"], mock.issuer()),
        (&tokens["id_token"], "demo-confidential"),
    ] {
        let (header, _) = mock.verify_jwt(token.as_str().unwrap(), audience).await;
        assert_eq!(header.alg, jsonwebtoken::Algorithm::ES256);
    }
}

#[tokio::test]
async fn rotation_keeps_the_old_key_published_while_its_tokens_live() {
    let mock = start().await;
    let before = mock.client_credentials().await;
    let old_token = before["access_token"].as_str().unwrap().to_owned();
    let old_kid = jsonwebtoken::decode_header(&old_token)
        .unwrap()
        .kid
        .unwrap();

    mock.server.rotate_keys().await.unwrap();
    let after = mock.client_credentials().await;
    let new_kid = jsonwebtoken::decode_header(after["access_token"].as_str().unwrap())
        .unwrap()
        .kid
        .unwrap();
    assert_ne!(old_kid, new_kid);
    // The old token still verifies: its kid is still published, and the server still
    // recognises it.
    mock.verify_jwt(&old_token, mock.issuer()).await;
    assert_eq!(mock.introspect(&old_token).await["active"], true);
    let kids = |jwks: Value| -> Vec<String> {
        jwks["keys"]
            .as_array()
            .unwrap()
            .iter()
            .map(|k| k["kid"].as_str().unwrap().to_owned())
            .collect()
    };
    let published = kids(mock.get("/jwks").await.json());
    assert_eq!(published.len(), 4);
    assert!(published.contains(&old_kid) && published.contains(&new_kid));

    // Once every token the old key signed has expired, the old key goes.
    mock.advance(3600);
    let published = kids(mock.get("/jwks").await.json());
    assert_eq!(published.len(), 2);
    assert!(!published.contains(&old_kid));
}

#[tokio::test]
async fn unknown_paths_and_methods_are_plain_http_errors() {
    let mock = start().await;
    assert_eq!(mock.get("/nope").await.status, StatusCode::NOT_FOUND);
    assert_eq!(
        mock.get("/token").await.status,
        StatusCode::METHOD_NOT_ALLOWED
    );
}

#[tokio::test]
async fn an_issuer_with_a_path_serves_everything_under_it() {
    // Without auto-approve, so the login page shows the form target it posts to.
    let mock = start_with(|config| config.issuer = Some("http://127.0.0.1:1/tenant".into())).await;
    // OIDC Discovery §4 appends the well-known path; RFC 8414 §3.1 inserts it before the path.
    for path in [
        "/tenant/.well-known/openid-configuration",
        "/tenant/.well-known/oauth-authorization-server",
        "/.well-known/oauth-authorization-server/tenant",
    ] {
        let meta = mock.get(path).await.json();
        assert_eq!(meta["issuer"], "http://127.0.0.1:1/tenant", "{path}");
        assert_eq!(meta["token_endpoint"], "http://127.0.0.1:1/tenant/token");
    }
    let tokens = mock
        .post_form(
            "/tenant/token",
            &[("grant_type", "client_credentials")],
            Some((CONFIDENTIAL, SECRET)),
        )
        .await;
    assert_eq!(tokens.status, 200, "{}", tokens.text);
    assert_eq!(mock.get("/tenant/jwks").await.status, 200);
    assert_eq!(mock.get("/token").await.status, 404);

    let login = mock
        .get_query(
            "/tenant/authorize",
            &[
                ("response_type", "code"),
                ("client_id", CONFIDENTIAL),
                ("redirect_uri", REDIRECT),
                ("code_challenge", CHALLENGE),
                ("code_challenge_method", "S256"),
            ],
        )
        .await;
    assert_eq!(login.status, 200, "{}", login.text);
    // Relative, so the browser posts to /tenant/login.
    assert!(login.text.contains("action=\"login\""), "{}", login.text);
}
