//! The TOML config file: users, clients, lifetimes and signing algorithm, merged over the demo.

mod mock_support;

use mock_support::Mock;
use oauthscope::mock::{MockConfig, MockError, MockServer};
use reqwest::StatusCode;

fn write_config(text: &str) -> (tempfile::TempDir, std::path::PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("mock.toml");
    std::fs::write(&path, text).unwrap();
    (dir, path)
}

async fn start_from(text: &str) -> Mock {
    let (_dir, path) = write_config(text);
    let config = MockConfig::from_toml_file(&path).unwrap();
    mock_support::start_with(move |c| {
        let clock = c.clock.clone();
        *c = config;
        c.clock = clock;
        c.auto_approve = Some("carol".into());
    })
    .await
}

#[tokio::test]
async fn a_config_file_adds_users_clients_lifetimes_and_algorithm() {
    let mock = start_from(
        r#"
        signing_alg = "ES256"
        [lifetimes]
        access_token = 120
        [[users]]
        username = "carol"
        sub = "c-0001"
        name = "Carol Danvers"
        email = "carol@example.com"
        email_verified = true
        [[clients]]
        client_id = "reports-service"
        client_secret = "s3cret"
        grant_types = ["client_credentials"]
        scope = "api:read"
        "#,
    )
    .await;
    let reply = mock
        .post_form(
            "/token",
            &[("grant_type", "client_credentials")],
            Some(("reports-service", "s3cret")),
        )
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    let tokens = reply.json();
    assert_eq!(tokens["expires_in"], 120);
    assert_eq!(tokens["scope"], "api:read");
    let (header, _) = mock
        .verify_jwt(tokens["access_token"].as_str().unwrap(), mock.issuer())
        .await;
    assert_eq!(header.alg, jsonwebtoken::Algorithm::ES256);

    // The demo clients are still there, and carol signs in with her configured claims.
    let tokens = mock.code_flow("openid profile email").await;
    let (_, claims) = mock
        .verify_jwt(tokens["id_token"].as_str().unwrap(), "demo-confidential")
        .await;
    assert_eq!(claims["sub"], "c-0001");
    assert_eq!(claims["name"], "Carol Danvers");
}

#[tokio::test]
async fn include_demo_false_leaves_only_the_configured_entries() {
    let mock = start_from(
        r#"
        include_demo = false
        [[users]]
        username = "carol"
        [[clients]]
        client_id = "svc"
        client_secret = "x"
        "#,
    )
    .await;
    let demo = mock.token(&[("grant_type", "client_credentials")]).await;
    demo.expect_error(401, "invalid_client");
    let svc = mock
        .post_form(
            "/token",
            &[("grant_type", "client_credentials")],
            Some(("svc", "x")),
        )
        .await;
    assert_eq!(svc.status, StatusCode::OK);
}

#[tokio::test]
async fn bad_config_files_are_readable_errors() {
    let missing = MockConfig::from_toml_file("/nonexistent/mock.toml").unwrap_err();
    assert!(matches!(missing, MockError::ReadConfig { .. }));
    assert!(missing.to_string().contains("/nonexistent/mock.toml"));

    let (_dir, path) = write_config("[[clients]]\nclient_id = 7\n");
    let invalid = MockConfig::from_toml_file(&path).unwrap_err();
    assert!(matches!(invalid, MockError::ParseConfig { .. }));
    assert!(invalid.to_string().contains("mock.toml"));

    let (_dir, path) = write_config(
        "[[clients]]\nclient_id = \"x\"\nclient_secret = \"s\"\ntoken_endpoint_auth_methods = [\"none\"]\n",
    );
    let incoherent = MockConfig::from_toml_file(&path).unwrap_err();
    assert!(matches!(incoherent, MockError::Config(_)), "{incoherent}");

    let mut zero_interval = MockConfig::demo();
    zero_interval.lifetimes.device_poll_interval = 0;
    assert!(MockServer::start(zero_interval).await.is_err());
}
