//! A failed command shows the catalogue's "likely causes / try" under its error, once: under
//! the failed step in text output, after the closing reason on stderr otherwise.

use std::process::Output;

use oauthscope::mock::{DEMO_CONFIDENTIAL_CLIENT, MockConfig, MockServer, RunningMock};
use tokio::process::Command;

async fn mock() -> RunningMock {
    MockServer::start(MockConfig::demo())
        .await
        .expect("the mock starts")
}

async fn oauthscope(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_oauthscope"))
        .args(args)
        .env_remove("OAUTHSCOPE_CLIENT_SECRET")
        .output()
        .await
        .expect("the binary runs")
}

#[tokio::test(flavor = "multi_thread")]
async fn a_wrong_client_secret_is_explained_under_the_failed_step() {
    let mock = mock().await;
    let output = oauthscope(&[
        "run",
        "client-credentials",
        "--issuer",
        mock.issuer(),
        "--client-id",
        DEMO_CONFIDENTIAL_CLIENT,
        "--client-secret",
        "not-the-secret",
    ])
    .await;
    assert_eq!(output.status.code(), Some(1), "{output:?}");
    let stdout = String::from_utf8_lossy(&output.stdout);
    let failed = stdout
        .lines()
        .position(|l| l.trim_start().starts_with('✗') && l.contains("invalid_client"))
        .unwrap_or_else(|| panic!("no failed step:\n{stdout}"));
    let below: Vec<&str> = stdout
        .lines()
        .skip(failed + 1)
        .take(2)
        .map(str::trim)
        .collect();
    assert!(
        below[0].starts_with("likely causes (invalid_client): wrong or expired client secret"),
        "{below:?}"
    );
    assert!(below[1].starts_with("try: "), "{below:?}");
    // Shown once: the closing reason on stderr does not repeat them.
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("invalid_client"), "{stderr}");
    assert!(!stderr.contains("likely causes"), "{stderr}");
}

#[tokio::test(flavor = "multi_thread")]
async fn with_json_the_hints_follow_the_reason_on_stderr() {
    let mock = mock().await;
    let output = oauthscope(&[
        "introspect",
        "--issuer",
        mock.issuer(),
        "--token",
        "some-token",
        "--client-id",
        DEMO_CONFIDENTIAL_CLIENT,
        "--client-secret",
        "not-the-secret",
        "--json",
    ])
    .await;
    assert_eq!(output.status.code(), Some(1), "{output:?}");
    let stderr = String::from_utf8_lossy(&output.stderr);
    let lines: Vec<&str> = stderr.lines().collect();
    let reason = lines
        .iter()
        .position(|l| l.starts_with("oauthscope introspect: "))
        .unwrap_or_else(|| panic!("{stderr}"));
    assert!(
        lines[reason + 1]
            .trim()
            .starts_with("likely causes (invalid_client)"),
        "{stderr}"
    );
    assert!(lines[reason + 2].trim().starts_with("try: "), "{stderr}");
    // stdout stays one JSON document.
    serde_json::from_slice::<serde_json::Value>(&output.stdout).expect("one JSON document");
}

#[tokio::test(flavor = "multi_thread")]
async fn an_error_the_catalogue_does_not_know_adds_nothing() {
    let output = oauthscope(&["discover", "http://127.0.0.1:1"]).await;
    assert_eq!(output.status.code(), Some(1), "{output:?}");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(!stderr.contains("likely causes"), "{stderr}");
}
