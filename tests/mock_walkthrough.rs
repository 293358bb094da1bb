//! The README's three-step walk-through, and the `oauthscope mock` command itself.

mod mock_support;

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::Duration;

use mock_support::{CONFIDENTIAL, Mock, SECRET, start};
use reqwest::StatusCode;

/// (1) GET /authorize with auto-approve → redirect with code; (2) POST /token with the
/// client's credentials; (3) GET /userinfo with the access token.
#[tokio::test]
async fn readme_three_step_curl_walkthrough() {
    let mock = start().await;
    let redirect_uri = "http://127.0.0.1:8080/callback";

    let step1 = mock
        .get(&format!(
            "/authorize?response_type=code&client_id={CONFIDENTIAL}\
             &redirect_uri={redirect_uri}&scope=openid%20profile%20email&state=xyz"
        ))
        .await;
    assert_eq!(step1.status, StatusCode::FOUND);
    assert!(step1.header("location").starts_with(redirect_uri));
    assert_eq!(step1.location_param("state").as_deref(), Some("xyz"));
    assert_eq!(step1.location_param("iss").as_deref(), Some(mock.issuer()));
    let code = step1.location_param("code").unwrap();

    let step2 = mock
        .post_form(
            "/token",
            &[
                ("grant_type", "authorization_code"),
                ("code", &code),
                ("redirect_uri", redirect_uri),
            ],
            Some((CONFIDENTIAL, SECRET)),
        )
        .await;
    assert_eq!(step2.status, StatusCode::OK, "{}", step2.text);
    let tokens = step2.json();
    assert_eq!(tokens["token_type"], "Bearer");
    let access_token = tokens["access_token"].as_str().unwrap();

    let step3 = Mock::reply(
        mock.http
            .get(mock.url("/userinfo"))
            .bearer_auth(access_token)
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(step3.status, StatusCode::OK);
    let claims = step3.json();
    assert_eq!(claims["preferred_username"], "alice");
    assert_eq!(claims["email"], "alice@example.com");
}

#[tokio::test]
async fn shutdown_stops_the_server() {
    let mock = start().await;
    let url = mock.url("/.well-known/openid-configuration");
    assert_eq!(mock.get("/jwks").await.status, StatusCode::OK);
    let http = mock.http.clone();
    mock.server.shutdown().await;
    assert!(http.get(&url).send().await.is_err());
}

#[tokio::test]
async fn standalone_command_prints_issuer_and_credentials_and_serves() {
    let mut child = Command::new(env!("CARGO_BIN_EXE_oauthscope"))
        .args(["mock", "--port", "0", "--auto-approve", "alice"])
        .env("RUST_LOG", "info")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let mut lines = BufReader::new(stdout).lines();
    let mut banner = String::new();
    let mut issuer = None;
    for line in lines.by_ref() {
        let line = line.unwrap();
        banner.push_str(&line);
        banner.push('\n');
        if let Some(rest) = line.trim().strip_prefix("issuer") {
            issuer = Some(rest.trim().to_owned());
        }
        if line.contains("Ctrl-C") {
            break;
        }
    }
    let issuer = issuer.expect("banner names the issuer");
    assert!(banner.contains("demo-confidential") && banner.contains("demo-secret"));
    assert!(banner.contains("demo-public") && banner.contains("alice"));

    let http = reqwest::Client::builder()
        .timeout(Duration::from_secs(10))
        .build()
        .unwrap();
    let meta: serde_json::Value = http
        .get(format!("{issuer}/.well-known/oauth-authorization-server"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(meta["issuer"], issuer.as_str());
    let token = http
        .post(format!("{issuer}/token"))
        .basic_auth(CONFIDENTIAL, Some(SECRET))
        .form(&[("grant_type", "client_credentials")])
        .send()
        .await
        .unwrap();
    assert_eq!(token.status(), StatusCode::OK);
    let access_token = token.json::<serde_json::Value>().await.unwrap()["access_token"]
        .as_str()
        .unwrap()
        .to_owned();
    child.kill().unwrap();
    let output = child.wait_with_output().unwrap();
    let log = String::from_utf8_lossy(&output.stderr);
    // One line per request with method, path, status and client, and no secret.
    let token_line = log
        .lines()
        .find(|l| l.contains("path=\"/token\""))
        .unwrap_or_else(|| panic!("no log line for /token in {log}"));
    assert!(token_line.contains("method=POST") && token_line.contains("status=200"));
    assert!(token_line.contains("client_id=\"demo-confidential\""));
    assert!(!log.contains(SECRET) && !log.contains(&access_token));
}

#[tokio::test]
async fn standalone_command_reports_a_bad_config_file() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("mock.toml");
    std::fs::write(&path, "signing_alg = \"HS256\"\n").unwrap();
    let output = Command::new(env!("CARGO_BIN_EXE_oauthscope"))
        .args(["mock", "--port", "0", "--config"])
        .arg(&path)
        .output()
        .unwrap();
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("mock.toml"), "{stderr}");
}
