//! The JWT bearer grant (RFC 7523 §2.1): the client trades a JWT that an issuer the server
//! trusts signed (about a subject, usually a user) for an access token for that subject.

use super::FlowConfig;
use super::tokens::token_request;
use crate::oauth::error::EngineError;
use crate::oauth::step::RequestDraft;
use crate::wire::JWT_BEARER_GRANT;

pub fn jwt_bearer_request(
    config: &FlowConfig,
    assertion: &str,
) -> Result<RequestDraft, EngineError> {
    let mut params = vec![("grant_type", JWT_BEARER_GRANT), ("assertion", assertion)];
    if let Some(scope) = &config.scope {
        params.push(("scope", scope));
    }
    token_request(config, &params)
}
