//! `oauthscope run mcp URL` against the built-in mock's demo MCP server, the browser leg
//! driven by a `$BROWSER` script as `run code` is: the challenge, the RFC 9728 metadata, the
//! authorization server, registration (pre-registered and dynamic), the code flow with
//! `resource`, then initialize and tools/list with the token.

#[path = "support/run_mcp.rs"]
mod run_mcp;

use oauthscope::mock::DEMO_PUBLIC_CLIENT;

use run_mcp::{BROWSER, checks, json_of, mock, run, titles};

#[tokio::test(flavor = "multi_thread")]
async fn a_pre_registered_client_reaches_the_tools() {
    let mock = mock().await;
    let server_url = format!("{}/mcp", mock.issuer());
    let out = run(
        &[
            "run",
            "mcp",
            &server_url,
            "--client-id",
            DEMO_PUBLIC_CLIENT,
            "--json",
        ],
        BROWSER,
    )
    .await;
    let doc = json_of(&out);
    assert!(
        out.status.success(),
        "{}\n{}",
        String::from_utf8_lossy(&out.stderr),
        doc
    );
    assert_eq!(doc["ok"], true);
    assert_eq!(doc["flow"], "mcp");
    assert_eq!(doc["issuer"], mock.issuer());
    assert_eq!(doc["tools"], serde_json::json!(["whoami"]));
    assert_eq!(doc["registration"]["method"], "pre");
    let titles = titles(&doc);
    assert!(titles.iter().all(|t| t.starts_with("done ")), "{titles:#?}");
    assert!(titles.len() >= 8, "{titles:#?}");
    assert!(titles[0].contains("without a token"), "{titles:#?}");
    assert!(
        titles.last().unwrap().contains("List the tools"),
        "{titles:#?}"
    );
    // The MUST checks are visible with their verdicts.
    let checks = checks(&doc);
    for name in [
        "resource",
        "authorization_servers",
        "code_challenge_methods_supported",
    ] {
        assert!(
            checks
                .iter()
                .any(|c| c["check"] == name && c["verdict"] == "pass"),
            "{name} in {checks:?}"
        );
    }
    // resource went to /authorize and /token, and the token is masked in the exchanges.
    let exchanges = doc["exchanges"].to_string();
    let access = doc["outcome"]["tokens"]["access_token"].as_str().unwrap();
    assert!(!exchanges.contains(access), "exchanges are masked");
    let token_step = doc["steps"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["title"] == "Exchange the code for tokens")
        .unwrap();
    assert!(token_step.to_string().contains("resource"), "{token_step}");
}

#[tokio::test(flavor = "multi_thread")]
async fn without_a_client_id_the_client_registers_itself_and_humans_see_each_step() {
    let mock = mock().await;
    let server_url = format!("{}/mcp", mock.issuer());
    let out = run(&["run", "mcp", &server_url], BROWSER).await;
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    for expected in [
        "Call the MCP server without a token",
        "challenge resource_metadata=",
        "RFC 9728",
        "Register the client",
        "dynamic client registration (RFC 7591",
        "Tools: whoami",
    ] {
        assert!(stdout.contains(expected), "{expected:?} in:\n{stdout}");
    }
}

/// A server that answers `initialize` without asking for a token.
async fn open_server() -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let router = axum::Router::new().route(
        "/mcp",
        axum::routing::post(|| async {
            axum::Json(serde_json::json!({"jsonrpc": "2.0", "id": 1, "result": {}}))
        }),
    );
    tokio::spawn(async move { axum::serve(listener, router).await.unwrap() });
    format!("{base}/mcp")
}

#[tokio::test(flavor = "multi_thread")]
async fn a_server_that_asks_for_no_token_is_reported_and_fails() {
    let out = run(&["run", "mcp", &open_server().await, "--json"], BROWSER).await;
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let doc = json_of(&out);
    assert_eq!(doc["ok"], false);
    let error = doc["error"].as_str().unwrap();
    assert!(error.contains("does not ask for authorization"), "{error}");
    assert_eq!(doc["steps"][0]["status"]["status"], "failed");
}
