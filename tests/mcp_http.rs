//! `oauthscope mcp --http` as an OAuth-protected MCP server (MCP 2025-11-25 "Authorization"),
//! over real HTTP on 127.0.0.1 with the built-in mock as its authorization server: the 401
//! challenge and RFC 9728 metadata, the tools behind a good token, and the refusals of a
//! token for another audience, an expired one, one without the scope and a forged one.

#[path = "support/keys.rs"]
mod keys;
mod mock_support;

use std::sync::Arc;

use mock_support::{CHALLENGE, Mock, start_with};
use oauthscope::mcp::OAuthTools;
use oauthscope::mcp::http::{self, RunningHttp};
use oauthscope::mock::ManualClock;
use reqwest::StatusCode;
use serde_json::{Value, json};

const SCOPE: &str = "mcp:tools";

struct Setup {
    mock: Mock,
    server: RunningHttp,
}

/// The MCP server on an ephemeral port, and the mock issuing tokens for its URL; `adjust`
/// changes the mock's config (its clock, say).
async fn setup_with(adjust: impl FnOnce(&mut oauthscope::mock::MockConfig)) -> Setup {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let resource = http::resource_url(listener.local_addr().unwrap());
    let mock = start_with(|config| {
        config.auto_approve = Some("alice".into());
        config.resources = vec![resource];
        adjust(config);
    })
    .await;
    let issuer = mock.issuer().to_owned();
    let tools = OAuthTools::new(Some(issuer.clone()));
    let server = http::start(listener, tools, &issuer, SCOPE).unwrap();
    Setup { mock, server }
}

async fn setup() -> Setup {
    setup_with(|_| {}).await
}

impl Setup {
    /// An access token from a code flow of demo-confidential asking `scope` for `resource`.
    async fn token(&self, scope: &str, resource: Option<&str>) -> String {
        let extra: Vec<(&str, &str)> = resource.map(|r| ("resource", r)).into_iter().collect();
        let response = self.mock.code_flow_with(scope, &extra).await;
        response["access_token"].as_str().unwrap().to_owned()
    }

    async fn post(&self, token: Option<&str>, session: Option<&str>, body: Value) -> Response {
        let mut request = self
            .mock
            .http
            .post(self.server.url())
            .header("accept", "application/json, text/event-stream")
            .json(&body);
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        if let Some(session) = session {
            request = request.header("mcp-session-id", session);
        }
        let response = request.send().await.unwrap();
        Response {
            status: response.status(),
            challenge: header(&response, "www-authenticate"),
            session: header(&response, "mcp-session-id"),
            text: response.text().await.unwrap(),
        }
    }

    /// `initialize`, then `notifications/initialized`: the session id.
    async fn initialize(&self, token: &str) -> (String, Value) {
        let reply = self.post(Some(token), None, initialize()).await;
        assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
        let session = reply.session.clone().expect("a session id");
        let result = reply.message();
        let done = json!({"jsonrpc": "2.0", "method": "notifications/initialized"});
        let ack = self.post(Some(token), Some(&session), done).await;
        assert_eq!(ack.status, StatusCode::ACCEPTED, "{}", ack.text);
        (session, result)
    }

    fn metadata_url(&self) -> String {
        self.server.metadata_url().to_owned()
    }
}

struct Response {
    status: StatusCode,
    challenge: Option<String>,
    session: Option<String>,
    text: String,
}

impl Response {
    /// The JSON-RPC message: the body itself, or the last `data:` event of an SSE stream.
    fn message(&self) -> Value {
        let data = self
            .text
            .lines()
            .filter_map(|line| line.strip_prefix("data:"))
            .map(str::trim)
            .rfind(|data| !data.is_empty())
            .unwrap_or(&self.text);
        serde_json::from_str(data).unwrap_or_else(|err| panic!("not JSON ({err}): {}", self.text))
    }

    fn challenge(&self) -> &str {
        self.challenge
            .as_deref()
            .expect("a WWW-Authenticate header")
    }

    /// Asserts a refusal: its status, and a challenge with `error` that mentions `why`.
    fn assert_refused(&self, status: StatusCode, error: &str, why: &str) {
        assert_eq!(self.status, status, "{}", self.text);
        let challenge = self.challenge();
        assert!(
            challenge.contains(&format!(r#"error="{error}""#)),
            "{challenge}"
        );
        assert!(challenge.contains(why), "{challenge}");
    }
}

fn header(response: &reqwest::Response, name: &str) -> Option<String> {
    response
        .headers()
        .get(name)
        .map(|v| v.to_str().unwrap().to_owned())
}

fn initialize() -> Value {
    json!({
        "jsonrpc": "2.0", "id": 1, "method": "initialize",
        "params": {
            "protocolVersion": "2025-11-25",
            "capabilities": {},
            "clientInfo": {"name": "mcp-http-test", "version": "1"},
        },
    })
}

#[tokio::test]
async fn without_a_token_the_challenge_leads_to_the_metadata_and_the_issuer() {
    let setup = setup().await;
    let reply = setup.post(None, None, initialize()).await;
    assert_eq!(reply.status, StatusCode::UNAUTHORIZED);
    assert_eq!(
        reply.challenge(),
        format!(
            r#"Bearer resource_metadata="{}", scope="{SCOPE}""#,
            setup.metadata_url()
        )
    );
    assert!(
        setup
            .metadata_url()
            .ends_with("/.well-known/oauth-protected-resource/mcp")
    );
    let root = setup
        .metadata_url()
        .replace("/oauth-protected-resource/mcp", "/oauth-protected-resource");
    for url in [setup.metadata_url(), root] {
        let document: Value = setup
            .mock
            .http
            .get(&url)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(document["resource"], setup.server.url(), "{url}");
        assert_eq!(
            document["authorization_servers"],
            json!([setup.mock.issuer()])
        );
        assert_eq!(document["scopes_supported"], json!([SCOPE]));
    }
}

#[tokio::test]
async fn a_token_for_this_server_lists_and_calls_the_tools() {
    let setup = setup().await;
    let token = setup.token(SCOPE, Some(setup.server.url())).await;
    let (session, init) = setup.initialize(&token).await;
    assert_eq!(init["result"]["serverInfo"]["name"], "oauthscope", "{init}");
    let list = json!({"jsonrpc": "2.0", "id": 2, "method": "tools/list"});
    let reply = setup.post(Some(&token), Some(&session), list).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    // The same tools as the stdio server serves.
    let served = reply.message()["result"]["tools"].clone();
    let stdio = serde_json::to_value(OAuthTools::new(None).tools()).unwrap();
    assert_eq!(served, stdio);
    assert_eq!(served.as_array().unwrap().len(), 5);
    // A tool runs against the default server, the mock that issued the token.
    let call = json!({
        "jsonrpc": "2.0", "id": 3, "method": "tools/call",
        "params": {"name": "oauth2_authorize", "arguments": {
            "client_id": "demo-public", "redirect_uri": "http://127.0.0.1/callback",
        }},
    });
    let reply = setup.post(Some(&token), Some(&session), call).await;
    let result = reply.message()["result"].clone();
    assert_eq!(result["isError"], false, "{result}");
    let url = result["structuredContent"]["authorization_url"]
        .as_str()
        .unwrap();
    assert!(url.starts_with(setup.mock.issuer()), "{url}");
}

#[tokio::test]
async fn a_token_for_another_audience_is_refused_naming_rfc_8707() {
    let setup = setup().await;
    let mock_own_resource = format!("{}/mcp", setup.mock.issuer());
    for token in [
        setup.token(SCOPE, None).await,
        setup.token(SCOPE, Some(&mock_own_resource)).await,
    ] {
        let reply = setup.post(Some(&token), None, initialize()).await;
        reply.assert_refused(
            StatusCode::UNAUTHORIZED,
            "invalid_token",
            "RFC 8707 section 2",
        );
        let metadata = format!("resource_metadata=\"{}\"", setup.metadata_url());
        assert!(
            reply.challenge().contains(&metadata),
            "{}",
            reply.challenge()
        );
    }
}

#[tokio::test]
async fn an_expired_token_is_refused() {
    // The mock's clock runs two hours behind: its tokens (an hour's lifetime) are already
    // expired by the time this server reads them.
    let two_hours_ago = u64::try_from(keys::now() - 7200).unwrap() * 1000;
    let setup = setup_with(|config| {
        config.clock = Arc::new(ManualClock::starting_at_ms(two_hours_ago));
    })
    .await;
    let token = setup.token(SCOPE, Some(setup.server.url())).await;
    let reply = setup.post(Some(&token), None, initialize()).await;
    reply.assert_refused(StatusCode::UNAUTHORIZED, "invalid_token", "expired");
}

#[tokio::test]
async fn a_token_without_the_scope_is_403_naming_the_scope_needed() {
    let setup = setup().await;
    let token = setup.token("openid", Some(setup.server.url())).await;
    let reply = setup.post(Some(&token), None, initialize()).await;
    let needed = format!(r#"scope="{SCOPE}""#);
    reply.assert_refused(StatusCode::FORBIDDEN, "insufficient_scope", &needed);
    assert_eq!(reply.message()["error"], "insufficient_scope");
}

#[tokio::test]
async fn a_token_signed_by_another_key_is_refused() {
    let setup = setup().await;
    let forger = keys::TestKey::generate("RS256", "not-the-mocks");
    let now = keys::now();
    let forged = forger.sign_with_header(
        json!({"alg": "RS256", "kid": "not-the-mocks", "typ": "at+jwt"}),
        &json!({
            "iss": setup.mock.issuer(), "aud": setup.server.url(), "sub": "mallory",
            "scope": SCOPE, "iat": now, "exp": now + 600,
        }),
    );
    let reply = setup.post(Some(&forged), None, initialize()).await;
    reply.assert_refused(StatusCode::UNAUTHORIZED, "invalid_token", "signature");
}

/// The server faces the network like the mock does: a body over the limit is refused from
/// its declared length, before a byte of it is read or parsed.
#[tokio::test]
async fn a_body_over_the_limit_is_413_before_it_is_read() {
    let setup = setup().await;
    let token = setup.token(SCOPE, Some(setup.server.url())).await;
    let padding = "x".repeat(128 * 1024);
    let body = json!({"jsonrpc": "2.0", "id": 1, "method": "ping", "params": {"pad": padding}});
    let response = setup
        .mock
        .http
        .post(setup.server.url())
        .header("accept", "application/json, text/event-stream")
        .bearer_auth(&token)
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::PAYLOAD_TOO_LARGE);
    let error: Value = response.json().await.unwrap();
    assert_eq!(error["error"], "invalid_request");
    let description = error["error_description"].as_str().unwrap();
    assert!(description.contains("65536 bytes"), "{description}");
}

#[tokio::test]
async fn the_command_starts_the_mock_for_its_own_url_and_prints_how_to_connect() {
    use tokio::io::{AsyncBufReadExt, BufReader};

    let mut child = tokio::process::Command::new(env!("CARGO_BIN_EXE_oauthscope"))
        .args(["mcp", "--http", "127.0.0.1:0", "--auto-approve", "alice"])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let mut banner = String::new();
    while let Some(line) = lines.next_line().await.unwrap() {
        banner.push_str(&line);
        banner.push('\n');
        if line.starts_with("Press Ctrl-C") {
            break;
        }
    }
    let field = |label: &str| {
        banner
            .lines()
            .find_map(|l| l.trim().strip_prefix(label))
            .map(|rest| rest.split_whitespace().next().unwrap().to_owned())
            .unwrap_or_else(|| panic!("no {label} in {banner}"))
    };
    let url = field("MCP URL");
    let issuer = field("issuer");
    assert!(
        url.starts_with("http://127.0.0.1:") && url.ends_with("/mcp"),
        "{banner}"
    );
    assert!(banner.contains(&format!("claude mcp add --transport http oauthscope {url}")));
    assert!(banner.contains("(built-in mock)"), "{banner}");

    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let metadata = url.replace("/mcp", "/.well-known/oauth-protected-resource/mcp");
    let document: Value = http
        .get(&metadata)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(document["authorization_servers"], json!([issuer]));
    // The embedded mock takes this server's URL as a resource (auto-approved: a redirect
    // with a code, not invalid_target).
    let reply = http
        .get(format!("{issuer}/authorize"))
        .query(&[
            ("response_type", "code"),
            ("client_id", "demo-public"),
            ("redirect_uri", "http://127.0.0.1/callback"),
            ("scope", SCOPE),
            ("code_challenge", CHALLENGE),
            ("code_challenge_method", "S256"),
            ("resource", url.as_str()),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(reply.status(), StatusCode::FOUND);
    let location = header(&reply, "location").unwrap();
    assert!(location.contains("code="), "{location}");
    child.kill().await.unwrap();
}
