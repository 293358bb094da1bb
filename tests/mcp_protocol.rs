//! The MCP server spoken to in raw JSON-RPC over an in-memory pipe: what any client sees,
//! without a client library in between.

use std::time::Duration;

use oauthscope::mcp::{OAuthTools, serve_on};
use serde_json::{Value, json};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader, DuplexStream, Lines};

/// A bare JSON-RPC client over newline-delimited JSON.
struct RawClient {
    lines: Lines<BufReader<tokio::io::ReadHalf<DuplexStream>>>,
    writer: tokio::io::WriteHalf<DuplexStream>,
    next_id: u64,
}

impl RawClient {
    /// Starts the server on one end of a pipe and completes the MCP handshake on the other.
    async fn connect(tools: OAuthTools) -> (Self, Value) {
        let (client_end, server_end) = tokio::io::duplex(1 << 20);
        tokio::spawn(async move {
            let (read, write) = tokio::io::split(server_end);
            let _ = serve_on(tools, (read, write)).await;
        });
        let (read, writer) = tokio::io::split(client_end);
        let mut client = RawClient {
            lines: BufReader::new(read).lines(),
            writer,
            next_id: 0,
        };
        let info = client
            .request(
                "initialize",
                json!({
                    "protocolVersion": "2025-06-18",
                    "capabilities": {},
                    "clientInfo": {"name": "raw-test", "version": "0"}
                }),
            )
            .await;
        client
            .send(json!({"jsonrpc": "2.0", "method": "notifications/initialized"}))
            .await;
        (client, info)
    }

    async fn send(&mut self, message: Value) {
        let mut line = message.to_string();
        line.push('\n');
        self.writer.write_all(line.as_bytes()).await.unwrap();
    }

    /// Sends a request and returns its `result` (panics on a JSON-RPC error: tests want one).
    async fn request(&mut self, method: &str, params: Value) -> Value {
        let response = self.raw_request(method, params).await;
        match response.get("result") {
            Some(result) => result.clone(),
            None => panic!("{method} failed: {response}"),
        }
    }

    async fn raw_request(&mut self, method: &str, params: Value) -> Value {
        self.next_id += 1;
        let id = self.next_id;
        self.send(json!({"jsonrpc": "2.0", "id": id, "method": method, "params": params}))
            .await;
        loop {
            let line = tokio::time::timeout(Duration::from_secs(20), self.lines.next_line())
                .await
                .expect("the server answered in time")
                .unwrap()
                .expect("the server kept the pipe open");
            let message: Value = serde_json::from_str(&line).unwrap();
            if message.get("id") == Some(&json!(id)) {
                return message;
            }
        }
    }

    async fn call(&mut self, tool: &str, arguments: Value) -> Value {
        self.request("tools/call", json!({"name": tool, "arguments": arguments}))
            .await
    }
}

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
