//! `run … --har FILE --markdown FILE`: the run's exchanges written as transcripts once it is
//! over, masked unless `--show-secrets`, and the HAR read back by the engine's importer.

use std::process::Output;

use oauthscope::mock::{DEMO_CONFIDENTIAL_CLIENT, DEMO_SECRET, MockConfig, MockServer};
use oauthscope::oauth::transcript;
use serde_json::Value;

async fn oauthscope(args: &[&str]) -> Output {
    tokio::process::Command::new(env!("CARGO_BIN_EXE_oauthscope"))
        .args(args)
        .env_remove("OAUTHSCOPE_CLIENT_SECRET")
        .stdin(std::process::Stdio::null())
        .output()
        .await
        .expect("the binary runs")
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

#[tokio::test(flavor = "multi_thread")]
async fn a_client_credentials_run_writes_a_masked_har_and_markdown() {
    let mock = MockServer::start(MockConfig::demo()).await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let (har, md) = (dir.path().join("run.har"), dir.path().join("run.md"));
    let out = oauthscope(&[
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
        "--har",
        har.to_str().unwrap(),
        "--markdown",
        md.to_str().unwrap(),
        "--json",
    ])
    .await;
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(stderr(&out).contains(&format!("transcript written to {}", har.display())));
    let doc: Value = serde_json::from_slice(&out.stdout).unwrap();
    let access = doc["outcome"]["tokens"]["access_token"].as_str().unwrap();

    let har_text = std::fs::read_to_string(&har).unwrap();
    let har_doc: Value = serde_json::from_str(&har_text).unwrap();
    let entries = har_doc["log"]["entries"].as_array().unwrap();
    assert_eq!(entries.len(), doc["exchanges"].as_array().unwrap().len());
    let token_entry = entries
        .iter()
        .find(|e| e["request"]["url"].as_str().unwrap().ends_with("/token"))
        .expect("the token request is in the HAR");
    assert_eq!(token_entry["request"]["method"], "POST");
    assert_eq!(token_entry["response"]["status"], 200);
    assert!(
        token_entry["request"]["postData"]["text"]
            .as_str()
            .unwrap()
            .contains("grant_type=client_credentials")
    );
    let md_text = std::fs::read_to_string(&md).unwrap();
    for text in [&har_text, &md_text] {
        assert!(!text.contains(access), "the access token is masked");
        assert!(!text.contains(DEMO_SECRET), "the client secret is masked");
    }
    assert!(
        md_text.starts_with("# oauthscope run client_credentials"),
        "{md_text}"
    );
    assert!(
        md_text.contains("## Steps") && md_text.contains("✓"),
        "{md_text}"
    );
    assert!(md_text.contains("## Verdicts"), "{md_text}");

    // The engine reads its own HAR back, with the secrets located again.
    let back = transcript::read_har_file(&har).unwrap();
    assert_eq!(back.len(), entries.len());
    mock.shutdown().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn show_secrets_writes_them_in_clear_and_an_unwritable_path_fails_the_run() {
    let mock = MockServer::start(MockConfig::demo()).await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let har = dir.path().join("clear.har");
    let base = [
        "run",
        "client-credentials",
        "--issuer",
        mock.issuer(),
        "--client-id",
        DEMO_CONFIDENTIAL_CLIENT,
        "--client-secret",
        DEMO_SECRET,
        "--json",
    ];
    let mut args = base.to_vec();
    args.extend(["--har", har.to_str().unwrap(), "--show-secrets"]);
    let out = oauthscope(&args).await;
    assert!(out.status.success(), "{}", stderr(&out));
    let doc: Value = serde_json::from_slice(&out.stdout).unwrap();
    let access = doc["outcome"]["tokens"]["access_token"].as_str().unwrap();
    assert!(std::fs::read_to_string(&har).unwrap().contains(access));

    let missing = dir.path().join("no-such-dir").join("x.md");
    let mut args = base.to_vec();
    args.extend(["--markdown", missing.to_str().unwrap()]);
    let out = oauthscope(&args).await;
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("cannot write"), "{}", stderr(&out));
    mock.shutdown().await;
}

#[path = "support/run_mcp.rs"]
mod run_mcp;

#[tokio::test(flavor = "multi_thread")]
async fn run_mcp_writes_its_own_steps_into_the_markdown() {
    let mock = run_mcp::mock().await;
    let dir = tempfile::tempdir().unwrap();
    let (har, md) = (dir.path().join("mcp.har"), dir.path().join("mcp.md"));
    let server_url = format!("{}/mcp", mock.issuer());
    let out = run_mcp::run(
        &[
            "run",
            "mcp",
            &server_url,
            "--client-id",
            oauthscope::mock::DEMO_PUBLIC_CLIENT,
            "--har",
            har.to_str().unwrap(),
            "--markdown",
            md.to_str().unwrap(),
            "--json",
        ],
        run_mcp::BROWSER,
    )
    .await;
    assert!(out.status.success(), "{}", stderr(&out));
    let md_text = std::fs::read_to_string(&md).unwrap();
    assert!(md_text.starts_with("# oauthscope run mcp"), "{md_text}");
    assert!(
        md_text.contains("Call the MCP server without a token"),
        "the MCP flow's own steps: {md_text}"
    );
    let exchanges = transcript::read_har_file(&har).unwrap();
    assert!(exchanges.iter().any(|e| e.url.ends_with("/mcp")));
}
