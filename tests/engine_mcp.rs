//! MCP authorization in the engine: from an MCP server URL to its authorization server (401
//! challenge, RFC 9728 metadata and its checks), against the built-in mock's demo MCP server
//! and against small servers that answer differently; then the code flow with `resource`
//! gets a token the MCP server accepts for initialize and tools/list; with a DPoP key, the
//! token is bound to it and each MCP call proves it.

#[path = "support/mcp_session.rs"]
mod mcp_session;

use axum::Router;
use axum::http::StatusCode;
use axum::response::IntoResponse;
use axum::routing::{get, post};
use oauthscope::mock::{DEMO_PUBLIC_CLIENT, MockConfig, MockServer, RunningMock};
use oauthscope::oauth::RecordingClient;
use oauthscope::oauth::StepKind;
use oauthscope::oauth::client_auth::ClientCredentials;
use oauthscope::oauth::discovery;
use oauthscope::oauth::dpop::{self, DpopKey};
use oauthscope::oauth::flow::mcp::{self, RegistrationMode, Spec};
use oauthscope::oauth::flow::mcp_prelude::{self, McpStart};
use oauthscope::oauth::flow::{Advance, Flow, FlowConfig};
use oauthscope::oauth::jwt::Verdict;
use oauthscope::oauth::mcp_discovery;
use oauthscope::oauth::protected_resource;
use oauthscope::oauth::redirect::LoopbackListener;
use serde_json::json;
use tokio::net::TcpListener;

async fn mock() -> RunningMock {
    let mut config = MockConfig::demo();
    config.auto_approve = Some("alice".into());
    MockServer::start(config).await.expect("the mock starts")
}

/// A server at `/mcp` that answers 401 with no challenge, with its metadata (naming
/// `resource`) only at the root well-known URI.
async fn serve_without_challenge(resource_path: &'static str) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let document = json!({
        "resource": format!("{base}{resource_path}"),
        "authorization_servers": ["https://as.example"],
    });
    let router = Router::new()
        .route("/mcp", post(|| async { StatusCode::UNAUTHORIZED }))
        .route(
            "/.well-known/oauth-protected-resource",
            get(move || {
                let document = document.clone();
                async move { axum::Json(document) }
            }),
        );
    tokio::spawn(async move { axum::serve(listener, router).await.unwrap() });
    base
}

#[tokio::test]
async fn the_mock_mcp_server_leads_to_its_authorization_server() {
    let mock = mock().await;
    let http = RecordingClient::new().unwrap();
    let server_url = format!("{}/mcp", mock.issuer());
    let found = protected_resource::discover(&http, &server_url, Spec::default())
        .await
        .unwrap();
    assert_eq!(found.refusal.status, 401);
    assert_eq!(found.scope().as_deref(), Some("mcp:tools"));
    assert_eq!(found.tried.len(), 1, "{:?}", found.tried);
    assert!(found.tried[0].why.contains("RFC 9728 §5.1"));
    assert_eq!(found.metadata.resource, server_url);
    assert!(found.checks_pass(), "{:?}", found.checks);
    assert_eq!(found.issuer(), Some(mock.issuer()));
    assert_eq!(found.exchanges.len(), 2);
    assert_eq!(found.exchanges[0].method, "POST");
}

#[tokio::test]
async fn without_a_challenge_the_path_inserted_then_the_root_uri_is_tried() {
    let base = serve_without_challenge("/mcp").await;
    let http = RecordingClient::new().unwrap();
    let found = protected_resource::discover(&http, &format!("{base}/mcp"), Spec::default())
        .await
        .unwrap();
    let urls: Vec<&str> = found.tried.iter().map(|c| c.url.as_str()).collect();
    assert_eq!(
        urls,
        [
            format!("{base}/.well-known/oauth-protected-resource/mcp"),
            format!("{base}/.well-known/oauth-protected-resource"),
        ]
    );
    assert_eq!(found.exchanges[1].status, Some(404));
    assert!(found.checks_pass(), "{:?}", found.checks);
    assert_eq!(found.scope(), None);
}

#[tokio::test]
async fn under_2025_06_18_a_missing_challenge_is_refused_naming_the_revision() {
    let base = serve_without_challenge("/mcp").await;
    let http = RecordingClient::new().unwrap();
    let err = protected_resource::discover(&http, &format!("{base}/mcp"), Spec::V2025_06_18)
        .await
        .unwrap_err();
    assert!(err.to_string().contains("MCP 2025-06-18"), "{err}");
    assert!(err.to_string().contains("--spec 2025-11-25"), "{err}");
    // Only the refused initialize was sent: no well-known URI was guessed.
    assert_eq!(http.log().len(), 1);
}

/// An authorization server whose issuer has a path and whose only metadata document is the
/// OpenID Connect one with the path appended: each earlier URL answers 404.
async fn serve_oidc_appended_only() -> String {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let issuer = format!("{base}/tenant");
    let document = json!({
        "issuer": issuer,
        "authorization_endpoint": format!("{issuer}/authorize"),
        "token_endpoint": format!("{issuer}/token"),
        "code_challenge_methods_supported": ["S256"],
    });
    let router = Router::new().route(
        "/tenant/.well-known/openid-configuration",
        get(move || {
            let document = document.clone();
            async move { axum::Json(document) }
        }),
    );
    tokio::spawn(async move { axum::serve(listener, router).await.unwrap() });
    issuer
}

#[tokio::test]
async fn the_authorization_server_is_searched_in_the_order_of_the_revision() {
    let issuer = serve_oidc_appended_only().await;
    let base = issuer.trim_end_matches("/tenant");
    let http = RecordingClient::new().unwrap();
    let found = mcp_discovery::discover(&http, &issuer, Spec::V2025_11_25, &Default::default())
        .await
        .unwrap();
    let urls: Vec<&str> = found.tried.iter().map(|c| c.url.as_str()).collect();
    assert_eq!(
        urls,
        [
            format!("{base}/.well-known/oauth-authorization-server/tenant"),
            format!("{base}/.well-known/openid-configuration/tenant"),
            format!("{base}/tenant/.well-known/openid-configuration"),
        ]
    );
    assert!(found.tried[2].why.contains("third"), "{:?}", found.tried[2]);
    assert_eq!(found.exchanges[0].status, Some(404));
    assert_eq!(found.discovery.metadata.issuer, issuer);
    // 2025-06-18 asks for RFC 8414 alone, so this server is not found, in words.
    let http = RecordingClient::new().unwrap();
    let lost = mcp_discovery::discover(&http, &issuer, Spec::V2025_06_18, &Default::default())
        .await
        .unwrap_err();
    assert_eq!(lost.tried.len(), 1);
    assert!(
        lost.error.to_string().contains("MCP 2025-06-18"),
        "{}",
        lost.error
    );
}

/// A server that lets `initialize` and notifications through and asks for a token from
/// `tools/list` on (MCP allows authorization per method).
async fn serve_protecting_tools_only() -> String {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let challenge = format!(
        r#"Bearer resource_metadata="{base}/.well-known/oauth-protected-resource/mcp", scope="tools:read""#
    );
    let router = Router::new().route(
        "/mcp",
        post(move |axum::Json(message): axum::Json<serde_json::Value>| {
            let challenge = challenge.clone();
            async move {
                match message["method"].as_str() {
                    Some("initialize") => {
                        axum::Json(json!({"jsonrpc": "2.0", "id": 1, "result": {}})).into_response()
                    }
                    Some(m) if m.starts_with("notifications/") => {
                        StatusCode::ACCEPTED.into_response()
                    }
                    _ => (StatusCode::UNAUTHORIZED, [("www-authenticate", challenge)])
                        .into_response(),
                }
            }
        }),
    );
    tokio::spawn(async move { axum::serve(listener, router).await.unwrap() });
    format!("{base}/mcp")
}

#[tokio::test]
async fn a_server_protecting_only_tools_is_refused_at_tools_list() {
    let server_url = serve_protecting_tools_only().await;
    let http = RecordingClient::new().unwrap();
    // No metadata is served: discovery fails there, after the refusal was read.
    let err = protected_resource::discover(&http, &server_url, Spec::default())
        .await
        .unwrap_err();
    let sent = http.log().snapshot();
    let methods: Vec<&str> = sent.iter().map(|e| e.method.as_str()).collect();
    assert_eq!(methods, ["POST", "POST", "POST", "GET"], "{err}");
    assert_eq!(sent[2].status, Some(401));
    assert!(
        sent[3]
            .url
            .ends_with("/.well-known/oauth-protected-resource/mcp")
    );
}

#[tokio::test]
async fn metadata_for_another_resource_fails_its_check() {
    let base = serve_without_challenge("/other").await;
    let http = RecordingClient::new().unwrap();
    let found = protected_resource::discover(&http, &format!("{base}/mcp"), Spec::default())
        .await
        .unwrap();
    assert!(!found.checks_pass());
    let check = found.checks.iter().find(|c| c.check == "resource").unwrap();
    assert_eq!(check.verdict, Verdict::Fail);
    assert!(check.detail.contains("RFC 9728 §3.3"), "{}", check.detail);
}

/// Walks a flow ready at its browser step to its end: the auto-approving mock redirects
/// the browser (a plain GET here) to `listener`. The authorization URL back.
async fn signed_in_to_the_end(
    flow: &mut Flow,
    http: &RecordingClient,
    listener: LoopbackListener,
) -> String {
    let Advance::Browser { url } = flow.advance(http).await.unwrap() else {
        panic!("expected the browser step");
    };
    let waiting = tokio::spawn(listener.wait());
    reqwest::get(&url).await.unwrap();
    flow.complete_redirect(&waiting.await.unwrap().unwrap())
        .unwrap();
    while !matches!(flow.advance(http).await.unwrap(), Advance::Finished) {}
    url
}

/// The whole flow in the engine: discovery, the authorization server's checks, the code
/// flow with `resource` and the challenge's scope, then initialize and tools/list.
#[tokio::test]
async fn a_token_asked_for_the_resource_lists_the_tools() {
    let mock = mock().await;
    let http = RecordingClient::new().unwrap();
    let server_url = format!("{}/mcp", mock.issuer());
    let found = protected_resource::discover(&http, &server_url, Spec::default())
        .await
        .unwrap();
    let metadata = discovery::discover(&http, found.issuer().unwrap())
        .await
        .unwrap()
        .metadata;
    let checks = mcp::authorization_server_checks(&metadata, Spec::default());
    assert!(
        checks.iter().all(|c| c.verdict == Verdict::Pass),
        "{checks:?}"
    );
    let listener = LoopbackListener::bind(None).await.unwrap();
    let mut config = FlowConfig::new(metadata, ClientCredentials::public(DEMO_PUBLIC_CLIENT));
    config.scope = found.scope();
    config.redirect_uri = Some(listener.redirect_uri().to_string());
    let mut flow = mcp::authorization_flow(config, &server_url).unwrap();
    let url = signed_in_to_the_end(&mut flow, &http, listener).await;
    assert!(url.contains("resource=http"), "{url}");
    assert!(url.contains("code_challenge_method=S256"), "{url}");
    let token_draft = flow.steps()[1].request.as_ref().unwrap();
    assert_eq!(token_draft.param("resource"), Some(server_url.as_str()));
    let token = flow.outcome().tokens.as_ref().unwrap().access_token.clone();

    let session =
        mcp_session::initialize_and_list(&http, &server_url, Spec::V2025_11_25, &token).await;
    assert_eq!(session.agreed.as_deref(), Some("2025-11-25"));
    mcp::process_notification(&session.initialized).unwrap();
    let list = session.tools_list;
    assert_eq!(
        mcp::tool_names(&mcp::process_call(&list).unwrap()),
        ["whoami"]
    );
    assert!(
        list.request_headers
            .iter()
            .any(|(name, value)| name == "MCP-Protocol-Version" && value == "2025-11-25"),
        "{:?}",
        list.request_headers
    );
    // The recorded exchange masks the token by structure.
    assert!(!list.to_curl(false).contains(token.secret()));

    // A token for another audience is refused by the MCP server, in words.
    let target = mcp::McpTarget {
        server_url: &server_url,
        spec: Spec::V2025_11_25,
        protocol_version: session.agreed.as_deref(),
        dpop: false,
    };
    let wrong = http
        .send(&mcp::call_request(
            &target,
            &"not-a-token".into(),
            3,
            "tools/list",
            json!({}),
        ))
        .await;
    assert_eq!(wrong.status, Some(401));
    assert!(mcp::process_call(&wrong).is_err());
}

/// The engine's one MCP flow ([`mcp_prelude::prepare`]) with a DPoP key, walked to its end
/// against the mock (nonces on): the token is bound to the key, and initialize and
/// tools/list each present it with the DPoP scheme and a proof of their own, for this POST
/// to the MCP server's URL, hashing the token, carrying the server's nonce.
#[tokio::test]
async fn with_a_dpop_key_every_mcp_call_proves_the_key_the_token_is_bound_to() {
    let mut config = MockConfig::demo();
    config.auto_approve = Some("alice".into());
    config.dpop_nonce = true;
    let mock = MockServer::start(config).await.unwrap();
    let http = RecordingClient::new().unwrap();
    let server_url = format!("{}/mcp", mock.issuer());
    let key = DpopKey::generate().unwrap();
    let listener = LoopbackListener::bind(None).await.unwrap();
    let start = McpStart {
        server_url: server_url.clone(),
        spec: Spec::default(),
        endpoints: Default::default(),
        mode: RegistrationMode::Auto,
        client: Some(ClientCredentials::public(DEMO_PUBLIC_CLIENT)),
        reused: false,
        saved: Vec::new(),
        kept_in: "the test".into(),
        renew: "nothing to renew".into(),
        metadata_url: None,
        scope: None,
        redirect_uri: listener.redirect_uri().to_string(),
        cross_host: Default::default(),
        skew: std::time::Duration::from_secs(60),
        dpop: Some(key.clone()),
    };
    let mut flow = mcp_prelude::prepare(&http, start).await.flow;
    assert_eq!(flow.failure(), None);
    signed_in_to_the_end(&mut flow, &http, listener).await;

    let binding = flow.outcome().dpop.as_ref().unwrap();
    assert!(
        binding.checks.iter().all(|c| c.verdict == Verdict::Pass),
        "{binding:?}"
    );
    assert_eq!(
        flow.outcome().mcp_tools.as_deref(),
        Some(&["whoami".to_string()][..])
    );
    let token = flow.outcome().tokens.as_ref().unwrap().access_token.clone();
    let kinds: Vec<StepKind> = flow.steps().iter().map(|s| s.kind).collect();
    // The token endpoint asked for its nonce once; the MCP server had it already.
    assert_eq!(
        kinds.iter().filter(|k| **k == StepKind::DpopNonce).count(),
        1,
        "{kinds:?}"
    );
    for kind in [StepKind::McpInitialize, StepKind::McpListTools] {
        let step = flow.steps().iter().find(|s| s.kind == kind).unwrap();
        let proof = step.dpop_proof.as_ref().expect("a proof on the call");
        assert_eq!(proof.claims["htm"], "POST");
        assert_eq!(proof.claims["htu"], server_url.as_str());
        assert_eq!(proof.claims["ath"], dpop::ath(token.secret()).as_str());
        assert!(proof.claims["nonce"].is_string(), "{:?}", proof.claims);
        let exchange = step.exchange.as_ref().unwrap();
        assert_eq!(exchange.status, Some(200));
        let authorization = exchange.request_header("authorization").unwrap();
        assert!(authorization.starts_with("DPoP "), "{authorization}");
    }
    // Each proof is fresh: the initialized notification's too (the server refuses replays).
    let jtis: std::collections::HashSet<String> = http
        .log()
        .snapshot()
        .iter()
        .filter_map(|e| e.request_header("dpop"))
        .map(str::to_string)
        .collect();
    let sent = http
        .log()
        .snapshot()
        .iter()
        .filter(|e| e.request_header("dpop").is_some())
        .count();
    assert_eq!(jtis.len(), sent);
    let notification = http
        .log()
        .snapshot()
        .into_iter()
        .find(|e| {
            e.request_body
                .as_deref()
                .is_some_and(|b| b.contains("notifications/initialized"))
        })
        .unwrap();
    assert_eq!(notification.status, Some(202));
    assert!(notification.request_header("dpop").is_some());
}
