//! The device flow's endings against a scripted token endpoint: denial, server-side expiry,
//! local expiry, and slow_down arithmetic.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use axum::Json;
use axum::Router;
use axum::http::StatusCode;
use axum::response::IntoResponse;
use axum::routing::post;
use oauthscope::oauth::client_auth::ClientCredentials;
use oauthscope::oauth::flow::{Advance, Flow, FlowConfig};
use oauthscope::oauth::{RecordingClient, StepStatus};
use oauthscope::wire::ServerMetadata;
use serde_json::{Value, json};
use tokio::net::TcpListener;

/// A server whose token endpoint answers the scripted errors in order, then the last forever.
async fn scripted(expires_in: u64, answers: Vec<&'static str>) -> (FlowConfig, Arc<AtomicUsize>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let polls = Arc::new(AtomicUsize::new(0));
    let counter = Arc::clone(&polls);
    let device = json!({
        "device_code": "dev-code-123", "user_code": "BCDF-GHJK",
        "verification_uri": format!("{base}/device"), "expires_in": expires_in, "interval": 1,
    });
    let router = Router::new()
        .route("/device/code", post(move || async move { Json(device) }))
        .route(
            "/token",
            post(move || {
                let n = counter.fetch_add(1, Ordering::SeqCst);
                let error = answers[n.min(answers.len() - 1)];
                async move {
                    let body: Value =
                        json!({"error": error, "error_description": format!("scripted {error}")});
                    (StatusCode::BAD_REQUEST, Json(body)).into_response()
                }
            }),
        );
    tokio::spawn(async move { axum::serve(listener, router).await });
    let metadata = ServerMetadata {
        issuer: base.clone(),
        token_endpoint: Some(format!("{base}/token")),
        device_authorization_endpoint: Some(format!("{base}/device/code")),
        ..Default::default()
    };
    (
        FlowConfig::new(metadata, ClientCredentials::public("tv")),
        polls,
    )
}

#[tokio::test]
async fn denial_ends_the_flow_with_the_servers_words() {
    let (config, polls) = scripted(600, vec!["authorization_pending", "access_denied"]).await;
    let http = RecordingClient::new().unwrap();
    let mut flow = Flow::device(config).unwrap();
    assert_eq!(flow.advance(&http).await.unwrap(), Advance::Next);
    assert_eq!(
        flow.outcome().device.as_ref().unwrap().user_code.secret(),
        "BCDF-GHJK"
    );
    assert_eq!(
        flow.advance(&http).await.unwrap(),
        Advance::Poll {
            wait: Duration::from_secs(1)
        }
    );
    let err = flow.advance(&http).await.unwrap_err();
    assert_eq!(err.oauth_code(), Some("access_denied"));
    assert!(err.to_string().contains("scripted access_denied"), "{err}");
    assert!(matches!(flow.steps()[1].status, StepStatus::Failed(_)));
    assert_eq!(polls.load(Ordering::SeqCst), 2);
    let again = flow.advance(&http).await.unwrap_err();
    assert!(
        again.to_string().contains("retry it or start over"),
        "{again}"
    );
    assert_eq!(
        polls.load(Ordering::SeqCst),
        2,
        "a failed flow sends nothing more"
    );
}

#[tokio::test]
async fn expired_token_from_the_server_ends_the_flow() {
    let (config, _) = scripted(600, vec!["expired_token"]).await;
    let http = RecordingClient::new().unwrap();
    let mut flow = Flow::device(config).unwrap();
    flow.advance(&http).await.unwrap();
    let err = flow.advance(&http).await.unwrap_err();
    assert_eq!(err.oauth_code(), Some("expired_token"));
}

#[tokio::test]
async fn past_expires_in_the_client_stops_without_polling() {
    let (config, polls) = scripted(1, vec!["authorization_pending"]).await;
    let http = RecordingClient::new().unwrap();
    let mut flow = Flow::device(config).unwrap();
    flow.advance(&http).await.unwrap();
    tokio::time::sleep(Duration::from_millis(1100)).await;
    let err = flow.advance(&http).await.unwrap_err();
    assert!(err.to_string().contains("RFC 8628 §3.5"), "{err}");
    assert_eq!(polls.load(Ordering::SeqCst), 0, "no poll after expiry");
}

#[tokio::test]
async fn each_slow_down_adds_five_seconds() {
    let (config, _) = scripted(600, vec!["slow_down", "slow_down", "authorization_pending"]).await;
    let http = RecordingClient::new().unwrap();
    let mut flow = Flow::device(config).unwrap();
    flow.advance(&http).await.unwrap();
    let waits: Vec<Advance> = [
        flow.advance(&http).await.unwrap(),
        flow.advance(&http).await.unwrap(),
        flow.advance(&http).await.unwrap(),
    ]
    .into();
    let secs = |s| Advance::Poll {
        wait: Duration::from_secs(s),
    };
    assert_eq!(waits, vec![secs(6), secs(11), secs(11)]);
}
