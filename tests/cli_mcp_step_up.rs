//! `oauthscope run mcp --call TOOL` against the built-in mock's demo MCP server: a token
//! asked for without the server's scope is refused with `403 insufficient_scope`, the client
//! steps up (authorizes again with that scope added, visibly), repeats the call and calls the
//! tool; bad `--arguments` are refused in words before anything is sent.

#[path = "support/run_mcp.rs"]
mod run_mcp;

use oauthscope::mock::DEMO_PUBLIC_CLIENT;

use run_mcp::{assert_success, checks, mcp_url, run_on_mock, titles};

#[tokio::test(flavor = "multi_thread")]
async fn a_403_insufficient_scope_steps_up_and_the_tool_is_called() {
    let (mock, out, doc) = run_on_mock(&[
        "--client-id",
        DEMO_PUBLIC_CLIENT,
        "--scope",
        "openid",
        "--call",
        "whoami",
    ])
    .await;
    assert_success(&out, &doc);
    // One step-up, asking for what was asked plus what the server needs.
    let step_ups = doc["step_ups"].as_array().unwrap();
    assert_eq!(step_ups.len(), 1, "{step_ups:?}");
    assert_eq!(step_ups[0]["needed"], "mcp:tools");
    assert_eq!(step_ups[0]["scope"], "openid mcp:tools");
    let titles = titles(&doc);
    // The refused call stays in the flow, saying why, as the terminal app shows it.
    let refused = titles
        .iter()
        .position(|t| t.contains("with the token: refused, the token needs more scope"))
        .unwrap_or_else(|| panic!("a refused call in {titles:#?}"));
    assert!(
        titles[refused + 1].starts_with("done ") && titles[refused + 1].contains("Step up"),
        "{titles:#?}"
    );
    assert!(
        titles.last().unwrap().starts_with("done ")
            && titles.last().unwrap().contains("Call the tool"),
        "{titles:#?}"
    );
    let decision = checks(&doc)
        .into_iter()
        .find(|c| c["check"] == "insufficient_scope")
        .cloned()
        .unwrap();
    assert!(
        decision["detail"]
            .as_str()
            .unwrap()
            .contains("step-up 1 of 2"),
        "{decision}"
    );
    // The tool answered with the claims of the stepped-up token.
    assert_eq!(doc["call"]["tool"], "whoami");
    let claims = &doc["call"]["result"]["structuredContent"];
    assert_eq!(claims["aud"], serde_json::json!(mcp_url(&mock)), "{claims}");
    let scope = claims["scope"].as_str().unwrap_or_default();
    assert!(scope.split(' ').any(|s| s == "mcp:tools"), "{claims}");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_client_it_registers_itself_may_step_up_to_the_resource_scopes() {
    // Registered while asking for openid alone, the client still may ask for mcp:tools later.
    let (_mock, out, doc) = run_on_mock(&["--scope", "openid", "--call", "whoami"]).await;
    assert_success(&out, &doc);
    assert_eq!(doc["registration"]["method"], "dynamic");
    assert_eq!(doc["step_ups"].as_array().map(Vec::len), Some(1), "{doc}");
    assert_eq!(doc["call"]["tool"], "whoami");
}

#[tokio::test(flavor = "multi_thread")]
async fn arguments_that_are_not_a_json_object_are_refused_before_any_request() {
    for (arguments, expected) in [
        ("[1, 2]", "must be a JSON object"),
        ("{not json", "is not JSON"),
    ] {
        let (_mock, out, doc) = run_on_mock(&["--call", "whoami", "--arguments", arguments]).await;
        assert_eq!(out.status.code(), Some(1));
        let error = doc["error"].as_str().unwrap();
        assert!(error.contains(expected), "{error}");
        assert_eq!(doc["exchanges"].as_array().map_or(0, Vec::len), 0, "{doc}");
    }
}
