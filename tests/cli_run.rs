//! The CLI binary driving every flow against the in-process mock: `$BROWSER` points at a tiny
//! script that fetches the URL and follows redirects, like a browser the user clicks through.

use std::process::{Output, Stdio};

use oauthscope::mock::{
    DEMO_CONFIDENTIAL_CLIENT, DEMO_PUBLIC_CLIENT, DEMO_SECRET, MockConfig, MockServer, RunningMock,
};
use serde_json::Value;
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::process::Command;

#[path = "support/browser.rs"]
mod browser;
use browser::browser_script;

async fn mock() -> RunningMock {
    let mut config = MockConfig::demo();
    config.auto_approve = Some("alice".into());
    config.lifetimes.device_poll_interval = 1;
    MockServer::start(config).await.expect("the mock starts")
}

fn command(args: &[&str]) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_oauthscope"));
    cmd.args(args)
        .env_remove("OAUTHSCOPE_CLIENT_SECRET")
        .env_remove("BROWSER")
        .stdin(Stdio::null());
    cmd
}

async fn run(args: &[&str], browser: Option<&str>) -> Output {
    let mut cmd = command(args);
    if let Some(browser) = browser {
        cmd.env("BROWSER", browser);
    }
    cmd.output().await.expect("the binary runs")
}

fn json_of(out: &Output) -> Value {
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "not one JSON document ({e}); stdout: {}; stderr: {}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        )
    })
}

fn assert_ok(out: &Output) -> Value {
    assert!(
        out.status.success(),
        "exit {:?}: {}",
        out.status.code(),
        String::from_utf8_lossy(&out.stderr)
    );
    let doc = json_of(out);
    assert_eq!(doc["ok"], true);
    assert_eq!(doc["error"], Value::Null);
    doc
}

fn passed(token: &Value) -> Vec<String> {
    token["verification"]["checks"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["verdict"] == "pass")
        .map(|c| c["check"].as_str().unwrap().to_string())
        .collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn run_code_json_has_tokens_verdicts_and_masked_exchanges() {
    let mock = mock().await;
    let dir = tempfile::tempdir().unwrap();
    let browser = browser_script(&dir);
    let out = run(
        &[
            "run",
            "code",
            "--issuer",
            mock.issuer(),
            "--client-id",
            DEMO_PUBLIC_CLIENT,
            "--scope",
            "openid profile",
            "--json",
        ],
        Some(&browser),
    )
    .await;
    let doc = assert_ok(&out);
    assert_eq!(doc["flow"], "authorization_code");
    let statuses: Vec<&Value> = doc["steps"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| &s["status"]["status"])
        .collect();
    assert_eq!(statuses, ["done", "done", "done"]);
    let passed = passed(&doc["outcome"]["id_token"]);
    for check in [
        "signature",
        "iss",
        "aud",
        "azp",
        "nonce",
        "at_hash",
        "exp",
        "iat",
    ] {
        assert!(passed.contains(&check.to_string()), "{check} in {passed:?}");
    }
    let access = doc["outcome"]["tokens"]["access_token"].as_str().unwrap();
    let exchanges = doc["exchanges"].to_string();
    assert!(!exchanges.contains(access), "exchanges are masked");
    assert!(exchanges.contains("/.well-known/oauth-authorization-server"));
    // The progress went to stderr, not into the JSON.
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("Open this URL"), "{stderr}");
}

#[tokio::test(flavor = "multi_thread")]
async fn human_output_masks_secrets_unless_asked() {
    let mock = mock().await;
    let args = [
        "run",
        "client-credentials",
        "--issuer",
        mock.issuer(),
        "--client-id",
        DEMO_CONFIDENTIAL_CLIENT,
        "--client-secret",
        DEMO_SECRET,
        "--scope",
        "api:read",
    ];
    let masked = run(&args, None).await;
    assert!(masked.status.success());
    let text = String::from_utf8_lossy(&masked.stdout);
    assert!(text.contains("Get a token as the client"), "{text}");
    assert!(text.contains("access_token   eyJhbG…•••"), "{text}");
    assert!(!text.contains(DEMO_SECRET), "{text}");

    let mut shown_args = args.to_vec();
    shown_args.push("--show-secrets");
    let shown = run(&shown_args, None).await;
    let text = String::from_utf8_lossy(&shown.stdout);
    assert!(!text.contains("…•••"), "{text}");
}

#[tokio::test(flavor = "multi_thread")]
async fn run_par_with_post_auth() {
    let mock = mock().await;
    let dir = tempfile::tempdir().unwrap();
    let browser = browser_script(&dir);
    let out = run(
        &[
            "run",
            "par",
            "--issuer",
            mock.issuer(),
            "--client-id",
            DEMO_CONFIDENTIAL_CLIENT,
            "--client-secret",
            DEMO_SECRET,
            "--auth-method",
            "client_secret_post",
            "--scope",
            "openid",
            "--json",
        ],
        Some(&browser),
    )
    .await;
    let doc = assert_ok(&out);
    assert_eq!(doc["steps"][0]["exchange"]["status"], 201);
    assert!(
        doc["outcome"]["authorization_url"]
            .as_str()
            .unwrap()
            .contains("request_uri=")
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn run_refresh_then_introspect_userinfo_revoke() {
    let mock = mock().await;
    let dir = tempfile::tempdir().unwrap();
    let browser = browser_script(&dir);
    let issuer = mock.issuer();
    let first = assert_ok(
        &run(
            &[
                "run",
                "code",
                "--issuer",
                issuer,
                "--client-id",
                DEMO_PUBLIC_CLIENT,
                "--scope",
                "openid profile email",
                "--json",
            ],
            Some(&browser),
        )
        .await,
    );
    let refresh_token = first["outcome"]["tokens"]["refresh_token"]
        .as_str()
        .unwrap()
        .to_string();

    let refreshed = assert_ok(
        &run(
            &[
                "run",
                "refresh",
                "--issuer",
                issuer,
                "--client-id",
                DEMO_PUBLIC_CLIENT,
                "--refresh-token",
                &refresh_token,
                "--json",
            ],
            None,
        )
        .await,
    );
    assert_eq!(
        refreshed["outcome"]["rotation"]["refresh_token_rotated"],
        true
    );
    let access = refreshed["outcome"]["tokens"]["access_token"]
        .as_str()
        .unwrap()
        .to_string();

    let info = assert_ok(
        &run(
            &[
                "introspect",
                "--issuer",
                issuer,
                "--token",
                &access,
                "--client-id",
                DEMO_CONFIDENTIAL_CLIENT,
                "--client-secret",
                DEMO_SECRET,
                "--json",
            ],
            None,
        )
        .await,
    );
    assert_eq!(info["outcome"]["introspection"]["active"], true);

    let claims = assert_ok(
        &run(
            &["userinfo", "--issuer", issuer, "--token", &access, "--json"],
            None,
        )
        .await,
    );
    assert_eq!(claims["outcome"]["userinfo"]["email"], "alice@example.com");

    let revoked = assert_ok(
        &run(
            &[
                "revoke",
                "--issuer",
                issuer,
                "--token",
                &access,
                "--client-id",
                DEMO_PUBLIC_CLIENT,
                "--json",
            ],
            None,
        )
        .await,
    );
    assert_eq!(revoked["outcome"]["revoked"], true);

    let refused = run(&["userinfo", "--issuer", issuer, "--token", &access], None).await;
    assert_eq!(refused.status.code(), Some(1));
    let reason = String::from_utf8_lossy(&refused.stderr);
    assert!(reason.contains("invalid_token"), "{reason}");

    // The rotated-out refresh token is refused, with the server's words.
    let replay = run(
        &[
            "run",
            "refresh",
            "--issuer",
            issuer,
            "--client-id",
            DEMO_PUBLIC_CLIENT,
            "--refresh-token",
            &refresh_token,
        ],
        None,
    )
    .await;
    assert_eq!(replay.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&replay.stderr).contains("invalid_grant"));
}

#[tokio::test(flavor = "multi_thread")]
async fn run_device_shows_the_code_on_stderr_and_polls() {
    let mock = mock().await;
    let mut child = command(&[
        "run",
        "device",
        "--issuer",
        mock.issuer(),
        "--client-id",
        DEMO_PUBLIC_CLIENT,
        "--scope",
        "openid",
        "--json",
    ])
    .stdout(Stdio::piped())
    .stderr(Stdio::piped())
    .spawn()
    .unwrap();
    let mut lines = BufReader::new(child.stderr.take().unwrap()).lines();
    let mut complete = None;
    let mut saw_user_code = false;
    while let Some(line) = lines.next_line().await.unwrap() {
        saw_user_code |= line.starts_with("and enter the code");
        if let Some(url) = line.strip_prefix("or open ") {
            complete = Some(url.to_string());
            break;
        }
    }
    assert!(saw_user_code);
    let url = complete.expect("verification_uri_complete on stderr");
    assert!(reqwest::get(&url).await.unwrap().status().is_success());
    tokio::spawn(async move { while let Ok(Some(_)) = lines.next_line().await {} });
    let out = child.wait_with_output().await.unwrap();
    let doc = assert_ok(&out);
    assert!(doc["outcome"]["device"]["user_code"].is_string());
    assert!(doc["outcome"]["tokens"]["id_token"].is_string());
}

#[tokio::test(flavor = "multi_thread")]
async fn run_code_with_a_pasted_redirect() {
    let mock = mock().await;
    let mut child = command(&[
        "run",
        "code",
        "--issuer",
        mock.issuer(),
        "--client-id",
        DEMO_PUBLIC_CLIENT,
        "--paste",
        "--no-browser",
        "--json",
    ])
    .stdin(Stdio::piped())
    .stdout(Stdio::piped())
    .stderr(Stdio::piped())
    .spawn()
    .unwrap();
    let mut lines = BufReader::new(child.stderr.take().unwrap()).lines();
    let mut url = None;
    while let Some(line) = lines.next_line().await.unwrap() {
        if let Some(found) = line.trim().strip_prefix("http") {
            url = Some(format!("http{found}"));
            break;
        }
    }
    let url = url.expect("the authorization URL on stderr");
    assert!(
        url.contains("redirect_uri=http%3A%2F%2F127.0.0.1%2Fcallback"),
        "{url}"
    );
    let response = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
        .get(&url)
        .send()
        .await
        .unwrap();
    let location = response.headers()["location"].to_str().unwrap().to_string();
    let mut stdin = child.stdin.take().unwrap();
    stdin
        .write_all(format!("{location}\n").as_bytes())
        .await
        .unwrap();
    drop(stdin);
    tokio::spawn(async move { while let Ok(Some(_)) = lines.next_line().await {} });
    let out = child.wait_with_output().await.unwrap();
    let doc = assert_ok(&out);
    assert!(doc["outcome"]["tokens"]["access_token"].is_string());
}

#[tokio::test(flavor = "multi_thread")]
async fn register_then_manage_the_client() {
    let mock = mock().await;
    let issuer = mock.issuer();
    let created = assert_ok(
        &run(
            &[
                "register",
                "--issuer",
                issuer,
                "--redirect-uri",
                "http://127.0.0.1/cb",
                "--auth-method",
                "client_secret_post",
                "--scope",
                "openid",
                "--json",
            ],
            None,
        )
        .await,
    );
    let client = &created["client"];
    let uri = client["registration_client_uri"]
        .as_str()
        .unwrap()
        .to_string();
    let rat = client["registration_access_token"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(client["client_secret"].is_string());

    let read = assert_ok(
        &run(
            &[
                "client",
                "get",
                "--registration-client-uri",
                &uri,
                "--registration-access-token",
                &rat,
                "--json",
            ],
            None,
        )
        .await,
    );
    assert_eq!(read["client"]["client_id"], client["client_id"]);

    let updated = assert_ok(
        &run(
            &[
                "client",
                "update",
                "--registration-client-uri",
                &uri,
                "--registration-access-token",
                &rat,
                "--redirect-uri",
                "http://127.0.0.1/new",
                "--json",
            ],
            None,
        )
        .await,
    );
    assert_eq!(
        updated["client"]["redirect_uris"],
        serde_json::json!(["http://127.0.0.1/new"])
    );

    let deleted = assert_ok(
        &run(
            &[
                "client",
                "delete",
                "--registration-client-uri",
                &uri,
                "--registration-access-token",
                &rat,
                "--json",
            ],
            None,
        )
        .await,
    );
    assert_eq!(deleted["deleted"], true);

    let gone = run(
        &[
            "client",
            "get",
            "--registration-client-uri",
            &uri,
            "--registration-access-token",
            &rat,
        ],
        None,
    )
    .await;
    assert_eq!(gone.status.code(), Some(1));
}

#[tokio::test(flavor = "multi_thread")]
async fn decode_with_the_issuer_verifies_a_mock_token() {
    let mock = mock().await;
    let cc = assert_ok(
        &run(
            &[
                "run",
                "client-credentials",
                "--issuer",
                mock.issuer(),
                "--client-id",
                DEMO_CONFIDENTIAL_CLIENT,
                "--client-secret",
                DEMO_SECRET,
                "--json",
            ],
            None,
        )
        .await,
    );
    let token = cc["outcome"]["tokens"]["access_token"]
        .as_str()
        .unwrap()
        .to_string();
    let decoded = assert_ok(
        &run(
            &["decode", &token, "--issuer", mock.issuer(), "--json"],
            None,
        )
        .await,
    );
    assert_eq!(decoded["valid"], true);
    assert_eq!(decoded["key_source"], "issuer");
    let wrong_aud = run(
        &[
            "decode",
            &token,
            "--issuer",
            mock.issuer(),
            "--audience",
            "someone-else",
        ],
        None,
    )
    .await;
    assert_eq!(wrong_aud.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&wrong_aud.stderr).contains("aud:"));
}

#[tokio::test(flavor = "multi_thread")]
async fn missing_client_id_and_unknown_server_are_one_line_errors() {
    let out = run(&["run", "code", "--issuer", "http://127.0.0.1:9"], None).await;
    assert_eq!(out.status.code(), Some(1));
    let reason = String::from_utf8_lossy(&out.stderr);
    assert_eq!(reason.trim(), "oauthscope run: --client-id is required");
    let out = run(
        &[
            "run",
            "client-credentials",
            "--issuer",
            "http://127.0.0.1:9",
            "--client-id",
            "x",
        ],
        None,
    )
    .await;
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("connection refused"));
}

#[tokio::test(flavor = "multi_thread")]
async fn human_run_shows_each_step_and_the_redirect_with_the_code_masked() {
    let mock = mock().await;
    let dir = tempfile::tempdir().unwrap();
    let browser = browser_script(&dir);
    // A fixed loopback port, as a client registered with an exact redirect URI would use.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let redirect = format!("http://127.0.0.1:{port}/callback");
    let out = run(
        &[
            "run",
            "code",
            "--issuer",
            mock.issuer(),
            "--client-id",
            DEMO_PUBLIC_CLIENT,
            "--scope",
            "openid",
            "--redirect-uri",
            &redirect,
        ],
        Some(&browser),
    )
    .await;
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8_lossy(&out.stdout);
    for expected in [
        "✓ 1. Send the user to the authorization endpoint",
        "(through the browser)",
        &format!("redirect_uri={redirect}"),
        "← redirected back with",
        "✓ 2. Exchange the code for tokens",
        "✓ 3. Verify the tokens",
        "✓ nonce",
    ] {
        assert!(text.contains(expected), "{expected:?} in:\n{text}");
    }
    let code_line = text
        .lines()
        .find(|l| l.trim_start().starts_with("code="))
        .unwrap();
    assert!(code_line.ends_with("chars)"), "{code_line}");
}
