//! Logging for the MCP server: stderr only, because stdout carries the protocol.
//!
//! Log lines name the tool, the issuer and the outcome (an error code), never an argument
//! value: arguments and results carry secrets (client secrets, codes, verifiers, tokens).

use tracing_subscriber::filter::{EnvFilter, filter_fn};
use tracing_subscriber::prelude::*;

/// The environment variable that sets the log filter (`info` unless said otherwise).
pub const LOG_ENV: &str = "OAUTHSCOPE_LOG";

pub fn init() {
    let filter = EnvFilter::try_from_env(LOG_ENV).unwrap_or_else(|_| EnvFilter::new("info"));
    let layer = tracing_subscriber::fmt::layer()
        .with_writer(std::io::stderr)
        .with_ansi(false)
        .with_target(false)
        .with_filter(filter)
        .with_filter(filter_fn(|meta| !is_sdk_detail(meta)));
    // A second call (tests that serve twice) keeps the first subscriber: nothing to report.
    let _ = tracing_subscriber::registry().with(layer).try_init();
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
    use super::*;

    #[test]
    fn sdk_debug_lines_are_dropped_and_ours_kept() {
        use tracing::Level;
        use tracing::callsite::Identifier;
        use tracing::field::FieldSet;
        use tracing::metadata::{Kind, Metadata};

        struct Site;
        impl tracing::Callsite for Site {
            fn set_interest(&self, _: tracing::subscriber::Interest) {}
            fn metadata(&self) -> &Metadata<'_> {
                unreachable!("only its identity is used")
            }
        }
        static SITE: Site = Site;
        let meta = |target: &'static str, level: Level| {
            Metadata::new(
                "event",
                target,
                level,
                None,
                None,
                None,
                FieldSet::new(&[], Identifier(&SITE)),
                Kind::EVENT,
            )
        };
        assert!(is_sdk_detail(&meta("rmcp::service", Level::DEBUG)));
        assert!(!is_sdk_detail(&meta("rmcp::service", Level::INFO)));
        assert!(!is_sdk_detail(&meta("oauthscope::mcp", Level::DEBUG)));
    }
}
