//! The client credentials grant (RFC 6749 §4.4): a confidential client gets a token for
//! itself, with no user involved.

use super::FlowConfig;
use super::tokens::token_request;
use crate::oauth::error::EngineError;
use crate::oauth::step::RequestDraft;
use crate::wire::AUTHORIZATION_DETAILS;

pub fn client_credentials_request(config: &FlowConfig) -> Result<RequestDraft, EngineError> {
    let mut params = vec![("grant_type", "client_credentials")];
    if let Some(scope) = &config.scope {
        params.push(("scope", scope));
    }
    // RFC 9396 §6: with no authorization request, the token request carries the details.
    if let Some(details) = &config.authorization_details {
        params.push((AUTHORIZATION_DETAILS, details));
    }
    token_request(config, &params)
}
