//! Shared helpers for the MCP tests: a bare JSON-RPC client over an in-memory pipe (what any
//! MCP client sends, with no client library in between), and the built-in mock on 127.0.0.1.
#![allow(dead_code)] // each test binary uses a different subset

use std::time::Duration;

use oauthscope::mcp::{OAuthTools, serve_on};
use oauthscope::mock::{MockConfig, MockServer, RunningMock};
use serde_json::{Value, json};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader, DuplexStream, Lines};

pub const REDIRECT_URI: &str = "http://127.0.0.1/callback";

/// A bare JSON-RPC client over newline-delimited JSON.
pub struct RawClient {
    lines: Lines<BufReader<tokio::io::ReadHalf<DuplexStream>>>,
    writer: tokio::io::WriteHalf<DuplexStream>,
    next_id: u64,
}

impl RawClient {
    /// Starts the server on one end of a pipe and completes the MCP handshake on the other.
    pub async fn connect(tools: OAuthTools) -> (Self, Value) {
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

    pub async fn send(&mut self, message: Value) {
        let mut line = message.to_string();
        line.push('\n');
        self.writer.write_all(line.as_bytes()).await.unwrap();
    }

    /// Sends a request and returns its `result` (panics on a JSON-RPC error: tests want one).
    pub async fn request(&mut self, method: &str, params: Value) -> Value {
        let response = self.raw_request(method, params).await;
        match response.get("result") {
            Some(result) => result.clone(),
            None => panic!("{method} failed: {response}"),
        }
    }

    pub async fn raw_request(&mut self, method: &str, params: Value) -> Value {
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

    pub async fn call(&mut self, tool: &str, arguments: Value) -> Value {
        self.request("tools/call", json!({"name": tool, "arguments": arguments}))
            .await
    }
}

/// The built-in mock with sign-in auto-approved as alice, as `--mock` starts it.
pub async fn mock() -> RunningMock {
    let mut config = MockConfig::demo();
    config.auto_approve = Some("alice".into());
    MockServer::start(config).await.unwrap()
}

/// A result's structured content, asserting the call succeeded.
pub fn ok(result: &Value) -> &Value {
    assert_eq!(result["isError"], false, "{result}");
    &result["structuredContent"]
}

/// A result's structured content, asserting the call failed as a tool error.
pub fn tool_error(result: &Value) -> &Value {
    assert_eq!(result["isError"], true, "{result}");
    &result["structuredContent"]
}

/// GETs `url` without following redirects and returns the Location's query parameters.
pub async fn redirect_params(url: &str) -> Vec<(String, String)> {
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let response = http.get(url).send().await.unwrap();
    assert!(response.status().is_redirection(), "{}", response.status());
    let location = response.headers()["location"].to_str().unwrap().to_string();
    url::Url::parse(&location)
        .unwrap()
        .query_pairs()
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect()
}

pub fn param<'a>(params: &'a [(String, String)], name: &str) -> Option<&'a str> {
    params
        .iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
}
