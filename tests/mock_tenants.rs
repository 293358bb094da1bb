//! Several issuers in one mock: `/{tenant}/…` each with its own issuer, keys, clients, users
//! and control API; a tenant's tokens do not verify against another's JWKS.

mod mock_support;

use mock_support::{CONFIDENTIAL, Mock, SECRET, start_with};
use oauthscope::mock::{ClientConfig, MockConfig, TenantConfig};
use oauthscope::oauth::RecordingClient;
use oauthscope::oauth::jwks::KeyStore;
use oauthscope::oauth::jwt::{self, ClaimRules, Jwt};
use serde_json::{Value, json};

async fn two_tenants() -> Mock {
    start_with(|config| {
        config.tenants = vec![TenantConfig::named("a"), TenantConfig::named("b")];
    })
    .await
}

/// A client-credentials access token from the issuer at `base`.
async fn token_from(mock: &Mock, base: &str) -> String {
    let reply = mock
        .http
        .post(format!("{base}/token"))
        .basic_auth(CONFIDENTIAL, Some(SECRET))
        .form(&[("grant_type", "client_credentials")])
        .send()
        .await
        .unwrap();
    assert_eq!(reply.status(), 200);
    reply.json::<Value>().await.unwrap()["access_token"]
        .as_str()
        .unwrap()
        .to_owned()
}

/// The engine's verdict on `token` against the JWKS and issuer at `base`.
async fn verifies_at(token: &str, base: &str) -> Result<(), String> {
    let http = RecordingClient::new().unwrap();
    let mut keys = KeyStore::from_url(format!("{base}/jwks"));
    let rules = ClaimRules {
        issuer: Some(base.to_owned()),
        ..ClaimRules::default()
    };
    let verdict = jwt::verify(&Jwt::decode(token).unwrap(), &mut keys, &http, &rules).await;
    verdict.failure_summary().map_or(Ok(()), Err)
}

#[tokio::test]
async fn each_tenant_is_an_issuer_of_its_own() {
    let mock = two_tenants().await;
    let a = format!("{}/a", mock.issuer());
    let b = format!("{}/b", mock.issuer());
    assert_eq!(mock.server.tenant_issuers(), [a.as_str(), b.as_str()]);
    for base in [&a, &b] {
        let oidc: Value = mock
            .http
            .get(format!("{base}/.well-known/openid-configuration"))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(oidc["issuer"], base.as_str());
        assert_eq!(oidc["token_endpoint"], format!("{base}/token"));
        let tenant = base.rsplit('/').next().unwrap();
        let rfc8414 = mock
            .get(&format!("/.well-known/oauth-authorization-server/{tenant}"))
            .await;
        assert_eq!(rfc8414.json()["issuer"], base.as_str());
    }
    // The mock's own issuer is still there.
    assert_eq!(
        mock.get("/.well-known/openid-configuration").await.json()["issuer"],
        mock.issuer()
    );
}

#[tokio::test]
async fn a_tenants_tokens_do_not_verify_against_another_tenants_jwks() {
    let mock = two_tenants().await;
    let a = format!("{}/a", mock.issuer());
    let b = format!("{}/b", mock.issuer());
    let from_a = token_from(&mock, &a).await;
    let from_b = token_from(&mock, &b).await;
    assert_eq!(
        Jwt::decode(&from_a).unwrap().unverified_claims()["iss"],
        a.as_str()
    );
    verifies_at(&from_a, &a)
        .await
        .expect("a's token verifies at a");
    verifies_at(&from_b, &b)
        .await
        .expect("b's token verifies at b");
    let why = verifies_at(&from_a, &b).await.unwrap_err();
    assert!(why.contains("kid"), "{why}");
    let why = verifies_at(&from_b, &a).await.unwrap_err();
    assert!(why.contains("kid"), "{why}");
    // Each tenant's store is its own: b does not know a's token.
    let introspected: Value = mock
        .http
        .post(format!("{b}/introspect"))
        .basic_auth(CONFIDENTIAL, Some(SECRET))
        .form(&[("token", from_a.as_str())])
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(introspected, json!({"active": false}));
}

#[tokio::test]
async fn clients_users_and_the_control_api_are_per_tenant() {
    let mock = start_with(|config| {
        let mut only_a = TenantConfig::named("a");
        only_a.clients.push(ClientConfig {
            client_id: "a-service".into(),
            client_secret: Some("a-s3cret".into()),
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
        config.tenants = vec![only_a, TenantConfig::named("b")];
    })
    .await;
    let a = format!("{}/a", mock.issuer());
    let b = format!("{}/b", mock.issuer());
    let ask = |base: String| {
        let http = mock.http.clone();
        async move {
            http.post(format!("{base}/token"))
                .basic_auth("a-service", Some("a-s3cret"))
                .form(&[("grant_type", "client_credentials")])
                .send()
                .await
                .unwrap()
                .status()
        }
    };
    assert_eq!(ask(a.clone()).await, 200);
    assert_eq!(ask(b.clone()).await, 401);

    let added = mock
        .http
        .post(format!("{a}/_mock/faults"))
        .json(&json!({"endpoint": "jwks", "error": "503"}))
        .send()
        .await
        .unwrap();
    assert_eq!(added.status(), 201);
    let status = |base: &str| {
        let http = mock.http.clone();
        let url = format!("{base}/jwks");
        async move { http.get(url).send().await.unwrap().status() }
    };
    assert_eq!(status(&b).await, 200);
    assert_eq!(status(mock.issuer()).await, 200);
    assert_eq!(status(&a).await, 503);
}

#[tokio::test]
async fn tenants_come_from_the_config_file_and_bad_names_are_refused() {
    let config = MockConfig::from_toml_str(
        r#"
        [[tenants]]
        name = "eu"
        [[tenants.users]]
        username = "dora"
        [[tenants]]
        name = "us"
        "#,
    )
    .unwrap();
    assert_eq!(config.tenants.len(), 2);
    assert_eq!(config.tenants[0].users[0].username, "dora");

    for bad in ["token", "a/b", ""] {
        let mut config = MockConfig::demo();
        config.tenants = vec![TenantConfig::named(bad)];
        let err = oauthscope::mock::MockServer::start(config)
            .await
            .err()
            .unwrap();
        assert!(err.to_string().contains("tenant"), "{err}");
    }
}
