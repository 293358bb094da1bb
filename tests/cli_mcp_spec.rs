//! `oauthscope run mcp --spec REVISION` against the built-in mock: the newest revision is the
//! default and makes the RFC 9207 `iss` check a visible MUST; each authorization server
//! metadata URL tried is listed with why.

#[path = "support/run_mcp.rs"]
mod run_mcp;

use oauthscope::mock::DEMO_PUBLIC_CLIENT;

use run_mcp::{assert_success, checks, run_on_mock};

async fn run_with(spec: Option<&str>) -> serde_json::Value {
    let mut args = vec!["--client-id", DEMO_PUBLIC_CLIENT];
    if let Some(spec) = spec {
        args.extend(["--spec", spec]);
    }
    let (_mock, out, doc) = run_on_mock(&args).await;
    assert_success(&out, &doc);
    doc
}

#[tokio::test(flavor = "multi_thread")]
async fn the_newest_revision_is_the_default_and_requires_iss() {
    let doc = run_with(None).await;
    assert_eq!(doc["spec"], "2026-07-28");
    let iss = checks(&doc)
        .into_iter()
        .find(|c| c["check"] == "iss")
        .cloned()
        .unwrap_or_else(|| panic!("an iss check in {doc}"));
    assert_eq!(iss["verdict"], "pass");
    let detail = iss["detail"].as_str().unwrap();
    assert!(detail.contains("MCP 2026-07-28"), "{detail}");
    assert!(detail.contains("before redeeming the code"), "{detail}");
    // The mock answers the first URL of the list: RFC 8414, and why it came first.
    let tried = doc["server_metadata"]["tried"].as_array().unwrap();
    assert_eq!(tried.len(), 1, "{tried:?}");
    assert!(
        tried[0]["url"]
            .as_str()
            .unwrap()
            .ends_with("/.well-known/oauth-authorization-server")
    );
    assert!(tried[0]["why"].as_str().unwrap().contains("RFC 8414"));
}

#[tokio::test(flavor = "multi_thread")]
async fn before_2026_07_28_iss_is_checked_only_as_the_server_promises() {
    let doc = run_with(Some("2025-11-25")).await;
    assert_eq!(doc["spec"], "2025-11-25");
    assert!(checks(&doc).iter().all(|c| c["check"] != "iss"), "{doc}");
}
