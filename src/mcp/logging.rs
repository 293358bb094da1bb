//! Logging for the MCP server: stderr only, because stdout carries the protocol.
//!
//! Log lines name the tool, the issuer and the outcome (an error code), never an argument
//! value: arguments and results carry secrets (client secrets, codes, verifiers, tokens).

use tracing_subscriber::Layer;
use tracing_subscriber::filter::{EnvFilter, filter_fn};
use tracing_subscriber::fmt::MakeWriter;
use tracing_subscriber::prelude::*;
use tracing_subscriber::registry::LookupSpan;

/// The environment variable that sets the log filter (`info` unless said otherwise).
pub const LOG_ENV: &str = "OAUTHSCOPE_LOG";

pub fn init() {
    let filter = EnvFilter::try_from_env(LOG_ENV).unwrap_or_else(|_| EnvFilter::new("info"));
    // A second call (tests that serve twice) keeps the first subscriber: nothing to report.
    let _ = tracing_subscriber::registry()
        .with(layer(std::io::stderr, filter))
        .try_init();
}

/// Plain lines to `writer`, through `filter`, with the SDK's request dumps held back.
fn layer<S, W>(writer: W, filter: EnvFilter) -> impl Layer<S>
where
    S: tracing::Subscriber + for<'span> LookupSpan<'span>,
    W: for<'w> MakeWriter<'w> + Send + Sync + 'static,
{
    tracing_subscriber::fmt::layer()
        .with_writer(writer)
        .with_ansi(false)
        .with_target(false)
        .with_filter(filter)
        .with_filter(filter_fn(|meta| !is_sdk_detail(meta)))
}

/// The MCP SDK logs whole requests and responses at debug level, and those carry the secrets
/// of tool calls: its lines below info are dropped whatever the filter asks for.
fn is_sdk_detail(meta: &tracing::Metadata<'_>) -> bool {
    meta.target().starts_with("rmcp") && *meta.level() > tracing::Level::INFO
}

/// One line per finished call: the tool, the server, and how it ended.
pub fn call_finished(tool: &str, issuer: Option<&str>, error: Option<&str>) {
    let issuer = issuer.unwrap_or("-");
    match error {
        None => tracing::info!(tool, issuer, "tool call succeeded"),
        Some(error) => tracing::info!(tool, issuer, error, "tool call failed"),
    }
}

#[cfg(test)]
mod tests {
    use std::sync::{Arc, Mutex};

    use super::*;

    /// Collects what the layer writes.
    #[derive(Clone, Default)]
    struct Captured(Arc<Mutex<Vec<u8>>>);

    impl std::io::Write for Captured {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            self.0.lock().unwrap().extend_from_slice(buf);
            Ok(buf.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    impl<'w> MakeWriter<'w> for Captured {
        type Writer = Captured;
        fn make_writer(&'w self) -> Self::Writer {
            self.clone()
        }
    }

    #[test]
    fn sdk_request_dumps_stay_out_even_at_trace_level() {
        let captured = Captured::default();
        let subscriber =
            tracing_subscriber::registry().with(layer(captured.clone(), EnvFilter::new("trace")));
        tracing::subscriber::with_default(subscriber, || {
            tracing::debug!(target: "rmcp::service", "received request client_secret=s3cr3t");
            tracing::info!(target: "rmcp::service", "client initialized");
            tracing::debug!("our own debug line");
            call_finished("oauth2_revoke_token", Some("http://127.0.0.1:9000"), None);
        });
        let text = String::from_utf8(captured.0.lock().unwrap().clone()).unwrap();
        assert!(!text.contains("s3cr3t"), "{text}");
        assert!(text.contains("client initialized"), "{text}");
        assert!(text.contains("our own debug line"), "{text}");
        assert!(
            text.contains("tool=\"oauth2_revoke_token\" issuer=\"http://127.0.0.1:9000\""),
            "{text}"
        );
    }
}
