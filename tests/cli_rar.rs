//! `--authorization-details` through the real binary against the built-in mock: the JSON or
//! @FILE sent, the granted details reported, and text that is not JSON refused before
//! anything is sent.

use oauthscope::mock::{DEMO_CONFIDENTIAL_CLIENT, DEMO_SECRET, MockConfig, MockServer};
use serde_json::json;

#[path = "support/cli.rs"]
mod cli;
use cli::oauthscope;

#[tokio::test(flavor = "multi_thread")]
async fn client_credentials_sends_the_details_from_a_file_and_reports_the_grant() {
    let mock = MockServer::start(MockConfig::demo()).await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("details.json");
    std::fs::write(
        &file,
        r#"[ {"type": "account_information", "actions": ["list"]} ]"#,
    )
    .unwrap();
    let at_file = format!("@{}", file.display());
    let mut args = vec![
        "run",
        "client-credentials",
        "--issuer",
        mock.issuer(),
        "--client-id",
        DEMO_CONFIDENTIAL_CLIENT,
        "--client-secret",
        DEMO_SECRET,
        "--authorization-details",
        &at_file,
    ];
    let text = oauthscope(&args).await;
    let stdout = String::from_utf8_lossy(&text.stdout);
    assert!(stdout.contains("Granted authorization_details"), "{stdout}");
    args.push("--json");
    let doc: serde_json::Value = serde_json::from_slice(&oauthscope(&args).await.stdout).unwrap();
    assert_eq!(doc["ok"], true, "{doc}");
    let granted = json!([{"type": "account_information", "actions": ["list"]}]);
    assert_eq!(doc["outcome"]["authorization_details"], granted);
    assert_eq!(
        doc["outcome"]["access_token"]["claims"]["authorization_details"],
        granted
    );
    let sent = &doc["steps"][0]["request"]["params"];
    assert!(
        sent.as_array()
            .unwrap()
            .iter()
            .any(|p| p[0] == "authorization_details"),
        "{sent}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn details_that_are_not_json_are_refused_before_sending() {
    let out = oauthscope(&[
        "run",
        "client-credentials",
        "--issuer",
        "http://127.0.0.1:9",
        "--client-id",
        "c",
        "--authorization-details",
        "[{type: payment}]",
    ])
    .await;
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("--authorization-details is not JSON"),
        "{stderr}"
    );
}
