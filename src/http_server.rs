//! The accept loop of every server in the binary (the built-in mock, `oauthscope mcp
//! --http`): hyper's HTTP/1 server with the limits `axum::serve` does not expose, since both
//! face whatever a client on the network sends.
//!
//! - a header-read timeout (hyper's `header_read_timeout`), which also closes idle
//!   keep-alive connections: hyper starts that timer whenever it waits for a request head;
//! - a body-read timeout (tower-http's `RequestBodyTimeoutLayer`);
//! - a body size limit that answers a declared `Content-Length` above it with 413 before
//!   reading anything (tower-http's `RequestBodyLimitLayer`);
//! - a cap on request-head size (hyper's `max_buf_size`) and on concurrent connections
//!   (connections beyond it wait in the listen backlog until one closes).
//!
//! Shutdown stops accepting, closes idle connections and lets requests in flight finish.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::body::{Body, Bytes, HttpBody};
use axum::extract::ConnectInfo;
use axum::http::{Request, Response, StatusCode};
use axum::response::IntoResponse;
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::server::graceful::GracefulShutdown;
use hyper_util::service::TowerToHyperService;
use tokio::net::TcpListener;
use tokio::sync::{Semaphore, oneshot};
use tower::{ServiceBuilder, ServiceExt};
use tower_http::limit::RequestBodyLimitLayer;
use tower_http::timeout::RequestBodyTimeoutLayer;

/// Pause after a failed `accept` (out of file descriptors, usually) before trying again.
const ACCEPT_RETRY: Duration = Duration::from_millis(100);

/// Largest request line plus headers hyper buffers for one request (hyper's `max_buf_size`).
pub const MAX_HEAD_BYTES: usize = 32 * 1024;

/// What one server lets a client take: connections at once and the time and bytes of a request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ConnectionLimits {
    /// Connections served at once; more wait in the listen backlog.
    pub max_connections: usize,
    /// Time to send a request's headers, counted from the connection opening or the previous
    /// response, so this is also the keep-alive idle timeout.
    pub header_read_timeout: Duration,
    /// Time to send a request's body once its headers are in.
    pub body_read_timeout: Duration,
    /// Largest request body, in bytes.
    pub body_limit: usize,
}

impl Default for ConnectionLimits {
    fn default() -> Self {
        ConnectionLimits {
            max_connections: 512,
            header_read_timeout: Duration::from_secs(10),
            body_read_timeout: Duration::from_secs(10),
            body_limit: 64 * 1024,
        }
    }
}

/// Why a body over `limit_bytes` is refused, in the words of the rule.
pub fn too_large_description(limit_bytes: usize) -> String {
    format!(
        "the request body is larger than this server's limit of {limit_bytes} bytes \
         (RFC 9110 section 15.5.14)"
    )
}

/// Serves `router` on `listener` until `stop` fires (or its sender is dropped).
pub async fn serve(
    listener: TcpListener,
    router: Router,
    limits: ConnectionLimits,
    stop: oneshot::Receiver<()>,
) -> std::io::Result<()> {
    let connections = Arc::new(Semaphore::new(limits.max_connections));
    let graceful = GracefulShutdown::new();
    let mut builder = http1::Builder::new();
    builder
        .timer(TokioTimer::new())
        .header_read_timeout(limits.header_read_timeout)
        .max_buf_size(MAX_HEAD_BYTES);
    let body_limit = limits.body_limit;
    let service = ServiceBuilder::new()
        .map_response(move |response| as_json_error(response, body_limit))
        .layer(RequestBodyLimitLayer::new(body_limit))
        .layer(RequestBodyTimeoutLayer::new(limits.body_read_timeout))
        .service(router);
    tokio::pin!(stop);
    loop {
        let permit = tokio::select! {
            permit = Arc::clone(&connections).acquire_owned() => match permit {
                Ok(permit) => permit,
                Err(_) => break,
            },
            _ = &mut stop => break,
        };
        let (stream, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(err) => {
                    tracing::warn!("accepting a connection failed: {err}");
                    tokio::time::sleep(ACCEPT_RETRY).await;
                    continue;
                }
            },
            _ = &mut stop => break,
        };
        // Handlers that limit by client address (device user codes) read it from here.
        let service = service
            .clone()
            .map_request(move |mut request: Request<Incoming>| {
                request
                    .extensions_mut()
                    .insert(ConnectInfo::<SocketAddr>(peer));
                request
            });
        let connection =
            builder.serve_connection(TokioIo::new(stream), TowerToHyperService::new(service));
        let connection = graceful.watch(connection);
        tokio::spawn(async move {
            // A client that hangs up or times out is routine, not worth a log line.
            let _ = connection.await;
            drop(permit);
        });
    }
    drop(listener);
    // Requests in flight get as long as a slow client could take to send one.
    let grace = limits.header_read_timeout + limits.body_read_timeout;
    if tokio::time::timeout(grace, graceful.shutdown())
        .await
        .is_err()
    {
        tracing::warn!("some connections were still open {grace:?} after shutdown began");
    }
    Ok(())
}

/// The 413 that `RequestBodyLimitLayer` writes itself, as a JSON error in the shape of RFC
/// 6749 §5.2 like every other refusal (a 413 from a router is that error already).
fn as_json_error<B>(response: Response<B>, body_limit: usize) -> Response<Body>
where
    B: HttpBody<Data = Bytes> + Send + 'static,
    B::Error: Into<axum::BoxError>,
{
    if response.status() == StatusCode::PAYLOAD_TOO_LARGE && !is_json(&response) {
        let body = serde_json::json!({
            "error": "invalid_request",
            "error_description": too_large_description(body_limit),
        });
        (StatusCode::PAYLOAD_TOO_LARGE, axum::Json(body)).into_response()
    } else {
        response.map(Body::new)
    }
}

fn is_json<B>(response: &Response<B>) -> bool {
    response
        .headers()
        .get(axum::http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/json"))
}
