//! Token revocation (RFC 7009).

use super::FlowConfig;
use crate::oauth::error::EngineError;
use crate::oauth::exchange::Exchange;
use crate::oauth::response::expect_status;
use crate::oauth::step::RequestDraft;

/// The revocation request with the client's authentication (RFC 7009 §2.1).
pub fn revocation_request(
    config: &FlowConfig,
    token: &str,
    token_type_hint: Option<&str>,
) -> Result<RequestDraft, EngineError> {
    config.token_request(
        "revocation_endpoint",
        &config.metadata.revocation_endpoint,
        token,
        token_type_hint,
    )
}

/// 200 means revoked, or unknown, which RFC 7009 §2.2 deliberately does not distinguish.
pub fn process_revocation(exchange: &Exchange) -> Result<(), EngineError> {
    expect_status(exchange, &[200]).map(|_| ())
}
