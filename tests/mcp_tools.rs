//! The five tools over MCP against the built-in mock on 127.0.0.1: the paths the end-to-end
//! test with the Python client does not take (PAR, refresh, device, local-only validation,
//! bad servers, the default server saved in the profile).

mod mcp_support;

use std::process::Stdio;
use std::time::Duration;

use mcp_support::{REDIRECT_URI, RawClient, mock, ok, param, redirect_params, tool_error};
use oauthscope::mcp::OAuthTools;
use oauthscope::mock::{MockConfig, MockServer};
use oauthscope::profile::{ClientProfile, Profile, ServerProfile};
use serde_json::{Value, json};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};

/// Runs a code flow for `client` and returns the token response.
async fn code_flow(client: &mut RawClient, args: Value, secret: Option<&str>) -> Value {
    let started = client.call("oauth2_authorize", args.clone()).await;
    let started = ok(&started).clone();
    let back = redirect_params(started["authorization_url"].as_str().unwrap()).await;
    assert_eq!(param(&back, "state"), started["state"].as_str());
    let mut exchange = json!({
        "grant_type": "authorization_code",
        "client_id": args["client_id"],
        "code": param(&back, "code").unwrap(),
        "code_verifier": started["code_verifier"],
        "redirect_uri": REDIRECT_URI,
    });
    if let Some(secret) = secret {
        exchange["client_secret"] = json!(secret);
    }
    let tokens = client.call("oauth2_exchange_token", exchange).await;
    ok(&tokens).clone()
}

#[tokio::test]
async fn par_sends_only_client_id_and_request_uri_through_the_browser() {
    let mock = mock().await;
    let (mut client, _) = RawClient::connect(OAuthTools::new(Some(mock.issuer().into()))).await;
    let started = client
        .call(
            "oauth2_authorize",
            json!({
                "client_id": "demo-confidential",
                "client_secret": "demo-secret",
                "redirect_uri": REDIRECT_URI,
                "scope": "openid profile",
                "use_par": true,
                "extra_params": {"login_hint": "alice"},
            }),
        )
        .await;
    let started = ok(&started);
    let url = url::Url::parse(started["authorization_url"].as_str().unwrap()).unwrap();
    let mut names: Vec<String> = url.query_pairs().map(|(k, _)| k.into_owned()).collect();
    names.sort();
    assert_eq!(names, ["client_id", "request_uri"]);
    assert!(
        started["par_request_uri"]
            .as_str()
            .unwrap()
            .starts_with("urn:ietf:params:oauth:request_uri:")
    );
    let methods: Vec<&str> = started["exchanges"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["method"].as_str().unwrap())
        .collect();
    assert_eq!(methods.last(), Some(&"POST"), "the push is recorded");
    let back = redirect_params(url.as_str()).await;
    assert_eq!(param(&back, "state"), started["state"].as_str());
    assert!(param(&back, "code").is_some(), "{back:?}");
}

#[tokio::test]
async fn extra_params_reach_the_url_but_cannot_replace_the_tools_own() {
    let mock = mock().await;
    let (mut client, _) = RawClient::connect(OAuthTools::new(Some(mock.issuer().into()))).await;
    let started = client
        .call(
            "oauth2_authorize",
            json!({
                "client_id": "demo-public",
                "redirect_uri": REDIRECT_URI,
                "extra_params": {"prompt": "consent"},
            }),
        )
        .await;
    let url = ok(&started)["authorization_url"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(url.contains("prompt=consent"), "{url}");
    assert!(ok(&started)["nonce"].is_null(), "no openid scope, no nonce");
    let refused = client
        .call(
            "oauth2_authorize",
            json!({
                "client_id": "demo-public",
                "redirect_uri": REDIRECT_URI,
                "extra_params": {"code_challenge_method": "plain"},
            }),
        )
        .await;
    assert_eq!(tool_error(&refused)["error"], "invalid_request");
}

#[tokio::test]
async fn refresh_rotates_and_the_old_refresh_token_is_refused() {
    let mock = mock().await;
    let (mut client, _) = RawClient::connect(OAuthTools::new(Some(mock.issuer().into()))).await;
    let tokens = code_flow(
        &mut client,
        json!({"client_id": "demo-public", "redirect_uri": REDIRECT_URI, "scope": "openid profile"}),
        None,
    )
    .await;
    let id_token = &tokens["decoded_id_token"];
    assert_eq!(id_token["claims"]["aud"], "demo-public", "{id_token}");
    let signature = &id_token["verification"]["checks"][0];
    assert_eq!(
        (signature["check"].as_str(), signature["verdict"].as_str()),
        (Some("signature"), Some("pass")),
        "{signature}"
    );
    let first = tokens["token_response"]["refresh_token"]
        .as_str()
        .unwrap()
        .to_string();
    let refresh = json!({
        "grant_type": "refresh_token",
        "client_id": "demo-public",
        "refresh_token": first,
    });
    let refreshed = client.call("oauth2_exchange_token", refresh.clone()).await;
    let second = ok(&refreshed)["token_response"]["refresh_token"]
        .as_str()
        .unwrap()
        .to_string();
    assert_ne!(first, second, "the refresh token rotated");
    assert_eq!(ok(&refreshed)["refresh_token_rotated"], true);
    let replayed = client.call("oauth2_exchange_token", refresh).await;
    let replayed = tool_error(&replayed);
    assert_eq!(replayed["error"], "invalid_grant");
    assert_eq!(replayed["reported_by"], "authorization_server");
    assert_eq!(replayed["http_status"], 400);
}

#[tokio::test]
async fn device_code_is_pending_until_the_user_approves() {
    let mock = mock().await;
    let (mut client, _) = RawClient::connect(OAuthTools::new(Some(mock.issuer().into()))).await;
    let http = reqwest::Client::new();
    let device: Value = http
        .post(format!("{}/device/code", mock.issuer()))
        .form(&[("client_id", "demo-public"), ("scope", "openid")])
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let poll = json!({
        "grant_type": "urn:ietf:params:oauth:grant-type:device_code",
        "client_id": "demo-public",
        "device_code": device["device_code"],
    });
    let pending = client.call("oauth2_exchange_token", poll.clone()).await;
    let pending = tool_error(&pending);
    assert_eq!(pending["error"], "authorization_pending", "{pending}");
    assert!(
        pending["error_description"]
            .as_str()
            .unwrap()
            .contains("call again")
    );
    // The verification page approves at once: the mock auto-approves as alice.
    let page = http
        .get(device["verification_uri_complete"].as_str().unwrap())
        .send()
        .await
        .unwrap();
    assert!(page.status().is_success(), "{}", page.status());
    // Wait out the poll interval so the next poll is not a slow_down.
    let interval = device["interval"].as_u64().unwrap_or(5);
    tokio::time::sleep(Duration::from_secs(interval)).await;
    let tokens = client.call("oauth2_exchange_token", poll).await;
    assert_eq!(ok(&tokens)["grant_type"], "device_code");
    assert!(ok(&tokens)["token_response"]["access_token"].is_string());
}

#[tokio::test]
async fn validation_without_a_client_runs_the_local_jwt_checks() {
    let mock = mock().await;
    let (mut client, _) = RawClient::connect(OAuthTools::new(Some(mock.issuer().into()))).await;
    let tokens = client
        .call(
            "oauth2_exchange_token",
            json!({
                "grant_type": "client_credentials",
                "client_id": "demo-confidential",
                "client_secret": "demo-secret",
                "client_auth_method": "client_secret_post",
            }),
        )
        .await;
    let token = ok(&tokens)["token_response"]["access_token"]
        .as_str()
        .unwrap()
        .to_string();
    let verdict = client
        .call("oauth2_validate_token", json!({"token": token}))
        .await;
    let verdict = ok(&verdict);
    assert_eq!(verdict["active"], true, "{verdict}");
    assert_eq!(verdict["active_source"], "jwt_checks");
    assert!(verdict["introspection_skipped"].is_string());
    assert_eq!(verdict["jwt"]["signature"]["verified"], true);

    // One changed character inside the signature (not its last one, whose spare bits would
    // make it invalid base64url): the signature check fails, in words.
    let at = token.rfind('.').unwrap() + 10;
    let swapped = if &token[at..=at] == "A" { "B" } else { "A" };
    let tampered = format!("{}{swapped}{}", &token[..at], &token[at + 1..]);
    let verdict = client
        .call("oauth2_validate_token", json!({"token": tampered}))
        .await;
    let verdict = ok(&verdict);
    assert_eq!(verdict["active"], false, "{verdict}");
    assert_eq!(verdict["jwt"]["signature"]["verified"], false);
    assert!(verdict["summary"].as_str().unwrap().contains("signature"));

    let opaque = client
        .call("oauth2_validate_token", json!({"token": "not-a-jwt"}))
        .await;
    let opaque = ok(&opaque);
    assert_eq!(opaque["active"], Value::Null, "{opaque}");
    assert_eq!(opaque["active_source"], "none");
}

#[tokio::test]
async fn a_public_client_registers_without_a_secret() {
    let mock = mock().await;
    let (mut client, _) = RawClient::connect(OAuthTools::new(Some(mock.issuer().into()))).await;
    let registered = client
        .call(
            "oauth2_register_client",
            json!({
                "redirect_uris": [REDIRECT_URI],
                "token_endpoint_auth_method": "none",
                "grant_types": ["authorization_code"],
            }),
        )
        .await;
    let registered = ok(&registered);
    assert!(registered["client_id"].is_string());
    assert!(registered.get("client_secret").is_none(), "{registered}");
    assert!(registered["registration_access_token"].is_string());
    let refused = client
        .call(
            "oauth2_register_client",
            json!({"redirect_uris": ["not a url"]}),
        )
        .await;
    let refused = tool_error(&refused);
    assert_eq!(refused["error"], "invalid_redirect_uri", "{refused}");
    assert_eq!(refused["reported_by"], "authorization_server");
}

#[tokio::test]
async fn unreachable_servers_and_wrong_issuers_are_readable_errors() {
    let (mut client, _) = RawClient::connect(OAuthTools::new(None)).await;
    // Nothing listens on port 9 of the loopback.
    let unreachable = client
        .call(
            "oauth2_revoke_token",
            json!({"issuer": "http://127.0.0.1:9", "token": "t", "client_id": "c"}),
        )
        .await;
    let unreachable = tool_error(&unreachable);
    assert_eq!(unreachable["error"], "transport_error", "{unreachable}");
    assert_eq!(unreachable["reported_by"], "oauthscope");

    // A server that calls itself by another name: its metadata is refused (RFC 8414 §3.3).
    let mut config = MockConfig::demo();
    config.issuer = Some("https://login.elsewhere.example".into());
    let impostor = MockServer::start(config).await.unwrap();
    let asked = format!("http://{}", impostor.addr());
    let mismatch = client
        .call(
            "oauth2_register_client",
            json!({"issuer": asked, "redirect_uris": [REDIRECT_URI]}),
        )
        .await;
    let mismatch = tool_error(&mismatch);
    assert_eq!(mismatch["error"], "protocol_violation", "{mismatch}");
    let description = mismatch["error_description"].as_str().unwrap();
    assert!(description.contains("RFC 8414"), "{description}");
    assert!(
        description.contains("login.elsewhere.example"),
        "{description}"
    );
}

/// Runs the real binary with `--config profile` over its real stdio, makes one call to
/// `oauth2_exchange_token` without an issuer, and returns the call's result and all stderr.
async fn call_binary_without_issuer(profile: &std::path::Path) -> (Value, String) {
    let mut child = tokio::process::Command::new(env!("CARGO_BIN_EXE_oauthscope"))
        .arg("mcp")
        .arg("--config")
        .arg(profile)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let mut stderr = child.stderr.take().unwrap();
    let stderr = tokio::spawn(async move {
        let mut text = String::new();
        tokio::io::AsyncReadExt::read_to_string(&mut stderr, &mut text)
            .await
            .unwrap();
        text
    });
    let messages = [
        json!({"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {
            "protocolVersion": "2025-06-18", "capabilities": {},
            "clientInfo": {"name": "raw-test", "version": "0"}}}),
        json!({"jsonrpc": "2.0", "method": "notifications/initialized"}),
        json!({"jsonrpc": "2.0", "id": 2, "method": "tools/call", "params": {
            "name": "oauth2_exchange_token",
            "arguments": {"grant_type": "client_credentials",
                          "client_id": "demo-confidential", "client_secret": "demo-secret"}}}),
    ];
    for message in messages {
        stdin
            .write_all(format!("{message}\n").as_bytes())
            .await
            .unwrap();
    }
    let result = loop {
        let line = tokio::time::timeout(Duration::from_secs(20), lines.next_line())
            .await
            .expect("the binary answered in time")
            .unwrap()
            .expect("the binary kept stdout open");
        let message: Value = serde_json::from_str(&line).unwrap();
        if message["id"] == 2 {
            break message["result"].clone();
        }
    };
    drop(stdin);
    let status = tokio::time::timeout(Duration::from_secs(10), child.wait())
        .await
        .expect("the binary exits when stdin closes")
        .unwrap();
    assert!(status.success(), "{status}");
    (result, stderr.await.unwrap())
}

/// A profile as the terminal app saves it: two servers, the second marked default.
fn saved_profile(default_issuer: &str) -> Profile {
    Profile {
        theme: Some("dark".into()),
        servers: vec![
            ServerProfile {
                name: "other".into(),
                issuer: "https://other.example".into(),
                ..ServerProfile::default()
            },
            ServerProfile {
                name: "mock".into(),
                issuer: default_issuer.into(),
                default: true,
                clients: vec![ClientProfile {
                    client_id: "demo-confidential".into(),
                    client_secret: Some("demo-secret".into()),
                    auth_method: "client_secret_basic".into(),
                    ..ClientProfile::default()
                }],
                ..ServerProfile::default()
            },
        ],
    }
}

/// The real binary takes its default server from the profile file the terminal app saves.
#[tokio::test]
async fn the_binary_uses_the_saved_default_server() {
    let mock = mock().await;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("profile.toml");
    saved_profile(mock.issuer()).save(&path).unwrap();
    let (result, _) = call_binary_without_issuer(&path).await;
    assert_eq!(ok(&result)["issuer"], mock.issuer());
}

/// Only a server marked `default = true` is the default, even when it is the only one saved.
#[tokio::test]
async fn the_binary_has_no_default_without_a_marked_server() {
    let mock = mock().await;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("profile.toml");
    let mut profile = saved_profile(mock.issuer());
    profile.servers.remove(0);
    profile.servers[0].default = false;
    profile.save(&path).unwrap();
    let (result, _) = call_binary_without_issuer(&path).await;
    assert_eq!(tool_error(&result)["error"], "invalid_request", "{result}");
}

/// A profile that cannot be parsed is named on stderr; the server still serves, without a
/// default server.
#[tokio::test]
async fn the_binary_reports_a_broken_profile_and_serves_on() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("broken.toml");
    std::fs::write(&path, "[[server]]\nname = 3\n").unwrap();
    let (result, stderr) = call_binary_without_issuer(&path).await;
    assert_eq!(tool_error(&result)["error"], "invalid_request", "{result}");
    assert!(stderr.contains("broken.toml"), "{stderr}");
    assert!(stderr.contains("no default server"), "{stderr}");
}

/// A server whose metadata requires PAR (RFC 9126 §5) gets a pushed request without asking.
#[tokio::test]
async fn a_server_that_requires_par_gets_a_pushed_request_by_default() {
    use axum::routing::{get, post};

    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let issuer = format!("http://{}", listener.local_addr().unwrap());
    let metadata = json!({
        "issuer": issuer,
        "authorization_endpoint": format!("{issuer}/authorize"),
        "token_endpoint": format!("{issuer}/token"),
        "pushed_authorization_request_endpoint": format!("{issuer}/par"),
        "require_pushed_authorization_requests": true,
        "code_challenge_methods_supported": ["S256"],
    });
    let app = axum::Router::new()
        .route(
            "/.well-known/oauth-authorization-server",
            get(move || async move { axum::Json(metadata) }),
        )
        .route(
            "/par",
            post(|| async {
                (
                    axum::http::StatusCode::CREATED,
                    axum::Json(json!({
                        "request_uri": "urn:ietf:params:oauth:request_uri:pushed-1",
                        "expires_in": 60
                    })),
                )
            }),
        );
    let server = tokio::spawn(async move { axum::serve(listener, app).await });

    let (mut client, _) = RawClient::connect(OAuthTools::new(None)).await;
    let started = client
        .call(
            "oauth2_authorize",
            json!({"issuer": issuer, "client_id": "c", "redirect_uri": REDIRECT_URI}),
        )
        .await;
    let started = ok(&started);
    assert_eq!(
        started["par_request_uri"],
        "urn:ietf:params:oauth:request_uri:pushed-1"
    );
    let url = started["authorization_url"].as_str().unwrap();
    assert!(
        url.contains("request_uri=urn%3Aietf%3Aparams%3Aoauth%3Arequest_uri%3Apushed-1"),
        "{url}"
    );
    assert!(!url.contains("code_challenge"), "{url}");
    server.abort();
}

/// A server that answers a registration with its times as strings (as LemonLDAP::NG does) and
/// a registration access token that is not a string.
async fn mistyping_registrar() -> String {
    use axum::routing::{get, post};
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let meta = json!({"issuer": base, "token_endpoint": format!("{base}/token"),
                      "registration_endpoint": format!("{base}/register")});
    let router = axum::Router::new()
        .route(
            "/.well-known/oauth-authorization-server",
            get(move || async move { axum::Json(meta) }),
        )
        .route(
            "/register",
            post(|| async {
                let client = json!({
                    "client_id": "lemon-client",
                    "client_id_issued_at": "1700000000",
                    "registration_access_token": 42,
                });
                (axum::http::StatusCode::CREATED, axum::Json(client))
            }),
        );
    tokio::spawn(async move { axum::serve(listener, router).await });
    base
}

#[tokio::test]
async fn a_registration_answered_with_mistyped_members_keeps_the_client_and_names_them() {
    let issuer = mistyping_registrar().await;
    let (mut client, _) = RawClient::connect(OAuthTools::new(Some(issuer))).await;
    let registered = client
        .call(
            "oauth2_register_client",
            json!({"redirect_uris": [REDIRECT_URI]}),
        )
        .await;
    let registered = ok(&registered);
    assert_eq!(registered["client_id"], "lemon-client");
    assert_eq!(registered["client_id_issued_at"], 1_700_000_000);
    let warnings = registered["warnings"].as_array().expect("warnings");
    let messages: Vec<&str> = warnings
        .iter()
        .map(|w| {
            assert_eq!(w["code"], "registration_member_mistyped");
            w["message"].as_str().unwrap()
        })
        .collect();
    assert_eq!(messages.len(), 2, "{messages:?}");
    assert!(
        messages[0].starts_with("registration_access_token is 42"),
        "{messages:?}"
    );
    assert!(
        messages[1].starts_with("client_id_issued_at is \"1700000000\""),
        "{messages:?}"
    );
}
