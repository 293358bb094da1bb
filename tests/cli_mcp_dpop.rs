//! `oauthscope run mcp URL --dpop` against the built-in mock's demo MCP server with nonces
//! on: the token is bound to the key (token_type DPoP, cnf.jkt), the nonce the token
//! endpoint asks for is a step of its own, and initialize, tools/list and tools/call each go
//! with `Authorization: DPoP` and a fresh proof, decoded on the step; `--dpop-key` binds to
//! the key in the file.

#[path = "support/run_mcp.rs"]
mod run_mcp;

use oauthscope::mock::{DEMO_PUBLIC_CLIENT, MockConfig, MockServer};
use oauthscope::oauth::dpop::DpopKey;
use serde_json::Value;

use run_mcp::{BROWSER, assert_success, json_of, mcp_url, mock, run};

/// The steps of `kind`.
fn steps<'a>(doc: &'a Value, kind: &str) -> Vec<&'a Value> {
    doc["steps"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|s| s["kind"] == kind)
        .collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn dpop_binds_the_token_and_every_mcp_call_carries_a_proof() {
    let mut config = MockConfig::demo();
    config.auto_approve = Some("alice".into());
    config.dpop_nonce = true;
    let mock = MockServer::start(config).await.unwrap();
    let server_url = mcp_url(&mock);
    let dir = tempfile::tempdir().unwrap();
    let key_file = dir.path().join("dpop.pem");
    let args = [
        "run",
        "mcp",
        &server_url,
        "--client-id",
        DEMO_PUBLIC_CLIENT,
        "--dpop-key",
        key_file.to_str().unwrap(),
        "--call",
        "whoami",
        "--json",
    ];
    let out = run(&args, BROWSER).await;
    let doc = json_of(&out);
    assert_success(&out, &doc);
    let key = DpopKey::from_file(&key_file).unwrap();

    assert_eq!(doc["outcome"]["tokens"]["token_type"], "DPoP");
    let binding = &doc["outcome"]["dpop"];
    assert_eq!(binding["jkt"], key.thumbprint());
    assert!(
        binding["checks"]
            .as_array()
            .unwrap()
            .iter()
            .all(|c| c["verdict"] == "pass"),
        "{binding}"
    );
    // The nonce the token endpoint asked for, shown as its own step.
    assert_eq!(steps(&doc, "dpop_nonce").len(), 1, "{doc}");
    for kind in ["mcp_initialize", "mcp_list_tools", "mcp_call_tool"] {
        let step = steps(&doc, kind)[0];
        assert_eq!(step["status"]["status"], "done", "{step}");
        let proof = &step["dpop_proof"]["claims"];
        assert_eq!(proof["htm"], "POST", "{step}");
        assert_eq!(proof["htu"], server_url.as_str(), "{step}");
        assert!(proof["ath"].is_string(), "{step}");
        assert!(proof["nonce"].is_string(), "{step}");
        assert_eq!(
            step["dpop_proof"]["header"]["jwk"]["x"],
            key.public_jwk()["x"]
        );
        let headers = step["exchange"]["request_headers"].to_string();
        assert!(headers.contains("DPoP "), "{headers}");
    }
    // The tool saw the binding of the token it was called with.
    let claims = &doc["call"]["result"]["structuredContent"];
    assert_eq!(claims["cnf"]["jkt"], key.thumbprint(), "{claims}");
}

#[tokio::test(flavor = "multi_thread")]
async fn humans_see_the_proof_of_each_mcp_call() {
    let mock = mock().await;
    let server_url = mcp_url(&mock);
    let out = run(
        &[
            "run",
            "mcp",
            &server_url,
            "--client-id",
            DEMO_PUBLIC_CLIENT,
            "--dpop",
        ],
        BROWSER,
    )
    .await;
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let list = stdout
        .split("List the tools")
        .nth(1)
        .expect("the tools/list step");
    assert!(list.contains("DPoP proof"), "{list}");
    assert!(list.contains(&format!("htu={server_url}")), "{list}");
    assert!(list.contains("ath="), "{list}");
    assert!(stdout.contains("Tools: whoami"), "{stdout}");
    assert!(stdout.contains("DPoP binding (key thumbprint"), "{stdout}");
}
