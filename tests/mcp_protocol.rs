//! The MCP server spoken to in raw JSON-RPC over an in-memory pipe: what any client sees,
//! without a client library in between.

mod mcp_support;

use mcp_support::RawClient;
use oauthscope::mcp::OAuthTools;
use serde_json::json;

#[tokio::test]
async fn initialize_names_the_server_and_offers_tools() {
    let (_client, info) = RawClient::connect(OAuthTools::new(None)).await;
    assert_eq!(info["serverInfo"]["name"], "oauthscope");
    assert!(info["capabilities"]["tools"].is_object(), "{info}");
    assert!(
        info["instructions"]
            .as_str()
            .unwrap()
            .contains("pass `issuer`")
    );
}

#[tokio::test]
async fn tools_list_has_the_five_tools_with_described_arguments() {
    let (mut client, _) = RawClient::connect(OAuthTools::new(None)).await;
    let listed = client.request("tools/list", json!({})).await;
    let tools = listed["tools"].as_array().unwrap();
    let names: Vec<&str> = tools.iter().map(|t| t["name"].as_str().unwrap()).collect();
    assert_eq!(
        names,
        [
            "oauth2_authorize",
            "oauth2_exchange_token",
            "oauth2_register_client",
            "oauth2_revoke_token",
            "oauth2_validate_token",
        ]
    );
    let required = |name: &str| -> Vec<String> {
        let tool = tools.iter().find(|t| t["name"] == name).unwrap();
        let mut required: Vec<String> = tool["inputSchema"]["required"]
            .as_array()
            .map(|r| r.iter().map(|v| v.as_str().unwrap().to_string()).collect())
            .unwrap_or_default();
        required.sort();
        required
    };
    for tool in tools {
        let schema = tool["inputSchema"].to_string();
        assert!(
            !schema.contains("$ref"),
            "{} uses $ref: {schema}",
            tool["name"]
        );
    }
    assert_eq!(required("oauth2_authorize"), ["client_id", "redirect_uri"]);
    assert_eq!(
        required("oauth2_exchange_token"),
        ["client_id", "grant_type"]
    );
    assert_eq!(required("oauth2_validate_token"), ["token"]);
    assert_eq!(required("oauth2_revoke_token"), ["client_id", "token"]);
    assert_eq!(required("oauth2_register_client"), ["redirect_uris"]);
}

#[tokio::test]
async fn a_call_without_issuer_or_default_is_a_tool_error() {
    let (mut client, _) = RawClient::connect(OAuthTools::new(None)).await;
    let result = client
        .call(
            "oauth2_revoke_token",
            json!({"token": "t", "client_id": "c"}),
        )
        .await;
    assert_eq!(result["isError"], true, "{result}");
    assert_eq!(result["structuredContent"]["error"], "invalid_request");
    assert_eq!(result["structuredContent"]["reported_by"], "oauthscope");
}

#[tokio::test]
async fn malformed_calls_fail_alone_and_the_server_goes_on() {
    let (mut client, _) = RawClient::connect(OAuthTools::new(None)).await;
    // Wrong argument types, an unknown grant type, an unknown tool, an unknown method.
    let wrong_types = client
        .call(
            "oauth2_register_client",
            json!({"redirect_uris": "not-a-list"}),
        )
        .await;
    assert_eq!(wrong_types["isError"], true, "{wrong_types}");
    let bad_grant = client
        .call(
            "oauth2_exchange_token",
            json!({"grant_type": "password", "client_id": "c"}),
        )
        .await;
    assert_eq!(bad_grant["isError"], true, "{bad_grant}");
    let unknown_tool = client
        .raw_request("tools/call", json!({"name": "nope", "arguments": {}}))
        .await;
    assert!(
        unknown_tool.get("error").is_some() || unknown_tool["result"]["isError"] == true,
        "{unknown_tool}"
    );
    let unknown_method = client.raw_request("no/such/method", json!({})).await;
    assert!(unknown_method.get("error").is_some(), "{unknown_method}");
    let listed = client.request("tools/list", json!({})).await;
    assert_eq!(listed["tools"].as_array().unwrap().len(), 5);
}
