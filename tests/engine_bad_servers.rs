//! The bad-server matrix: local servers that misbehave in every common way. Each must give a
//! readable error on the step, and nothing may panic.

use std::net::SocketAddr;
use std::time::Duration;

use axum::Router;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Redirect};
use axum::routing::{get, post};
use oauthscope::oauth::client_auth::{AuthMethod, ClientCredentials};
use oauthscope::oauth::discovery;
use oauthscope::oauth::flow::{Flow, FlowConfig};
use oauthscope::oauth::http::{ExchangeLog, HttpSettings};
use oauthscope::oauth::{EngineError, RecordingClient, StepStatus};
use oauthscope::wire::ServerMetadata;
use tokio::io::AsyncWriteExt;
use tokio::net::TcpListener;

async fn serve(router: Router) -> SocketAddr {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, router).await });
    addr
}

fn bad_routes() -> Router {
    Router::new()
        .route(
            "/html",
            post(|| async {
                (
                    StatusCode::BAD_GATEWAY,
                    [(header::CONTENT_TYPE, "text/html")],
                    "<html><body><h1>502 Bad Gateway</h1><p>nginx</p></body></html>",
                )
            }),
        )
        .route(
            "/html-ok",
            post(|| async {
                (
                    [(header::CONTENT_TYPE, "text/html")],
                    "<html><form>Sign in</form></html>",
                )
            }),
        )
        .route("/not-json", post(|| async { "hello, world" }))
        .route(
            "/wrong-shape",
            post(|| async {
                (
                    [(header::CONTENT_TYPE, "application/json")],
                    r#"{"token":"abc","type":"bearer"}"#,
                )
            }),
        )
        .route(
            "/500",
            post(|| async { StatusCode::INTERNAL_SERVER_ERROR.into_response() }),
        )
        .route(
            "/hang",
            post(|| async {
                tokio::time::sleep(Duration::from_secs(30)).await;
                "too late"
            }),
        )
        .route(
            "/big",
            post(|| async { format!("{{\"access_token\":\"{}\"}}", "x".repeat(200_000)) }),
        )
        .route("/loop", post(|| async { Redirect::temporary("/loop") }))
}

/// A client with tight limits so the slow cases stay fast.
fn client() -> RecordingClient {
    RecordingClient::with_settings(
        HttpSettings {
            timeout: Duration::from_millis(800),
            connect_timeout: Duration::from_millis(800),
            max_body_bytes: 64 * 1024,
        },
        ExchangeLog::new(),
    )
    .unwrap()
}

fn config_with_token_endpoint(token_endpoint: String) -> FlowConfig {
    let metadata = ServerMetadata {
        issuer: "http://127.0.0.1".into(),
        token_endpoint: Some(token_endpoint),
        ..Default::default()
    };
    FlowConfig::new(
        metadata,
        ClientCredentials::confidential("app", "app-secret", AuthMethod::ClientSecretBasic),
    )
}

/// Runs a client-credentials token request against `url`; returns the error and the step.
async fn token_error(url: String) -> (EngineError, oauthscope::oauth::Step) {
    let http = client();
    let mut flow = Flow::client_credentials(config_with_token_endpoint(url)).unwrap();
    let err = flow.advance(&http).await.unwrap_err();
    let step = flow.steps()[0].clone();
    assert!(
        matches!(step.status, StepStatus::Failed(_)),
        "{:?}",
        step.status
    );
    assert!(step.exchange.is_some(), "the failed request is recorded");
    assert_eq!(http.log().len(), 1);
    (err, step)
}

#[tokio::test]
async fn html_error_page_gives_status_and_snippet() {
    let addr = serve(bad_routes()).await;
    let (err, _) = token_error(format!("http://{addr}/html")).await;
    let text = err.to_string();
    assert!(text.contains("502 Bad Gateway"), "{text}");
    assert!(text.contains("nginx"), "{text}");
}

#[tokio::test]
async fn html_with_success_status_is_not_json() {
    let addr = serve(bad_routes()).await;
    let (err, _) = token_error(format!("http://{addr}/html-ok")).await;
    assert!(matches!(err, EngineError::NotJson { .. }), "{err:?}");
    assert!(err.to_string().contains("text/html"), "{err}");
}

#[tokio::test]
async fn plain_text_body_is_not_json() {
    let addr = serve(bad_routes()).await;
    let (err, _) = token_error(format!("http://{addr}/not-json")).await;
    assert!(err.to_string().contains("hello, world"), "{err}");
}

#[tokio::test]
async fn json_of_the_wrong_shape_names_what_is_missing() {
    let addr = serve(bad_routes()).await;
    let (err, _) = token_error(format!("http://{addr}/wrong-shape")).await;
    assert!(matches!(err, EngineError::WrongShape { .. }), "{err:?}");
    assert!(err.to_string().contains("access_token"), "{err}");
}

#[tokio::test]
async fn server_error_is_reported_with_its_status() {
    let addr = serve(bad_routes()).await;
    let (err, _) = token_error(format!("http://{addr}/500")).await;
    assert_eq!(
        err.to_string(),
        "the server answered 500 Internal Server Error: (empty body)"
    );
}

#[tokio::test]
async fn hanging_server_times_out() {
    let addr = serve(bad_routes()).await;
    let (err, step) = token_error(format!("http://{addr}/hang")).await;
    assert!(err.to_string().contains("timed out"), "{err}");
    assert_eq!(step.exchange.unwrap().status, None);
}

#[tokio::test]
async fn oversized_body_is_cut_at_the_limit() {
    let addr = serve(bad_routes()).await;
    let (err, step) = token_error(format!("http://{addr}/big")).await;
    assert!(err.to_string().contains("64 KiB limit"), "{err}");
    let body = step.exchange.unwrap().response_body.unwrap();
    assert_eq!(body.len(), 64 * 1024);
}

#[tokio::test]
async fn redirect_loop_is_not_followed() {
    let addr = serve(bad_routes()).await;
    let (err, _) = token_error(format!("http://{addr}/loop")).await;
    assert!(
        matches!(err, EngineError::Redirect { status: 307, .. }),
        "{err:?}"
    );
    assert!(err.to_string().contains("/loop"), "{err}");
}

#[tokio::test]
async fn connection_refused_is_said_plainly() {
    // Bind, learn the port, close: nothing listens there any more.
    let addr = TcpListener::bind("127.0.0.1:0")
        .await
        .unwrap()
        .local_addr()
        .unwrap();
    let (err, _) = token_error(format!("http://{addr}/token")).await;
    assert!(err.to_string().contains("connection refused"), "{err}");
}

#[tokio::test]
async fn truncated_response_is_reported() {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        while let Ok((mut stream, _)) = listener.accept().await {
            let mut buf = [0u8; 4096];
            let _ = tokio::io::AsyncReadExt::read(&mut stream, &mut buf).await;
            let _ = stream
                .write_all(
                    b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 200\r\n\r\n{\"access_token\":\"ab",
                )
                .await;
            let _ = stream.shutdown().await;
        }
    });
    let (err, step) = token_error(format!("http://{addr}/token")).await;
    assert!(err.to_string().contains("truncated"), "{err}");
    let exchange = step.exchange.unwrap();
    assert_eq!(exchange.status, Some(200));
    assert_eq!(
        exchange.response_body.as_deref(),
        Some("{\"access_token\":\"ab")
    );
}

#[tokio::test]
async fn discovery_against_an_html_site_is_a_readable_error() {
    let router = Router::new().route(
        "/{*path}",
        get(|| async {
            (
                [(header::CONTENT_TYPE, "text/html")],
                "<html>Welcome</html>",
            )
        }),
    );
    let addr = serve(router).await;
    let err = discovery::discover(&client(), &format!("http://{addr}"))
        .await
        .unwrap_err();
    let text = err.to_string();
    assert!(text.contains("expected a JSON response"), "{text}");
    assert!(text.contains("Welcome"), "{text}");
}

#[tokio::test]
async fn secrets_are_masked_in_recorded_failures() {
    let addr = serve(bad_routes()).await;
    let (_, step) = token_error(format!("http://{addr}/500")).await;
    let exchange = step.exchange.unwrap();
    let curl = exchange.to_curl(false);
    // Basic credentials of app:app-secret must not appear in clear.
    assert!(!curl.contains("YXBwOmFwcC1zZWNyZXQ="), "{curl}");
    assert!(exchange.to_curl(true).contains("YXBwOmFwcC1zZWNyZXQ="));
}

#[tokio::test]
async fn tls_failure_is_reported_as_such() {
    // A plain-HTTP server behind an https URL: the TLS handshake cannot succeed.
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        while let Ok((mut stream, _)) = listener.accept().await {
            let _ = stream
                .write_all(b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n")
                .await;
        }
    });
    let (err, step) = token_error(format!("https://{addr}/token")).await;
    let text = err.to_string();
    assert!(text.contains("TLS"), "{text}");
    assert_eq!(step.exchange.unwrap().status, None);
}
