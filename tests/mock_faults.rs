//! Every kind of injected fault (`POST /_mock/faults`), as the protocol engine sees it: the
//! right error, in words, on the step that met it, and the fault named in the exchange.

use std::time::Duration;

use oauthscope::mock::{
    DEMO_CONFIDENTIAL_CLIENT, DEMO_PUBLIC_CLIENT, DEMO_SECRET, MockConfig, MockServer, RunningMock,
};
use oauthscope::oauth::client_auth::{AuthMethod, ClientCredentials};
use oauthscope::oauth::discovery;
use oauthscope::oauth::flow::{Advance, Flow, FlowConfig};
use oauthscope::oauth::jwt::Verdict;
use oauthscope::oauth::redirect::LoopbackListener;
use oauthscope::oauth::{EngineError, RecordingClient};
use serde_json::{Value, json};

async fn mock() -> RunningMock {
    let mut config = MockConfig::demo();
    config.auto_approve = Some("alice".into());
    MockServer::start(config).await.expect("the mock starts")
}

/// Adds a fault through the control API, as any HTTP client would.
async fn fault(mock: &RunningMock, body: Value) {
    let response = reqwest::Client::new()
        .post(format!("{}/_mock/faults", mock.issuer()))
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 201, "{}", response.text().await.unwrap());
}

async fn config_for(
    http: &RecordingClient,
    mock: &RunningMock,
    client: ClientCredentials,
) -> FlowConfig {
    let found = discovery::discover(http, mock.issuer())
        .await
        .expect("discovery");
    FlowConfig::new(found.metadata, client)
}

fn confidential() -> ClientCredentials {
    ClientCredentials::confidential(
        DEMO_CONFIDENTIAL_CLIENT,
        DEMO_SECRET,
        AuthMethod::ClientSecretBasic,
    )
}

/// The fault header of the last exchange the client recorded.
fn last_fault_header(http: &RecordingClient) -> Option<String> {
    http.log()
        .snapshot()
        .last()
        .unwrap()
        .response_headers
        .iter()
        .find(|(name, _)| name.eq_ignore_ascii_case("x-oauthscope-fault"))
        .map(|(_, value)| value.clone())
}

/// Advances a flow to its end.
async fn finish(flow: &mut Flow, http: &RecordingClient) {
    loop {
        match flow.advance(http).await {
            Ok(Advance::Finished) => return,
            Ok(Advance::Next) => {}
            other => panic!("unexpected {other:?}"),
        }
    }
}

/// The last exchange with the token endpoint.
fn last_token_exchange(http: &RecordingClient) -> oauthscope::oauth::Exchange {
    http.log()
        .snapshot()
        .into_iter()
        .rev()
        .find(|e| e.url.ends_with("/token"))
        .expect("a token request")
}

/// A client-credentials token request after `body` was injected; the engine's error.
async fn client_credentials_error(body: Value) -> (EngineError, RecordingClient) {
    let mock = mock().await;
    fault(&mock, body).await;
    let http = RecordingClient::new().unwrap();
    let mut flow =
        Flow::client_credentials(config_for(&http, &mock, confidential()).await).unwrap();
    let err = flow.advance(&http).await.unwrap_err();
    (err, http)
}

#[tokio::test]
async fn each_token_error_code_reaches_the_engine_as_that_code() {
    for code in [
        "invalid_grant",
        "invalid_client",
        "invalid_scope",
        "unauthorized_client",
        "access_denied",
        "slow_down",
        "expired_token",
        "authorization_pending",
        "server_error",
        "temporarily_unavailable",
    ] {
        let (err, http) =
            client_credentials_error(json!({"endpoint": "token", "error": code})).await;
        assert_eq!(err.oauth_code(), Some(code), "{err}");
        let text = err.to_string();
        assert!(text.contains(code) && text.contains("injected"), "{text}");
        assert_eq!(last_fault_header(&http).as_deref(), Some(code));
    }
}

#[tokio::test]
async fn a_fault_for_another_client_leaves_this_one_alone_and_count_is_kept() {
    let mock = mock().await;
    fault(
        &mock,
        json!({"endpoint": "token", "error": "invalid_grant", "client_id": "someone-else"}),
    )
    .await;
    fault(
        &mock,
        json!({"endpoint": "token", "error": "server_error", "count": 2, "client_id": DEMO_CONFIDENTIAL_CLIENT}),
    )
    .await;
    let http = RecordingClient::new().unwrap();
    let config = config_for(&http, &mock, confidential()).await;
    for _ in 0..2 {
        let mut flow = Flow::client_credentials(config.clone()).unwrap();
        let err = flow.advance(&http).await.unwrap_err();
        assert_eq!(err.oauth_code(), Some("server_error"), "{err}");
    }
    let mut flow = Flow::client_credentials(config).unwrap();
    finish(&mut flow, &http).await;
    assert!(flow.outcome().tokens.is_some());
    assert_eq!(last_token_exchange(&http).status, Some(200));
}

#[tokio::test]
async fn an_http_status_fault_is_an_html_page_with_its_status() {
    let (err, http) = client_credentials_error(json!({"endpoint": "token", "error": "502"})).await;
    assert!(
        matches!(err, EngineError::Status { status: 502, .. }),
        "{err:?}"
    );
    assert!(err.to_string().contains("502 Bad Gateway"), "{err}");
    assert_eq!(last_fault_header(&http).as_deref(), Some("http_502"));
}

#[tokio::test]
async fn a_malformed_json_fault_is_reported_as_such() {
    let (err, http) =
        client_credentials_error(json!({"endpoint": "token", "error": "malformed_json"})).await;
    let text = err.to_string();
    assert!(text.to_lowercase().contains("json"), "{text}");
    assert!(!matches!(err, EngineError::OAuth { .. }), "{err:?}");
    assert_eq!(last_fault_header(&http).as_deref(), Some("malformed_json"));
}

#[tokio::test]
async fn a_dropped_connection_is_a_transport_error() {
    let (err, _) =
        client_credentials_error(json!({"endpoint": "token", "error": "drop_connection"})).await;
    assert!(matches!(err, EngineError::Transport(_)), "{err:?}");
    assert!(!err.to_string().is_empty());
}

#[tokio::test]
async fn a_delay_slows_the_answer_but_keeps_it() {
    let mock = mock().await;
    fault(&mock, json!({"endpoint": "token", "delay_ms": 300})).await;
    let http = RecordingClient::new().unwrap();
    let mut flow =
        Flow::client_credentials(config_for(&http, &mock, confidential()).await).unwrap();
    finish(&mut flow, &http).await;
    let exchange = last_token_exchange(&http);
    assert_eq!(exchange.status, Some(200));
    assert!(
        exchange.duration >= Duration::from_millis(300),
        "{:?}",
        exchange.duration
    );
    let header = exchange
        .response_headers
        .iter()
        .find(|(name, _)| name == "x-oauthscope-fault");
    assert_eq!(header.map(|(_, v)| v.as_str()), Some("delay"));
}

#[tokio::test]
async fn an_error_with_a_delay_waits_then_fails() {
    let (err, http) = client_credentials_error(
        json!({"endpoint": "token", "error": "temporarily_unavailable", "delay_ms": 200}),
    )
    .await;
    assert_eq!(err.oauth_code(), Some("temporarily_unavailable"));
    assert!(http.log().snapshot().last().unwrap().duration >= Duration::from_millis(200));
}

#[tokio::test]
async fn errors_on_other_endpoints_reach_their_steps() {
    let mock = mock().await;
    let http = RecordingClient::new().unwrap();
    // Both metadata documents fail, so discovery has nothing to fall back on.
    fault(
        &mock,
        json!({"endpoint": "metadata", "error": "503", "count": 2}),
    )
    .await;
    let err = discovery::discover(&http, mock.issuer()).await.unwrap_err();
    assert!(err.to_string().contains("503"), "{err}");

    let mut config = config_for(&http, &mock, ClientCredentials::public(DEMO_PUBLIC_CLIENT)).await;
    config.scope = Some("openid".into());
    fault(
        &mock,
        json!({"endpoint": "device", "error": "invalid_scope"}),
    )
    .await;
    let mut flow = Flow::device(config).unwrap();
    let err = flow.advance(&http).await.unwrap_err();
    assert_eq!(err.oauth_code(), Some("invalid_scope"), "{err}");
}

/// Runs a code flow with `openid` through the loopback listener; the first error, if any.
async fn code_flow(mock: &RunningMock) -> (Flow, Option<EngineError>) {
    let http = RecordingClient::new().unwrap();
    let mut config = config_for(&http, mock, ClientCredentials::public(DEMO_PUBLIC_CLIENT)).await;
    config.scope = Some("openid profile".into());
    let listener = LoopbackListener::bind(None).await.unwrap();
    config.redirect_uri = Some(listener.redirect_uri().to_string());
    let mut flow = Flow::authorization_code(config).unwrap();
    let Advance::Browser { url } = flow.advance(&http).await.unwrap() else {
        panic!("expected the browser step");
    };
    let waiting = tokio::spawn(listener.wait());
    reqwest::get(&url)
        .await
        .expect("the browser reaches the server");
    let redirect = waiting.await.unwrap().unwrap();
    if let Err(err) = flow.complete_redirect(&redirect) {
        return (flow, Some(err));
    }
    loop {
        match flow.advance(&http).await {
            Ok(Advance::Finished) => return (flow, None),
            Ok(Advance::Next) => {}
            Ok(other) => panic!("unexpected {other:?}"),
            Err(err) => return (flow, Some(err)),
        }
    }
}

#[tokio::test]
async fn an_authorization_error_comes_back_on_the_redirect() {
    let mock = mock().await;
    fault(
        &mock,
        json!({"endpoint": "authorize", "error": "access_denied"}),
    )
    .await;
    let (_, err) = code_flow(&mock).await;
    let err = err.expect("the authorization is refused");
    assert!(matches!(err, EngineError::Authorization { .. }), "{err:?}");
    assert_eq!(err.oauth_code(), Some("access_denied"));
    // Used up: the next sign-in works.
    assert!(code_flow(&mock).await.1.is_none());
}

/// The ID token verification failure a token fault causes.
async fn id_token_failure(kind: &str) -> String {
    let mock = mock().await;
    fault(&mock, json!({"endpoint": "token", "error": kind})).await;
    let (_, err) = code_flow(&mock).await;
    let err = err.unwrap_or_else(|| panic!("{kind}: the ID token should fail verification"));
    assert!(matches!(err, EngineError::Jwt(_)), "{kind}: {err:?}");
    err.to_string()
}

#[tokio::test]
async fn an_unknown_kid_fails_the_signature_check() {
    let text = id_token_failure("unknown_kid").await;
    assert!(text.contains("signature") && text.contains("kid"), "{text}");
}

#[tokio::test]
async fn a_wrong_iss_fails_the_iss_check() {
    let text = id_token_failure("wrong_iss").await;
    assert!(
        text.contains("iss") && text.contains("wrong-issuer.example"),
        "{text}"
    );
}

#[tokio::test]
async fn a_wrong_aud_fails_the_aud_check() {
    let text = id_token_failure("wrong_aud").await;
    assert!(
        text.contains("aud") && text.contains("some-other-client"),
        "{text}"
    );
}

#[tokio::test]
async fn an_expired_token_fails_the_exp_check() {
    let text = id_token_failure("expired").await;
    assert!(text.contains("exp"), "{text}");
}

#[tokio::test]
async fn a_missing_at_hash_is_seen_by_the_at_hash_check() {
    let mock = mock().await;
    fault(
        &mock,
        json!({"endpoint": "token", "error": "missing_at_hash"}),
    )
    .await;
    let (flow, err) = code_flow(&mock).await;
    // at_hash is optional in the code flow (OIDC Core §3.1.3.8), so the check is skipped, in
    // words, where it would otherwise pass.
    assert!(err.is_none(), "{err:?}");
    let id_token = flow.outcome().id_token.clone().unwrap();
    let check = id_token
        .verification
        .unwrap()
        .checks
        .into_iter()
        .find(|c| c.check == "at_hash")
        .unwrap();
    assert_eq!(check.verdict, Verdict::Skipped);
    assert_eq!(check.detail, "no at_hash claim");
    assert!(id_token.claims.get("at_hash").is_none());
}

#[tokio::test]
async fn a_wrong_nonce_fails_the_nonce_check() {
    let text = id_token_failure("wrong_nonce").await;
    assert!(text.contains("nonce"), "{text}");
}
