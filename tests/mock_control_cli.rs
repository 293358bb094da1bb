//! `oauthscope mock fault|faults|clock|rotate-keys|claims|requests`: the real binary against
//! an in-process mock on 127.0.0.1, and the errors it gives when no mock is there or the mock
//! refuses.

#[path = "support/cli.rs"]
mod cli;
mod mock_support;

use cli::oauthscope;
use mock_support::{Mock, start, start_with};
use oauthscope::mock::ControlConfig;
use oauthscope::oauth::secret::Secret;
use serde_json::Value;

async fn run(mock: &Mock, args: &[&str]) -> (bool, String, String) {
    let issuer = format!("--issuer={}", mock.issuer());
    let mut all = vec!["mock"];
    all.extend_from_slice(args);
    all.push(&issuer);
    let out = oauthscope(&all).await;
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[tokio::test]
async fn a_fault_from_the_command_line_fails_the_next_token_request() {
    let mock = start().await;
    let (ok, stdout, stderr) = run(
        &mock,
        &[
            "fault",
            "token",
            "invalid_grant",
            "--count",
            "2",
            "--client-id",
            "demo-confidential",
        ],
    )
    .await;
    assert!(ok, "{stderr}");
    assert!(
        stdout.contains(
            "token answers invalid_grant to the next 2 request(s) from demo-confidential"
        ),
        "{stdout}"
    );
    let reply = mock.token(&[("grant_type", "client_credentials")]).await;
    reply.expect_error(400, "invalid_grant");
    assert_eq!(reply.header("x-oauthscope-fault"), "invalid_grant");
    let (_, listed, _) = run(&mock, &["faults"]).await;
    assert!(listed.contains("next 1 request(s)"), "{listed}");
    let (_, cleared, _) = run(&mock, &["faults", "--clear"]).await;
    assert!(cleared.contains("cleared 1"), "{cleared}");
    mock.client_credentials().await;
}

#[tokio::test]
async fn clock_rotation_claims_and_requests_from_the_command_line() {
    let mock = start().await;
    let (ok, stdout, stderr) = run(&mock, &["clock", "advance", "90m"]).await;
    assert!(
        ok && stdout.contains("5400000 ms from real time"),
        "{stdout}{stderr}"
    );
    let (ok, stdout, _) = run(&mock, &["clock", "set", "2030-01-01T00:00:00Z"]).await;
    assert!(ok && stdout.contains("2030-01-01T00:00:00Z"), "{stdout}");
    let (ok, stdout, _) = run(&mock, &["clock", "real"]).await;
    assert!(ok && stdout.contains("(0 ms from real time)"), "{stdout}");

    let (ok, stdout, _) = run(&mock, &["rotate-keys", "--retire-old"]).await;
    assert!(
        ok && stdout.contains("new signing keys") && stdout.contains("retired"),
        "{stdout}"
    );
    let (ok, stdout, _) = run(&mock, &["keys"]).await;
    assert!(
        ok && stdout.contains("signing keys: ") && stdout.matches("rotated at").count() == 1,
        "{stdout}"
    );

    let (ok, _, stderr) = run(&mock, &["claims", "alice", "role=admin", "level=3"]).await;
    assert!(ok, "{stderr}");
    let (ok, _, stderr) = run(&mock, &["claims", "--next", "acr=mfa"]).await;
    assert!(ok, "{stderr}");
    let tokens = mock.code_flow("openid").await;
    let (_, id) = mock
        .verify_jwt(
            tokens["id_token"].as_str().unwrap(),
            mock_support::CONFIDENTIAL,
        )
        .await;
    assert_eq!(id["role"], "admin");
    assert_eq!(id["level"], 3);
    assert_eq!(id["acr"], "mfa");

    // The code flow's last requests: the token request, then the JWKS the test verified with.
    let (ok, stdout, _) = run(&mock, &["requests", "--limit", "2"]).await;
    assert!(ok && stdout.starts_with("POST /token -> 200"), "{stdout}");
    assert!(
        stdout.contains("grant_type = authorization_code"),
        "{stdout}"
    );
    let (ok, json, _) = run(&mock, &["requests", "--json"]).await;
    let doc: Value = serde_json::from_str(&json).unwrap();
    assert!(
        ok && doc["ok"] == true && doc["answer"]["requests"].is_array(),
        "{json}"
    );
}

#[tokio::test]
async fn no_mock_there_is_said_plainly() {
    let (listener, base) = cli::listener().await;
    drop(listener);
    let out = oauthscope(&["mock", "faults", "--issuer", &base]).await;
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("no mock answers at") && stderr.contains("refused"),
        "{stderr}"
    );
}

#[tokio::test]
async fn refusals_are_said_in_words() {
    let mock = start().await;
    let (ok, _, stderr) = run(&mock, &["fault", "token", "teapot"]).await;
    assert!(
        !ok && stderr.contains("`teapot` is not a fault for the token endpoint"),
        "{stderr}"
    );
    let (ok, _, stderr) = run(&mock, &["claims", "role=admin"]).await;
    assert!(!ok && stderr.contains("name the user first"), "{stderr}");

    let locked = start_with(|config| {
        config.control = ControlConfig {
            enabled: true,
            token: Some(Secret::new("lab-t0ken")),
        }
    })
    .await;
    let (ok, _, stderr) = run(&locked, &["faults"]).await;
    assert!(
        !ok && stderr.contains("needs its control token"),
        "{stderr}"
    );
    let (ok, _, stderr) = run(&locked, &["faults", "--control-token", "lab-t0ken"]).await;
    assert!(ok, "{stderr}");

    let off = start_with(|config| config.control.enabled = false).await;
    let (ok, _, stderr) = run(&off, &["faults"]).await;
    assert!(!ok && stderr.contains("--no-control"), "{stderr}");
}
